//! Complete OAuth 2.0 authorization-code flows against a running Switchboard,
//! as fast as `--concurrency` signed-in browsers can run them:
//!
//!   GET  /services/oauth2/v1/authorize?…&code_challenge=…  (session cookie; consent remembered)
//!     -> 302 to the redirect URI with `code` and `state`
//!   POST /services/oauth2/v1/token  grant_type=authorization_code, code, redirect_uri,
//!        code_verifier (PKCE S256), client authenticated with HTTP Basic
//!     -> 200 with an access token
//!
//! Each worker is one browser: its own cookie jar and connection, signed in
//! once through the console's sign-in form before the clock starts. The
//! first flow answers the consent page (allow), so every measured flow is a
//! remembered grant. With `--pid`, the server's CPU time (utime + stime from
//! /proc/<pid>/stat) over the measured window is divided by the flows done.
//!
//! Usage: authflow --base URL --client-id ID --redirect-uri URI --email E
//!        [--scope S] [--concurrency N] [--duration S] [--warmup S] [--pid PID]
//!        [--threads N]
//! The client secret comes from AUTHFLOW_CLIENT_SECRET, the user's password
//! from AUTHFLOW_PASSWORD (never from flags).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use reqwest::header::LOCATION;
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Error = Box<dyn std::error::Error + Send + Sync>;

const OAUTH: &str = "/services/oauth2/v1";

#[derive(Clone)]
struct Opts {
    base: String,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
    scope: String,
    email: String,
    password: String,
    concurrency: usize,
    duration: f64,
    warmup: f64,
    pid: Option<u32>,
    threads: usize,
}

fn usage() -> ! {
    eprintln!(
        "usage: authflow --base URL --client-id ID --redirect-uri URI --email E [--scope S] \
         [--concurrency N] [--duration S] [--warmup S] [--pid PID] [--threads N]\n\
         (AUTHFLOW_CLIENT_SECRET and AUTHFLOW_PASSWORD in the environment)"
    );
    std::process::exit(2)
}

fn parse_opts() -> Opts {
    let mut o = Opts {
        base: String::new(),
        client_id: String::new(),
        client_secret: std::env::var("AUTHFLOW_CLIENT_SECRET").unwrap_or_default(),
        redirect_uri: String::new(),
        scope: "contacts.read".into(),
        email: String::new(),
        password: std::env::var("AUTHFLOW_PASSWORD").unwrap_or_default(),
        concurrency: 16,
        duration: 10.0,
        warmup: 3.0,
        pid: None,
        threads: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else { usage() };
        let num = |v: &str| v.parse::<f64>().unwrap_or_else(|_| usage());
        match flag.as_str() {
            "--base" => o.base = value.trim_end_matches('/').to_owned(),
            "--client-id" => o.client_id = value,
            "--redirect-uri" => o.redirect_uri = value,
            "--scope" => o.scope = value,
            "--email" => o.email = value,
            "--concurrency" => o.concurrency = num(&value).max(1.0) as usize,
            "--duration" => o.duration = num(&value),
            "--warmup" => o.warmup = num(&value),
            "--pid" => o.pid = Some(num(&value) as u32),
            "--threads" => o.threads = num(&value).max(1.0) as usize,
            _ => usage(),
        }
    }
    if o.base.is_empty()
        || o.client_id.is_empty()
        || o.client_secret.is_empty()
        || o.redirect_uri.is_empty()
        || o.email.is_empty()
        || o.password.is_empty()
    {
        usage()
    }
    o
}

/// The attribute value that follows `marker` in a page (a CSRF token, a
/// hidden input).
fn scrape(html: &str, marker: &str) -> Result<String, Error> {
    let start = html
        .find(marker)
        .ok_or_else(|| format!("no {marker:?} in the page"))?
        + marker.len();
    Ok(html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned())
}

