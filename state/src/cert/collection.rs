//! Reading a certificate collection (what Set-SmimeConfig -SMIMECertificateIssuingCA takes): format detection from
//! the bytes, refusal of private keys, and dispatch to the DER, PEM, PKCS#7 (DER/BER/PEM) and .sst readers.

use std::fmt;

use der::Decode;

use super::{ber, pem, pkcs7, sst};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CollectionError {
    #[error("this holds a private key (a PEM private key, a DER private key, or a PKCS#12 .pfx/.p12 file): a private key must never be published, and nothing was stored. Give the certificate alone: `openssl x509 -in key-and-cert.pem -out cert.cer -outform der`, or for a .pfx `openssl pkcs12 -in file.pfx -nokeys -out certs.pem` (Windows: export the certificate without its private key)")]
    PrivateKey,
    #[error("the bytes are not a certificate collection (DER or PEM certificate, PKCS#7, or a .sst store): {0}")]
    WrongFormat(String),
    #[error(".sst store is damaged at byte {offset}: {what}")]
    DamagedSst { offset: usize, what: String },
    /// The bytes are recognisably `format`, but damaged at `offset`.
    #[error("{format} is damaged at byte {offset}: {what}")]
    Damaged {
        format: CollectionFormat,
        offset: usize,
        what: String,
    },
}

/// The container a collection comes in. Detected from the bytes, never from a file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CollectionFormat {
    /// One DER X.509 certificate.
    Der,
    /// PEM text with CERTIFICATE blocks.
    Pem,
    /// PKCS#7 SignedData in DER.
    Pkcs7Der,
    /// PKCS#7 SignedData in BER (indefinite lengths, constructed strings).
    Pkcs7Ber,
    /// PEM text with at least one PKCS7 (or CMS) block.
    Pkcs7Pem,
    /// A Microsoft serialized certificate store.
    Sst,
}

impl CollectionFormat {
    /// What the bytes claim to be, from their structure: the .sst magic, the shape of the outer ASN.1 element, or
    /// PEM markers. Certificates are not decoded; [`read_collection_entries`] says whether the content is intact.
    /// `None`: none of these (PKCS#12 and private keys included).
    pub fn detect(bytes: &[u8]) -> Option<CollectionFormat> {
        if sst::is_sst(bytes) {
            return Some(CollectionFormat::Sst);
        }
        // One ASN.1 element spanning the bytes is binary, whatever text it spells; otherwise PEM markers win over
        // an ASN.1 shape (stray text can start with "0", which is 0x30), and what is left may be a file cut short.
        let binary = ber::spans_all(bytes);
        if binary {
            if let Some(format) = asn1_shape(bytes) {
                return Some(format);
            }
        }
        pem::sniff(bytes).or_else(|| if binary { None } else { asn1_shape(bytes) })
    }
}

/// PKCS#7 (a ContentInfo) or a certificate (a SEQUENCE starting with a SEQUENCE), by the first headers only.
fn asn1_shape(bytes: &[u8]) -> Option<CollectionFormat> {
    pkcs7::sniff(bytes).or_else(|| looks_like_certificate(bytes).then_some(CollectionFormat::Der))
}

impl fmt::Display for CollectionFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CollectionFormat::Der => "DER certificate",
            CollectionFormat::Pem => "PEM text",
            CollectionFormat::Pkcs7Der => "PKCS#7 (DER)",
            CollectionFormat::Pkcs7Ber => "PKCS#7 (BER)",
            CollectionFormat::Pkcs7Pem => "PKCS#7 (PEM)",
            CollectionFormat::Sst => ".sst store",
        })
    }
}

/// One certificate of a collection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CollectionEntry {
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// The friendly name a .sst store gives it (other formats have none).
    pub friendly_name: Option<String>,
}

impl From<sst::SstEntry> for CollectionEntry {
    fn from(e: sst::SstEntry) -> Self {
        CollectionEntry {
            der: e.der,
            friendly_name: e.friendly_name,
        }
    }
}

/// Every certificate (as DER) in the bytes, whatever collection format they are in.
pub fn read_collection(bytes: &[u8]) -> Result<Vec<Vec<u8>>, CollectionError> {
    Ok(read_collection_entries(bytes)?
        .into_iter()
        .map(|e| e.der)
        .collect())
}

