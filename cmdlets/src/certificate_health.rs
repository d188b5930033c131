//! Test-SmimeCertificate and Get-SmimeCertificateReport: which published certificates will work, and why not, before apply.

use mailsec_state::cert::Cert;
use mailsec_state::health::{assess, strip, Finding, Recipient, Trust};
use mailsec_state::model::ObjectKind;
use time::OffsetDateTime;

use crate::context::{Bound, Context};
use crate::convert::{to_bytes, to_multi_bytes, to_string, to_u32, MultiEdit};
use crate::identity::{resolve, Candidate};
use crate::signature::{Destination, ParamSpec, ParamType as T, Signature};
use crate::value::{Object, Value};
use crate::{recipients, CmdletError};

fn query(s: Signature, name: &'static str, ty: T, help: &'static str) -> Signature {
    let mut s = s.property(name, ty, help);
    if let Some(p) = s.params.last_mut() {
        *p = ParamSpec {
            destination: Destination::Query,
            ..p.clone()
        };
    }
    s
}

fn common(s: Signature) -> Signature {
    let s = query(
        s,
        "At",
        T::String,
        "Validation time (RFC 3339, e.g. 2030-01-01T00:00:00Z); default MAILSEC_NOW, else now.",
    );
    query(
        s,
        "Crl",
        T::MultiBytes,
        "CRLs to check revocation against (DER bytes); nothing is fetched from the network.",
    )
}

pub fn test_signature() -> Signature {
    let s = Signature::new(
        "Test-SmimeCertificate",
        "Check a recipient's published certificates (or a given one) against the organization's issuing CAs and the S/MIME profile.",
    )
    .identity(
        "RecipientIdParameter",
        false,
        "A mailbox or mail contact: name, alias, email address, DN or GUID.",
    );
    let s = query(
        s,
        "Certificate",
        T::Bytes,
        "A certificate to test instead: its bytes, a path, or an X509Certificate2.",
    );
    let s = query(
        s,
        "EmailAddress",
        T::String,
        "With -Certificate: the address the certificate must name.",
    );
    let s = query(
        s,
        "Purpose",
        T::Enum("Purpose", &["Any", "Signing", "Encryption"]),
        "What it must be good for: Any (default), Signing or Encryption.",
    );
    common(s)
        .example(
            "Will others be able to encrypt to baptiste?",
            "Test-SmimeCertificate -Identity baptiste -Purpose Encryption",
        )
        .example(
            "Test a file before publishing it",
            "Test-SmimeCertificate -Certificate 'input/partner.cer' -EmailAddress baptiste@cravaterouge.com",
        )
}

pub fn report_signature() -> Signature {
    let s = Signature::new(
        "Get-SmimeCertificateReport",
        "Every recipient with its certificates, verdicts and days to expiry, and the recipients nobody can encrypt to.",
    );
    let s = query(
        s,
        "ExpiringWithinDays",
        T::UInt32,
        "Only certificates that expire within this many days (expired ones included).",
    );
    common(s)
        .example("The whole report", "Get-SmimeCertificateReport")
        .example(
            "What expires this quarter",
            "Get-SmimeCertificateReport -ExpiringWithinDays 90",
        )
}

fn at(args: &Bound) -> Result<OffsetDateTime, CmdletError> {
    match args.get("At") {
        Some(v) => {
            let s = to_string("At", v)?;
            OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339).map_err(
                |e| {
                    CmdletError::invalid(
                        "At",
                        format!("'{s}' is not an RFC 3339 time such as 2030-01-01T00:00:00Z: {e}"),
                    )
                },
            )
        }
        None => mailsec_state::clock::now().map_err(|e| CmdletError::Invalid {
            param: None,
            message: e.to_string(),
        }),
    }
}

fn crls(args: &Bound) -> Result<Vec<Vec<u8>>, CmdletError> {
    match args.get("Crl") {
        None => Ok(Vec::new()),
        Some(v) => match to_multi_bytes("Crl", v)? {
            MultiEdit::Replace(list) => Ok(list),
            MultiEdit::Edit { .. } => Err(CmdletError::invalid(
                "Crl",
                "-Crl takes CRLs, not an @{Add=..} edit.",
            )),
        },
    }
}

