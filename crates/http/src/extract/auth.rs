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
/// the peer is a trusted proxy, the last hop in `X-Forwarded-For` (or, without
/// one, in `Forwarded`, RFC 7239) that is not itself a trusted proxy (the
/// left-most entries are the client's to forge; only what trusted proxies
/// appended can be believed).
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

/// One hop of a forwarding chain: an address, or a node that hides it
/// (`unknown`, an obfuscated `_name`, an element without `for=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hop {
    Addr(IpAddr),
    Hidden,
}

fn client_behind(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    // Both headers present: X-Forwarded-For wins. Whichever header the proxy
    // does not write passes through as the client sent it, so only one of the
    // two can be believed; X-Forwarded-For is what most proxies append (and
    // what this server read first), so choosing it keeps those setups safe. A
    // proxy that writes only `Forwarded` must drop an incoming X-Forwarded-For
    // (the README says so).
    let chain = if headers.contains_key("x-forwarded-for") {
        x_forwarded_for(headers)
    } else {
        forwarded(headers)
    };
    // A hop we cannot read: believe none of the header.
    let Some(chain) = chain else {
        return peer;
    };
    for hop in chain.iter().rev() {
        match hop {
            Hop::Addr(ip) if is_trusted(ip) => continue,
            Hop::Addr(ip) => return *ip,
            // The client is behind a node that hides it: what lies left of
            // it cannot be told from a forgery, so the proxy's address counts.
            Hop::Hidden => return peer,
        }
    }
    // Only trusted proxies in the chain: the left-most.
    match chain.first() {
        Some(Hop::Addr(ip)) => *ip,
        _ => peer,
    }
}

/// `X-Forwarded-For: 203.0.113.7, 10.0.0.2`, over every header line.
fn x_forwarded_for(headers: &HeaderMap) -> Option<Vec<Hop>> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|v| match v.to_str() {
            Ok(text) => text.split(',').map(|hop| hop.trim().parse().ok()).collect(),
            Err(_) => vec![None],
        })
        .map(|ip| ip.map(Hop::Addr))
        .collect()
}

/// `Forwarded: for=192.0.2.60;proto=http, for="[2001:db8::1]:4711"` (RFC
/// 7239 §4), over every header line: one hop per element, from its `for=`.
fn forwarded(headers: &HeaderMap) -> Option<Vec<Hop>> {
    let mut chain = Vec::new();
    for value in headers.get_all(header::FORWARDED) {
        for element in split_unquoted(value.to_str().ok()?, ',') {
            if element.trim().is_empty() {
                continue;
            }
            let mut hop = Hop::Hidden;
            for pair in split_unquoted(element, ';') {
                if pair.trim().is_empty() {
                    continue;
                }
                let (name, value) = pair.split_once('=')?;
                if name.trim().eq_ignore_ascii_case("for") {
                    hop = node(&unquote(value.trim())?)?;
                }
            }
            chain.push(hop);
        }
    }
    Some(chain)
}

/// The pieces of `text` between `sep`s that are not inside a quoted string.
fn split_unquoted(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts
}

/// A token as it is, or a quoted string without its quotes and escapes.
fn unquote(value: &str) -> Option<String> {
    let Some(inner) = value.strip_prefix('"') else {
        return (!value.contains('"')).then(|| value.to_owned());
    };
    let inner = inner.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' { chars.next()? } else { c });
    }
    Some(out)
}

