//! `make bench-media`: a 640x480 30 fps call on loopback, the native engine
//! to Chromium beside Chromium to Chromium, in one run: set-up time, CPU per
//! call and end-to-end video latency. Ignored by `cargo test`; the Makefile
//! runs it with `--ignored --nocapture`. Chromium runs lancall's client
//! (bench/media-peer.mjs) with a canvas as its camera that draws the time;
//! the engine sends `test:clock`, the same code (media::stamp).

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;
use lancall::media::{self, stamp, AudioOut, Config, EncodedFrame};
use serde_json::{json, Value};
use tokio::io::{AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

use crate::support::chromium::spawn_driver;
use crate::support::{NativeCaller, TestServer};

/// Joins timed per kind of call.
const JOINS: usize = 5;
/// The steady window over which CPU and latency are taken.
const WINDOW: Duration = Duration::from_secs(20);

/// Wall clock in ms (the clock the stamps and the pages' Date.now() use).
fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64() * 1000.0
}

/// The measured call set-ups, CPU and latencies of one kind of call.
#[derive(Default)]
struct Figures {
    /// Newcomer's join to its first remote frame decoded, ms.
    setup: Vec<f64>,
    /// Join to both ends decoding, ms.
    setup_both: Vec<f64>,
    /// CPU seconds per second of call, summed over the counted processes.
    cpu: f64,
    /// Latencies by direction, ms; and frames whose stamp did not read.
    latency: Vec<(String, Vec<f64>, u64)>,
}

/// Times the native engine joining a Chromium that is in the room, then
/// Chromium joining a Chromium; prints both side by side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: make bench-media"]
async fn bench_media() {
    let server = TestServer::start().await;
    let native = native_to_chromium(&server).await;
    let chromium = chromium_to_chromium(&server).await;
    server.stop().await;
    report(&native, &chromium);
}

async fn native_to_chromium(server: &TestServer) -> Figures {
    let mut f = Figures::default();
    let mut member = Page::open(&server.page_url(), "nc", "Chromium").await;
    for i in 0..JOINS {
        // A room per join: a peer that left is kept a while for its return.
        let room = format!("nc{i}");
        member.ask(json!({"cmd": "join", "room": room})).await;
        let t0 = now();
        let native = NativeCaller::join(&server.ws_url(), &room, "native", config()).await;
        let (tx, rx) = std::sync::mpsc::channel();
        native.seen.lock().unwrap().video_tap = Some(tx);
        let decoder = Decoder::start(rx);
        let first = decoder.first().await;
        let other = member.ask(json!({"cmd": "first"})).await["at"].as_f64().unwrap();
        f.setup.push(first - t0);
        f.setup_both.push(first.max(other) - t0);
        eprintln!("native joins {}: {:.0} ms, both decoding at {:.0} ms", i + 1, first - t0, first.max(other) - t0);
        if i + 1 < JOINS {
            native.leave().await;
            drop(decoder);
            continue;
        }
        // The steady call.
        let pids = vec![Tree::Process(std::process::id()), Tree::Below(member.pid)];
        member.ask(json!({"cmd": "latency"})).await;
        *decoder.latency.lock().unwrap() = (Vec::new(), 0);
        f.cpu = cpu_per_second(&pids).await;
        let (lat, bad) = member.latency().await;
        f.latency.push(("native -> Chromium".into(), lat, bad));
        let (lat, bad) = std::mem::take(&mut *decoder.latency.lock().unwrap());
        f.latency.push(("Chromium -> native".into(), lat, bad));
        native.leave().await;
    }
    member.quit().await;
    f
}

async fn chromium_to_chromium(server: &TestServer) -> Figures {
    let mut f = Figures::default();
    let mut member = Page::open(&server.page_url(), "cc", "First").await;
    for i in 0..JOINS {
        let room = format!("cc{i}");
        member.ask(json!({"cmd": "join", "room": room})).await;
        let mut newcomer = Page::open(&server.page_url(), &room, "Second").await;
        let t0 = newcomer.ask(json!({"cmd": "join"})).await["at"].as_f64().unwrap();
        let first = newcomer.ask(json!({"cmd": "first"})).await["at"].as_f64().unwrap();
        let other = member.ask(json!({"cmd": "first"})).await["at"].as_f64().unwrap();
        f.setup.push(first - t0);
        f.setup_both.push(first.max(other) - t0);
        eprintln!("Chromium joins {}: {:.0} ms, both decoding at {:.0} ms", i + 1, first - t0, first.max(other) - t0);
        if i + 1 < JOINS {
            newcomer.quit().await;
            continue;
        }
        let pids = vec![Tree::Below(member.pid), Tree::Below(newcomer.pid)];
        member.ask(json!({"cmd": "latency"})).await;
        newcomer.ask(json!({"cmd": "latency"})).await;
        f.cpu = cpu_per_second(&pids).await;
        let (lat, bad) = newcomer.latency().await;
        f.latency.push(("First -> Second".into(), lat, bad));
        let (lat, bad) = member.latency().await;
        f.latency.push(("Second -> First".into(), lat, bad));
        newcomer.quit().await;
    }
    member.quit().await;
    f
}

