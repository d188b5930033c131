//! PEM text: finding `-----BEGIN …-----` blocks among stray text (e.g. `openssl x509 -text` output), decoding them
//! leniently (any line width, CRLF, UTF-8 or UTF-16LE with a byte-order mark), spotting private keys, and writing
//! CERTIFICATE blocks.

use std::borrow::Cow;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;

use super::ber;
use super::collection::{CollectionError, CollectionFormat};
use super::pkcs7;

const BEGIN: &[u8] = b"-----BEGIN ";
const END: &[u8] = b"-----END ";
const DASHES: &[u8] = b"-----";
/// Longest label accepted; the RFC 7468 labels are all much shorter.
const MAX_LABEL: usize = 64;

/// Base64 that accepts padded and unpadded input (some tools drop the `=`).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// CERTIFICATE blocks for `certs`, base64 in 64-column lines, `\n` line ends.
pub fn write_pem(certs: &[Vec<u8>]) -> String {
    let mut out = String::new();
    for der in certs {
        out.push_str("-----BEGIN CERTIFICATE-----\n");
        let b64 = STANDARD.encode(der);
        for line in b64.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(line));
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
    }
    out
}

/// The text to search: UTF-16LE with a byte-order mark (what Windows PowerShell 5 writes with `>` or `Out-File`)
/// is decoded; anything else is searched as bytes, so stray text need not be UTF-8.
pub(crate) fn text(bytes: &[u8]) -> Cow<'_, [u8]> {
    match bytes.strip_prefix(&[0xff, 0xfe]) {
        Some(utf16) if utf16.chunks_exact(2).remainder().is_empty() => {
            let units: Vec<u16> = utf16
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            Cow::Owned(String::from_utf16_lossy(&units).into_bytes())
        }
        _ => Cow::Borrowed(bytes),
    }
}

/// Does the text hold a `-----BEGIN ` marker?
pub(crate) fn has_begin(bytes: &[u8]) -> bool {
    find(&text(bytes), BEGIN, 0).is_some()
}

/// The first PEM block whose label names a private key (`PRIVATE KEY`, `RSA PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`,
/// `OPENSSH PRIVATE KEY`, …), with its byte offset.
pub(crate) fn private_key_label(bytes: &[u8]) -> Option<(String, usize)> {
    let text = text(bytes);
    let mut from = 0;
    while let Some(at) = find(&text, BEGIN, from) {
        let label_start = at + BEGIN.len();
        if let Some(label) = label_at(&text, label_start) {
            if label.contains("PRIVATE KEY") {
                return Some((label, at));
            }
        }
        from = label_start;
    }
    None
}

/// One decoded PEM block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    pub label: String,
    /// Where `-----BEGIN` is, in the searched text.
    pub offset: usize,
    pub der: Vec<u8>,
}

/// Every PEM block of the text, in order. Text outside blocks is ignored.
pub(crate) fn blocks(bytes: &[u8]) -> Result<Vec<Block>, CollectionError> {
    let text = text(bytes);
    let damaged = |offset: usize, what: String| CollectionError::Damaged {
        format: CollectionFormat::Pem,
        offset,
        what,
    };
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = find(&text, BEGIN, from) {
        let label_start = at + BEGIN.len();
        let Some(label) = label_at(&text, label_start) else {
            return Err(damaged(
                at,
                "the -----BEGIN line is not closed with ----- on the same line; fix or remove that line".into(),
            ));
        };
        let body_start = label_start + label.len() + DASHES.len();
        let end_marker = [END, label.as_bytes(), DASHES].concat();
        let Some(body_end) = find(&text, &end_marker, body_start) else {
            return Err(damaged(
                at,
                format!("the '{label}' block has no -----END {label}----- line (the file is cut short?)"),
            ));
        };
        let body = text.get(body_start..body_end).unwrap_or_default();
        let der = decode_body(body).map_err(|(rel, what)| {
            damaged(
                body_start + rel,
                format!("in the '{label}' block that starts at byte {at}: {what}"),
            )
        })?;
        out.push(Block {
            label,
            offset: at,
            der,
        });
        from = body_end + end_marker.len();
    }
    Ok(out)
}

