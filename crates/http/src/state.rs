use crate::middleware::RateLimiter;
use std::sync::Arc;
use switchboard_core::Services;

/// What handlers need besides the services.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Public base URL, used character for character (SPEC S5).
    pub issuer: String,
    /// Requests per token per 10 seconds on the APIs.
    pub rate_limit_per_10s: u32,
    /// The bearer token that unlocks `/metrics`; `None`: not served.
    pub metrics_token: Option<String>,
    /// A request still running after this is answered 408.
    pub request_timeout: std::time::Duration,
    /// Peers whose `X-Forwarded-For` names the client (reverse proxies).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Arrays and objects in a JSON body nest at most this deep.
    pub max_json_depth: usize,
}

impl HttpConfig {
    /// Cookies get `Secure` and the `__Host-` prefix when served over https.
    pub fn https(&self) -> bool {
        self.issuer.starts_with("https://")
    }
}

#[derive(Clone)]
pub struct AppState {
    pub services: Arc<Services>,
    pub config: Arc<HttpConfig>,
    pub(crate) api_limiter: Arc<RateLimiter>,
    pub(crate) leak_report_limiter: Arc<RateLimiter>,
}

impl AppState {
    pub fn new(services: Arc<Services>, config: HttpConfig) -> AppState {
        let api_limiter = Arc::new(RateLimiter::per_10s(config.rate_limit_per_10s));
        // The unauthenticated leaked-token endpoint: 10 reports / 10 s per client address.
        let leak_report_limiter = Arc::new(RateLimiter::per_10s(10));
        AppState {
            services,
            config: Arc::new(config),
            api_limiter,
            leak_report_limiter,
        }
    }
}

impl HttpConfig {
    /// `scheme://host[:port]` of the issuer, to compare with `Origin`.
    pub fn issuer_origin(&self) -> String {
        url::Url::parse(&self.issuer)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default()
    }
}
