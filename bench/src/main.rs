//! Load generator for signaling servers: many rooms of two clients relaying
//! candidate-sized messages to each other at a set total rate. It measures
//! connections held, server memory, delivered throughput, relay latency and
//! loss, for lancall or, with the same load, for peerjs-server.
//!
//! It runs in a process of its own: the machine allows 20,000 open files per
//! process, and the server holds one socket per client too.

mod proc;
mod target;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{watch, Semaphore};
use tokio_tungstenite::tungstenite::Message;

use proc::{raise_open_file_limit, rss_kib};
use target::Target;

#[derive(Debug, Parser)]
#[command(about = "Drive a signaling server with pairs of relaying clients")]
struct Args {
    /// `lancall` or `peerjs`.
    #[arg(long)]
    target: Target,
    /// ws:// URL: lancall's `/ws`, or peerjs's `/peerjs` (query added here).
    #[arg(long)]
    url: String,
    /// Client connections, in pairs.
    #[arg(long, default_value_t = 1000)]
    connections: usize,
    /// Total messages per second across all clients.
    #[arg(long, default_value_t = 1000)]
    rate: u64,
    /// Seconds of load, measured after the warm-up.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds of load before measuring.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// The server's pid, to read its resident memory.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Handshakes in flight at once while connecting.
    #[arg(long, default_value_t = 200)]
    ramp: usize,
    /// A label for the summary line.
    #[arg(long, default_value = "")]
    label: String,
}

/// What every client task adds to.
struct Totals {
    start: Instant,
    /// Micros since `start` after which samples count.
    measure_from: AtomicU64,
    sent: AtomicU64,
    delivered: AtomicU64,
    delivered_in_window: AtomicU64,
    lost_gaps: AtomicU64,
    reordered: AtomicU64,
    open: AtomicUsize,
    closed_by_server: AtomicUsize,
    latencies_us: Mutex<Vec<u32>>,
}

fn main() {
    let args = Args::parse();
    raise_open_file_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    runtime.block_on(run(args));
}

async fn run(args: Args) {
    let connections = args.connections / 2 * 2;
    let totals = Arc::new(Totals {
        start: Instant::now(),
        measure_from: AtomicU64::new(u64::MAX),
        sent: AtomicU64::new(0),
        delivered: AtomicU64::new(0),
        delivered_in_window: AtomicU64::new(0),
        lost_gaps: AtomicU64::new(0),
        reordered: AtomicU64::new(0),
        open: AtomicUsize::new(0),
        closed_by_server: AtomicUsize::new(0),
        latencies_us: Mutex::new(Vec::with_capacity(1 << 20)),
    });
    let rss_before = args.server_pid.map(rss_kib);

    // Connect every client (pairs share a room), a bounded number at a time.
    let connect_started = Instant::now();
    let gate = Arc::new(Semaphore::new(args.ramp));
    let (go_tx, go_rx) = watch::channel(false);
    let (stop_tx, stop_rx) = watch::channel(false);
    let period = Duration::from_secs_f64(connections as f64 / args.rate.max(1) as f64);
    let mut ready = Vec::with_capacity(connections);
    for i in 0..connections {
        let (target, url, totals, gate) = (args.target, args.url.clone(), totals.clone(), gate.clone());
        let (go, stop) = (go_rx.clone(), stop_rx.clone());
        ready.push(tokio::spawn(async move {
            let socket = {
                let _permit = gate.acquire().await.expect("gate");
                target.connect(&url, i).await
            }?;
            totals.open.fetch_add(1, Ordering::Relaxed);
            Some(tokio::spawn(client(target, socket, i, period, totals, go, stop)))
        }));
    }
    let mut tasks = Vec::new();
    let mut failed = 0;
    for r in ready {
        match r.await.ok().flatten() {
            Some(t) => tasks.push(t),
            None => failed += 1,
        }
    }
    let held = totals.open.load(Ordering::Relaxed);
    println!(
        "connected {held} of {connections} clients in {:.1} s ({failed} failed)",
        connect_started.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_idle = args.server_pid.map(rss_kib);

    // Load: warm up, then measure.
    let _ = go_tx.send(true);
    tokio::time::sleep(Duration::from_secs(args.warmup)).await;
    let window_start = totals.start.elapsed();
    totals.measure_from.store(window_start.as_micros() as u64, Ordering::Relaxed);
    let sent_at_window = totals.sent.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(args.duration)).await;
    let window = totals.start.elapsed() - window_start;
    let delivered_window = totals.delivered_in_window.load(Ordering::Relaxed);
    let sent_window = totals.sent.load(Ordering::Relaxed) - sent_at_window;
    let rss_load = args.server_pid.map(rss_kib);
    let _ = stop_tx.send(true);
    // Let what is in flight arrive before counting losses.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let still_open = totals.open.load(Ordering::Relaxed);
    for t in &tasks {
        t.abort();
    }

    let sent = totals.sent.load(Ordering::Relaxed);
    let delivered = totals.delivered.load(Ordering::Relaxed);
    let mut lat = std::mem::take(&mut *totals.latencies_us.lock().unwrap());
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return f64::NAN;
        }
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        f64::from(lat[i]) / 1000.0
    };
    let mib = |k: Option<u64>| k.map_or(f64::NAN, |k| k as f64 / 1024.0);
    let per_conn_kib = match (rss_before, rss_idle) {
        (Some(b), Some(i)) if held > 0 => (i.saturating_sub(b)) as f64 / held as f64,
        _ => f64::NAN,
    };
    let offered = sent_window as f64 / window.as_secs_f64();
    let throughput = delivered_window as f64 / window.as_secs_f64();
    let lost = sent.saturating_sub(delivered);
    println!("server RSS: {:.1} MiB before clients, {:.1} MiB with {held} idle clients ({per_conn_kib:.1} KiB each), {:.1} MiB under load",
        mib(rss_before), mib(rss_idle), mib(rss_load));
    println!(
        "offered {offered:.0} msg/s, delivered {throughput:.0} msg/s over {:.1} s; latency ms p50 {:.3} p99 {:.3} max {:.3} ({} samples)",
        window.as_secs_f64(), pct(0.50), pct(0.99), pct(1.0), lat.len()
    );
    println!(
        "sent {sent}, delivered {delivered}, lost {lost}, gaps {}, out of order {}; clients open at end {still_open} of {held}, closed by server {}",
        totals.lost_gaps.load(Ordering::Relaxed),
        totals.reordered.load(Ordering::Relaxed),
        totals.closed_by_server.load(Ordering::Relaxed),
    );
    // One machine-readable line for scripts/bench.sh.
    println!(
        "RESULT {}",
        serde_json::json!({
            "label": args.label, "target": format!("{:?}", args.target).to_lowercase(),
            "connections": connections, "held": held, "open_at_end": still_open,
            "rss_idle_mib": mib(rss_idle), "rss_load_mib": mib(rss_load), "kib_per_conn": per_conn_kib,
            "offered": offered, "throughput": throughput,
            "p50_ms": pct(0.5), "p99_ms": pct(0.99), "max_ms": pct(1.0),
            "sent": sent, "delivered": delivered, "lost": lost,
        })
    );
}

