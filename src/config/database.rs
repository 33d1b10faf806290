//! The PostgreSQL URL's TLS settings as libpq reads them (`sslmode`, default `prefer`;
//! `sslrootcert=FILE`), what `reach check-config` says of them, and when they are weak.

use url::Url;

/// `sslmode`, as libpq has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl TlsMode {
    fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "disable" => Self::Disable,
            "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            _ => return None,
        })
    }

    /// What the mode means, for `reach check-config`.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Disable => "disable: never encrypted",
            Self::Prefer => "prefer: encrypted when the server offers it, else in clear",
            Self::Require => "require: always encrypted; the server's certificate is not checked",
            Self::VerifyCa => "verify-ca: encrypted, the certificate checked against the root",
            Self::VerifyFull => {
                "verify-full: encrypted, the certificate checked against the root and the host name"
            }
        }
    }

    /// Whether the connection is sure to be encrypted.
    pub fn required(self) -> bool {
        matches!(self, Self::Require | Self::VerifyCa | Self::VerifyFull)
    }
}

/// A PostgreSQL URL's TLS: its mode and whether the host is this machine. `Ok(None)` for
/// anything but PostgreSQL; an error names what is wrong with `sslmode` or `sslrootcert`.
pub fn tls_of(database_url: &str) -> Result<Option<(TlsMode, bool)>, String> {
    Ok(read(database_url)?.map(|tls| (tls.mode, tls.local)))
}

/// What a URL says of its TLS.
struct Tls {
    mode: TlsMode,
    /// `sslmode` is in the URL.
    named: bool,
    /// The server is on this machine.
    local: bool,
}

fn read(database_url: &str) -> Result<Option<Tls>, String> {
    if !(database_url.starts_with("postgres:") || database_url.starts_with("postgresql:")) {
        return Ok(None);
    }
    let url = Url::parse(database_url).map_err(|e| format!("not a URL: {e}"))?;
    let mut tls = Tls {
        mode: TlsMode::Prefer,
        named: false,
        local: on_this_machine(&url),
    };
    for (key, value) in url.query_pairs() {
        match &*key {
            "sslmode" => {
                tls.mode = TlsMode::parse(&value).ok_or_else(|| {
                    format!(
                        "sslmode={value} is not one of disable, prefer, require, verify-ca, \
                         verify-full"
                    )
                })?;
                tls.named = true;
            }
            "sslrootcert" if !std::path::Path::new(&*value).is_file() => {
                return Err(format!("sslrootcert={value} is not a readable file"));
            }
            _ => {}
        }
    }
    Ok(Some(tls))
}

