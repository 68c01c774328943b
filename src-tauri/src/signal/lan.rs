//! This machine's addresses that other machines on the LAN can reach, so the
//! banner, the invite links and the app can say where to point a browser.

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

/// The pages guests on the LAN open, one per LAN address of this machine:
/// `https://` when the server has a certificate, since browsers on other
/// machines open the camera only on a secure origin.
pub fn lan_pages(port: u16, tls: bool) -> Vec<String> {
    let scheme = if tls { "https" } else { "http" };
    addresses().iter().map(|ip| format!("{scheme}://{}/", SocketAddr::new(*ip, port))).collect()
}

/// Every page the server at `local` can be reached at: one per LAN address
/// when it listens on every interface (see [`lan_pages`]), then loopback,
/// which is a secure origin already and so stays `http://`; else its own
/// address.
pub fn pages(local: SocketAddr, tls: bool) -> Vec<String> {
    let port = local.port();
    if local.ip().is_unspecified() {
        let mut pages = lan_pages(port, tls);
        pages.push(format!("http://127.0.0.1:{port}/"));
        pages
    } else if tls && !local.ip().is_loopback() {
        vec![format!("https://{local}/")]
    } else {
        vec![format!("http://{local}/")]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server on one address is reached there; loopback stays http even
    /// with a certificate, another address gets https.
    #[test]
    fn pages_of_one_address() {
        let here: SocketAddr = "127.0.0.1:8070".parse().unwrap();
        assert_eq!(pages(here, false), ["http://127.0.0.1:8070/"]);
        assert_eq!(pages(here, true), ["http://127.0.0.1:8070/"]);
        let lan: SocketAddr = "192.0.2.7:9000".parse().unwrap();
        assert_eq!(pages(lan, true), ["https://192.0.2.7:9000/"]);
    }

    /// On every interface: the LAN pages first, loopback last and in http.
    #[test]
    fn pages_of_every_interface() {
        let any: SocketAddr = "0.0.0.0:8070".parse().unwrap();
        let pages = pages(any, true);
        assert_eq!(pages.last().map(String::as_str), Some("http://127.0.0.1:8070/"));
        assert_eq!(&pages[..pages.len() - 1], lan_pages(8070, true).as_slice());
        assert!(pages[..pages.len() - 1].iter().all(|p| p.starts_with("https://")));
    }
}
