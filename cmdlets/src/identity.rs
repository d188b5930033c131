//! Identity resolution as Exchange does it (cmdlets.md 0.1): GUID, DN, then address/alias/name, then `*` wildcards on Name.

use mailsec_state::Uuid;

use crate::CmdletError;

/// One object an identity may name.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub guid: Uuid,
    pub name: String,
    pub alias: Option<String>,
    pub dn: Option<String>,
    /// Addresses without their `smtp:` prefix (primary, proxies, external address, UPN).
    pub addresses: Vec<String>,
}

fn strip_prefix(a: &str) -> &str {
    match a.split_once(':') {
        Some((p, rest)) if p.eq_ignore_ascii_case("smtp") => rest,
        _ => a,
    }
}

impl Candidate {
    pub fn new(guid: Uuid, name: &str) -> Self {
        Candidate {
            guid,
            name: name.to_string(),
            alias: None,
            dn: None,
            addresses: Vec::new(),
        }
    }

    pub fn address(mut self, a: Option<&str>) -> Self {
        if let Some(a) = a {
            let a = strip_prefix(a);
            if !a.is_empty() {
                self.addresses.push(a.to_string());
            }
        }
        self
    }
}

/// Resolve `identity` among `candidates` to exactly one.
pub fn resolve<'a>(
    identity: &str,
    candidates: &'a [Candidate],
    location: &str,
) -> Result<&'a Candidate, CmdletError> {
    let id = identity.trim();
    let pick = |found: Vec<&'a Candidate>| -> Result<&'a Candidate, CmdletError> {
        match found.as_slice() {
            [one] => Ok(one),
            [] => Err(CmdletError::NotFound {
                identity: identity.to_string(),
                location: location.to_string(),
            }),
            many => Err(CmdletError::Ambiguous {
                identity: identity.to_string(),
                candidates: many.iter().map(|c| (c.name.clone(), c.guid)).collect(),
            }),
        }
    };
    if let Ok(g) = Uuid::parse_str(id) {
        return pick(candidates.iter().filter(|c| c.guid == g).collect());
    }
    if id.contains('=') && id.contains(',') {
        let by_dn: Vec<_> = candidates
            .iter()
            .filter(|c| c.dn.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(id)))
            .collect();
        if !by_dn.is_empty() {
            return pick(by_dn);
        }
    }
    let addr = strip_prefix(id);
    let exact: Vec<_> = candidates
        .iter()
        .filter(|c| {
            c.name.eq_ignore_ascii_case(id)
                || c.alias
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(id))
                || c.addresses.iter().any(|a| a.eq_ignore_ascii_case(addr))
        })
        .collect();
    if !exact.is_empty() {
        return pick(exact);
    }
    let (starts, ends) = (id.starts_with('*'), id.ends_with('*') && id.len() > 1);
    if starts || ends {
        let core = id.trim_matches('*').to_lowercase();
        let wild: Vec<_> = candidates
            .iter()
            .filter(|c| {
                let n = c.name.to_lowercase();
                match (starts, ends) {
                    (true, true) => n.contains(&core),
                    (true, false) => n.ends_with(&core),
                    _ => n.starts_with(&core),
                }
            })
            .collect();
        return pick(wild);
    }
    pick(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cands() -> Vec<Candidate> {
        vec![
            Candidate {
                alias: Some("bap".into()),
                dn: Some("CN=baptiste,DC=x".into()),
                ..Candidate::new(Uuid::from_u128(1), "baptiste")
            }
            .address(Some("SMTP:baptiste@example.com")),
            Candidate::new(Uuid::from_u128(2), "John Doe"),
            Candidate::new(Uuid::from_u128(3), "John Dory"),
        ]
    }

    #[test]
    fn every_form_finds_the_object() {
        let c = cands();
        for id in [
            "baptiste",
            "BAPTISTE",
            "bap",
            "baptiste@example.com",
            "smtp:Baptiste@Example.com",
            "cn=baptiste,dc=x",
            "00000000-0000-0000-0000-000000000001",
            "bapt*",
        ] {
            assert_eq!(
                resolve(id, &c, "here").unwrap().guid,
                Uuid::from_u128(1),
                "{id}"
            );
        }
    }

    #[test]
    fn not_found_and_ambiguous_use_exchange_wording() {
        let c = cands();
        assert_eq!(
            resolve("nobody", &c, "embedded directory").unwrap_err().to_string(),
            "The operation couldn't be performed because object 'nobody' couldn't be found on 'embedded directory'."
        );
        let e = resolve("John*", &c, "x").unwrap_err().to_string();
        assert!(e.starts_with(
            "The operation couldn't be performed because 'John*' matches multiple entries:"
        ));
        assert!(e.contains("John Dory  (Guid 00000000-0000-0000-0000-000000000003)"));
    }
}
