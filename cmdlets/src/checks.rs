//! Value rules: what an SMTP address, a domain, an IP range, an alias ... must look like. Each failure names the
//! value and the rule; each success returns the value in the form it is stored in.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::signature::Check;
use crate::CmdletError;

/// Check one value of parameter `param` against `check`; the value as it is stored.
pub fn check_value(param: &str, check: Check, raw: &str) -> Result<String, CmdletError> {
    let bad = |rule: &str| {
        CmdletError::invalid(param, format!("\"{raw}\" isn't valid for {param}: {rule}"))
    };
    let v = raw.trim();
    match check {
        Check::None => Ok(raw.to_string()),
        Check::MaxLen(n) => max_len(param, raw, n).map(|_| raw.to_string()),
        Check::Name => {
            if v.is_empty() {
                return Err(CmdletError::invalid(
                    param,
                    format!("{param} can't be empty."),
                ));
            }
            max_len(param, raw, 64).map(|_| raw.to_string())
        }
        Check::Alias => alias(param, raw),
        Check::SimpleDisplayName => {
            max_len(param, raw, 256)?;
            if raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " \"'()+,-./:?".contains(c))
            {
                Ok(raw.to_string())
            } else {
                Err(bad(
                    "use only a-z, A-Z, 0-9, space and \" ' ( ) + , - . / : ?",
                ))
            }
        }
        Check::Smtp => smtp(param, raw),
        Check::Domain => domain(v, true)
            .map(|_| v.to_string())
            .map_err(|rule| bad(&rule)),
        Check::SenderDomain => sender_domain(v).map_err(|rule| bad(&rule)),
        Check::DomainNoWildcard => {
            if v.contains('*') {
                return Err(bad("a Domain Secure domain can't contain a wildcard '*'"));
            }
            domain(v, false)
                .map(|_| v.to_string())
                .map_err(|rule| bad(&rule))
        }
        Check::Ipv4Cidr24 => ipv4_cidr(v, 24).map_err(|rule| bad(&rule)),
        Check::IpRange => ip_range(v).map_err(|rule| bad(&rule)),
        Check::SmartHost => {
            if host_port(v).is_some() {
                return Err(bad(
                    "give the host without a port (Exchange Online always uses port 25)",
                ));
            }
            if v.contains('/') {
                return ipv4_cidr(v, 0).map_err(|rule| bad(&rule));
            }
            if v.parse::<IpAddr>().is_ok() {
                return Ok(v.to_string());
            }
            fqdn(v).map(|_| v.to_string()).map_err(|rule| {
                bad(&format!(
                    "{rule}; give an FQDN, an IP address or a CIDR range"
                ))
            })
        }
        Check::HostOrIp => {
            let inner = v.strip_prefix('[').and_then(|s| s.strip_suffix(']'));
            if let Some(ip) = inner {
                return ip
                    .parse::<IpAddr>()
                    .map(|_| v.to_string())
                    .map_err(|_| bad("the address in brackets isn't an IP address"));
            }
            if v.parse::<IpAddr>().is_ok() {
                return Ok(v.to_string());
            }
            fqdn(v)
                .map(|_| v.to_string())
                .map_err(|rule| bad(&format!("{rule}; give an FQDN or an IP address")))
        }
        Check::Binding => binding(v).map_err(|rule| bad(&rule)),
        Check::AddressSpace => address_space(v).map_err(|rule| bad(&rule)),
        Check::DomainCapability => {
            let Some((dom, caps)) = v.rsplit_once(':') else {
                return Err(bad(
                    "use domain:Capability, e.g. contoso.com:AcceptCloudServicesMail",
                ));
            };
            if !dom.eq_ignore_ascii_case("NO-TLS") {
                domain(dom, true).map_err(|rule| bad(&rule))?;
            }
            if caps.split(',').any(|c| c.trim().is_empty()) {
                return Err(bad("name at least one capability after ':'"));
            }
            Ok(v.to_string())
        }
        Check::MailTipTranslation => {
            let Some((culture, text)) = v.split_once(':') else {
                return Err(bad("use Culture:text, e.g. fr-FR:Message en clair"));
            };
            let ok_culture = culture.eq_ignore_ascii_case("default")
                || culture.split('-').all(|p| {
                    (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric())
                });
            if !ok_culture || text.trim().is_empty() {
                return Err(bad("use Culture:text, e.g. fr-FR:Message en clair"));
            }
            max_len(param, text, 175)?;
            Ok(v.to_string())
        }
        Check::Port => match v.parse::<u32>() {
            Ok(p) if p <= 65535 => Ok(p.to_string()),
            _ => Err(bad("a port is a number from 0 to 65535")),
        },
    }
}

