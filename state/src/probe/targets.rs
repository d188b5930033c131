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