/// One client: sends to its partner on a timer once told to go, and reads
/// what its partner sends, checking order and timing it.
async fn client(
    target: Target,
    socket: target::Socket,
    index: usize,
    period: Duration,
    totals: Arc<Totals>,
    mut go: watch::Receiver<bool>,
    mut stop: watch::Receiver<bool>,
) {
    let (mut sink, mut stream) = socket.split();
    let partner = index ^ 1;
    let reader_totals = totals.clone();
    let reader = tokio::spawn(async move {
        let mut next_seq = 0u64;
        while let Some(Ok(msg)) = stream.next().await {
            let Message::Text(text) = msg else { continue };
            let Some((src, seq, sent_us)) = target.decode(text.as_str()) else { continue };
            if src != partner {
                continue;
            }
            let now_us = reader_totals.start.elapsed().as_micros() as u64;
            reader_totals.delivered.fetch_add(1, Ordering::Relaxed);
            match seq.cmp(&next_seq) {
                std::cmp::Ordering::Equal => next_seq += 1,
                std::cmp::Ordering::Greater => {
                    reader_totals.lost_gaps.fetch_add(seq - next_seq, Ordering::Relaxed);
                    next_seq = seq + 1;
                }
                std::cmp::Ordering::Less => {
                    reader_totals.reordered.fetch_add(1, Ordering::Relaxed);
                }
            }
            if sent_us >= reader_totals.measure_from.load(Ordering::Relaxed) {
                reader_totals.delivered_in_window.fetch_add(1, Ordering::Relaxed);
                let lat = now_us.saturating_sub(sent_us).min(u64::from(u32::MAX)) as u32;
                reader_totals.latencies_us.lock().unwrap().push(lat);
            }
        }
        reader_totals.open.fetch_sub(1, Ordering::Relaxed);
        reader_totals.closed_by_server.fetch_add(1, Ordering::Relaxed);
    });
    if go.wait_for(|g| *g).await.is_err() {
        return;
    }
    // Spread the clients' sends evenly over one period.
    let phase = period.mul_f64((index as f64 * 0.618_033_988_75).fract());
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + phase, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut heartbeat = tokio::time::interval(Duration::from_secs(5));
    let mut seq = 0u64;
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = tick.tick() => {
                let now_us = totals.start.elapsed().as_micros() as u64;
                let text = target.encode(index, partner, seq, now_us);
                if sink.send(Message::text(text)).await.is_err() {
                    break;
                }
                seq += 1;
                totals.sent.fetch_add(1, Ordering::Relaxed);
            }
            _ = heartbeat.tick() => {
                if let Some(text) = target.heartbeat() {
                    if sink.send(Message::text(text)).await.is_err() {
                        break;
                    }
                }
            }
        }
    }
    // Keep reading until aborted, so in-flight messages are counted.
    let _ = reader.await;
}
