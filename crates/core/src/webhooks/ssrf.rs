//! The SSRF guard (SPEC S9): a webhook may only reach public addresses
//! unless the operator allows private ones. The target's host is resolved
//! once; the caller must connect to exactly the addresses returned here,
//! so that a name which resolves differently a second later (DNS
//! rebinding) cannot slip past the check.

use super::target::TargetUrl;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use url::Host;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    #[error("the target's host does not resolve")]
    Unresolvable,
    #[error("the target resolves to {0}, a loopback, private, link-local, multicast or metadata address")]
    Forbidden(IpAddr),
}

/// Is `ip` an address a webhook must not reach without the operator's say-so?
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_forbidden(v4),
        IpAddr::V6(v6) => {
            // ::ffff:a.b.c.d and the NAT64 well-known prefix reach IPv4 hosts.
            if let Some(v4) = v6.to_ipv4_mapped() {
                return v4_forbidden(v4);
            }
            let s = v6.segments();
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                let v4 =
                    Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
                return v4_forbidden(v4);
            }
            v6_forbidden(v6)
        }
    }
}

fn v4_forbidden(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16, metadata 169.254.169.254 included
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64/10
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

fn v6_forbidden(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7, fd00:ec2::254 included
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation
        || ip.to_ipv4().is_some_and(|v4| ip.segments()[..6] == [0; 6] && v4_forbidden(v4))
    // ::a.b.c.d
}

/// Check every address; with `allow_private` everything passes.
pub fn check_addrs(addrs: &[SocketAddr], allow_private: bool) -> Result<(), GuardError> {
    if addrs.is_empty() {
        return Err(GuardError::Unresolvable);
    }
    if allow_private {
        return Ok(());
    }
    match addrs.iter().find(|a| is_forbidden(a.ip())) {
        Some(a) => Err(GuardError::Forbidden(a.ip())),
        None => Ok(()),
    }
}

/// Resolve the target's host once and check what it resolves to. The
/// addresses returned are the only ones a delivery may connect to. Any
/// forbidden address among them refuses the whole target: a name that
/// mixes public and private answers is not worth the risk.
pub async fn resolve_checked(
    target: &TargetUrl,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, GuardError> {
    let port = target.port();
    let addrs: Vec<SocketAddr> = match target.host() {
        Some(Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Some(Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        Some(Host::Domain(name)) => resolve_name(name, port).await?,
        None => return Err(GuardError::Unresolvable),
    };
    check_addrs(&addrs, allow_private)?;
    Ok(addrs)
}

/// The system resolver (what any HTTP client would use), bounded in time.
pub async fn resolve_name(name: &str, port: u16) -> Result<Vec<SocketAddr>, GuardError> {
    let lookup = tokio::net::lookup_host((name, port));
    match tokio::time::timeout(std::time::Duration::from_secs(5), lookup).await {
        Ok(Ok(found)) => Ok(found.collect()),
        _ => Err(GuardError::Unresolvable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forbidden(s: &str) -> bool {
        is_forbidden(s.parse().unwrap())
    }

    #[test]
    fn private_ranges_are_forbidden() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "100.64.0.1",
            "100.127.255.254",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd00:ec2::254",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "::127.0.0.1",
        ] {
            assert!(forbidden(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!forbidden(ip), "{ip} is public");
        }
    }

    #[tokio::test]
    async fn literal_and_named_loopback_targets_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:9/",
            "http://[::1]/",
            "http://localhost:8080/",
            "http://[::ffff:7f00:1]/",
        ] {
            let t = TargetUrl::parse(url).unwrap();
            assert!(
                matches!(
                    resolve_checked(&t, false).await,
                    Err(GuardError::Forbidden(_))
                ),
                "{url}"
            );
            assert!(resolve_checked(&t, true).await.is_ok(), "{url} allowed");
        }
    }
}
