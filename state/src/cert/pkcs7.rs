//! PKCS#7 / CMS SignedData: reading its certificates (DER, or BER normalised to DER first) in file order, and
//! writing certs-only bundles as `openssl crl2pkcs7 -nocrl` does.

use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{DigestAlgorithmIdentifiers, EncapsulatedContentInfo};
use der::oid::ObjectIdentifier;
use der::Decode;

use super::ber::{self, BerError, Class, Tlv};
use super::collection::{CollectionError, CollectionFormat};

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// The DER of the two content-type OIDs a certs-only bundle uses.
const SIGNED_DATA_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const DATA_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];

/// Why a PKCS#7 bundle could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("certificate #{index} (counting from 1) is not a DER X.509 certificate ({what}); give each certificate as DER (`openssl x509 -in cert.pem -outform der`)")]
pub struct Pkcs7WriteError {
    /// Position of the rejected certificate in the list, from 1.
    pub index: usize,
    pub what: String,
}

/// A DER certs-only SignedData holding `certs` in the order given: version 1, no digest algorithms, content type
/// id-data with no content, the certificates, no CRLs and no signer infos. The certificates are embedded byte for
/// byte, and the output is the same as `openssl crl2pkcs7 -nocrl -certfile certs.pem -outform DER`. (As with
/// OpenSSL and Windows, the certificates keep the given order rather than DER's sorted SET OF order, so a reader
/// gets them back in that order.)
pub fn write_pkcs7(certs: &[Vec<u8>]) -> Result<Vec<u8>, Pkcs7WriteError> {
    let mut set = Vec::new();
    for (i, der) in certs.iter().enumerate() {
        x509_cert::Certificate::from_der(der).map_err(|e| Pkcs7WriteError {
            index: i + 1,
            what: e.to_string(),
        })?;
        set.extend_from_slice(der);
    }
    let mut signed = Vec::new();
    ber::write_tlv(&mut signed, 0x02, &[0x01]); // version 1
    ber::write_tlv(&mut signed, 0x31, &[]); // digestAlgorithms
    let mut encap = Vec::new();
    ber::write_tlv(&mut encap, 0x06, DATA_OID);
    ber::write_tlv(&mut signed, 0x30, &encap); // encapContentInfo: id-data, no content
    if !certs.is_empty() {
        ber::write_tlv(&mut signed, 0xa0, &set); // [0] IMPLICIT certificates
    }
    ber::write_tlv(&mut signed, 0x31, &[]); // signerInfos
    let mut explicit = Vec::new();
    ber::write_tlv(&mut explicit, 0x30, &signed);
    let mut content_info = Vec::new();
    ber::write_tlv(&mut content_info, 0x06, SIGNED_DATA_OID);
    ber::write_tlv(&mut content_info, 0xa0, &explicit);
    let mut out = Vec::new();
    ber::write_tlv(&mut out, 0x30, &content_info);
    Ok(out)
}

/// Is this binary PKCS#7 shaped: a SEQUENCE whose first element is an OBJECT IDENTIFIER (a ContentInfo)? If so,
/// is it DER or BER? Only the shape is checked, so a file cut short is still recognised (and reading it says where
/// it breaks).
pub(crate) fn sniff(bytes: &[u8]) -> Option<CollectionFormat> {
    let outer = ber::read_header(bytes, 0).ok()?;
    let first = ber::read_header(bytes, outer.content_start()).ok()?;
    if !(outer.is_universal(ber::SEQUENCE) && outer.constructed && first.is_universal(ber::OID)) {
        return None;
    }
    Some(match ber::ber_to_der(bytes) {
        Ok(der) => der_or_ber(&der, bytes),
        Err(_) => damaged_format(bytes),
    })
}

fn der_or_ber(der: &[u8], bytes: &[u8]) -> CollectionFormat {
    if der == bytes {
        CollectionFormat::Pkcs7Der
    } else {
        CollectionFormat::Pkcs7Ber
    }
}

/// For bytes that do not normalise: BER if the outer length is indefinite (as BER writers do), else DER.
fn damaged_format(bytes: &[u8]) -> CollectionFormat {
    if bytes.get(1) == Some(&0x80) {
        CollectionFormat::Pkcs7Ber
    } else {
        CollectionFormat::Pkcs7Der
    }
}