/// Exchange's length error.
pub fn max_len(param: &str, v: &str, n: usize) -> Result<(), CmdletError> {
    let len = v.chars().count();
    if len > n {
        return Err(CmdletError::invalid(
            param,
            format!("The length of the property is too long. The maximum length is {n} and the length of the value provided is {len}."),
        ));
    }
    Ok(())
}

/// `user@domain` (an optional `smtp:` prefix allowed) → the bare address.
pub fn smtp(param: &str, raw: &str) -> Result<String, CmdletError> {
    let addr = match raw.split_once(':') {
        Some((p, rest)) if p.eq_ignore_ascii_case("smtp") => rest,
        _ => raw,
    }
    .trim();
    if is_smtp(addr) {
        Ok(addr.to_string())
    } else {
        Err(CmdletError::invalid(
            param,
            format!("\"{raw}\" isn't a valid SMTP address. Give an address such as partner@example.com."),
        ))
    }
}

pub fn is_smtp(addr: &str) -> bool {
    let Some((local, dom)) = addr.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
        && dom.contains('.')
        && domain(dom, false).is_ok()
}

/// A mail nickname (cmdlets.md 2, Alias row).
pub fn alias(param: &str, raw: &str) -> Result<String, CmdletError> {
    max_len(param, raw, 64)?;
    let allowed = |c: char| {
        c.is_ascii_alphanumeric()
            || "!#%*+-/=?^_~$&'{}`|".contains(c)
            || ('\u{a1}'..='\u{ff}').contains(&c)
    };
    let ok = !raw.is_empty()
        && raw.chars().all(|c| allowed(c) || c == '.')
        && !raw.starts_with('.')
        && !raw.ends_with('.')
        && !raw.contains("..");
    if ok {
        Ok(raw.to_string())
    } else {
        Err(CmdletError::invalid(
            param,
            format!("\"{raw}\" isn't a valid alias: use letters, digits and ! # % * + - / = ? ^ _ ~ $ & ' {{ }} ` |, with dots only between other characters (at most 64 characters)."),
        ))
    }
}

/// Is `d` an SMTP domain? With `wildcard`, a leading `*.` (or a bare `*`) is allowed.
pub fn domain(d: &str, wildcard: bool) -> Result<(), String> {
    if d == "*" {
        return if wildcard {
            Ok(())
        } else {
            Err("a domain can't be '*'".into())
        };
    }
    let body = match d.strip_prefix("*.") {
        Some(rest) if wildcard => rest,
        Some(_) => return Err("a wildcard isn't allowed here".into()),
        None => d,
    };
    if body.contains('*') {
        return Err(
            "a wildcard is allowed only as the whole first label (*.contoso.com), not inside a domain"
                .into(),
        );
    }
    fqdn(body)
}

/// A host name: dot-separated labels of letters, digits and hyphens.
pub fn fqdn(h: &str) -> Result<(), String> {
    let h = h.strip_suffix('.').unwrap_or(h);
    if h.is_empty() || h.len() > 255 {
        return Err("a domain name has 1 to 255 characters".into());
    }
    for label in h.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(format!(
                "'{label}' isn't a valid domain label (letters, digits and hyphens, 1 to 63 characters)"
            ));
        }
    }
    Ok(())
}

