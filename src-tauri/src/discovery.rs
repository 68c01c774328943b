//! Finding hosts on the LAN with no set-up: a hosting app (or `lancall serve
//! --advertise`) announces `_lancall._tcp.local.` over mDNS/DNS-SD, and the
//! join screen (or `lancall discover`) lists the hosts it hears, live.
//!
//! What is announced, and nothing more: the host's display name (`name`), the
//! protocol version (`v`), `tls=1` when it also speaks HTTPS/WSS on the same
//! port, and a room (`room`) only when the host asks for it. The SRV target is
//! a name of our own (`lancall-<random>.local.`), never the machine's host
//! name, so nothing clashes with the system's own responder.
//!
//! The mDNS work runs on `mdns-sd`'s own thread; this module knows nothing of
//! tokio or Tauri. IPv4 only: link-local IPv6 addresses need a zone id in a
//! URL, and every LAN this app is for has IPv4.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mdns_sd::{IfKind, ResolvedService, ServiceDaemon, ServiceEvent, ServiceInfo};
use serde::Serialize;

use crate::signal::protocol::PROTOCOL_VERSION;

/// The DNS-SD service type every lancall host registers.
pub const SERVICE_TYPE: &str = "_lancall._tcp.local.";

/// Longest DNS label: an instance name is cut to this many bytes.
const MAX_LABEL: usize = 63;
/// TXT strings are at most 255 bytes, key and `=` included.
const MAX_TXT_VALUE: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("mDNS: {0}")]
    Mdns(#[from] mdns_sd::Error),
    #[error("cannot start the discovery thread: {0}")]
    Thread(std::io::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

/// Which network the mDNS daemon uses. The default is the real one: port
/// 5353 on every IPv4 interface. Tests use loopback only on a port of their
/// own, so no packet leaves the machine and no other responder hears them.
#[derive(Debug, Clone)]
pub struct Network {
    pub mdns_port: u16,
    pub loopback_only: bool,
}

impl Default for Network {
    fn default() -> Self {
        Network { mdns_port: mdns_sd::MDNS_PORT, loopback_only: false }
    }
}

impl Network {
    fn daemon(&self) -> Result<ServiceDaemon> {
        let daemon = ServiceDaemon::new_with_port(self.mdns_port)?;
        daemon.disable_interface(IfKind::IPv6)?;
        if self.loopback_only {
            daemon.disable_interface(IfKind::All)?;
            daemon.enable_interface(IfKind::LoopbackV4)?;
        }
        Ok(daemon)
    }
}

/// What a host announces.
#[derive(Debug, Clone)]
pub struct Advertisement {
    /// The host's display name, shown in the join list.
    pub name: String,
    /// The signaling server's port.
    pub port: u16,
    /// The same port also speaks HTTPS/WSS.
    pub tls: bool,
    /// A room to offer in the list; `None` keeps room names private.
    pub room: Option<String>,
    pub network: Network,
}

impl Advertisement {
    pub fn new(name: &str, port: u16) -> Self {
        Advertisement { name: name.to_owned(), port, tls: false, room: None, network: Network::default() }
    }

    fn txt(&self) -> Vec<(String, String)> {
        let mut txt = vec![("name".into(), cut(&self.name, MAX_TXT_VALUE).to_owned()), ("v".into(), PROTOCOL_VERSION.to_string())];
        if self.tls {
            txt.push(("tls".into(), "1".into()));
        }
        if let Some(room) = &self.room {
            txt.push(("room".into(), cut(room, MAX_TXT_VALUE).to_owned()));
        }
        txt
    }
}

/// A host being announced; the announcement is withdrawn (a goodbye packet,
/// so browsers drop it at once) by [`stop`](Self::stop) or on drop.
pub struct Advertiser {
    daemon: Option<ServiceDaemon>,
    fullname: String,
}

impl Advertiser {
    /// Announce `name` on `port` of every LAN interface.
    pub fn start(name: &str, port: u16, tls: bool) -> Result<Advertiser> {
        Self::start_with(&Advertisement { tls, ..Advertisement::new(name, port) })
    }

    pub fn start_with(ad: &Advertisement) -> Result<Advertiser> {
        let daemon = ad.network.daemon()?;
        let instance = instance_name(&ad.name);
        let host = format!("lancall-{:08x}.local.", rand::random::<u32>());
        let txt: HashMap<String, String> = ad.txt().into_iter().collect();
        // No addresses given: the daemon fills in each interface's own
        // address and follows them as they change.
        let info = ServiceInfo::new(SERVICE_TYPE, &instance, &host, (), ad.port, txt)?.enable_addr_auto();
        let fullname = info.get_fullname().to_owned();
        daemon.register(info)?;
        tracing::info!(instance = %instance, port = ad.port, tls = ad.tls, "announcing {SERVICE_TYPE} over mDNS");
        Ok(Advertiser { daemon: Some(daemon), fullname })
    }

    /// The DNS-SD name being announced (the daemon may rename it, "name (2)",
    /// if another host on the LAN already uses it).
    pub fn fullname(&self) -> &str {
        &self.fullname
    }

    /// Withdraw the announcement and wait (briefly) for the goodbye to leave.
    pub fn stop(mut self) {
        self.withdraw();
    }

    fn withdraw(&mut self) {
        let Some(daemon) = self.daemon.take() else { return };
        if let Ok(done) = daemon.unregister(&self.fullname) {
            let _ = done.recv_timeout(Duration::from_secs(1));
        }
        if let Ok(done) = daemon.shutdown() {
            let _ = done.recv_timeout(Duration::from_secs(1));
        }
        tracing::info!("stopped announcing over mDNS");
    }
}

impl Drop for Advertiser {
    fn drop(&mut self) {
        self.withdraw();
    }
}

/// A host heard on the LAN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundHost {
    /// The DNS-SD instance's full name: the key that add and remove share.
    pub id: String,
    /// The host's display name (its TXT `name`, else the instance name).
    pub name: String,
    /// Where to point a browser or the app: `http(s)://ADDRESS:PORT/`.
    pub url: String,
    pub addresses: Vec<IpAddr>,
    pub port: u16,
    /// Its protocol version, if it said.
    pub version: Option<u32>,
    pub tls: bool,
    /// A room it offers, if it chose to say.
    pub room: Option<String>,
}

impl FoundHost {
    fn from_resolved(s: &ResolvedService) -> Option<FoundHost> {
        let mut addresses: Vec<Ipv4Addr> = s.get_addresses_v4().into_iter().collect();
        // Reachable ones first; loopback only if it is all there is (a host
        // on this very machine, heard on lo).
        addresses.sort_by_key(|a| (a.is_loopback(), a.is_link_local(), !a.is_private(), *a));
        let first = *addresses.first()?;
        let tls = s.get_property_val_str("tls") == Some("1");
        let scheme = if tls { "https" } else { "http" };
        let instance = s.fullname.strip_suffix(&format!(".{SERVICE_TYPE}")).unwrap_or(&s.fullname);
        Some(FoundHost {
            id: s.fullname.clone(),
            name: s.get_property_val_str("name").filter(|n| !n.trim().is_empty()).unwrap_or(instance).to_owned(),
            url: format!("{scheme}://{first}:{}/", s.port),
            addresses: addresses.into_iter().map(IpAddr::V4).collect(),
            port: s.port,
            version: s.get_property_val_str("v").and_then(|v| v.parse().ok()),
            tls,
            room: s.get_property_val_str("room").filter(|r| !r.is_empty()).map(str::to_owned),
        })
    }
}

/// A change in what the LAN offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Change {
    /// A new host, or new facts about one already found (same `id`).
    Found(FoundHost),
    /// A host said goodbye or its records ran out.
    Lost { id: String },
}

