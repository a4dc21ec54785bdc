//! The client address of a request, for the login throttle and the audit log.
//!
//! It is the socket peer, unless the peer is one of the trusted reverse proxies
//! (`[web] trusted_proxies`): then it is the right-most address of the forwarding header
//! (`X-Forwarded-For`, or `Forwarded` when `[web] client_address_header = "forwarded"`)
//! that is not itself a trusted proxy. Each proxy appends the address it received the
//! request from, so that is the first hop no trusted party vouches for; whatever the client
//! wrote further left is ignored. A forwarding header from a peer that is not a trusted
//! proxy is ignored entirely, so a client cannot choose the address it is throttled and
//! audited under. An entry that cannot be read (`unknown`, an obfuscated `Forwarded` node)
//! stops the walk: the last trusted hop is used. When every hop is trusted, the left-most
//! is used. Addresses are compared in canonical form (an IPv4-mapped IPv6 address is IPv4).
//!
//! Only one header is read, the one the proxies are configured to write: a proxy that
//! appends to `X-Forwarded-For` passes a client's own `Forwarded` header through untouched,
//! so reading both would let the client pick its address.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// Which forwarding header the trusted proxies write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (the default).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for="[2001:db8::1]:4711"`.
    Forwarded,
}

impl std::str::FromStr for ForwardedHeader {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(ForwardedHeader::XForwardedFor),
            "forwarded" => Ok(ForwardedHeader::Forwarded),
            _ => Err(format!(
                "{s:?} is not x-forwarded-for or forwarded (the header the trusted proxies write)"
            )),
        }
    }
}

/// How the client address of a request is found (see the module documentation).
#[derive(Clone, Debug, Default)]
pub struct ClientAddresses {
    trusted: Vec<IpNet>,
    header: ForwardedHeader,
}

impl ClientAddresses {
    /// Trusts the proxies in `trusted` and reads `header` from them.
    pub fn new(trusted: Vec<IpNet>, header: ForwardedHeader) -> Self {
        Self { trusted, header }
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client address of a request that came from `peer` with `headers`; `None` without
    /// a peer (a router driven without a socket).
    pub fn of(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?.ip().to_canonical();
        if !self.is_trusted(peer) {
            return Some(peer);
        }
        let name = match self.header {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
        };
        let mut client = peer;
        // Right to left: header lines last to first, each line's entries last to first.
        for line in headers.get_all(name).iter().rev() {
            let Ok(line) = line.to_str() else {
                return Some(client);
            };
            for entry in line.rsplit(',') {
                let hop = match self.header {
                    ForwardedHeader::XForwardedFor => hop_address(entry),
                    ForwardedHeader::Forwarded => forwarded_for(entry).and_then(hop_address),
                };
                let Some(hop) = hop else {
                    return Some(client);
                };
                client = hop.to_canonical();
                if !self.is_trusted(client) {
                    return Some(client);
                }
            }
        }
        Some(client)
    }
}

/// The `for=` value of one `Forwarded` element (`for=192.0.2.60;proto=http`).
fn forwarded_for(element: &str) -> Option<&str> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("for")
            .then(|| value.trim().trim_matches('"'))
    })
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:443`, `2001:db8::1`,
/// `[2001:db8::1]` or `[2001:db8::1]:443`. `None` for anything else (`unknown`, `_hidden`).
fn hop_address(value: &str) -> Option<IpAddr> {
    let value = value.trim();
    if let Ok(ip) = value.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(addr) = value.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(name: &'static str, values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(name, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn peer(ip: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip.parse().unwrap(), 40_000))
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    fn proxies(nets: &[&str], header: ForwardedHeader) -> ClientAddresses {
        ClientAddresses::new(nets.iter().map(|n| n.parse().unwrap()).collect(), header)
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_headers() {
        let none = ClientAddresses::default();
        let h = headers("x-forwarded-for", &["203.0.113.9"]);
        assert_eq!(none.of(peer("198.51.100.7"), &h), ip("198.51.100.7"));
        assert_eq!(none.of(None, &h), None);
        // A trusted list that does not hold the peer: the header is ignored.
        let other = proxies(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        assert_eq!(other.of(peer("198.51.100.7"), &h), ip("198.51.100.7"));
    }

    #[test]
    fn the_right_most_untrusted_hop_of_x_forwarded_for() {
        let p = proxies(&["10.0.0.0/8", "fd00::/8"], ForwardedHeader::XForwardedFor);
        // The client forged the left-most entry; the proxy appended the real one.
        let h = headers("x-forwarded-for", &["1.2.3.4, 203.0.113.9"]);
        assert_eq!(p.of(peer("10.0.0.2"), &h), ip("203.0.113.9"));
        // Two proxies: the second one's address is trusted and skipped.
        let h = headers("x-forwarded-for", &["1.2.3.4, 203.0.113.9, 10.1.1.1"]);
        assert_eq!(p.of(peer("10.0.0.2"), &h), ip("203.0.113.9"));
        // Several header lines are one list, in order.
        let h = headers("x-forwarded-for", &["1.2.3.4", "203.0.113.9", "10.1.1.1"]);
        assert_eq!(p.of(peer("10.0.0.2"), &h), ip("203.0.113.9"));
        // Ports, brackets, IPv6 and IPv4-mapped forms.
        let h = headers("x-forwarded-for", &["[2001:db8::7]:443"]);
        assert_eq!(p.of(peer("10.0.0.2"), &h), ip("2001:db8::7"));
        let h = headers("x-forwarded-for", &["203.0.113.9:5555"]);
        assert_eq!(p.of(peer("::ffff:10.0.0.2"), &h), ip("203.0.113.9"));
        let h = headers("x-forwarded-for", &["::ffff:203.0.113.9"]);
        assert_eq!(p.of(peer("fd00::1"), &h), ip("203.0.113.9"));
        // No header: the proxy itself.
        assert_eq!(p.of(peer("10.0.0.2"), &HeaderMap::new()), ip("10.0.0.2"));
        // Every hop trusted: the left-most.
        let h = headers("x-forwarded-for", &["10.9.9.9, 10.1.1.1"]);
        assert_eq!(p.of(peer("10.0.0.2"), &h), ip("10.9.9.9"));
        // An unreadable hop stops the walk at the last trusted one.
        let h = headers("x-forwarded-for", &["203.0.113.9, unknown, 10.1.1.1"]);
        assert_eq!(p.of(peer("10.0.0.2"), &h), ip("10.1.1.1"));
    }

    #[test]
    fn forwarded_is_read_only_when_configured_and_then_alone() {
        let xff = proxies(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        let fwd = proxies(&["10.0.0.0/8"], ForwardedHeader::Forwarded);
        let mut h = headers(
            "forwarded",
            &[r#"for=1.2.3.4, for="[2001:db8::7]:4711";proto=https, For=10.1.1.1;by=10.0.0.2"#],
        );
        h.append("x-forwarded-for", HeaderValue::from_static("198.51.100.1"));
        assert_eq!(fwd.of(peer("10.0.0.2"), &h), ip("2001:db8::7"));
        // A client-written Forwarded header is not read by an X-Forwarded-For setup.
        assert_eq!(xff.of(peer("10.0.0.2"), &h), ip("198.51.100.1"));
        let h = headers("forwarded", &["for=_hidden, for=10.1.1.1"]);
        assert_eq!(fwd.of(peer("10.0.0.2"), &h), ip("10.1.1.1"));
        assert_eq!("Forwarded".parse(), Ok(ForwardedHeader::Forwarded));
        assert!("via".parse::<ForwardedHeader>().is_err());
    }
}
