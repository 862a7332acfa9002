//! Form bodies and client authentication for the token, revocation and
//! introspection endpoints (RFC 6749 §2.3.1, §3.2).

use super::oauth_error;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::collections::HashSet;
use switchboard_core::oauth::token_endpoint::ClientAuth;
use switchboard_core::oauth::OAuthError;

/// An `application/x-www-form-urlencoded` body in which every parameter
/// appears at most once.
pub struct OAuthForm(Vec<(String, String)>);

impl OAuthForm {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

impl<S: Send + Sync> FromRequest<S> for OAuthForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let bad = |m: &str| oauth_error(&OAuthError::invalid_request(m), false);
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !is_form {
            return Err(bad(
                "send the parameters as Content-Type: application/x-www-form-urlencoded",
            ));
        }
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|_| bad("the request body could not be read"))?;
        OAuthForm::parse(&body).map_err(|e| bad(&e.to_string()))
    }
}

impl OAuthForm {
    /// Decode an `application/x-www-form-urlencoded` body; a parameter sent
    /// twice is an error (RFC 6749 §3.1, §3.2).
    pub fn parse(body: &[u8]) -> Result<OAuthForm, RepeatedParameter> {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
        // A set, not a pairwise scan: a 1 MiB body of distinct names took
        // minutes of CPU that way, on an endpoint anyone can call.
        let mut seen = HashSet::with_capacity(pairs.len());
        if let Some((k, _)) = pairs.iter().find(|(k, _)| !seen.insert(k.as_str())) {
            return Err(RepeatedParameter(k.clone()));
        }
        Ok(OAuthForm(pairs))
    }

    /// Every parameter, in the order sent, empty values included.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

/// A form parameter that appeared more than once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatedParameter(pub String);

impl std::fmt::Display for RepeatedParameter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the {} parameter was sent more than once", self.0)
    }
}

/// `application/x-www-form-urlencoded` decoding of one Basic credential part.
fn form_decode(s: &str) -> Option<String> {
    let spaced = s.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// Basic credentials that are not base64 of `client_id:client_secret`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedBasic;

impl std::fmt::Display for MalformedBasic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the Basic credentials are not valid base64 of client_id:client_secret")
    }
}

/// The `(client_id, client_secret)` of an `Authorization` header value, or
/// `None` when its scheme is not Basic. Each part is form-decoded after the
/// base64 (RFC 6749 §2.3.1), so either may contain any character.
pub fn basic_credentials(authorization: &str) -> Option<Result<(String, String), MalformedBasic>> {
    let (scheme, encoded) = authorization.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decode = || {
        let decoded = STANDARD.decode(encoded.trim()).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (id, secret) = text.split_once(':')?;
        Some((form_decode(id)?, form_decode(secret)?))
    };
    Some(decode().ok_or(MalformedBasic))
}

/// The client's credentials, from HTTP Basic or the body (never both).
/// Returns them and whether Basic was used; errors are ready to send.
pub fn client_auth<'a>(
    headers: &HeaderMap,
    form: &'a OAuthForm,
    basic_buf: &'a mut Option<(String, String)>,
) -> Result<(ClientAuth<'a>, bool), Response> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(basic_credentials);
    let Some(decoded) = basic else {
        return Ok((
            ClientAuth {
                client_id: form.get("client_id"),
                secret: form.get("client_secret"),
            },
            false,
        ));
    };
    let (id, secret) =
        decoded.map_err(|e| oauth_error(&OAuthError::invalid_client(e.to_string()), true))?;
    if form.get("client_secret").is_some() {
        return Err(oauth_error(
            &OAuthError::invalid_request(
                "authenticate the client once: HTTP Basic or client_secret, not both",
            ),
            true,
        ));
    }
    if form.get("client_id").is_some_and(|body_id| body_id != id) {
        return Err(oauth_error(
            &OAuthError::invalid_request(
                "the client_id in the body differs from the Basic credentials",
            ),
            true,
        ));
    }
    *basic_buf = Some((id, secret));
    let (id, secret) = basic_buf
        .as_ref()
        .map(|(i, s)| (i.as_str(), s.as_str()))
        .unwrap_or_default();
    Ok((
        ClientAuth {
            client_id: Some(id),
            secret: (!secret.is_empty()).then_some(secret),
        },
        true,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_cap_of_distinct_parameters_is_read_quickly() {
        // Found while fuzzing token_form: the duplicate check compared every
        // pair with every earlier one, 108 s for this body before the fix.
        let mut body = String::new();
        let mut i = 0;
        while body.len() < crate::middleware::MAX_BODY_BYTES {
            body.push_str(&format!("{i}=&"));
            i += 1;
        }
        let started = std::time::Instant::now();
        let form = OAuthForm::parse(body.as_bytes()).unwrap();
        assert_eq!(form.pairs().len(), i);
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    }

    #[test]
    fn the_first_repeated_parameter_is_named() {
        let err = OAuthForm::parse(b"a=1&b=2&b=3&a=4").err().unwrap();
        assert_eq!(err.to_string(), "the b parameter was sent more than once");
        let form = OAuthForm::parse(b"grant_type=x&scope=&c%20d=e+f").unwrap();
        assert_eq!(form.get("scope"), None, "empty values count as absent");
        assert_eq!(form.get("c d"), Some("e f"));
    }

    #[test]
    fn basic_credentials_are_form_decoded_after_base64() {
        let header = |s: &str| format!("Basic {}", STANDARD.encode(s));
        assert_eq!(basic_credentials("Bearer x"), None);
        assert_eq!(basic_credentials("Basic"), None);
        assert_eq!(
            basic_credentials(&header("a%3Ab+c:s%25")),
            Some(Ok(("a:b c".into(), "s%".into())))
        );
        // A '%' that starts no escape stays as it is, as browsers do.
        assert_eq!(
            basic_credentials(&header("a:%zz")),
            Some(Ok(("a".into(), "%zz".into())))
        );
        for bad in ["Basic !!", &header("no-colon"), &header("%FF:x")] {
            assert_eq!(basic_credentials(bad), Some(Err(MalformedBasic)), "{bad}");
        }
    }
}
