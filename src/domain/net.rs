//! Which IP addresses a request to a user-given URL may reach (SPEC §1): globally routable
//! ones, and loopback where the deployment allows it. One classifier, asked when a URL is saved
//! and again when a connection is made (the resolved addresses, or the URL's literal one).
//!
//! IPv4-mapped addresses (`::ffff:a.b.c.d`) are judged as the IPv4 address they carry;
//! IPv4-compatible ones (`::a.b.c.d`, deprecated) and NAT64 (`64:ff9b::/96`) are always refused,
//! and so is every IPv6 address outside the global unicast block `2000::/3`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What an address is to an outgoing request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// Globally routable: it may be reached.
    Global,
    /// `127.0.0.0/8` or `::1` (or a mapped form): reached only where loopback is allowed.
    Loopback,
    /// Never reached, whatever the settings; why.
    Refused(&'static str),
}

const PRIVATE: Destination = Destination::Refused("private addresses are not allowed");
const LINK_LOCAL: Destination = Destination::Refused("link-local addresses are not allowed");
const SHARED: Destination =
    Destination::Refused("shared (carrier-grade NAT) addresses are not allowed");
const SPECIAL: Destination = Destination::Refused("special-purpose addresses are not allowed");
const DOCUMENTATION: Destination = Destination::Refused("documentation addresses are not allowed");
const TRANSLATION: Destination = Destination::Refused(
    "addresses of IPv6 transition mechanisms (NAT64, 6to4, Teredo) are not allowed",
);
const NOT_A_HOST: Destination = Destination::Refused("it is not a host address");
const MULTICAST: Destination = Destination::Refused("multicast addresses are not allowed");
const RESERVED: Destination = Destination::Refused("reserved addresses are not allowed");
const SITE_LOCAL: Destination = Destination::Refused("site-local addresses are not allowed");
const COMPATIBLE: Destination = Destination::Refused("IPv4-compatible addresses are not allowed");

/// IPv4 blocks that are not globally routable (IANA special-purpose registry), first match.
const V4: [(Ipv4Addr, u8, Destination); 15] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8, NOT_A_HOST),
    (Ipv4Addr::new(10, 0, 0, 0), 8, PRIVATE),
    (Ipv4Addr::new(100, 64, 0, 0), 10, SHARED),
    (Ipv4Addr::new(127, 0, 0, 0), 8, Destination::Loopback),
    (Ipv4Addr::new(169, 254, 0, 0), 16, LINK_LOCAL),
    (Ipv4Addr::new(172, 16, 0, 0), 12, PRIVATE),
    (Ipv4Addr::new(192, 0, 0, 0), 24, SPECIAL),
    (Ipv4Addr::new(192, 0, 2, 0), 24, DOCUMENTATION),
    (Ipv4Addr::new(192, 88, 99, 0), 24, TRANSLATION),
    (Ipv4Addr::new(192, 168, 0, 0), 16, PRIVATE),
    (Ipv4Addr::new(198, 18, 0, 0), 15, SPECIAL),
    (Ipv4Addr::new(198, 51, 100, 0), 24, DOCUMENTATION),
    (Ipv4Addr::new(203, 0, 113, 0), 24, DOCUMENTATION),
    (Ipv4Addr::new(224, 0, 0, 0), 4, MULTICAST),
    // 240.0.0.0/4, reserved, with the limited broadcast address 255.255.255.255.
    (Ipv4Addr::new(240, 0, 0, 0), 4, RESERVED),
];

/// IPv6 blocks that are not globally routable, first match; anything else outside
/// `2000::/3` is refused as reserved.
const V6: [(Ipv6Addr, u8, Destination); 13] = [
    (
        Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0),
        96,
        TRANSLATION,
    ),
    (
        Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0),
        48,
        TRANSLATION,
    ),
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, SPECIAL),
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 32, TRANSLATION),
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23, SPECIAL),
    (
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0),
        32,
        DOCUMENTATION,
    ),
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16, TRANSLATION),
    (
        Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0),
        20,
        DOCUMENTATION,
    ),
    (Ipv6Addr::new(0x5f00, 0, 0, 0, 0, 0, 0, 0), 16, SPECIAL),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, PRIVATE),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, LINK_LOCAL),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, SITE_LOCAL),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, MULTICAST),
];

