//! The app with no subcommand: a real window under Xvfb, with the server
//! running in-process; quitting tells the peers.

use std::io::Read;
use std::process::{Child, Command, Stdio};

use crate::support::{close_frame, http_get, join, Running};

/// A private X display for the test, on a display number Xvfb picks.
pub(crate) struct Xvfb {
    child: Child,
    pub(crate) display: String,
}

impl Xvfb {
    pub(crate) fn start() -> Option<Xvfb> {
        let (mut reader, writer) = std::io::pipe().ok()?;
        let child = Command::new("Xvfb")
            .args(["-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .fd3(writer)
            .spawn()
            .ok()?;
        let mut number = String::new();
        let mut byte = [0u8; 1];
        while reader.read(&mut byte).ok()? == 1 && byte[0] != b'\n' {
            number.push(byte[0] as char);
        }
        Some(Xvfb { child, display: format!(":{}", number.trim()) })
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

trait Fd3 {
    fn fd3(&mut self, writer: std::io::PipeWriter) -> &mut Self;
}

impl Fd3 for Command {
    /// Hand `writer` to the child as file descriptor 3 (for -displayfd).
    fn fd3(&mut self, writer: std::io::PipeWriter) -> &mut Self {
        use std::os::fd::{AsRawFd, IntoRawFd};
        use std::os::unix::process::CommandExt;
        let fd = writer.into_raw_fd();
        // SAFETY: dup2 is async-signal-safe; it runs in the child before exec.
        unsafe {
            self.pre_exec(move || {
                if libc::dup2(fd, 3) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let _ = std::io::stdin().as_raw_fd();
        self
    }
}

/// `lancall host` opens its window, serves the client and signaling
/// in-process, and quitting (SIGTERM) closes a connected peer with 1001,
/// saying the host ended the call.
#[tokio::test]
async fn app_window_hosts_and_quits_gracefully() {
    let Some(x) = Xvfb::start() else {
        panic!("Xvfb is needed for the app test: run scripts/install-deps.sh");
    };
    // Its certificate in a folder of the test's; no mDNS on a shared network.
    let config = std::env::temp_dir().join(format!("lancall-app-window-{}", std::process::id()));
    // A session bus that isn't there: this app is alone, not handed over
    // (tauri-plugin-single-instance) to a lancall the machine already runs.
    let no_bus = format!("unix:path={}", config.join("no-bus").display());
    let env = [
        ("DISPLAY", x.display.as_str()),
        ("XDG_CONFIG_HOME", config.to_str().unwrap()),
        ("LANCALL_MDNS", "0"),
        ("DBUS_SESSION_BUS_ADDRESS", no_bus.as_str()),
    ];
    let mut app = Running::start(&["host", "--room", "quit-test", "--port", "0"], &env);
    let page = http_get(app.port, "/").await;
    assert!(page.contains("<html"), "{page}");
    let mut peer = join(&app.ws_url(), "guest", "room").await;
    let health = http_get(app.port, "/healthz").await;
    // The window's own client may have joined its room too.
    assert!(health.contains(r#""peers":1"#) || health.contains(r#""peers":2"#), "{health}");
    let status = app.terminate();
    assert!(status.success(), "exit status {status:?}");
    // The app is not coming back: its guests are told the call ended.
    assert_eq!(close_frame(&mut peer).await, (1001, "host ended the call".to_owned()));
    let _ = std::fs::remove_dir_all(config);
}