fn random_b64(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// A browser signed in through the console form.
async fn signed_in_browser(o: &Opts) -> Result<Client, Error> {
    let client = Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .pool_max_idle_per_host(4)
        .build()?;
    let page = client
        .get(format!("{}/login", o.base))
        .send()
        .await?
        .text()
        .await?;
    let csrf = scrape(&page, r#"<meta name="csrf-token" content=""#)?;
    let res = client
        .post(format!("{}/login", o.base))
        .form(&[
            ("email", o.email.as_str()),
            ("password", o.password.as_str()),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await?;
    if res.status() != StatusCode::SEE_OTHER {
        return Err(format!("sign-in answered {}", res.status()).into());
    }
    Ok(client)
}

/// Where a `302` sends the browser, and its `code` after checking `state`.
fn code_of(location: &str, state: &str) -> Result<String, Error> {
    let url = url::Url::parse(location)?;
    let mut code = None;
    let mut got_state = None;
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "code" => code = Some(v.into_owned()),
            "state" => got_state = Some(v.into_owned()),
            "error" => return Err(format!("error redirect: {location}").into()),
            _ => {}
        }
    }
    if got_state.as_deref() != Some(state) {
        return Err(format!("state not returned: {location}").into());
    }
    code.ok_or_else(|| format!("no code in {location}").into())
}

/// One complete flow; `consent`: answer the consent page if it is shown.
async fn flow(o: &Opts, browser: &Client, consent: bool) -> Result<(), Error> {
    let verifier = random_b64(32);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let state = random_b64(12);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &o.client_id)
        .append_pair("redirect_uri", &o.redirect_uri)
        .append_pair("scope", &o.scope)
        .append_pair("state", &state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    let res = browser
        .get(format!("{}{OAUTH}/authorize?{query}", o.base))
        .send()
        .await?;
    let res = if res.status() == StatusCode::OK && consent {
        let html = res.text().await?;
        let csrf = scrape(&html, r#"name="csrf_token" value=""#)?;
        let consent_id = scrape(&html, r#"name="consent_id" value=""#)?;
        browser
            .post(format!("{}{OAUTH}/authorize/decision", o.base))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("consent_id", consent_id.as_str()),
                ("decision", "allow"),
            ])
            .send()
            .await?
    } else {
        res
    };
    if res.status() != StatusCode::FOUND {
        return Err(format!(
            "authorize answered {} (consent not remembered?)",
            res.status()
        )
        .into());
    }
    let location = res
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or("302 without Location")?
        .to_owned();
    drop(res);
    let code = code_of(&location, &state)?;
    let res = browser
        .post(format!("{}{OAUTH}/token", o.base))
        .basic_auth(&o.client_id, Some(&o.client_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", o.redirect_uri.as_str()),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await?;
    let status = res.status();
    let body = res.text().await?;
    if status != StatusCode::OK || !body.contains("\"access_token\":\"swb_at_") {
        return Err(format!("token answered {status}: {body}").into());
    }
    Ok(())
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

struct Shared {
    measuring: AtomicBool,
    stop: AtomicBool,
    flows: AtomicU64,
    errors: AtomicU64,
    first_error: Mutex<Option<String>>,
    latencies_us: Mutex<Vec<u32>>,
}

async fn worker(o: Arc<Opts>, browser: Client, shared: Arc<Shared>) {
    let mut mine = Vec::with_capacity(4096);
    while !shared.stop.load(Ordering::Relaxed) {
        let t = Instant::now();
        let result = flow(&o, &browser, false).await;
        let measuring = shared.measuring.load(Ordering::Relaxed);
        match result {
            Ok(()) if measuring => {
                shared.flows.fetch_add(1, Ordering::Relaxed);
                mine.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
            }
            Ok(()) => {}
            Err(e) => {
                if measuring {
                    shared.errors.fetch_add(1, Ordering::Relaxed);
                }
                shared
                    .first_error
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_or_insert_with(|| e.to_string());
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    shared
        .latencies_us
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .extend(mine);
}

async fn run(o: Opts) -> Result<(), Error> {
    let o = Arc::new(o);
    let t_setup = Instant::now();
    let mut browsers = Vec::with_capacity(o.concurrency);
    let mut pending = Vec::new();
    for _ in 0..o.concurrency {
        let o = o.clone();
        pending.push(tokio::spawn(async move { signed_in_browser(&o).await }));
    }
    for p in pending {
        browsers.push(p.await??);
    }
    // The first flow grants consent; the grant is remembered from then on.
    flow(&o, &browsers[0], true).await?;
    eprintln!(
        "authflow: {} browsers signed in, consent given ({:.1} s)",
        browsers.len(),
        t_setup.elapsed().as_secs_f64()
    );

    let shared = Arc::new(Shared {
        measuring: AtomicBool::new(false),
        stop: AtomicBool::new(false),
        flows: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        first_error: Mutex::new(None),
        latencies_us: Mutex::new(Vec::new()),
    });
    let handles: Vec<_> = browsers
        .into_iter()
        .map(|b| tokio::spawn(worker(o.clone(), b, shared.clone())))
        .collect();
    tokio::time::sleep(Duration::from_secs_f64(o.warmup)).await;
    let cpu0 = o.pid.and_then(cpu_seconds);
    let t0 = Instant::now();
    shared.measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs_f64(o.duration)).await;
    shared.measuring.store(false, Ordering::Relaxed);
    let wall = t0.elapsed().as_secs_f64();
    let cpu1 = o.pid.and_then(cpu_seconds);
    let rss = o.pid.and_then(rss_mib);
    shared.stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.await?;
    }

    let flows = shared.flows.load(Ordering::Relaxed);
    let errors = shared.errors.load(Ordering::Relaxed);
    let mut lat = std::mem::take(
        &mut *shared
            .latencies_us
            .lock()
            .unwrap_or_else(|p| p.into_inner()),
    );
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        f64::from(lat[i]) / 1000.0
    };
    let (cpu_s, us_per_flow) = match (cpu0, cpu1) {
        (Some(a), Some(b)) if flows > 0 => (b - a, 1e6 * (b - a) / flows as f64),
        _ => (f64::NAN, f64::NAN),
    };
    println!(
        "AUTHFLOW flows={flows} errors={errors} secs={wall:.2} flows_per_s={:.1} p50_ms={:.2} \
         p99_ms={:.2} concurrency={} server_cpu_s={cpu_s:.2} cpu_us_per_flow={us_per_flow:.0} \
         rss_mib={:.1}",
        flows as f64 / wall,
        pct(0.50),
        pct(0.99),
        o.concurrency,
        rss.unwrap_or(f64::NAN),
    );
    if let Some(e) = shared
        .first_error
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    {
        eprintln!("authflow: first error: {e}");
    }
    if errors > 0 || flows == 0 {
        return Err(format!("{errors} flows failed, {flows} succeeded").into());
    }
    Ok(())
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
            eprintln!("authflow: {e}");
            std::process::exit(1)
        }
    };
    if let Err(e) = rt.block_on(run(o)) {
        eprintln!("authflow: {e}");
        std::process::exit(1)
    }
}
