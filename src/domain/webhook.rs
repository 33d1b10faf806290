use super::Invalid;
use super::net::{Destination, classify};
use url::{Host, Url};

/// An `https` URL that receives alerts as JSON. Plain `http` is accepted only to a loopback
/// host and only when the deployment allows loopback webhooks (local tests). Every address that
/// is not globally routable is refused ([`classify`]), the setting or not; hosts given as
/// numbers in any form (`0x7f000001`, `017700000001`, `2130706433`) are read as the address they
/// are. Host names are checked again, resolved, when a webhook is sent.
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
        let destination = match url.host() {
            None => return Err(reason("it has no host")),
            Some(Host::Domain(d)) => {
                let d = d.trim_end_matches('.');
                if d == "localhost" || d.ends_with(".localhost") {
                    Destination::Loopback
                } else {
                    Destination::Global
                }
            }
            Some(Host::Ipv4(ip)) => classify(ip.into()),
            Some(Host::Ipv6(ip)) => classify(ip.into()),
        };
        let loopback = match destination {
            Destination::Refused(why) => return Err(reason(why)),
            Destination::Loopback => true,
            Destination::Global => false,
        };
        match (url.scheme(), loopback) {
            (_, true) if !allow_loopback => Err(reason("loopback addresses are not allowed")),
            ("https", _) | ("http", true) => Ok(Self(url)),
            _ => Err(reason("it must start with https://")),
        }
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
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
            "https://100.64.0.1/",
            "https://192.0.0.8/",
            "https://198.18.0.1/",
            "https://240.0.0.1/",
            "https://255.255.255.255/",
            "https://224.0.0.251/",
            "http://[64:ff9b::a00:5]/",
            "https://[64:ff9b::808:808]/",
            "https://[2002:a00:1::1]/",
            "https://[fec0::1]/",
            "https://[ff02::1]/",
            "https://[::]/",
            "https://[::10.0.0.1]/",
            "https://[::ffff:169.254.169.254]/",
            "https://[::ffff:100.64.0.1]/",
            // Numbers in any notation are read as the address they are.
            "https://0xa000001/",
            "https://012.0.0.1/",
            "https://167772161/",
            "https://0xa9.254.169.254/",
        ] {
            assert!(!ok(url, true), "{url}");
        }
        // Loopback in any notation is loopback: refused unless allowed.
        for url in [
            "https://0x7f000001/",
            "https://2130706433/",
            "https://017700000001/",
            "https://127.1/",
            "https://[::ffff:127.0.0.1]/",
            "https://localhost./",
        ] {
            assert!(!ok(url, false), "{url}");
            assert!(ok(url, true), "{url}");
        }
        assert!(ok("https://8.8.8.8/", false));
        assert!(ok("https://[2606:4700::1111]/", false));
        assert!(ok("https://[::ffff:8.8.8.8]/", false));
        assert!(!ok("not a url", true));
        assert!(!ok("", true));
    }
}
