//! Form bodies and client authentication for the token, revocation and
//! introspection endpoints (RFC 6749 §2.3.1, §3.2).

use super::oauth_error;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
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
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(&body).into_owned().collect();
        for (i, (k, _)) in pairs.iter().enumerate() {
            if pairs[..i].iter().any(|(seen, _)| seen == k) {
                return Err(bad(&format!("the {k} parameter was sent more than once")));
            }
        }
        Ok(OAuthForm(pairs))
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
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, creds)| creds.trim());
    let Some(encoded) = basic else {
        return Ok((
            ClientAuth {
                client_id: form.get("client_id"),
                secret: form.get("client_secret"),
            },
            false,
        ));
    };
    let malformed = || {
        oauth_error(
            &OAuthError::invalid_client(
                "the Basic credentials are not valid base64 of client_id:client_secret",
            ),
            true,
        )
    };
    let decoded = STANDARD.decode(encoded).map_err(|_| malformed())?;
    let text = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = text.split_once(':').ok_or_else(malformed)?;
    let (id, secret) = (
        form_decode(id).ok_or_else(malformed)?,
        form_decode(secret).ok_or_else(malformed)?,
    );
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
