//! Start the built `lancall` binary and read where it listens.
//!
//! The other kind of test server, kept on purpose: these tests are about
//! the process people run (its flags, its banner, its exit on SIGTERM, the
//! app window), which an in-process server cannot show. Tests that need a
//! server and not the binary use the shared in-process one,
//! `tests/common/server.rs`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;

pub const BIN: &str = env!("CARGO_BIN_EXE_lancall");

/// A running `lancall` process and the port its server listens on.
pub struct Running {
    pub child: Child,
    pub port: u16,
}

impl Running {
    /// Start `lancall args…` and wait for its banner (on stdout for `serve`,
    /// in the log on stderr for the app).
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Running {
        let mut cmd = Command::new(BIN);
        cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).env("RUST_LOG", "info");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start lancall");
        let (tx, rx) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    eprintln!("[lancall] {line}");
                    if let Some(port) = banner_port(&line) {
                        let _ = tx.send(port);
                    }
                }
            });
        }
        let port = rx.recv_timeout(Duration::from_secs(30)).expect("lancall printed its banner");
        Running { child, port }
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.port)
    }

    /// Send SIGTERM and wait for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        // SAFETY: plain kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(std::time::Instant::now() < deadline, "lancall did not exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port in the banner line `… signaling at ws://HOST:PORT/ws`.
fn banner_port(line: &str) -> Option<u16> {
    let rest = &line[line.find("ws://")? + 5..];
    let hostport = rest.split('/').next()?;
    hostport.rsplit(':').next()?.parse().ok()
}

/// Join `room` and return the socket; panics if no welcome comes.
pub async fn join(url: &str, user: &str, room: &str) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    use futures_util::SinkExt;
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("connect");
    let join = serde_json::json!({"event": "join", "data": {"user_id": user, "room_id": room}});
    ws.send(Message::text(join.to_string())).await.expect("send");
    let first = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("welcome in time");
    let Some(Ok(Message::Text(text))) = first else { panic!("expected welcome, got {first:?}") };
    assert!(text.contains(r#""event":"welcome""#), "{text}");
    ws
}

/// Wait for the close frame and return its code.
pub async fn close_code(
    ws: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
) -> u16 {
    close_frame(ws).await.0
}

/// Wait for the close frame and return its code and reason (1006 and no
/// reason when the socket ends without one).
pub async fn close_frame(
    ws: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
) -> (u16, String) {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await.expect("closed in time") {
            Some(Ok(Message::Close(Some(frame)))) => return (u16::from(frame.code), frame.reason.to_string()),
            Some(Ok(Message::Close(None))) | None | Some(Err(_)) => return (1006, String::new()),
            Some(Ok(_)) => continue,
        }
    }
}

/// GET a path from the server, returning the body.
pub async fn http_get(port: u16, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    tcp.write_all(req.as_bytes()).await.expect("write");
    let mut out = String::new();
    tcp.read_to_string(&mut out).await.expect("read");
    out.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default()
}
