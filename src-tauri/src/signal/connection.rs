//! One WebSocket connection: a task that owns the socket, split into a reader
//! (this task: parses, validates, drives the room) and a writer
//! ([`super::writer`]: drains the connection's replies and its peer's queue,
//! pings). When either half ends, the other is stopped.

use std::future::pending;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::stream::SplitStream;
use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio::time::timeout;

use super::protocol::{self, ClientMessage, HostCommand, Join, LeaveReason, ProtocolError, Relay, ServerMessage};
use super::ratelimit::TokenBucket;
use super::room::{Attached, JoinError, Kick, Mailbox, Rights};
use super::config::Config;
use super::shared::{ConnectionSlot, Shared};
use super::writer::write_loop;

/// Close codes, RFC 6455 §7.4.1.
pub mod close {
    pub const NORMAL: u16 = 1000;
    pub const GOING_AWAY: u16 = 1001;
    pub const POLICY: u16 = 1008;
    pub const TOO_BIG: u16 = 1009;
    pub const TRY_AGAIN_LATER: u16 = 1013;
    /// The reason with 1001 when the server is stopping and may come back:
    /// peers keep their calls and reconnect.
    pub const SHUTTING_DOWN: &str = "server shutting down";
    /// The reason with 1001 when stopping ends the calls (the app hosting
    /// them quit or stopped hosting): peers should not wait for it.
    pub const CALL_ENDED: &str = "host ended the call";
    /// The reason with 1008 when a host removed the peer: it should not
    /// reconnect.
    pub const REMOVED: &str = "removed by the host";
}

/// Knocks one connection may have turned away in one room before its
/// further knocks there are refused (`denied`).
const MAX_DENIALS: u32 = 3;

/// Rooms whose denials one connection remembers; past it, new rooms are
/// not counted (each denial takes a host's action anyway).
const DENIAL_ROOMS: usize = 64;

/// Replies to this connection itself (errors) that wait for the writer.
/// Small: a client that makes errors faster than it reads them loses some.
const REPLY_QUEUE: usize = 32;

/// How long the writer gets to flush a close frame before it is aborted.
const CLOSE_FLUSH: Duration = Duration::from_secs(2);

/// Why the reader stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The client closed, the socket broke, or the writer failed.
    Closed,
    TooBig,
    Idle,
    Kicked(Kick),
    TooManyPasscodes,
    Shutdown,
}

impl End {
    fn close_frame(self, config: &Config) -> Option<CloseFrame> {
        let (code, reason) = match self {
            End::Closed => return None,
            End::TooBig => (close::TOO_BIG, format!("message too big: the limit is {} bytes", config.max_frame_bytes)),
            End::Idle => (close::NORMAL, "idle timeout: no frames received".to_owned()),
            End::Kicked(Kick::Slow) => (close::POLICY, "too slow: outbound queue full".to_owned()),
            End::Kicked(Kick::Replaced) => (close::NORMAL, "resumed on another connection".to_owned()),
            End::Kicked(Kick::Removed) => (close::POLICY, close::REMOVED.to_owned()),
            // Not an end: the reader goes on (see `Reader::denied`).
            End::Kicked(Kick::Denied) => return None,
            End::TooManyPasscodes => (close::POLICY, "too many wrong passcodes".to_owned()),
            End::Shutdown if config.shutdown_ends_calls => (close::GOING_AWAY, close::CALL_ENDED.to_owned()),
            End::Shutdown => (close::GOING_AWAY, close::SHUTTING_DOWN.to_owned()),
        };
        Some(CloseFrame { code, reason: reason.into() })
    }
}