/// Every recipient Get-* can see (desired over backend), with what it publishes.
fn recipients(ctx: &Context) -> Vec<(Recipient, Candidate)> {
    let mut out = Vec::new();
    for (m, _) in recipients::all_mailboxes(ctx) {
        let mut addresses: Vec<String> = m.primary_smtp_address.iter().cloned().collect();
        addresses.extend(m.email_addresses.iter().flatten().map(|a| strip(a)));
        let published = published(&m.user_certificate, &m.user_smime_certificate);
        out.push((
            Recipient {
                kind: ObjectKind::Mailbox,
                guid: m.guid,
                name: m.name.clone(),
                addresses,
                published,
            },
            recipients::mailbox_candidate(&m),
        ));
    }
    for (c, _) in recipients::all_contacts(ctx) {
        let mut addresses = vec![strip(&c.external_email_address)];
        addresses.extend(c.primary_smtp_address.iter().cloned());
        addresses.extend(c.email_addresses.iter().flatten().map(|a| strip(a)));
        let published = published(&c.user_certificate, &c.user_smime_certificate);
        out.push((
            Recipient {
                kind: ObjectKind::MailContact,
                guid: c.guid,
                name: c.name.clone(),
                addresses,
                published,
            },
            recipients::contact_candidate(&c),
        ));
    }
    out
}

