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
    if !(database_url.starts_with("postgres:") || database_url.starts_with("postgresql:")) {
        return Ok(None);
    }
    let url = Url::parse(database_url).map_err(|e| format!("not a URL: {e}"))?;
    let mut mode = TlsMode::Prefer;
    for (key, value) in url.query_pairs() {
        match &*key {
            "sslmode" => {
                mode = TlsMode::parse(&value).ok_or_else(|| {
                    format!(
                        "sslmode={value} is not one of disable, prefer, require, verify-ca, \
                         verify-full"
                    )
                })?;
            }
            "sslrootcert" if !std::path::Path::new(&*value).is_file() => {
                return Err(format!("sslrootcert={value} is not a readable file"));
            }
            _ => {}
        }
    }
    let loopback = match url.host() {
        None => true,
        // `postgres:` is not a special scheme: its host comes as text, IP addresses too.
        Some(url::Host::Domain(name)) => {
            name == "localhost"
                || name
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
    };
    Ok(Some((mode, loopback)))
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
}
