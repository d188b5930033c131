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
pub use collection::{read_collection, CollectionError};
pub use collection::{read_collection_entries, CollectionEntry, CollectionFormat};
pub use info::{CertInfo, InfoError};
pub use pem::write_pem;
pub use pkcs7::{write_pkcs7, Pkcs7WriteError};
pub use reference::{sha256_of_file_name, CertRef, CertSummary, CERTS_DIR};
pub use sst::{read_sst, write_sst, SstEntry};

use std::fmt;
use std::sync::Arc;

use sha2::{Digest, Sha256};

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
/// Equality is by content: two values are the same exactly when their bytes are.
#[derive(Clone)]
pub struct Cert {
    format: CertFormat,
    sha256: [u8; 32],
    bytes: Arc<[u8]>,
}

impl Cert {
    /// Wrap bytes an admin handed over; the format is sniffed from them.
    pub fn from_bytes(bytes: Vec<u8>) -> Cert {
        let format = CertFormat::detect(&bytes);
        Cert::with_format(format, bytes)
    }

    pub(crate) fn with_format(format: CertFormat, bytes: Vec<u8>) -> Cert {
        let sha256: [u8; 32] = Sha256::digest(&bytes).into();
        let bytes: Arc<[u8]> = bytes.into();
        intern::remember(sha256, bytes.clone());
        Cert {
            format,
            sha256,
            bytes,
        }
    }

    pub fn format(&self) -> CertFormat {
        self.format
    }
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    pub fn sha256_hex(&self) -> String {
        hex::encode(self.sha256)
    }
    /// The file name this value is stored under in a `certs/` folder.
    pub fn file_name(&self) -> String {
        format!(
            "{}.{}",
            self.sha256_hex(),
            self.format.extension(&self.bytes)
        )
    }

    /// The certificates this value holds, decoded (empty for opaque bytes or undecodable content).
    pub fn certificates(&self) -> Vec<CertInfo> {
        match self.format {
            CertFormat::X509 | CertFormat::Pkcs7 | CertFormat::Sst => read_collection(&self.bytes)
                .map(|c| {
                    c.into_iter()
                        .filter_map(|der| CertInfo::from_der(&der).ok())
                        .collect()
                })
                .unwrap_or_default(),
            CertFormat::Opaque => Vec::new(),
        }
    }

    /// A one-line human summary used in plans and tables.
    pub fn summary(&self) -> String {
        let certs = self.certificates();
        match (self.format, certs.as_slice()) {
            (CertFormat::Opaque, _) => format!("{} bytes (not a certificate)", self.bytes.len()),
            (_, [one]) if self.format == CertFormat::X509 => one.summary(),
            (_, list) => {
                let inner: Vec<String> = list.iter().map(|c| c.summary()).collect();
                format!(
                    "{} ({} certificate{}: {})",
                    self.format,
                    list.len(),
                    if list.len() == 1 { "" } else { "s" },
                    inner.join("; ")
                )
            }
        }
    }
}

impl PartialEq for Cert {
    fn eq(&self, other: &Self) -> bool {
        self.sha256 == other.sha256
    }
}
impl Eq for Cert {}

impl fmt::Debug for Cert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Cert({}, {} bytes, sha256 {})",
            self.format,
            self.bytes.len(),
            &self.sha256_hex()[..16]
        )
    }
}

impl fmt::Display for Cert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}
