//! New-, Set-, Get- and Remove-MailContact: external recipients (e.g. a partner) and their published S/MIME certificates.

use mailsec_state::model::{MailContact, ObjectKind, ObjectRef};
use mailsec_state::ops::{CertAttribute, OpError, Operation};
use mailsec_state::Uuid;
use serde_json::Value as Json;

use crate::context::{Bound, Context};
use crate::convert::{property_json, to_string};
use crate::identity::{resolve, Candidate};
use crate::objects::{object_of, source};
use crate::recipient_certs;
use crate::signature::{ConfirmImpact, Destination, ParamType as T, Signature};
use crate::value::Value;
use crate::CmdletError;

const COLUMNS: &[&str] = &[
    "Name",
    "Alias",
    "ExternalEmailAddress",
    "UserCertificate",
    "ManagedBy",
];

fn common(s: Signature) -> Signature {
    s.property(
        "Alias",
        T::String,
        "Mail nickname (max 64). Derived from Name when omitted.",
    )
    .property(
        "DisplayName",
        T::String,
        "Name shown in address lists (max 256). Defaults to Name.",
    )
    .property("FirstName", T::String, "Given name.")
    .property("LastName", T::String, "Surname.")
}

pub fn new_signature() -> Signature {
    common(
        Signature::new(
            "New-MailContact",
            "Create a mail contact for an external address.",
        )
        .required(
            "Name",
            T::String,
            Some(0),
            "Unique name of the contact (max 64).",
        )
        .required(
            "ExternalEmailAddress",
            T::String,
            None,
            "Where mail to the contact goes, e.g. partner@example.com.",
        ),
    )
    .should_process(ConfirmImpact::Medium)
    .example(
        "A partner who sends encrypted mail",
        "New-MailContact -Name CravateRouge_SMIME -ExternalEmailAddress baptiste@cravaterouge.com",
    )
}

pub fn set_signature() -> Signature {
    recipient_certs::add_params(
        common(
            Signature::new("Set-MailContact", "Change a mail contact, e.g. publish its S/MIME certificate.")
                .identity(true, "The contact: name, alias, email address, DN or GUID."),
        )
        .property("Name", T::String, "Rename the contact (its Guid stays).")
        .property("ExternalEmailAddress", T::String, "Where mail to the contact goes.")
        .property("EmailAddresses", T::MultiString, "Proxy addresses (SMTP: primary, smtp: secondary).")
        .property("HiddenFromAddressListsEnabled", T::Bool, "Hide the contact from address lists."),
    )
    .should_process(ConfirmImpact::Medium)
    .example(
        "Publish a partner's certificate",
        "Set-MailContact -Identity CravateRouge_SMIME -UserCertificate ([System.IO.File]::ReadAllBytes('partner.cer'))",
    )
}

pub fn get_signature() -> Signature {
    Signature::new(
        "Get-MailContact",
        "Show mail contacts: the desired state's, and read-only ones only the directory has.",
    )
    .identity(
        false,
        "Name, alias, email address, DN or GUID. Omit it to list every contact.",
    )
    .example(
        "Show one contact",
        "Get-MailContact -Identity CravateRouge_SMIME",
    )
}

pub fn remove_signature() -> Signature {
    Signature::new(
        "Remove-MailContact",
        "Remove a mail contact; apply deletes it from the directory.",
    )
    .identity(true, "The contact: name, alias, email address, DN or GUID.")
    .should_process(ConfirmImpact::High)
    .example(
        "Remove a contact without a prompt",
        "Remove-MailContact -Identity CravateRouge_SMIME -Confirm:$false",
    )
}

/// Desired contacts (managed) and contacts only the directory has (read-only); removed ones are gone.
pub(crate) fn view(ctx: &Context) -> Vec<(MailContact, bool)> {
    let removed = |g: &Uuid| ctx.state.removals.iter().any(|r| r.guid == *g);
    let mut out: Vec<(MailContact, bool)> = ctx
        .state
        .mail_contacts
        .iter()
        .map(|c| (c.clone(), true))
        .collect();
    for l in &ctx.live.mail_contacts {
        if !removed(&l.guid) && !out.iter().any(|(c, _)| c.guid == l.guid) {
            out.push((l.clone(), false));
        }
    }
    out
}

