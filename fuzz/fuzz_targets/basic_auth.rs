//! HTTP Basic client authentication (RFC 6749 §2.3.1): any client id and
//! secret, form-encoded then base64-encoded, decode back to themselves; and
//! whatever header is sent, an accepted one decodes the same after being
//! re-encoded canonically, with the scheme in any case and spaces around it.
#![no_main]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use switchboard_http::{basic_credentials, MalformedBasic};
use url::form_urlencoded::byte_serialize;

type Decoded = Option<Result<(String, String), MalformedBasic>>;

/// What a conforming client sends for `id` and `secret`.
fn header(id: &str, secret: &str) -> String {
    let id: String = byte_serialize(id.as_bytes()).collect();
    let secret: String = byte_serialize(secret.as_bytes()).collect();
    // The id is form-encoded, so the first ':' is always the separator.
    assert!(!id.contains(':'));
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

fn check_header(value: &str) {
    let decoded: Decoded = basic_credentials(value);
    let basic = value
        .split_once(' ')
        .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"));
    assert_eq!(decoded.is_some(), basic, "{value:?}");
    let Some(Ok((id, secret))) = decoded else {
        return;
    };
    let again = header(&id, &secret);
    assert_eq!(
        basic_credentials(&again),
        Some(Ok((id.clone(), secret.clone()))),
        "{again:?}"
    );
    // The scheme is case-insensitive and the credentials may be padded.
    let (_, creds) = value.split_once(' ').unwrap_or_default();
    let respelled = format!("bAsIc  {} ", creds.trim());
    assert_eq!(
        basic_credentials(&respelled),
        Some(Ok((id, secret))),
        "{respelled:?}"
    );
}

fuzz_target!(|input: (String, String, String)| {
    let (value, id, secret) = input;
    check_header(&value);

    let sent = header(&id, &secret);
    assert_eq!(
        basic_credentials(&sent),
        Some(Ok((id.clone(), secret.clone()))),
        "{sent:?}"
    );
    check_header(&sent);

    // Clients that skip the form-encoding still work when nothing needs it.
    let plain = |s: &str| !s.contains(['%', '+']);
    if plain(&id) && !id.contains(':') && plain(&secret) {
        let raw = format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")));
        assert_eq!(basic_credentials(&raw), Some(Ok((id, secret))), "{raw:?}");
    }
});
