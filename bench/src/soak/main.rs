//! Soak: minutes of constant churn against one running `lancall serve`.
//! Hundreds of rooms, each with a few seats taken again and again (join,
//! relay, `exit` or an abrupt drop). Every 10 s it prints throughput, relay
//! latency, the server's RSS and its own count of rooms and connections; at
//! the end it fails if memory grew after warm-up, if any room or connection
//! outlives its clients, or if any relay to a member still present was lost,
//! repeated or reordered. Not part of `make test`: `make soak` runs it.

#[path = "../proc.rs"]
mod proc;

mod health;
mod member;
mod memory;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::sync::watch;

use member::{Counters, Run};

#[derive(Debug, Parser)]
#[command(about = "Churn joins, relays, exits and drops against a lancall server")]
struct Args {
    /// The server's ws:// URL, ending in /ws (loopback).
    #[arg(long)]
    url: String,
    /// Seconds of churn.
    #[arg(long, env = "SOAK_SECONDS", default_value_t = 600)]
    seconds: u64,
    /// Rooms churned at once.
    #[arg(long, default_value_t = 300)]
    rooms: usize,
    /// Seats per room, each taken by one session after another.
    #[arg(long, default_value_t = 3)]
    seats: usize,
    /// The server's pid, to read its resident memory.
    #[arg(long)]
    server_pid: u32,
    /// The server's resume grace, seconds: how long a dropped peer may linger.
    #[arg(long, default_value_t = 2.0)]
    resume_grace: f64,
}

/// Seconds between reports (and RSS samples).
const REPORT_EVERY: Duration = Duration::from_secs(10);

fn main() {
    let args = Args::parse();
    proc::raise_open_file_limit();
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("soak: no runtime: {e}");
            std::process::exit(2);
        }
    };
    let failures = runtime.block_on(soak(args));
    if failures.is_empty() {
        println!("SOAK PASSED");
    } else {
        for f in &failures {
            println!("SOAK FAILED: {f}");
        }
        std::process::exit(1);
    }
}

/// Runs the churn and returns what failed, in words.
async fn soak(args: Args) -> Vec<String> {
    let Some(http) = args.url.strip_prefix("ws://").and_then(|r| r.split('/').next()).map(str::to_owned) else {
        return vec![format!("not a ws:// URL: {}", args.url)];
    };
    let run = Arc::new(Run {
        start: Instant::now(),
        url: args.url.clone(),
        counters: Counters::default(),
        latencies_us: Mutex::new(Vec::new()),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut seats = Vec::new();
    for room in 0..args.rooms {
        for seat in 0..args.seats {
            seats.push(tokio::spawn(member::seat(run.clone(), room, room * args.seats + seat, stop_rx.clone())));
        }
    }
    println!(
        "soak: {} rooms x {} seats for {} s against {} (server pid {})",
        args.rooms, args.seats, args.seconds, args.url, args.server_pid
    );

    let mut report = Reporter::new(&run);
    let mut rss = Vec::new();
    let end = tokio::time::Instant::now() + Duration::from_secs(args.seconds);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + REPORT_EVERY, REPORT_EVERY);
    while tokio::time::Instant::now() < end {
        tick.tick().await;
        let kib = proc::rss_kib(args.server_pid);
        rss.push((run.start.elapsed().as_secs_f64(), kib));
        report.print(&run, kib, health::fetch(&http).await);
    }

    // Everyone leaves; dropped peers of the last seconds linger for the grace.
    let _ = stop_tx.send(true);
    for s in seats {
        let _ = tokio::time::timeout(Duration::from_secs(30), s).await;
    }
    let left_at = Instant::now();
    let deadline = Duration::from_secs_f64(args.resume_grace) + Duration::from_secs(5);
    let mut last = health::fetch(&http).await;
    while !last.is_some_and(|h| h.is_empty()) && left_at.elapsed() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        last = health::fetch(&http).await;
    }

    let c = &run.counters;
    let n = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    println!(
        "totals: sent {}, delivered {}, joins {}, exits {}, drops {}, refused joins {}, failed connects {}, closed by server {}",
        n(&c.sent), n(&c.delivered), n(&c.joins), n(&c.exits), n(&c.drops), n(&c.refused), n(&c.connect_failed), n(&c.closed_by_server)
    );
    println!(
        "checks: lost {}, lost tails {}, repeated or reordered {}, from unknown peers {}, server errors {}",
        n(&c.lost), n(&c.lost_tail), n(&c.repeated), n(&c.stray), n(&c.server_errors)
    );
    println!(
        "latency over the whole run, ms: p50 {:.2} p99 {:.2} max {:.1} ({} samples)",
        report.all.pct(0.5), report.all.pct(0.99), report.all.pct(1.0), report.all.0.len()
    );

    let mut failures = Vec::new();
    let warmup = args.seconds as f64 / 5.0;
    match memory::judge(&rss, warmup) {
        Some(v) => {
            println!(
                "memory: median RSS {:.1} MiB after warm-up ({warmup:.0} s), {:.1} MiB in the last third; limit {:.1} MiB",
                v.warm_mib, v.end_mib, v.limit_mib
            );
            if v.grew() {
                failures.push(format!("server memory grew: {:.1} MiB -> {:.1} MiB", v.warm_mib, v.end_mib));
            }
        }
        None => println!("memory: too short a run to judge growth"),
    }
    match last {
        Some(h) if h.is_empty() => println!("after the end: 0 rooms, 0 peers, 0 connections {:.1} s after the last client left", left_at.elapsed().as_secs_f64()),
        Some(h) => failures.push(format!(
            "{} rooms, {} peers, {} connections remain {:.0} s after every client left",
            h.rooms, h.peers, h.connections, deadline.as_secs_f64()
        )),
        None => failures.push("the server did not answer /healthz after the run".into()),
    }
    let lost = n(&c.lost) + n(&c.lost_tail) + n(&c.repeated);
    if lost > 0 {
        failures.push(format!(
            "{} messages lost, {} senders' last messages lost, {} repeated or reordered",
            n(&c.lost), n(&c.lost_tail), n(&c.repeated)
        ));
    }
    if n(&c.joins) == 0 || n(&c.delivered) == 0 {
        failures.push("nothing was relayed".into());
    }
    failures
}