pub(crate) fn candidate(c: &MailContact) -> Candidate {
    let mut cand = Candidate {
        alias: c.alias.clone(),
        dn: c.distinguished_name.clone(),
        ..Candidate::new(c.guid, &c.name)
    }
    .address(Some(&c.external_email_address))
    .address(c.primary_smtp_address.as_deref());
    for a in c.email_addresses.iter().flatten() {
        cand = cand.address(Some(a));
    }
    cand
}

fn find(args: &Bound, ctx: &Context) -> Result<(MailContact, bool), CmdletError> {
    let id = to_string("Identity", args.get("Identity").unwrap_or(&Value::Null))?;
    let all = view(ctx);
    let cands: Vec<Candidate> = all.iter().map(|(c, _)| candidate(c)).collect();
    let guid = resolve(&id, &cands, &ctx.location)?.guid;
    all.into_iter()
        .find(|(c, _)| c.guid == guid)
        .ok_or(CmdletError::NotFound {
            identity: id,
            location: ctx.location.clone(),
        })
}

fn read_only(c: &MailContact) -> CmdletError {
    CmdletError::ReadOnly {
        what: format!("MailContact '{}'", c.name),
        hint: "It was not created through mailsec, so mailsec does not own it.".into(),
    }
}

/// `user@domain` (an optional `smtp:` prefix allowed) → the bare address, or a clear error.
fn smtp_address(param: &str, raw: &str) -> Result<String, CmdletError> {
    let addr = match raw.split_once(':') {
        Some((p, rest)) if p.eq_ignore_ascii_case("smtp") => rest,
        _ => raw,
    }
    .trim();
    let ok = addr.split_once('@').is_some_and(|(l, d)| {
        !l.is_empty()
            && d.contains('.')
            && !d.starts_with('.')
            && !d.ends_with('.')
            && !d.contains('@')
    }) && !addr.chars().any(|c| c.is_whitespace());
    if ok {
        Ok(addr.to_string())
    } else {
        Err(CmdletError::invalid(
            param,
            format!("\"{raw}\" isn't a valid SMTP address. Give an address such as partner@example.com."),
        ))
    }
}

/// Exchange derives an alias from the name: spaces dropped, unsupported characters become '?'.
fn alias_from(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| {
            if c.is_ascii_alphanumeric() || "!#%*+-/=?^_~.".contains(c) {
                c
            } else {
                '?'
            }
        })
        .take(64)
        .collect()
}

/// The recipient (other than `except`) already using `addr`, if any.
fn address_owner(ctx: &Context, addr: &str, except: Option<Uuid>) -> Option<String> {
    let cands = ctx
        .live
        .mailboxes
        .iter()
        .map(|m| {
            (
                m.guid,
                m.name.clone(),
                m.primary_smtp_address.clone(),
                m.email_addresses.clone(),
            )
        })
        .chain(view(ctx).into_iter().map(|(c, _)| {
            (
                c.guid,
                c.name.clone(),
                Some(c.external_email_address.clone()),
                c.email_addresses.clone(),
            )
        }));
    for (guid, name, primary, others) in cands {
        if Some(guid) == except {
            continue;
        }
        let uses = primary.iter().chain(others.iter().flatten()).any(|a| {
            let a = a.split_once(':').map(|(_, r)| r).unwrap_or(a);
            a.eq_ignore_ascii_case(addr)
        });
        if uses {
            return Some(name);
        }
    }
    None
}

fn in_use(addr: &str, owner: &str) -> CmdletError {
    CmdletError::invalid(
        "ExternalEmailAddress",
        format!(
            "The proxy address \"SMTP:{addr}\" is already being used by the proxy addresses or LegacyExchangeDN of \"{owner}\". Please choose another proxy address."
        ),
    )
}

fn output(c: &MailContact, managed: bool) -> Value {
    object_of(
        "MailContact",
        c,
        vec![
            (
                "RecipientTypeDetails".into(),
                Value::String("MailContact".into()),
            ),
            source(managed),
        ],
        COLUMNS.to_vec(),
    )
}

