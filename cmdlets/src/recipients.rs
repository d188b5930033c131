//! Recipients as the cmdlets see them: the backends' mailboxes and contacts with the desired state over them,
//! found through the lookup indexes (identity resolution and uniqueness checks stay O(1) per command).

use std::collections::BTreeSet;

use mailsec_state::model::index::proxy_address;
use mailsec_state::model::{MailContact, Mailbox, ObjectKind};
use mailsec_state::Uuid;

use crate::context::Context;
use crate::identity::{is_dn, resolve_kind, Candidate};
use crate::CmdletError;

fn removed(ctx: &Context, guid: Uuid) -> bool {
    ctx.state.removals.iter().any(|r| r.guid == guid)
}

/// The mailbox as Get-Mailbox shows it (live, with the desired attributes over it) and whether the desired
/// state manages it.
pub fn mailbox(ctx: &Context, guid: Uuid) -> Option<(Mailbox, bool)> {
    let (s, l) = (&*ctx.state, ctx.live);
    let desired = s
        .index
        .mailbox_position(&s.mailboxes, &s.mail_contacts, guid)
        .map(|i| &s.mailboxes[i]);
    let live = l
        .index
        .mailbox_position(&l.mailboxes, &l.mail_contacts, guid)
        .map(|i| &l.mailboxes[i]);
    match (live, desired) {
        (Some(l), Some(d)) => Some((l.overlay(d), true)),
        (Some(l), None) => Some((l.clone(), false)),
        (None, Some(d)) => Some((d.clone(), true)),
        (None, None) => None,
    }
}

/// The contact: the desired one (managed), else the backend's (read-only) unless it was removed.
pub fn contact(ctx: &Context, guid: Uuid) -> Option<(MailContact, bool)> {
    contact_ref(ctx, guid).map(|(c, managed)| (c.clone(), managed))
}

/// [`contact`], borrowed: identity resolution only reads it.
fn contact_ref<'c>(ctx: &'c Context, guid: Uuid) -> Option<(&'c MailContact, bool)> {
    let (s, l) = (&*ctx.state, ctx.live);
    if let Some(i) = s
        .index
        .contact_position(&s.mailboxes, &s.mail_contacts, guid)
    {
        return Some((&s.mail_contacts[i], true));
    }
    if removed(ctx, guid) {
        return None;
    }
    l.index
        .contact_position(&l.mailboxes, &l.mail_contacts, guid)
        .map(|i| (&l.mail_contacts[i], false))
}

/// Every mailbox, in backend order, then mailboxes only the desired state has.
pub fn all_mailboxes(ctx: &Context) -> Vec<(Mailbox, bool)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for l in &ctx.live.mailboxes {
        if seen.insert(l.guid) {
            out.extend(mailbox(ctx, l.guid));
        }
    }
    for d in &ctx.state.mailboxes {
        if seen.insert(d.guid) {
            out.push((d.clone(), true));
        }
    }
    out
}

/// Every contact: the desired state's, then those only a backend has (read-only).
pub fn all_contacts(ctx: &Context) -> Vec<(MailContact, bool)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for c in &ctx.state.mail_contacts {
        seen.insert(c.guid);
        out.push((c.clone(), true));
    }
    for l in &ctx.live.mail_contacts {
        if !removed(ctx, l.guid) && seen.insert(l.guid) {
            out.push((l.clone(), false));
        }
    }
    out
}

pub fn mailbox_candidate(m: &Mailbox) -> Candidate {
    let mut c = Candidate {
        alias: m.alias.clone(),
        display_name: m.display_name.clone(),
        dn: m.distinguished_name.clone(),
        legacy_dn: m.legacy_exchange_dn.clone(),
        account: m.sam_account_name.clone(),
        ..Candidate::new(m.guid, &m.name)
    }
    .of_kind(ObjectKind::Mailbox)
    .address(m.primary_smtp_address.as_deref())
    .address(m.windows_email_address.as_deref())
    .address(m.user_principal_name.as_deref())
    .address(m.microsoft_online_services_id.as_deref());
    for a in m.email_addresses.iter().flatten() {
        c = c.address(Some(a));
    }
    c
}

pub fn contact_candidate(c: &MailContact) -> Candidate {
    let mut cand = Candidate {
        alias: c.alias.clone(),
        display_name: c.display_name.clone(),
        dn: c.distinguished_name.clone(),
        legacy_dn: c.legacy_exchange_dn.clone(),
        ..Candidate::new(c.guid, &c.name)
    }
    .of_kind(ObjectKind::MailContact)
    .address(Some(&c.external_email_address))
    .address(c.primary_smtp_address.as_deref())
    .address(c.windows_email_address.as_deref());
    for a in c.email_addresses.iter().flatten() {
        cand = cand.address(Some(a));
    }
    cand
}

