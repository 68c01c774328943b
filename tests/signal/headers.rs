//! The security headers on what the server hands to browsers: the client's
//! pages and scripts, and its JSON routes.

use std::collections::HashMap;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::server::TestServer;

/// Status and headers (names lowercase) of `GET path`.
async fn head_of(server: &TestServer, path: &str) -> (u16, HashMap<String, String>) {
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", server.addr);
    tcp.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    tcp.read_to_end(&mut response).await.expect("read");
    let text = String::from_utf8_lossy(&response);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers)
}

/// The page, its scripts and the JSON routes each carry a strict CSP
/// (scripts from the page's own origin only, no inline script, fetches to
/// it only, WebSockets to any host), `nosniff` and `no-referrer`.
#[tokio::test]
async fn pages_scripts_and_health_carry_the_security_headers() {
    let server = TestServer::start().await;
    for path in ["/", "/index.html", "/js/main.js", "/healthz", "/room-name"] {
        let (status, headers) = head_of(&server, path).await;
        assert_eq!(status, 200, "{path}");
        let csp = headers.get("content-security-policy").unwrap_or_else(|| panic!("{path}: no CSP in {headers:?}"));
        let directives: HashMap<&str, &str> =
            csp.split(';').filter_map(|d| d.trim().split_once(' ')).collect();
        assert_eq!(directives.get("script-src"), Some(&"'self'"), "{path}: {csp}");
        assert_eq!(directives.get("default-src"), Some(&"'self'"), "{path}: {csp}");
        assert_eq!(directives.get("object-src"), Some(&"'none'"), "{path}: {csp}");
        assert_eq!(directives.get("frame-ancestors"), Some(&"'none'"), "{path}: {csp}");
        assert_eq!(directives.get("connect-src"), Some(&"'self' ws: wss:"), "{path}: {csp}");
        assert_eq!(headers.get("x-content-type-options").map(String::as_str), Some("nosniff"), "{path}");
        assert_eq!(headers.get("referrer-policy").map(String::as_str), Some("no-referrer"), "{path}");
    }
    let (status, headers) = head_of(&server, "/no-such-file.js").await;
    assert_eq!(status, 404);
    assert_eq!(headers.get("x-content-type-options").map(String::as_str), Some("nosniff"));
}
