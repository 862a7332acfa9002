//! Webhook delivery under sustained record creation, against a running
//! Switchboard (bench/webhooks.sh):
//!
//!   1. a receiver (hyper, HTTP/1.1 keep-alive, on a thread of its own) on
//!      127.0.0.1 answers every POST with 200 and logs the wall-clock time it
//!      had read the body, and the body;
//!   2. one subscription, `POST /services/ccaas/v1/webhooks`
//!      `{"targetUrl": "http://127.0.0.1:<port>/hook", "events": ["contacts.created"]}`;
//!   3. `--concurrency` clients create contacts (`POST /services/ccaas/v1/contacts`,
//!      one record per request) for `--duration` seconds, each logging the id
//!      of every 201 and the wall-clock time it had read it;
//!   4. then it waits until every created record was delivered, or no
//!      delivery came for `--idle` seconds, or `--drain` seconds passed;
//!   5. and reports, from the receiver's log: deliveries per second over the
//!      window from the first delivery to the last, latency, and whether every
//!      created record was delivered exactly once (unique `data.id`s against
//!      the created ids and the server's `X-Total-Count`).
//!
//! Two latencies per delivery, both on this host's wall clock (the server
//! runs on the same host):
//!
//! - `event->receive`: receive time minus the payload's `createdAt` (SPEC S9
//!   envelope), which is the record's own `createdAt`: the server's clock when
//!   it built the record, before its write transaction began, so before the
//!   commit; millisecond precision, truncated. An upper bound of
//!   commit-to-delivery (by the wait for the writer and the transaction, and
//!   up to 1 ms of truncation).
//! - `201->receive`: receive time minus the time the creating client had read
//!   the 201, which the server sends after the commit. A lower bound of
//!   commit-to-delivery; negative when a delivery arrives before the 201.
//!
//! Usage: whbench --base URL [--concurrency N] [--duration S] [--idle S]
//!        [--drain S] [--pid PID] [--threads N] [--subscribe 0]
//! `--subscribe 0`: no subscription, creates only (a baseline for the load).
//! `--hold 1`: the receiver holds its first delivery (the server's webhook
//! timeout must be longer than `--duration`) and answers it when the load
//! ends, so every event but the first waits in the outbox; the rate is then
//! that of draining a backlog with no creates beside it, and the latencies
//! are those of the wait (not a measure).
//! The bearer token (contacts.read and contacts.write) comes from
//! WHBENCH_TOKEN (never from flags).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use tokio::sync::watch;

type Error = Box<dyn std::error::Error + Send + Sync>;

const DATA: &str = "/services/ccaas/v1";
const CONTACT: &str = r#"{"firstName":"Bench","lastName":"Webhooks","city":"Hen"}"#;

#[derive(Clone)]
struct Opts {
    base: String,
    token: String,
    concurrency: usize,
    duration: f64,
    idle: f64,
    drain: f64,
    pid: Option<u32>,
    threads: usize,
    subscribe: bool,
    hold: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: whbench --base URL [--concurrency N] [--duration S] [--idle S] [--drain S] \
         [--pid PID] [--threads N] [--subscribe 0] [--hold 1]\n(WHBENCH_TOKEN in the environment: contacts.read, contacts.write)"
    );
    std::process::exit(2)
}

fn parse_opts() -> Opts {
    let mut o = Opts {
        base: String::new(),
        token: std::env::var("WHBENCH_TOKEN").unwrap_or_default(),
        concurrency: 32,
        duration: 10.0,
        idle: 10.0,
        drain: 120.0,
        pid: None,
        threads: 2,
        subscribe: true,
        hold: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else { usage() };
        let num = |v: &str| v.parse::<f64>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--base" => o.base = value.trim_end_matches('/').to_owned(),
            "--concurrency" => o.concurrency = num(&value) as usize,
            "--duration" => o.duration = num(&value),
            "--idle" => o.idle = num(&value),
            "--drain" => o.drain = num(&value),
            "--pid" => o.pid = Some(num(&value) as u32),
            "--threads" => o.threads = (num(&value) as usize).max(1),
            "--subscribe" => o.subscribe = value != "0" && value != "false",
            "--hold" => o.hold = value != "0" && value != "false",
            _ => usage(),
        }
    }
    if o.base.is_empty() || o.token.is_empty() || o.concurrency == 0 {
        usage()
    }
    o
}

