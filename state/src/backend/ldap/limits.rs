//! Active Directory's limits on the certificate attributes that bite in hybrid deployments, as plan
//! warnings: more than 15 values are not synced to Exchange Online, and a value over 32,768 bytes is
//! refused by the directory itself.

use crate::cert::Cert;
use crate::model::DesiredState;

/// Microsoft Entra Connect's "In from AD – User Common" rule sets userCertificate and
/// userSMIMECertificate to AuthoritativeNull when they hold more than this many values: Exchange
/// Online then sees none of them.
pub const MAX_SYNCED_VALUES: usize = 15;
/// rangeUpper of userCertificate and userSMIMECertificate in the AD schema (Samba refuses a longer
/// value with "Invalid syntax (21) ... contains at least one invalid value").
pub const MAX_VALUE_BYTES: usize = 32_768;

/// One warning per certificate attribute of a mailbox or contact in `desired` that breaks a limit.
pub fn warnings(desired: &DesiredState) -> Vec<String> {
    let mut out = Vec::new();
    for m in &desired.mailboxes {
        let what = format!("Mailbox '{}'", m.name);
        check(
            &mut out,
            &what,
            "UserCertificate",
            "userCertificate",
            &m.user_certificate,
        );
        check(
            &mut out,
            &what,
            "UserSMimeCertificate",
            "userSMIMECertificate",
            &m.user_smime_certificate,
        );
    }
    for c in &desired.mail_contacts {
        let what = format!("MailContact '{}'", c.name);
        check(
            &mut out,
            &what,
            "UserCertificate",
            "userCertificate",
            &c.user_certificate,
        );
        check(
            &mut out,
            &what,
            "UserSMimeCertificate",
            "userSMIMECertificate",
            &c.user_smime_certificate,
        );
    }
    out
}

fn check(
    out: &mut Vec<String>,
    what: &str,
    property: &str,
    attribute: &str,
    values: &Option<Vec<Cert>>,
) {
    let Some(values) = values else { return };
    if values.len() > MAX_SYNCED_VALUES {
        out.push(format!(
            "{what} publishes {} {property} values: Microsoft Entra Connect does not sync {attribute} \
             with more than {MAX_SYNCED_VALUES} values, so Exchange Online would see none of them \
             (hybrid deployments); remove expired or superseded certificates",
            values.len()
        ));
    }
    for (i, v) in values.iter().enumerate() {
        let len = v.bytes().len();
        if len > MAX_VALUE_BYTES {
            out.push(format!(
                "{what} {property} value {} is {len} bytes: Active Directory refuses values over \
                 {MAX_VALUE_BYTES} bytes on {attribute}, so apply will fail",
                i + 1
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MailContact, Mailbox};

    fn certs(n: usize, len: usize) -> Option<Vec<Cert>> {
        Some(
            (0..n)
                .map(|i| {
                    let mut b = vec![0x30u8; len];
                    b[0] = i as u8;
                    Cert::from_bytes(b)
                })
                .collect(),
        )
    }

    #[test]
    fn at_the_limits_nothing_past_them_a_warning_each() {
        let mut d = DesiredState::default();
        d.mailboxes.push(Mailbox {
            name: "ok".into(),
            user_certificate: certs(MAX_SYNCED_VALUES, MAX_VALUE_BYTES),
            ..Mailbox::default()
        });
        d.mailboxes.push(Mailbox {
            name: "many".into(),
            user_certificate: certs(MAX_SYNCED_VALUES + 1, 100),
            ..Mailbox::default()
        });
        d.mail_contacts.push(MailContact {
            name: "big".into(),
            user_smime_certificate: certs(2, MAX_VALUE_BYTES + 1),
            ..MailContact::default()
        });
        let w = warnings(&d);
        assert_eq!(w.len(), 3, "{w:#?}");
        assert!(w[0].starts_with("Mailbox 'many' publishes 16 UserCertificate values"));
        assert!(w[0].contains("more than 15 values"));
        assert!(w[1].starts_with("MailContact 'big' UserSMimeCertificate value 1 is 32769 bytes"));
        assert!(w[2].starts_with("MailContact 'big' UserSMimeCertificate value 2 is 32769 bytes"));
    }
}
