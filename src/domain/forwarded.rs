//! Who the client is behind a reverse proxy. The TCP peer is the client unless it is one of
//! the operator's trusted proxies (`REACH_TRUSTED_PROXIES`); then `X-Forwarded-For` is read
//! from the right, past every trusted hop, to the first address a trusted proxy saw connect.
//! Entries further left were written by the client itself and are never believed.

use ipnet::IpNet;
use std::net::IpAddr;

/// Parses `REACH_TRUSTED_PROXIES`: addresses or networks (`10.0.0.0/8`, `::1`), separated by
/// commas or spaces. The error names the entry that is neither.
pub fn parse_trusted(text: &str) -> Result<Vec<IpNet>, String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("`{entry}` is not an IP address or network"))
        })
        .collect()
}

/// The client's address: `peer` itself unless a trusted proxy, else the rightmost address of
/// `forwarded_for` (every `X-Forwarded-For` value, in order) that is not a trusted proxy. A
/// malformed entry ends the walk there (what lies left of it cannot be trusted): the last
/// address walked is the client then.
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer;
    if !is_trusted(&client) {
        return client;
    }
    let hops = forwarded_for
        .iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn the_client_is_the_first_address_a_trusted_proxy_saw() {
        let trusted = parse_trusted("127.0.0.1, 10.0.0.0/8 ::1").unwrap_or_default();
        assert_eq!(trusted.len(), 3);
        let table: &[(&str, &[&str], &str)] = &[
            // No proxy trusted in the way: the peer, whatever it forwards.
            ("203.0.113.9", &["198.51.100.1"], "203.0.113.9"),
            // A trusted proxy passes on the client.
            ("127.0.0.1", &["198.51.100.1"], "198.51.100.1"),
            // A client's own (forged) entries sit left of the real one and are not believed.
            ("127.0.0.1", &["6.6.6.6, 198.51.100.1"], "198.51.100.1"),
            ("127.0.0.1", &["6.6.6.6", "198.51.100.1"], "198.51.100.1"),
            // Two trusted hops (an internal balancer behind the edge proxy).
            ("127.0.0.1", &["198.51.100.1, 10.1.2.3"], "198.51.100.1"),
            // Nothing forwarded, or only trusted hops: the last trusted one.
            ("127.0.0.1", &[], "127.0.0.1"),
            ("::1", &["10.0.0.5"], "10.0.0.5"),
            // A malformed entry ends the walk: the last good address walked.
            ("127.0.0.1", &["198.51.100.1, nonsense"], "127.0.0.1"),
            ("127.0.0.1", &["nonsense, 198.51.100.1"], "198.51.100.1"),
            ("127.0.0.1", &["2001:db8::7"], "2001:db8::7"),
        ];
        for (peer, forwarded, want) in table {
            assert_eq!(
                client_address(ip(peer), forwarded, &trusted),
                ip(want),
                "{peer} {forwarded:?}"
            );
        }
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        assert_eq!(parse_trusted("").map(|t| t.len()), Ok(0));
        assert!(parse_trusted("10.0.0.0/8,fd00::/8").is_ok());
        assert_eq!(
            parse_trusted("10.0.0.0/8, proxy.local"),
            Err("`proxy.local` is not an IP address or network".to_owned())
        );
    }
}
