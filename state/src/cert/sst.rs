//! Microsoft serialized certificate stores (.sst): reading certificates with their friendly names, and writing
//! stores that Windows (CertOpenStore/`Import-Certificate`) and Wine read back.
//!
//! Layout (little-endian `u32`s): `00000000 "CERT"`, then records `(prop_id, encoding_type = 1, length, value)`,
//! then an end marker of 12 zero bytes. Property records describe the context record (certificate 32, CRL 33,
//! CTL 34) that follows them. Only property 11 (the UTF-16LE, NUL-terminated friendly name) is kept; every other
//! property, and every CRL and CTL with its properties, is skipped.

use der::Decode;

use super::collection::CollectionError;

/// The 8-byte header: version 0 and the magic "CERT".
pub(crate) const MAGIC: &[u8; 8] = b"\0\0\0\0CERT";
/// `CERT_CERT_PROP_ID`: the record holds a DER certificate.
const CERT_ELEMENT: u32 = 32;
/// `CERT_CRL_PROP_ID` and `CERT_CTL_PROP_ID`: contexts mailsec skips.
const CRL_ELEMENT: u32 = 33;
const CTL_ELEMENT: u32 = 34;
/// `CERT_FRIENDLY_NAME_PROP_ID`.
const FRIENDLY_NAME: u32 = 11;
/// `X509_ASN_ENCODING`, the only encoding type Windows writes and Wine accepts.
const ENCODING: u32 = 1;
const RECORD_HEADER: usize = 12;

/// One certificate of a store.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SstEntry {
    /// The certificate, DER, exactly as stored.
    pub der: Vec<u8>,
    /// Property 11, when the store has one for this certificate.
    pub friendly_name: Option<String>,
}