/// A sender domain: `contoso.com`, `*.contoso.com`, `*`, or `smtp:contoso.com;1` → the domain.
fn sender_domain(v: &str) -> Result<String, String> {
    let body = match v.split_once(':') {
        Some((t, rest)) if t.eq_ignore_ascii_case("smtp") => rest.split(';').next().unwrap_or(rest),
        Some(_) => return Err("only SMTP address spaces are allowed (smtp:domain;cost)".into()),
        None => v,
    };
    domain(body, true).map(|_| body.to_string())
}

/// An IPv4 address or a CIDR range with a prefix of at least `min`.
fn ipv4_cidr(v: &str, min: u8) -> Result<String, String> {
    let rule = || {
        if min > 0 {
            format!("give an IPv4 address or a CIDR range from /{min} to /32 (IPv6 isn't supported here)")
        } else {
            "give an IPv4 address or a CIDR range such as 192.0.2.0/24".to_string()
        }
    };
    let (ip, prefix) = match v.split_once('/') {
        Some((ip, p)) => (ip, Some(p)),
        None => (v, None),
    };
    ip.parse::<Ipv4Addr>().map_err(|_| rule())?;
    if let Some(p) = prefix {
        match p.parse::<u8>() {
            Ok(n) if n >= min && n <= 32 => {}
            _ => return Err(rule()),
        }
    }
    Ok(v.to_string())
}

/// One IP address, a range `a-b` (same family, a ≤ b) or a CIDR range.
fn ip_range(v: &str) -> Result<String, String> {
    let rule = "give an IP address, a range such as 192.0.2.10-192.0.2.20, or a CIDR range such as 192.0.2.0/24";
    if let Some((a, b)) = v.split_once('-') {
        let (a, b) = (a.trim(), b.trim());
        return match (a.parse::<IpAddr>(), b.parse::<IpAddr>()) {
            (Ok(IpAddr::V4(x)), Ok(IpAddr::V4(y))) if x <= y => Ok(v.to_string()),
            (Ok(IpAddr::V6(x)), Ok(IpAddr::V6(y))) if x <= y => Ok(v.to_string()),
            _ => Err(rule.into()),
        };
    }
    if let Some((ip, p)) = v.split_once('/') {
        let max = match ip.parse::<IpAddr>() {
            Ok(IpAddr::V4(_)) => 32,
            Ok(IpAddr::V6(_)) => 128,
            Err(_) => return Err(rule.into()),
        };
        return match p.parse::<u8>() {
            Ok(n) if n <= max => Ok(v.to_string()),
            _ => Err(rule.into()),
        };
    }
    v.parse::<IpAddr>()
        .map(|_| v.to_string())
        .map_err(|_| rule.into())
}

/// `host:port` with a numeric port, if that is what `v` is (an IPv6 address is not).
fn host_port(v: &str) -> Option<(&str, u16)> {
    if v.parse::<Ipv6Addr>().is_ok() {
        return None;
    }
    let (h, p) = v.rsplit_once(':')?;
    p.parse::<u16>().ok().map(|p| (h, p))
}

/// `0.0.0.0:25` or `[::]:25`.
fn binding(v: &str) -> Result<String, String> {
    let rule = "use IP:port, e.g. 0.0.0.0:25 or [::]:25";
    let (ip, port) = v.rsplit_once(':').ok_or(rule)?;
    let ip = ip
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(ip);
    ip.parse::<IpAddr>().map_err(|_| rule)?;
    port.parse::<u16>().map_err(|_| rule)?;
    Ok(v.to_string())
}

