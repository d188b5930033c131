//! Get-Mailbox and Set-Mailbox: mailboxes live in the directory; mailsec manages their published S/MIME certificates.

use mailsec_state::model::{Mailbox, ObjectKind, ObjectRef};
use mailsec_state::ops::CertAttribute;

use crate::context::{Bound, Context};
use crate::convert::to_string;
use crate::identity::{resolve, Candidate};
use crate::objects::{object_of, source};
use crate::recipient_certs;
use crate::signature::{ConfirmImpact, Signature};
use crate::value::Value;
use crate::CmdletError;

const COLUMNS: &[&str] = &[
    "Name",
    "Alias",
    "PrimarySmtpAddress",
    "UserCertificate",
    "UserSMimeCertificate",
];

pub fn get_signature() -> Signature {
    Signature::new(
        "Get-Mailbox",
        "Show mailboxes: the directory's, with the certificates the desired state publishes.",
    )
    .identity(
        false,
        "Name, alias, email address, DN or GUID. Omit it to list every mailbox.",
    )
    .example("Show one mailbox", "Get-Mailbox -Identity baptiste")
    .example("List all mailboxes", "Get-Mailbox")
}

pub fn set_signature() -> Signature {
    recipient_certs::add_params(
        Signature::new("Set-Mailbox", "Publish or clear a mailbox's S/MIME certificates.")
            .identity(true, "The mailbox: name, alias, email address, DN or GUID."),
    )
    .should_process(ConfirmImpact::Medium)
    .example(
        "Publish a user's certificate",
        "Set-Mailbox -Identity baptiste -UserCertificate ([System.IO.File]::ReadAllBytes('baptiste.cer'))",
    )
    .example("Remove every published certificate", "Set-Mailbox baptiste -UserCertificate $null")
}

/// Each mailbox as Get-Mailbox shows it (live object, desired certificates over it), with whether it is managed.
pub(crate) fn view(ctx: &Context) -> Vec<(Mailbox, bool)> {
    let mut out: Vec<(Mailbox, bool)> = ctx
        .live
        .mailboxes
        .iter()
        .map(|live| {
            let mut m = live.clone();
            let desired = ctx.state.mailboxes.iter().find(|d| d.guid == live.guid);
            if let Some(d) = desired {
                if d.user_certificate.is_some() {
                    m.user_certificate = d.user_certificate.clone();
                }
                if d.user_smime_certificate.is_some() {
                    m.user_smime_certificate = d.user_smime_certificate.clone();
                }
            }
            (m, desired.is_some())
        })
        .collect();
    for d in &ctx.state.mailboxes {
        if !out.iter().any(|(m, _)| m.guid == d.guid) {
            out.push((d.clone(), true));
        }
    }
    out
}

pub(crate) fn candidate(m: &Mailbox) -> Candidate {
    let mut c = Candidate {
        alias: m.alias.clone(),
        dn: m.distinguished_name.clone(),
        ..Candidate::new(m.guid, &m.name)
    }
    .address(m.primary_smtp_address.as_deref())
    .address(m.user_principal_name.as_deref());
    for a in m.email_addresses.iter().flatten() {
        c = c.address(Some(a));
    }
    c
}

pub fn get(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let all = view(ctx);
    let selected: Vec<&(Mailbox, bool)> = match args.get("Identity") {
        None | Some(Value::Null) => all.iter().collect(),
        Some(v) => {
            let id = to_string("Identity", v)?;
            let cands: Vec<Candidate> = all.iter().map(|(m, _)| candidate(m)).collect();
            let hit = resolve(&id, &cands, &ctx.location)?;
            all.iter().filter(|(m, _)| m.guid == hit.guid).collect()
        }
    };
    Ok(selected
        .into_iter()
        .map(|(m, managed)| {
            object_of(
                "Mailbox",
                m,
                vec![
                    (
                        "RecipientTypeDetails".into(),
                        Value::String("UserMailbox".into()),
                    ),
                    source(*managed),
                ],
                COLUMNS.to_vec(),
            )
        })
        .collect())
}

pub fn set(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let id = to_string("Identity", args.get("Identity").unwrap_or(&Value::Null))?;
    let all = view(ctx);
    let cands: Vec<Candidate> = all.iter().map(|(m, _)| candidate(m)).collect();
    let hit = resolve(&id, &cands, &ctx.location)?.clone();
    let Some((mailbox, _)) = all.into_iter().find(|(m, _)| m.guid == hit.guid) else {
        return Err(CmdletError::NotFound {
            identity: id,
            location: ctx.location.clone(),
        });
    };
    let target = ObjectRef {
        kind: ObjectKind::Mailbox,
        guid: mailbox.guid,
        name: mailbox.name.clone(),
    };
    let changed = recipient_certs::apply(args, ctx, &target, |attr| {
        match attr {
            CertAttribute::UserCertificate => mailbox.user_certificate.clone(),
            CertAttribute::UserSMimeCertificate => mailbox.user_smime_certificate.clone(),
        }
        .unwrap_or_default()
    })?;
    if !changed && !ctx.what_if {
        ctx.warn_unchanged(&mailbox.name);
    }
    Ok(Vec::new())
}
