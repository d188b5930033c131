//! The roots a probed certificate must chain to: a PEM/DER/PKCS#7 file named by `MAILSEC_PROBE_CA_FILE`
//! (tests, private CAs), else the system's roots (rustls-native-certs: SSL_CERT_FILE, /etc/ssl/certs).

use std::path::PathBuf;

use rustls::pki_types::CertificateDer;

use crate::probe::ProbeError;

#[derive(Debug, Clone)]
pub struct TrustRoots {
    /// Where the roots came from, for reasons ("the CA file /x/ca.pem", "the system's 140 roots").
    pub source: String,
    pub certs: Vec<CertificateDer<'static>>,
}

impl TrustRoots {
    pub fn from_file(path: PathBuf) -> Result<TrustRoots, ProbeError> {
        let bytes = std::fs::read(&path).map_err(|e| ProbeError::CaFile {
            path: path.clone(),
            why: e.to_string(),
        })?;
        let ders = crate::cert::read_collection(&bytes).map_err(|e| ProbeError::CaFile {
            path: path.clone(),
            why: e.to_string(),
        })?;
        if ders.is_empty() {
            return Err(ProbeError::CaFile {
                path,
                why: "it holds no certificate".into(),
            });
        }
        Ok(TrustRoots {
            source: format!("the CA file {}", path.display()),
            certs: ders.into_iter().map(CertificateDer::from).collect(),
        })
    }

    pub fn system() -> Result<TrustRoots, ProbeError> {
        let found = rustls_native_certs::load_native_certs();
        if found.certs.is_empty() {
            let why = match found.errors.first() {
                Some(e) => e.to_string(),
                None => "no root certificate was found".to_string(),
            };
            return Err(ProbeError::SystemRoots { why });
        }
        Ok(TrustRoots {
            source: format!("the system's {} trusted roots", found.certs.len()),
            certs: found.certs,
        })
    }

    /// `MAILSEC_PROBE_CA_FILE` when set, else the system's roots.
    pub fn from_env() -> Result<TrustRoots, ProbeError> {
        match std::env::var_os("MAILSEC_PROBE_CA_FILE") {
            Some(p) if !p.is_empty() => TrustRoots::from_file(PathBuf::from(p)),
            _ => TrustRoots::system(),
        }
    }
}
