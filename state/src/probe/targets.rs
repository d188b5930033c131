//! Which hosts a connector delivers to: its SmartHosts (UseMXRecord $false), or the MX hosts of its
//! RecipientDomains (UseMXRecord $true), falling back to a domain's own addresses when it has no MX
//! (RFC 5321 section 5.1).

use std::net::SocketAddr;

use crate::model::OutboundConnector;
use crate::probe::resolve::Resolver;
use crate::probe::ProbeError;

/// One host to probe, with how it was found and its addresses (or why there are none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    /// `SmartHost`, `MX of partner.example`, or `partner.example (no MX)`.
    pub via: String,
    pub addresses: Result<Vec<SocketAddr>, String>,
}

pub fn targets(
    connector: &OutboundConnector,
    port: u16,
    resolver: &dyn Resolver,
) -> Result<Vec<Target>, ProbeError> {
    let mut out: Vec<Target> = Vec::new();
    let mut push = |t: Target| {
        if !out.iter().any(|o| o.host.eq_ignore_ascii_case(&t.host)) {
            out.push(t);
        }
    };
    if !connector.UseMXRecord {
        if connector.SmartHosts.is_empty() {
            return Err(ProbeError::NoTargets {
                connector: connector.Name.clone(),
                why: "UseMXRecord is $false and SmartHosts is empty".into(),
            });
        }
        for h in &connector.SmartHosts {
            let addresses = if h.contains('/') {
                Err(format!(
                    "{h} is an address range (CIDR), not one host; the probe needs single hosts"
                ))
            } else {
                resolver.addresses(h, port).map_err(|e| e.0)
            };
            push(Target {
                host: h.clone(),
                via: "SmartHost".into(),
                addresses,
            });
        }
        return Ok(out);
    }
    if connector.RecipientDomains.is_empty() {
        return Err(ProbeError::NoTargets {
            connector: connector.Name.clone(),
            why: if connector.AllAcceptedDomains {
                "it routes all accepted domains (AllAcceptedDomains) and names no RecipientDomains to look up".into()
            } else {
                "UseMXRecord is $true and RecipientDomains is empty".into()
            },
        });
    }
    for d in &connector.RecipientDomains {
        let domain = d.trim();
        if domain.starts_with('*') {
            push(Target {
                host: domain.to_string(),
                via: format!("MX of {domain}"),
                addresses: Err(format!(
                    "{domain} is a wildcard: it names no domain whose MX can be looked up; add the subdomains to probe to RecipientDomains"
                )),
            });
            continue;
        }
        match resolver.mx(domain) {
            Err(e) => push(Target {
                host: domain.to_string(),
                via: format!("MX of {domain}"),
                addresses: Err(e.0),
            }),
            Ok(None) => push(Target {
                host: domain.to_string(),
                via: format!("{domain} (no MX: its own address)"),
                addresses: resolver.addresses(domain, port).map_err(|e| e.0),
            }),
            Ok(Some(hosts)) => {
                for h in hosts {
                    let addresses = resolver.addresses(&h, port).map_err(|e| e.0);
                    push(Target {
                        host: h,
                        via: format!("MX of {domain}"),
                        addresses,
                    });
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::resolve::OverrideResolver;
    use uuid::Uuid;

    fn resolver() -> OverrideResolver {
        OverrideResolver::parse(
            "a.example=MX:mx1.a.example,mx2.a.example; b.example=MX:mx1.a.example; mx1.a.example=127.0.0.1:2525; c.example=127.0.0.3; relay.example=127.0.0.4",
        )
        .unwrap()
    }

    fn connector() -> OutboundConnector {
        OutboundConnector::new(Uuid::new_v4(), "C")
    }

    #[test]
    fn mx_hosts_in_order_shared_hosts_once_and_the_rfc5321_fallback() {
        let mut c = connector();
        c.RecipientDomains = vec![
            "a.example".into(),
            "b.example".into(),
            "c.example".into(),
            "*.d.example".into(),
        ];
        let t = targets(&c, 25, &resolver()).unwrap();
        let hosts: Vec<&str> = t.iter().map(|t| t.host.as_str()).collect();
        assert_eq!(
            hosts,
            ["mx1.a.example", "mx2.a.example", "c.example", "*.d.example"]
        );
        assert_eq!(t[0].addresses, Ok(vec!["127.0.0.1:2525".parse().unwrap()]));
        assert!(t[1].addresses.as_ref().unwrap_err().contains("not listed"));
        assert_eq!(t[2].via, "c.example (no MX: its own address)");
        assert_eq!(t[2].addresses, Ok(vec!["127.0.0.3:25".parse().unwrap()]));
        assert!(t[3].addresses.as_ref().unwrap_err().contains("wildcard"));
    }

    #[test]
    fn smart_hosts_ips_and_ranges() {
        let mut c = connector();
        c.UseMXRecord = false;
        c.SmartHosts = vec![
            "relay.example".into(),
            "192.0.2.25".into(),
            "192.0.2.0/24".into(),
        ];
        let t = targets(&c, 587, &resolver()).unwrap();
        assert!(t.iter().all(|t| t.via == "SmartHost"));
        assert_eq!(t[0].addresses, Ok(vec!["127.0.0.4:587".parse().unwrap()]));
        assert_eq!(t[1].addresses, Ok(vec!["192.0.2.25:587".parse().unwrap()]));
        assert!(t[2].addresses.as_ref().unwrap_err().contains("CIDR"));
    }

    #[test]
    fn nothing_to_probe_is_an_error_that_says_why() {
        let mut c = connector();
        let e = targets(&c, 25, &resolver()).unwrap_err().to_string();
        assert!(
            e.contains("'C'") && e.contains("RecipientDomains is empty"),
            "{e}"
        );
        c.UseMXRecord = false;
        let e = targets(&c, 25, &resolver()).unwrap_err().to_string();
        assert!(e.contains("SmartHosts is empty"), "{e}");
    }
}