/// Nanoseconds since the Unix epoch, this host's wall clock.
fn wall_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0)
}

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // After "pid (comm) ": state is field 3 of stat(5); utime is 14, stime 15.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // USER_HZ is 100 on every Linux build this runs on (sysconf(_SC_CLK_TCK)).
    Some((utime + stime) / 100.0)
}

fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// What the receiver logged of one POST.
struct Delivery {
    at_ns: i64,
    body: Bytes,
}

struct Received {
    log: Mutex<Vec<Delivery>>,
    count: AtomicU64,
    last_ns: AtomicU64,
    /// While false, deliveries wait (`--hold 1`).
    open: watch::Receiver<bool>,
}

async fn receive(
    req: Request<Incoming>,
    rx: Arc<Received>,
) -> Result<Response<Full<Bytes>>, Error> {
    let body = req.into_body().collect().await?.to_bytes();
    let mut open = rx.open.clone();
    open.wait_for(|o| *o).await?;
    let at_ns = wall_ns();
    rx.log
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Delivery { at_ns, body });
    rx.count.fetch_add(1, Ordering::Relaxed);
    rx.last_ns.store(at_ns as u64, Ordering::Relaxed);
    Ok(Response::new(Full::new(Bytes::new())))
}

async fn serve(listener: TcpListener, rx: Arc<Received>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let rx = rx.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| receive(req, rx.clone()));
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

#[derive(Default)]
struct Created {
    /// (record id, wall ns when its 201 had been read)
    ids: Vec<(String, i64)>,
    latencies_us: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
}

