//! Which IP addresses are public: the deny table behind the address guard. Pure functions,
//! no I/O; the guard, the allow list and DNS live in [`super::guard`].
//!
//! std's predicates are not enough: they miss CGNAT (100.64/10), NAT64, 6to4, Teredo and
//! the documentation ranges, and `::ffff:127.0.0.1` is not `is_loopback()`. So IPv4 uses an
//! explicit table, and IPv6 is allowed only inside global unicast 2000::/3 minus a table.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Classifies an address: `None` for a public unicast address, else why it is refused.
///
/// IPv6 is allowed only inside global unicast 2000::/3, minus the ranges below that embed
/// IPv4 addresses or are reserved; everything outside it (`::`, `::1`, IPv4-mapped and
/// -compatible, NAT64, unique-local, link-local, multicast) is refused.
pub fn refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4),
        IpAddr::V6(v6) => refusal_v6(v6),
    }
}

/// The IPv4 deny table: (network, prefix length, reason).
const V4_DENY: &[([u8; 4], u8, &str)] = &[
    ([0, 0, 0, 0], 8, "\"this\" network (0.0.0.0/8)"),
    ([10, 0, 0, 0], 8, "private (10/8)"),
    ([100, 64, 0, 0], 10, "shared address space / CGNAT (100.64/10)"),
    ([127, 0, 0, 0], 8, "loopback (127/8)"),
    ([169, 254, 0, 0], 16, "link-local / cloud metadata (169.254/16)"),
    ([172, 16, 0, 0], 12, "private (172.16/12)"),
    ([192, 0, 0, 0], 24, "IETF protocol assignments (192.0.0/24)"),
    ([192, 0, 2, 0], 24, "documentation (192.0.2/24)"),
    ([192, 88, 99, 0], 24, "6to4 relay anycast (192.88.99/24)"),
    ([192, 168, 0, 0], 16, "private (192.168/16)"),
    ([198, 18, 0, 0], 15, "benchmarking (198.18/15)"),
    ([198, 51, 100, 0], 24, "documentation (198.51.100/24)"),
    ([203, 0, 113, 0], 24, "documentation (203.0.113/24)"),
    ([224, 0, 0, 0], 4, "multicast (224/4)"),
    ([240, 0, 0, 0], 4, "reserved or broadcast (240/4)"),
];

/// Ranges inside 2000::/3 that are refused: (network, prefix length, reason).
const V6_DENY: &[([u16; 8], u8, &str)] = &[
    ([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, "Teredo (2001::/32)"),
    ([0x2001, 0x0002, 0, 0, 0, 0, 0, 0], 48, "benchmarking (2001:2::/48)"),
    ([0x2001, 0x0010, 0, 0, 0, 0, 0, 0], 28, "ORCHID (2001:10::/28)"),
    ([0x2001, 0x0db8, 0, 0, 0, 0, 0, 0], 32, "documentation (2001:db8::/32)"),
    ([0x2002, 0, 0, 0, 0, 0, 0, 0], 16, "6to4 (2002::/16)"),
    ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, "documentation (3fff::/20)"),
];

fn refusal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let bits = u32::from(ip);
    V4_DENY.iter().find(|(net, len, _)| in_prefix(bits, u32::from_be_bytes(*net), *len)).map(|d| d.2)
}

fn refusal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let bits = u128::from(ip);
    // Name the common non-global cases precisely; they are what an attacker spells.
    let named: Option<&'static str> = match ip.segments() {
        [0, 0, 0, 0, 0, 0, 0, 0] => Some("unspecified (::)"),
        [0, 0, 0, 0, 0, 0, 0, 1] => Some("loopback (::1)"),
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some("IPv4-mapped IPv6 (::ffff:0:0/96)"),
        [0, 0, 0, 0, 0, 0, _, _] => Some("IPv4-compatible IPv6 (::/96)"),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some("NAT64 (64:ff9b::/96)"),
        [0x64, 0xff9b, 1, ..] => Some("local NAT64 (64:ff9b:1::/48)"),
        [s, ..] if s & 0xfe00 == 0xfc00 => Some("unique-local (fc00::/7)"),
        [s, ..] if s & 0xffc0 == 0xfe80 => Some("link-local (fe80::/10)"),
        [s, ..] if s & 0xffc0 == 0xfec0 => Some("site-local (fec0::/10)"),
        [s, ..] if s & 0xff00 == 0xff00 => Some("multicast (ff00::/8)"),
        _ => None,
    };
    if named.is_some() {
        return named;
    }
    if !in_prefix128(bits, 0x2000 << 112, 3) {
        return Some("not global unicast (outside 2000::/3)");
    }
    V6_DENY
        .iter()
        .find(|(net, len, _)| in_prefix128(bits, u128::from(Ipv6Addr::from(*net)), *len))
        .map(|d| d.2)
}

fn in_prefix(addr: u32, net: u32, len: u8) -> bool {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) };
    addr & mask == net & mask
}

fn in_prefix128(addr: u128, net: u128, len: u8) -> bool {
    let mask = if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len)) };
    addr & mask == net & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(s: &str) -> bool {
        refusal(s.parse().unwrap()).is_some()
    }

    #[test]
    fn ipv4_deny_table_covers_every_special_range() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.1.2.3",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.255.255.255",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(refused(ip), "{ip} must be refused");
        }
        for ip in ["1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.0", "172.32.0.1", "93.184.216.34"] {
            assert!(!refused(ip), "{ip} is public");
        }
    }

    #[test]
    fn ipv6_refuses_everything_but_global_unicast() {
        for ip in [
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:8.8.8.8",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2001::1",
            "2001:db8::1",
            "3fff::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "100::1",
        ] {
            assert!(refused(ip), "{ip} must be refused");
        }
        for ip in ["2606:4700:4700::1111", "2a00:1450:4001::200e", "2001:4860:4860::8888"] {
            assert!(!refused(ip), "{ip} is public");
        }
    }
}
