//! Redirect URIs: what may be registered, and when a presented one matches
//! (SPEC S5.1, S5.2; RFC 8252 §7.3 and §8.3; RFC 9700 §4.1).

use crate::error::{Error, Result};
use crate::model::oauth::ClientType;
use url::{Host, Url};

pub const MAX_REDIRECT_URIS: usize = 10;
const MAX_URI_LEN: usize = 2000;

fn is_loopback_ip(host: &Host<&str>) -> bool {
    match host {
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
        Host::Domain(_) => false,
    }
}

fn is_loopback_host(host: &Host<&str>) -> bool {
    is_loopback_ip(host) || matches!(host, Host::Domain(d) if d.eq_ignore_ascii_case("localhost"))
}

/// Check one URI an admin wants to register. `field` names it in errors.
pub fn validate_registered(field: &str, raw: &str) -> Result<String> {
    let bad = |why: &str| Error::invalid(field, format!("{raw:?} {why}"));
    if raw.len() > MAX_URI_LEN {
        return Err(bad("is too long"));
    }
    if raw.contains('*') {
        return Err(bad(
            "contains a wildcard: redirect URIs are matched exactly",
        ));
    }
    if raw.contains('#') {
        return Err(bad("has a fragment, which redirect URIs must not have"));
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("contains whitespace"));
    }
    let url = Url::parse(raw).map_err(|_| bad("is not an absolute URI"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("has user information, which is not allowed"));
    }
    let host = url.host().ok_or_else(|| bad("has no host"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&host) => {}
        "http" => {
            return Err(bad(
                "uses http: only https is allowed, or http on a loopback host (127.0.0.1, [::1], localhost)",
            ))
        }
        _ => return Err(bad("must use https (or http on a loopback host)")),
    }
    Ok(raw.to_owned())
}

/// The registered URIs, each checked; the error names `redirectUris[i]`.
pub fn validate_list<S: AsRef<str>>(uris: &[S]) -> Result<Vec<String>> {
    if uris.is_empty() {
        return Err(Error::invalid(
            "redirectUris",
            "register at least one redirect URI",
        ));
    }
    if uris.len() > MAX_REDIRECT_URIS {
        return Err(Error::invalid(
            "redirectUris",
            format!("at most {MAX_REDIRECT_URIS} redirect URIs"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(uris.len());
    for (i, u) in uris.iter().enumerate() {
        let u = validate_registered(&format!("redirectUris[{i}]"), u.as_ref().trim())?;
        if !out.contains(&u) {
            out.push(u);
        }
    }
    Ok(out)
}

/// Does `presented` match `registered`? Exact string comparison; the one
/// exception (RFC 8252 §7.3): for a public client whose registered URI is a
/// loopback IP literal, the port may differ. Never for `localhost`, never
/// for confidential clients.
pub fn matches(registered: &str, presented: &str, client_type: ClientType) -> bool {
    if registered == presented {
        return true;
    }
    if client_type != ClientType::Public {
        return false;
    }
    let (Ok(reg), Ok(pres)) = (Url::parse(registered), Url::parse(presented)) else {
        return false;
    };
    let loopback = reg.scheme() == "http" && reg.host().as_ref().is_some_and(is_loopback_ip);
    if !loopback || pres.scheme() != "http" || presented.contains('#') {
        return false;
    }
    // Compare everything but the port, as the client sent it.
    let mut pres_no_port = pres.clone();
    let mut reg_no_port = reg.clone();
    if pres_no_port.set_port(None).is_err() || reg_no_port.set_port(None).is_err() {
        return false;
    }
    reg_no_port.as_str() == pres_no_port.as_str()
        && pres.username().is_empty()
        && pres.password().is_none()
        // The presented text must be what the URL parser printed: no
        // alternative spellings of the same host or path.
        && presented == pres.as_str()
}

/// Find the registered URI the request names. `None`: the request's
/// `redirect_uri` is absent and the app has several registered.
pub fn resolve<'a>(
    registered: &'a [String],
    presented: Option<&'a str>,
    client_type: ClientType,
) -> Option<&'a str> {
    match presented {
        Some(p) => registered
            .iter()
            .any(|r| matches(r, p, client_type))
            .then_some(p),
        None if registered.len() == 1 => registered.first().map(String::as_str),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_rules() {
        for ok in [
            "https://app.example/cb",
            "https://app.example/cb?x=1",
            "http://127.0.0.1/cb",
            "http://[::1]:8000/cb",
            "http://localhost:3000/cb",
        ] {
            assert!(validate_registered("f", ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://app.example/cb",
            "https://app.example/cb#frag",
            "https://*.app.example/cb",
            "/relative",
            "app.example/cb",
            "javascript:alert(1)",
            "https://user:pw@app.example/cb",
            "ftp://app.example/cb",
            "https://app.example/c b",
        ] {
            assert!(validate_registered("f", bad).is_err(), "{bad}");
        }
        let err = validate_list(&["https://a.example/cb", "http://b.example/cb"]).unwrap_err();
        assert!(matches!(err, Error::Invalid { ref field, .. } if field == "redirectUris[1]"));
    }

    #[test]
    fn exact_match_except_loopback_ports_for_public_clients() {
        use ClientType::*;
        let reg = "https://app.example/cb";
        assert!(matches(reg, reg, Confidential));
        for near in [
            "https://app.example/cb/",
            "https://app.example/CB",
            "https://APP.example/cb",
            "https://app.example/cb?x=1",
            "https://app.example:443/cb",
            "https://app.example/cb#x",
            "https://app.example.evil.example/cb",
            "https://app.example@evil.example/cb",
        ] {
            assert!(!matches(reg, near, Public), "{near}");
            assert!(!matches(reg, near, Confidential), "{near}");
        }
        let lo = "http://127.0.0.1/callback";
        assert!(matches(lo, "http://127.0.0.1:51234/callback", Public));
        assert!(!matches(
            lo,
            "http://127.0.0.1:51234/callback",
            Confidential
        ));
        assert!(!matches(lo, "http://127.0.0.1:51234/other", Public));
        assert!(!matches(lo, "http://127.0.0.1:51234/callback?x", Public));
        assert!(!matches(lo, "https://127.0.0.1:51234/callback", Public));
        assert!(matches("http://[::1]:80/cb", "http://[::1]:9/cb", Public));
        let localhost = "http://localhost/cb";
        assert!(!matches(localhost, "http://localhost:8000/cb", Public));
    }

    #[test]
    fn resolve_defaults_only_with_exactly_one_registered() {
        let one = vec!["https://a.example/cb".to_owned()];
        let two = vec![
            "https://a.example/cb".to_owned(),
            "https://a.example/b".to_owned(),
        ];
        assert_eq!(
            resolve(&one, None, ClientType::Confidential),
            Some("https://a.example/cb")
        );
        assert_eq!(resolve(&two, None, ClientType::Confidential), None);
        assert_eq!(
            resolve(&two, Some("https://a.example/b"), ClientType::Confidential),
            Some("https://a.example/b")
        );
        assert_eq!(
            resolve(&two, Some("https://a.example/c"), ClientType::Confidential),
            None
        );
    }
}
