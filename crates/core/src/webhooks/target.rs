//! `targetUrl` (SPEC S9): an absolute http or https URL, parsed once.

use crate::error::{Error, Result};
use url::{Host, Url};

/// A webhook target that parsed: scheme http(s), a host, no credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetUrl(Url);

/// Longer URLs are refused (they would also be unwieldy in the console).
pub const MAX_TARGET_LEN: usize = 2048;

impl TargetUrl {
    pub fn parse(text: &str) -> Result<TargetUrl> {
        let bad = |msg: &str| Error::invalid("targetUrl", msg);
        if text.len() > MAX_TARGET_LEN {
            return Err(bad("at most 2048 characters"));
        }
        let url = Url::parse(text).map_err(|_| bad("must be an absolute http or https URL"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("must be an absolute http or https URL"));
        }
        if url.host().is_none() {
            return Err(bad("must name a host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must not carry a user name or password"));
        }
        Ok(TargetUrl(url))
    }

    pub fn url(&self) -> &Url {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn host(&self) -> Option<Host<&str>> {
        self.0.host()
    }

    /// The port to connect to (explicit, or the scheme's).
    pub fn port(&self) -> u16 {
        self.0.port_or_known_default().unwrap_or(80)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_http_urls_parse() {
        for ok in [
            "https://hooks.example.com/x?y=1",
            "http://example.com:8080/",
        ] {
            assert!(TargetUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/relative",
            "example.com/hook",
            "ftp://example.com/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "https://user:pw@example.com/",
        ] {
            match TargetUrl::parse(bad) {
                Err(Error::Invalid { field, .. }) => assert_eq!(field, "targetUrl", "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
