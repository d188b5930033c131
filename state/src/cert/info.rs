//! Decoded facts about one X.509 certificate (thumbprint, subject, issuer, validity) read with x509-cert.

use der::{Decode, DecodePem, Encode};
use sha1::{Digest, Sha1};
use time::OffsetDateTime;
use x509_cert::Certificate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// SHA-1 of the DER, upper-case hex: what Exchange and Windows call the thumbprint.
    pub thumbprint: String,
    pub subject: String,
    pub issuer: String,
    pub serial_number: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

#[derive(Debug, thiserror::Error)]
pub enum InfoError {
    #[error("not an X.509 certificate: {0}")]
    Decode(String),
}

/// Parse DER, or a PEM `CERTIFICATE` block, into a certificate and its DER bytes.
pub(crate) fn parse_x509(bytes: &[u8]) -> Result<(Certificate, Vec<u8>), InfoError> {
    if bytes.starts_with(b"-----BEGIN CERTIFICATE-----")
        || bytes.starts_with(b"-----BEGIN X509 CERTIFICATE-----")
    {
        let cert = Certificate::from_pem(bytes).map_err(|e| InfoError::Decode(e.to_string()))?;
        let der = cert
            .to_der()
            .map_err(|e| InfoError::Decode(e.to_string()))?;
        return Ok((cert, der));
    }
    let cert = Certificate::from_der(bytes).map_err(|e| InfoError::Decode(e.to_string()))?;
    Ok((cert, bytes.to_vec()))
}

impl CertInfo {
    pub fn from_bytes(bytes: &[u8]) -> Result<CertInfo, InfoError> {
        let (cert, der) = parse_x509(bytes)?;
        Ok(Self::build(&cert, &der))
    }

    pub fn from_der(der: &[u8]) -> Result<CertInfo, InfoError> {
        let cert = Certificate::from_der(der).map_err(|e| InfoError::Decode(e.to_string()))?;
        Ok(Self::build(&cert, der))
    }

    /// The facts of `cert`, already read from `der` (what [`CertInfo::from_der`] gives, without
    /// reading it again).
    pub(crate) fn build(cert: &Certificate, der: &[u8]) -> CertInfo {
        let tbs = &cert.tbs_certificate;
        let to_time = |t: &x509_cert::time::Time| {
            OffsetDateTime::from_unix_timestamp(t.to_unix_duration().as_secs() as i64)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        };
        CertInfo {
            thumbprint: hex::encode_upper(Sha1::digest(der)),
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            serial_number: hex::encode_upper(tbs.serial_number.as_bytes()),
            not_before: to_time(&tbs.validity.not_before),
            not_after: to_time(&tbs.validity.not_after),
        }
    }

    pub fn not_before_text(&self) -> String {
        rfc3339(self.not_before)
    }

    pub fn not_after_text(&self) -> String {
        rfc3339(self.not_after)
    }

    pub fn summary(&self) -> String {
        format!(
            "{} (thumbprint {}, expires {})",
            self.subject,
            self.thumbprint,
            self.not_after_text()
        )
    }
}

pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}
