//! Process-wide content-addressed table of certificate values: the bytes, so a certificate reference read back from YAML or JSON finds them again, and what is derived from them (format, decoded certificates, YAML reference), computed once per distinct value.
//!
//! Everything cached here is a pure function of the bytes, and the bytes are addressed by their
//! SHA-256, so a cached result is always the one a fresh computation would give. A bulk script
//! that publishes the same certificate on 50,000 recipients parses it once, not 150,000 times,
//! and holds its bytes once.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use sha2::{Digest, Sha256};

use super::{CertFormat, CertInfo, CertRef};

/// One distinct certificate value and what has been derived from it so far.
pub(crate) struct Entry {
    pub(crate) sha256: [u8; 32],
    /// The bytes as they were handed over: kept as given, not copied into a new block (a bulk
    /// read interns 100,000 of them).
    pub(crate) bytes: Vec<u8>,
    format: OnceLock<CertFormat>,
    certificates: OnceLock<Vec<CertInfo>>,
    reference: OnceLock<CertRef>,
}

impl Entry {
    /// The format sniffed from the bytes (see [`CertFormat::detect`]).
    pub(crate) fn format(&self) -> CertFormat {
        *self.format.get_or_init(|| CertFormat::detect(&self.bytes))
    }

    /// The certificates the value holds, decoded (see [`super::Cert::certificates`]).
    pub(crate) fn certificates(&self) -> &[CertInfo] {
        self.certificates
            .get_or_init(|| super::decode_certificates(self.format(), &self.bytes))
    }

    /// How the value is written in YAML (see [`CertRef::of`]).
    pub(crate) fn reference(&self) -> &CertRef {
        self.reference.get_or_init(|| {
            CertRef::build(
                &self.sha256,
                self.format(),
                &self.bytes,
                self.certificates(),
            )
        })
    }
}

/// The table's key is a SHA-256, already uniformly spread: its first eight bytes are the hash,
/// where SipHash would hash all 32 again on every lookup.
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    // A `[u8; 32]` hashes as its length, then one `write` of its bytes.
    fn write(&mut self, bytes: &[u8]) {
        let mut word = [0u8; 8];
        let n = bytes.len().min(8);
        word[..n].copy_from_slice(&bytes[..n]);
        self.0 = self.0.rotate_left(17) ^ u64::from_le_bytes(word);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type Shard = Mutex<HashMap<[u8; 32], Arc<Entry>, BuildHasherDefault<DigestHasher>>>;

/// The table in 16 shards by the digest's last byte: the load and the backend read intern
/// 100,000 values each at the same time, and one lock for all would have them wait on each other.
/// (Not by a byte the hash is made of: all keys of a shard would then share those hash bits, and
/// crowd into a sixteenth of its buckets.)
const SHARDS: usize = 16;

fn shard(sha256: &[u8; 32]) -> &'static Shard {
    static TABLE: OnceLock<[Shard; SHARDS]> = OnceLock::new();
    let table = TABLE.get_or_init(|| std::array::from_fn(|_| Mutex::default()));
    &table[usize::from(sha256[31]) % SHARDS]
}

/// The entry for `bytes`: the one already in the table when these bytes were seen before,
/// else a new one (remembered for later lookups).
pub(crate) fn intern(bytes: Vec<u8>) -> Arc<Entry> {
    let sha256: [u8; 32] = Sha256::digest(&bytes).into();
    intern_hashed(bytes, sha256)
}

/// [`intern`] for bytes whose SHA-256 the caller has just computed (and checked), so they are
/// not hashed twice.
pub(crate) fn intern_hashed(bytes: Vec<u8>, sha256: [u8; 32]) -> Arc<Entry> {
    // The table is a plain map that no panic can leave half-updated, so a poisoned lock is
    // still safe to use.
    let mut t = shard(&sha256)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    t.entry(sha256)
        .or_insert_with(|| {
            Arc::new(Entry {
                sha256,
                bytes,
                format: OnceLock::new(),
                certificates: OnceLock::new(),
                reference: OnceLock::new(),
            })
        })
        .clone()
}

/// An entry that names `sha256` but holds no bytes: what a reference read by
/// [`super::reference::deferred`] stands for until it is resolved. It is never put in the table,
/// and nothing derived from it is ever used (the caller resolves it or drops it).
pub(crate) fn placeholder(sha256: [u8; 32]) -> Arc<Entry> {
    Arc::new(Entry {
        sha256,
        bytes: Vec::new(),
        format: OnceLock::new(),
        certificates: OnceLock::new(),
        reference: OnceLock::new(),
    })
}

pub(crate) fn lookup(sha256: &[u8; 32]) -> Option<Arc<Entry>> {
    shard(sha256)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(sha256)
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::{collect_references, Cert};

    fn generated() -> Vec<u8> {
        let key = rcgen::KeyPair::generate().expect("a key");
        let params =
            rcgen::CertificateParams::new(vec!["intern.example".to_string()]).expect("params");
        params
            .self_signed(&key)
            .expect("a certificate")
            .der()
            .to_vec()
    }

    #[test]
    fn equal_bytes_share_one_entry_and_its_facts_are_a_fresh_computation() {
        let der = generated();
        let (a, b) = (Cert::from_bytes(der.clone()), Cert::from_bytes(der.clone()));
        assert!(Arc::ptr_eq(&a.entry, &b.entry));
        assert_eq!(a, b);
        assert_eq!(a.format(), CertFormat::detect(&der));
        assert_eq!(a.format(), CertFormat::X509);
        let fresh = crate::cert::decode_certificates(CertFormat::X509, &der);
        assert_eq!(fresh.len(), 1);
        assert_eq!(a.certificates(), fresh);
        let r = CertRef::of(&b);
        let expected = CertRef::build(&a.entry.sha256, CertFormat::X509, &der, &fresh);
        assert_eq!(r.file, expected.file);
        assert_eq!(r.thumbprint, expected.thumbprint);
        assert_eq!(r.subject, expected.subject);
        assert_eq!(r.not_after, expected.not_after);
        // A reference read back finds the same entry.
        let back = r.resolve().expect("resolves");
        assert!(Arc::ptr_eq(&back.entry, &a.entry));
        // Opaque bytes keep their size.
        let opaque = Cert::from_bytes(b"\x00intern: not a certificate".to_vec());
        assert_eq!(opaque.format(), CertFormat::Opaque);
        assert_eq!(CertRef::of(&opaque).size, Some(26));
    }

    #[test]
    fn serializing_collects_the_referenced_files_once_and_only_inside() {
        let one = Cert::from_bytes(generated());
        let two = Cert::from_bytes(b"\x01intern: other bytes".to_vec());
        let doc = vec![one.clone(), two.clone(), one.clone()];
        let (json, files) = collect_references(|| serde_json::to_string(&doc));
        assert!(json.is_ok());
        let expected: std::collections::BTreeSet<String> =
            [one.file_name(), two.file_name()].into_iter().collect();
        assert_eq!(files, expected);
        // Nested: the inner collection sees its own files, the outer one sees both.
        let (inner, outer) = collect_references(|| {
            let _ = serde_json::to_string(&one);
            collect_references(|| serde_json::to_string(&two)).1
        });
        assert_eq!(inner, [two.file_name()].into_iter().collect());
        assert_eq!(outer, expected);
        // Outside a collection nothing is kept.
        let _ = serde_json::to_string(&doc);
        assert!(collect_references(|| ()).1.is_empty());
    }
}