/// What the native side sends and receives: the stamped ball, a tone, the
/// call's 640x480 at 30 fps; remote video forwarded encoded to [`Decoder`].
fn config() -> Config {
    Config {
        source: media::Source::Devices { video: Some("test:clock".into()), audio: Some("test:sine".into()) },
        video: media::VideoFormat::default(),
        audio_out: AudioOut::Discard,
        decode_video: false,
        forward_video: true,
        ..Config::default()
    }
}

/// The native receiver's decoder: forwarded VP8 through vp8dec, each
/// decoded frame's stamp read the moment it comes out.
struct Decoder {
    pipeline: gst::Pipeline,
    first: Arc<Mutex<Option<f64>>>,
    latency: Arc<Mutex<(Vec<f64>, u64)>>,
}

impl Decoder {
    fn start(frames: std::sync::mpsc::Receiver<EncodedFrame>) -> Decoder {
        let pipeline = gst::parse_launch("appsrc name=src is-live=true format=time caps=video/x-vp8 ! vp8dec ! appsink name=sink sync=false")
            .unwrap()
            .downcast::<gst::Pipeline>()
            .unwrap();
        let src = pipeline.by_name("src").unwrap().downcast::<gst_app::AppSrc>().unwrap();
        let sink = pipeline.by_name("sink").unwrap().downcast::<gst_app::AppSink>().unwrap();
        let first = Arc::new(Mutex::new(None));
        let latency = Arc::new(Mutex::new((Vec::new(), 0)));
        let (f, l) = (first.clone(), latency.clone());
        sink.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |sink| {
                    let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                    let at = now();
                    f.lock().unwrap().get_or_insert(at);
                    let info = sample.caps().and_then(|c| gst_video::VideoInfo::from_caps(c).ok());
                    if let (Some(info), Some(buffer)) = (info, sample.buffer()) {
                        if let Ok(frame) = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &info) {
                            let stride = frame.plane_stride()[0] as usize;
                            let read = frame.plane_data(0).ok().and_then(|y| stamp::read(y, stride, frame.width() as usize));
                            let mut l = l.lock().unwrap();
                            match read {
                                Some(v) => l.0.push(f64::from(stamp::now_ms().wrapping_sub(v))),
                                None => l.1 += 1,
                            }
                        }
                    }
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
        pipeline.set_state(gst::State::Playing).unwrap();
        std::thread::spawn(move || {
            let mut keyed = false;
            for frame in frames {
                keyed |= frame.key;
                if keyed && src.push_buffer(gst::Buffer::from_mut_slice(frame.data)).is_err() {
                    return;
                }
            }
        });
        Decoder { pipeline, first, latency }
    }

