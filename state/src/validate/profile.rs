//! Layer 2: the S/MIME profile of the end-entity certificate (RFC 8550/8551): extended key usage, key usage for the purpose, and an e-mail address matching the recipient.
//!
//! Choices, and why:
//! - **Extended key usage.** The end entity must *have* the extension and it must list
//!   e-mail protection (1.3.6.1.5.5.7.3.4) — the rule, stricter than RFC 8550 §4.4.4, which
//!   also accepts a certificate without the extension. anyExtendedKeyUsage (2.5.29.37.0) is
//!   accepted too, because RFC 8550 §4.4.4 says receiving agents MUST accept either OID. (openssl's
//!   smimesign/smimeencrypt purposes do not accept anyExtendedKeyUsage alone.)
//! - **Key usage.** An absent keyUsage extension allows every use (RFC 5280 §4.2.1.3 practice).
//!   Signing needs digitalSignature or nonRepudiation (RFC 8550 §4.4.2 accepts either; openssl's
//!   smimesign does too). Encryption depends on the key: RSA keys are used for key transport and
//!   need keyEncipherment; EC, X25519, X448 and DH keys are used for key agreement and need
//!   keyAgreement (RFC 8551 §2.2, RFC 8418). Signature-only keys (Ed25519, Ed448, DSA, RSA-PSS)
//!   cannot receive encrypted mail at all. [`Purpose::Any`] passes when either purpose passes.
//! - **E-mail address.** Taken from rfc822Name and SmtpUTF8Mailbox (RFC 9598) entries of the
//!   subject alternative name and from the legacy PKCS #9 emailAddress attribute of the subject
//!   (RFC 8550 §3 tells receiving agents to recognise both). Compared with the recipient's
//!   addresses **case-insensitively in full**, local part included, after dropping an Exchange
//!   `SMTP:`/`smtp:` prefix. RFC 5280 §7.5 treats the local part as case-sensitive, but Exchange
//!   and practically every mail system resolve local parts case-insensitively (RFC 5321 §2.4 says
//!   exploiting local-part case sensitivity impedes interoperability), and admins and CAs write
//!   addresses in whatever case they like (`Baptiste@Contoso.example`); a strict comparison would
//!   only produce false alarms.
//!   Internationalised domains are compared as written (no U-label/A-label conversion). When no
//!   recipient address is given, the check passes and says it did not compare.

use der::asn1::{BitString, Ia5StringRef, ObjectIdentifier, PrintableStringRef, Utf8StringRef};
use der::{Any, Decode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{ExtendedKeyUsage, SubjectAltName};
use x509_cert::Certificate;

use super::report::ProfileCheck;
use super::words::{eku_words, OID_ANY_EKU, OID_EMAIL_PROTECTION};
use super::Purpose;

const OID_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const OID_EKU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const OID_SAN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const OID_EMAIL_ADDRESS_ATTR: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");
const OID_SMTP_UTF8_MAILBOX: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.8.9");

pub(crate) const CHECK_READABLE: &str = "certificate readable";
pub(crate) const CHECK_EKU: &str = "extended key usage";
pub(crate) const CHECK_KU: &str = "key usage";
pub(crate) const CHECK_ADDRESS: &str = "e-mail address";

/// The kind of public key, as far as S/MIME cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    RsaPss,
    Ec,
    X25519,
    X448,
    Ed25519,
    Ed448,
    Dsa,
    Dh,
    Unknown,
}

impl KeyKind {
    fn from_oid(oid: &ObjectIdentifier) -> Self {
        match oid.to_string().as_str() {
            "1.2.840.113549.1.1.1" => KeyKind::Rsa,
            "1.2.840.113549.1.1.10" => KeyKind::RsaPss,
            "1.2.840.10045.2.1" => KeyKind::Ec,
            "1.3.101.110" => KeyKind::X25519,
            "1.3.101.111" => KeyKind::X448,
            "1.3.101.112" => KeyKind::Ed25519,
            "1.3.101.113" => KeyKind::Ed448,
            "1.2.840.10040.4.1" => KeyKind::Dsa,
            "1.2.840.10046.2.1" => KeyKind::Dh,
            _ => KeyKind::Unknown,
        }
    }

    fn words(self) -> &'static str {
        match self {
            KeyKind::Rsa => "RSA",
            KeyKind::RsaPss => "RSA-PSS",
            KeyKind::Ec => "elliptic-curve (EC)",
            KeyKind::X25519 => "X25519",
            KeyKind::X448 => "X448",
            KeyKind::Ed25519 => "Ed25519",
            KeyKind::Ed448 => "Ed448",
            KeyKind::Dsa => "DSA",
            KeyKind::Dh => "Diffie-Hellman",
            KeyKind::Unknown => "unknown",
        }
    }

    /// "a"/"an" + the key's name, as said aloud ("an RSA key", "an X25519 key", "a DSA key").
    fn with_article(self) -> String {
        let w = self.words();
        let an = w.starts_with(['A', 'E', 'I', 'O', 'U', 'R', 'X', 'e', 'u']);
        format!("{} {w}", if an { "an" } else { "a" })
    }

    fn can_sign(self) -> bool {
        !matches!(self, KeyKind::X25519 | KeyKind::X448 | KeyKind::Dh)
    }
}

