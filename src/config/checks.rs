//! Checks of single settings, kept out of `config.rs` to keep it short.

use anyhow::bail;

/// A trusted proxy: `10.0.0.7`, `10.0.0.0/8`, `::1`, `fd00::/8`.
pub(super) fn parse_proxy(text: &str) -> anyhow::Result<ipnet::IpNet> {
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| {
            anyhow::anyhow!(
                "trusted_proxies: {text:?} is not an IP address or CIDR range (like 10.0.0.0/8)"
            )
        })
}

pub(super) fn validate_issuer(issuer: &str) -> anyhow::Result<()> {
    let ok = (issuer.starts_with("http://") || issuer.starts_with("https://"))
        && !issuer.contains('?')
        && !issuer.contains('#');
    if !ok {
        bail!("issuer must be an http(s) URL without query or fragment, got {issuer:?}");
    }
    Ok(())
}
