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
        // browser connected to.
        match (origin.split_once("://"), host) {
            (Some((scheme, authority)), Some(host)) => {
                matches!(scheme, "http" | "https") && authority == host.to_ascii_lowercase()
            }
            _ => false,
        }
    }
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