/// Serve one upgraded socket until it ends. `_slot` holds its place in the
/// connection count; `ip` is where it came from, when known.
pub async fn serve(socket: WebSocket, shared: Arc<Shared>, _slot: ConnectionSlot, ip: Option<IpAddr>) {
    let (sink, stream) = socket.split();
    let (replies, replies_rx) = mpsc::channel(REPLY_QUEUE);
    let (mailbox, mailbox_rx) = watch::channel(None);
    let (closing, closing_rx) = watch::channel(None);
    let mut writer = tokio::spawn(write_loop(
        sink,
        replies_rx,
        mailbox_rx,
        closing_rx,
        shared.shutdown.clone(),
        End::Shutdown.close_frame(&shared.config),
        shared.config.ping_interval,
    ));
    let mut reader = Reader {
        bucket: TokenBucket::new(shared.config.rate_per_sec, shared.config.rate_burst, Instant::now()),
        shared,
        replies,
        mailbox,
        attached: None,
        kicked: None,
        ip,
        wrong_passcodes: 0,
        denials: std::collections::HashMap::new(),
        last_rate_error: None,
    };
    let (end, writer_done) = tokio::select! {
        end = reader.read_loop(stream) => (end, false),
        _ = &mut writer => (End::Closed, true),
    };
    if let Some(at) = &reader.attached {
        tracing::debug!(peer = %at.peer_id, room = %at.room_id, ?end, "connection ends");
    }
    reader.finish(end);
    if !writer_done {
        closing.send_replace(end.close_frame(&reader.shared.config));
        if timeout(CLOSE_FLUSH, &mut writer).await.is_err() {
            writer.abort();
        }
    }
}

