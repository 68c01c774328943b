//! The security headers on every HTTP answer of the server: a
//! Content-Security-Policy as strict as the app's own (tauri.conf.json's
//! `csp`), `X-Content-Type-Options: nosniff` and `Referrer-Policy:
//! no-referrer`.
//!
//! The policy allows what the client served to browsers needs and nothing
//! more: its own scripts (modules, no inline script, no eval), its own
//! styles (inline `style` attributes too, as in the app), images from
//! itself, `data:` (the empty favicon) and `blob:`, media from `blob:` and
//! `mediastream:`, fetches to its own origin only, and WebSockets (`ws:`
//! `wss:`) to any host: the lobby's Host field lets a browser join a host
//! other than the one that served the page (that host's Origin check then
//! decides), and the app's own policy allows the same.

use axum::extract::Request;
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of every page the server hands out.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; connect-src 'self' ws: wss:; \
     img-src 'self' data: blob:; media-src 'self' blob: mediastream:; style-src 'self' 'unsafe-inline'; \
     object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Middleware: the security headers on whatever the route answered.
pub async fn add(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server's policy is the app's (tauri.conf.json) less what only
    /// the app's webview uses (its IPC), plus `frame-ancestors`, which
    /// only a header can carry.
    #[test]
    fn policy_is_the_apps() {
        let directives = |csp: &str| {
            let mut d: Vec<String> = csp.split(';').map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()).collect();
            d.sort();
            d
        };
        let conf: serde_json::Value = serde_json::from_str(include_str!("../../../tauri.conf.json")).unwrap();
        let app = conf["app"]["security"]["csp"].as_str().unwrap().replace(" ipc: http://ipc.localhost", "");
        let ours = CONTENT_SECURITY_POLICY.replace("; frame-ancestors 'none'", "");
        assert_eq!(directives(&ours), directives(&app));
        assert!(directives(CONTENT_SECURITY_POLICY).contains(&"script-src 'self'".to_owned()));
    }
}
