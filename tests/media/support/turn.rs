//! A TURN server of our own: Debian's coturn (`turnserver`, installed by
//! scripts/install-deps.sh), one test user, no TLS, no CLI. It runs in a
//! network namespace of the test's own, joined to this host by a veth pair
//! (`TURN_HOST` here, `TURN_IP` there): neither libnice nor Chromium sends
//! to a TURN server on a loopback address (both gather from non-loopback
//! interfaces only, and their requests to 127.0.0.1 went unanswered).
//! Killed, and the namespace removed, when dropped. Needs root.

use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The addresses of the veth pair: this host's end and the TURN server's.
const TURN_HOST: &str = "10.215.0.1";
pub const TURN_IP: &str = "10.215.0.2";

/// Why a TURN server can't be started here, or None.
pub fn unavailable() -> Option<String> {
    let root = Command::new("id").arg("-u").output().ok().is_some_and(|o| o.stdout.starts_with(b"0\n"));
    if !root {
        return Some("not root: the TURN server runs in a network namespace".into());
    }
    which("turnserver").is_none().then(|| "no turnserver (scripts/install-deps.sh installs coturn)".into())
}

fn which(name: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|f| f.is_file()))
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("the ip command runs");
    assert!(out.status.success(), "ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
}

pub struct TurnServer {
    child: Child,
    netns: String,
    /// Its pid file and user database, removed when dropped.
    dir: std::path::PathBuf,
    pub port: u16,
}

pub const USER: &str = "lancall";
pub const PASSWORD: &str = "relay-only";

impl TurnServer {
    pub fn start() -> TurnServer {
        let netns = format!("lancall-turn{}", std::process::id() % 100_000);
        let (here, there) = (format!("lct{}", std::process::id() % 100_000), format!("lcu{}", std::process::id() % 100_000));
        let _ = Command::new("ip").args(["netns", "del", &netns]).output();
        ip(&["netns", "add", &netns]);
        ip(&["link", "add", &here, "type", "veth", "peer", "name", &there]);
        ip(&["link", "set", &there, "netns", &netns]);
        ip(&["addr", "add", &format!("{TURN_HOST}/24"), "dev", &here]);
        ip(&["link", "set", &here, "up"]);
        ip(&["-n", &netns, "addr", "add", &format!("{TURN_IP}/24"), "dev", &there]);
        ip(&["-n", &netns, "link", "set", &there, "up"]);
        ip(&["-n", &netns, "link", "set", "lo", "up"]);
        let port = free_udp_port();
        // Relay ports of its own, away from the listener (coturn skips any in use).
        let relay = 20000 + (port % 20000) / 100 * 100;
        let dir = std::env::temp_dir().join(format!("lancall-turn-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let child = Command::new("ip")
            .args(["netns", "exec", &netns, "turnserver"])
            .args(["-n", "--listening-ip", TURN_IP, "--relay-ip", TURN_IP])
            .args(["-p", &port.to_string(), "--min-port", &relay.to_string(), "--max-port", &(relay + 99).to_string()])
            .args(["--lt-cred-mech", "--user", &format!("{USER}:{PASSWORD}"), "--realm", "lancall.test"])
            .args(["--no-tls", "--no-dtls", "--no-cli", "--no-tcp-relay", "--no-rfc5780", "--log-file", "stdout", "--simple-log"])
            .arg("--pidfile")
            .arg(dir.join("turnserver.pid"))
            .arg("--db")
            .arg(dir.join("turndb"))
            .stdin(Stdio::null())
            // LANCALL_TURN_LOG=1: its log on the test's output, to see what it refused.
            .stdout(if std::env::var_os("LANCALL_TURN_LOG").is_some() { Stdio::inherit() } else { Stdio::null() })
            .stderr(Stdio::null())
            .spawn()
            .expect("turnserver runs (scripts/install-deps.sh installs coturn)");
        let server = TurnServer { child, netns, dir, port };
        server.wait_ready();
        server
    }

    /// The RTCIceServer URL the client's `?ice=` takes (ui/js/engine.js parseIceServers).
    pub fn page_spec(&self) -> String {
        format!("turn:{USER}:{PASSWORD}@{TURN_IP}:{}?transport=udp", self.port)
    }

    /// Answered a STUN binding request: listening.
    fn wait_ready(&self) {
        let socket = UdpSocket::bind((TURN_HOST, 0)).expect("udp socket");
        socket.set_read_timeout(Some(Duration::from_millis(200))).expect("timeout");
        let mut request = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42];
        request.extend_from_slice(b"lancall-turn");
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut buf = [0u8; 512];
        while Instant::now() < deadline {
            let _ = socket.send_to(&request, (TURN_IP, self.port));
            if let Ok(n) = socket.recv(&mut buf) {
                if n >= 20 && buf[0..2] == [0x01, 0x01] && buf[8..20] == request[8..20] {
                    return;
                }
            }
        }
        panic!("turnserver did not answer a STUN binding request on {TURN_IP}:{} in 15 s", self.port);
    }
}

impl Drop for TurnServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
        // The veth pair goes with the namespace.
        let _ = Command::new("ip").args(["netns", "del", &self.netns]).output();
    }
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0").and_then(|s| s.local_addr()).expect("a free port").port()
}