/// The certificates of a PKCS#7 SignedData (DER, or BER with indefinite lengths), as DER, in file order.
///
/// Other certificate choices (attribute certificates) are skipped. A BER file is normalised to DER first; its
/// certificates come out re-encoded only where they were not DER already.
pub(crate) fn read_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, CollectionError> {
    let der = ber::ber_to_der(bytes).map_err(|e| damaged(damaged_format(bytes), e, ""))?;
    let format = der_or_ber(&der, bytes);
    // Offsets in errors refer to the DER form; say so when it differs from the bytes given.
    let note = if format == CollectionFormat::Pkcs7Der {
        ""
    } else {
        "(byte counted in the DER form, after BER normalisation) "
    };
    walk(&der).map_err(|e| match e {
        Walk::Ber(e) => damaged(format, e, note),
        Walk::Other(e) => e,
    })
}

fn damaged(format: CollectionFormat, e: BerError, note: &str) -> CollectionError {
    CollectionError::Damaged {
        format,
        offset: e.offset,
        what: format!(
            "{note}{}; export the file again (`openssl crl2pkcs7 -nocrl -certfile chain.pem -outform DER` makes a fresh one)",
            e.what
        ),
    }
}

enum Walk {
    Ber(BerError),
    Other(CollectionError),
}

impl From<BerError> for Walk {
    fn from(e: BerError) -> Self {
        Walk::Ber(e)
    }
}

