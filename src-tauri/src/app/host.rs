//! The call server inside the app: its own tokio runtime on a background
//! thread, so the GUI thread never waits on the network, stopped gracefully
//! when the app exits.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio_util::sync::CancellationToken;

use super::error::{Error, Result};
use crate::discovery::Advertiser;
use crate::signal;

/// How many ports after the preferred one to try before taking any free one.
const PORT_TRIES: u16 = 20;

/// What hosting adds to the server's own config.
#[derive(Debug, Clone, Default)]
pub struct HostOptions {
    /// Folder of the HTTPS certificate (made on first use), so browser guests
    /// on the LAN get a secure origin and may use their camera. `None`: plain
    /// HTTP only.
    pub tls_dir: Option<PathBuf>,
    /// Announce the host on the LAN over mDNS while hosting.
    pub advertise: bool,
}

/// Where a running host listens and what guests see of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub addr: SocketAddr,
    /// People in its rooms now (those waiting to be let in included).
    pub peers: usize,
    /// SHA-256 of its certificate (`AB:CD:…`) when it also speaks HTTPS.
    pub fingerprint: Option<String>,
    /// The key that makes a joiner a host of any room here; for this app's
    /// own window only.
    pub host_key: String,
    /// Its rooms have a waiting room.
    pub waiting_room: bool,
}

/// A server and what goes with it while hosting.
struct Hosted {
    server: HostedServer,
    fingerprint: Option<String>,
    host_key: String,
    waiting_room: bool,
    /// Dropped (withdrawn with a goodbye) before the server stops.
    advertiser: Option<Advertiser>,
}

/// The app's hosting switch: no server until the person hosts, one server
/// while they do, none again after they stop. Shared by the commands and the
/// app's exit.
pub struct Hosting {
    preferred_port: u16,
    config: signal::Config,
    options: HostOptions,
    hosted: Mutex<Option<Hosted>>,
}

impl Hosting {
    /// Not hosting yet; hosting will try `preferred_port` first, plain HTTP,
    /// not announced.
    pub fn new(preferred_port: u16, config: signal::Config) -> Hosting {
        Hosting::with_options(preferred_port, config, HostOptions::default())
    }

    pub fn with_options(preferred_port: u16, config: signal::Config, options: HostOptions) -> Hosting {
        Hosting { preferred_port, config, options, hosted: Mutex::new(None) }
    }

    /// Start hosting (on `port`, else the preferred one, or the next free
    /// port after it) under the display name `name`, with a waiting room
    /// or not (`None`: as the config says), or return the running host's
    /// status. Each start makes a fresh host key. HTTPS or the announcement
    /// failing is logged and leaves a working plain host: the window's own
    /// client never needs either.
    pub fn start(&self, port: Option<u16>, name: Option<&str>, waiting_room: Option<bool>) -> Result<Status> {
        let mut hosted = self.hosted.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(running) = hosted.as_ref() {
            return Ok(running.status());
        }
        let mut config = self.config.clone();
        config.waiting_room = waiting_room.unwrap_or(config.waiting_room);
        let host_key = new_host_key();
        config.host_key = Some(host_key.clone());
        let waiting_room = config.waiting_room;
        if let Some(dir) = &self.options.tls_dir {
            match signal::tls::TlsIdentity::load_or_create(dir) {
                Ok(identity) => config.tls = Some(identity),
                Err(e) => tracing::warn!(cause = %e, "hosting without HTTPS"),
            }
        }
        let fingerprint = config.tls.as_ref().map(|t| t.fingerprint().to_owned());
        let server = HostedServer::start(port.unwrap_or(self.preferred_port), config)?;
        let addr = server.addr();
        tracing::info!("{}", signal::banner::listening(addr));
        let advertiser = if self.options.advertise {
            let name = name.map(str::trim).filter(|n| !n.is_empty()).map_or_else(crate::discovery::machine_name, str::to_owned);
            Advertiser::start(&name, addr.port(), fingerprint.is_some())
                .inspect_err(|e| tracing::warn!(cause = %e, "hosting without announcing on the LAN"))
                .ok()
        } else {
            None
        };
        let running = Hosted { server, fingerprint, host_key, waiting_room, advertiser };
        let status = running.status();
        *hosted = Some(running);
        Ok(status)
    }

    /// Where the server listens, if hosting.
    pub fn addr(&self) -> Option<SocketAddr> {
        self.status().map(|s| s.addr)
    }

    /// The running host's status, if hosting.
    pub fn status(&self) -> Option<Status> {
        self.hosted.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map(Hosted::status)
    }

    /// Stop hosting: the announcement is withdrawn and every peer is told
    /// (close 1001) before this returns. Blocks for up to the server's
    /// shutdown grace, so not on the GUI thread.
    pub fn stop(&self) {
        // Out of the lock first: a concurrent `status` must not wait for the join.
        let hosted = self.hosted.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(Hosted { server, advertiser, .. }) = hosted {
            if let Some(advertiser) = advertiser {
                advertiser.stop();
            }
            server.stop();
            tracing::info!("stopped hosting");
        }
    }
}

impl Hosted {
    fn status(&self) -> Status {
        Status {
            addr: self.server.addr(),
            peers: self.server.peers(),
            fingerprint: self.fingerprint.clone(),
            host_key: self.host_key.clone(),
            waiting_room: self.waiting_room,
        }
    }
}

/// A fresh host key: 128 random bits as hex.
fn new_host_key() -> String {
    rand::random::<[u8; 16]>().iter().map(|b| format!("{b:02x}")).collect()
}

/// A running in-process server.
pub struct HostedServer {
    addr: SocketAddr,
    shared: Arc<signal::Shared>,
    stop: CancellationToken,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl HostedServer {
    /// Listen on all interfaces at `port`, or the next free port after it,
    /// and serve on a background runtime.
    pub fn start(port: u16, config: signal::Config) -> Result<Self> {
        let listener = bind_near(port)?;
        Self::start_on(listener, config)
    }

    /// Serve on a listener the caller bound.
    pub fn start_on(listener: TcpListener, config: signal::Config) -> Result<Self> {
        let addr = listener.local_addr().map_err(|source| Error::Bind { port: 0, source })?;
        listener.set_nonblocking(true).map_err(|source| Error::Bind { port: addr.port(), source })?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("lancall-server")
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        let shared = signal::Shared::new(config);
        let serving = shared.clone();
        let thread = std::thread::Builder::new()
            .name("lancall-server-main".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            tracing::error!(cause = ?e, "cannot use the listener");
                            return;
                        }
                    };
                    if let Err(e) = signal::serve(listener, serving, stopped.cancelled_owned()).await {
                        tracing::error!(cause = ?e, "call server stopped with an error");
                    }
                });
            })
            .map_err(Error::Runtime)?;
        Ok(HostedServer { addr, shared, stop, thread: Mutex::new(Some(thread)) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// People in the server's rooms now.
    pub fn peers(&self) -> usize {
        self.shared.stats().peers
    }

    /// Tell every peer, close every socket, and wait for the server's thread
    /// (bounded by the server's own shutdown grace).
    pub fn stop(&self) {
        self.stop.cancel();
        let thread = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

impl Drop for HostedServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn bind_near(port: u16) -> Result<TcpListener> {
    let mut last = None;
    for p in port..port.saturating_add(PORT_TRIES) {
        match TcpListener::bind((Ipv4Addr::UNSPECIFIED, p)) {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    // Every nearby port is taken: any free one still makes a working host.
    TcpListener::bind((Ipv4Addr::UNSPECIFIED, 0)).map_err(|source| Error::Bind {
        port,
        source: last.unwrap_or(source),
    })
}