/// Listens for hosts until dropped.
pub struct Browser {
    daemon: ServiceDaemon,
    events: mdns_sd::Receiver<ServiceEvent>,
    hosts: HashMap<String, FoundHost>,
}

impl Browser {
    /// Start listening on every LAN interface.
    pub fn start() -> Result<Browser> {
        Self::start_on(&Network::default())
    }

    pub fn start_on(network: &Network) -> Result<Browser> {
        let daemon = network.daemon()?;
        let events = daemon.browse(SERVICE_TYPE)?;
        Ok(Browser { daemon, events, hosts: HashMap::new() })
    }

    /// The hosts known now.
    pub fn hosts(&self) -> Vec<FoundHost> {
        let mut hosts: Vec<FoundHost> = self.hosts.values().cloned().collect();
        hosts.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        hosts
    }

    /// The next change, waiting at most `timeout`; `None` when none came.
    pub fn next_timeout(&mut self, timeout: Duration) -> Option<Change> {
        let deadline = Instant::now() + timeout;
        loop {
            let event = self.events.recv_deadline(deadline).ok()?;
            if let Some(change) = self.apply(event) {
                return Some(change);
            }
        }
    }

    /// The next change, for async callers (a Tauri command's task); `None`
    /// once the daemon has stopped.
    pub async fn next(&mut self) -> Option<Change> {
        loop {
            let event = self.events.recv_async().await.ok()?;
            if let Some(change) = self.apply(event) {
                return Some(change);
            }
        }
    }

