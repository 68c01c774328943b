//! The permission policy in a real WebKitGTK: the app's window, with the
//! mock camera and microphone, gets both from getUserMedia and is refused
//! geolocation and notifications. The app's own probe
//! (`LANCALL_MEDIA_PROBE=1`) reports what the page got in its log.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::app_window::Xvfb;
use crate::support::BIN;

/// The app with its stderr (the log) handed over line by line.
struct Logged {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Logged {
    fn start(display: &str) -> Logged {
        let mut child = Command::new(BIN)
            .args(["--port", "0"])
            .env("DISPLAY", display)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .env("LANCALL_MOCK_CAPTURE", "1")
            .env("LANCALL_MEDIA_PROBE", "1")
            // No session bus: alone, never handed over to a running lancall.
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/lancall-test-bus")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start lancall");
        let (tx, lines) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("[lancall] {line}");
                let _ = tx.send(line);
            }
        });
        Logged { child, lines }
    }

    /// The first log line containing `needle`, or a panic after `within`.
    fn wait_for(&self, needle: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => continue,
                Err(_) => panic!("no log line with {needle:?} within {within:?}"),
            }
        }
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The app's page gets the (mock) camera and microphone without a prompt,
/// and is refused geolocation. Its `Notification` is the notification
/// plugin's stand-in (the app's own desktop notifications, each kind
/// switchable in Settings), which grants; WebKit's own notification
/// permission, which the stand-in replaces, is still refused to every page
/// by the policy (permissions.rs's unit tests).
#[test]
fn app_page_gets_camera_and_microphone_and_nothing_else() {
    let Some(x) = Xvfb::start() else {
        panic!("Xvfb is needed for the app test: run scripts/install-deps.sh");
    };
    let app = Logged::start(&x.display);
    let line = app.wait_for("media probe", Duration::from_secs(60));
    let json = line.split_once("result=").map(|(_, r)| r.trim()).unwrap_or_else(|| panic!("no result in {line}"));
    let report: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert!(report["page"].as_str().is_some_and(|p| p.starts_with("tauri://localhost")), "{report}");
    assert_eq!(report["media"], "audio+video", "{report}");
    assert_eq!(report["geolocation"], "denied", "{report}");
    assert_eq!(report["notifications"], "granted", "{report}");
}