/// Every certificate in the bytes, in the order they hold them, with the friendly names of a .sst store.
///
/// Private keys are refused before anything else: a PEM block labelled `… PRIVATE KEY`, a DER private key
/// (PKCS#8, encrypted PKCS#8, PKCS#1 RSA, SEC1 EC) and every PKCS#12 file (PFX), with or without keys in it.
pub fn read_collection_entries(bytes: &[u8]) -> Result<Vec<CollectionEntry>, CollectionError> {
    refuse_private_keys(bytes)?;
    let plain = |ders: Vec<Vec<u8>>| {
        ders.into_iter()
            .map(|der| CollectionEntry {
                der,
                friendly_name: None,
            })
            .collect()
    };
    match CollectionFormat::detect(bytes) {
        Some(CollectionFormat::Sst) => Ok(sst::read_sst(bytes)?
            .into_iter()
            .map(CollectionEntry::from)
            .collect()),
        Some(CollectionFormat::Der) => read_der(bytes).map(|_| plain(vec![bytes.to_vec()])),
        Some(CollectionFormat::Pkcs7Der | CollectionFormat::Pkcs7Ber) => {
            Ok(plain(pkcs7::read_certificates(bytes)?))
        }
        Some(CollectionFormat::Pem | CollectionFormat::Pkcs7Pem) => {
            Ok(plain(pem::read_certificates(bytes)?))
        }
        None => Err(CollectionError::WrongFormat(unknown(bytes))),
    }
}

/// One certificate of a collection as DER, and decoded (`None` when it does not decode).
pub(crate) type Decoded = (Vec<u8>, Option<x509_cert::Certificate>);

/// [`read_collection`], with each certificate also decoded (`None` for one that does not decode): the same
/// certificates and the same errors, but a single DER certificate (the usual published value) is decoded once
/// instead of once to check it and again by the caller.
pub(crate) fn read_collection_decoded(bytes: &[u8]) -> Result<Vec<Decoded>, CollectionError> {
    refuse_private_keys(bytes)?;
    if CollectionFormat::detect(bytes) == Some(CollectionFormat::Der) {
        let cert = read_der(bytes)?;
        return Ok(vec![(bytes.to_vec(), Some(cert))]);
    }
    Ok(read_collection_entries(bytes)?
        .into_iter()
        .map(|e| {
            let cert = x509_cert::Certificate::from_der(&e.der).ok();
            (e.der, cert)
        })
        .collect())
}

/// One DER certificate, decoded; a value shaped like one that does not decode is damaged.
fn read_der(bytes: &[u8]) -> Result<x509_cert::Certificate, CollectionError> {
    x509_cert::Certificate::from_der(bytes).map_err(|e| CollectionError::Damaged {
        format: CollectionFormat::Der,
        offset: e.position().and_then(|p| usize::try_from(p).ok()).unwrap_or(0),
        what: match e.kind() {
            der::ErrorKind::Incomplete { .. } => {
                format!("the certificate is cut short ({e}); export it again")
            }
            _ => format!(
                "it is shaped like a certificate but does not decode ({e}); it is damaged (export it again), or uses an encoding mailsec cannot read yet (such as a UTCTime date before 1970)"
            ),
        },
    })
}

/// PEM text: one or more `-----BEGIN ...-----` blocks, possibly with text around them (a binary DER or .sst value
/// is never PEM, whatever its bytes spell).
pub(crate) fn is_pem(bytes: &[u8]) -> bool {
    !sst::is_sst(bytes) && !ber::spans_all(bytes) && pem::has_begin(bytes)
}

/// A SEQUENCE whose first element is a constructed SEQUENCE (a TBSCertificate).
fn looks_like_certificate(bytes: &[u8]) -> bool {
    let Ok(outer) = ber::read_header(bytes, 0) else {
        return false;
    };
    outer.is_universal(ber::SEQUENCE)
        && outer.constructed
        && ber::read_header(bytes, outer.content_start())
            .is_ok_and(|first| first.is_universal(ber::SEQUENCE) && first.constructed)
}

/// Why the bytes are none of the formats, in words.
fn unknown(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "the value is empty".into();
    }
    let start = hex::encode(bytes.get(..8).unwrap_or(bytes));
    if bytes.first() == Some(&0x30) {
        let why = match ber::ber_to_der(bytes) {
            Err(e) => format!("it starts like ASN.1 but is damaged at {e}"),
            Ok(_) => "it is ASN.1, but neither a certificate nor a PKCS#7 ContentInfo".into(),
        };
        return format!("{why} (first bytes {start})");
    }
    format!(
        "no .sst header, ASN.1 SEQUENCE or -----BEGIN line was found (first bytes {start}); give a .cer, .pem, .p7b or .sst file"
    )
}

fn refuse_private_keys(bytes: &[u8]) -> Result<(), CollectionError> {
    if pem::private_key_label(bytes).is_some() || is_pkcs12(bytes) || is_der_private_key(bytes) {
        return Err(CollectionError::PrivateKey);
    }
    Ok(())
}

/// PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo (data or signedData), macData OPTIONAL }.
/// Only the headers are read, so BER (which many PKCS#12 writers use) is recognised too.
fn is_pkcs12(bytes: &[u8]) -> bool {
    const DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    const SIGNED: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
    let check = || -> Option<bool> {
        let outer = ber::read_header(bytes, 0).ok()?;
        let version = ber::read_tlv(bytes, outer.content_start(), bytes.len()).ok()?;
        let auth_safe = ber::read_header(bytes, version.end()).ok()?;
        let content_type = ber::read_tlv(bytes, auth_safe.content_start(), bytes.len()).ok()?;
        Some(
            outer.is_universal(ber::SEQUENCE)
                && version.header.is_universal(ber::INTEGER)
                && version.content == [3]
                && auth_safe.is_universal(ber::SEQUENCE)
                && content_type.header.is_universal(ber::OID)
                && (content_type.content == DATA || content_type.content == SIGNED),
        )
    };
    check().unwrap_or(false)
}

/// DER private keys by shape: PKCS#8 `SEQUENCE { INTEGER 0|1, SEQUENCE (algorithm), OCTET STRING, … }`, encrypted
/// PKCS#8 `SEQUENCE { SEQUENCE (algorithm), OCTET STRING }`, PKCS#1 RSA `SEQUENCE { INTEGER 0|1, INTEGER, INTEGER,
/// … }` (nine integers or more) and SEC1 EC `SEQUENCE { INTEGER 1, OCTET STRING, … }`. Certificates and PKCS#7
/// never have these shapes.
fn is_der_private_key(bytes: &[u8]) -> bool {
    let check = || -> Option<bool> {
        let top = ber::read_tlv(bytes, 0, bytes.len()).ok()?;
        if !(top.header.is_universal(ber::SEQUENCE) && top.end() == bytes.len()) {
            return Some(false);
        }
        let kids = ber::children(bytes, &top).ok()?;
        let is = |i: usize, n: u32| kids.get(i).is_some_and(|k| k.header.is_universal(n));
        let small_version = kids
            .first()
            .is_some_and(|k| k.header.is_universal(ber::INTEGER) && matches!(k.content, [0] | [1]));
        let pkcs8 = small_version && is(1, ber::SEQUENCE) && is(2, ber::OCTET_STRING);
        let encrypted_pkcs8 = kids.len() == 2 && is(0, ber::SEQUENCE) && is(1, ber::OCTET_STRING);
        let pkcs1 = small_version && kids.len() >= 9 && (1..9).all(|i| is(i, ber::INTEGER));
        let sec1 = small_version && is(1, ber::OCTET_STRING);
        Some(pkcs8 || encrypted_pkcs8 || pkcs1 || sec1)
    };
    check().unwrap_or(false)
}

/// Helpers shared by the certificate-format tests: generated certificates, the corpus, external tools.
#[cfg(test)]
pub(crate) mod test_support {
    use std::path::PathBuf;
    use std::process::Command;
    use std::sync::OnceLock;

    fn e2e_required() -> bool {
        std::env::var("MAILSEC_E2E").as_deref() == Ok("required")
    }

    /// The shared third-party corpus (`MAILSEC_CORPUS`). Unset: the test is skipped, unless `MAILSEC_E2E=required`.
    pub fn corpus() -> Option<PathBuf> {
        match std::env::var_os("MAILSEC_CORPUS").map(PathBuf::from) {
            Some(p) if p.is_dir() => Some(p),
            Some(p) if e2e_required() => panic!(
                "MAILSEC_CORPUS={} is not a folder (MAILSEC_E2E=required)",
                p.display()
            ),
            None if e2e_required() => {
                panic!("MAILSEC_CORPUS must name the corpus folder (MAILSEC_E2E=required)")
            }
            Some(p) => {
                eprintln!("skipping: MAILSEC_CORPUS={} is not a folder", p.display());
                None
            }
            None => {
                eprintln!(
                    "skipping: MAILSEC_CORPUS is not set (it names the shared test corpus folder)"
                );
                None
            }
        }
    }

    /// Is this external tool available? With `MAILSEC_E2E=required` a missing tool fails the test.
    pub fn require_tool(tool: &str) -> bool {
        let found = Command::new(tool).arg("--version").output().is_ok();
        if !found {
            if e2e_required() {
                panic!("{tool} is required (MAILSEC_E2E=required) but is not installed; run .ci/install-deps");
            }
            eprintln!("skipping: {tool} is not installed (set MAILSEC_E2E=required to make this an error)");
        }
        found
    }

