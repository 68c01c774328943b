//! Real WebSocket clients for the tests, of the shared in-process server
//! (`tests/common/server.rs`).

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub use crate::server::{TestServer, PROMPT};

/// Real WebSocket clients of the shared [`TestServer`].
impl TestServer {
    pub async fn client(&self) -> Client {
        Client::connect(&self.ws_url()).await
    }

    /// A client already in `room` as `user`, speaking protocol version 1.
    pub async fn joined(&self, user: &str, room: &str) -> (Client, Value) {
        let mut c = self.client().await;
        let welcome = c.join_v1(user, room).await;
        (c, welcome)
    }
}

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct Client {
    pub ws: Socket,
}

impl Client {
    pub async fn connect(url: &str) -> Self {
        let (ws, _) = tokio_tungstenite::connect_async(url).await.expect("connect");
        Client { ws }
    }

    /// Connect with an `Origin` header; returns the HTTP status on refusal.
    pub async fn connect_with_origin(url: &str, origin: &str) -> Result<Self, u16> {
        let mut request = url.into_client_request().expect("request");
        request.headers_mut().insert("Origin", origin.parse().expect("header"));
        match tokio_tungstenite::connect_async(request).await {
            Ok((ws, _)) => Ok(Client { ws }),
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
            Err(e) => panic!("unexpected connect error: {e}"),
        }
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text)).await.expect("send");
    }

    pub async fn send(&mut self, value: Value) {
        self.send_text(&value.to_string()).await;
    }

    /// The next text frame, raw. Pings are answered by the library.
    pub async fn recv_text(&mut self) -> String {
        match self.next_text(PROMPT).await {
            Some(Ok(text)) => text,
            Some(Err(close)) => panic!("socket closed while a message was expected: {close:?}"),
            None => panic!("no message within {PROMPT:?}"),
        }
    }

    /// The next text frame within `wait`, or the close frame, or `None` on time-out.
    pub async fn next_text(&mut self, wait: Duration) -> Option<Result<String, Option<CloseFrame>>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let next = tokio::time::timeout_at(deadline, self.ws.next()).await.ok()?;
            match next {
                Some(Ok(Message::Text(t))) => return Some(Ok(t.to_string())),
                Some(Ok(Message::Close(frame))) => return Some(Err(frame)),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Some(Err(None)),
            }
        }
    }

    pub async fn recv(&mut self) -> Value {
        let text = self.recv_text().await;
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("server sent bad JSON {text}: {e}"))
    }

    /// The next message, which must be `event`; returns its `data`.
    pub async fn expect(&mut self, event: &str) -> Value {
        let msg = self.recv().await;
        assert_eq!(msg["event"], event, "expected {event}, got {msg}");
        msg["data"].clone()
    }

    /// The next message must be an error with `code`.
    pub async fn expect_error(&mut self, code: &str) -> Value {
        let data = self.expect("error").await;
        assert_eq!(data["code"], code, "{data}");
        assert!(data["message"].as_str().is_some_and(|m| !m.is_empty()), "{data}");
        data
    }

    /// Nothing arrives for `wait`.
    pub async fn expect_silence(&mut self, wait: Duration) {
        if let Some(got) = self.next_text(wait).await {
            panic!("expected silence, got {got:?}");
        }
    }

    /// The server closes the socket; returns the close code.
    pub async fn expect_close(&mut self) -> u16 {
        loop {
            match self.next_text(PROMPT).await {
                Some(Ok(_)) => continue,
                Some(Err(Some(frame))) => return u16::from(frame.code),
                Some(Err(None)) => return 1006,
                None => panic!("socket not closed within {PROMPT:?}"),
            }
        }
    }

    /// Join as the seed page does: no version. The seed server sends the
    /// joiner nothing; lancall sends a `welcome` a seed page ignores.
    pub async fn join_seed(&mut self, user: &str, room: &str) -> Value {
        self.send(json!({"event": "join", "data": {"user_id": user, "room_id": room}})).await;
        self.expect("welcome").await
    }

    pub async fn join_v1(&mut self, user: &str, room: &str) -> Value {
        self.send(json!({"event": "join", "data": {"user_id": user, "room_id": room, "version": 1}}))
            .await;
        self.expect("welcome").await
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

impl Client {
    /// Connect from a given loopback address (Linux answers on all of
    /// 127.0.0.0/8), so a test can play several machines.
    pub async fn connect_from(url: &str, ip: &str) -> Self {
        let addr: SocketAddr = url.trim_start_matches("ws://").trim_end_matches("/ws").parse().expect("addr");
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.bind(SocketAddr::new(ip.parse().expect("ip"), 0)).expect("bind");
        let stream = socket.connect(addr).await.expect("tcp connect");
        let (ws, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream)).await.expect("upgrade");
        Client { ws }
    }
}

/// Two honest peers in a room of their own, to show an attack elsewhere (or
/// in their room) leaves them able to talk.
pub struct Honest {
    pub a: Client,
    pub b: Client,
    sent: u64,
}

impl Honest {
    pub async fn start(server: &TestServer) -> Self {
        let (mut a, _) = server.joined("honest-a", "honest").await;
        let (b, _) = server.joined("honest-b", "honest").await;
        a.expect("join").await;
        Honest { a, b, sent: 0 }
    }

    /// A message each way arrives promptly and intact; room notices in
    /// between are allowed, anything else fails the test.
    pub async fn still_relay(&mut self) {
        self.sent += 1;
        let n = self.sent;
        self.a.send(json!({"event": "candidate", "data": {"value": {"n": n, "from": "a"}}})).await;
        self.b.send(json!({"event": "candidate", "data": {"value": {"n": n, "from": "b"}}})).await;
        assert_eq!(next_relay(&mut self.b).await, json!({"n": n, "from": "a"}));
        assert_eq!(next_relay(&mut self.a).await, json!({"n": n, "from": "b"}));
    }
}

/// The next relayed `value`, skipping room notices.
async fn next_relay(c: &mut Client) -> Value {
    loop {
        let msg = c.recv().await;
        match msg["event"].as_str() {
            Some("join" | "exit_room" | "peer_reconnecting" | "peer_resumed") => continue,
            Some("candidate") => return msg["data"]["value"].clone(),
            _ => panic!("honest peer got {msg}"),
        }
    }
}

/// Allow this process `want` open files (up to its hard limit), for tests
/// that hold thousands of sockets on both ends. Windows has no such limit
/// on sockets: there it is `want`.
#[cfg(not(unix))]
pub fn raise_fd_limit(want: u64) -> u64 {
    want
}

/// Allow this process `want` open files (up to its hard limit), for tests
/// that hold thousands of sockets on both ends.
#[cfg(unix)]
pub fn raise_fd_limit(want: u64) -> u64 {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        if lim.rlim_cur < want {
            lim.rlim_cur = want.min(lim.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
    lim.rlim_cur
}