/// Whether the server is on this machine: a loopback address, `localhost` or a Unix socket,
/// whether named before the path or by a `host`/`hostaddr` parameter (which wins, as in libpq).
fn on_this_machine(url: &Url) -> bool {
    fn local(name: &str) -> bool {
        name == "localhost"
            || name
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
    let named = url
        .query_pairs()
        .filter(|(key, _)| key == "host" || key == "hostaddr")
        .map(|(_, value)| value.into_owned())
        .last();
    match (named, url.host()) {
        (Some(host), _) => host.starts_with('/') || local(&host),
        (None, None) => true,
        // `postgres:` is not a special scheme: its host comes as text, IP addresses too.
        (None, Some(url::Host::Domain(name))) => local(name),
        (None, Some(url::Host::Ipv4(ip))) => ip.is_loopback(),
        (None, Some(url::Host::Ipv6(ip))) => ip.is_loopback(),
    }
}

/// The URL to try first: a server on this machine reached with no `sslmode` named is
/// connected to in clear (`sslmode=disable` added), where libpq's `prefer` would encrypt
/// loopback traffic, which no one else can read, at a cost on every message on both sides and
/// a handshake per connection (alert benchmark, 10,000 alerts on PostgreSQL, 6 interleaved
/// pairs: median 17,081 -> 18,215 notifications/s, ahead in 4; 86 -> 77.5 CPU µs each with
/// the database's, lower in 5). `None`: connect as the URL says. Should the server refuse clear connections
/// (`hostssl` only), the store connects as the URL says instead (`store::connect`).
pub fn in_clear_first(database_url: &str) -> Option<String> {
    match read(database_url) {
        Ok(Some(tls)) if tls.local && !tls.named => Some(format!(
            "{database_url}{}sslmode=disable",
            if database_url.contains('?') { '&' } else { '?' }
        )),
        _ => None,
    }
}

/// The warning for a database reached over the network without TLS required.
pub fn tls_warning(database_url: &str) -> Option<String> {
    match tls_of(database_url) {
        Ok(Some((mode, false))) if !mode.required() => Some(format!(
            "REACH_DATABASE_URL reaches PostgreSQL on another host without TLS required \
             (sslmode {}): add ?sslmode=verify-full (with sslrootcert=FILE for a private \
             authority) or at least ?sslmode=require",
            match mode {
                TlsMode::Disable => "disable",
                _ => "prefer",
            }
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Case = (&'static str, Result<Option<(TlsMode, bool)>, ()>, bool);

    #[test]
    fn modes_hosts_and_warnings() {
        let cases: [Case; 9] = [
            ("sqlite://reach.db", Ok(None), false),
            (
                "postgres://u@127.0.0.1/reach",
                Ok(Some((TlsMode::Prefer, true))),
                false,
            ),
            (
                "postgres://u@localhost/reach?sslmode=disable",
                Ok(Some((TlsMode::Disable, true))),
                false,
            ),
            (
                "postgres://u@db.example.com/reach",
                Ok(Some((TlsMode::Prefer, false))),
                true,
            ),
            (
                "postgresql://u@[::1]/r?sslmode=require",
                Ok(Some((TlsMode::Require, true))),
                false,
            ),
            (
                "postgres://u@10.0.0.5/r?sslmode=disable",
                Ok(Some((TlsMode::Disable, false))),
                true,
            ),
            (
                "postgres://u@db.example.com/r?sslmode=verify-full",
                Ok(Some((TlsMode::VerifyFull, false))),
                false,
            ),
            ("postgres://u@db/r?sslmode=allow", Err(()), false),
            (
                "postgres://u@db/r?sslmode=require&sslrootcert=/no/such/file.pem",
                Err(()),
                false,
            ),
        ];
        for (url, expected, warned) in cases {
            assert_eq!(tls_of(url).map_err(|_| ()), expected, "{url}");
            assert_eq!(tls_warning(url).is_some(), warned, "{url}");
        }
    }

    #[test]
    fn in_clear_first_only_on_this_machine_when_sslmode_is_not_named() {
        let cases = [
            (
                "postgres://u@127.0.0.1:5432/r",
                Some("postgres://u@127.0.0.1:5432/r?sslmode=disable"),
            ),
            (
                "postgres://u@localhost/r?application_name=x",
                Some("postgres://u@localhost/r?application_name=x&sslmode=disable"),
            ),
            (
                "postgresql://u@[::1]/r",
                Some("postgresql://u@[::1]/r?sslmode=disable"),
            ),
            (
                "postgres:///r?host=/var/run/postgresql",
                Some("postgres:///r?host=/var/run/postgresql&sslmode=disable"),
            ),
            ("postgres://u@127.0.0.1/r?sslmode=prefer", None),
            ("postgres://u@localhost/r?sslmode=require", None),
            ("postgres://u@db.example.com/r", None),
            ("postgres://u@10.0.0.5/r", None),
            ("postgres://u@127.0.0.1/r?host=db.example.com", None),
            ("postgres://u@127.0.0.1/r?hostaddr=10.0.0.5", None),
            ("postgres://u@127.0.0.1/r?sslmode=allow", None),
            ("sqlite://reach.db", None),
        ];
        for (url, expected) in cases {
            assert_eq!(in_clear_first(url).as_deref(), expected, "{url}");
        }
        assert!(tls_warning("postgres://u@localhost/r?host=db.example.com").is_some());
        assert!(tls_warning("postgres:///r?host=/var/run/postgresql").is_none());
    }
}
