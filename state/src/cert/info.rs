//! Decoded facts about one X.509 certificate (thumbprint, subject, issuer, validity) read with x509-cert.

use der::{Decode, DecodePem, Encode};
use sha1::{Digest, Sha1};
use time::OffsetDateTime;
use x509_cert::Certificate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// SHA-1 of the DER, upper-case hex: what Exchange and Windows call the thumbprint.
    pub thumbprint: String,
    pub subject: String,
    pub issuer: String,
    pub serial_number: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

#[derive(Debug, thiserror::Error)]
pub enum InfoError {
    #[error("not an X.509 certificate: {0}")]
    Decode(String),
}

/// Parse DER, or a PEM `CERTIFICATE` block, into a certificate and its DER bytes.
pub(crate) fn parse_x509(bytes: &[u8]) -> Result<(Certificate, Vec<u8>), InfoError> {
    if bytes.starts_with(b"-----BEGIN CERTIFICATE-----")
        || bytes.starts_with(b"-----BEGIN X509 CERTIFICATE-----")
    {
        let cert = Certificate::from_pem(bytes).map_err(|e| InfoError::Decode(e.to_string()))?;
        let der = cert
            .to_der()
            .map_err(|e| InfoError::Decode(e.to_string()))?;
        return Ok((cert, der));
    }
    let cert = Certificate::from_der(bytes).map_err(|e| InfoError::Decode(e.to_string()))?;
    Ok((cert, bytes.to_vec()))
}

impl CertInfo {
    pub fn from_bytes(bytes: &[u8]) -> Result<CertInfo, InfoError> {
        let (cert, der) = parse_x509(bytes)?;
        Ok(Self::build(&cert, &der))
    }

    pub fn from_der(der: &[u8]) -> Result<CertInfo, InfoError> {
        let cert = Certificate::from_der(der).map_err(|e| InfoError::Decode(e.to_string()))?;
        Ok(Self::build(&cert, der))
    }

    /// The facts of `cert`, already read from `der` (what [`CertInfo::from_der`] gives, without
    /// reading it again).
    pub(crate) fn build(cert: &Certificate, der: &[u8]) -> CertInfo {
        let tbs = &cert.tbs_certificate;
        let to_time = |t: &x509_cert::time::Time| {
            OffsetDateTime::from_unix_timestamp(t.to_unix_duration().as_secs() as i64)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        };
        CertInfo {
            thumbprint: hex::encode_upper(Sha1::digest(der)),
            subject: name_text(&tbs.subject),
            issuer: name_text(&tbs.issuer),
            serial_number: hex::encode_upper(tbs.serial_number.as_bytes()),
            not_before: to_time(&tbs.validity.not_before),
            not_after: to_time(&tbs.validity.not_after),
        }
    }

    pub fn not_before_text(&self) -> String {
        rfc3339(self.not_before)
    }

    pub fn not_after_text(&self) -> String {
        rfc3339(self.not_after)
    }

    pub fn summary(&self) -> String {
        format!(
            "{} (thumbprint {}, expires {})",
            self.subject,
            self.thumbprint,
            self.not_after_text()
        )
    }
}

pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// The RFC 4514 text of a name exactly as x509-cert's `Display` writes it (`name.to_string()`), with
/// each attribute type's name looked up once per thread: x509-cert scans const-oid's whole name
/// database for every attribute of every name, which was most of the cost of a plan's certificate
/// checks (two names per certificate, 100,000 certificates).
pub(crate) fn name_text(name: &x509_cert::name::Name) -> String {
    let mut out = String::with_capacity(64);
    for (i, rdn) in name.0.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, atv) in rdn.0.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            push_attribute(&mut out, atv);
        }
    }
    out
}

fn push_attribute(out: &mut String, atv: &x509_cert::attr::AttributeTypeAndValue) {
    use der::asn1::{Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
    use der::{Tag, Tagged};
    let val = match atv.value.tag() {
        Tag::PrintableString => PrintableStringRef::try_from(&atv.value)
            .ok()
            .map(|s| s.as_str()),
        Tag::Utf8String => Utf8StringRef::try_from(&atv.value).ok().map(|s| s.as_str()),
        Tag::Ia5String => Ia5StringRef::try_from(&atv.value).ok().map(|s| s.as_str()),
        Tag::TeletexString => TeletexStringRef::try_from(&atv.value)
            .ok()
            .map(|s| s.as_str()),
        _ => None,
    };
    let key = val.and_then(|_| attribute_key(&atv.oid));
    let (Some(key), Some(val)) = (key, val) else {
        // The `#<hex of the DER>` form: rare, left to x509-cert.
        use std::fmt::Write;
        let _ = write!(out, "{atv}");
        return;
    };
    out.push_str(&key);
    out.push('=');
    let mut chars = val.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || chars.peek().is_none() => out.push_str("\\ "),
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\x00'..='\x1f' | '\x7f' => {
                use std::fmt::Write;
                let _ = write!(out, "\\{:02x}", c as u8);
            }
            _ => out.push(c),
        }
    }
}

