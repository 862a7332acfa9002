//! Authentication extractors. `TokenAuth`: a bearer token (data API, `/me`).
//! `AdminAuth`: a bearer token, or an admin's console session whose writes
//! carry `X-CSRF-Token`. Both apply the per-token rate limit.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use std::net::{IpAddr, SocketAddr};
use subtle::ConstantTimeEq;
use switchboard_core::principal::Principal;

pub struct TokenAuth(pub Principal);
pub struct AdminAuth(pub Principal);

/// The token in `Authorization`, in either form the docs use:
/// `Bearer <token>` (RFC 6750) or the bare `<token>`.
/// `Ok(None)`: no header at all; `Err`: a header we cannot use.
fn presented_token(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::invalid_token("the Authorization header is not valid text"))?
        .trim();
    let token = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some((scheme, _)) => {
            return Err(ApiError::invalid_token(format!(
                "the {scheme} scheme is not accepted here: send Authorization: Bearer <token>"
            )))
        }
        None => value,
    };
    if token.is_empty() {
        return Err(ApiError::invalid_token(
            "the Authorization header carries no token",
        ));
    }
    Ok(Some(token))
}

async fn from_bearer(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    let principal = state.services.authenticate_token(token).await?;
    if let Some(token_id) = principal.actor.token_id() {
        state.api_limiter.check(token_id)?;
    }
    Ok(principal)
}

impl TokenAuth {
    /// Authenticate the token in these headers (for handlers that also take
    /// other credentials and so cannot use the extractor).
    pub async fn from_headers(headers: &HeaderMap, state: &AppState) -> Result<Self, ApiError> {
        match presented_token(headers)? {
            Some(t) => from_bearer(state, t).await.map(TokenAuth),
            None => Err(ApiError::no_token()),
        }
    }
}

impl FromRequestParts<AppState> for TokenAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        TokenAuth::from_headers(&parts.headers, state).await
    }
}

impl FromRequestParts<AppState> for AdminAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(t) = presented_token(&parts.headers)? {
            return from_bearer(state, t).await.map(AdminAuth);
        }
        let Some(session) = super::session::load(parts, state).await? else {
            return Err(ApiError::no_token());
        };
        let principal = Principal::from_session(&session);
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .map(|v| v.as_bytes())
                .unwrap_or_default();
            if !bool::from(sent.ct_eq(session.session.csrf_token.as_bytes())) {
                return Err(ApiError::csrf());
            }
        }
        Ok(AdminAuth(principal))
    }
}

/// The client's address, for per-address throttles: the peer's, or, when
/// the peer is a trusted proxy, the last address in `X-Forwarded-For` that is
/// not itself a trusted proxy (the left-most entries are the client's to
/// forge; only what trusted proxies appended can be believed).
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
        else {
            return Ok(ClientIp("unknown".to_owned()));
        };
        let trusted = &state.config.trusted_proxies;
        Ok(ClientIp(
            client_behind(peer, &parts.headers, trusted).to_string(),
        ))
    }
}

fn client_behind(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|hop| hop.trim().parse::<IpAddr>())
        .collect::<Result<_, _>>()
        // A hop that is not an address: believe none of the header.
        .unwrap_or_default();
    forwarded
        .iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or(forwarded.first())
        .copied()
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(peer: &str, xff: &[&str], trusted: &[&str]) -> String {
        let mut headers = HeaderMap::new();
        for v in xff {
            headers.append("x-forwarded-for", v.parse().unwrap());
        }
        let trusted: Vec<ipnet::IpNet> = trusted.iter().map(|t| t.parse().unwrap()).collect();
        client_behind(peer.parse().unwrap(), &headers, &trusted).to_string()
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        // No trusted proxies: the header is the client's word, ignored.
        assert_eq!(client("203.0.113.9", &["198.51.100.1"], &[]), "203.0.113.9");
        // Behind a trusted proxy: the hop it appended.
        let proxy = ["10.0.0.0/8"];
        assert_eq!(
            client("10.0.0.2", &["198.51.100.1"], &proxy),
            "198.51.100.1"
        );
        // A forged left-most entry does not win over what the proxy saw.
        assert_eq!(
            client("10.0.0.2", &["1.2.3.4, 198.51.100.1"], &proxy),
            "198.51.100.1"
        );
        // Chains of trusted proxies are skipped, over several headers.
        assert_eq!(
            client("10.0.0.2", &["198.51.100.1", "10.0.0.7"], &proxy),
            "198.51.100.1"
        );
        // An untrusted peer's header is ignored even if it names a proxy.
        assert_eq!(client("198.51.100.5", &["1.2.3.4"], &proxy), "198.51.100.5");
        // Garbage or an empty header: the peer.
        assert_eq!(client("10.0.0.2", &["nonsense"], &proxy), "10.0.0.2");
        assert_eq!(client("10.0.0.2", &[], &proxy), "10.0.0.2");
        // Only proxies in the chain: the left-most.
        assert_eq!(client("10.0.0.2", &["10.0.0.9"], &proxy), "10.0.0.9");
    }
}