    fn apply(&mut self, event: ServiceEvent) -> Option<Change> {
        match event {
            ServiceEvent::ServiceResolved(service) => {
                let host = FoundHost::from_resolved(&service)?;
                if self.hosts.get(&host.id) == Some(&host) {
                    return None;
                }
                self.hosts.insert(host.id.clone(), host.clone());
                Some(Change::Found(host))
            }
            ServiceEvent::ServiceRemoved(_, fullname) => {
                self.hosts.remove(&fullname).map(|_| Change::Lost { id: fullname })
            }
            _ => None,
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.daemon.stop_browse(SERVICE_TYPE);
        let _ = self.daemon.shutdown();
    }
}

/// A [`Browser`] on a thread of its own that hands every change to a
/// callback until stopped (or dropped): what a join screen needs, e.g. a
/// Tauri command forwarding each [`Change`] to the page over a channel.
pub struct Watch {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Watch {
    /// How often the thread looks at the stop flag between changes.
    const POLL: Duration = Duration::from_millis(200);

    pub fn start(network: &Network, mut on_change: impl FnMut(Change) + Send + 'static) -> Result<Watch> {
        // Started here, so a daemon that cannot start is the caller's error.
        let mut browser = Browser::start_on(network)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("lancall-discovery".into())
            .spawn(move || {
                while !stopped.load(Ordering::Acquire) {
                    if let Some(change) = browser.next_timeout(Self::POLL) {
                        on_change(change);
                    }
                }
            })
            .map_err(Error::Thread)?;
        Ok(Watch { stop, thread: Some(thread) })
    }

    /// Stop listening; returns once the callback will not be called again.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Listen for `timeout` and return every host heard (one-shot).
pub fn browse(timeout: Duration) -> Result<Vec<FoundHost>> {
    let mut browser = Browser::start()?;
    let deadline = Instant::now() + timeout;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        if browser.next_timeout(left).is_none() {
            break;
        }
    }
    Ok(browser.hosts())
}

/// This machine's name, the display name a headless host announces when
/// given none.
pub fn machine_name() -> String {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for its length; the name is NUL-terminated
        // when it fits, and the last byte stays 0 when it does not.
        if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) } == 0 {
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            let name = String::from_utf8_lossy(&buf[..end]).trim().to_owned();
            if !name.is_empty() {
                return name;
            }
        }
    }
    std::env::var("COMPUTERNAME").ok().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "lancall".to_owned())
}

/// A DNS-SD instance name from a display name: one label, at most 63 bytes.
fn instance_name(name: &str) -> String {
    let clean: String = name.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    let clean = if clean.is_empty() { "lancall" } else { clean };
    cut(clean, MAX_LABEL).to_owned()
}

/// At most `max` bytes of `s`, cut at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Instance names are one DNS label: control characters go, long names
    /// are cut at a character boundary, an empty name becomes "lancall".
    #[test]
    fn instance_names() {
        assert_eq!(instance_name("Alice's laptop"), "Alice's laptop");
        assert_eq!(instance_name("  \n "), "lancall");
        let long = "会议室".repeat(10); // 90 bytes
        let cutted = instance_name(&long);
        assert!(cutted.len() <= 63 && long.starts_with(&cutted));
        assert_eq!(cutted.chars().count(), 21);
    }

    /// The TXT record says the name and version, and tls and room only when set.
    #[test]
    fn txt_record() {
        let mut ad = Advertisement::new("Studio", 8070);
        assert_eq!(ad.txt(), vec![("name".into(), "Studio".into()), ("v".into(), PROTOCOL_VERSION.to_string())]);
        ad.tls = true;
        ad.room = Some("standup".into());
        let txt = ad.txt();
        assert!(txt.contains(&("tls".into(), "1".into())) && txt.contains(&("room".into(), "standup".into())));
    }
}
