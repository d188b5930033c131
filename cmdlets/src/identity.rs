//! Identity resolution as Exchange does it (cmdlets.md 0.1): GUID and DN first, then the canonical name, then
//! one query over addresses, UPN, LegacyExchangeDN, X500 proxies, alias and display name, and last the Name,
//! `*` wildcards on the Name, and `DOMAIN\user`. Zero matches is not-found, several are ambiguous (listed with
//! their GUIDs), and an object of another type is a "wrong type" not-found.

use mailsec_state::model::index::{canonical_name, netbios_domain, proxy_address};
use mailsec_state::model::ObjectKind;
use mailsec_state::Uuid;

use crate::CmdletError;

/// One object an identity may name.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub kind: ObjectKind,
    pub guid: Uuid,
    pub name: String,
    pub alias: Option<String>,
    pub display_name: Option<String>,
    pub dn: Option<String>,
    /// Addresses without their `smtp:` prefix (primary, proxies, external address, UPN, Windows address).
    pub addresses: Vec<String>,
    /// Non-SMTP proxies as stored (`X500:/o=...`).
    pub proxies: Vec<String>,
    pub legacy_dn: Option<String>,
    /// The account name (sAMAccountName / uid); `DOMAIN\name` uses the DN's first DC.
    pub account: Option<String>,
}

impl Candidate {
    pub fn new(guid: Uuid, name: &str) -> Self {
        Candidate {
            kind: ObjectKind::MailContact,
            guid,
            name: name.to_string(),
            alias: None,
            display_name: None,
            dn: None,
            addresses: Vec::new(),
            proxies: Vec::new(),
            legacy_dn: None,
            account: None,
        }
    }

    pub fn of_kind(mut self, kind: ObjectKind) -> Self {
        self.kind = kind;
        self
    }

    /// Add an address (`SMTP:`/`smtp:`/none) or a proxy of another type.
    pub fn address(mut self, a: Option<&str>) -> Self {
        if let Some(a) = a {
            let a = a.trim();
            match a.split_once(':') {
                Some((p, rest)) if p.eq_ignore_ascii_case("smtp") => {
                    self.addresses.push(rest.to_string())
                }
                Some((p, _)) if !p.is_empty() && !p.contains('@') => {
                    self.proxies.push(a.to_string())
                }
                _ if !a.is_empty() => self.addresses.push(a.to_string()),
                _ => {}
            }
        }
        self
    }

    fn canonical(&self) -> Option<String> {
        self.dn.as_deref().and_then(canonical_name)
    }

    fn domain_account(&self) -> Option<String> {
        let domain = netbios_domain(self.dn.as_deref()?)?;
        Some(format!("{domain}\\{}", self.account.as_deref()?))
    }
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Does `id` look like a distinguished name?
pub fn is_dn(id: &str) -> bool {
    let first = id.split(',').next().unwrap_or_default();
    first.contains('=')
        && first
            .split_once('=')
            .is_some_and(|(a, _)| a.trim().chars().all(|c| c.is_ascii_alphabetic()))
        && (id.contains(',') || first.to_ascii_lowercase().starts_with("cn="))
}

/// Does `id` look like a canonical name (`contoso.com/Users/Jo`)?
fn is_canonical(id: &str) -> bool {
    id.split_once('/')
        .is_some_and(|(d, rest)| d.contains('.') && !d.contains('@') && !rest.is_empty())
}

/// The candidates `identity` names, by Exchange's precedence (the first stage that matches wins).
pub fn matches<'a>(identity: &str, candidates: &'a [Candidate]) -> Vec<&'a Candidate> {
    let id = identity.trim();
    let pick = |f: &dyn Fn(&Candidate) -> bool| -> Vec<&'a Candidate> {
        candidates.iter().filter(|c| f(c)).collect()
    };
    if let Ok(g) = Uuid::parse_str(id) {
        return pick(&|c| c.guid == g);
    }
    if is_dn(id) {
        let hit = pick(&|c| c.dn.as_deref().is_some_and(|d| eq(d, id)));
        if !hit.is_empty() {
            return hit;
        }
    }
    if is_canonical(id) {
        let hit = pick(&|c| c.canonical().is_some_and(|n| eq(&n, id)));
        if !hit.is_empty() {
            return hit;
        }
    }
    let addr = proxy_address(id);
    let hit = pick(&|c| {
        c.addresses.iter().any(|a| eq(a, addr) || eq(a, id))
            || c.proxies
                .iter()
                .any(|p| eq(p, id) || eq(proxy_address(p), id))
            || c.legacy_dn.as_deref().is_some_and(|l| eq(l, id))
            || c.alias.as_deref().is_some_and(|a| eq(a, id))
            || c.display_name.as_deref().is_some_and(|d| eq(d, id))
    });
    if !hit.is_empty() {
        return hit;
    }
    let hit = pick(&|c| eq(&c.name, id));
    if !hit.is_empty() {
        return hit;
    }
    let (starts, ends) = (id.starts_with('*'), id.ends_with('*') && id.len() > 1);
    if starts || ends {
        let core = id.trim_matches('*').to_lowercase();
        return pick(&|c| {
            let n = c.name.to_lowercase();
            match (starts, ends) {
                (true, true) => n.contains(&core),
                (true, false) => n.ends_with(&core),
                _ => n.starts_with(&core),
            }
        });
    }
    if id.contains('\\') {
        return pick(&|c| {
            c.domain_account().is_some_and(|a| eq(&a, id))
                || c.account.as_deref().is_some_and(|a| eq(a, id))
        });
    }
    Vec::new()
}