/// Is any block a PKCS#7 one? (Says nothing about whether the blocks decode.)
pub(crate) fn sniff(bytes: &[u8]) -> Option<CollectionFormat> {
    let text = text(bytes);
    let mut from = 0;
    let mut found = false;
    while let Some(at) = find(&text, BEGIN, from) {
        found = true;
        let label_start = at + BEGIN.len();
        if let Some(label) = label_at(&text, label_start) {
            if is_pkcs7_label(&label) {
                return Some(CollectionFormat::Pkcs7Pem);
            }
        }
        from = label_start;
    }
    found.then_some(CollectionFormat::Pem)
}

fn is_pkcs7_label(label: &str) -> bool {
    matches!(label, "PKCS7" | "PKCS #7 SIGNED DATA" | "CMS")
}

/// The certificates of PEM text: CERTIFICATE blocks, and the certificates of PKCS7/CMS blocks, in order. Any other
/// block is refused, so that nothing given is silently dropped.
pub(crate) fn read_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, CollectionError> {
    let blocks = blocks(bytes)?;
    if blocks.is_empty() {
        return Err(CollectionError::WrongFormat(
            "no -----BEGIN CERTIFICATE----- or -----BEGIN PKCS7----- block was found in the text"
                .into(),
        ));
    }
    let mut out = Vec::new();
    for block in blocks {
        let at = block.offset;
        let label = block.label.as_str();
        match label {
            "CERTIFICATE" | "X509 CERTIFICATE" => {
                check_certificate(&block.der, at, label)?;
                out.push(block.der);
            }
            // OpenSSL's trusted certificate: the certificate followed by its trust settings, which are not kept.
            "TRUSTED CERTIFICATE" => {
                let tlv = ber::read_tlv(&block.der, 0, block.der.len()).map_err(|e| {
                    CollectionError::Damaged {
                        format: CollectionFormat::Pem,
                        offset: at,
                        what: format!("the '{label}' block does not hold a certificate ({e})"),
                    }
                })?;
                check_certificate(tlv.raw, at, label)?;
                out.push(tlv.raw.to_vec());
            }
            l if is_pkcs7_label(l) => {
                let certs = pkcs7::read_certificates(&block.der).map_err(|e| match e {
                    CollectionError::Damaged { offset, what, .. } => CollectionError::Damaged {
                        format: CollectionFormat::Pkcs7Pem,
                        offset: at,
                        what: format!("in the '{label}' block, at byte {offset} of its decoded content: {what}"),
                    },
                    other => other,
                })?;
                out.extend(certs);
            }
            other => {
                let hint = match other {
                    "X509 CRL" => "a CRL is not a certificate; give the certificates alone",
                    "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => {
                        "a certificate request is not a certificate; give the certificate the CA issued"
                    }
                    "PUBLIC KEY" | "RSA PUBLIC KEY" => "a public key is not a certificate; give the certificate",
                    _ => "give CERTIFICATE or PKCS7 blocks only",
                };
                return Err(CollectionError::WrongFormat(format!(
                    "the PEM block at byte {at} is '{other}': {hint}"
                )));
            }
        }
    }
    Ok(out)
}

fn check_certificate(der: &[u8], at: usize, label: &str) -> Result<(), CollectionError> {
    use der::Decode;
    x509_cert::Certificate::from_der(der)
        .map(|_| ())
        .map_err(|e| CollectionError::Damaged {
            format: CollectionFormat::Pem,
            offset: at,
            what: format!(
                "the '{label}' block is not a DER X.509 certificate ({e}); export the certificate again"
            ),
        })
}

/// The label after `-----BEGIN ` at `start`, up to the closing `-----` on the same line.
fn label_at(text: &[u8], start: usize) -> Option<String> {
    let rest = text.get(start..)?;
    let window = rest.get(..rest.len().min(MAX_LABEL + DASHES.len()))?;
    let end = find(window, DASHES, 0)?;
    let label = window.get(..end)?;
    if label
        .iter()
        .all(|&b| b.is_ascii_graphic() && b != b'-' || b == b' ')
    {
        Some(String::from_utf8_lossy(label).into_owned())
    } else {
        None
    }
}

