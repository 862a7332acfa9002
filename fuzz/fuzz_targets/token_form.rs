//! The token endpoint's form (RFC 6749 §3.2, §4.1.3): any body is decoded
//! exactly as `application/x-www-form-urlencoded` says, a repeated parameter
//! is refused by name, an accepted form re-encodes to the same parameters,
//! and the token request reads each parameter as sent (empty = absent).
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_http::{token_request, OAuthForm, RepeatedParameter};
use url::form_urlencoded;

fn encode(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn check_body(body: &[u8]) {
    let decoded: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let form = match OAuthForm::parse(body) {
        Err(RepeatedParameter(name)) => {
            let first_repeat = decoded
                .iter()
                .enumerate()
                .find(|(i, (k, _))| decoded[..*i].iter().any(|(seen, _)| seen == k))
                .map(|(_, (k, _))| k);
            assert_eq!(first_repeat, Some(&name), "{body:?}");
            return;
        }
        Ok(form) => form,
    };
    assert_eq!(form.pairs(), decoded.as_slice(), "{body:?}");
    let again = encode(form.pairs());
    let reparsed = OAuthForm::parse(again.as_bytes()).map(|f| f.pairs().to_vec());
    assert_eq!(reparsed.as_deref(), Ok(form.pairs()), "{again:?}");

    let get = |name: &str| {
        decoded
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    match token_request(&form) {
        Ok(req) => {
            assert!(get("redirect_uri").is_none() || get("redirect_url").is_none());
            assert_eq!(req.grant_type, get("grant_type"));
            assert_eq!(req.code, get("code"));
            assert_eq!(
                req.redirect_uri,
                get("redirect_uri").or(get("redirect_url"))
            );
            assert_eq!(req.code_verifier, get("code_verifier"));
            assert_eq!(req.refresh_token, get("refresh_token"));
            assert_eq!(req.scope, get("scope"));
        }
        Err(e) => {
            assert_eq!(e.code, "invalid_request");
            assert!(get("redirect_uri").is_some() && get("redirect_url").is_some());
        }
    }
}

fuzz_target!(|input: (&[u8], Vec<(String, String)>)| {
    let (body, mut pairs) = input;
    check_body(body);

    // Any parameters with distinct names survive encoding and decoding.
    let mut seen = std::collections::HashSet::new();
    pairs.retain(|(k, _)| seen.insert(k.clone()));
    let sent = encode(&pairs);
    let parsed = OAuthForm::parse(sent.as_bytes()).map(|f| f.pairs().to_vec());
    assert_eq!(parsed, Ok(pairs), "{sent:?}");
    check_body(sent.as_bytes());
});