/// The recipients (either index) that carry `key`.
fn keyed(ctx: &Context, key: &str) -> BTreeSet<(ObjectKind, Uuid)> {
    let (s, l) = (&*ctx.state, ctx.live);
    let mut out = BTreeSet::new();
    out.extend(s.index.lookup(&s.mailboxes, &s.mail_contacts, key));
    out.extend(l.index.lookup(&l.mailboxes, &l.mail_contacts, key));
    out
}

fn candidate(ctx: &Context, kind: ObjectKind, guid: Uuid) -> Option<Candidate> {
    match kind {
        ObjectKind::Mailbox => mailbox(ctx, guid).map(|(m, _)| mailbox_candidate(&m)),
        ObjectKind::MailContact => contact_ref(ctx, guid).map(|(c, _)| contact_candidate(c)),
        _ => None,
    }
}

/// The candidates an identity could name: through the indexes, or every recipient for a `*` wildcard.
fn candidates_for(ctx: &Context, id: &str) -> Vec<Candidate> {
    let id = id.trim();
    if id.starts_with('*') || id.ends_with('*') {
        let mut out: Vec<Candidate> = all_mailboxes(ctx)
            .iter()
            .map(|(m, _)| mailbox_candidate(m))
            .collect();
        out.extend(all_contacts(ctx).iter().map(|(c, _)| contact_candidate(c)));
        return out;
    }
    let mut keys = keyed(ctx, id);
    keys.extend(keyed(ctx, proxy_address(id)));
    if let Ok(g) = Uuid::parse_str(id) {
        keys.extend(keyed(ctx, &g.to_string()));
    }
    keys.into_iter()
        .filter_map(|(k, g)| candidate(ctx, k, g))
        .collect()
}

/// Resolve a recipient identity among the `allowed` kinds (cmdlets.md 0.1).
pub fn resolve(
    ctx: &Context,
    identity: &str,
    allowed: &[ObjectKind],
    ignore_default_scope: bool,
) -> Result<(ObjectKind, Uuid), CmdletError> {
    if ignore_default_scope && !is_dn(identity) {
        return Err(CmdletError::invalid(
            "Identity",
            format!("With -IgnoreDefaultScope the Identity must be a distinguished name (DN); \"{identity}\" isn't one."),
        ));
    }
    let cands = candidates_for(ctx, identity);
    let hit = resolve_kind(identity, &cands, allowed, &ctx.location)?;
    Ok((hit.kind, hit.guid))
}

/// The recipient other than `except` whose Name is `name` (case-insensitive).
pub fn name_owner(
    ctx: &Context,
    name: &str,
    except: Option<Uuid>,
) -> Option<(ObjectKind, String, Uuid)> {
    keyed(ctx, name)
        .into_iter()
        .filter(|(_, g)| Some(*g) != except)
        .filter_map(|(k, g)| candidate(ctx, k, g))
        .find(|c| c.name.eq_ignore_ascii_case(name.trim()))
        .map(|c| (c.kind, c.name, c.guid))
}

/// The recipient other than `except` whose Alias is `alias`.
pub fn alias_owner(
    ctx: &Context,
    alias: &str,
    except: Option<Uuid>,
) -> Option<(ObjectKind, String, Uuid)> {
    keyed(ctx, alias)
        .into_iter()
        .filter(|(_, g)| Some(*g) != except)
        .filter_map(|(k, g)| candidate(ctx, k, g))
        .find(|c| {
            c.alias
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(alias.trim()))
        })
        .map(|c| (c.kind, c.name, c.guid))
}

/// The recipient other than `except` that already uses `address` (an SMTP address or another proxy).
pub fn address_owner(
    ctx: &Context,
    address: &str,
    except: Option<Uuid>,
) -> Option<(ObjectKind, String, Uuid)> {
    let bare = proxy_address(address);
    let smtp = address
        .split_once(':')
        .is_none_or(|(p, _)| p.eq_ignore_ascii_case("smtp"));
    keyed(ctx, bare)
        .into_iter()
        .filter(|(_, g)| Some(*g) != except)
        .filter_map(|(k, g)| candidate(ctx, k, g))
        .find(|c| {
            if smtp {
                c.addresses.iter().any(|a| a.eq_ignore_ascii_case(bare))
            } else {
                c.proxies.iter().any(|p| p.eq_ignore_ascii_case(address))
            }
        })
        .map(|c| (c.kind, c.name, c.guid))
}

/// Exchange's error for an address another recipient already uses.
pub fn address_in_use(param: &str, address: &str, owner: &str) -> CmdletError {
    let shown = match address.split_once(':') {
        Some((p, rest)) if p.eq_ignore_ascii_case("smtp") => format!("SMTP:{rest}"),
        Some(_) => address.to_string(),
        None => format!("SMTP:{address}"),
    };
    CmdletError::invalid(
        param,
        format!(
            "The proxy address \"{shown}\" is already being used by the proxy addresses or LegacyExchangeDN of \"{owner}\". Please choose another proxy address."
        ),
    )
}