    /// When the first frame came out of the decoder.
    async fn first(&self) -> f64 {
        for _ in 0..300 {
            if let Some(at) = *self.first.lock().unwrap() {
                return at;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the native side decoded nothing in 3 s");
    }
}

impl Drop for Decoder {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// A Chromium (its own browser) running lancall's client, driven over
/// bench/media-peer.mjs's stdin and stdout.
struct Page {
    child: Child,
    pid: u32,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Page {
    async fn open(page_url: &str, room: &str, name: &str) -> Page {
        let (child, stdin, lines) = spawn_driver("bench/media-peer.mjs", &[page_url, room, name]);
        let pid = child.id().expect("pid");
        let mut page = Page { child, pid, stdin, lines };
        let ready = page.read().await;
        assert_eq!(ready["ready"], true, "{ready}");
        page
    }

    async fn read(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(60), self.lines.next_line()).await.expect("driver answers").unwrap().expect("driver runs");
        serde_json::from_str(&line).expect("JSON")
    }

    async fn ask(&mut self, command: Value) -> Value {
        self.stdin.write_all(format!("{command}\n").as_bytes()).await.unwrap();
        let reply = self.read().await;
        assert!(reply.get("error").is_none(), "driver: {reply}");
        reply
    }

    /// Latencies read since the last call, and unread stamps.
    async fn latency(&mut self) -> (Vec<f64>, u64) {
        let r = self.ask(json!({"cmd": "latency"})).await;
        if !r["video"].as_object().is_none_or(|v| v.is_empty()) {
            eprintln!("  Chromium's received video: {}", r["video"]);
        }
        let lat = r["latency"].as_array().unwrap().iter().filter_map(Value::as_f64).collect();
        (lat, r["unread"].as_u64().unwrap_or(0))
    }

    async fn quit(mut self) {
        let _ = self.stdin.write_all(b"{\"cmd\":\"quit\"}\n").await;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
        let _ = self.child.kill().await;
    }
}

/// Processes whose CPU is counted.
enum Tree {
    /// This process alone (the engine and its decoder; children not).
    Process(u32),
    /// Every descendant of a driver (its Chromium), not the driver itself.
    Below(u32),
}

/// utime + stime of every live process, and parent of each, in ticks.
fn processes() -> Vec<(u32, u32, u64)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        let Some((_, rest)) = stat.rsplit_once(')') else { continue };
        let f: Vec<&str> = rest.split_whitespace().collect();
        // After the name: state(0) ppid(1) … utime(11) stime(12).
        let (Some(ppid), Some(u), Some(s)) = (f.get(1), f.get(11), f.get(12)) else { continue };
        out.push((pid, ppid.parse().unwrap_or(0), u.parse::<u64>().unwrap_or(0) + s.parse::<u64>().unwrap_or(0)));
    }
    out
}

/// Ticks of each counted process now, by pid.
fn ticks(trees: &[Tree]) -> std::collections::HashMap<u32, u64> {
    let all = processes();
    let mut counted = std::collections::HashMap::new();
    for tree in trees {
        match *tree {
            Tree::Process(pid) => {
                if let Some(p) = all.iter().find(|p| p.0 == pid) {
                    counted.insert(pid, p.2);
                }
            }
            Tree::Below(root) => {
                let mut parents = vec![root];
                while let Some(parent) = parents.pop() {
                    for p in all.iter().filter(|p| p.1 == parent) {
                        counted.insert(p.0, p.2);
                        parents.push(p.0);
                    }
                }
            }
        }
    }
    counted
}

/// CPU seconds per second over [`WINDOW`] of the counted processes (a
/// process started within the window counts from zero).
async fn cpu_per_second(trees: &[Tree]) -> f64 {
    let hz: f64 = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .expect("getconf CLK_TCK");
    let before = ticks(trees);
    let start = std::time::Instant::now();
    tokio::time::sleep(WINDOW).await;
    let after = ticks(trees);
    let used: u64 = after.iter().map(|(pid, t)| t.saturating_sub(before.get(pid).copied().unwrap_or(0))).sum();
    used as f64 / hz / start.elapsed().as_secs_f64()
}

fn quantile(xs: &[f64], q: f64) -> f64 {
    let mut s = xs.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    if s.is_empty() {
        return f64::NAN;
    }
    s[((q * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1]
}

fn report(n: &Figures, c: &Figures) {
    println!("\nMedia engine: 640x480 30 fps call on loopback, {JOINS} joins each, CPU and latency over {} s", WINDOW.as_secs());
    println!("{:<24}{:>14}{:>14}{:>20}{:>14}", "call", "setup median", "min..max", "both ends median", "CPU s/s");
    for (name, f) in [("native <-> Chromium", n), ("Chromium <-> Chromium", c)] {
        let (lo, hi) = (quantile(&f.setup, 0.0), quantile(&f.setup, 1.0));
        println!(
            "{name:<24}{:>11.0} ms{:>14}{:>17.0} ms{:>14.2}",
            quantile(&f.setup, 0.5),
            format!("{lo:.0}..{hi:.0} ms"),
            quantile(&f.setup_both, 0.5),
            f.cpu
        );
    }
    println!("\n{:<24}{:>10}{:>10}{:>10}{:>10}", "latency (capture->render)", "p50 ms", "p95 ms", "frames", "unread");
    for (dir, lat, bad) in n.latency.iter().chain(&c.latency) {
        println!("{dir:<24}{:>10.0}{:>10.0}{:>10}{:>10}", quantile(lat, 0.5), quantile(lat, 0.95), lat.len(), bad);
    }
    let setup = quantile(&n.setup_both, 0.5);
    let worst = n.latency.iter().map(|(_, l, _)| quantile(l, 0.95)).fold(0.0, f64::max);
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    println!("\nGoals (native engine): set-up under 1 s (both ends, median {setup:.0} ms): {}", met(setup < 1000.0));
    println!("                       latency under 150 ms (worst direction p95 {worst:.0} ms): {}", met(worst < 150.0));
    println!("                       CPU no more than Chromium <-> Chromium ({:.2} vs {:.2} s/s): {}", n.cpu, c.cpu, met(n.cpu <= c.cpu));
}
