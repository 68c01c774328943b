//! Which web pages may open a signaling socket.
//!
//! A browser sends `Origin` with every WebSocket upgrade; without a check any
//! page the person visits could reach a host on their LAN. Allowed: clients
//! that send no Origin (native apps, tools), the app's own webview origins,
//! the server's own pages, and whatever `--allow-origin` names.

/// Origins of the Tauri webview: macOS and Linux use the custom scheme,
/// Windows (WebView2) the http(s) form.
const APP_ORIGINS: [&str; 3] = ["tauri://localhost", "http://tauri.localhost", "https://tauri.localhost"];

#[derive(Debug, Clone, Default)]
pub struct OriginPolicy {
    extra: Vec<String>,
    any: bool,
}

impl OriginPolicy {
    pub fn new(allowed: &[String]) -> Self {
        let extra: Vec<String> = allowed.iter().map(|o| normalize(o)).collect();
        let any = extra.iter().any(|o| o == "*");
        OriginPolicy { extra, any }
    }

    /// `origin` is the request's Origin header, `host` its Host header.
    pub fn allows(&self, origin: Option<&str>, host: Option<&str>) -> bool {
        let Some(origin) = origin else { return true };
        let origin = normalize(origin);
        if self.any || APP_ORIGINS.contains(&origin.as_str()) || self.extra.contains(&origin) {
            return true;
        }
        // The server's own pages: same scheme-less authority as the Host the
        // browser connected to, if that is a name no outside site can point
        // at this machine.
        match (origin.split_once("://"), host) {
            (Some((scheme, authority)), Some(host)) => {
                matches!(scheme, "http" | "https") && authority == host.to_ascii_lowercase() && is_lan_host(host)
            }
            _ => false,
        }
    }
}

/// Whether a `Host` (with its port) names this machine the way a LAN does:
/// an IP address, a bare host name, or a local-only domain.
///
/// A page on a public domain can make its own name resolve to a LAN
/// address (DNS rebinding); its requests then carry a matching Origin and
/// Host, and only the name gives it away. Public names are not the server's
/// own pages: such a page needs `--allow-origin`.
fn is_lan_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    if host.starts_with('[') {
        return true; // an IPv6 literal
    }
    let name = host.rsplit_once(':').map_or(host.as_str(), |(name, _port)| name);
    name.parse::<std::net::IpAddr>().is_ok()
        || !name.contains('.')
        || [".local", ".lan", ".home.arpa", ".internal"].iter().any(|tld| name.ends_with(tld))
}

fn normalize(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in rules, with nothing added by flag.
    #[test]
    fn built_in_rules() {
        let p = OriginPolicy::new(&[]);
        assert!(p.allows(None, Some("h:8070")));
        assert!(p.allows(Some("tauri://localhost"), Some("10.0.0.2:8070")));
        assert!(p.allows(Some("http://tauri.localhost"), None));
        assert!(p.allows(Some("http://10.0.0.2:8070"), Some("10.0.0.2:8070")));
        assert!(!p.allows(Some("http://10.0.0.2:8071"), Some("10.0.0.2:8070")));
        assert!(!p.allows(Some("https://evil.example"), Some("10.0.0.2:8070")));
        assert!(!p.allows(Some("null"), Some("10.0.0.2:8070")));
        assert!(p.allows(Some("http://laptop.local:8070"), Some("laptop.local:8070")));
        assert!(p.allows(Some("http://laptop:8070"), Some("laptop:8070")));
        assert!(p.allows(Some("http://[fd00::2]:8070"), Some("[fd00::2]:8070")));
    }

    /// A public name resolved to a LAN address (DNS rebinding) sends a
    /// matching Origin and Host; it is not one of the server's own pages.
    #[test]
    fn rebound_public_name_is_refused() {
        let p = OriginPolicy::new(&[]);
        assert!(!p.allows(Some("http://evil.example:8070"), Some("evil.example:8070")));
        assert!(!p.allows(Some("http://10.0.0.2.nip.io:8070"), Some("10.0.0.2.nip.io:8070")));
    }

    /// `--allow-origin` adds exact origins, or `*` for any.
    #[test]
    fn added_by_flag() {
        let p = OriginPolicy::new(&["http://127.0.0.1:9000/".into()]);
        assert!(p.allows(Some("http://127.0.0.1:9000"), Some("127.0.0.1:8070")));
        assert!(!p.allows(Some("http://127.0.0.1:9001"), Some("127.0.0.1:8070")));
        assert!(OriginPolicy::new(&["*".into()]).allows(Some("https://x.example"), None));
    }
}
