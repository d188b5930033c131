//! -UserCertificate and -UserSMimeCertificate, shared by Set-Mailbox and Set-MailContact: replace, clear or edit a recipient's published certificates.

use mailsec_state::cert::Cert;
use mailsec_state::model::ObjectRef;
use mailsec_state::ops::{CertAttribute, Operation};

use crate::context::{Bound, Context};
use crate::convert::to_multi_bytes;
use crate::signature::{ParamType, Signature};
use crate::CmdletError;

pub fn add_params(s: Signature) -> Signature {
    s.property(
        "UserCertificate",
        ParamType::MultiBytes,
        "DER X.509 certificates published on userCertificate (byte arrays). A list replaces, $null clears, @{Add=..;Remove=..} edits.",
    )
    .property(
        "UserSMimeCertificate",
        ParamType::MultiBytes,
        "S/MIME certificates or PKCS#7 blobs published on userSMIMECertificate. A list replaces, $null clears, @{Add=..;Remove=..} edits.",
    )
}

/// The new certificate lists the bound arguments ask for (checked before any operation is made);
/// `current` gives a list's present value.
pub fn prepare(
    args: &Bound,
    current: impl Fn(CertAttribute) -> Vec<Cert>,
) -> Result<Vec<(CertAttribute, Vec<Cert>)>, CmdletError> {
    let mut out = Vec::new();
    for attribute in [
        CertAttribute::UserCertificate,
        CertAttribute::UserSMimeCertificate,
    ] {
        let Some(v) = args.get(attribute.property()) else {
            continue;
        };
        let edit = to_multi_bytes(attribute.property(), v)?;
        let existing = current(attribute);
        let now: Vec<Vec<u8>> = existing.iter().map(|c| c.bytes().to_vec()).collect();
        let next = edit.resolve(&now, |a, b| a == b);
        // Certificates already published are kept as they are; only new bytes are read.
        let certs = next
            .into_iter()
            .map(
                |b| match existing.iter().find(|c| c.bytes() == b.as_slice()) {
                    Some(c) => c.clone(),
                    None => Cert::from_bytes(b),
                },
            )
            .collect();
        out.push((attribute, certs));
    }
    Ok(out)
}

/// Submit the prepared certificate lists; returns whether anything changed.
pub fn submit(
    ctx: &mut Context,
    recipient: &ObjectRef,
    lists: Vec<(CertAttribute, Vec<Cert>)>,
) -> Result<bool, CmdletError> {
    let mut changed = false;
    for (attribute, certificates) in lists {
        changed |= ctx.submit(Operation::SetRecipientCertificates {
            recipient: recipient.clone(),
            attribute,
            certificates,
        })?;
    }
    Ok(changed)
}

/// The end of Set-Mailbox / Set-MailContact: the property changes (if any), then the certificate
/// lists, then Exchange's "no settings … have been modified" warning when nothing changed.
pub fn finish_set(
    ctx: &mut Context,
    target: &ObjectRef,
    property_changes: Option<Operation>,
    lists: Vec<(CertAttribute, Vec<Cert>)>,
) -> Result<(), CmdletError> {
    let mut changed = false;
    if let Some(op) = property_changes {
        changed |= ctx.submit(op)?;
    }
    changed |= submit(ctx, target, lists)?;
    if !changed && !ctx.what_if {
        ctx.warn_unchanged(&target.name);
    }
    Ok(())
}
