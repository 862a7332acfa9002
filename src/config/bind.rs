//! `--bind`: a listen address as written, resolved once.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

/// A listen address as given (`127.0.0.1:8080`, `[::]:8080`, `localhost:8080`)
/// and what it resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindAddr {
    /// The host part as written, without brackets (`localhost`, `0.0.0.0`, `::1`).
    pub host: String,
    pub addr: SocketAddr,
}

/// `host:port`, the host an IP literal or a name (resolved now; IPv4 first).
pub fn parse_bind(text: &str) -> Result<BindAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(BindAddr {
            host: addr.ip().to_string(),
            addr,
        });
    }
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(format!(
            "expected host:port, e.g. 127.0.0.1:8080, got {text:?}"
        ));
    };
    let port: u16 = port
        .parse()
        .map_err(|_| format!("the port in {text:?} is not a number from 0 to 65535"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(format!(
            "expected host:port, e.g. 127.0.0.1:8080, got {text:?}"
        ));
    }
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve the host {host:?}: {e}"))?
        .collect();
    let addr = addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| format!("the host {host:?} has no address"))?;
    Ok(BindAddr {
        host: host.to_owned(),
        addr,
    })
}

impl BindAddr {
    /// The URL a browser on this machine reaches the listener at: a name is
    /// kept, an unspecified address (0.0.0.0, ::) becomes loopback.
    pub fn local_url(&self) -> String {
        let host = match self.host.parse::<IpAddr>() {
            Ok(ip) if ip.is_unspecified() => match ip {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            }
            .to_string(),
            Ok(ip) => ip.to_string(),
            Err(_) => self.host.clone(),
        };
        if host.contains(':') {
            format!("http://[{host}]:{}", self.addr.port())
        } else {
            format!("http://{host}:{}", self.addr.port())
        }
    }
}
