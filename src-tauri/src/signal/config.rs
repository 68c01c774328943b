//! Limits and timings of the signaling server, in one place.
//!
//! Every number here bounds what a stranger on the LAN can make the server
//! hold or do; each one has a test in `tests/signal/limits.rs`.

use std::time::Duration;

/// The seed's port, tried first by `lancall serve` and by a hosting app, so
/// the seed page, which has it written in, keeps working.
pub const DEFAULT_PORT: u16 = 8070;

/// How the server behaves and how much it accepts. `Default` is what
/// `lancall serve` and the app run with; tests shorten the timings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest WebSocket message accepted; larger closes the socket with 1009.
    /// 64 KiB holds any real SDP (a 6-track offer is ~10 KiB) with room to spare.
    pub max_frame_bytes: usize,
    /// Most members one room may have. A full mesh of 6 is 15 peer connections,
    /// about what a laptop encodes and decodes comfortably.
    pub max_room_size: usize,
    /// Most WebSocket connections open at once; one more is told `server_full`.
    pub max_connections: usize,
    /// Longest room id and user id, in characters.
    pub max_id_chars: usize,
    /// Sustained messages per second a connection may send...
    pub rate_per_sec: u32,
    /// ...and the burst above that it may spend at once (ICE gathering sends
    /// a few dozen candidates in a few milliseconds).
    pub rate_burst: u32,
    /// How often the server pings each socket.
    pub ping_interval: Duration,
    /// A socket with no frame at all (pongs count) for this long is dropped.
    pub idle_timeout: Duration,
    /// How long a peer that spoke protocol version 1 keeps its id and place in
    /// the room after its socket drops, waiting for it to resume.
    pub resume_grace: Duration,
    /// Messages waiting for one peer before it counts as too slow and is
    /// disconnected, so the room never waits for it.
    pub outbound_queue: usize,
    /// Wrong passcodes one connection may try before it is closed.
    pub passcode_attempts: u32,
    /// Wrong passcodes one source address may try at once, over all its
    /// connections (see [`super::attempts`])...
    pub passcode_attempts_per_ip: u32,
    /// ...and how often it gets one more try back.
    pub passcode_refill: Duration,
    /// Time a connection has to send a whole HTTP request head (the
    /// WebSocket upgrade included); slower is closed (see [`super::guard`]).
    pub request_head_timeout: Duration,
    /// How long shutdown waits for sockets to close after telling them.
    pub shutdown_grace: Duration,
    /// Whether stopping this server ends its calls. The app's server stops
    /// because its person quit or stopped hosting, and nobody is coming back
    /// to it; a headless `lancall serve` is more likely being restarted, and
    /// its peers keep their calls and reconnect. Peers read which in the
    /// close frame's reason (docs/protocol.md, close codes).
    pub shutdown_ends_calls: bool,
    /// Origins allowed besides the built-in ones (see [`super::origin`]).
    /// `*` allows any.
    pub allowed_origins: Vec<String>,
    /// Also speak HTTPS/WSS on the same port, with this certificate (see
    /// [`super::tls`] and [`super::listener`]). `None`: plain HTTP/WS only.
    pub tls: Option<super::tls::TlsIdentity>,
    /// Rooms get a waiting room: a newcomer who is not a host knocks and
    /// waits for a host to admit it (see [`super::room`]'s `lobby`).
    pub waiting_room: bool,
    /// Whoever joins with this key is a host of the room it joins, past its
    /// waiting room and lock. The app makes a fresh one each time it hosts
    /// and gives it only to its own window. `None`: only creators are hosts.
    pub host_key: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_frame_bytes: 64 * 1024,
            max_room_size: 6,
            max_connections: 10_000,
            max_id_chars: 64,
            rate_per_sec: 50,
            rate_burst: 200,
            ping_interval: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            resume_grace: Duration::from_secs(15),
            outbound_queue: 512,
            passcode_attempts: 5,
            passcode_attempts_per_ip: 10,
            passcode_refill: Duration::from_secs(30),
            request_head_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(3),
            shutdown_ends_calls: false,
            allowed_origins: Vec::new(),
            tls: None,
            waiting_room: false,
            host_key: None,
        }
    }
}