/// Decode the base64 between the BEGIN and END lines. Whitespace (any line width, CR or LF) is ignored; RFC 1421
/// header lines (`Name: value`) before the base64 are skipped. On failure: the offset in `body` and what is wrong.
fn decode_body(body: &[u8]) -> Result<Vec<u8>, (usize, String)> {
    let mut b64 = Vec::with_capacity(body.len());
    let mut line_start = 0;
    let mut in_headers = true;
    for line in body.split(|&b| b == b'\n') {
        let offset = line_start;
        line_start += line.len() + 1;
        let trimmed = line.trim_ascii();
        if in_headers && trimmed.contains(&b':') {
            continue;
        }
        if !trimmed.is_empty() {
            in_headers = false;
        }
        for (i, &b) in line.iter().enumerate() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' | b'=' => b64.push(b),
                b if b.is_ascii_whitespace() => {}
                other => {
                    return Err((
                        offset + i,
                        format!(
                            "byte 0x{other:02x} ('{}') is not base64",
                            char::from(other).escape_default()
                        ),
                    ))
                }
            }
        }
    }
    if b64.is_empty() {
        return Err((0, "the block is empty".into()));
    }
    LENIENT
        .decode(&b64)
        .map_err(|e| (0, format!("the base64 does not decode ({e})")))
}

