use super::Invalid;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

/// An `https` URL that receives alerts as JSON. Plain `http` is accepted only to a loopback
/// host and only when the deployment allows loopback webhooks (local tests). Private and
/// link-local addresses are always refused. Host names are checked again, resolved, when a
/// webhook is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(Url);

const MAX_LEN: usize = 2048;

impl WebhookUrl {
    pub fn parse(input: &str, allow_loopback: bool) -> Result<Self, Invalid> {
        let reason = |r: &str| Invalid::Webhook { reason: r.into() };
        let input = input.trim();
        if input.is_empty() {
            return Err(Invalid::Required);
        }
        if input.len() > MAX_LEN {
            return Err(Invalid::TooLong { max: MAX_LEN });
        }
        let url = Url::parse(input).map_err(|_| reason("it is not a URL"))?;
        let loopback = match url.host() {
            None => return Err(reason("it has no host")),
            Some(Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
            Some(Host::Ipv4(ip)) => check_ip(IpAddr::V4(ip)).map_err(reason)?,
            Some(Host::Ipv6(ip)) => check_ip(IpAddr::V6(ip)).map_err(reason)?,
        };
        match (url.scheme(), loopback) {
            (_, true) if !allow_loopback => Err(reason("loopback addresses are not allowed")),
            ("https", _) | ("http", true) => Ok(Self(url)),
            ("http", false) => Err(reason("it must start with https://")),
            _ => Err(reason("it must start with https://")),
        }
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// Whether a literal address is loopback, or why it is refused.
pub(crate) fn check_ip(ip: IpAddr) -> Result<bool, &'static str> {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => check_v4(v4),
        IpAddr::V6(v6) => check_v6(v6),
    }
}

fn check_v4(ip: Ipv4Addr) -> Result<bool, &'static str> {
    if ip.is_private() {
        Err("private addresses are not allowed")
    } else if ip.is_link_local() {
        Err("link-local addresses are not allowed")
    } else if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() {
        Err("it is not a host address")
    } else {
        Ok(ip.is_loopback())
    }
}

fn check_v6(ip: Ipv6Addr) -> Result<bool, &'static str> {
    let first = ip.segments()[0];
    if first & 0xfe00 == 0xfc00 {
        Err("private addresses are not allowed")
    } else if first & 0xffc0 == 0xfe80 {
        Err("link-local addresses are not allowed")
    } else if ip.is_unspecified() || ip.is_multicast() {
        Err("it is not a host address")
    } else {
        Ok(ip.is_loopback())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(url: &str, allow: bool) -> bool {
        WebhookUrl::parse(url, allow).is_ok()
    }

    #[test]
    fn https_is_required_except_to_allowed_loopback() {
        assert!(ok("https://hooks.example.com/reach?x=1", false));
        assert!(!ok("http://hooks.example.com/reach", false));
        assert!(!ok("http://hooks.example.com/reach", true));
        assert!(!ok("ftp://hooks.example.com/", false));
        assert!(!ok("http://127.0.0.1:9000/hook", false));
        assert!(ok("http://127.0.0.1:9000/hook", true));
        assert!(ok("http://localhost:9000/hook", true));
        assert!(ok("http://[::1]:9000/hook", true));
        assert!(!ok("https://localhost/hook", false));
    }

    #[test]
    fn private_and_link_local_addresses_are_always_refused() {
        for url in [
            "https://10.0.0.1/",
            "https://172.16.5.4/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://[fc00::1]/",
            "https://[fd12::1]/",
            "https://[fe80::1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://0.0.0.0/",
        ] {
            assert!(!ok(url, true), "{url}");
        }
        assert!(!ok("not a url", true));
        assert!(!ok("", true));
    }
}
