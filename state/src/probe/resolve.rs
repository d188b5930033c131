//! Where a host or a domain's mail goes: the `Resolver` the probe asks (MX hosts, then addresses), the
//! system's (MX through hickory-resolver, addresses through the system's own lookup, so /etc/hosts counts),
//! and the `MAILSEC_PROBE_RESOLVE` override tests use instead of DNS.
//!
//! Override syntax, entries separated by `;` (spaces around parts are ignored, names compare without case
//! and without a trailing dot):
//! - `host=ADDR[,ADDR...]`: the addresses of `host`. ADDR is an IPv4 or IPv6 address, optionally with a
//!   port (`127.0.0.1:2525`, `[::1]:2525`); a port given here replaces the probe's port for that address.
//! - `domain=MX:host[,host...]`: the MX hosts of `domain`, most preferred first. `domain=MX:` says it
//!   has none (then, as RFC 5321 section 5.1 says, the domain's own addresses are used).
//!
//! When the override is set it is the only resolver: a name it does not list is not found.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::time::Duration;

use crate::probe::ProbeError;

/// Why a name could not be resolved (said per host in the probe's outcome).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ResolveError(pub String);

pub trait Resolver: Send + Sync {
    /// The MX hosts of `domain`, most preferred first; `Ok(None)` when it has no MX record.
    fn mx(&self, domain: &str) -> Result<Option<Vec<String>>, ResolveError>;
    /// The addresses of `host` with `port` (an override may give another port).
    fn addresses(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, ResolveError>;
}

fn norm(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// The parsed `MAILSEC_PROBE_RESOLVE`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OverrideResolver {
    /// Address entries: the address and whether its port was given.
    pub hosts: BTreeMap<String, Vec<(IpAddr, Option<u16>)>>,
    pub mx: BTreeMap<String, Vec<String>>,
}

fn parse_addr(text: &str) -> Option<(IpAddr, Option<u16>)> {
    let text = text.trim();
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some((ip, None));
    }
    if let Ok(sa) = text.parse::<SocketAddr>() {
        return Some((sa.ip(), Some(sa.port())));
    }
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    inner
        .parse::<std::net::Ipv6Addr>()
        .ok()
        .map(|ip| (IpAddr::V6(ip), None))
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

impl OverrideResolver {
    pub fn parse(spec: &str) -> Result<OverrideResolver, ProbeError> {
        let mut out = OverrideResolver::default();
        for entry in spec.split(';') {
            let entry_text = entry.trim();
            if entry_text.is_empty() {
                continue;
            }
            let bad = |why: &str| ProbeError::ResolveOverride {
                entry: entry_text.chars().take(200).collect(),
                why: why.to_string(),
            };
            let (name, value) = entry_text
                .split_once('=')
                .ok_or_else(|| bad("has no '='"))?;
            let name = norm(name);
            if !valid_name(&name) {
                return Err(bad("does not start with a host or domain name"));
            }
            let value = value.trim();
            let mx_list = value
                .get(..3)
                .filter(|p| p.eq_ignore_ascii_case("MX:"))
                .map(|_| &value[3..]);
            if let Some(list) = mx_list {
                let mut hosts = Vec::new();
                for h in list.split(',').map(norm).filter(|h| !h.is_empty()) {
                    if !valid_name(&h) {
                        return Err(bad("names an MX host that is not a host name"));
                    }
                    hosts.push(h);
                }
                if out.mx.insert(name, hosts).is_some() {
                    return Err(bad("repeats the MX of a name given before"));
                }
            } else {
                let mut addrs = Vec::new();
                for a in value.split(',').filter(|a| !a.trim().is_empty()) {
                    addrs.push(parse_addr(a).ok_or_else(|| {
                        bad("has an address that is not an IP address with an optional port")
                    })?);
                }
                if addrs.is_empty() {
                    return Err(bad("gives no address"));
                }
                if out.hosts.insert(name, addrs).is_some() {
                    return Err(bad("repeats the addresses of a name given before"));
                }
            }
        }
        Ok(out)
    }
}

impl Resolver for OverrideResolver {
    fn mx(&self, domain: &str) -> Result<Option<Vec<String>>, ResolveError> {
        Ok(match self.mx.get(&norm(domain)) {
            Some(hosts) if !hosts.is_empty() => Some(hosts.clone()),
            _ => None,
        })
    }

