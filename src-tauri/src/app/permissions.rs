//! Media permissions: the app's own pages may use the camera and the
//! microphone, and share a screen (the browser engine's picker still asks
//! which); nothing else may, and no page gets anything else.
//!
//! The policy is one pure function, [`decide`]. Tauri 2.12 exposes wry's
//! cross-platform permission hook (`Builder::on_permission_request`), which
//! answers WebKitGTK's `permission-request` signal on Linux, WebView2's
//! `PermissionRequested` event on Windows and WKWebView's media-capture
//! delegate on macOS; [`on_request`] feeds it the policy, so no request
//! reaches a prompt (WebView2 would otherwise prompt and remember a refusal
//! in its profile, with no way back for the person). The hook names the kind
//! but not the requesting frame, so the origin checked is the webview's page
//! URL; the CSP (`default-src 'self'`) keeps frames of other origins out.
//!
//! On Linux, WebKitGTK also ships with media streams off: [`enable_media`]
//! turns them on, with WebRTC where the build has it, and the mock camera and
//! microphone when `LANCALL_MOCK_CAPTURE=1` (a test hook, see `test_hooks`). macOS needs the
//! usage strings and entitlements in `src-tauri/Info.plist` and
//! `src-tauri/entitlements.plist` instead.

use tauri::webview::{PermissionKind, PermissionResponse};
use tauri::{Runtime, Url, Webview};

/// The origins the app's own pages are served from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnOrigins(Vec<Origin>);

/// Scheme, host and port: what makes two URLs the same origin. (`Url::origin`
/// is opaque for custom schemes like `tauri:`, so it can't be compared.)
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: Option<String>,
    port: Option<u16>,
}

impl Origin {
    fn of(url: &Url) -> Origin {
        Origin {
            scheme: url.scheme().to_owned(),
            host: url.host_str().map(str::to_ascii_lowercase),
            port: url.port_or_known_default(),
        }
    }
}

impl OwnOrigins {
    /// Where Tauri serves `frontendDist`: `tauri://localhost` on Linux and
    /// macOS, `http://tauri.localhost` (or `https://` with `useHttpsScheme`)
    /// on Windows; plus the dev server when there is one and this is a dev
    /// build.
    pub fn new(dev_url: Option<&Url>) -> OwnOrigins {
        let mut origins: Vec<Origin> = ["tauri://localhost", "http://tauri.localhost", "https://tauri.localhost"]
            .iter()
            .filter_map(|u| Url::parse(u).ok())
            .map(|u| Origin::of(&u))
            .collect();
        origins.extend(dev_url.map(Origin::of));
        OwnOrigins(origins)
    }

    /// The origins for this build and config.
    pub fn from_config(config: &tauri::Config) -> OwnOrigins {
        let dev_url = if tauri::is_dev() { config.build.dev_url.as_ref() } else { None };
        OwnOrigins::new(dev_url)
    }

    /// Whether `url` is one of the app's own pages.
    pub fn contains(&self, url: &Url) -> bool {
        self.0.contains(&Origin::of(url))
    }
}

/// The policy: camera, microphone and screen capture for the app's own
/// pages (screen capture: WebView2 then shows its own picker of screens and
/// windows, which is where the person chooses); every other kind
/// (geolocation, notifications, …) and every other origin refused. Never
/// `Default`, so nothing falls through to a prompt.
pub fn decide(own: &OwnOrigins, page: Option<&Url>, kind: PermissionKind) -> PermissionResponse {
    let media = matches!(kind, PermissionKind::Camera | PermissionKind::Microphone | PermissionKind::DisplayCapture);
    match page {
        Some(url) if media && own.contains(url) => PermissionResponse::Allow,
        _ => PermissionResponse::Deny,
    }
}

/// The hook given to `tauri::Builder::on_permission_request`.
pub fn on_request<R: Runtime>(own: OwnOrigins) -> impl Fn(Webview<R>, PermissionKind) -> PermissionResponse + Send + Sync {
    move |webview, kind| {
        let page = webview.url().ok();
        let response = decide(&own, page.as_ref(), kind);
        let page = page.as_ref().map_or("(unknown)", Url::as_str);
        match response {
            PermissionResponse::Allow => tracing::info!(%kind, page, webview = webview.label(), "permission allowed"),
            _ => tracing::warn!(%kind, page, webview = webview.label(), "permission denied"),
        }
        response
    }
}

/// Turn on what calls need in every webview of the app. Only Linux has
/// anything to switch on; elsewhere this does nothing.
pub fn enable_media<R: Runtime>(app: &tauri::AppHandle<R>) {
    use tauri::Manager;
    for webview in app.webview_windows().into_values() {
        enable_media_in(&webview);
    }
}

