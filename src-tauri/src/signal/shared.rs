//! What every connection and handler of one server shares: the config, the
//! rooms, the origin and passcode policies, the shutdown token and the
//! connection count. Below [`super::server`], [`super::http`] and
//! [`super::connection`], which all take it and none of which it knows.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::attempts::PasscodeAttempts;
use super::config::Config;
use super::origin::OriginPolicy;
use super::room::{Registry, Stats};

/// What every connection and handler shares.
pub struct Shared {
    pub config: Config,
    pub registry: Registry,
    pub origins: OriginPolicy,
    /// Wrong passcodes by source address.
    pub attempts: PasscodeAttempts,
    /// Cancelled when the server stops; every connection watches it.
    pub shutdown: CancellationToken,
    /// Every connection task, so shutdown can wait for them to close.
    pub tracker: TaskTracker,
    connections: AtomicUsize,
    started: Instant,
}

impl Shared {
    pub fn new(config: Config) -> Arc<Self> {
        Arc::new(Shared {
            registry: Registry::new(config.max_room_size, config.outbound_queue).with_waiting_room(config.waiting_room),
            origins: OriginPolicy::new(&config.allowed_origins),
            attempts: PasscodeAttempts::new(config.passcode_attempts_per_ip, config.passcode_refill),
            shutdown: CancellationToken::new(),
            tracker: TaskTracker::new(),
            connections: AtomicUsize::new(0),
            started: Instant::now(),
            config,
        })
    }

    /// Take a place in the connection count, or `None` at the cap.
    pub fn try_connect(self: &Arc<Self>) -> Option<ConnectionSlot> {
        let max = self.config.max_connections;
        self.connections
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1))
            .ok()
            .map(|_| ConnectionSlot(self.clone()))
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Acquire)
    }

    pub fn stats(&self) -> Stats {
        self.registry.stats()
    }

    pub fn uptime(&self) -> std::time::Duration {
        self.started.elapsed()
    }
}

/// One place in the connection count, given back when dropped.
pub struct ConnectionSlot(Arc<Shared>);

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::AcqRel);
    }
}
