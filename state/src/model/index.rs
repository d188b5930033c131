//! A lookup index over recipients (mailboxes and mail contacts): every name, alias, address, DN and account
//! form an identity may take, lowercased, to the objects that carry it; and each object's position by Guid.
//! It makes identity resolution and uniqueness checks O(1) per command, so a 100,000-line script stays linear.
//!
//! The index is a cache: it is built on first use, kept up to date by `ops::apply`, and rebuilt whenever the
//! lists it covers changed length behind its back. A hit is always re-checked against the object itself.

/// foldhash instead of std's SipHash: the index hashes every name, alias and address of every recipient, and
/// a bulk script looks one up per line. The keys come from the admin's own state, so DoS-resistant hashing buys
/// nothing here; foldhash is still seeded per process.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
use std::sync::Mutex;

use smallvec::SmallVec;
use uuid::Uuid;

use super::{MailContact, Mailbox, ObjectKind};

/// The lazily built index, embedded in `DesiredState` and `LiveState`. Clones start empty; it never makes
/// two states unequal.
#[derive(Default)]
pub struct IndexCache(Mutex<Option<Index>>);

impl Clone for IndexCache {
    fn clone(&self) -> Self {
        IndexCache::default()
    }
}

impl PartialEq for IndexCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for IndexCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IndexCache")
    }
}

#[derive(Debug, Default)]
pub struct Index {
    /// Almost every key names one recipient: the one holder lives inline, without an allocation of its own.
    keys: HashMap<String, SmallVec<[(ObjectKind, Uuid); 1]>>,
    mailboxes: HashMap<Uuid, usize>,
    contacts: HashMap<Uuid, usize>,
    sizes: (usize, usize),
}

impl Index {
    fn build(mailboxes: &[Mailbox], contacts: &[MailContact]) -> Index {
        let mut ix = Index {
            sizes: (mailboxes.len(), contacts.len()),
            ..Index::default()
        };
        for (i, m) in mailboxes.iter().enumerate() {
            ix.mailboxes.insert(m.guid, i);
            ix.add(ObjectKind::Mailbox, m.guid, mailbox_keys(m));
        }
        for (i, c) in contacts.iter().enumerate() {
            ix.contacts.insert(c.guid, i);
            ix.add(ObjectKind::MailContact, c.guid, contact_keys(c));
        }
        ix
    }

    fn add(&mut self, kind: ObjectKind, guid: Uuid, keys: Vec<String>) {
        for k in keys {
            let slot = self.keys.entry(k).or_default();
            if !slot.contains(&(kind, guid)) {
                slot.push((kind, guid));
            }
        }
    }

    fn remove(&mut self, kind: ObjectKind, guid: Uuid, keys: Vec<String>) {
        for k in keys {
            if let Some(slot) = self.keys.get_mut(&k) {
                slot.retain(|e| *e != (kind, guid));
                if slot.is_empty() {
                    self.keys.remove(&k);
                }
            }
        }
    }
}

impl IndexCache {
    /// An empty cache (usable in a `static`).
    pub const fn new() -> IndexCache {
        IndexCache(Mutex::new(None))
    }

    fn with<R>(
        &self,
        mailboxes: &[Mailbox],
        contacts: &[MailContact],
        f: impl FnOnce(&Index) -> R,
    ) -> R {
        let mut guard = match self.0.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let fresh = guard
            .as_ref()
            .is_some_and(|ix| ix.sizes == (mailboxes.len(), contacts.len()));
        if !fresh {
            *guard = Some(Index::build(mailboxes, contacts));
        }
        match guard.as_ref() {
            Some(ix) => f(ix),
            None => f(&Index::default()),
        }
    }

    /// The recipients that carry `key` (any identity form, compared case-insensitively).
    pub fn lookup(
        &self,
        mailboxes: &[Mailbox],
        contacts: &[MailContact],
        key: &str,
    ) -> Vec<(ObjectKind, Uuid)> {
        let k = lowercase(key.trim());
        self.with(mailboxes, contacts, |ix| {
            ix.keys.get(&*k).map(|v| v.to_vec()).unwrap_or_default()
        })
    }

    /// Where the mailbox with this Guid is in `mailboxes`.
    pub fn mailbox_position(
        &self,
        mailboxes: &[Mailbox],
        contacts: &[MailContact],
        guid: Uuid,
    ) -> Option<usize> {
        let hit = self.with(mailboxes, contacts, |ix| ix.mailboxes.get(&guid).copied());
        match hit {
            Some(i) if mailboxes.get(i).is_some_and(|m| m.guid == guid) => Some(i),
            Some(_) => {
                self.forget_shared();
                mailboxes.iter().position(|m| m.guid == guid)
            }
            None => None,
        }
    }