async fn creator(client: Client, url: String, token: Arc<str>, deadline: Instant) -> Created {
    let mut out = Created {
        ids: Vec::with_capacity(65536),
        latencies_us: Vec::with_capacity(65536),
        ..Created::default()
    };
    while Instant::now() < deadline {
        let t = Instant::now();
        let sent = client
            .post(&url)
            .bearer_auth(&*token)
            .header("content-type", "application/json")
            .body(CONTACT)
            .send()
            .await;
        let result: Result<String, String> = match sent {
            Ok(res) if res.status() == StatusCode::CREATED => match res.bytes().await {
                Ok(b) => serde_json::from_slice::<Value>(&b)
                    .ok()
                    .and_then(|v| v["id"].as_str().map(str::to_owned))
                    .ok_or_else(|| "a 201 without an id".to_owned()),
                Err(e) => Err(e.to_string()),
            },
            Ok(res) => {
                let status = res.status();
                let text = res.text().await.unwrap_or_default();
                Err(format!(
                    "{status}: {}",
                    text.chars().take(200).collect::<String>()
                ))
            }
            Err(e) => Err(e.to_string()),
        };
        match result {
            Ok(id) => {
                out.ids.push((id, wall_ns()));
                out.latencies_us
                    .push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
            }
            Err(e) => {
                out.errors += 1;
                out.first_error.get_or_insert(e);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    out
}

/// The `p` quantile (nearest rank) of sorted values.
fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_unstable_by(f64::total_cmp);
    v
}

async fn run(o: Opts) -> Result<bool, Error> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let port = listener.local_addr()?.port();
    let (release, open) = watch::channel(!o.hold);
    let rx = Arc::new(Received {
        log: Mutex::new(Vec::new()),
        count: AtomicU64::new(0),
        last_ns: AtomicU64::new(0),
        open,
    });
    // The receiver on a thread and runtime of its own, so that the creating
    // clients' tasks never delay its answers (the worker sends in turn).
    let receiver = {
        let rx = rx.clone();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::spawn(move || {
            rt.block_on(async move {
                match TcpListener::from_std(listener) {
                    Ok(l) => serve(l, rx).await,
                    Err(e) => eprintln!("whbench: receiver: {e}"),
                }
            })
        })
    };

    let client = Client::builder()
        .pool_max_idle_per_host(o.concurrency)
        .tcp_nodelay(true)
        .build()?;
    if o.subscribe {
        let target = format!("http://127.0.0.1:{port}/hook");
        let res = client
            .post(format!("{}{DATA}/webhooks", o.base))
            .bearer_auth(&o.token)
            .header("content-type", "application/json")
            .body(json!({"targetUrl": target, "events": ["contacts.created"]}).to_string())
            .send()
            .await?;
        let status = res.status();
        let sub: Value = serde_json::from_slice(&res.bytes().await?)?;
        if status != StatusCode::CREATED {
            return Err(format!("creating the subscription: {status} {sub}").into());
        }
        eprintln!(
            "whbench: subscription {} -> {target} (contacts.created)",
            sub["id"].as_str().unwrap_or("?")
        );
    }

    // Load.
    let token: Arc<str> = o.token.clone().into();
    let url = format!("{}{DATA}/contacts", o.base);
    let cpu0 = o.pid.and_then(cpu_seconds);
    let me = std::process::id();
    let own0 = cpu_seconds(me);
    let t0 = Instant::now();
    let load_start_ns = wall_ns();
    let deadline = t0 + Duration::from_secs_f64(o.duration);
    let handles: Vec<_> = (0..o.concurrency)
        .map(|_| {
            tokio::spawn(creator(
                client.clone(),
                url.clone(),
                token.clone(),
                deadline,
            ))
        })
        .collect();
    let mut created = Created::default();
    for h in handles {
        let c = h.await?;
        created.ids.extend(c.ids);
        created.latencies_us.extend(c.latencies_us);
        created.errors += c.errors;
        if created.first_error.is_none() {
            created.first_error = c.first_error;
        }
    }
    let load_secs = t0.elapsed().as_secs_f64();
    let load_end_ns = wall_ns();
    let own_cpu_s = match (own0, cpu_seconds(me)) {
        (Some(a), Some(b)) => b - a,
        _ => f64::NAN,
    };
    let delivered_at_load_end = rx.count.load(Ordering::Relaxed);
    release.send_replace(true);
    let load_cpu_s = match (cpu0, o.pid.and_then(cpu_seconds)) {
        (Some(a), Some(b)) => b - a,
        _ => f64::NAN,
    };
    let rss = o.pid.and_then(rss_mib);

    // Drain: until every created record has a delivery, or deliveries stop.
    let n_created = created.ids.len() as u64;
    let drain_start = Instant::now();
    if o.subscribe {
        loop {
            let n = rx.count.load(Ordering::Relaxed);
            if n >= n_created {
                break;
            }
            let last = rx.last_ns.load(Ordering::Relaxed) as i64;
            let quiet = (wall_ns() - last.max(load_end_ns)) as f64 / 1e9;
            if quiet > o.idle || drain_start.elapsed().as_secs_f64() > o.drain {
                eprintln!(
                    "whbench: stopped waiting: {n} of {n_created} delivered, {quiet:.1} s since the last"
                );
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // A late duplicate would come right after; give it a moment.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let cpu1 = o.pid.and_then(cpu_seconds);
    // The receiver thread runs until the process exits.
    drop(receiver);

    let total_count = client
        .get(format!("{}{DATA}/contacts?limit=1", o.base))
        .bearer_auth(&o.token)
        .send()
        .await?
        .headers()
        .get("x-total-count")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());

    // Analysis.
    let log = std::mem::take(&mut *rx.log.lock().unwrap_or_else(|p| p.into_inner()));
    let acked: HashMap<&str, i64> = created
        .ids
        .iter()
        .map(|(id, t)| (id.as_str(), *t))
        .collect();
    let mut seen: HashSet<String> = HashSet::with_capacity(log.len());
    let (mut duplicates, mut unexpected, mut unparsed) = (0u64, 0u64, 0u64);
    let mut event_ms = Vec::with_capacity(log.len());
    let mut ack_ms = Vec::with_capacity(log.len());
    let mut times: Vec<i64> = Vec::with_capacity(log.len());
    for d in &log {
        let v: Value = match serde_json::from_slice(&d.body) {
            Ok(v) => v,
            Err(_) => {
                unparsed += 1;
                continue;
            }
        };
        let (Some(id), Some(at)) = (v["data"]["id"].as_str(), v["createdAt"].as_str()) else {
            unparsed += 1;
            continue;
        };
        if v["type"] != "contacts.created" {
            unparsed += 1;
            continue;
        }
        times.push(d.at_ns);
        if !seen.insert(id.to_owned()) {
            duplicates += 1;
            continue;
        }
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(at) {
            event_ms.push((d.at_ns - t.timestamp_millis() * 1_000_000) as f64 / 1e6);
        }
        match acked.get(id) {
            Some(t) => ack_ms.push((d.at_ns - t) as f64 / 1e6),
            None => unexpected += 1,
        }
    }
    let missing = acked.keys().filter(|id| !seen.contains(**id)).count() as u64;
    times.sort_unstable();
    let event_ms = sorted(event_ms);
    let ack_ms = sorted(ack_ms);
    let create_ms = sorted(
        created
            .latencies_us
            .iter()
            .map(|&u| f64::from(u) / 1000.0)
            .collect(),
    );

    let (first, last) = (
        times.first().copied().unwrap_or(0),
        times.last().copied().unwrap_or(0),
    );
    let window = (last - first) as f64 / 1e9;
    let per_s = if window > 0.0 {
        (times.len() as f64 - 1.0) / window
    } else {
        f64::NAN
    };
    // Deliveries in each whole second of the window (the partial last one left out).
    let mut buckets = vec![0u64; (window.floor() as usize).max(1)];
    for &t in &times {
        let i = ((t - first) as f64 / 1e9) as usize;
        if i < buckets.len() {
            buckets[i] += 1;
        }
    }
    let (bmin, bmax) = (
        buckets.iter().min().copied().unwrap_or(0),
        buckets.iter().max().copied().unwrap_or(0),
    );
    let cpu_s = match (cpu0, cpu1) {
        (Some(a), Some(b)) => b - a,
        _ => f64::NAN,
    };
    let ok = created.errors == 0
        && (!o.subscribe || (missing == 0 && duplicates == 0 && unexpected == 0));

    println!(
        "creates:    {n_created} in {load_secs:.2} s = {:.0}/s at concurrency {} \
         (client latency p50 {:.1} ms, p99 {:.1} ms; {} errors); server count {}; \
         CPU per create: server {:.0} us, this client {:.0} us",
        n_created as f64 / load_secs,
        o.concurrency,
        pct(&create_ms, 0.5),
        pct(&create_ms, 0.99),
        created.errors,
        total_count.map_or("?".into(), |n| n.to_string()),
        1e6 * load_cpu_s / n_created.max(1) as f64,
        1e6 * own_cpu_s / n_created.max(1) as f64,
    );
    if !o.subscribe {
        println!(
            "WEBHOOKS subscribed=0 created={n_created} create_per_s={:.1} create_errors={} \
             server_count={} create_p50_ms={:.1} create_p99_ms={:.1} concurrency={} \
             server_cpu_us_per_create={:.0} client_cpu_us_per_create={:.0}",
            n_created as f64 / load_secs,
            created.errors,
            total_count.map_or(-1, |n| n as i64),
            pct(&create_ms, 0.5),
            pct(&create_ms, 0.99),
            o.concurrency,
            1e6 * load_cpu_s / n_created.max(1) as f64,
            1e6 * own_cpu_s / n_created.max(1) as f64,
        );
        return Ok(ok);
    }
    println!(
        "deliveries: {} in {window:.2} s from the first to the last = {per_s:.0}/s \
         (whole seconds: min {bmin}, max {bmax}); {:.0}/s while the creates ran; {} s after \
         they began to the first, {:.2} s after they ended to the last; {} delivered when they \
         ended (backlog {})",
        times.len(),
        delivered_at_load_end as f64 / load_secs,
        format_args!("{:.2}", (first - load_start_ns) as f64 / 1e9),
        (last - load_end_ns) as f64 / 1e9,
        delivered_at_load_end,
        n_created.saturating_sub(delivered_at_load_end),
    );
    println!(
        "exactly once: {} unique record ids delivered of {n_created} created; \
         missing {missing}, duplicates {duplicates}, unknown ids {unexpected}, \
         other or unparsable bodies {unparsed}",
        seen.len()
    );
    let held = if o.hold {
        "(held until the load ended: not a measure) "
    } else {
        ""
    };
    println!(
        "{held}latency event->receive (receive - payload createdAt, ms precision, taken before the \
         commit): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(&event_ms, 0.5),
        pct(&event_ms, 0.99),
        event_ms.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "{held}latency 201->receive (receive - client read the 201, sent after the commit): \
         p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, min {:.1} ms",
        pct(&ack_ms, 0.5),
        pct(&ack_ms, 0.99),
        ack_ms.last().copied().unwrap_or(f64::NAN),
        ack_ms.first().copied().unwrap_or(f64::NAN)
    );
    println!(
        "WEBHOOKS subscribed=1 held={} created={n_created} create_per_s={:.1} create_errors={} server_count={} \
         delivered={} unique={} missing={missing} duplicates={duplicates} unknown={unexpected} \
         deliver_secs={window:.2} deliver_per_s={per_s:.1} during_load_per_s={:.1} \
         backlog_at_load_end={} sec_min={bmin} sec_max={bmax} \
         drain_after_load_s={:.2} event_p50_ms={:.1} event_p99_ms={:.1} event_max_ms={:.1} \
         ack_p50_ms={:.1} ack_p99_ms={:.1} ack_max_ms={:.1} concurrency={} server_cpu_s={cpu_s:.2} \
         cpu_us_per_event={:.0} rss_mib={:.1}",
        u8::from(o.hold),
        n_created as f64 / load_secs,
        created.errors,
        total_count.map_or(-1, |n| n as i64),
        times.len(),
        seen.len(),
        delivered_at_load_end as f64 / load_secs,
        n_created.saturating_sub(delivered_at_load_end),
        (last - load_end_ns) as f64 / 1e9,
        pct(&event_ms, 0.5),
        pct(&event_ms, 0.99),
        event_ms.last().copied().unwrap_or(f64::NAN),
        pct(&ack_ms, 0.5),
        pct(&ack_ms, 0.99),
        ack_ms.last().copied().unwrap_or(f64::NAN),
        o.concurrency,
        1e6 * cpu_s / n_created.max(1) as f64,
        rss.unwrap_or(f64::NAN),
    );
    if let Some(e) = &created.first_error {
        eprintln!("whbench: first create error: {e}");
    }
    if total_count.is_some_and(|n| n != n_created) {
        eprintln!("whbench: the server counts {total_count:?} contacts, the clients saw {n_created} created");
    }
    Ok(ok)
}

fn main() {
    let o = parse_opts();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(o.threads)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("whbench: {e}");
            std::process::exit(1)
        }
    };
    match rt.block_on(run(o)) {
        Ok(true) => {}
        Ok(false) => {
            eprintln!(
                "whbench: not every created record was delivered exactly once (or creates failed)"
            );
            std::process::exit(1)
        }
        Err(e) => {
            eprintln!("whbench: {e}");
            std::process::exit(1)
        }
    }
}