/// Resolve `identity` among `candidates` to exactly one.
pub fn resolve<'a>(
    identity: &str,
    candidates: &'a [Candidate],
    location: &str,
) -> Result<&'a Candidate, CmdletError> {
    match matches(identity, candidates).as_slice() {
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
}

/// Resolve among candidates of the `allowed` kinds; a match of another kind only is a "wrong type" not-found.
pub fn resolve_kind<'a>(
    identity: &str,
    candidates: &'a [Candidate],
    allowed: &[ObjectKind],
    location: &str,
) -> Result<&'a Candidate, CmdletError> {
    let all = matches(identity, candidates);
    let fitting: Vec<&Candidate> = all
        .iter()
        .copied()
        .filter(|c| allowed.contains(&c.kind))
        .collect();
    match fitting.as_slice() {
        [one] => Ok(one),
        [] => match all.first() {
            Some(other) => Err(CmdletError::WrongType {
                identity: identity.to_string(),
                location: location.to_string(),
                found: other.kind.noun(),
                wanted: allowed.first().map(|k| k.noun()).unwrap_or("object"),
            }),
            None => Err(CmdletError::NotFound {
                identity: identity.to_string(),
                location: location.to_string(),
            }),
        },
        many => Err(CmdletError::Ambiguous {
            identity: identity.to_string(),
            candidates: many.iter().map(|c| (c.name.clone(), c.guid)).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cands() -> Vec<Candidate> {
        vec![
            Candidate {
                alias: Some("bap".into()),
                dn: Some("CN=baptiste,OU=Users,DC=contoso,DC=com".into()),
                legacy_dn: Some("/o=Contoso/ou=Exchange/cn=Recipients/cn=baptiste".into()),
                account: Some("bcoste".into()),
                ..Candidate::new(Uuid::from_u128(1), "baptiste")
            }
            .of_kind(ObjectKind::Mailbox)
            .address(Some("SMTP:baptiste@example.com"))
            .address(Some("X500:/o=Old/cn=baptiste"))
            .address(Some("baptiste@contoso.com")),
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
            "baptiste@contoso.com",
            "cn=baptiste,ou=users,dc=contoso,dc=com",
            "contoso.com/Users/baptiste",
            "CONTOSO\\bcoste",
            "/o=Contoso/ou=Exchange/cn=Recipients/cn=baptiste",
            "X500:/o=Old/cn=baptiste",
            "/o=Old/cn=baptiste",
            "00000000-0000-0000-0000-000000000001",
            "bapt*",
            "*tiste",
            "*apti*",
        ] {
            assert_eq!(
                resolve(id, &c, "here").unwrap().guid,
                Uuid::from_u128(1),
                "{id}"
            );
        }
    }

    #[test]
    fn not_found_ambiguous_and_wrong_type_use_exchange_wording() {
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
        let e = resolve_kind("baptiste", &c, &[ObjectKind::MailContact], "x")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("The operation couldn't be performed because object 'baptiste' couldn't be found on 'x'."),
            "{e}"
        );
        assert!(e.contains("it is a Mailbox, not a MailContact"), "{e}");
    }

    #[test]
    fn display_names_and_aliases_win_over_names() {
        let c = vec![
            Candidate {
                display_name: Some("Jo".into()),
                ..Candidate::new(Uuid::from_u128(1), "jo-smith")
            },
            Candidate::new(Uuid::from_u128(2), "Jo"),
        ];
        assert_eq!(resolve("jo", &c, "x").unwrap().guid, Uuid::from_u128(1));
    }
}