    /// Where the contact with this Guid is in `contacts`.
    pub fn contact_position(
        &self,
        mailboxes: &[Mailbox],
        contacts: &[MailContact],
        guid: Uuid,
    ) -> Option<usize> {
        let hit = self.with(mailboxes, contacts, |ix| ix.contacts.get(&guid).copied());
        match hit {
            Some(i) if contacts.get(i).is_some_and(|c| c.guid == guid) => Some(i),
            Some(_) => {
                self.forget_shared();
                contacts.iter().position(|c| c.guid == guid)
            }
            None => None,
        }
    }

    fn forget_shared(&self) {
        if let Ok(mut g) = self.0.lock() {
            *g = None;
        }
    }

    /// Drop the index; it is rebuilt on next use (after removals, which shift positions).
    pub fn forget(&mut self) {
        *self.slot() = None;
    }

    fn slot(&mut self) -> &mut Option<Index> {
        match self.0.get_mut() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// A mailbox was appended at `pos`.
    pub fn mailbox_added(&mut self, m: &Mailbox, pos: usize) {
        if let Some(ix) = self.slot() {
            ix.mailboxes.insert(m.guid, pos);
            ix.sizes.0 += 1;
            ix.add(ObjectKind::Mailbox, m.guid, mailbox_keys(m));
        }
    }

    /// A contact was appended at `pos`.
    pub fn contact_added(&mut self, c: &MailContact, pos: usize) {
        if let Some(ix) = self.slot() {
            ix.contacts.insert(c.guid, pos);
            ix.sizes.1 += 1;
            ix.add(ObjectKind::MailContact, c.guid, contact_keys(c));
        }
    }

    /// A mailbox changed in place.
    pub fn mailbox_changed(&mut self, old: &Mailbox, new: &Mailbox) {
        if let Some(ix) = self.slot() {
            ix.remove(ObjectKind::Mailbox, old.guid, mailbox_keys(old));
            ix.add(ObjectKind::Mailbox, new.guid, mailbox_keys(new));
        }
    }

    /// A contact changed in place.
    pub fn contact_changed(&mut self, old: &MailContact, new: &MailContact) {
        if let Some(ix) = self.slot() {
            ix.remove(ObjectKind::MailContact, old.guid, contact_keys(old));
            ix.add(ObjectKind::MailContact, new.guid, contact_keys(new));
        }
    }
}

/// `SMTP:a@b` / `smtp:a@b` / `X500:/o=...` → the address part; no prefix → as is.
pub fn proxy_address(a: &str) -> &str {
    match a.split_once(':') {
        Some((p, rest)) if !p.is_empty() && p.len() <= 8 && !p.contains('@') => rest,
        _ => a,
    }
}

/// The DN's canonical name: `CN=Jo,OU=Users,DC=contoso,DC=com` → `contoso.com/Users/Jo`.
pub fn canonical_name(dn: &str) -> Option<String> {
    let rdns = split_dn(dn);
    let mut domain = Vec::new();
    let mut path = Vec::new();
    for rdn in &rdns {
        let (attr, value) = rdn.split_once('=')?;
        if attr.trim().eq_ignore_ascii_case("dc") {
            domain.push(value.trim().to_string());
        } else {
            path.push(value.trim().to_string());
        }
    }
    if domain.is_empty() {
        return None;
    }
    path.reverse();
    let mut out = domain.join(".");
    for p in path {
        out.push('/');
        out.push_str(&p);
    }
    Some(out)
}

/// The NetBIOS-style domain of a DN: its first `DC=` component.
pub fn netbios_domain(dn: &str) -> Option<String> {
    split_dn(dn).into_iter().find_map(|rdn| {
        let (a, v) = rdn.split_once('=')?;
        a.trim()
            .eq_ignore_ascii_case("dc")
            .then(|| v.trim().to_string())
    })
}

/// RDNs of a DN, splitting on commas that are not escaped with a backslash.
fn split_dn(dn: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for ch in dn.chars() {
        if escaped {
            cur.push(ch);
            escaped = false;
        } else if ch == '\\' {
            cur.push(ch);
            escaped = true;
        } else if ch == ',' {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(ch);
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

fn push(out: &mut Vec<String>, v: Option<&str>) {
    if let Some(v) = v {
        let v = v.trim();
        if !v.is_empty() {
            out.push(lowercase(v).into_owned());
        }
    }
}

/// `s.to_lowercase()`, without a copy when `s` has no upper-case letter (names, aliases and addresses mostly
/// have none, and every lookup lower-cases its key).
fn lowercase(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.is_ascii() {
        std::borrow::Cow::Owned(s.to_lowercase())
    } else if s.bytes().any(|b| b.is_ascii_uppercase()) {
        // The same as to_lowercase for ASCII, without its per-character Unicode lookups.
        std::borrow::Cow::Owned(s.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

fn push_dn(out: &mut Vec<String>, dn: Option<&str>, account: Option<&str>) {
    push(out, dn);
    if let Some(dn) = dn {
        push(out, canonical_name(dn).as_deref());
        if let (Some(domain), Some(acct)) = (netbios_domain(dn), account) {
            push(out, Some(&format!("{domain}\\{acct}")));
        }
    }
}

fn push_addresses<'a>(out: &mut Vec<String>, addrs: impl Iterator<Item = &'a String>) {
    for a in addrs {
        push(out, Some(a));
        push(out, Some(proxy_address(a)));
    }
}

/// Every identity form of a mailbox, lowercased.
pub fn mailbox_keys(m: &Mailbox) -> Vec<String> {
    let mut out = vec![m.guid.to_string()];
    push(&mut out, Some(&m.name));
    push(&mut out, m.alias.as_deref());
    push(&mut out, m.display_name.as_deref());
    push(&mut out, m.primary_smtp_address.as_deref());
    push(&mut out, m.windows_email_address.as_deref());
    push(&mut out, m.user_principal_name.as_deref());
    push(&mut out, m.microsoft_online_services_id.as_deref());
    push(&mut out, m.legacy_exchange_dn.as_deref());
    push(&mut out, m.sam_account_name.as_deref());
    push_addresses(&mut out, m.email_addresses.iter().flatten());
    push_dn(
        &mut out,
        m.distinguished_name.as_deref(),
        m.sam_account_name.as_deref(),
    );
    out.sort();
    out.dedup();
    out
}

/// Every identity form of a mail contact, lowercased.
pub fn contact_keys(c: &MailContact) -> Vec<String> {
    let mut out = vec![c.guid.to_string()];
    push(&mut out, Some(&c.name));
    push(&mut out, c.alias.as_deref());
    push(&mut out, c.display_name.as_deref());
    push(&mut out, c.primary_smtp_address.as_deref());
    push(&mut out, c.windows_email_address.as_deref());
    push(&mut out, c.legacy_exchange_dn.as_deref());
    push_addresses(
        &mut out,
        std::iter::once(&c.external_email_address).chain(c.email_addresses.iter().flatten()),
    );
    push_dn(&mut out, c.distinguished_name.as_deref(), None);
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_is_to_lowercase() {
        for s in [
            "",
            "jo",
            "Jo",
            "JO@EXAMPLE.COM",
            "ÉLODIE",
            "straße",
            "İstanbul",
            "a1-_.b",
        ] {
            assert_eq!(lowercase(s), s.to_lowercase(), "{s}");
        }
    }

    #[test]
    fn canonical_names_and_domains() {
        assert_eq!(
            canonical_name("CN=Jo,OU=Users,DC=contoso,DC=com").as_deref(),
            Some("contoso.com/Users/Jo")
        );
        assert_eq!(
            canonical_name("cn=Doe\\, John,ou=people,dc=example,dc=com").as_deref(),
            Some("example.com/people/Doe\\, John")
        );
        assert_eq!(canonical_name("CN=x"), None);
        assert_eq!(
            netbios_domain("CN=Jo,DC=contoso,DC=com").as_deref(),
            Some("contoso")
        );
    }

    #[test]
    fn lookups_follow_changes_and_rebuild_when_lists_change_behind_it() {
        let mut cache = IndexCache::default();
        let mut contacts = vec![MailContact {
            guid: Uuid::from_u128(1),
            name: "P".into(),
            external_email_address: "SMTP:p@x.example".into(),
            ..MailContact::default()
        }];
        assert_eq!(
            cache.lookup(&[], &contacts, "P@X.example"),
            vec![(ObjectKind::MailContact, Uuid::from_u128(1))]
        );
        let old = contacts[0].clone();
        contacts[0].name = "Q".into();
        cache.contact_changed(&old, &contacts[0]);
        assert!(cache.lookup(&[], &contacts, "p").is_empty());
        assert_eq!(cache.lookup(&[], &contacts, "q").len(), 1);
        contacts.push(MailContact {
            guid: Uuid::from_u128(2),
            name: "R".into(),
            ..MailContact::default()
        });
        assert_eq!(cache.lookup(&[], &contacts, "r").len(), 1, "rebuilt");
        assert_eq!(
            cache.contact_position(&[], &contacts, Uuid::from_u128(2)),
            Some(1)
        );
    }
}