/// keyUsage bits (RFC 5280 §4.2.1.3), by bit number.
#[derive(Debug, Clone, Copy)]
struct KeyUsageBits(u16);

impl KeyUsageBits {
    const NAMES: [&'static str; 9] = [
        "digitalSignature",
        "nonRepudiation",
        "keyEncipherment",
        "dataEncipherment",
        "keyAgreement",
        "keyCertSign",
        "cRLSign",
        "encipherOnly",
        "decipherOnly",
    ];

    fn from_der(value: &[u8]) -> Option<Self> {
        let bits = BitString::from_der(value).ok()?;
        let mut out = 0u16;
        for (i, byte) in bits.raw_bytes().iter().take(2).enumerate() {
            for b in 0..8 {
                if byte & (0x80 >> b) != 0 {
                    out |= 1 << (i * 8 + b);
                }
            }
        }
        Some(KeyUsageBits(out))
    }

    fn has(self, bit: usize) -> bool {
        self.0 & (1 << bit) != 0
    }

    fn words(self) -> String {
        let set: Vec<&str> = Self::NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.has(*i))
            .map(|(_, n)| *n)
            .collect();
        if set.is_empty() {
            "no usage at all".to_string()
        } else {
            set.join(", ")
        }
    }
}

const KU_DIGITAL_SIGNATURE: usize = 0;
const KU_NON_REPUDIATION: usize = 1;
const KU_KEY_ENCIPHERMENT: usize = 2;
const KU_KEY_AGREEMENT: usize = 4;

/// The profile checks of layer 2 for `der`, in a fixed order.
pub(crate) fn check(der: &[u8], addresses: &[String], purpose: Purpose) -> Vec<ProfileCheck> {
    check_each(der, addresses, &[purpose])
        .pop()
        .unwrap_or_default()
}

/// [`check`] for each of `purposes`, reading the certificate once: only the key usage check
/// depends on the purpose (a plan judges every certificate for encryption and for signing).
pub(crate) fn check_each(
    der: &[u8],
    addresses: &[String],
    purposes: &[Purpose],
) -> Vec<Vec<ProfileCheck>> {
    match Certificate::from_der(der) {
        Ok(cert) => check_parsed(&cert, addresses, purposes),
        Err(e) => {
            let unreadable = ProfileCheck {
                name: CHECK_READABLE,
                passed: false,
                detail: format!("the certificate could not be read as DER X.509: {e}"),
            };
            purposes.iter().map(|_| vec![unreadable.clone()]).collect()
        }
    }
}

/// [`check_each`] on a certificate already read from its DER.
pub(crate) fn check_parsed(
    cert: &Certificate,
    addresses: &[String],
    purposes: &[Purpose],
) -> Vec<Vec<ProfileCheck>> {
    let tbs = &cert.tbs_certificate;
    let extensions = tbs.extensions.as_deref().unwrap_or(&[]);
    let ext = |oid: ObjectIdentifier| {
        extensions
            .iter()
            .find(|e| e.extn_id == oid)
            .map(|e| e.extn_value.as_bytes())
    };
    let key = KeyKind::from_oid(&tbs.subject_public_key_info.algorithm.oid);

    let mut names = Vec::new();
    let mut name_problem = None;
    if let Some(san) = ext(OID_SAN) {
        match SubjectAltName::from_der(san) {
            Ok(san) => names.extend(san.0.iter().filter_map(san_email)),
            Err(e) => {
                name_problem = Some(format!("its subject alternative name is malformed ({e})"))
            }
        }
    }
    for rdn in tbs.subject.0.iter() {
        for atv in rdn.0.iter() {
            if atv.oid == OID_EMAIL_ADDRESS_ATTR {
                if let Some(s) = any_string(&atv.value) {
                    names.push(s);
                }
            }
        }
    }

    let eku = eku_check(ext(OID_EKU));
    let address = address_check(&names, name_problem, addresses);
    purposes
        .iter()
        .map(|&purpose| {
            vec![
                eku.clone(),
                ku_check(ext(OID_KEY_USAGE), key, purpose),
                address.clone(),
            ]
        })
        .collect()
}

fn san_email(name: &GeneralName) -> Option<String> {
    match name {
        GeneralName::Rfc822Name(s) => Some(s.to_string()),
        GeneralName::OtherName(other) if other.type_id == OID_SMTP_UTF8_MAILBOX => {
            any_string(&other.value)
        }
        _ => None,
    }
}