/// Latencies in µs, sorted on demand.
#[derive(Default)]
struct Latencies(Vec<u32>);

impl Latencies {
    fn pct(&mut self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        self.0.sort_unstable();
        let i = ((self.0.len() as f64 * p).ceil() as usize).clamp(1, self.0.len()) - 1;
        f64::from(self.0[i]) / 1000.0
    }
}

/// The 10-second lines: rates since the last line.
struct Reporter {
    at: Instant,
    last: [u64; 4],
    /// Every sample of the run, for the closing percentiles (a few million u32).
    all: Latencies,
}

impl Reporter {
    fn new(run: &Run) -> Self {
        Reporter { at: Instant::now(), last: Self::counts(&run.counters), all: Latencies::default() }
    }

    fn counts(c: &Counters) -> [u64; 4] {
        [&c.delivered, &c.joins, &c.exits, &c.drops].map(|a| a.load(Ordering::Relaxed))
    }

    fn print(&mut self, run: &Run, rss_kib: u64, health: Option<health::Health>) {
        let secs = self.at.elapsed().as_secs_f64();
        self.at = Instant::now();
        let now = Self::counts(&run.counters);
        let last = std::mem::replace(&mut self.last, now);
        let rate = |i: usize| (now[i] - last[i]) as f64 / secs;
        let mut window = Latencies(run.latencies_us.lock().map(|mut l| std::mem::take(&mut *l)).unwrap_or_default());
        let (p50, p99, max) = (window.pct(0.5), window.pct(0.99), window.pct(1.0));
        self.all.0.extend_from_slice(&window.0);
        let health = health.map_or("healthz: no answer".to_owned(), |h| {
            format!("rooms {} peers {} conns {}", h.rooms, h.peers, h.connections)
        });
        println!(
            "[{:>4.0} s] relayed {:>6.0}/s joins {:>4.0}/s exits {:>4.0}/s drops {:>4.0}/s | latency ms p50 {p50:.2} p99 {p99:.2} max {max:.1} | RSS {:.1} MiB | {health}",
            run.start.elapsed().as_secs_f64(), rate(0), rate(1), rate(2), rate(3), rss_kib as f64 / 1024.0
        );
    }
}
