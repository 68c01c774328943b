//! A Chromium page running lancall's client, as a child process: Node and
//! playwright-core (tests/media/chromium-peer.mjs), one JSON line per
//! command and per reply.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

pub struct ChromiumPeer {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

/// Start a Node driver script (a path from the repository's root) with
/// `args`; it is killed when dropped. Its stdin takes one JSON command per
/// line and its stdout gives one JSON reply per line.
pub fn spawn_driver(script: &str, args: &[&str]) -> (Child, ChildStdin, Lines<BufReader<ChildStdout>>) {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new("node")
        .arg(repo.join(script))
        .args(args)
        .current_dir(&repo)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs (npm ci installs playwright-core)");
    let stdin = child.stdin.take().expect("stdin");
    let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    (child, stdin, lines)
}

impl ChromiumPeer {
    /// Open lancall's page at `page_url` and join `room` as `name`.
    pub async fn join(page_url: &str, room: &str, name: &str) -> ChromiumPeer {
        Self::join_with(page_url, room, name, &[]).await
    }

    /// `join` with the driver's further arguments: the page's query (e.g.
    /// `?video=240&ice=…`) and `relay` (relayed candidates only).
    pub async fn join_with(page_url: &str, room: &str, name: &str, extra: &[&str]) -> ChromiumPeer {
        let mut args = vec![page_url, room, name];
        args.extend_from_slice(extra);
        let (child, stdin, lines) = spawn_driver("tests/media/chromium-peer.mjs", &args);
        let mut peer = ChromiumPeer { child, stdin, lines };
        let first = peer.read(60).await;
        assert_eq!(first["joined"], true, "Chromium joined the room: {first}");
        peer
    }

    async fn read(&mut self, secs: u64) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(secs), self.lines.next_line())
            .await
            .expect("Chromium driver answers in time")
            .expect("read from the Chromium driver")
            .expect("the Chromium driver is still running");
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("Chromium driver said non-JSON: {line}"))
    }

    /// Send one command and wait for its reply.
    pub async fn ask(&mut self, command: Value) -> Value {
        let line = format!("{command}\n");
        self.stdin.write_all(line.as_bytes()).await.expect("write to the Chromium driver");
        let reply = self.read(30).await;
        assert!(reply.get("error").is_none(), "Chromium driver: {reply}");
        reply
    }

    /// `window.lancall.stats()` of the page: one entry per remote peer.
    pub async fn stats(&mut self) -> Vec<Value> {
        self.ask(json!({"cmd": "stats"})).await["stats"].as_array().cloned().unwrap_or_default()
    }

    /// Frames the page has decoded from its only (first) peer.
    pub async fn frames_decoded(&mut self) -> u64 {
        self.stats().await.first().and_then(|s| s["framesDecoded"].as_u64()).unwrap_or(0)
    }

    /// Wait (30 s at most) until the page has decoded `more` frames beyond
    /// `from`, and return how many it has; `what` names the wait in a failure.
    pub async fn decodes(&mut self, from: u64, more: u64, what: &str) -> u64 {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let frames = self.frames_decoded().await;
            if frames > from + more {
                return frames;
            }
            assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}: {frames} frames");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn chat(&mut self, text: &str) {
        self.ask(json!({"cmd": "chat", "text": text})).await;
    }

    /// Chat texts the page shows from others.
    pub async fn chats(&mut self) -> Vec<String> {
        let reply = self.ask(json!({"cmd": "chats"})).await;
        reply["chats"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect()
    }

    pub async fn quit(mut self) {
        let _ = self.stdin.write_all(b"{\"cmd\":\"quit\"}\n").await;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
        let _ = self.child.kill().await;
    }
}
