//! What the probe reports about each certificate a peer sent (subject, issuer, names, validity,
//! SHA-256 fingerprint), and how a certificate's names are matched against a connector's TlsDomain.

use der::Decode;
use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::Certificate;

use crate::cert::CertInfo;

/// id-at-commonName.
const COMMON_NAME: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.5.4.3");

/// One certificate of the peer's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CertFacts {
    pub subject: String,
    pub issuer: String,
    /// subjectAltName dNSName and iPAddress entries, in the certificate's order.
    pub names: Vec<String>,
    pub not_before: String,
    pub not_after: String,
    /// SHA-256 of the DER, upper-case hex pairs joined by `:` (as Postfix and OpenSSL print it).
    pub fingerprint: String,
    #[serde(skip)]
    pub dns_names: Vec<String>,
    #[serde(skip)]
    pub common_name: Option<String>,
}

pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

impl CertFacts {
    /// Read a DER certificate; a certificate that does not parse is reported with what is known.
    pub fn from_der(der: &[u8]) -> CertFacts {
        let fp = fingerprint(der);
        let Ok(cert) = Certificate::from_der(der) else {
            return CertFacts {
                subject: "(not a parsable X.509 certificate)".into(),
                issuer: String::new(),
                names: Vec::new(),
                not_before: String::new(),
                not_after: String::new(),
                fingerprint: fp,
                dns_names: Vec::new(),
                common_name: None,
            };
        };
        let info = CertInfo::from_der(der).ok();
        let mut names = Vec::new();
        let mut dns_names = Vec::new();
        if let Ok(Some((_, san))) = cert.tbs_certificate.get::<SubjectAltName>() {
            for n in san.0 {
                match n {
                    GeneralName::DnsName(d) => {
                        let s = d.to_string();
                        names.push(s.clone());
                        dns_names.push(s);
                    }
                    GeneralName::IpAddress(ip) => {
                        let b = ip.as_bytes();
                        let text = match b.len() {
                            4 => std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
                            16 => {
                                let mut a = [0u8; 16];
                                a.copy_from_slice(b);
                                std::net::Ipv6Addr::from(a).to_string()
                            }
                            _ => continue,
                        };
                        names.push(text);
                    }
                    _ => {}
                }
            }
        }
        let common_name = cert
            .tbs_certificate
            .subject
            .0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .find(|atv| atv.oid == COMMON_NAME)
            .and_then(|atv| {
                der::asn1::Utf8StringRef::try_from(&atv.value)
                    .map(|s| s.to_string())
                    .or_else(|_| {
                        der::asn1::PrintableStringRef::try_from(&atv.value).map(|s| s.to_string())
                    })
                    .ok()
            });
        CertFacts {
            subject: info.as_ref().map(|i| i.subject.clone()).unwrap_or_default(),
            issuer: info.as_ref().map(|i| i.issuer.clone()).unwrap_or_default(),
            names,
            not_before: info
                .as_ref()
                .map(|i| i.not_before_text())
                .unwrap_or_default(),
            not_after: info
                .as_ref()
                .map(|i| i.not_after_text())
                .unwrap_or_default(),
            fingerprint: fp,
            dns_names,
            common_name,
        }
    }

    /// The DNS names matched against TlsDomain: the subjectAltName dNSNames, or the subject's common
    /// name when the certificate has none (RFC 6125's fallback).
    pub fn match_names(&self) -> Vec<String> {
        if !self.dns_names.is_empty() {
            return self.dns_names.clone();
        }
        self.common_name.iter().cloned().collect()
    }
}

fn norm(s: &str) -> String {
    s.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Does a certificate name (possibly `*.` wildcard, one label) satisfy TlsDomain? `TlsDomain` of
/// `*.contoso.com` means any subdomain of contoso.com (not contoso.com itself); a plain TlsDomain must
/// be the certificate's name, or covered by its one-label wildcard.
pub fn name_matches(cert_name: &str, tls_domain: &str) -> bool {
    let name = norm(cert_name);
    let want = norm(tls_domain);
    if name.is_empty() || want.is_empty() {
        return false;
    }
    if let Some(base) = want.strip_prefix("*.") {
        // Any subdomain, at any depth; a wildcard certificate name is a subdomain pattern too.
        return name.ends_with(&format!(".{base}")) && name.len() > base.len() + 1;
    }
    if name == want {
        return true;
    }
    if let Some(base) = name.strip_prefix("*.") {
        if let Some((label, rest)) = want.split_once('.') {
            return !label.is_empty() && rest == base && !base.is_empty();
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_domain_matching() {
        assert!(name_matches("mx.partner.example", "mx.partner.example"));
        assert!(name_matches("MX.Partner.Example.", "mx.partner.example"));
        assert!(!name_matches("other.example", "mx.partner.example"));
        // A wildcard certificate covers one label.
        assert!(name_matches("*.partner.example", "mx.partner.example"));
        assert!(!name_matches("*.partner.example", "partner.example"));
        assert!(!name_matches("*.partner.example", "a.mx.partner.example"));
        // A wildcard TlsDomain means subdomains, at any depth.
        assert!(name_matches("mx.partner.example", "*.partner.example"));
        assert!(name_matches("a.b.partner.example", "*.partner.example"));
        assert!(name_matches("*.partner.example", "*.partner.example"));
        assert!(!name_matches("partner.example", "*.partner.example"));
        assert!(!name_matches("evilpartner.example", "*.partner.example"));
        assert!(!name_matches("", "x.example"));
    }

    #[test]
    fn garbage_is_reported_not_panicked_on() {
        let f = CertFacts::from_der(b"not a certificate");
        assert!(f.subject.contains("not a parsable"));
        assert_eq!(f.fingerprint.len(), 32 * 3 - 1);
    }
}