/// Where `needle` first is in `haystack` at or after `from`. Every published value is searched for
/// private-key markers, so this is memchr's vectorised search, not a window-by-window compare.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let hay = haystack.get(from..)?;
    memchr::memmem::find(hay, needle).map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::collection::test_support::{corpus, generated_certs, require_tool};
    use proptest::prelude::*;

    fn certs() -> Option<Vec<Vec<u8>>> {
        Some(generated_certs()?.iter().map(|c| c.der.clone()).collect())
    }

    #[test]
    fn pem_round_trip() {
        let Some(certs) = certs() else { return };
        for n in 0..=certs.len() {
            let pem = write_pem(&certs[..n]);
            if n == 0 {
                assert_eq!(pem, "");
                continue;
            }
            assert_eq!(read_certificates(pem.as_bytes()), Ok(certs[..n].to_vec()));
            assert!(pem.lines().all(|l| l.len() <= 64), "64-column lines");
            assert_eq!(sniff(pem.as_bytes()), Some(CollectionFormat::Pem));
        }
    }

    #[test]
    fn pem_is_what_openssl_writes() {
        let Some(generated) = generated_certs() else {
            return;
        };
        if !require_tool("openssl") {
            return;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        for c in generated {
            std::fs::write(dir.path().join("c.der"), &c.der).expect("write");
            let out = std::process::Command::new("openssl")
                .args(["x509", "-inform", "DER", "-in", "c.der"])
                .current_dir(dir.path())
                .output()
                .expect("run openssl");
            assert!(out.status.success());
            assert_eq!(
                write_pem(std::slice::from_ref(&c.der)),
                String::from_utf8_lossy(&out.stdout)
            );
        }
    }

    #[test]
    fn stray_text_crlf_wide_lines_and_utf16_are_read() {
        let Some(certs) = certs() else { return };
        let b64 = STANDARD.encode(&certs[0]);
        let wide: String = b64
            .as_bytes()
            .chunks(76)
            .map(|l| format!("{}\r\n", String::from_utf8_lossy(l)))
            .collect();
        let text = format!(
            "Certificate:\n    Data:\n        Subject: CN = x ✓\n-----BEGIN CERTIFICATE-----\r\n{wide}-----END CERTIFICATE-----\r\nbye\n{}",
            write_pem(&certs[1..2])
        );
        assert_eq!(read_certificates(text.as_bytes()), Ok(certs[..2].to_vec()));
        // Windows PowerShell 5 `>`: UTF-16LE with a byte-order mark.
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(read_certificates(&utf16), Ok(certs[..2].to_vec()));
        // Stray bytes that are not UTF-8.
        let latin1 = [b"caf\xe9\n".as_slice(), write_pem(&certs[..1]).as_bytes()].concat();
        assert_eq!(read_certificates(&latin1), Ok(certs[..1].to_vec()));
    }

    #[test]
    fn trusted_certificate_blocks_give_the_certificate() {
        let Some(certs) = certs() else { return };
        // OpenSSL's X509_AUX trust settings after the certificate.
        let aux = [
            0x30, 0x0c, 0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04,
        ];
        let der = [certs[0].as_slice(), &aux].concat();
        let pem = format!(
            "-----BEGIN TRUSTED CERTIFICATE-----\n{}\n-----END TRUSTED CERTIFICATE-----\n",
            STANDARD.encode(der)
        );
        assert_eq!(
            read_certificates(pem.as_bytes()),
            Ok(vec![certs[0].clone()])
        );
    }

    #[test]
    fn pkcs7_blocks_are_read_and_sniffed() {
        let Some(certs) = certs() else { return };
        let p7 = pkcs7::write_pkcs7(&certs).expect("write");
        let pem = format!(
            "-----BEGIN PKCS7-----\n{}\n-----END PKCS7-----\n",
            STANDARD.encode(p7)
        );
        assert_eq!(sniff(pem.as_bytes()), Some(CollectionFormat::Pkcs7Pem));
        assert_eq!(read_certificates(pem.as_bytes()), Ok(certs));
    }

    #[test]
    fn damaged_pem_names_the_byte() {
        let Some(certs) = certs() else { return };
        let pem = write_pem(&certs[..1]);
        let stray = format!("hello\n{pem}");
        // Cut short: no END line.
        let cut = &stray[..stray.len() - 30];
        assert!(matches!(
            read_certificates(cut.as_bytes()),
            Err(CollectionError::Damaged { offset: 6, .. })
        ));
        // A character that is not base64.
        let bad = stray.replacen("MII", "M*I", 1);
        match read_certificates(bad.as_bytes()) {
            Err(CollectionError::Damaged { offset, what, .. }) => {
                assert_eq!(offset, stray.find("MII").expect("base64") + 1, "{what}");
                assert!(what.contains("not base64"), "{what}");
            }
            other => panic!("{other:?}"),
        }
        // Not a certificate inside.
        let junk = "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            read_certificates(junk.as_bytes()),
            Err(CollectionError::Damaged { offset: 0, .. })
        ));
        // Other labels are named.
        let crl = "x\n-----BEGIN X509 CRL-----\naGVsbG8=\n-----END X509 CRL-----\n";
        assert!(
            matches!(read_certificates(crl.as_bytes()), Err(CollectionError::WrongFormat(m)) if m.contains("byte 2") && m.contains("CRL"))
        );
    }

    #[test]
    fn private_key_labels_are_spotted() {
        for label in [
            "PRIVATE KEY",
            "ENCRYPTED PRIVATE KEY",
            "RSA PRIVATE KEY",
            "EC PRIVATE KEY",
            "OPENSSH PRIVATE KEY",
        ] {
            let text = format!("junk\n-----BEGIN {label}-----\nMIIB\n-----END {label}-----\n");
            assert_eq!(
                private_key_label(text.as_bytes()),
                Some((label.to_string(), 5))
            );
        }
        assert_eq!(private_key_label(b"-----BEGIN CERTIFICATE-----"), None);
    }

    #[test]
    fn corpus_pem_files_are_read() {
        let Some(corpus) = corpus() else { return };
        for (file, count, format) in [
            ("pkcs7/isrg.pem", 1, CollectionFormat::Pkcs7Pem),
            ("x509/cryptography.io.chain.pem", 2, CollectionFormat::Pem),
            (
                "rfc9216/alice@smime.example.sig.pem",
                1,
                CollectionFormat::Pem,
            ),
        ] {
            let bytes = std::fs::read(corpus.join(file)).expect("read");
            assert_eq!(sniff(&bytes), Some(format), "{file}");
            let certs = read_certificates(&bytes).expect(file);
            assert_eq!(certs.len(), count, "{file}");
            // Written as PEM again, the same certificates come back.
            assert_eq!(
                read_certificates(write_pem(&certs).as_bytes()),
                Ok(certs),
                "{file}"
            );
        }
    }

    proptest! {
        /// Any list of certificates survives write_pem and a read, whatever text surrounds the blocks.
        #[test]
        fn pem_round_trip_any_list(
            picks in proptest::collection::vec(0usize..4, 1..6),
            before in "[^-]{0,40}",
            after in "[^-]{0,40}",
        ) {
            let Some(certs) = certs() else { return Ok(()) };
            let list: Vec<Vec<u8>> = picks.iter().map(|&i| certs[i % certs.len()].clone()).collect();
            let text = format!("{before}\n{}{after}", write_pem(&list));
            prop_assert_eq!(read_certificates(text.as_bytes()), Ok(list));
        }
    }
}