/// `[Type:]Space[;Cost]` → `Type:Space;Cost` (type default SMTP, cost default 1, cost 1 to 100).
fn address_space(v: &str) -> Result<String, String> {
    let (ty, rest) = match v.split_once(':') {
        Some((t, r)) if !t.contains('.') && !t.contains('*') => (t.to_string(), r),
        _ => ("SMTP".to_string(), v),
    };
    let (space, cost) = match rest.rsplit_once(';') {
        Some((s, c)) => (
            s,
            c.trim()
                .parse::<u32>()
                .map_err(|_| "the cost after ';' is a number from 1 to 100".to_string())?,
        ),
        None => (rest, 1),
    };
    if !(1..=100).contains(&cost) {
        return Err("the cost after ';' is a number from 1 to 100".into());
    }
    let ty = if ty.eq_ignore_ascii_case("smtp") {
        domain(space, true)?;
        "SMTP".to_string()
    } else {
        if space.trim().is_empty() {
            return Err("the address space is empty".into());
        }
        ty
    };
    Ok(format!("{ty}:{space};{cost}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(c: Check, v: &str) -> String {
        check_value("P", c, v).unwrap_or_else(|e| panic!("{v}: {e}"))
    }
    fn err(c: Check, v: &str) -> String {
        check_value("P", c, v).unwrap_err().to_string()
    }

    #[test]
    fn domains_allow_a_leading_wildcard_only() {
        ok(Check::Domain, "contoso.com");
        ok(Check::Domain, "*.contoso.com");
        assert!(err(Check::Domain, "a.*.contoso.com").contains("only as the whole first label"));
        assert!(err(Check::Domain, "con toso.com").contains("isn't a valid domain label"));
        assert!(err(Check::DomainNoWildcard, "*.contoso.com").contains("can't contain a wildcard"));
        assert_eq!(ok(Check::SenderDomain, "smtp:*;1"), "*");
        assert_eq!(
            ok(Check::SenderDomain, "SMTP:fabrikam.com;1"),
            "fabrikam.com"
        );
    }

    #[test]
    fn ip_rules() {
        ok(Check::Ipv4Cidr24, "192.0.2.1");
        ok(Check::Ipv4Cidr24, "192.0.2.0/24");
        assert!(err(Check::Ipv4Cidr24, "192.0.0.0/16").contains("from /24 to /32"));
        assert!(err(Check::Ipv4Cidr24, "2001:db8::1").contains("IPv6 isn't supported"));
        ok(Check::IpRange, "192.0.2.10-192.0.2.20");
        ok(Check::IpRange, "2001:db8::/32");
        assert!(err(Check::IpRange, "192.0.2.20-192.0.2.10").contains("give an IP address"));
        ok(Check::SmartHost, "mail.contoso.com");
        ok(Check::SmartHost, "192.0.2.0/28");
        assert!(err(Check::SmartHost, "mail.contoso.com:587").contains("without a port"));
        ok(Check::Binding, "[::]:25");
        assert!(err(Check::Binding, "0.0.0.0").contains("IP:port"));
    }

    #[test]
    fn address_spaces_are_normalised() {
        assert_eq!(ok(Check::AddressSpace, "contoso.com"), "SMTP:contoso.com;1");
        assert_eq!(
            ok(Check::AddressSpace, "smtp:*.contoso.com;5"),
            "SMTP:*.contoso.com;5"
        );
        assert!(err(Check::AddressSpace, "contoso.com;500").contains("1 to 100"));
    }

    #[test]
    fn aliases_and_lengths() {
        ok(Check::Alias, "jo.doe");
        ok(Check::Alias, "o'brien");
        assert!(err(Check::Alias, "jo doe").contains("isn't a valid alias"));
        assert!(err(Check::Alias, ".jo").contains("dots only between"));
        assert_eq!(
            err(Check::MaxLen(3), "abcd"),
            "The length of the property is too long. The maximum length is 3 and the length of the value provided is 4."
        );
        assert!(err(Check::Smtp, "a@b").contains("isn't a valid SMTP address"));
        assert_eq!(ok(Check::Smtp, "SMTP:a@b.example"), "a@b.example");
    }
}