fn published(user: &Option<Vec<Cert>>, smime: &Option<Vec<Cert>>) -> Vec<(&'static str, Cert)> {
    let mut v: Vec<(&'static str, Cert)> = user
        .iter()
        .flatten()
        .map(|c| ("UserCertificate", c.clone()))
        .collect();
    v.extend(
        smime
            .iter()
            .flatten()
            .map(|c| ("UserSMimeCertificate", c.clone())),
    );
    v
}

fn row(
    type_name: &str,
    r: &Recipient,
    f: &Finding,
    extra: Vec<(String, Value)>,
    columns: Vec<&'static str>,
) -> Value {
    let s = |x: Option<String>| x.map(Value::String).unwrap_or(Value::Null);
    let mut props = vec![
        ("Recipient".to_string(), Value::String(r.name.clone())),
        (
            "RecipientType".to_string(),
            Value::String(r.kind.noun().to_string()),
        ),
        (
            "Attribute".to_string(),
            Value::String(f.attribute.to_string()),
        ),
        (
            "Subject".to_string(),
            s(f.info.as_ref().map(|i| i.subject.clone())),
        ),
        (
            "Thumbprint".to_string(),
            s(f.info.as_ref().map(|i| i.thumbprint.clone())),
        ),
        (
            "NotAfter".to_string(),
            s(f.info.as_ref().map(|i| i.not_after_text())),
        ),
        (
            "DaysToExpiry".to_string(),
            f.days_to_expiry.map(Value::Int).unwrap_or(Value::Null),
        ),
        ("Valid".to_string(), Value::Bool(f.valid)),
        ("CanEncrypt".to_string(), Value::Bool(f.can_encrypt)),
        ("CanSign".to_string(), Value::Bool(f.can_sign)),
        ("Problems".to_string(), Value::String(f.problems.join("; "))),
    ];
    props.extend(extra);
    Value::Object(Object {
        type_name: type_name.to_string(),
        props: props.into(),
        default_columns: columns,
    })
}

/// The certificate(s) of -Certificate: bytes, a path, or an X509Certificate2 object.
fn certificate_arg(v: &Value) -> Result<Cert, CmdletError> {
    let bytes = match v {
        Value::String(path) => std::fs::read(path).map_err(|e| {
            CmdletError::invalid("Certificate", format!("Cannot read '{path}': {e}"))
        })?,
        Value::Object(o) if o.get("RawData").is_some() => o.with("RawData", |v| {
            to_bytes("Certificate", v.unwrap_or(&Value::Null))
        })?,
        other => to_bytes("Certificate", other)?,
    };
    Ok(Cert::from_bytes(bytes))
}

pub fn test(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let at = at(args)?;
    let crls = crls(args)?;
    let trust = Trust::effective(ctx.state, ctx.live);
    let purpose = args
        .get("Purpose")
        .map(|v| to_string("Purpose", v))
        .transpose()?
        .unwrap_or_else(|| "Any".into());
    let selected: Vec<Recipient> = match (args.get("Identity"), args.get("Certificate")) {
        (Some(_), Some(_)) => {
            return Err(CmdletError::Invalid {
                param: Some("Certificate".into()),
                message: "Give -Identity or -Certificate, not both.".into(),
            })
        }
        (None, None) => {
            return Err(CmdletError::Invalid {
                param: None,
                message: "Give -Identity (a recipient) or -Certificate (a certificate to test)."
                    .into(),
            })
        }
        (Some(v), None) => {
            let id = to_string("Identity", v)?;
            let all = recipients(ctx);
            let cands: Vec<Candidate> = all.iter().map(|(_, c)| c.clone()).collect();
            let guid = resolve(&id, &cands, &ctx.location)?.guid;
            all.into_iter()
                .filter(|(r, _)| r.guid == guid)
                .map(|(r, _)| r)
                .collect()
        }
        (None, Some(v)) => vec![Recipient {
            kind: ObjectKind::MailContact,
            guid: mailsec_state::Uuid::nil(),
            name: "(certificate)".into(),
            addresses: args
                .get("EmailAddress")
                .map(|a| to_string("EmailAddress", a))
                .transpose()?
                .map(|a| strip(&a))
                .into_iter()
                .collect(),
            published: vec![("Certificate", certificate_arg(v)?)],
        }],
    };
    let mut out = Vec::new();
    for r in &selected {
        let findings = assess(r, &trust, &crls, at);
        if findings.is_empty() {
            ctx.warn(format!(
                "{} '{}' publishes no certificate: nobody can send it encrypted mail.",
                r.kind.noun(),
                r.name
            ));
        }
        for f in findings {
            let ok = match purpose.as_str() {
                "Signing" => f.can_sign,
                "Encryption" => f.can_encrypt,
                _ => f.valid,
            };
            out.push(row(
                "SmimeCertificateTest",
                r,
                &f,
                vec![
                    ("Passed".into(), Value::Bool(ok)),
                    ("Purpose".into(), Value::String(purpose.clone())),
                ],
                vec![
                    "Recipient",
                    "Subject",
                    "NotAfter",
                    "Passed",
                    "CanEncrypt",
                    "CanSign",
                    "Problems",
                ],
            ));
        }
    }
    Ok(out)
}

pub fn report(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let at = at(args)?;
    let crls = crls(args)?;
    let within = args
        .get("ExpiringWithinDays")
        .map(|v| to_u32("ExpiringWithinDays", v))
        .transpose()?;
    let trust = Trust::effective(ctx.state, ctx.live);
    let columns = vec![
        "Recipient",
        "RecipientType",
        "Subject",
        "DaysToExpiry",
        "Valid",
        "CanEncrypt",
        "RecipientEncryptable",
    ];
    let mut out = Vec::new();
    for (r, _) in recipients(ctx) {
        let findings = assess(&r, &trust, &crls, at);
        let encryptable = findings.iter().any(|f| f.can_encrypt);
        let flag = || vec![("RecipientEncryptable".to_string(), Value::Bool(encryptable))];
        if findings.is_empty() && within.is_none() {
            let none = Finding {
                attribute: "",
                info: None,
                days_to_expiry: None,
                valid: false,
                can_encrypt: false,
                can_sign: false,
                problems: vec!["publishes no certificate".into()],
            };
            out.push(row(
                "SmimeCertificateReport",
                &r,
                &none,
                flag(),
                columns.clone(),
            ));
        }
        for f in findings {
            if let Some(n) = within {
                if f.days_to_expiry.is_none_or(|d| d > i64::from(n)) {
                    continue;
                }
            }
            out.push(row(
                "SmimeCertificateReport",
                &r,
                &f,
                flag(),
                columns.clone(),
            ));
        }
    }
    Ok(out)
}
