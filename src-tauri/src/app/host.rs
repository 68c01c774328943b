//! The call server inside the app: its own tokio runtime on a background
//! thread, so the GUI thread never waits on the network, stopped gracefully
//! when the app exits.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio_util::sync::CancellationToken;

use super::error::{Error, Result};
use crate::signal;

/// How many ports after the preferred one to try before taking any free one.
const PORT_TRIES: u16 = 20;

/// The app's hosting switch: no server until the person hosts, one server
/// while they do, none again after they stop. Shared by the commands and the
/// app's exit.
pub struct Hosting {
    preferred_port: u16,
    config: signal::Config,
    server: Mutex<Option<HostedServer>>,
}

impl Hosting {
    /// Not hosting yet; hosting will try `preferred_port` first.
    pub fn new(preferred_port: u16, config: signal::Config) -> Hosting {
        Hosting { preferred_port, config, server: Mutex::new(None) }
    }

    /// Start hosting (on `port`, else the preferred one, or the next free
    /// port after it), or return where the running server listens.
    pub fn start(&self, port: Option<u16>) -> Result<SocketAddr> {
        let mut server = self.server.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(running) = server.as_ref() {
            return Ok(running.addr());
        }
        let started = HostedServer::start(port.unwrap_or(self.preferred_port), self.config.clone())?;
        let addr = started.addr();
        tracing::info!("{}", crate::cli::banner(addr));
        *server = Some(started);
        Ok(addr)
    }

    /// Where the server listens, if hosting.
    pub fn addr(&self) -> Option<SocketAddr> {
        self.server.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map(HostedServer::addr)
    }

    /// Where the server listens and how many people are in its rooms, if hosting.
    pub fn status(&self) -> Option<(SocketAddr, usize)> {
        self.server.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map(|s| (s.addr(), s.peers()))
    }

    /// Stop hosting: every peer is told (close 1001) before this returns.
    /// Blocks for up to the server's shutdown grace, so not on the GUI thread.
    pub fn stop(&self) {
        // Out of the lock first: a concurrent `addr` must not wait for the join.
        let server = self.server.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(server) = server {
            server.stop();
            tracing::info!("stopped hosting");
        }
    }
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