/// Tell a client over the connection cap why it can't stay, then close.
pub async fn refuse_full(mut socket: WebSocket, max: usize) {
    let message = format!("this host already has {max} connections; try again later");
    let error = ServerMessage::Error { code: "server_full", message: &message, reference: None };
    let _ = socket.send(Message::Text(error.to_json().into())).await;
    let frame = CloseFrame { code: close::TRY_AGAIN_LATER, reason: "server full".into() };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

struct Reader {
    shared: Arc<Shared>,
    replies: mpsc::Sender<Utf8Bytes>,
    /// Hands the writer the queue of the peer this connection speaks for.
    mailbox: watch::Sender<Option<Mailbox>>,
    attached: Option<Attached>,
    kicked: Option<watch::Receiver<Option<Kick>>>,
    /// The client's address, which wrong passcodes are counted against.
    ip: Option<IpAddr>,
    bucket: TokenBucket,
    /// Wrong passcodes and wrong host keys.
    wrong_passcodes: u32,
    /// Knocks turned away, by room.
    denials: std::collections::HashMap<String, u32>,
    last_rate_error: Option<Instant>,
}

impl Reader {
    async fn read_loop(&mut self, mut stream: SplitStream<WebSocket>) -> End {
        let shutdown = self.shared.shutdown.clone();
        let idle = self.shared.config.idle_timeout;
        loop {
            let frame = tokio::select! {
                biased;
                _ = shutdown.cancelled() => return End::Shutdown,
                kick = kicked(&mut self.kicked) => match kick {
                    Kick::Denied => {
                        self.denied();
                        continue;
                    }
                    kick => return End::Kicked(kick),
                },
                frame = timeout(idle, stream.next()) => frame,
            };
            let message = match frame {
                Err(_) => return End::Idle,
                Ok(None) => return End::Closed,
                Ok(Some(Err(e))) => return if is_too_big(e) { End::TooBig } else { End::Closed },
                Ok(Some(Ok(message))) => message,
            };
            match message {
                Message::Text(text) => {
                    if let Err(end) = self.on_text(text.as_str()) {
                        return end;
                    }
                }
                Message::Binary(_) => {
                    if self.take_token() {
                        self.reply_error(&ProtocolError::Binary.to_string(), "binary_unsupported", None);
                    }
                }
                Message::Ping(_) | Message::Pong(_) => {}
                Message::Close(_) => return End::Closed,
            }
        }
    }

    fn on_text(&mut self, text: &str) -> Result<(), End> {
        if !self.take_token() {
            return Ok(());
        }
        match protocol::parse(text, self.shared.config.max_id_chars) {
            Err(e) => {
                self.reply_error(&e.to_string(), e.code(), None);
                Ok(())
            }
            Ok(ClientMessage::Pong) => Ok(()),
            Ok(ClientMessage::Ping) => {
                // Dropped, not queued, when the reply queue is full: the
                // client is then hearing plenty from us anyway.
                let _ = self.replies.try_send(Utf8Bytes::from_static("\"pong\""));
                Ok(())
            }
            Ok(ClientMessage::Exit) => {
                self.exit();
                Ok(())
            }
            Ok(ClientMessage::Join(join)) => self.join(join),
            Ok(ClientMessage::Relay(relay)) => {
                self.relay(&relay);
                Ok(())
            }
            Ok(ClientMessage::Host(command)) => {
                self.host(&command);
                Ok(())
            }
        }
    }

    /// Spend a rate-limit token; a client over its rate is told once a second.
    fn take_token(&mut self) -> bool {
        let now = Instant::now();
        if self.bucket.try_take(now) {
            return true;
        }
        let due = self.last_rate_error.is_none_or(|t| now.duration_since(t) >= Duration::from_secs(1));
        if due {
            self.last_rate_error = Some(now);
            let message = format!(
                "too many messages: at most {} a second (bursts of {}); messages over the limit were dropped",
                self.shared.config.rate_per_sec, self.shared.config.rate_burst
            );
            self.reply_error(&message, "rate_limited", None);
        }
        false
    }

    fn join(&mut self, join: Join) -> Result<(), End> {
        if let Some(at) = &self.attached {
            let message = format!("already in room \"{}\"; send exit first", at.room_id);
            self.reply_error(&message, "already_joined", Some("join"));
            return Ok(());
        }
        let attempts = &self.shared.attempts;
        let may_guess = self.ip.is_none_or(|ip| attempts.may_try(ip, Instant::now()));
        // A key is tested only while a passcode could be: it is one.
        let key = join.host_key.as_deref().filter(|k| !k.is_empty() && may_guess);
        let key_holder = key.is_some_and(|k| self.shared.config.host_key.as_deref().is_some_and(|want| same(k, want)));
        let denials = self.denials.get(&join.room_id).copied().unwrap_or(0);
        let rights = Rights { may_guess, key_holder, may_knock: denials < MAX_DENIALS };
        let result = self.shared.registry.join_as(&join, rights);
        let wrong_key = key.is_some() && !key_holder;
        match result {
            Ok(at) => {
                tracing::debug!(peer = %at.peer_id, room = %at.room_id, resumed = at.resumed, knocked = at.knocked, host = key_holder, "joined");
                self.mailbox.send_replace(Some(at.mailbox.clone()));
                self.kicked = Some(at.kicked.clone());
                // Held before a wrong key may close the connection, so the
                // room hears it leave.
                self.attached = Some(at);
                if wrong_key {
                    // Never told: the joiner is a guest. Counted like a passcode.
                    self.wrong_guess()?;
                }
                Ok(())
            }
            Err(e) => {
                let mut message = e.to_string();
                if let (JoinError::TooManyAttempts(_), Some(ip)) = (&e, self.ip) {
                    let wait = self.shared.attempts.wait(ip, Instant::now()).as_secs_f64().ceil();
                    message = format!("{message} (in {wait} s)");
                }
                self.reply_error(&message, e.code(), Some("join"));
                if matches!(e, JoinError::WrongPasscode(_)) {
                    self.wrong_guess()?;
                }
                if wrong_key {
                    self.wrong_guess()?;
                }
                Ok(())
            }
        }
    }

    /// A wrong passcode or host key: counted against the address and this
    /// connection, which is closed after too many.
    fn wrong_guess(&mut self) -> Result<(), End> {
        if let Some(ip) = self.ip {
            self.shared.attempts.failed(ip, Instant::now());
        }
        self.wrong_passcodes += 1;
        if self.wrong_passcodes >= self.shared.config.passcode_attempts {
            return Err(End::TooManyPasscodes);
        }
        Ok(())
    }

    /// A host turned this connection's knock away: it is no longer waiting
    /// (its `denied` is queued), and may join again, here only so often.
    fn denied(&mut self) {
        let Some(at) = self.attached.take() else { return };
        self.kicked = None;
        // The mailbox stays with the writer until the next join: `denied`
        // is in it, and the peer is gone, so nothing else comes.
        if self.denials.len() < DENIAL_ROOMS || self.denials.contains_key(&at.room_id) {
            *self.denials.entry(at.room_id).or_default() += 1;
        }
    }

    fn host(&mut self, command: &HostCommand) {
        let event = command.event();
        let Some(at) = &self.attached else {
            self.reply_error("only a host of the room may admit, deny, remove or lock", "not_host", Some(event));
            return;
        };
        if let Err(e) = self.shared.registry.command(at, command) {
            self.reply_error(&e.to_string(), e.code(), Some(event));
        }
    }

    fn relay(&mut self, relay: &Relay) {
        let event = relay.kind.event();
        let Some(at) = &self.attached else {
            self.reply_error("join a room before sending offers, answers or candidates", "not_joined", Some(event));
            return;
        };
        if let Err(e) = self.shared.registry.relay(at, relay) {
            self.reply_error(&e.to_string(), e.code(), Some(event));
        }
    }

    fn exit(&mut self) {
        if let Some(at) = self.attached.take() {
            self.shared.registry.leave(&at, LeaveReason::Left);
            self.kicked = None;
            self.mailbox.send_replace(None);
        }
    }

    fn reply_error(&self, message: &str, code: &str, reference: Option<&str>) {
        let error = ServerMessage::Error { code, message, reference };
        // A full reply queue means the client is not reading its errors;
        // dropping more of them is the right outcome.
        let _ = self.replies.try_send(error.to_json().into());
    }

    /// Tell the room how this connection ended.
    fn finish(&mut self, end: End) {
        let Some(at) = self.attached.take() else { return };
        if end == End::Kicked(Kick::Removed) {
            // Written before the close frame (the writer empties its replies first).
            let removed = ServerMessage::Removed { room_id: &at.room_id };
            let _ = self.replies.try_send(removed.to_json().into());
        }
        let registry = &self.shared.registry;
        match end {
            End::Closed | End::TooBig => {
                if registry.detach(&at) {
                    let shared = self.shared.clone();
                    let grace = shared.config.resume_grace;
                    tokio::spawn(async move {
                        tokio::time::sleep(grace).await;
                        shared.registry.expire(&at.peer_id, at.generation);
                    });
                }
            }
            End::Idle => registry.leave(&at, LeaveReason::Timeout),
            End::TooManyPasscodes => registry.leave(&at, LeaveReason::Dropped),
            End::Shutdown => registry.leave(&at, LeaveReason::Shutdown),
            // Already out of the room (too slow) or speaking on another socket.
            End::Kicked(_) => {}
        }
    }
}

/// Resolves when the server cuts this connection; never while not joined.
async fn kicked(rx: &mut Option<watch::Receiver<Option<Kick>>>) -> Kick {
    let Some(rx) = rx else { return pending().await };
    loop {
        if let Some(kick) = *rx.borrow_and_update() {
            return kick;
        }
        if rx.changed().await.is_err() {
            return pending().await;
        }
    }
}

fn is_too_big(e: axum::Error) -> bool {
    let inner = e.into_inner();
    matches!(inner.downcast_ref::<tungstenite::Error>(), Some(tungstenite::Error::Capacity(_)))
}

/// Whether two keys are equal, in a time that does not depend on where they
/// first differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