    /// A certificate made at test time.
    #[derive(Debug)]
    pub struct Generated {
        pub der: Vec<u8>,
        /// The subject as `openssl … -print_certs` prints it.
        pub subject: String,
    }

    /// Four self-signed certificates (RSA, EC P-256, Ed25519 with a UTF-8 subject and an e-mail address, EC),
    /// made once per test run with the `openssl` CLI. `None` (test skipped) when openssl is missing.
    pub fn generated_certs() -> Option<&'static [Generated]> {
        static CERTS: OnceLock<Option<Vec<Generated>>> = OnceLock::new();
        let certs = CERTS
            .get_or_init(|| {
                if !require_tool("openssl") {
                    return None;
                }
                let dir = tempfile::tempdir().expect("temp dir");
                let specs: [(&[&str], &str); 4] = [
                    (&["-newkey", "rsa:2048"], "/CN=mailsec test RSA/O=Contoso"),
                    (
                        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
                        "/CN=mailsec test EC/O=Contoso",
                    ),
                    (
                        &["-newkey", "ed25519"],
                        "/CN=Zoë Müller/O=Contoso/emailAddress=zoe@contoso.example",
                    ),
                    (
                        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
                        "/CN=mailsec test P-384",
                    ),
                ];
                let certs = specs
                    .iter()
                    .enumerate()
                    .map(|(i, (key, subj))| {
                        let out = format!("c{i}.der");
                        let run = Command::new("openssl")
                            .args(["req", "-x509", "-nodes", "-utf8", "-days", "3650"])
                            .args(*key)
                            .args([
                                "-subj",
                                subj,
                                "-keyout",
                                &format!("k{i}.pem"),
                                "-outform",
                                "DER",
                                "-out",
                                &out,
                            ])
                            .current_dir(dir.path())
                            .output()
                            .expect("run openssl req");
                        assert!(
                            run.status.success(),
                            "{}",
                            String::from_utf8_lossy(&run.stderr)
                        );
                        let der = std::fs::read(dir.path().join(&out)).expect("read cert");
                        let subject = Command::new("openssl")
                            .args(["x509", "-inform", "DER", "-in", &out, "-noout", "-subject"])
                            .current_dir(dir.path())
                            .output()
                            .expect("run openssl x509");
                        let subject = String::from_utf8_lossy(&subject.stdout)
                            .trim()
                            .trim_start_matches("subject=")
                            .to_string();
                        Generated { der, subject }
                    })
                    .collect();
                Some(certs)
            })
            .as_deref();
        if certs.is_none() {
            eprintln!("skipping: the test certificates are made with the openssl CLI, which is not installed");
        }
        certs
    }

    /// The same value in BER: every constructed element with an indefinite length, and every OCTET STRING split
    /// into a constructed string of one-byte segments (what some Windows and Java tools write).
    pub fn to_ber(der: &[u8]) -> Vec<u8> {
        fn element(bytes: &[u8], pos: usize, out: &mut Vec<u8>) -> usize {
            let h = super::ber::read_header(bytes, pos).expect("DER");
            let start = h.content_start();
            let end = start + h.length.expect("definite");
            let tag = &bytes[pos..pos + h.tag_len];
            if h.constructed {
                out.extend_from_slice(tag);
                out.push(0x80);
                let mut p = start;
                while p < end {
                    p = element(bytes, p, out);
                }
                out.extend_from_slice(&[0, 0]);
            } else if h.is_universal(super::ber::OCTET_STRING) && end > start {
                out.extend_from_slice(&[0x24, 0x80]);
                for b in &bytes[start..end] {
                    out.extend_from_slice(&[0x04, 0x01, *b]);
                }
                out.extend_from_slice(&[0, 0]);
            } else {
                out.extend_from_slice(&bytes[pos..end]);
            }
            end
        }
        // Certificates stay DER (their signature covers their encoding); everything around them becomes BER.
        fn outer(bytes: &[u8], pos: usize, depth: usize, out: &mut Vec<u8>) -> usize {
            let h = super::ber::read_header(bytes, pos).expect("DER");
            let start = h.content_start();
            let end = start + h.length.expect("definite");
            if depth >= 4 || !h.constructed {
                if depth >= 4 {
                    out.extend_from_slice(&bytes[pos..end]);
                    return end;
                }
                return element(bytes, pos, out);
            }
            out.extend_from_slice(&bytes[pos..pos + h.tag_len]);
            out.push(0x80);
            let mut p = start;
            while p < end {
                p = outer(bytes, p, depth + 1, out);
            }
            out.extend_from_slice(&[0, 0]);
            end
        }
        let mut out = Vec::new();
        outer(der, 0, 0, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{corpus, generated_certs, to_ber};
    use super::*;
    use crate::cert::{pem::write_pem, pkcs7::write_pkcs7, sst::write_sst, sst::SstEntry};

    #[test]
    fn private_keys_are_refused() {
        let pem = b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
        assert_eq!(read_collection(pem), Err(CollectionError::PrivateKey));
        assert!(CollectionError::PrivateKey
            .to_string()
            .contains("a private key must never be published"));
    }

    #[test]
    fn a_private_key_next_to_certificates_refuses_the_whole_file() {
        let Some(certs) = generated_certs() else {
            return;
        };
        for label in ["ENCRYPTED PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"] {
            let text = format!(
                "{}-----BEGIN {label}-----\nMIIB\n-----END {label}-----\n",
                write_pem(&[certs[0].der.clone()])
            );
            assert_eq!(
                read_collection(text.as_bytes()),
                Err(CollectionError::PrivateKey),
                "{label}"
            );
        }
    }

    /// Keys and PKCS#12 files made by openssl, PEM and DER, are all refused.
    #[test]
    fn real_keys_and_pkcs12_are_refused() {
        if generated_certs().is_none() {
            return;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let openssl = |args: &[&str]| {
            let out = std::process::Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .output()
                .expect("run openssl");
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        openssl(&[
            "req",
            "-x509",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-subj",
            "/CN=k",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
        ]);
        openssl(&[
            "pkey",
            "-in",
            "key.pem",
            "-outform",
            "DER",
            "-out",
            "key.p8.der",
        ]);
        openssl(&[
            "ec",
            "-in",
            "key.pem",
            "-outform",
            "DER",
            "-out",
            "key.sec1.der",
        ]);
        openssl(&[
            "pkcs8",
            "-topk8",
            "-in",
            "key.pem",
            "-passout",
            "pass:x",
            "-outform",
            "DER",
            "-out",
            "key.enc.der",
        ]);
        openssl(&[
            "pkcs8",
            "-topk8",
            "-in",
            "key.pem",
            "-passout",
            "pass:x",
            "-out",
            "key.enc.pem",
        ]);
        openssl(&["genrsa", "-traditional", "-out", "rsa.pem", "1024"]);
        openssl(&[
            "rsa",
            "-in",
            "rsa.pem",
            "-outform",
            "DER",
            "-traditional",
            "-out",
            "rsa.pkcs1.der",
        ]);
        openssl(&[
            "pkcs12", "-export", "-in", "cert.pem", "-inkey", "key.pem", "-passout", "pass:x",
            "-out", "both.p12",
        ]);
        openssl(&[
            "pkcs12",
            "-export",
            "-in",
            "cert.pem",
            "-nokeys",
            "-passout",
            "pass:x",
            "-out",
            "nokeys.p12",
        ]);
        openssl(&[
            "pkcs12",
            "-export",
            "-in",
            "cert.pem",
            "-inkey",
            "key.pem",
            "-passout",
            "pass:",
            "-out",
            "nopass.p12",
        ]);
        let cert_and_key = [
            std::fs::read(dir.path().join("cert.pem")).expect("read"),
            std::fs::read(dir.path().join("key.pem")).expect("read"),
        ]
        .concat();
        std::fs::write(dir.path().join("both.pem"), cert_and_key).expect("write");
        for file in [
            "key.pem",
            "both.pem",
            "key.p8.der",
            "key.sec1.der",
            "key.enc.der",
            "key.enc.pem",
            "rsa.pem",
            "rsa.pkcs1.der",
            "both.p12",
            "nokeys.p12",
            "nopass.p12",
        ] {
            let bytes = std::fs::read(dir.path().join(file)).expect("read");
            assert_eq!(
                read_collection(&bytes),
                Err(CollectionError::PrivateKey),
                "{file}"
            );
            assert_eq!(
                read_collection_entries(&bytes),
                Err(CollectionError::PrivateKey),
                "{file}"
            );
        }
        // The certificate alone is fine.
        let cert = std::fs::read(dir.path().join("cert.pem")).expect("read");
        assert_eq!(read_collection(&cert).map(|c| c.len()), Ok(1));
    }

    #[test]
    fn garbage_is_wrong_format() {
        for bytes in [
            &b"hello"[..],
            b"",
            &[0x30, 0x03, 0x02, 0x01, 0x01],
            &[0x30, 0x80, 0x02],
        ] {
            assert!(
                matches!(read_collection(bytes), Err(CollectionError::WrongFormat(_))),
                "{bytes:02x?}: {:?}",
                read_collection(bytes)
            );
        }
    }

    #[test]
    fn truncated_sst_is_damaged_not_a_panic() {
        let mut b = sst::MAGIC.to_vec();
        b.extend_from_slice(&32u32.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&1000u32.to_le_bytes());
        assert!(matches!(
            read_collection(&b),
            Err(CollectionError::DamagedSst { offset: 8, .. })
        ));
    }

    #[test]
    fn every_format_is_detected_and_read() {
        let Some(generated) = generated_certs() else {
            return;
        };
        let certs: Vec<Vec<u8>> = generated.iter().map(|c| c.der.clone()).collect();
        let p7 = write_pkcs7(&certs).expect("write");
        let p7_pem = format!(
            "subject=...\n-----BEGIN PKCS7-----\n{}\n-----END PKCS7-----\n",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &p7)
        );
        let names = ["Root", "Sub", "Zoë", "Other"];
        let entries: Vec<SstEntry> = certs
            .iter()
            .zip(names)
            .map(|(der, name)| SstEntry {
                der: der.clone(),
                friendly_name: Some(name.into()),
            })
            .collect();
        let cases: Vec<(Vec<u8>, CollectionFormat, usize)> = vec![
            (certs[0].clone(), CollectionFormat::Der, 1),
            (write_pem(&certs).into_bytes(), CollectionFormat::Pem, 4),
            (p7.clone(), CollectionFormat::Pkcs7Der, 4),
            (to_ber(&p7), CollectionFormat::Pkcs7Ber, 4),
            (p7_pem.into_bytes(), CollectionFormat::Pkcs7Pem, 4),
            (write_sst(&entries), CollectionFormat::Sst, 4),
        ];
        for (bytes, format, count) in cases {
            assert_eq!(CollectionFormat::detect(&bytes), Some(format));
            let read = read_collection_entries(&bytes).expect("read");
            assert_eq!(read.len(), count, "{format}");
            let ders: Vec<Vec<u8>> = read.iter().map(|e| e.der.clone()).collect();
            assert_eq!(
                ders,
                certs[..count].to_vec(),
                "{format}: order and bytes kept"
            );
            assert_eq!(read_collection(&bytes), Ok(ders), "{format}");
            let has_names = read.iter().all(|e| e.friendly_name.is_some());
            assert_eq!(has_names, format == CollectionFormat::Sst, "{format}");
        }
        assert_eq!(CollectionFormat::detect(b"hello"), None);
    }

    #[test]
    fn files_cut_short_are_recognised_and_reported_as_damaged() {
        let Some(generated) = generated_certs() else {
            return;
        };
        let certs: Vec<Vec<u8>> = generated.iter().map(|c| c.der.clone()).collect();
        let p7 = write_pkcs7(&certs).expect("write");
        let cases = [
            (certs[0].clone(), CollectionFormat::Der),
            (p7.clone(), CollectionFormat::Pkcs7Der),
            (to_ber(&p7), CollectionFormat::Pkcs7Ber),
        ];
        for (bytes, format) in cases {
            let cut = &bytes[..bytes.len() - 7];
            assert_eq!(CollectionFormat::detect(cut), Some(format));
            match read_collection(cut) {
                Err(CollectionError::Damaged {
                    format: f, what, ..
                }) => {
                    assert_eq!(f, format);
                    assert!(
                        what.contains("cut short") || what.contains("export"),
                        "{what}"
                    );
                }
                other => panic!("{format}: {other:?}"),
            }
        }
        // Stray text that starts like ASN.1 ("0 0" is 30 20 30) does not hide the PEM after it.
        let text = format!("0 0 certificates below\n{}", write_pem(&certs[..1]));
        assert_eq!(
            CollectionFormat::detect(text.as_bytes()),
            Some(CollectionFormat::Pem)
        );
        assert_eq!(read_collection(text.as_bytes()), Ok(certs[..1].to_vec()));
    }

    #[test]
    fn cert_format_detection_sees_ber_pkcs7() {
        let Some(generated) = generated_certs() else {
            return;
        };
        let certs: Vec<Vec<u8>> = generated.iter().map(|c| c.der.clone()).collect();
        let ber = to_ber(&write_pkcs7(&certs).expect("write"));
        assert_eq!(
            crate::cert::CertFormat::detect(&ber),
            crate::cert::CertFormat::Pkcs7
        );
        assert!(!is_pem(&ber));
        assert!(is_pem(write_pem(&certs).as_bytes()));
    }

    #[test]
    fn corpus_files_read_with_the_right_counts() {
        let Some(corpus) = corpus() else { return };
        let cases = [
            (
                "sst/zcrypto-test_disallowedcert.sst",
                CollectionFormat::Sst,
                71,
            ),
            ("sst/winrootCAupdate-roots.sst", CollectionFormat::Sst, 434),
            ("pkcs7/amazon-roots.p7b", CollectionFormat::Pkcs7Ber, 2),
            ("pkcs7/amazon-roots.der", CollectionFormat::Pkcs7Der, 2),
            ("pkcs7/isrg.pem", CollectionFormat::Pkcs7Pem, 1),
            ("x509/cryptography.io.chain.pem", CollectionFormat::Pem, 2),
            ("x509/v1_cert.pem", CollectionFormat::Pem, 1),
            ("pkits-certs/GoodCACert.crt", CollectionFormat::Der, 1),
        ];
        for (file, format, count) in cases {
            let bytes = std::fs::read(corpus.join(file)).expect(file);
            assert_eq!(CollectionFormat::detect(&bytes), Some(format), "{file}");
            assert_eq!(
                read_collection(&bytes).map(|c| c.len()),
                Ok(count),
                "{file}"
            );
        }
        let ber =
            read_collection(&std::fs::read(corpus.join("pkcs7/amazon-roots.p7b")).expect("read"));
        let der =
            read_collection(&std::fs::read(corpus.join("pkcs7/amazon-roots.der")).expect("read"));
        assert_eq!(ber, der, "the BER and DER files hold the same certificates");
        let roots = read_collection_entries(
            &std::fs::read(corpus.join("sst/winrootCAupdate-roots.sst")).expect("read"),
        )
        .expect("read");
        assert_eq!(
            roots[0].friendly_name.as_deref(),
            Some("TrustCor RootCert CA-1")
        );
        // Every PKITS certificate reads as one DER certificate.
        let mut pkits = 0;
        let mut undecodable = Vec::new();
        for file in std::fs::read_dir(corpus.join("pkits-certs")).expect("pkits") {
            let path = file.expect("entry").path();
            let bytes = std::fs::read(&path).expect("read");
            assert_eq!(
                CollectionFormat::detect(&bytes),
                Some(CollectionFormat::Der),
                "{}",
                path.display()
            );
            match read_collection(&bytes) {
                Ok(certs) => assert_eq!(certs, vec![bytes.clone()], "{}", path.display()),
                Err(e) => {
                    eprintln!("{}: {e}", path.display());
                    undecodable.push(
                        path.file_name()
                            .unwrap_or_default()
                            .to_string_lossy()
                            .into_owned(),
                    );
                }
            }
            pkits += 1;
        }
        assert_eq!(pkits, 405);
        // x509-cert 0.2 reads UTCTime years 1970-2049 only, and this certificate's notBefore is in 1950.
        assert_eq!(
            undecodable,
            vec!["Validpre2000UTCnotBeforeDateTest3EE.crt".to_string()]
        );
    }
}

#[cfg(test)]
mod props {
    use super::test_support::{corpus, generated_certs, to_ber};
    use super::*;
    use crate::cert::{pem::write_pem, pkcs7::write_pkcs7, sst::write_sst, sst::SstEntry};
    use proptest::prelude::*;
    use std::sync::OnceLock;

    /// Valid inputs of every format to mutate: generated ones, and the corpus files when `MAILSEC_CORPUS` is set.
    fn seeds() -> &'static [Vec<u8>] {
        static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
        SEEDS.get_or_init(|| {
            let mut seeds = Vec::new();
            if let Some(generated) = generated_certs() {
                let certs: Vec<Vec<u8>> = generated.iter().take(2).map(|c| c.der.clone()).collect();
                let p7 = write_pkcs7(&certs).expect("write");
                seeds.push(write_sst(&[
                    SstEntry {
                        der: certs[0].clone(),
                        friendly_name: Some("Root".into()),
                    },
                    SstEntry {
                        der: certs[1].clone(),
                        friendly_name: None,
                    },
                ]));
                seeds.push(to_ber(&p7));
                seeds.push(format!("text\n{}", write_pem(&certs)).into_bytes());
                seeds.push(p7);
                seeds.push(certs[0].clone());
            }
            if let Some(corpus) = std::env::var_os("MAILSEC_CORPUS").and_then(|_| corpus()) {
                for file in [
                    "sst/zcrypto-test_disallowedcert.sst",
                    "pkcs7/amazon-roots.p7b",
                    "pkcs7/isrg.pem",
                    "x509/cryptography.io.chain.pem",
                ] {
                    seeds.push(std::fs::read(corpus.join(file)).expect(file));
                }
            }
            seeds
        })
    }

    #[derive(Debug, Clone)]
    enum Mutation {
        Flip(prop::sample::Index, u8),
        Set(prop::sample::Index, u8),
        Insert(prop::sample::Index, Vec<u8>),
        Delete(prop::sample::Index, usize),
        Truncate(prop::sample::Index),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        prop_oneof![
            (any::<prop::sample::Index>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
            (
                any::<prop::sample::Index>(),
                prop_oneof![Just(0u8), Just(0x80), Just(0xff), any::<u8>()]
            )
                .prop_map(|(i, b)| Mutation::Set(i, b)),
            (
                any::<prop::sample::Index>(),
                proptest::collection::vec(any::<u8>(), 1..6)
            )
                .prop_map(|(i, b)| Mutation::Insert(i, b)),
            (any::<prop::sample::Index>(), 1usize..40).prop_map(|(i, n)| Mutation::Delete(i, n)),
            any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        ]
    }

    fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
        for m in mutations {
            if bytes.is_empty() {
                break;
            }
            let len = bytes.len();
            match m {
                Mutation::Flip(i, bit) => bytes[i.index(len)] ^= 1 << bit,
                Mutation::Set(i, b) => bytes[i.index(len)] = *b,
                Mutation::Insert(i, b) => {
                    let at = i.index(bytes.len() + 1);
                    bytes.splice(at..at, b.iter().copied());
                }
                Mutation::Delete(i, n) => {
                    let at = i.index(bytes.len());
                    let end = (at + n).min(bytes.len());
                    bytes.drain(at..end);
                }
                Mutation::Truncate(i) => bytes.truncate(i.index(bytes.len())),
            }
        }
        bytes
    }

    fn read_everything(bytes: &[u8]) {
        let _ = read_collection_entries(bytes);
        decoded_agrees(bytes);
        let _ = CollectionFormat::detect(bytes);
        let _ = crate::cert::CertFormat::detect(bytes);
        let _ = sst::read_sst(bytes);
        let _ = pkcs7::read_certificates(bytes);
        let _ = pem::read_certificates(bytes);
        let _ = ber::ber_to_der(bytes);
        let _ = is_pem(bytes);
    }

    /// [`read_collection_decoded`] gives exactly what [`read_collection`] gives (the same certificates or
    /// the same error), each with the certificate decoded from it.
    fn decoded_agrees(bytes: &[u8]) {
        let plain = read_collection(bytes);
        let decoded = read_collection_decoded(bytes);
        match (plain, decoded) {
            (Ok(ders), Ok(read)) => {
                let got: Vec<&Vec<u8>> = read.iter().map(|(d, _)| d).collect();
                assert_eq!(got, ders.iter().collect::<Vec<_>>());
                for (der, cert) in read {
                    assert_eq!(cert, x509_cert::Certificate::from_der(&der).ok());
                }
            }
            (Err(a), Err(b)) => assert_eq!(a, b),
            (a, b) => panic!("read_collection {a:?} but read_collection_decoded {b:?}"),
        }
    }

    #[test]
    fn decoded_agrees_on_every_seed() {
        for seed in seeds() {
            decoded_agrees(seed);
        }
    }

    proptest! {
        /// Whatever bytes an admin hands over, reading them never panics.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            read_everything(&bytes);
        }

        /// A well-formed .sst header followed by random records never panics either.
        #[test]
        fn sst_like_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..256)) {
            let mut b = sst::MAGIC.to_vec();
            b.extend(tail);
            read_everything(&b);
        }

        /// Bytes that start like BER (a SEQUENCE of indefinite length) never panic.
        #[test]
        fn ber_like_bytes_never_panic(tail in proptest::collection::vec(prop_oneof![Just(0u8), Just(0x80), Just(0x30), Just(0x24), Just(0x04), Just(0xa0), any::<u8>()], 0..256)) {
            let mut b = vec![0x30, 0x80];
            b.extend(tail);
            read_everything(&b);
        }

        /// PEM-looking text with random content never panics.
        #[test]
        fn pem_like_text_never_panics(body in "[A-Za-z0-9+/=\\n -]{0,200}", label in "[A-Z0-9 ]{0,12}") {
            let text = format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
            read_everything(text.as_bytes());
        }

    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// Valid .sst, PKCS#7 (DER and BER), PEM and DER inputs with bytes flipped, set, inserted, deleted or cut
        /// never panic.
        #[test]
        fn mutated_valid_inputs_never_panic(
            seed in any::<prop::sample::Index>(),
            mutations in proptest::collection::vec(mutation(), 1..5),
        ) {
            let seeds = seeds();
            if seeds.is_empty() {
                return Ok(());
            }
            let bytes = apply(seeds[seed.index(seeds.len())].clone(), &mutations);
            read_everything(&bytes);
        }
    }
}
