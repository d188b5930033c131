//! Reading a certificate collection (what Set-SmimeConfig -SMIMECertificateIssuingCA takes): DER, PEM, PKCS#7 and .sst.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::oid::ObjectIdentifier;
use der::{Decode, Encode};

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const SST_MAGIC: &[u8; 8] = b"\0\0\0\0CERT";
const SST_CERT_PROP: u32 = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CollectionError {
    #[error("this is a private key: a private key must never be published; give the certificate only (e.g. `openssl x509 -in key-and-cert.pem -out cert.cer -outform der`)")]
    PrivateKey,
    #[error("PKCS#7 in BER with indefinite lengths is not read yet; convert it with `openssl pkcs7 -inform der -in FILE -outform der -out FILE.der`")]
    IndefiniteBer,
    #[error("the bytes are not a certificate collection (DER or PEM certificate, PKCS#7, or a .sst store): {0}")]
    WrongFormat(String),
    #[error(".sst store is damaged at byte {offset}: {what}")]
    DamagedSst { offset: usize, what: String },
}

/// Every certificate (as DER) in the bytes, whatever collection format they are in.
pub fn read_collection(bytes: &[u8]) -> Result<Vec<Vec<u8>>, CollectionError> {
    if looks_like_private_key(bytes) {
        return Err(CollectionError::PrivateKey);
    }
    if bytes.starts_with(b"-----BEGIN")
        || std::str::from_utf8(bytes).is_ok_and(|t| t.contains("-----BEGIN"))
    {
        return read_pem(bytes);
    }
    if is_sst(bytes) {
        return read_sst(bytes);
    }
    if x509_cert::Certificate::from_der(bytes).is_ok() {
        return Ok(vec![bytes.to_vec()]);
    }
    if bytes.starts_with(&[0x30, 0x80]) {
        return Err(CollectionError::IndefiniteBer);
    }
    pkcs7_certificates(bytes)
}

/// PEM text: one or more `-----BEGIN ...-----` blocks, possibly with text around them.
pub(crate) fn is_pem(bytes: &[u8]) -> bool {
    bytes.starts_with(b"-----BEGIN")
        || std::str::from_utf8(bytes).is_ok_and(|t| t.contains("-----BEGIN "))
}

fn looks_like_private_key(bytes: &[u8]) -> bool {
    let needle = b"PRIVATE KEY-----";
    bytes.windows(needle.len()).any(|w| w == needle)
}

fn read_pem(bytes: &[u8]) -> Result<Vec<Vec<u8>>, CollectionError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| CollectionError::WrongFormat("PEM text is not UTF-8".into()))?;
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let block = &rest[start..];
        let Some(label_end) = block[11..].find("-----") else {
            return Err(CollectionError::WrongFormat(
                "PEM header is not closed".into(),
            ));
        };
        let label = &block[11..11 + label_end];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = block.find(&end_marker) else {
            return Err(CollectionError::WrongFormat(format!(
                "PEM block '{label}' has no END line"
            )));
        };
        let pem = &block[..end + end_marker.len()];
        let (_, der) = der::pem::decode_vec(pem.as_bytes())
            .map_err(|e| CollectionError::WrongFormat(format!("PEM block '{label}': {e}")))?;
        match label {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => out.push(der),
            "PKCS7" | "CMS" => out.extend(pkcs7_certificates(&der)?),
            other => {
                return Err(CollectionError::WrongFormat(format!(
                    "PEM block '{other}' is not a certificate"
                )))
            }
        }
        rest = &block[end + end_marker.len()..];
    }
    if out.is_empty() {
        return Err(CollectionError::WrongFormat(
            "no PEM certificate block found".into(),
        ));
    }
    Ok(out)
}

/// The certificates of a DER PKCS#7 SignedData.
pub(crate) fn pkcs7_certificates(der: &[u8]) -> Result<Vec<Vec<u8>>, CollectionError> {
    let ci = ContentInfo::from_der(der).map_err(|e| CollectionError::WrongFormat(e.to_string()))?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(CollectionError::WrongFormat(format!(
            "PKCS#7 content type {} is not SignedData",
            ci.content_type
        )));
    }
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| CollectionError::WrongFormat(e.to_string()))?;
    let mut out = Vec::new();
    if let Some(set) = sd.certificates {
        for choice in set.0.iter() {
            if let CertificateChoices::Certificate(c) = choice {
                out.push(
                    c.to_der()
                        .map_err(|e| CollectionError::WrongFormat(e.to_string()))?,
                );
            }
        }
    }
    Ok(out)
}

pub(crate) fn is_sst(bytes: &[u8]) -> bool {
    bytes.starts_with(SST_MAGIC)
}

/// Microsoft serialized store: header, `(prop_id, encoding, len, value)` records, 12-byte zero end marker.
/// Properties other than the certificate itself are skipped.
fn read_sst(bytes: &[u8]) -> Result<Vec<Vec<u8>>, CollectionError> {
    let u32_at = |o: usize| -> Option<u32> {
        bytes
            .get(o..o + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    };
    let mut out = Vec::new();
    let mut off = SST_MAGIC.len();
    loop {
        let damaged = |what: &str| CollectionError::DamagedSst {
            offset: off,
            what: what.to_string(),
        };
        let id = u32_at(off).ok_or_else(|| damaged("record header cut short (no end marker)"))?;
        let len = u32_at(off + 8).ok_or_else(|| damaged("record header cut short"))? as usize;
        if id == 0 {
            break;
        }
        let start = off + 12;
        let value = bytes
            .get(start..start.saturating_add(len))
            .ok_or_else(|| damaged("record runs past the end of the file"))?;
        if id == SST_CERT_PROP {
            out.push(value.to_vec());
        }
        off = start + len;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_keys_are_refused() {
        let pem = b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
        assert_eq!(read_collection(pem), Err(CollectionError::PrivateKey));
    }

    #[test]
    fn garbage_is_wrong_format() {
        assert!(matches!(
            read_collection(b"hello"),
            Err(CollectionError::WrongFormat(_))
        ));
    }

    #[test]
    fn truncated_sst_is_damaged_not_a_panic() {
        let mut b = SST_MAGIC.to_vec();
        b.extend_from_slice(&32u32.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&1000u32.to_le_bytes());
        assert!(matches!(
            read_collection(&b),
            Err(CollectionError::DamagedSst { .. })
        ));
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever bytes an admin hands over, reading them never panics.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = read_collection(&bytes);
            let _ = crate::cert::CertFormat::detect(&bytes);
        }

        /// A well-formed .sst header followed by random records never panics either.
        #[test]
        fn sst_like_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..256)) {
            let mut b = SST_MAGIC.to_vec();
            b.extend(tail);
            let _ = read_collection(&b);
        }

        /// PEM-looking text with random content never panics.
        #[test]
        fn pem_like_text_never_panics(body in "[A-Za-z0-9+/=\\n -]{0,200}", label in "[A-Z0-9 ]{0,12}") {
            let text = format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
            let _ = read_collection(text.as_bytes());
        }
    }
}
