//! Target `frames`: raw bytes from a client's TCP stream, after the HTTP
//! upgrade, through the WebSocket decoder configured as the server
//! configures it (`http.rs`: frame and message limits, a 4 KiB read
//! buffer), and every text message on through `protocol::parse`.
//!
//! Beyond "no panic": no message over the limit is ever handed on, and the
//! decoder stops at the first error instead of resynchronising on garbage.

use std::io::{Read, Write};

use tungstenite::protocol::{Role, WebSocket, WebSocketConfig};
use tungstenite::Message;

/// The server's default limit, and a small one so short inputs reach it.
const LIMITS: [usize; 2] = [64 * 1024, 200];

/// Messages decoded from one input at most: bounds the time per run.
const MAX_MESSAGES: usize = 10_000;

/// A client socket that says `input`, then closes; what the server writes
/// back (pongs, close frames) goes nowhere.
struct Wire<'a> {
    input: &'a [u8],
}

impl Read for Wire<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.input.read(buf)
    }
}

impl Write for Wire<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn check(data: &[u8]) {
    let Some((&pick, stream)) = data.split_first() else { return };
    let limit = LIMITS[usize::from(pick) % LIMITS.len()];
    let config = WebSocketConfig::default()
        .max_message_size(Some(limit))
        .max_frame_size(Some(limit))
        .read_buffer_size(4 * 1024);
    let mut ws = WebSocket::from_raw_socket(Wire { input: stream }, Role::Server, Some(config));
    for _ in 0..MAX_MESSAGES {
        match ws.read() {
            Ok(Message::Text(text)) => {
                assert!(text.len() <= limit, "a text message of {} bytes passed a limit of {limit}", text.len());
                super::protocol::check_text(text.as_str(), 64);
            }
            Ok(Message::Binary(bytes)) => assert!(bytes.len() <= limit),
            Ok(_) => {}
            Err(_) => return,
        }
    }
}
