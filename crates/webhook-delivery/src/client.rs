//! The one HTTP client of webhooks. Names are resolved by [`GuardedResolver`]
//! and the connection goes to exactly the addresses it checked, so a DNS
//! answer that changes between check and connect (rebinding) cannot reach
//! a private address. Literal IP targets never reach a resolver and are
//! checked before sending. No redirects, no proxies, short timeouts, and
//! at most [`MAX_RESPONSE_BYTES`] of a response is read.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect::Policy;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_core::webhooks::signature;
use switchboard_core::webhooks::ssrf::{check_addrs, is_forbidden, resolve_name};
use url::{Host, Url};

/// A receiver's answer is read up to this size; the rest is dropped.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;

struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            // Port 0: reqwest puts the URL's port in.
            let addrs = resolve_name(name.as_str(), 0).await?;
            check_addrs(&addrs, allow_private)?;
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[derive(Clone)]
pub struct DeliveryClient {
    http: reqwest::Client,
    allow_private: bool,
}

/// What one POST came to.
#[derive(Debug, Clone)]
pub struct SendResult {
    pub status: Option<u16>,
    pub latency_ms: i64,
    pub error: Option<String>,
}

impl DeliveryClient {
    pub fn new(
        allow_private: bool,
        connect_timeout: Duration,
        timeout: Duration,
    ) -> Result<DeliveryClient, reqwest::Error> {
        let http = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .redirect(Policy::none())
            .no_proxy()
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent("Switchboard-Webhooks/1")
            .build()?;
        Ok(DeliveryClient {
            http,
            allow_private,
        })
    }

    /// POST `body` to `target`, signed with `secret` at unix time `t`.
    pub async fn send(&self, target: &str, secret: &str, t: i64, body: &str) -> SendResult {
        let started = Instant::now();
        let done = |status: Option<u16>, error: Option<String>| SendResult {
            status,
            latency_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
            error,
        };
        let url = match Url::parse(target) {
            Ok(u) => u,
            Err(_) => return done(None, Some("the target URL does not parse".into())),
        };
        let literal: Option<IpAddr> = match url.host() {
            Some(Host::Ipv4(ip)) => Some(ip.into()),
            Some(Host::Ipv6(ip)) => Some(ip.into()),
            _ => None,
        };
        if literal.is_some_and(is_forbidden) && !self.allow_private {
            return done(
                None,
                Some("refused: the target is a private or loopback address".into()),
            );
        }
        let sent = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .header(
                signature::HEADER,
                signature::sign(secret, t, body.as_bytes()),
            )
            .body(body.to_owned())
            .send()
            .await;
        let mut response = match sent {
            Ok(r) => r,
            Err(e) => return done(None, Some(describe(&e))),
        };
        let status = response.status().as_u16();
        // Drain a little of the answer so the connection can be reused;
        // never more than the cap.
        let mut read = 0usize;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    read += chunk.len();
                    if read > MAX_RESPONSE_BYTES {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => return done(Some(status), Some(describe(&e))),
            }
        }
        done(Some(status), None)
    }
}

/// A short reason for the delivery log, without the URL (it is in the subscription).
fn describe(e: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    let mut deepest = String::new();
    while let Some(s) = source {
        deepest = s.to_string();
        source = s.source();
    }
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect failed"
    } else {
        "request failed"
    };
    format!("{kind}: {deepest}")
}
