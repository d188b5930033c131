//! Certificate values kept losslessly: the bytes an admin gave, typed by what they hold, addressed by their SHA-256.

mod ber;
mod collection;
mod info;
mod intern;
mod pem;
mod pkcs7;
mod reference;
mod sst;

pub use ber::{ber_to_der, BerError};
pub(crate) use collection::read_collection_decoded;
pub use collection::{read_collection, CollectionError};
pub use collection::{read_collection_entries, CollectionEntry, CollectionFormat};
pub(crate) use info::name_text;
pub use info::{CertInfo, InfoError};
pub use pem::write_pem;
pub use pkcs7::{write_pkcs7, Pkcs7WriteError};
pub(crate) use reference::{by_digest, deferred, push_hex};
pub use reference::{collect_references, sha256_of_file_name, CertRef, CertSummary, CERTS_DIR};
pub use sst::{read_sst, write_sst, SstEntry};

use std::fmt;
use std::sync::Arc;

/// What a stored certificate value holds. Detected from the bytes, never from a file name.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum CertFormat {
    /// One X.509 certificate, DER or PEM.
    X509,
    /// A PKCS#7 / CMS SignedData (certs-only bundle or an S/MIME certificate blob).
    Pkcs7,
    /// A Microsoft serialized certificate store (.sst).
    Sst,
    /// Bytes that are none of the above; kept exactly as given.
    Opaque,
}

impl CertFormat {
    /// Sniff the format from the bytes.
    pub fn detect(bytes: &[u8]) -> CertFormat {
        // Bytes that do not read as what their structure claims are kept as opaque bytes.
        if read_collection(bytes).is_err() {
            return CertFormat::Opaque;
        }
        match CollectionFormat::detect(bytes) {
            Some(CollectionFormat::Der | CollectionFormat::Pem) => CertFormat::X509,
            Some(
                CollectionFormat::Pkcs7Der
                | CollectionFormat::Pkcs7Ber
                | CollectionFormat::Pkcs7Pem,
            ) => CertFormat::Pkcs7,
            Some(CollectionFormat::Sst) => CertFormat::Sst,
            None => CertFormat::Opaque,
        }
    }

    fn extension(self, bytes: &[u8]) -> &'static str {
        let pem = collection::is_pem(bytes);
        match self {
            CertFormat::X509 if pem => "pem",
            CertFormat::X509 => "cer",
            CertFormat::Pkcs7 if pem => "p7b.pem",
            CertFormat::Pkcs7 => "p7b",
            CertFormat::Sst => "sst",
            CertFormat::Opaque => "bin",
        }
    }
}

impl fmt::Display for CertFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CertFormat::X509 => "x509",
            CertFormat::Pkcs7 => "pkcs7",
            CertFormat::Sst => "sst",
            CertFormat::Opaque => "opaque",
        })
    }
}

/// A certificate value: exact bytes, their format, and their content hash.
///
/// Equality is by content: two values are the same exactly when their bytes are. Values with the
/// same bytes share one interned entry, so the format, the decoded certificates and the YAML
/// reference are worked out once per distinct value (see `intern`).
#[derive(Clone)]
pub struct Cert {
    entry: Arc<intern::Entry>,
}

impl Cert {
    /// Wrap bytes an admin handed over; the format is sniffed from them.
    pub fn from_bytes(bytes: Vec<u8>) -> Cert {
        Cert {
            entry: intern::intern(bytes),
        }
    }

    /// Bytes whose SHA-256 the caller computed from them just now (a certificate file checked
    /// against its name): interned without hashing them again.
    pub(crate) fn from_hashed_bytes(bytes: Vec<u8>, sha256: [u8; 32]) -> Cert {
        Cert {
            entry: intern::intern_hashed(bytes, sha256),
        }
    }

    pub(crate) fn from_entry(entry: Arc<intern::Entry>) -> Cert {
        Cert { entry }
    }

    /// A value read by [`reference::deferred`], given its bytes from the table: `false` when they
    /// were never loaded (the value stays a placeholder and must not be used).
    pub(crate) fn resolve_deferred(&mut self) -> bool {
        match intern::lookup(&self.entry.sha256) {
            Some(entry) => {
                self.entry = entry;
                true
            }
            None => false,
        }
    }

    pub fn format(&self) -> CertFormat {
        self.entry.format()
    }
    pub fn bytes(&self) -> &[u8] {
        &self.entry.bytes
    }
    pub fn sha256_hex(&self) -> String {
        hex::encode(self.entry.sha256)
    }
    /// The file name this value is stored under in a `certs/` folder.
    pub fn file_name(&self) -> String {
        file_name(&self.entry.sha256, self.format(), self.bytes())
    }

    /// The certificates this value holds, decoded (empty for opaque bytes or undecodable content).
    pub fn certificates(&self) -> Vec<CertInfo> {
        self.entry.certificates().to_vec()
    }

    /// The YAML reference of this value (decoded once per distinct value).
    pub(crate) fn reference(&self) -> &CertRef {
        self.entry.reference()
    }

    /// A one-line human summary used in plans and tables.
    pub fn summary(&self) -> String {
        let format = self.format();
        match (format, self.entry.certificates()) {
            (CertFormat::Opaque, _) => format!("{} bytes (not a certificate)", self.bytes().len()),
            (_, [one]) if format == CertFormat::X509 => one.summary(),
            (_, list) => {
                let inner: Vec<String> = list.iter().map(|c| c.summary()).collect();
                format!(
                    "{} ({} certificate{}: {})",
                    format,
                    list.len(),
                    if list.len() == 1 { "" } else { "s" },
                    inner.join("; ")
                )
            }
        }
    }
}

/// `<sha256 hex>.<ext>`: the name a value with these bytes is stored under.
fn file_name(sha256: &[u8; 32], format: CertFormat, bytes: &[u8]) -> String {
    format!("{}.{}", hex::encode(sha256), format.extension(bytes))
}

/// The certificates a value of `format` holds, decoded.
fn decode_certificates(format: CertFormat, bytes: &[u8]) -> Vec<CertInfo> {
    match format {
        CertFormat::X509 | CertFormat::Pkcs7 | CertFormat::Sst => read_collection(bytes)
            .map(|c| {
                c.into_iter()
                    .filter_map(|der| CertInfo::from_der(&der).ok())
                    .collect()
            })
            .unwrap_or_default(),
        CertFormat::Opaque => Vec::new(),
    }
}

impl PartialEq for Cert {
    fn eq(&self, other: &Self) -> bool {
        self.entry.sha256 == other.entry.sha256
    }
}
impl Eq for Cert {}

impl fmt::Debug for Cert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Cert({}, {} bytes, sha256 {})",
            self.format(),
            self.bytes().len(),
            &self.sha256_hex()[..16]
        )
    }
}

impl fmt::Display for Cert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}