/// The element, if it is there and `ok` says it is the right kind.
fn expect<'t, 'a>(
    tlv: Option<&'t Tlv<'a>>,
    at: usize,
    what: &str,
    ok: impl Fn(&Tlv<'_>) -> bool,
) -> Result<&'t Tlv<'a>, Walk> {
    match tlv {
        Some(t) if ok(t) => Ok(t),
        Some(t) => Err(Walk::Ber(BerError {
            offset: t.header.offset,
            what: format!("expected {what}, found {}", t.header),
        })),
        None => Err(Walk::Ber(BerError {
            offset: at,
            what: format!("{what} is missing"),
        })),
    }
}

/// Check a DER element with a `cms`/`der` type, naming where it is when it does not decode.
fn check<'a, T: Decode<'a>>(tlv: &Tlv<'a>, what: &str) -> Result<T, Walk> {
    T::from_der(tlv.raw).map_err(|e| {
        Walk::Ber(BerError {
            offset: tlv.header.offset,
            what: format!("{what} does not decode ({e})"),
        })
    })
}

fn walk(der: &[u8]) -> Result<Vec<Vec<u8>>, Walk> {
    // ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }
    let top = ber::read_tlv(der, 0, der.len())?;
    let ci: ContentInfo = check(&top, "the PKCS#7 ContentInfo")?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(Walk::Other(CollectionError::WrongFormat(format!(
            "PKCS#7 content type {} is not SignedData, so it holds no certificates (an encrypted or plain CMS message?)",
            ci.content_type
        ))));
    }
    let kids = ber::children(der, &top)?;
    let explicit = expect(
        kids.get(1),
        top.end(),
        "the [0] content of the ContentInfo",
        |t| t.header.class == Class::Context && t.header.number == 0 && t.header.constructed,
    )?;
    let inner = ber::children(der, explicit)?;
    let sd = expect(
        inner.first(),
        explicit.end(),
        "the SignedData SEQUENCE",
        |t| t.header.is_universal(ber::SEQUENCE) && t.header.constructed,
    )?;
    if let Some(extra) = inner.get(1) {
        return Err(Walk::Ber(BerError {
            offset: extra.header.offset,
            what: "unexpected element after the SignedData".into(),
        }));
    }
    // SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo, [0] certificates OPTIONAL,
    //                            [1] crls OPTIONAL, signerInfos SET }
    let fields = ber::children(der, sd)?;
    let mut fields = fields.iter().peekable();
    let end = sd.end();
    let version = expect(fields.next(), end, "the SignedData version", |t| {
        t.header.is_universal(ber::INTEGER)
    })?;
    check::<CmsVersion>(version, "the SignedData version")?;
    let digests = expect(fields.next(), end, "the digestAlgorithms SET", |t| {
        t.header.is_universal(ber::SET)
    })?;
    check::<DigestAlgorithmIdentifiers>(digests, "the digestAlgorithms SET")?;
    let encap = expect(fields.next(), end, "the encapContentInfo SEQUENCE", |t| {
        t.header.is_universal(ber::SEQUENCE)
    })?;
    check::<EncapsulatedContentInfo>(encap, "the encapContentInfo")?;
    let context =
        |n: u32| move |t: &&Tlv<'_>| t.header.class == Class::Context && t.header.number == n;
    let mut out = Vec::new();
    if let Some(certs) = fields.next_if(context(0)) {
        for (i, choice) in ber::children(der, certs)?.iter().enumerate() {
            // CertificateChoices: a Certificate (SEQUENCE), or [0]..[4] kinds mailsec does not read.
            if choice.header.class == Class::Context {
                continue;
            }
            let cert = expect(Some(choice), end, "a certificate", |t| {
                t.header.is_universal(ber::SEQUENCE)
            })?;
            check::<x509_cert::Certificate>(
                cert,
                &format!("certificate #{} of the SignedData", i + 1),
            )?;
            out.push(cert.raw.to_vec());
        }
    }
    let _crls = fields.next_if(context(1));
    expect(fields.next(), end, "the signerInfos SET", |t| {
        t.header.is_universal(ber::SET)
    })?;
    if let Some(extra) = fields.next() {
        return Err(Walk::Ber(BerError {
            offset: extra.header.offset,
            what: format!("unexpected {} after the signerInfos", extra.header),
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::collection::test_support::{corpus, generated_certs, require_tool, to_ber};
    use proptest::prelude::*;

    fn certs() -> Option<Vec<Vec<u8>>> {
        Some(generated_certs()?.iter().map(|c| c.der.clone()).collect())
    }

    #[test]
    fn pkcs7_round_trip() {
        let Some(certs) = certs() else { return };
        for n in 0..=certs.len() {
            let p7 = write_pkcs7(&certs[..n]).expect("write");
            assert_eq!(
                read_certificates(&p7),
                Ok(certs[..n].to_vec()),
                "{n} certificates"
            );
            assert_eq!(sniff(&p7), Some(CollectionFormat::Pkcs7Der));
        }
        // Order is kept, even when it is not DER's sorted SET OF order.
        let reversed: Vec<Vec<u8>> = certs.iter().rev().cloned().collect();
        assert_eq!(
            read_certificates(&write_pkcs7(&reversed).expect("write")),
            Ok(reversed)
        );
    }

    #[test]
    fn pkcs7_in_ber_reads_the_same_certificates() {
        let Some(certs) = certs() else { return };
        let der = write_pkcs7(&certs).expect("write");
        let ber = to_ber(&der);
        assert_eq!(&ber[..2], &[0x30, 0x80]);
        assert_eq!(sniff(&ber), Some(CollectionFormat::Pkcs7Ber));
        assert_eq!(read_certificates(&ber), Ok(certs));
    }

    #[test]
    fn pkcs7_writer_refuses_what_is_not_a_certificate() {
        let Some(certs) = certs() else { return };
        let err = write_pkcs7(&[certs[0].clone(), b"junk".to_vec()]).expect_err("junk");
        assert_eq!(err.index, 2);
    }

    #[test]
    fn pkcs7_written_by_mailsec_equals_openssl_crl2pkcs7() {
        let Some(generated) = generated_certs() else {
            return;
        };
        if !require_tool("openssl") {
            return;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let pem: String = super::super::pem::write_pem(
            &generated.iter().map(|c| c.der.clone()).collect::<Vec<_>>(),
        );
        std::fs::write(dir.path().join("chain.pem"), pem).expect("write");
        let out = std::process::Command::new("openssl")
            .args([
                "crl2pkcs7",
                "-nocrl",
                "-certfile",
                "chain.pem",
                "-outform",
                "DER",
                "-out",
                "chain.p7b",
            ])
            .current_dir(dir.path())
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs = std::fs::read(dir.path().join("chain.p7b")).expect("read");
        let ours = write_pkcs7(&generated.iter().map(|c| c.der.clone()).collect::<Vec<_>>())
            .expect("write");
        assert_eq!(hex::encode(ours), hex::encode(theirs));
    }

    #[test]
    fn pkcs7_written_by_mailsec_is_read_by_openssl() {
        let Some(generated) = generated_certs() else {
            return;
        };
        if !require_tool("openssl") {
            return;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let p7 = write_pkcs7(&generated.iter().map(|c| c.der.clone()).collect::<Vec<_>>())
            .expect("write");
        std::fs::write(dir.path().join("mailsec.p7b"), p7).expect("write");
        let out = std::process::Command::new("openssl")
            .args([
                "pkcs7",
                "-inform",
                "DER",
                "-in",
                "mailsec.p7b",
                "-print_certs",
                "-noout",
            ])
            .current_dir(dir.path())
            .output()
            .expect("run openssl");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let subjects: Vec<&str> = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("subject="))
            .collect();
        let expected: Vec<String> = generated.iter().map(|c| c.subject.clone()).collect();
        assert_eq!(subjects, expected, "{stdout}");
    }

    #[test]
    fn other_content_types_are_not_certificate_bundles() {
        // ContentInfo { id-data, [0] OCTET STRING }
        let mut ci = Vec::new();
        ber::write_tlv(&mut ci, 0x06, DATA_OID);
        let mut octets = Vec::new();
        ber::write_tlv(&mut octets, 0x04, b"hi");
        ber::write_tlv(&mut ci, 0xa0, &octets);
        let mut der = Vec::new();
        ber::write_tlv(&mut der, 0x30, &ci);
        assert!(
            matches!(read_certificates(&der), Err(CollectionError::WrongFormat(m)) if m.contains("not SignedData"))
        );
    }

    #[test]
    fn damaged_pkcs7_names_the_byte() {
        let Some(certs) = certs() else { return };
        let p7 = write_pkcs7(&certs[..1]).expect("write");
        match read_certificates(&p7[..p7.len() - 10]) {
            Err(CollectionError::Damaged {
                format: CollectionFormat::Pkcs7Der,
                offset: 0,
                what,
            }) => {
                assert!(what.contains("cut short"), "{what}")
            }
            other => panic!("{other:?}"),
        }
        // A broken certificate inside: the error points at it.
        let mut b = p7.clone();
        let cert_at = p7
            .windows(certs[0].len())
            .position(|w| w == certs[0])
            .expect("cert inside");
        b[cert_at + 4] = 0x05; // the tbsCertificate SEQUENCE becomes a NULL
        match read_certificates(&b) {
            Err(CollectionError::Damaged { offset, .. }) => assert!(offset >= cert_at, "{offset}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn corpus_ber_p7b_reads_like_the_der_one() {
        let Some(corpus) = corpus() else { return };
        let ber = std::fs::read(corpus.join("pkcs7/amazon-roots.p7b")).expect("read");
        let der = std::fs::read(corpus.join("pkcs7/amazon-roots.der")).expect("read");
        assert_eq!(&ber[..2], &[0x30, 0x80]);
        assert_eq!(sniff(&ber), Some(CollectionFormat::Pkcs7Ber));
        assert_eq!(sniff(&der), Some(CollectionFormat::Pkcs7Der));
        let from_ber = read_certificates(&ber).expect("BER");
        let from_der = read_certificates(&der).expect("DER");
        assert_eq!(from_ber.len(), 2);
        assert_eq!(from_ber, from_der);
        // And written again, it reads back the same.
        assert_eq!(
            read_certificates(&write_pkcs7(&from_ber).expect("write")),
            Ok(from_der)
        );
    }

    proptest! {
        /// Any list of certificates (repeats allowed, any order) survives a write and a read.
        #[test]
        fn pkcs7_round_trip_any_list(picks in proptest::collection::vec(0usize..4, 0..8)) {
            let Some(certs) = certs() else { return Ok(()) };
            let list: Vec<Vec<u8>> = picks.iter().map(|&i| certs[i % certs.len()].clone()).collect();
            let p7 = write_pkcs7(&list).expect("write");
            prop_assert_eq!(read_certificates(&p7), Ok(list.clone()));
            prop_assert_eq!(read_certificates(&to_ber(&p7)), Ok(list));
        }
    }
}
