//! The address a sign-in comes from, as the limits key it.

use std::net::IpAddr;

use axum::http::HeaderMap;

/// Finds the client's address: the peer's, unless the peer is a trusted
/// proxy, in which case the nearest untrusted address in
/// `X-Forwarded-For`. Anyone else's `X-Forwarded-For` is ignored, since a
/// client can write whatever it likes there.
#[derive(Debug, Clone, Default)]
pub struct ClientAddresses {
    trusted_proxies: Vec<IpAddr>,
}

impl ClientAddresses {
    pub fn new(trusted_proxies: Vec<IpAddr>) -> Self {
        Self { trusted_proxies }
    }

    pub fn of(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusted_proxies.contains(&peer) {
            return peer;
        }
        // Proxies append, so the rightmost entries are the most trusted:
        // walk from the right past our own proxies.
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for entry in forwarded.iter().rev() {
            match entry.parse::<IpAddr>() {
                Ok(address) if self.trusted_proxies.contains(&address) => continue,
                Ok(address) => return address,
                Err(_) => break,
            }
        }
        peer
    }
}

/// The key an address is counted under: an IPv6 client is counted by its
/// /64, since one host usually holds a whole /64 and could otherwise change
/// address at every attempt.
pub fn address_key(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", xff.parse().unwrap());
        headers
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let addresses = ClientAddresses::new(vec![proxy]);
        let other: IpAddr = "10.0.0.9".parse().unwrap();
        assert_eq!(addresses.of(other, &headers("203.0.113.5")), other);
        assert_eq!(
            addresses.of(proxy, &headers("198.51.100.1, 203.0.113.5, 10.0.0.1")),
            "203.0.113.5".parse::<IpAddr>().unwrap()
        );
        assert_eq!(addresses.of(proxy, &HeaderMap::new()), proxy);
        assert_eq!(addresses.of(proxy, &headers("not-an-address")), proxy);
    }

    #[test]
    fn ipv6_is_keyed_by_its_64() {
        let a = address_key("2001:db8:1:2::1".parse().unwrap());
        let b = address_key("2001:db8:1:2:ffff::7".parse().unwrap());
        assert_eq!(a, b);
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_ne!(a, address_key("2001:db8:1:3::1".parse().unwrap()));
        assert_eq!(address_key("::ffff:192.0.2.1".parse().unwrap()), "192.0.2.1");
    }
}
