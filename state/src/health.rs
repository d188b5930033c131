//! Certificate health: which published certificates will work, judged against the organization's issuing CAs (used by plan, Test-SmimeCertificate and the report).

use der::Decode;
use sha1::{Digest, Sha1};
use time::OffsetDateTime;
use uuid::Uuid;
use x509_cert::ext::pkix::BasicConstraints;
use x509_cert::Certificate;

use crate::backend::LiveState;
use crate::cert::{name_text, read_collection, read_collection_decoded, Cert, CertInfo};
use crate::model::{DesiredState, ObjectKind};
use crate::validate::{Validator, Verdict};

const BASIC_CONSTRAINTS: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("2.5.29.19");

/// The organization's trust: the certificates of SMIMECertificateIssuingCA, split into anchors and intermediates.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    pub anchors: Vec<Vec<u8>>,
    pub intermediates: Vec<Vec<u8>>,
    /// Why the trust is empty or partial, in words.
    pub problems: Vec<String>,
}

impl Trust {
    /// Self-issued certificates of the collection are the anchors and the others intermediates;
    /// a collection with no self-issued certificate trusts every certificate in it (as Exchange
    /// trusts its whole "virtual certificate collection").
    pub fn from_issuing_ca(ca: Option<&Cert>) -> Trust {
        let Some(ca) = ca else {
            return Trust {
                problems: vec!["no SMIMECertificateIssuingCA is published, so no certificate can chain to a trusted CA (Set-SmimeConfig -SMIMECertificateIssuingCA)".into()],
                ..Trust::default()
            };
        };
        let ders = match read_collection(ca.bytes()) {
            Ok(d) => d,
            Err(e) => {
                return Trust {
                    problems: vec![format!("SMIMECertificateIssuingCA cannot be read: {e}")],
                    ..Trust::default()
                }
            }
        };
        let (anchors, intermediates): (Vec<_>, Vec<_>) =
            ders.into_iter().partition(|d| self_issued(d));
        if anchors.is_empty() {
            Trust {
                anchors: intermediates,
                intermediates: Vec::new(),
                problems: Vec::new(),
            }
        } else {
            Trust {
                anchors,
                intermediates,
                problems: Vec::new(),
            }
        }
    }

    /// The effective issuing CAs: the desired state's value over the backend's.
    pub fn effective(desired: &DesiredState, live: &LiveState) -> Trust {
        let desired_ca = desired
            .smime_config
            .as_ref()
            .and_then(|c| c.SMIMECertificateIssuingCA.clone());
        let ca = match desired_ca {
            Some(v) => v,
            None => live
                .smime_config
                .as_ref()
                .and_then(|c| c.SMIMECertificateIssuingCA.clone())
                .flatten(),
        };
        Trust::from_issuing_ca(ca.as_ref())
    }
}

fn self_issued(der: &[u8]) -> bool {
    Certificate::from_der(der).is_ok_and(|c| c.tbs_certificate.subject == c.tbs_certificate.issuer)
}

fn is_ca(der: &[u8]) -> bool {
    Certificate::from_der(der).is_ok_and(|c| is_ca_parsed(&c))
}

fn is_ca_parsed(c: &Certificate) -> bool {
    c.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .filter(|e| e.extn_id == BASIC_CONSTRAINTS)
        .any(|e| BasicConstraints::from_der(e.extn_value.as_bytes()).is_ok_and(|b| b.ca))
}

/// A recipient and what it publishes.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub kind: ObjectKind,
    pub guid: Uuid,
    pub name: String,
    /// Addresses without prefixes, for the certificate's e-mail address check.
    pub addresses: Vec<String>,
    /// (attribute name, value) for every published certificate value.
    pub published: Vec<(&'static str, Cert)>,
}

/// The judgement of one published certificate.
#[derive(Debug, Clone)]
pub struct Finding {
    pub attribute: &'static str,
    /// None when the value is not a certificate at all.
    pub info: Option<CertInfo>,
    pub days_to_expiry: Option<i64>,
    /// Valid for some S/MIME use (signing or encryption).
    pub valid: bool,
    pub can_encrypt: bool,
    pub can_sign: bool,
    /// Why it does not work, in words (empty when valid for both uses).
    pub problems: Vec<String>,
}