pub fn new(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let name = to_string("Name", args.get("Name").unwrap_or(&Value::Null))?;
    if name.trim().is_empty() || name.chars().count() > 64 {
        return Err(CmdletError::invalid(
            "Name",
            "Name must be 1 to 64 characters.",
        ));
    }
    if let Some((existing, _)) = view(ctx)
        .into_iter()
        .find(|(c, _)| c.name.eq_ignore_ascii_case(&name))
    {
        return Err(OpError::AlreadyExists {
            kind: "MailContact",
            name: existing.name,
        }
        .into());
    }
    let raw = to_string(
        "ExternalEmailAddress",
        args.get("ExternalEmailAddress").unwrap_or(&Value::Null),
    )?;
    let addr = smtp_address("ExternalEmailAddress", &raw)?;
    if let Some(owner) = address_owner(ctx, &addr, None) {
        return Err(in_use(&addr, &owner));
    }
    let text = |p: &str| args.get(p).map(|v| to_string(p, v)).transpose();
    let contact = MailContact {
        guid: Uuid::new_v4(),
        name: name.clone(),
        external_email_address: format!("SMTP:{addr}"),
        alias: Some(text("Alias")?.unwrap_or_else(|| alias_from(&name))),
        display_name: Some(text("DisplayName")?.unwrap_or_else(|| name.clone())),
        first_name: text("FirstName")?,
        last_name: text("LastName")?,
        primary_smtp_address: Some(addr.clone()),
        email_addresses: Some(vec![format!("SMTP:{addr}")]),
        hidden_from_address_lists_enabled: Some(false),
        ..MailContact::default()
    };
    ctx.submit(Operation::NewMailContact {
        contact: contact.clone(),
    })?;
    Ok(if ctx.what_if {
        Vec::new()
    } else {
        vec![output(&contact, true)]
    })
}

pub fn set(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let (contact, managed) = find(args, ctx)?;
    if !managed {
        return Err(read_only(&contact));
    }
    let target = ObjectRef {
        kind: ObjectKind::MailContact,
        guid: contact.guid,
        name: contact.name.clone(),
    };
    let current = serde_json::to_value(&contact).unwrap_or(Json::Null);
    let sig = set_signature();
    let mut changes = Vec::new();
    for (pname, value) in &args.values {
        let Some(spec) = sig.param(pname) else {
            continue;
        };
        let Destination::Property(prop) = spec.destination else {
            continue;
        };
        if matches!(spec.ty, T::MultiBytes) {
            continue;
        }
        let mut v = property_json(spec, value, current.get(prop))?;
        if prop == "ExternalEmailAddress" {
            let addr = smtp_address(prop, v.as_str().unwrap_or_default())?;
            if let Some(owner) = address_owner(ctx, &addr, Some(contact.guid)) {
                return Err(in_use(&addr, &owner));
            }
            v = Json::String(format!("SMTP:{addr}"));
        }
        if prop == "Name" && v.as_str().is_none_or(|n| n.trim().is_empty()) {
            return Err(CmdletError::invalid("Name", "Name can't be empty."));
        }
        changes.push((prop.to_string(), v));
    }
    let mut changed = false;
    if !changes.is_empty() {
        changed |= ctx.submit(Operation::SetMailContact {
            target: target.clone(),
            changes,
        })?;
    }
    let latest = ctx
        .state
        .mail_contacts
        .iter()
        .find(|c| c.guid == contact.guid)
        .cloned()
        .unwrap_or(contact);
    changed |= recipient_certs::apply(args, ctx, &target, |attr| {
        match attr {
            CertAttribute::UserCertificate => latest.user_certificate.clone(),
            CertAttribute::UserSMimeCertificate => latest.user_smime_certificate.clone(),
        }
        .unwrap_or_default()
    })?;
    if !changed && !ctx.what_if {
        ctx.warn_unchanged(&latest.name);
    }
    Ok(Vec::new())
}

pub fn get(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    match args.get("Identity") {
        None | Some(Value::Null) => Ok(view(ctx).iter().map(|(c, m)| output(c, *m)).collect()),
        Some(_) => {
            let (c, managed) = find(args, ctx)?;
            Ok(vec![output(&c, managed)])
        }
    }
}

pub fn remove(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let (contact, managed) = find(args, ctx)?;
    if !managed {
        return Err(read_only(&contact));
    }
    ctx.submit(Operation::Remove {
        target: ObjectRef {
            kind: ObjectKind::MailContact,
            guid: contact.guid,
            name: contact.name,
        },
    })?;
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        assert_eq!(smtp_address("P", "SMTP:a@b.com").unwrap(), "a@b.com");
        assert!(smtp_address("P", "not an address").is_err());
        assert!(smtp_address("P", "a@b").is_err());
    }

    #[test]
    fn alias_is_derived_like_exchange() {
        assert_eq!(alias_from("Cravate Rouge SMIME"), "CravateRougeSMIME");
        assert_eq!(alias_from("a&b"), "a?b");
    }
}