fn any_string(value: &Any) -> Option<String> {
    if let Ok(s) = value.decode_as::<Ia5StringRef<'_>>() {
        return Some(s.to_string());
    }
    if let Ok(s) = value.decode_as::<Utf8StringRef<'_>>() {
        return Some(s.to_string());
    }
    if let Ok(s) = value.decode_as::<PrintableStringRef<'_>>() {
        return Some(s.to_string());
    }
    None
}

fn eku_check(value: Option<&[u8]>) -> ProfileCheck {
    let (passed, detail) = match value.map(ExtendedKeyUsage::from_der) {
        None => (
            false,
            "the certificate has no extended key usage extension; an S/MIME certificate must \
             list e-mail protection (1.3.6.1.5.5.7.3.4)"
                .to_string(),
        ),
        Some(Err(e)) => (
            false,
            format!("the certificate's extended key usage extension is malformed ({e})"),
        ),
        Some(Ok(eku)) if eku.0.contains(&OID_EMAIL_PROTECTION) => {
            (true, "lists e-mail protection".to_string())
        }
        Some(Ok(eku)) if eku.0.contains(&OID_ANY_EKU) => (
            true,
            "lists 'any purpose' (anyExtendedKeyUsage), which RFC 8550 accepts for S/MIME"
                .to_string(),
        ),
        Some(Ok(eku)) => {
            let list = if eku.0.is_empty() {
                "no purpose at all".to_string()
            } else {
                eku.0
                    .iter()
                    .map(|o| eku_words(&o.to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            (
                false,
                format!(
                    "the certificate is not for e-mail: its extended key usage allows only {list}"
                ),
            )
        }
    };
    ProfileCheck {
        name: CHECK_EKU,
        passed,
        detail,
    }
}

/// Whether the key and key usage allow signing: Ok(words) or Err(words).
fn can_sign(ku: Option<KeyUsageBits>, key: KeyKind) -> Result<String, String> {
    if !key.can_sign() {
        return Err(format!(
            "its {} key can only be used for key agreement, not for signing",
            key.words()
        ));
    }
    match ku {
        None => Ok("signing is allowed (no key usage extension: every use is allowed)".into()),
        Some(b) if b.has(KU_DIGITAL_SIGNATURE) || b.has(KU_NON_REPUDIATION) => {
            Ok(format!("signing is allowed ({})", b.words()))
        }
        Some(b) => Err(format!(
            "its key usage ({}) does not allow signing, which needs digitalSignature (or \
             nonRepudiation)",
            b.words()
        )),
    }
}

/// Whether the key and key usage allow receiving encrypted mail.
fn can_encrypt(ku: Option<KeyUsageBits>, key: KeyKind) -> Result<String, String> {
    let (bit, bit_name, how) = match key {
        KeyKind::Rsa => (
            Some(KU_KEY_ENCIPHERMENT),
            "keyEncipherment",
            "RSA key transport",
        ),
        KeyKind::Ec | KeyKind::X25519 | KeyKind::X448 | KeyKind::Dh => {
            (Some(KU_KEY_AGREEMENT), "keyAgreement", "key agreement")
        }
        KeyKind::Ed25519 | KeyKind::Ed448 | KeyKind::Dsa | KeyKind::RsaPss => {
            return Err(format!(
                "its {} key can only sign; it cannot be used to encrypt mail to the recipient",
                key.words()
            ))
        }
        KeyKind::Unknown => (None, "keyEncipherment or keyAgreement", "encryption"),
    };
    match (ku, bit) {
        (None, _) => Ok(format!(
            "encryption is allowed (no key usage extension: every use is allowed; {how})"
        )),
        (Some(b), Some(bit)) if b.has(bit) => {
            Ok(format!("encryption is allowed ({}; {how})", b.words()))
        }
        (Some(b), None) if b.has(KU_KEY_ENCIPHERMENT) || b.has(KU_KEY_AGREEMENT) => {
            Ok(format!("encryption is allowed ({})", b.words()))
        }
        (Some(b), _) => Err(format!(
            "its key usage ({}) does not allow encryption: {} key needs {bit_name}",
            b.words(),
            key.with_article()
        )),
    }
}

fn ku_check(value: Option<&[u8]>, key: KeyKind, purpose: Purpose) -> ProfileCheck {
    let ku = match value {
        None => None,
        Some(v) => match KeyUsageBits::from_der(v) {
            Some(b) => Some(b),
            None => {
                return ProfileCheck {
                    name: CHECK_KU,
                    passed: false,
                    detail: "the certificate's key usage extension is malformed".to_string(),
                }
            }
        },
    };
    let (passed, detail) = match purpose {
        Purpose::Signing => match can_sign(ku, key) {
            Ok(w) => (true, w),
            Err(w) => (false, format!("the certificate cannot sign mail: {w}")),
        },
        Purpose::Encryption => match can_encrypt(ku, key) {
            Ok(w) => (true, w),
            Err(w) => (
                false,
                format!("the certificate cannot receive encrypted mail: {w}"),
            ),
        },
        Purpose::Any => match (can_sign(ku, key), can_encrypt(ku, key)) {
            (Ok(s), Ok(e)) => (true, format!("{s}; {e}")),
            (Ok(s), Err(_)) => (true, format!("{s}; encryption is not")),
            (Err(_), Ok(e)) => (true, format!("{e}; signing is not")),
            (Err(s), Err(e)) => (
                false,
                format!("the certificate can neither sign nor receive encrypted mail: {s}; {e}"),
            ),
        },
    };
    ProfileCheck {
        name: CHECK_KU,
        passed,
        detail,
    }
}

/// An address made comparable: trimmed, without an Exchange `SMTP:` prefix, lower case.
fn normalize(address: &str) -> String {
    let a = address.trim();
    let a = match a.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("smtp:") => a.get(5..).unwrap_or(""),
        _ => a,
    };
    a.to_lowercase()
}

fn address_check(
    names: &[String],
    name_problem: Option<String>,
    addresses: &[String],
) -> ProfileCheck {
    let (passed, detail) = if names.is_empty() {
        let mut d = "the certificate names no e-mail address (no rfc822Name in its subject \
                     alternative name, no emailAddress in its subject), so it cannot be matched to \
                     the recipient"
            .to_string();
        if let Some(p) = name_problem {
            d.push_str(&format!("; {p}"));
        }
        (false, d)
    } else if addresses.is_empty() {
        (
            true,
            format!(
                "not compared: no recipient address was given; the certificate is for {}",
                names.join(", ")
            ),
        )
    } else {
        let wanted: Vec<String> = addresses.iter().map(|a| normalize(a)).collect();
        match names.iter().find(|n| wanted.contains(&normalize(n))) {
            Some(n) => (
                true,
                format!("the certificate is for {n}, an address of the recipient"),
            ),
            None => (
                false,
                format!(
                    "the certificate is for {}, which is not an address of the recipient ({})",
                    names.join(", "),
                    addresses
                        .iter()
                        .map(|a| a.trim())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        }
    };
    ProfileCheck {
        name: CHECK_ADDRESS,
        passed,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_compare_case_insensitively_without_smtp_prefix() {
        assert_eq!(
            normalize(" SMTP:Baptiste@Contoso.Example "),
            "baptiste@contoso.example"
        );
        assert_eq!(normalize("smtp:a@b"), "a@b");
        assert_eq!(normalize("a@b"), "a@b");
        assert_eq!(normalize("é"), "é");
        let c = address_check(
            &["Alice@SMIME.example".into()],
            None,
            &["alice@smime.example".into()],
        );
        assert!(c.passed, "{}", c.detail);
        let c = address_check(
            &["alice@smime.example".into()],
            None,
            &["bob@smime.example".into()],
        );
        assert!(!c.passed);
        assert!(c.detail.contains("bob@smime.example"), "{}", c.detail);
        let c = address_check(&[], Some("x".into()), &["bob@smime.example".into()]);
        assert!(!c.passed);
        let c = address_check(&["a@b".into()], None, &[]);
        assert!(
            c.passed && c.detail.starts_with("not compared"),
            "{}",
            c.detail
        );
    }

    #[test]
    fn key_usage_by_key_kind() {
        // BIT STRING with keyAgreement (bit 4) only: 03 02 03 08
        let ka = KeyUsageBits::from_der(&[0x03, 0x02, 0x03, 0x08]);
        assert!(ka.is_some_and(|b| b.has(KU_KEY_AGREEMENT) && !b.has(KU_KEY_ENCIPHERMENT)));
        assert!(can_encrypt(ka, KeyKind::X25519).is_ok());
        assert!(can_encrypt(ka, KeyKind::Rsa).is_err());
        assert!(can_sign(ka, KeyKind::X25519).is_err());
        assert!(can_encrypt(None, KeyKind::Ed25519).is_err());
        assert!(can_sign(None, KeyKind::Ed25519).is_ok());
        // nonRepudiation alone (bit 1): 03 02 06 40
        let nr = KeyUsageBits::from_der(&[0x03, 0x02, 0x06, 0x40]);
        assert!(can_sign(nr, KeyKind::Rsa).is_ok());
        assert!(KeyUsageBits::from_der(&[0x04, 0x00]).is_none());
        assert!(ku_check(Some(&[0xff]), KeyKind::Rsa, Purpose::Any)
            .detail
            .contains("malformed"));
    }
}