/// Does this start like a serialized store?
pub(crate) fn is_sst(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Every certificate of a serialized store, in store order.
///
/// Errors (`CollectionError::DamagedSst`) give the byte offset of the record at fault: a record cut short, an
/// encoding type other than 1, properties not followed by their certificate, a certificate record that is not a
/// DER certificate, a missing or non-zero end marker, or bytes after it.
pub fn read_sst(bytes: &[u8]) -> Result<Vec<SstEntry>, CollectionError> {
    if !is_sst(bytes) {
        return Err(CollectionError::WrongFormat(format!(
            "a .sst store starts with 00 00 00 00 43 45 52 54 (\"CERT\"); these bytes start with {}",
            hex::encode(bytes.get(..8).unwrap_or(bytes))
        )));
    }
    let damaged = |offset: usize, what: String| {
        CollectionError::DamagedSst {
        offset,
        what: format!("{what}; export the store again (e.g. `Export-Certificate -Type SST`), or give the certificates as PEM or PKCS#7"),
    }
    };
    let mut out = Vec::new();
    // The friendly name (and where the first pending property is) for the next context record.
    let mut pending_name: Option<String> = None;
    let mut pending_since: Option<usize> = None;
    let mut off = MAGIC.len();
    loop {
        let header = bytes
            .get(off..off + RECORD_HEADER)
            .and_then(|h| {
                Some((
                    u32_at(h, 0)?,
                    u32_at(h, 4)?,
                    usize::try_from(u32_at(h, 8)?).ok()?,
                ))
            })
            .ok_or_else(|| {
                damaged(
                    off,
                    format!(
                        "the store ends inside a record header or before its end marker ({} bytes left; the file is cut short)",
                        bytes.len().saturating_sub(off)
                    ),
                )
            })?;
        let (id, encoding, len) = header;
        if id == 0 {
            if encoding != 0 || len != 0 {
                return Err(damaged(
                    off,
                    "the end marker (a record with id 0) must be 12 zero bytes".into(),
                ));
            }
            if let Some(at) = pending_since {
                return Err(damaged(
                    at,
                    "property records are not followed by their certificate record".into(),
                ));
            }
            let end = off + RECORD_HEADER;
            if end != bytes.len() {
                return Err(damaged(
                    end,
                    format!(
                        "{} bytes follow the end marker (two stores joined together?)",
                        bytes.len() - end
                    ),
                ));
            }
            return Ok(out);
        }
        if encoding != ENCODING {
            return Err(damaged(
                off + 4,
                format!("record {id} has encoding type {encoding}; a serialized store uses 1 (X509_ASN_ENCODING)"),
            ));
        }
        let start = off + RECORD_HEADER;
        let value = start
            .checked_add(len)
            .and_then(|end| bytes.get(start..end))
            .ok_or_else(|| {
                damaged(
                    off,
                    format!(
                        "record {id} says it holds {len} bytes, but only {} remain (the file is cut short)",
                        bytes.len().saturating_sub(start)
                    ),
                )
            })?;
        match id {
            CERT_ELEMENT => {
                x509_cert::Certificate::from_der(value).map_err(|e| {
                    damaged(
                        start,
                        format!(
                            "certificate record {} is not a DER certificate ({e})",
                            out.len() + 1
                        ),
                    )
                })?;
                out.push(SstEntry {
                    der: value.to_vec(),
                    friendly_name: pending_name.take(),
                });
                pending_since = None;
            }
            CRL_ELEMENT | CTL_ELEMENT => {
                // The pending properties were this CRL's or CTL's.
                pending_name = None;
                pending_since = None;
            }
            other => {
                pending_since.get_or_insert(off);
                if other == FRIENDLY_NAME {
                    pending_name = Some(friendly_name(value).map_err(|what| damaged(start, what))?);
                }
            }
        }
        off = start + len;
    }
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// Decode a friendly-name property: UTF-16LE with one terminating NUL (a name without the NUL is accepted).
fn friendly_name(value: &[u8]) -> Result<String, String> {
    let pairs = value.chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return Err(format!(
            "the friendly name (property 11) has an odd length ({} bytes), so it is not UTF-16",
            value.len()
        ));
    }
    let mut units: Vec<u16> = pairs.map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    if units.last() == Some(&0) {
        units.pop();
    }
    Ok(String::from_utf16_lossy(&units))
}

/// A serialized store holding `entries`, in order: the header, then for each entry its friendly-name property (if
/// any) and its certificate record, then the end marker. This is the layout Wine's writer emits and Windows reads.
///
/// The certificates are written as given, unchecked. A value of 4 GiB or more does not fit the format's 32-bit
/// lengths; such an entry would make the store unreadable (no certificate comes near that size).
pub fn write_sst(entries: &[SstEntry]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    for entry in entries {
        if let Some(name) = &entry.friendly_name {
            let utf16: Vec<u8> = name
                .encode_utf16()
                .chain(std::iter::once(0))
                .flat_map(u16::to_le_bytes)
                .collect();
            record(&mut out, FRIENDLY_NAME, &utf16);
        }
        record(&mut out, CERT_ELEMENT, &entry.der);
    }
    out.extend_from_slice(&[0; RECORD_HEADER]);
    out
}

fn record(out: &mut Vec<u8>, id: u32, value: &[u8]) {
    let len = u32::try_from(value.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&ENCODING.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::collection::test_support::{corpus, generated_certs, require_tool};
    use proptest::prelude::*;
    use sha1::{Digest, Sha1};

    fn entries(names: &[Option<&str>]) -> Option<Vec<SstEntry>> {
        let certs = generated_certs()?;
        Some(
            certs
                .iter()
                .zip(names)
                .map(|(c, n)| SstEntry {
                    der: c.der.clone(),
                    friendly_name: n.map(str::to_string),
                })
                .collect(),
        )
    }

    fn raw_record(out: &mut Vec<u8>, id: u32, encoding: u32, value: &[u8]) {
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&encoding.to_le_bytes());
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(value);
    }

    #[test]
    fn sst_round_trip_without_friendly_names() {
        let Some(entries) = entries(&[None, None, None, None]) else {
            return;
        };
        let bytes = write_sst(&entries);
        assert_eq!(read_sst(&bytes), Ok(entries));
    }

    #[test]
    fn sst_round_trip_with_friendly_names() {
        let Some(entries) = entries(&[
            Some("Contoso Root"),
            None,
            Some("Zoë – ünïcode 🔐"),
            Some(""),
        ]) else {
            return;
        };
        let bytes = write_sst(&entries);
        assert_eq!(read_sst(&bytes), Ok(entries));
    }

    #[test]
    fn sst_layout_is_what_windows_and_wines_writer_emit() {
        let Some(entries) = entries(&[Some("A")]) else {
            return;
        };
        let der = &entries[0].der;
        let mut expected = MAGIC.to_vec();
        raw_record(&mut expected, 11, 1, &[b'A', 0, 0, 0]);
        raw_record(&mut expected, 32, 1, der);
        expected.extend_from_slice(&[0; 12]);
        assert_eq!(write_sst(&entries[..1]), expected);
        assert_eq!(write_sst(&[]), [&MAGIC[..], &[0; 12]].concat());
        assert_eq!(read_sst(&write_sst(&[])), Ok(vec![]));
    }

    #[test]
    fn unknown_properties_crls_and_ctls_are_skipped() {
        let Some(entries) = entries(&[Some("kept"), None]) else {
            return;
        };
        let mut b = MAGIC.to_vec();
        raw_record(&mut b, 3, 1, &[0x11; 20]);
        raw_record(&mut b, 11, 1, &[b'x', 0, 0, 0]); // belongs to the CRL below, not to a certificate
        raw_record(&mut b, 33, 1, b"not parsed");
        raw_record(&mut b, 34, 1, b"not parsed either");
        raw_record(&mut b, 11, 1, &[b'k', 0, b'e', 0, b'p', 0, b't', 0, 0, 0]);
        raw_record(&mut b, 9999, 1, b"unknown property");
        raw_record(&mut b, 32, 1, &entries[0].der);
        raw_record(&mut b, 104, 1, &[0; 8]);
        raw_record(&mut b, 32, 1, &entries[1].der);
        b.extend_from_slice(&[0; 12]);
        assert_eq!(read_sst(&b), Ok(entries));
    }

    #[test]
    fn damaged_stores_name_the_byte() {
        let Some(entries) = entries(&[Some("A")]) else {
            return;
        };
        let good = write_sst(&entries[..1]);
        let name_record = 8;
        let cert_record = name_record + 12 + 4;
        let end_marker = cert_record + 12 + entries[0].der.len();
        let offset_of = |bytes: &[u8]| match read_sst(bytes) {
            Err(CollectionError::DamagedSst { offset, what }) => {
                assert!(what.contains("export the store again"), "{what}");
                offset
            }
            other => panic!("expected DamagedSst, got {other:?}"),
        };
        // Cut short inside the certificate, inside a header, and before the end marker.
        assert_eq!(offset_of(&good[..cert_record + 20]), cert_record);
        assert_eq!(offset_of(&good[..cert_record + 5]), cert_record);
        assert_eq!(offset_of(&good[..end_marker]), end_marker);
        // Trailing bytes after the end marker.
        assert_eq!(offset_of(&[&good[..], b"x"].concat()), good.len());
        // Encoding type other than 1.
        let mut b = good.clone();
        b[cert_record + 4] = 2;
        assert_eq!(offset_of(&b), cert_record + 4);
        // A non-zero end marker.
        let mut b = good.clone();
        b[end_marker + 8] = 1;
        assert_eq!(offset_of(&b), end_marker);
        // A property with no certificate after it.
        let mut b = MAGIC.to_vec();
        raw_record(&mut b, 11, 1, &[b'A', 0, 0, 0]);
        b.extend_from_slice(&[0; 12]);
        assert_eq!(offset_of(&b), 8);
        // A certificate record that is not a certificate.
        let mut b = MAGIC.to_vec();
        raw_record(&mut b, 32, 1, b"not DER");
        b.extend_from_slice(&[0; 12]);
        assert_eq!(offset_of(&b), 20);
        // A friendly name of odd length.
        let mut b = MAGIC.to_vec();
        raw_record(&mut b, 11, 1, &[b'A', 0, 0]);
        raw_record(&mut b, 32, 1, &entries[0].der);
        b.extend_from_slice(&[0; 12]);
        assert_eq!(offset_of(&b), 20);
    }

    /// An independent reader (Python, written from the spec) reads what mailsec writes.
    #[test]
    fn sst_written_by_mailsec_is_read_by_python() {
        let Some(entries) = entries(&[Some("Contoso Root"), None, Some("Zoë 🔐"), Some("Last")])
        else {
            return;
        };
        if !require_tool("python3") {
            return;
        }
        const READER: &str = r#"
import hashlib, json, struct, sys
d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'\0\0\0\0CERT', 'bad header'
o, name, out = 8, None, []
while True:
    pid, enc, ln = struct.unpack_from('<III', d, o)
    o += 12
    if pid == 0:
        assert enc == 0 and ln == 0 and o == len(d), 'bad end marker'
        break
    assert enc == 1, 'bad encoding type'
    v = d[o:o + ln]
    assert len(v) == ln, 'cut short'
    o += ln
    if pid == 11:
        name = v.decode('utf-16-le')
        assert name.endswith('\0'), 'friendly name not NUL-terminated'
        name = name[:-1]
    elif pid == 32:
        out.append([hashlib.sha1(v).hexdigest(), name])
        name = None
print(len(out))
print(json.dumps(out))
"#;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("mailsec.sst");
        std::fs::write(&path, write_sst(&entries)).expect("write .sst");
        let run = std::process::Command::new("python3")
            .args(["-c", READER])
            .arg(&path)
            .output()
            .expect("run python3");
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let mut lines = stdout.lines();
        assert_eq!(lines.next(), Some(entries.len().to_string().as_str()));
        let expected: Vec<(String, Option<String>)> = entries
            .iter()
            .map(|e| (hex::encode(Sha1::digest(&e.der)), e.friendly_name.clone()))
            .collect();
        let got: Vec<(String, Option<String>)> =
            serde_json::from_str(lines.next().unwrap_or_default()).expect("python output");
        assert_eq!(got, expected);
    }

    #[test]
    fn corpus_disallowedcert_sst_has_71_certificates() {
        let Some(corpus) = corpus() else { return };
        let bytes =
            std::fs::read(corpus.join("sst/zcrypto-test_disallowedcert.sst")).expect("read");
        let entries = read_sst(&bytes).expect("read .sst");
        assert_eq!(entries.len(), 71);
        assert!(entries.iter().all(|e| e.friendly_name.is_none()));
        // Property 3 holds each certificate's SHA-1: check the certificate records against it.
        let mut off = 8;
        let mut hashes = Vec::new();
        while let Some(h) = bytes.get(off..off + 12) {
            let id = u32_at(h, 0).unwrap_or(0);
            let len = u32_at(h, 8).unwrap_or(0) as usize;
            if id == 3 {
                hashes.push(bytes[off + 12..off + 12 + len].to_vec());
            }
            if id == 0 {
                break;
            }
            off += 12 + len;
        }
        let computed: Vec<Vec<u8>> = entries
            .iter()
            .map(|e| Sha1::digest(&e.der).to_vec())
            .collect();
        assert_eq!(hashes, computed);
    }

    #[test]
    fn corpus_windows_roots_sst_has_434_certificates_with_names() {
        let Some(corpus) = corpus() else { return };
        let bytes = std::fs::read(corpus.join("sst/winrootCAupdate-roots.sst")).expect("read");
        let entries = read_sst(&bytes).expect("read .sst");
        assert_eq!(entries.len(), 434);
        assert_eq!(
            entries[0].friendly_name.as_deref(),
            Some("TrustCor RootCert CA-1")
        );
        // Written again (friendly names kept, other properties dropped), the store reads back the same.
        assert_eq!(read_sst(&write_sst(&entries)), Ok(entries));
    }

    proptest! {
        /// Any list of certificates with any friendly names survives a write and a read.
        #[test]
        fn sst_round_trip_any_names(
            picks in proptest::collection::vec((0usize..4, proptest::option::of(any::<String>())), 0..8)
        ) {
            let Some(certs) = generated_certs() else { return Ok(()) };
            let entries: Vec<SstEntry> = picks
                .into_iter()
                .map(|(i, name)| SstEntry { der: certs[i % certs.len()].der.clone(), friendly_name: name })
                .collect();
            prop_assert_eq!(read_sst(&write_sst(&entries)), Ok(entries));
        }
    }
}
