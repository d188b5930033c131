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

/// Submit the certificate operations the bound arguments ask for; `current` gives a list's present value.
/// Returns whether anything changed.
pub fn apply(
    args: &Bound,
    ctx: &mut Context,
    recipient: &ObjectRef,
    current: impl Fn(CertAttribute) -> Vec<Cert>,
) -> Result<bool, CmdletError> {
    let mut changed = false;
    for attribute in [
        CertAttribute::UserCertificate,
        CertAttribute::UserSMimeCertificate,
    ] {
        let Some(v) = args.get(attribute.property()) else {
            continue;
        };
        let edit = to_multi_bytes(attribute.property(), v)?;
        let now: Vec<Vec<u8>> = current(attribute)
            .iter()
            .map(|c| c.bytes().to_vec())
            .collect();
        let next = edit.resolve(&now, |a, b| a == b);
        let certificates = next.into_iter().map(Cert::from_bytes).collect();
        changed |= ctx.submit(Operation::SetRecipientCertificates {
            recipient: recipient.clone(),
            attribute,
            certificates,
        })?;
    }
    Ok(changed)
}