/// Whether `ip` may be reached, is loopback, or is refused (and why).
pub fn classify(ip: IpAddr) -> Destination {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Destination {
    let bits = u32::from(ip);
    V4.iter()
        .find(|(net, len, _)| bits >> (32 - len) == u32::from(*net) >> (32 - len))
        .map_or(Destination::Global, |(_, _, d)| *d)
}

fn classify_v6(ip: Ipv6Addr) -> Destination {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    if ip.is_loopback() {
        return Destination::Loopback;
    }
    if ip.is_unspecified() {
        return NOT_A_HOST;
    }
    let bits = u128::from(ip);
    if bits >> 32 == 0 {
        return COMPATIBLE;
    }
    if let Some((_, _, d)) = V6
        .iter()
        .find(|(net, len, _)| bits >> (128 - len) == u128::from(*net) >> (128 - len))
    {
        return *d;
    }
    if bits >> 125 == 0b001 {
        Destination::Global
    } else {
        RESERVED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(ip: &str) -> Destination {
        classify(ip.parse().unwrap_or_else(|_| panic!("{ip}")))
    }

    /// Every block, with the addresses on both sides of each of its edges.
    #[test]
    fn every_range_and_its_edges() {
        use Destination::{Global, Loopback};
        let table: &[(&str, Destination)] = &[
            ("0.0.0.0", NOT_A_HOST),
            ("0.255.255.255", NOT_A_HOST),
            ("1.0.0.0", Global),
            ("9.255.255.255", Global),
            ("10.0.0.0", PRIVATE),
            ("10.255.255.255", PRIVATE),
            ("11.0.0.0", Global),
            ("100.63.255.255", Global),
            ("100.64.0.0", SHARED),
            ("100.64.0.1", SHARED),
            ("100.127.255.255", SHARED),
            ("100.128.0.0", Global),
            ("126.255.255.255", Global),
            ("127.0.0.0", Loopback),
            ("127.0.0.1", Loopback),
            ("127.255.255.255", Loopback),
            ("128.0.0.0", Global),
            ("169.253.255.255", Global),
            ("169.254.0.0", LINK_LOCAL),
            ("169.254.169.254", LINK_LOCAL),
            ("169.254.255.255", LINK_LOCAL),
            ("169.255.0.0", Global),
            ("172.15.255.255", Global),
            ("172.16.0.0", PRIVATE),
            ("172.31.255.255", PRIVATE),
            ("172.32.0.0", Global),
            ("191.255.255.255", Global),
            ("192.0.0.0", SPECIAL),
            ("192.0.0.255", SPECIAL),
            ("192.0.1.0", Global),
            ("192.0.2.0", DOCUMENTATION),
            ("192.0.2.255", DOCUMENTATION),
            ("192.0.3.0", Global),
            ("192.88.98.255", Global),
            ("192.88.99.0", TRANSLATION),
            ("192.88.99.255", TRANSLATION),
            ("192.88.100.0", Global),
            ("192.167.255.255", Global),
            ("192.168.0.0", PRIVATE),
            ("192.168.255.255", PRIVATE),
            ("192.169.0.0", Global),
            ("198.17.255.255", Global),
            ("198.18.0.0", SPECIAL),
            ("198.19.255.255", SPECIAL),
            ("198.20.0.0", Global),
            ("198.51.99.255", Global),
            ("198.51.100.0", DOCUMENTATION),
            ("198.51.100.255", DOCUMENTATION),
            ("198.51.101.0", Global),
            ("203.0.112.255", Global),
            ("203.0.113.0", DOCUMENTATION),
            ("203.0.113.255", DOCUMENTATION),
            ("203.0.114.0", Global),
            ("223.255.255.255", Global),
            ("224.0.0.0", MULTICAST),
            ("239.255.255.255", MULTICAST),
            ("240.0.0.0", RESERVED),
            ("255.255.255.254", RESERVED),
            ("255.255.255.255", RESERVED),
            ("8.8.8.8", Global),
            ("93.184.216.34", Global),
            // IPv6
            ("::", NOT_A_HOST),
            ("::1", Loopback),
            ("::2", COMPATIBLE),
            ("::8.8.8.8", COMPATIBLE),
            ("::ffff:8.8.8.8", Global),
            ("::ffff:127.0.0.1", Loopback),
            ("::1:0:0:0", RESERVED),
            ("64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", RESERVED),
            ("64:ff9b::", TRANSLATION),
            ("64:ff9b::a00:5", TRANSLATION),
            ("64:ff9b::808:808", TRANSLATION),
            ("64:ff9b::ffff:ffff", TRANSLATION),
            ("64:ff9b:1::1", TRANSLATION),
            ("100::", SPECIAL),
            ("100::ffff:ffff:ffff:ffff", SPECIAL),
            ("1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", RESERVED),
            ("2000::", Global),
            ("2001::", TRANSLATION),
            ("2001:0:ffff:ffff:ffff:ffff:ffff:ffff", TRANSLATION),
            ("2001:1::", SPECIAL),
            ("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", SPECIAL),
            ("2001:200::", Global),
            ("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", Global),
            ("2001:db8::", DOCUMENTATION),
            ("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", DOCUMENTATION),
            ("2001:db9::", Global),
            ("2001:4860:4860::8888", Global),
            ("2001:1fff:ffff:ffff:ffff:ffff:ffff:ffff", Global),
            ("2002::", TRANSLATION),
            ("2002:a00:1::", TRANSLATION),
            ("2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", TRANSLATION),
            ("2003::", Global),
            ("2606:4700::1111", Global),
            ("3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Global),
            ("3fff::", DOCUMENTATION),
            ("3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", DOCUMENTATION),
            ("3fff:1000::", Global),
            ("3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Global),
            ("4000::", RESERVED),
            ("5f00::1", SPECIAL),
            ("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", RESERVED),
            ("fc00::", PRIVATE),
            ("fd12:3456::1", PRIVATE),
            ("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PRIVATE),
            ("fe00::", RESERVED),
            ("fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", RESERVED),
            ("fe80::", LINK_LOCAL),
            ("fe80::1", LINK_LOCAL),
            ("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", LINK_LOCAL),
            ("fec0::", SITE_LOCAL),
            ("feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", SITE_LOCAL),
            ("ff00::", MULTICAST),
            ("ff02::1", MULTICAST),
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", MULTICAST),
        ];
        for (ip, expected) in table {
            assert_eq!(of(ip), *expected, "{ip}");
        }
    }

    /// An IPv4 address and its IPv4-mapped form are judged alike; its IPv4-compatible form
    /// and its NAT64 and 6to4 forms are always refused.
    #[test]
    fn embedded_ipv4_forms() {
        for v4 in [
            "0.1.2.3",
            "10.0.0.1",
            "100.64.0.1",
            "127.0.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "192.0.0.8",
            "192.168.1.1",
            "198.18.0.1",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "8.8.8.8",
        ] {
            let ip: Ipv4Addr = v4.parse().unwrap_or_else(|_| panic!("{v4}"));
            let [a, b, c, d] = ip.octets();
            let (hi, lo) = (u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d]));
            let mapped = Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, hi, lo);
            assert_eq!(of(&mapped.to_string()), of(v4), "{mapped}");
            for embedding in [
                Ipv6Addr::new(0, 0, 0, 0, 0, 0, hi, lo),
                Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, hi, lo),
                Ipv6Addr::new(0x2002, hi, lo, 0, 0, 0, 0, 1),
            ] {
                assert!(
                    matches!(of(&embedding.to_string()), Destination::Refused(_)),
                    "{embedding}"
                );
            }
        }
    }
}