/// Judge every certificate a recipient publishes. A PKCS#7 value's CA certificates serve as intermediates.
pub fn assess(
    recipient: &Recipient,
    trust: &Trust,
    crls: &[Vec<u8>],
    at: OffsetDateTime,
) -> Vec<Finding> {
    judge(recipient, trust, crls, at)
        .into_iter()
        .map(|j| {
            let info = j.cert.as_ref().map(|c| CertInfo::build(c, &j.der));
            Finding {
                attribute: j.attribute,
                days_to_expiry: info.as_ref().map(|i| (i.not_after - at).whole_days()),
                info,
                valid: j.valid,
                can_encrypt: j.can_encrypt,
                can_sign: j.can_sign,
                problems: j.problems,
            }
        })
        .collect()
}

/// A [`Finding`] before the certificate's facts are written out: the decoded certificate and its DER,
/// so a caller that shows only some facts of some findings (the plan's warnings) computes only those.
struct Judged {
    attribute: &'static str,
    /// The value's DER (empty when the value is not a certificate at all).
    der: Vec<u8>,
    /// `None` when the value is not a certificate, or does not decode.
    cert: Option<Certificate>,
    valid: bool,
    can_encrypt: bool,
    can_sign: bool,
    problems: Vec<String>,
}

/// [`assess`] without writing out each certificate's facts.
fn judge(
    recipient: &Recipient,
    trust: &Trust,
    crls: &[Vec<u8>],
    at: OffsetDateTime,
) -> Vec<Judged> {
    let mut intermediates = trust.intermediates.clone();
    // Each certificate is read once here and its reading used for every check below.
    let mut end_entities: Vec<(&'static str, Vec<u8>, Option<Certificate>)> = Vec::new();
    let mut findings = Vec::new();
    for (attr, value) in &recipient.published {
        match read_collection_decoded(value.bytes()) {
            Ok(read) => {
                // A value's CA certificates are intermediates, unless it holds nothing else: then what
                // was published is meant to be the recipient's own and is judged as such.
                let (cas, people): (Vec<_>, Vec<_>) = read
                    .into_iter()
                    .partition(|(_, c)| c.as_ref().is_some_and(is_ca_parsed));
                if people.is_empty() {
                    end_entities.extend(cas.into_iter().map(|(d, c)| (*attr, d, c)));
                } else {
                    intermediates.extend(cas.into_iter().map(|(d, _)| d));
                    end_entities.extend(people.into_iter().map(|(d, c)| (*attr, d, c)));
                }
            }
            Err(e) => findings.push(Judged {
                attribute: attr,
                der: Vec::new(),
                cert: None,
                valid: false,
                can_encrypt: false,
                can_sign: false,
                problems: vec![format!("the published value is not a certificate: {e}")],
            }),
        }
    }
    let validator = Validator::new(&trust.anchors, &intermediates, crls);
    for (attr, der, cert) in end_entities {
        let (enc, sig) = validator.validate_encryption_and_signing_parsed(
            &der,
            cert.as_ref(),
            at,
            &recipient.addresses,
        );
        let mut problems: Vec<String> = trust.problems.clone();
        let mut add = |v: &Verdict, label: &str| {
            for p in v.problems() {
                let line = format!("{label}{p}");
                if !problems.contains(&line) && !problems.iter().any(|q| q.ends_with(&p)) {
                    problems.push(line);
                }
            }
        };
        if !(enc.is_valid() || sig.is_valid()) {
            add(&enc, "");
            add(&sig, "");
        } else if !enc.is_valid() {
            add(&enc, "not for encryption: ");
        } else if !sig.is_valid() {
            add(&sig, "not for signing: ");
        }
        findings.push(Judged {
            attribute: attr,
            der,
            cert,
            valid: enc.is_valid() || sig.is_valid(),
            can_encrypt: enc.is_valid(),
            can_sign: sig.is_valid(),
            problems,
        });
    }
    findings
}

/// The recipients whose certificates the desired state manages, with their effective addresses.
pub fn managed_recipients(desired: &DesiredState, live: &LiveState) -> Vec<Recipient> {
    let mut out = Vec::new();
    let live_by_guid: std::collections::HashMap<uuid::Uuid, &crate::model::Mailbox> =
        live.mailboxes.iter().map(|l| (l.guid, l)).collect();
    for m in &desired.mailboxes {
        let l = live_by_guid.get(&m.guid).copied();
        let mut addresses: Vec<String> = Vec::new();
        if let Some(l) = l {
            addresses.extend(l.primary_smtp_address.iter().cloned());
            addresses.extend(l.email_addresses.iter().flatten().map(|a| strip(a)));
        }
        let mut published = Vec::new();
        for c in m.user_certificate.iter().flatten() {
            published.push(("UserCertificate", c.clone()));
        }
        for c in m.user_smime_certificate.iter().flatten() {
            published.push(("UserSMimeCertificate", c.clone()));
        }
        out.push(Recipient {
            kind: ObjectKind::Mailbox,
            guid: m.guid,
            name: m.name.clone(),
            addresses,
            published,
        });
    }
    for c in &desired.mail_contacts {
        let mut addresses = vec![strip(&c.external_email_address)];
        addresses.extend(c.primary_smtp_address.iter().cloned());
        addresses.extend(c.email_addresses.iter().flatten().map(|a| strip(a)));
        let mut published = Vec::new();
        for x in c.user_certificate.iter().flatten() {
            published.push(("UserCertificate", x.clone()));
        }
        for x in c.user_smime_certificate.iter().flatten() {
            published.push(("UserSMimeCertificate", x.clone()));
        }
        out.push(Recipient {
            kind: ObjectKind::MailContact,
            guid: c.guid,
            name: c.name.clone(),
            addresses,
            published,
        });
    }
    out
}

/// An address without its `smtp:` prefix.
pub fn strip(a: &str) -> String {
    match a.split_once(':') {
        Some((p, rest)) if p.eq_ignore_ascii_case("smtp") => rest.to_string(),
        _ => a.to_string(),
    }
}

/// Plan warnings: every certificate the desired state publishes that will not work, in words.
pub fn plan_warnings(desired: &DesiredState, live: &LiveState, at: OffsetDateTime) -> Vec<String> {
    let recipients = managed_recipients(desired, live);
    if recipients.iter().all(|r| r.published.is_empty()) {
        return Vec::new();
    }
    let trust = Trust::effective(desired, live);
    // Each recipient is judged on its own: split them across the cores (a plan may hold 100,000
    // certificates), keeping the order of the warnings.
    crate::parallel::map_chunks(&recipients, |part| warnings_for(part, &trust, at))
        .into_iter()
        .flatten()
        .collect()
}

fn warnings_for(recipients: &[Recipient], trust: &Trust, at: OffsetDateTime) -> Vec<String> {
    let mut out = Vec::new();
    for r in recipients {
        for f in judge(r, trust, &[], at) {
            if f.valid && f.can_encrypt {
                continue;
            }
            // The subject and thumbprint of CertInfo, and nothing else of it.
            let what = f
                .cert
                .as_ref()
                .map(|c| {
                    format!(
                        "{} (thumbprint {})",
                        name_text(&c.tbs_certificate.subject),
                        hex::encode_upper(Sha1::digest(&f.der))
                    )
                })
                .unwrap_or_else(|| "a value".into());
            let verdict = if f.valid {
                "can't be used to encrypt to it"
            } else {
                "will not work"
            };
            out.push(format!(
                "{} '{}' publishes {what} on {} that {verdict}: {}",
                r.kind.noun(),
                r.name,
                f.attribute,
                f.problems.join("; ")
            ));
        }
    }
    out
}

/// Used by the report: the DER of a certificate value's end entities (for callers that need raw bytes).
pub fn end_entities(value: &Cert) -> Vec<Vec<u8>> {
    read_collection(value.bytes())
        .map(|ds| ds.into_iter().filter(|d| !is_ca(d)).collect())
        .unwrap_or_default()
}
