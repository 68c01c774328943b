//! A self-check of media in the app's window, for tests: with
//! `LANCALL_MEDIA_PROBE=1`, once the page has loaded the app asks it for the
//! camera and microphone, geolocation and notifications, and logs what the
//! page got (`media probe` at info level). Together with
//! `LANCALL_MOCK_CAPTURE=1` this shows from outside the process that the
//! permission policy holds in a real WebKitGTK, whatever the UI does.
//!
//! Only WebKitGTK can await a page's promise from Rust
//! (`webkit_web_view_call_async_javascript_function`), so elsewhere the
//! probe logs that it cannot run.

use tauri::webview::{PageLoadEvent, PageLoadPayload};
use tauri::{Runtime, Webview};

/// Set to `1` to run the probe after each page load.
pub const PROBE_ENV: &str = "LANCALL_MEDIA_PROBE";

/// The body of an async function run in the page; it returns a JSON string.
/// Each step records its outcome rather than throwing, so one report says it all.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
const PROBE_JS: &str = r#"
const out = { page: location.href, rtc: typeof RTCPeerConnection };
try {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  out.media = stream.getTracks().map((t) => t.kind).sort().join('+');
  stream.getTracks().forEach((t) => t.stop());
} catch (e) {
  out.media = 'error:' + e.name;
}
out.geolocation = await new Promise((resolve) => {
  if (!navigator.geolocation) return resolve('absent');
  navigator.geolocation.getCurrentPosition(
    () => resolve('allowed'),
    (e) => resolve(e.code === e.PERMISSION_DENIED ? 'denied' : 'error:' + e.code),
    { timeout: 10000 },
  );
});
out.notifications = typeof Notification === 'undefined' ? 'absent' : await Notification.requestPermission();
return JSON.stringify(out);
"#;

/// Whether the probe was asked for.
pub fn wanted() -> bool {
    std::env::var(PROBE_ENV).is_ok_and(|v| v == "1")
}

/// The page-load hook: run the probe once the page has finished loading.
pub fn on_page_load<R: Runtime>(webview: &Webview<R>, payload: &PageLoadPayload<'_>) {
    if payload.event() == PageLoadEvent::Finished {
        run(webview);
    }
}

#[cfg(target_os = "linux")]
fn run<R: Runtime>(webview: &Webview<R>) {
    let label = webview.label().to_owned();
    let done = webview.with_webview(move |platform| {
        use webkit2gtk::WebViewExt;
        platform.inner().call_async_javascript_function(
            PROBE_JS,
            None,
            None,
            None,
            None::<&webkit2gtk::gio::Cancellable>,
            move |result| match result {
                Ok(value) => tracing::info!(webview = label, result = %value, "media probe"),
                Err(e) => tracing::error!(webview = label, cause = %e, "media probe failed"),
            },
        );
    });
    if let Err(e) = done {
        tracing::error!(cause = %e, "cannot reach the webview to probe media");
    }
}

#[cfg(not(target_os = "linux"))]
fn run<R: Runtime>(webview: &Webview<R>) {
    tracing::warn!(webview = webview.label(), "{PROBE_ENV} only works with WebKitGTK (Linux)");
}