#[cfg(target_os = "linux")]
fn enable_media_in<R: Runtime>(webview: &tauri::WebviewWindow<R>) {
    let label = webview.label().to_owned();
    let mock = super::test_hooks::mock_capture();
    // Tests that probe the page also read what it says on its console (an
    // error a listener swallowed, say) on the app's stdout.
    let console = super::test_hooks::state_probe();
    let done = webview.with_webview(move |platform| {
        use webkit2gtk::{SettingsExt, WebViewExt};
        let Some(settings) = platform.inner().settings() else {
            tracing::error!(webview = label, "webview has no settings: camera and microphone stay off");
            return;
        };
        settings.set_enable_media_stream(true);
        // Off by default and never set by wry; on the WebKitGTK builds that
        // compile WebRTC in, it makes RTCPeerConnection appear. The client
        // picks its engine by feature detection, never by OS.
        settings.set_enable_webrtc(true);
        if mock {
            settings.set_enable_mock_capture_devices(true);
        }
        if console {
            settings.set_enable_write_console_messages_to_stdout(true);
        }
        tracing::info!(webview = label, mock_capture = mock, "media streams and WebRTC enabled");
    });
    if let Err(e) = done {
        tracing::error!(cause = %e, "cannot reach the webview to enable media");
    }
}

#[cfg(not(target_os = "linux"))]
fn enable_media_in<R: Runtime>(_webview: &tauri::WebviewWindow<R>) {
    if super::test_hooks::mock_capture() {
        tracing::warn!("the mock camera only works with WebKitGTK (Linux)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own() -> OwnOrigins {
        OwnOrigins::new(None)
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    /// The app's page on Linux and macOS may use the camera and the
    /// microphone, and share a screen.
    #[test]
    fn own_page_gets_camera_microphone_and_screen() {
        for page in ["tauri://localhost/", "tauri://localhost/index.html?room=r#x"] {
            for kind in [PermissionKind::Camera, PermissionKind::Microphone, PermissionKind::DisplayCapture] {
                assert_eq!(decide(&own(), Some(&url(page)), kind), PermissionResponse::Allow, "{page} {kind}");
            }
        }
    }

    /// The app's page on Windows (http or https scheme) gets them too.
    #[test]
    fn windows_origin_is_own() {
        for page in ["http://tauri.localhost/", "https://tauri.localhost/index.html", "http://TAURI.localhost/"] {
            assert_eq!(decide(&own(), Some(&url(page)), PermissionKind::Camera), PermissionResponse::Allow, "{page}");
        }
    }

    /// Other kinds are refused even for the app's own page, on either
    /// origin: every kind WebView2's `PermissionRequested` names besides the
    /// camera and the microphone (wry maps them), and WKWebView's `Other`.
    #[test]
    fn other_kinds_are_refused() {
        for page in ["tauri://localhost/", "http://tauri.localhost/"] {
            for kind in [
                PermissionKind::Geolocation,
                PermissionKind::Notifications,
                PermissionKind::ClipboardRead,
                PermissionKind::PointerLock,
                PermissionKind::LocalFonts,
                PermissionKind::Sensors,
                PermissionKind::Midi,
                PermissionKind::AutomaticDownloads,
                PermissionKind::FileSystemAccess,
                PermissionKind::Autoplay,
                PermissionKind::WindowManagement,
                PermissionKind::Other,
            ] {
                assert_eq!(decide(&own(), Some(&url(page)), kind), PermissionResponse::Deny, "{page} {kind}");
            }
        }
    }

    /// Pages of other origins get nothing: a host's page, look-alike hosts,
    /// other ports and schemes, and an unknown page.
    #[test]
    fn other_origins_are_refused() {
        for page in [
            "http://192.168.1.5:8070/",
            "http://localhost/",
            "tauri://localhost.evil.example/",
            "tauri://evil.example/",
            "http://tauri.localhost:8080/",
            "http://tauri.localhost.evil.example/",
            "https://evil.example/?u=tauri://localhost",
            "file:///tmp/x.html",
            "about:blank",
            "data:text/html,hi",
        ] {
            for kind in [PermissionKind::Camera, PermissionKind::DisplayCapture] {
                assert_eq!(decide(&own(), Some(&url(page)), kind), PermissionResponse::Deny, "{page} {kind}");
            }
        }
        assert_eq!(decide(&own(), None, PermissionKind::Microphone), PermissionResponse::Deny);
        assert_eq!(decide(&own(), None, PermissionKind::DisplayCapture), PermissionResponse::Deny);
    }

    /// A dev server's origin counts as the app's own only when given.
    #[test]
    fn dev_url_is_own_only_when_given() {
        let dev = url("http://localhost:1420/");
        let with_dev = OwnOrigins::new(Some(&dev));
        let page = url("http://localhost:1420/index.html");
        assert_eq!(decide(&with_dev, Some(&page), PermissionKind::Camera), PermissionResponse::Allow);
        assert_eq!(decide(&own(), Some(&page), PermissionKind::Camera), PermissionResponse::Deny);
        assert_eq!(decide(&with_dev, Some(&url("http://localhost:1421/")), PermissionKind::Camera), PermissionResponse::Deny);
    }
}
