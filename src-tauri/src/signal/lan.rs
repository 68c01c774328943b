//! This machine's addresses that other machines on the LAN can reach, so the
//! banner and the app can say where to point a browser.

use std::net::{IpAddr, SocketAddr};

/// Non-loopback IPv4 addresses of the up interfaces, private ranges first.
/// IPv6 link-local addresses are left out: they need a zone id in a URL.
pub fn addresses() -> Vec<IpAddr> {
    let mut found: Vec<IpAddr> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .map(|iface| iface.ip())
        .filter(|ip| match ip {
            IpAddr::V4(v4) => !v4.is_loopback() && !v4.is_unspecified() && !v4.is_link_local(),
            IpAddr::V6(_) => false,
        })
        .collect();
    found.sort_by_key(|ip| match ip {
        IpAddr::V4(v4) if v4.is_private() => 0,
        _ => 1,
    });
    found.dedup();
    found
}

/// The `http://` URLs the server at `local` can be reached at: one per LAN
/// address when it listens on every interface, else its own address.
pub fn urls(local: SocketAddr) -> Vec<String> {
    let port = local.port();
    if local.ip().is_unspecified() {
        let mut urls: Vec<String> = addresses().iter().map(|ip| format!("http://{ip}:{port}/")).collect();
        urls.push(format!("http://127.0.0.1:{port}/"));
        urls
    } else {
        vec![format!("http://{local}/")]
    }
}