/// A node (RFC 7239 §6): `192.0.2.60`, `192.0.2.60:80`, `[2001:db8::1]`,
/// `[2001:db8::1]:4711`, `unknown`, `_hidden`, with an optional numeric or
/// obfuscated (`_port`) port. `None`: not a node at all.
fn node(text: &str) -> Option<Hop> {
    // obfnode / obfport = "_" 1*( ALPHA / DIGIT / "." / "_" / "-" )
    let obfuscated = |s: &str| {
        s.len() > 1
            && s.starts_with('_')
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    let (name, port) = match text.strip_prefix('[') {
        Some(rest) => {
            let (v6, after) = rest.split_once(']')?;
            (Hop::Addr(IpAddr::V6(v6.parse().ok()?)), after)
        }
        None => {
            let (name, after) = text.find(':').map_or((text, ""), |i| text.split_at(i));
            let hop = if name.eq_ignore_ascii_case("unknown") || obfuscated(name) {
                Hop::Hidden
            } else {
                // IPv4 only: an IPv6 address must be in brackets.
                Hop::Addr(IpAddr::V4(name.parse().ok()?))
            };
            (hop, after)
        }
    };
    match port.strip_prefix(':') {
        None if port.is_empty() => Some(name),
        Some(p) if p.parse::<u16>().is_ok() || obfuscated(p) => Some(name),
        _ => None,
    }
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

    fn client_fwd(peer: &str, xff: &[&str], forwarded: &[&str], trusted: &[&str]) -> String {
        let mut headers = HeaderMap::new();
        for v in xff {
            headers.append("x-forwarded-for", v.parse().unwrap());
        }
        for v in forwarded {
            headers.append("forwarded", v.parse().unwrap());
        }
        let trusted: Vec<ipnet::IpNet> = trusted.iter().map(|t| t.parse().unwrap()).collect();
        client_behind(peer.parse().unwrap(), &headers, &trusted).to_string()
    }

    #[test]
    fn nodes_of_rfc7239() {
        let addr = |s: &str| Some(Hop::Addr(s.parse().unwrap()));
        assert_eq!(node("192.0.2.60"), addr("192.0.2.60"));
        assert_eq!(node("192.0.2.60:8080"), addr("192.0.2.60"));
        assert_eq!(node("[2001:db8:cafe::17]"), addr("2001:db8:cafe::17"));
        assert_eq!(node("[2001:db8:cafe::17]:4711"), addr("2001:db8:cafe::17"));
        assert_eq!(node("[2001:db8::1]:_port"), addr("2001:db8::1"));
        for hidden in [
            "unknown",
            "UNKNOWN",
            "_hidden",
            "_SEVKISEK",
            "_a.b-c:_d",
            "unknown:80",
        ] {
            assert_eq!(node(hidden), Some(Hop::Hidden), "{hidden}");
        }
        for bad in [
            "",
            "2001:db8::1", // IPv6 without brackets
            "[2001:db8::1",
            "[192.0.2.1]",
            "192.0.2.60:",
            "192.0.2.60:99999",
            "192.0.2.60:http",
            "_",
            "_bad!",
            "example.com",
        ] {
            assert_eq!(node(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn quoted_strings_keep_their_separators() {
        assert_eq!(
            split_unquoted(r#"for="[::1]:80";host="a,b;c", for=x"#, ','),
            vec![r#"for="[::1]:80";host="a,b;c""#, " for=x"]
        );
        assert_eq!(
            unquote(r#""[2001:db8::1]:4711""#).as_deref(),
            Some("[2001:db8::1]:4711")
        );
        assert_eq!(unquote(r#""a\"b""#).as_deref(), Some("a\"b"));
        assert_eq!(unquote("token").as_deref(), Some("token"));
        assert_eq!(unquote(r#""open"#), None);
        assert_eq!(unquote(r#"mid"quote"#), None);
    }

    #[test]
    fn forwarded_counts_only_behind_a_trusted_proxy() {
        let proxy = ["10.0.0.0/8"];
        // Not trusted: ignored.
        assert_eq!(
            client_fwd("203.0.113.9", &[], &["for=198.51.100.1"], &proxy),
            "203.0.113.9"
        );
        // Behind a trusted proxy, in every spelling RFC 7239 §7.1 shows.
        for (value, want) in [
            ("for=198.51.100.1", "198.51.100.1"),
            ("For=\"198.51.100.1:1234\"", "198.51.100.1"),
            ("for=\"[2001:db8:cafe::17]\"", "2001:db8:cafe::17"),
            ("for=\"[2001:db8:cafe::17]:4711\"", "2001:db8:cafe::17"),
            (
                "for=198.51.100.1;proto=https;by=203.0.113.43",
                "198.51.100.1",
            ),
            (
                "proto=https; for=198.51.100.1 ;host=\"a,b\"",
                "198.51.100.1",
            ),
        ] {
            assert_eq!(
                client_fwd("10.0.0.2", &[], &[value], &proxy),
                want,
                "{value}"
            );
        }
        // Several elements (and header lines): the right-most untrusted one wins
        // over a forged left-most one, and trusted hops are skipped.
        assert_eq!(
            client_fwd(
                "10.0.0.2",
                &[],
                &["for=1.2.3.4, for=198.51.100.1, for=10.0.0.7"],
                &proxy
            ),
            "198.51.100.1"
        );
        assert_eq!(
            client_fwd(
                "10.0.0.2",
                &[],
                &["for=1.2.3.4", "for=198.51.100.1"],
                &proxy
            ),
            "198.51.100.1"
        );
        // A hidden client (obfuscated, unknown, no for=): not an address, and
        // what is left of it may be forged, so the proxy counts.
        for value in [
            "for=1.2.3.4, for=_hidden",
            "for=1.2.3.4, for=unknown",
            "for=1.2.3.4, proto=https",
        ] {
            assert_eq!(
                client_fwd("10.0.0.2", &[], &[value], &proxy),
                "10.0.0.2",
                "{value}"
            );
        }
        // A hidden hop right of the client's does not matter once the client is found.
        assert_eq!(
            client_fwd(
                "10.0.0.2",
                &[],
                &["for=_a, for=198.51.100.1, for=10.0.0.7"],
                &proxy
            ),
            "198.51.100.1"
        );
        // Malformed: believe none of it.
        for value in [
            "for=2001:db8::1",
            "for",
            "for=\"198.51.100.1",
            "for=1.2.3.4;for=bogus",
        ] {
            assert_eq!(
                client_fwd("10.0.0.2", &[], &[value], &proxy),
                "10.0.0.2",
                "{value}"
            );
        }
        // Only proxies: the left-most.
        assert_eq!(
            client_fwd("10.0.0.2", &[], &["for=10.0.0.9"], &proxy),
            "10.0.0.9"
        );
        // Both headers: X-Forwarded-For wins (see client_behind).
        assert_eq!(
            client_fwd("10.0.0.2", &["198.51.100.1"], &["for=203.0.113.5"], &proxy),
            "198.51.100.1"
        );
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
