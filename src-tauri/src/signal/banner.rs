//! The lines a starting server prints: where to point a browser and a
//! client, and, with HTTPS, the certificate a guest compares.

use std::net::SocketAddr;

use super::lan;
use super::tls::TlsIdentity;

/// One line that says where to point a browser and a client.
pub fn listening(local: SocketAddr) -> String {
    let urls = lan::pages(local, false);
    format!(
        "lancall {} listening on {local}: open {} ; signaling at ws://{}/ws",
        env!("CARGO_PKG_VERSION"),
        urls.join(" or "),
        urls.first().map_or(local.to_string(), |u| u.trim_start_matches("http://").trim_end_matches('/').to_owned()),
    )
}

/// The second line when HTTPS is on: where browsers get a secure origin, and
/// the fingerprint a guest compares with the browser's warning.
pub fn https(local: SocketAddr, tls: &TlsIdentity) -> String {
    // Every page over https, loopback included: this line lists what the
    // same port also serves securely. `lan::pages(local, true)` is the other
    // question, which page a guest should open, and keeps loopback on http.
    let urls: Vec<String> = lan::pages(local, false).iter().map(|u| u.replacen("http://", "https://", 1)).collect();
    format!("https: open {} ; certificate SHA-256 {}", urls.join(" or "), tls.fingerprint())
}