/// At most this many attribute types are remembered per thread.
const KNOWN_MAX: usize = 64;

/// The upper-cased shortest name const-oid knows for `oid` (as x509-cert picks it: the first of the
/// shortest), remembered per thread.
fn attribute_key(oid: &der::oid::ObjectIdentifier) -> Option<std::rc::Rc<str>> {
    type Known = Vec<(der::oid::ObjectIdentifier, Option<std::rc::Rc<str>>)>;
    thread_local! {
        static KNOWN: std::cell::RefCell<Known> = const { std::cell::RefCell::new(Vec::new()) };
    }
    KNOWN.with(|known| {
        if let Some((_, key)) = known.borrow().iter().find(|(o, _)| o == oid) {
            return key.clone();
        }
        let mut best: Option<&str> = None;
        for name in der::oid::db::DB.find_names_for_oid(*oid) {
            if best.is_none_or(|b| name.len() < b.len()) {
                best = Some(name);
            }
        }
        let key: Option<std::rc::Rc<str>> = best.map(|b| b.to_ascii_uppercase().into());
        let mut known = known.borrow_mut();
        // Names use a few attribute types; certificates full of odd ones are not remembered.
        if known.len() < KNOWN_MAX {
            known.push((*oid, key.clone()));
        }
        key
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::asn1::{Any, SetOfVec};
    use der::oid::ObjectIdentifier;
    use der::Tag;
    use proptest::prelude::*;
    use x509_cert::attr::AttributeTypeAndValue;
    use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

    fn atv(oid: &str, tag: Tag, value: &str) -> AttributeTypeAndValue {
        AttributeTypeAndValue {
            oid: ObjectIdentifier::new_unwrap(oid),
            value: Any::new(tag, value.as_bytes()).expect("a value"),
        }
    }

    fn name(rdns: Vec<Vec<AttributeTypeAndValue>>) -> Name {
        RdnSequence(
            rdns.into_iter()
                .map(|set| RelativeDistinguishedName(SetOfVec::try_from(set).expect("a set")))
                .collect(),
        )
    }

    const OIDS: &[&str] = &[
        "2.5.4.3",                    // CN
        "2.5.4.6",                    // C
        "2.5.4.10",                   // O
        "2.5.4.11",                   // OU
        "1.2.840.113549.1.9.1",       // emailAddress (several names)
        "0.9.2342.19200300.100.1.25", // DC
        "1.3.6.1.4.1.99999.7",        // not in the database
    ];
    const TAGS: &[Tag] = &[
        Tag::Utf8String,
        Tag::PrintableString,
        Tag::Ia5String,
        Tag::TeletexString,
        Tag::OctetString,
    ];

    #[test]
    fn names_read_as_x509_cert_writes_them() {
        let n = name(vec![
            vec![atv("2.5.4.6", Tag::PrintableString, "FR")],
            vec![
                atv("2.5.4.10", Tag::Utf8String, "#Acme, \"Inc\"; <x>+y "),
                atv("2.5.4.11", Tag::Utf8String, " caf\u{e9}\u{1}\u{7f}"),
            ],
            vec![atv(
                "1.2.840.113549.1.9.1",
                Tag::Ia5String,
                "jo@example.org",
            )],
            vec![atv("1.3.6.1.4.1.99999.7", Tag::Utf8String, "unknown")],
            vec![atv("2.5.4.3", Tag::OctetString, "raw")],
        ]);
        assert_eq!(name_text(&n), n.to_string());
        assert!(name_text(&n).starts_with("2.5.4.3=#"), "{}", name_text(&n));
        assert_eq!(name_text(&name(vec![])), "");
    }

    proptest! {
        #[test]
        fn any_name_reads_as_x509_cert_writes_it(
            rdns in prop::collection::vec(
                prop::collection::vec(
                    (0..OIDS.len(), 0..TAGS.len(), "[ -~\u{0}-\u{1f}\u{7f}é#,+\\\"]{0,12}"),
                    1..3,
                ),
                0..4,
            )
        ) {
            let rdns: Vec<Vec<AttributeTypeAndValue>> = rdns
                .into_iter()
                .map(|set| {
                    let mut seen = std::collections::HashSet::new();
                    set.into_iter()
                        .filter(|(o, _, _)| seen.insert(*o))
                        .map(|(o, t, v)| atv(OIDS[o], TAGS[t], &v))
                        .collect()
                })
                .collect();
            let n = name(rdns);
            prop_assert_eq!(name_text(&n), n.to_string());
        }
    }
}