    fn addresses(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, ResolveError> {
        if let Ok(ip) = host
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        match self.hosts.get(&norm(host)) {
            Some(list) => Ok(list
                .iter()
                .map(|(ip, p)| SocketAddr::new(*ip, p.unwrap_or(port)))
                .collect()),
            None => Err(ResolveError(format!(
                "{host} is not listed in MAILSEC_PROBE_RESOLVE (when it is set, it is the only resolver)"
            ))),
        }
    }
}

/// DNS as the system is configured: MX through hickory-resolver (reading /etc/resolv.conf), addresses
/// through the system's lookup (getaddrinfo).
pub struct SystemResolver {
    pub timeout: Duration,
}

impl Resolver for SystemResolver {
    fn mx(&self, domain: &str) -> Result<Option<Vec<String>>, ResolveError> {
        use hickory_resolver::proto::rr::RData;
        let domain = norm(domain);
        let fqdn = format!("{domain}.");
        let timeout = self.timeout;
        // A thread of its own: the caller may or may not be inside a tokio runtime.
        let lookup = std::thread::scope(|s| {
            s.spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| ResolveError(format!("cannot start the DNS runtime: {e}")))?;
                rt.block_on(async {
                    let resolver = hickory_resolver::TokioResolver::builder_tokio()
                        .map_err(|e| {
                            ResolveError(format!("cannot read the system's DNS configuration: {e}"))
                        })?
                        .build()
                        .map_err(|e| ResolveError(format!("cannot start the DNS resolver: {e}")))?;
                    match tokio::time::timeout(timeout, resolver.mx_lookup(fqdn.as_str())).await {
                        Err(_) => Err(ResolveError(format!(
                            "the MX lookup of {domain} took longer than {}s",
                            timeout.as_secs()
                        ))),
                        Ok(Err(e)) if e.is_nx_domain() => Err(ResolveError(format!(
                            "{domain} does not exist in DNS (NXDOMAIN)"
                        ))),
                        Ok(Err(e)) if e.is_no_records_found() => Ok(None),
                        Ok(Err(e)) => Err(ResolveError(format!(
                            "the MX lookup of {domain} failed: {e}"
                        ))),
                        Ok(Ok(lookup)) => {
                            let mut mx: Vec<(u16, String)> = lookup
                                .answers()
                                .iter()
                                .filter_map(|r| match &r.data {
                                    RData::MX(mx) => {
                                        Some((mx.preference, norm(&mx.exchange.to_ascii())))
                                    }
                                    _ => None,
                                })
                                .collect();
                            mx.sort();
                            Ok(Some(mx))
                        }
                    }
                })
            })
            .join()
            .unwrap_or_else(|_| Err(ResolveError("the DNS lookup thread failed".into())))
        })?;
        let Some(mx) = lookup else { return Ok(None) };
        // RFC 7505: a single MX of "." says the domain takes no mail.
        if mx.len() == 1 && mx[0].1.is_empty() {
            return Err(ResolveError(format!(
                "{domain} publishes a null MX (RFC 7505): it accepts no mail"
            )));
        }
        if mx.is_empty() {
            return Ok(None);
        }
        Ok(Some(mx.into_iter().map(|(_, h)| h).collect()))
    }

    fn addresses(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, ResolveError> {
        let host = host.trim().trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        let addrs: Vec<SocketAddr> = (host, port)
            .to_socket_addrs()
            .map_err(|e| ResolveError(format!("{host} has no address: {e}")))?
            .collect();
        if addrs.is_empty() {
            return Err(ResolveError(format!("{host} has no address")));
        }
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_hosts_ports_and_mx() {
        let r = OverrideResolver::parse(
            " mx.partner.example=127.0.0.1:2525 ; partner.example=MX:mx.partner.example ; v6.example=[::1]:26,::2 ; none.example=MX: ;",
        )
        .unwrap();
        assert_eq!(
            r.mx("Partner.Example.").unwrap(),
            Some(vec!["mx.partner.example".to_string()])
        );
        assert_eq!(r.mx("none.example").unwrap(), None);
        assert_eq!(r.mx("unlisted.example").unwrap(), None);
        assert_eq!(
            r.addresses("mx.partner.example", 25).unwrap(),
            vec!["127.0.0.1:2525".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(
            r.addresses("v6.example", 25).unwrap(),
            vec![
                "[::1]:26".parse::<SocketAddr>().unwrap(),
                "[::2]:25".parse().unwrap()
            ]
        );
        assert_eq!(
            r.addresses("192.0.2.7", 25).unwrap(),
            vec!["192.0.2.7:25".parse().unwrap()]
        );
        let e = r.addresses("other.example", 25).unwrap_err();
        assert!(e.0.contains("not listed in MAILSEC_PROBE_RESOLVE"), "{e}");
    }

    #[test]
    fn refuses_bad_entries_naming_them() {
        for (spec, why) in [
            ("mx.example", "no '='"),
            ("=127.0.0.1", "host or domain name"),
            ("mx.example=localhost", "not an IP address"),
            ("mx.example=", "no address"),
            ("a.example=MX:not a host", "not a host name"),
            ("a.example=1.2.3.4;a.example=1.2.3.5", "repeats"),
        ] {
            let e = OverrideResolver::parse(spec).unwrap_err().to_string();
            assert!(e.contains(why), "{spec}: {e}");
            assert!(e.contains("MAILSEC_PROBE_RESOLVE"), "{e}");
        }
    }

    proptest! {
        #[test]
        fn arbitrary_specs_never_panic(s in ".{0,200}") {
            if let Ok(r) = OverrideResolver::parse(&s) {
                for name in r.hosts.keys().chain(r.mx.keys()) {
                    let _ = r.addresses(name, 25);
                    let _ = r.mx(name);
                }
            }
        }

        #[test]
        fn structured_specs_parse(host in "[a-z]{1,10}\\.example", port in 1u16.., a in 0u8.., b in 0u8..) {
            let spec = format!("{host}=10.{a}.{b}.1:{port};d.example=MX:{host}");
            let r = OverrideResolver::parse(&spec).unwrap();
            prop_assert_eq!(r.mx("d.example").unwrap(), Some(vec![host.clone()]));
            let got = r.addresses(&host, 25).unwrap();
            prop_assert_eq!(got[0].port(), port);
        }
    }
}
