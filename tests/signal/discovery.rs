//! Hosts found on the LAN over mDNS: announced, listed live, withdrawn.
//! These run on loopback only, on an mDNS port of their own, so nothing
//! leaves the machine (`tests/e2e/netns.test.js` covers real interfaces).

use std::time::{Duration, Instant};

use std::sync::mpsc;

use lancall::discovery::{Advertisement, Advertiser, Browser, Change, Network, Watch};

/// Each test its own mDNS port, so parallel tests and runs never hear each other.
fn private_network() -> Network {
    Network { mdns_port: 20_000 + rand::random::<u16>() % 20_000, loopback_only: true }
}

fn wait_for(browser: &mut Browser, within: Duration, what: &str, test: impl Fn(&Change) -> bool) -> Change {
    let deadline = Instant::now() + within;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match browser.next_timeout(left) {
            Some(change) if test(&change) => return change,
            Some(_) => continue,
            None => break,
        }
    }
    panic!("no {what} within {within:?}; known: {:?}", browser.hosts());
}

/// An announced host is found within 3 s with its name, version, port and
/// TLS flag, and no room unless the host names one.
#[test]
fn announced_host_is_found() {
    let network = private_network();
    let ad = Advertisement { tls: true, network: network.clone(), ..Advertisement::new("Studio Mac", 48_123) };
    let advertiser = Advertiser::start_with(&ad).expect("announce");
    let mut browser = Browser::start_on(&network).expect("browse");
    let found = wait_for(&mut browser, Duration::from_secs(3), "host", |c| matches!(c, Change::Found(_)));
    let Change::Found(host) = found else { unreachable!() };
    assert_eq!(host.name, "Studio Mac");
    assert_eq!(host.port, 48_123);
    assert_eq!(host.version, Some(lancall::signal::protocol::PROTOCOL_VERSION));
    assert!(host.tls);
    assert_eq!(host.room, None);
    assert_eq!(host.url, "https://127.0.0.1:48123/");
    assert_eq!(browser.hosts(), vec![host]);
    drop(advertiser);
}

/// Stopping the announcement removes the host from the list at once (a
/// goodbye), not when its records would have expired.
#[test]
fn withdrawn_host_is_lost() {
    let network = private_network();
    let ad = Advertisement { room: Some("standup".into()), network: network.clone(), ..Advertisement::new("Desk", 8070) };
    let advertiser = Advertiser::start_with(&ad).expect("announce");
    let mut browser = Browser::start_on(&network).expect("browse");
    let Change::Found(host) = wait_for(&mut browser, Duration::from_secs(3), "host", |c| matches!(c, Change::Found(_)))
    else {
        unreachable!()
    };
    assert_eq!(host.room.as_deref(), Some("standup"));
    assert!(!host.tls && host.url.starts_with("http://"));
    advertiser.stop();
    let lost = wait_for(&mut browser, Duration::from_secs(3), "goodbye", |c| matches!(c, Change::Lost { .. }));
    assert_eq!(lost, Change::Lost { id: host.id });
    assert!(browser.hosts().is_empty());
}

/// A watch on its own thread reports hosts as they come and go, and calls
/// back no more once stopped.
#[test]
fn watch_reports_until_stopped() {
    let network = private_network();
    let (tx, rx) = mpsc::channel();
    let watch = Watch::start(&network, move |change| {
        let _ = tx.send(change);
    })
    .expect("watch");
    let ad = Advertisement { network: network.clone(), ..Advertisement::new("Kitchen", 9000) };
    let advertiser = Advertiser::start_with(&ad).expect("announce");
    let Ok(Change::Found(host)) = rx.recv_timeout(Duration::from_secs(3)) else { panic!("no host within 3 s") };
    assert_eq!(host.name, "Kitchen");
    advertiser.stop();
    assert_eq!(rx.recv_timeout(Duration::from_secs(3)), Ok(Change::Lost { id: host.id }));
    watch.stop();
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err(), "nothing after stop");
}
