//! Layer 1: RFC 5280 path validation with rustls-webpki (chain to the organization's issuing CAs, signatures, validity, CRLs, EKU of the path), and webpki's errors told in words.
//!
//! Choices, and why:
//! - **EKU.** Every certificate of the path except the trust anchor must, *if it has* an extended key
//!   usage extension, list e-mail protection or anyExtendedKeyUsage (RFC 8550 §4.4.4). A missing
//!   extension passes here: webpki presents it as an empty list to the validator even for
//!   intermediates (spec caveat 1), and cross-signed CAs such as RFC 9216's carry none. That the
//!   end entity *lists* e-mail protection is a layer-2 check.
//! - **Revocation.** Only when the admin supplies CRLs; then every certificate of the path below the
//!   trust anchor must be covered by a CRL from its issuer (`UnknownStatusPolicy::Deny`,
//!   `RevocationCheckDepth::Chain`), and a CRL past its nextUpdate is refused
//!   (`ExpirationPolicy::Enforce`). This is what RFC 5280 §6.3 and NIST PKITS (4.4.1 "Missing CRL",
//!   4.4.11/12 "Old CRL nextUpdate") expect: an unknown or stale status is not a "good" status.
//!   CRLs that webpki cannot use (delta, indirect, reason-partitioned, v1) are set aside and named
//!   when they would have mattered.
//! - **Trust anchors** are not revocation-checked (RFC 5280 §6.1), but they must be within their own
//!   validity at the validation time (webpki does not look at an anchor's dates; openssl does, and an
//!   expired issuing CA is something an admin must hear about). A path through an expired anchor
//!   is refused and path building goes on with the other anchors.
//! - **Limits of webpki** (spec caveats 2–4): no policy processing, no keyUsage check of the end
//!   entity (layer 2 does it), rfc822Name and directoryName name constraints always reject, no
//!   OCSP, no AIA fetching, no DSA, no SHA-1 signatures, RSA keys of 2048 bits or more. See
//!   `pkits_exceptions.tsv` for what this means against NIST PKITS.

use std::cell::RefCell;
use std::time::Duration;

use der::asn1::ObjectIdentifier;
use der::Decode;
use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use time::OffsetDateTime;
use webpki::{
    BorrowedCertRevocationList, CertRevocationList, EndEntityCert, Error as WebpkiError,
    ExpirationPolicy, ExtendedKeyUsageValidator, KeyPurposeId, KeyPurposeIdIter, KeyUsage,
    RequiredEkuNotFoundContext, RevocationCheckDepth, RevocationOptionsBuilder, RevocationReason,
    UnknownStatusPolicy, VerifiedPath,
};
use x509_cert::crl::CertificateList;
use x509_cert::Certificate;

use super::report::{PathError, PathResult};
use super::words::{eku_arcs_words, name_from_contents, signature_algorithm_words, time_words};

/// id-kp-emailProtection (1.3.6.1.5.5.7.3.4), OID contents.
const EKU_EMAIL_PROTECTION: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04];
/// anyExtendedKeyUsage (2.5.29.37.0), OID contents.
const EKU_ANY: &[u8] = &[0x55, 0x1d, 0x25, 0x00];

/// The most intermediates webpki will put in one path.
const MAX_INTERMEDIATES: usize = 6;

/// What the path is validated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathUsage {
    /// S/MIME: e-mail protection (or anyExtendedKeyUsage) wherever an EKU extension is present.
    Email,
    /// TLS server authentication (serverAuth where present) — only to show that an S/MIME
    /// certificate is *not* a TLS server certificate.
    TlsServer,
}

/// The S/MIME EKU rule of layer 1: `required_if_present(emailProtection)`, plus
/// anyExtendedKeyUsage, which RFC 8550 §4.4.4 tells receiving agents to accept.
struct SmimeEku;

impl ExtendedKeyUsageValidator for SmimeEku {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> Result<(), WebpkiError> {
        let email = KeyPurposeId::new(EKU_EMAIL_PROTECTION);
        let any = KeyPurposeId::new(EKU_ANY);
        let mut present = Vec::new();
        for id in iter {
            let id = id?;
            if id == email || id == any {
                return Ok(());
            }
            present.push(id.to_decoded_oid());
        }
        if present.is_empty() {
            return Ok(());
        }
        Err(WebpkiError::RequiredEkuNotFoundContext(
            RequiredEkuNotFoundContext {
                required: KeyUsage::required_if_present(EKU_EMAIL_PROTECTION),
                present,
            },
        ))
    }
}

/// What we know of one certificate, for building sentences.
#[derive(Debug, Clone, Default)]
struct CertFacts {
    /// DER contents (no SEQUENCE header) of subject and issuer names, as webpki compares them.
    subject_raw: Vec<u8>,
    issuer_raw: Vec<u8>,
    serial: Vec<u8>,
    subject: String,
    issuer: String,
    /// Unix seconds; `None` when x509-cert could not read the dates.
    not_before: Option<i64>,
    not_after: Option<i64>,
    /// Dotted EKU OIDs when the extension is present.
    eku: Option<Vec<String>>,
    /// Whether keyUsage allows keyCertSign; `None` when there is no keyUsage extension.
    key_cert_sign: Option<bool>,
    /// Critical extensions webpki does not process, in words.
    unsupported_critical: Vec<String>,
}

impl CertFacts {
    fn from_webpki(cert: &webpki::Cert<'_>, der: &[u8]) -> Self {
        let mut facts = CertFacts {
            subject_raw: cert.subject().to_vec(),
            issuer_raw: cert.issuer().to_vec(),
            serial: cert.serial().to_vec(),
            subject: name_from_contents(cert.subject()),
            issuer: name_from_contents(cert.issuer()),
            ..CertFacts::default()
        };
        facts.add_x509(der);
        facts
    }

    /// What x509-cert can tell: dates, EKU, keyCertSign, critical extensions.
    fn add_x509(&mut self, der: &[u8]) {
        let Ok(parsed) = Certificate::from_der(der) else {
            return;
        };
        let extensions = parsed.tbs_certificate.extensions.as_deref().unwrap_or(&[]);
        self.key_cert_sign = extensions
            .iter()
            .find(|e| e.extn_id == OID_KEY_USAGE)
            .map(|e| key_cert_sign(e.extn_value.as_bytes()));
        self.unsupported_critical = extensions
            .iter()
            .filter(|e| e.critical && !WEBPKI_EXTENSIONS.contains(&e.extn_id))
            .map(|e| extension_words(&e.extn_id.to_string()))
            .collect();
        self.eku = extensions.iter().find(|e| e.extn_id == OID_EKU).map(|e| {
            x509_cert::ext::pkix::ExtendedKeyUsage::from_der(e.extn_value.as_bytes())
                .map(|eku| eku.0.iter().map(|o| o.to_string()).collect())
                .unwrap_or_default()
        });
        let validity = &parsed.tbs_certificate.validity;
        self.not_before = i64::try_from(validity.not_before.to_unix_duration().as_secs()).ok();
        self.not_after = i64::try_from(validity.not_after.to_unix_duration().as_secs()).ok();
    }

    /// Why webpki refused this certificate for an unsupported critical extension.
    fn critical_words(&self) -> String {
        if self.unsupported_critical.is_empty() {
            "it has a critical extension that is not supported".to_string()
        } else {
            format!(
                "it has a critical extension that is not supported: {}",
                self.unsupported_critical.join(", ")
            )
        }
    }
}

const OID_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const OID_EKU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");

/// The extensions rustls-webpki processes; any other critical extension makes it refuse the
/// certificate (RFC 5280 §4.2).
const WEBPKI_EXTENSIONS: [ObjectIdentifier; 6] = [
    OID_KEY_USAGE,
    ObjectIdentifier::new_unwrap("2.5.29.17"),
    ObjectIdentifier::new_unwrap("2.5.29.19"),
    ObjectIdentifier::new_unwrap("2.5.29.30"),
    ObjectIdentifier::new_unwrap("2.5.29.31"),
    OID_EKU,
];

/// keyUsage bit 5 (keyCertSign) from the extension's BIT STRING; malformed counts as not set.
fn key_cert_sign(value: &[u8]) -> bool {
    der::asn1::BitString::from_der(value)
        .ok()
        .and_then(|b| b.raw_bytes().first().copied())
        .is_some_and(|first| first & 0x04 != 0)
}

fn extension_words(oid: &str) -> String {
    let name = match oid {
        "2.5.29.32" => "certificate policies",
        "2.5.29.33" => "policy mappings",
        "2.5.29.36" => "policy constraints",
        "2.5.29.54" => "inhibit anyPolicy",
        "2.5.29.14" => "subject key identifier",
        "2.5.29.35" => "authority key identifier",
        "2.5.29.16" => "private key usage period",
        "2.5.29.9" => "subject directory attributes",
        "2.5.29.18" => "issuer alternative name",
        "2.5.29.46" => "freshest CRL",
        "1.3.6.1.5.5.7.1.1" => "authority information access",
        _ => return oid.to_string(),
    };
    format!("{name} ({oid})")
}

/// A supplied intermediate webpki cannot read; left out of the pool, but named when it is the
/// missing link.
struct Excluded {
    subject_raw: Option<Vec<u8>>,
    subject: String,
    code: PathError,
    why: String,
}

struct CrlFacts {
    issuer_raw: Vec<u8>,
    issuer: String,
    next_update: Option<i64>,
}

/// A supplied CRL that webpki cannot use, and why.
struct UnusableCrl {
    issuer_raw: Option<Vec<u8>>,
    why: String,
}

/// The parsed trust anchors, intermediates and CRLs, ready to validate many end entities.
pub(crate) struct PathContext<'a> {
    trust: Vec<TrustAnchor<'static>>,
    anchor_facts: Vec<CertFacts>,
    pool: Vec<CertificateDer<'a>>,
    pool_facts: Vec<CertFacts>,
    crls: Vec<CertRevocationList<'a>>,
    crl_facts: Vec<CrlFacts>,
    unusable_crls: Vec<UnusableCrl>,
    excluded: Vec<Excluded>,
    /// Problems with the inputs (unreadable anchors, intermediates or CRLs), in words.
    pub(crate) input_problems: Vec<String>,
}

impl<'a> PathContext<'a> {
    pub(crate) fn new(
        anchors: &[Vec<u8>],
        intermediates: &'a [Vec<u8>],
        crls: &'a [Vec<u8>],
    ) -> Self {
        let mut ctx = PathContext {
            trust: Vec::new(),
            anchor_facts: Vec::new(),
            pool: Vec::new(),
            pool_facts: Vec::new(),
            crls: Vec::new(),
            crl_facts: Vec::new(),
            unusable_crls: Vec::new(),
            excluded: Vec::new(),
            input_problems: Vec::new(),
        };
        for (i, der) in anchors.iter().enumerate() {
            let cert_der = CertificateDer::from(der.as_slice());
            match webpki::anchor_from_trusted_cert(&cert_der) {
                Ok(anchor) => {
                    // v1 anchors are accepted by webpki but not by its Cert parser; keep what we can.
                    let facts = match EndEntityCert::try_from(&cert_der) {
                        Ok(c) => CertFacts::from_webpki(&c, der),
                        Err(_) => CertFacts {
                            subject_raw: anchor.subject.as_ref().to_vec(),
                            subject: name_from_contents(anchor.subject.as_ref()),
                            ..CertFacts::default()
                        },
                    };
                    ctx.trust.push(anchor.to_owned());
                    ctx.anchor_facts.push(facts);
                }
                Err(e) => ctx.input_problems.push(format!(
                    "issuing CA certificate #{} could not be used as a trust anchor: {}",
                    i + 1,
                    error_words_short(&e)
                )),
            }
        }
        for (i, der) in intermediates.iter().enumerate() {
            let cert_der = CertificateDer::from(der.as_slice());
            match EndEntityCert::try_from(&cert_der) {
                Ok(c) => {
                    ctx.pool_facts.push(CertFacts::from_webpki(&c, der));
                    ctx.pool.push(cert_der.clone());
                }
                // Left out: an unreadable certificate in the pool would otherwise turn every
                // "unknown issuer" into "malformed certificate" (webpki keeps the most specific error).
                Err(e) => {
                    let mut facts = CertFacts::default();
                    facts.add_x509(der);
                    let parsed = Certificate::from_der(der).ok();
                    let subject_raw = parsed
                        .as_ref()
                        .and_then(|p| name_contents(&p.tbs_certificate.subject));
                    let subject = subject_raw
                        .as_deref()
                        .map(name_from_contents)
                        .unwrap_or_else(|| "(unreadable)".to_string());
                    let (code, why) = match e {
                        WebpkiError::UnsupportedCriticalExtension => (
                            PathError::UnsupportedCriticalExtension,
                            facts.critical_words(),
                        ),
                        _ => (PathError::Malformed, error_words_short(&e)),
                    };
                    ctx.input_problems.push(format!(
                        "intermediate certificate #{} ('{subject}') was left out: {why}",
                        i + 1
                    ));
                    ctx.excluded.push(Excluded {
                        subject_raw,
                        subject,
                        code,
                        why,
                    });
                }
            }
        }
        for (i, der) in crls.iter().enumerate() {
            let parsed = CertificateList::from_der(der).ok();
            let issuer_raw = parsed
                .as_ref()
                .and_then(|p| name_contents(&p.tbs_cert_list.issuer));
            match BorrowedCertRevocationList::from_der(der) {
                Ok(crl) => {
                    let crl = CertRevocationList::from(crl);
                    ctx.crl_facts.push(CrlFacts {
                        issuer_raw: crl.issuer().to_vec(),
                        issuer: name_from_contents(crl.issuer()),
                        next_update: parsed.as_ref().and_then(|p| {
                            p.tbs_cert_list
                                .next_update
                                .and_then(|t| i64::try_from(t.to_unix_duration().as_secs()).ok())
                        }),
                    });
                    ctx.crls.push(crl);
                }
                Err(e) => {
                    let from = issuer_raw
                        .as_deref()
                        .map(|r| format!(" from '{}'", name_from_contents(r)))
                        .unwrap_or_default();
                    let why = format!(
                        "supplied CRL #{}{from} cannot be used: {}",
                        i + 1,
                        crl_error_words(&e)
                    );
                    ctx.input_problems.push(why.clone());
                    ctx.unusable_crls.push(UnusableCrl { issuer_raw, why });
                }
            }
        }
        ctx
    }

    /// Validate the path of `end_entity` at `at` for `usage`.
    pub(crate) fn verify(
        &self,
        end_entity: &[u8],
        at: OffsetDateTime,
        usage: PathUsage,
    ) -> PathResult {
        if self.trust.is_empty() {
            return failed(
                PathError::NoTrustAnchors,
                "no issuing CA is configured (Set-SmimeConfig -SMIMECertificateIssuingCA), or none \
                 could be read, so no certificate can be trusted"
                    .to_string(),
            );
        }
        let cert_der = CertificateDer::from(end_entity);
        let ee = match EndEntityCert::try_from(&cert_der) {
            Ok(ee) => ee,
            Err(WebpkiError::UnsupportedCriticalExtension) => {
                let mut facts = CertFacts::default();
                facts.add_x509(end_entity);
                return failed(
                    PathError::UnsupportedCriticalExtension,
                    format!(
                        "the certificate must be rejected (RFC 5280 §4.2): {}",
                        facts.critical_words()
                    ),
                );
            }
            Err(e) => {
                return failed(
                    PathError::Malformed,
                    format!(
                        "the certificate could not be read: {}",
                        error_words_short(&e)
                    ),
                )
            }
        };
        let secs = at.unix_timestamp();
        let time =
            UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(secs).unwrap_or(0)));

        let crl_refs: Vec<&CertRevocationList<'_>> = self.crls.iter().collect();
        let revocation = RevocationOptionsBuilder::new(&crl_refs).ok().map(|b| {
            b.with_depth(RevocationCheckDepth::Chain)
                .with_status_policy(UnknownStatusPolicy::Deny)
                .with_expiration_policy(ExpirationPolicy::Enforce)
                .build()
        });

        // Our own reason when the callback below refuses a path webpki would accept.
        let refused: RefCell<Option<String>> = RefCell::new(None);
        let our_checks = |path: &VerifiedPath<'_>| -> Result<(), WebpkiError> {
            // RFC 5280 §6.1.4 (n): an issuer with a keyUsage extension must assert keyCertSign.
            // webpki does not check this (spec caveat 2).
            for cert in path.intermediate_certificates() {
                let der = cert.der();
                let facts = self
                    .pool
                    .iter()
                    .position(|p| std::ptr::eq(p.as_ref(), der.as_ref()))
                    .and_then(|i| self.pool_facts.get(i));
                if let Some(f) = facts {
                    if f.key_cert_sign == Some(false) {
                        *refused.borrow_mut() = Some(format!(
                            "the CA certificate '{}' in the path is not allowed to sign certificates (its key usage lacks keyCertSign)",
                            f.subject
                        ));
                        return Err(WebpkiError::EndEntityUsedAsCa);
                    }
                }
            }
            let Some(i) = self
                .trust
                .iter()
                .position(|t| std::ptr::eq(t, path.anchor()))
            else {
                return Ok(());
            };
            let Some(f) = self.anchor_facts.get(i) else {
                return Ok(());
            };
            if let Some(nb) = f.not_before {
                if secs < nb {
                    return Err(WebpkiError::CertNotValidYet {
                        time,
                        not_before: unix(nb),
                    });
                }
            }
            if let Some(na) = f.not_after {
                if secs > na {
                    return Err(WebpkiError::CertExpired {
                        time,
                        not_after: unix(na),
                    });
                }
            }
            Ok(())
        };

        let algs = webpki::ALL_VERIFICATION_ALGS;
        let result = match usage {
            PathUsage::Email => ee.verify_for_usage(
                algs,
                &self.trust,
                &self.pool,
                time,
                SmimeEku,
                revocation,
                Some(&our_checks),
            ),
            PathUsage::TlsServer => ee.verify_for_usage(
                algs,
                &self.trust,
                &self.pool,
                time,
                KeyUsage::server_auth(),
                revocation,
                Some(&our_checks),
            ),
        };
        match result {
            Ok(path) => {
                let mut chain = vec![name_from_contents(ee.subject())];
                chain.extend(
                    path.intermediate_certificates()
                        .map(|c| name_from_contents(c.subject())),
                );
                chain.push(name_from_contents(path.anchor().subject.as_ref()));
                PathResult::Ok { chain }
            }
            Err(WebpkiError::EndEntityUsedAsCa) if refused.borrow().is_some() => failed(
                PathError::IssuerNotCa,
                refused.borrow().clone().unwrap_or_default(),
            ),
            Err(e) => {
                let ee_facts = CertFacts::from_webpki(&ee, end_entity);
                let (code, reason) = self.explain(&e, &ee_facts, secs, usage);
                failed(code, reason)
            }
        }
    }

    /// webpki's error, told in words, naming the certificate concerned where it can be found.
    fn explain(
        &self,
        e: &WebpkiError,
        ee: &CertFacts,
        at: i64,
        usage: PathUsage,
    ) -> (PathError, String) {
        use PathError as P;
        use WebpkiError as W;
        match e {
            W::CertExpired { not_after, .. } => {
                let when = time_words(secs_of(*not_after));
                let who = self.who_has(ee, |f| f.not_after == Some(secs_of(*not_after)));
                (P::Expired, format!("{who} expired on {when}"))
            }
            W::CertNotValidYet { not_before, .. } => {
                let when = time_words(secs_of(*not_before));
                let who = self.who_has(ee, |f| f.not_before == Some(secs_of(*not_before)));
                (P::NotYetValid, format!("{who} is not valid before {when}"))
            }
            W::UnknownIssuer => self.missing_link(ee).unwrap_or_else(|| {
                (
                    P::UnknownIssuer,
                    format!(
                        "no trusted issuer: it is not signed by any of the organization's issuing \
                         CAs (its issuer is '{}', and no intermediate certificate supplied leads \
                         from there to an issuing CA)",
                        ee.issuer
                    ),
                )
            }),
            W::InvalidSignatureForPublicKey | W::SignatureAlgorithmMismatch => {
                let mut reason = "a signature in the path does not verify: the certificate, or a \
                                  CA certificate above it, was not signed by the CA whose name it \
                                  carries, or it was altered"
                    .to_string();
                if let Some((name, n)) = self.same_named_issuers(ee) {
                    reason.push_str(&format!(
                        "; note that {n} CA certificates named '{name}' were supplied (a renewed \
                         or self-issued CA), and only the failure that ranks highest is reported, \
                         so the path through the right one may have failed for another reason"
                    ));
                }
                (P::BadSignature, reason)
            }
            W::UnsupportedSignatureAlgorithmContext(cx) => (
                P::UnsupportedAlgorithm,
                format!(
                    "a certificate in the path is signed with {}, which is not supported \
                     (supported: RSA of 2048 bits or more with SHA-256/384/512 or PSS, ECDSA P-256 \
                     or P-384, Ed25519)",
                    signature_algorithm_words(&cx.signature_algorithm_id)
                ),
            ),
            W::UnsupportedSignatureAlgorithmForPublicKeyContext(cx) => (
                P::UnsupportedAlgorithm,
                format!(
                    "a certificate in the path is signed with {} by a {} key, which is not \
                     supported (RSA keys must have 2048 bits or more; DSA is not supported)",
                    signature_algorithm_words(&cx.signature_algorithm_id),
                    signature_algorithm_words(&cx.public_key_algorithm_id)
                ),
            ),
            W::CertRevoked => (P::Revoked, self.revoked_words(ee)),
            W::UnknownRevocationStatus => (P::RevocationUnknown, self.unknown_status_words(ee)),
            W::CrlExpired { next_update, .. } => {
                let due = secs_of(*next_update);
                let from = self
                    .crl_facts
                    .iter()
                    .find(|c| c.next_update == Some(due))
                    .map(|c| format!(" from '{}'", c.issuer))
                    .unwrap_or_default();
                (
                    P::CrlProblem,
                    format!(
                        "the supplied CRL{from} is out of date: its next update was due on {}; \
                         supply a current CRL (validation time {})",
                        time_words(due),
                        time_words(at)
                    ),
                )
            }
            W::InvalidCrlSignatureForPublicKey => (
                P::CrlProblem,
                "a supplied CRL does not verify: it was not signed with the key of the CA it names \
                 as its issuer, so revocation cannot be checked"
                    .to_string(),
            ),
            W::UnsupportedCrlSignatureAlgorithmContext(_)
            | W::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_) => (
                P::CrlProblem,
                "a supplied CRL is signed with an algorithm that is not supported, so revocation \
                 cannot be checked"
                    .to_string(),
            ),
            W::IssuerNotCrlSigner => (
                P::CrlProblem,
                "a CA in the path is not allowed to sign CRLs (its key usage lacks cRLSign), so its \
                 CRL cannot be used and revocation cannot be checked"
                    .to_string(),
            ),
            W::UnsupportedCrlVersion
            | W::UnsupportedDeltaCrl
            | W::UnsupportedIndirectCrl
            | W::UnsupportedRevocationReason
            | W::UnsupportedRevocationReasonsPartitioning
            | W::UnsupportedCrlIssuingDistributionPoint
            | W::InvalidCrlNumber => (
                P::CrlProblem,
                format!(
                    "a supplied CRL cannot be used: {}, so revocation cannot be checked",
                    crl_error_words(e)
                ),
            ),
            W::RequiredEkuNotFoundContext(cx) => (P::WrongUsage, eku_words(ee, cx, usage)),
            W::EmptyEkuExtension => (
                P::WrongUsage,
                "a certificate in the path has an extended key usage extension that lists no \
                 purpose at all, so it may be used for nothing"
                    .to_string(),
            ),
            W::NameConstraintViolation
            | W::MalformedNameConstraint
            | W::InvalidNetworkMaskConstraint => (
                P::NameConstraints,
                "the certificate's names are outside what a CA in the path may certify (name \
                 constraints); note that e-mail address (rfc822Name) and directory-name \
                 constraints cannot be evaluated and always reject"
                    .to_string(),
            ),
            W::PathLenConstraintViolated => (
                P::PathLength,
                "the path has more intermediate CAs than a CA in it allows (path length \
                 constraint)"
                    .to_string(),
            ),
            W::MaximumPathDepthExceeded => (
                P::PathLength,
                format!(
                    "the path to an issuing CA would need more than {MAX_INTERMEDIATES} \
                     intermediate CAs"
                ),
            ),
            W::CaUsedAsEndEntity => (
                P::NotAnEndEntity,
                "this is a CA certificate (basic constraints cA=true), not a person's certificate"
                    .to_string(),
            ),
            W::EndEntityUsedAsCa => (
                P::IssuerNotCa,
                "a certificate that would act as an issuer in the path is not a CA certificate \
                 (its basic constraints do not say cA=true)"
                    .to_string(),
            ),
            W::UnsupportedCriticalExtension => {
                let mut who = vec![(ee, "the certificate".to_string())];
                who.extend(
                    self.likely_issuers(ee)
                        .into_iter()
                        .map(|f| (f, format!("the CA certificate '{}'", f.subject))),
                );
                let reason = match who.iter().find(|(f, _)| !f.unsupported_critical.is_empty()) {
                    Some((f, name)) => format!(
                        "{name} has a critical extension that is not supported: {}, so it must \
                         be rejected (RFC 5280 §4.2)",
                        f.unsupported_critical.join(", ")
                    ),
                    None => "a certificate in the path has an extension marked critical that is \
                             not understood, so it must be rejected (RFC 5280 §4.2)"
                        .to_string(),
                };
                (P::UnsupportedCriticalExtension, reason)
            }
            W::MaximumSignatureChecksExceeded
            | W::MaximumPathBuildCallsExceeded
            | W::MaximumNameConstraintComparisonsExceeded => (
                P::TooComplex,
                "the supplied certificates are too many or too tangled to search for a path"
                    .to_string(),
            ),
            W::CertDistrusted => (
                P::Distrusted,
                "a certificate in the path uses a key that is explicitly distrusted".to_string(),
            ),
            W::BadDer
            | W::BadDerTime
            | W::TrailingData(_)
            | W::MalformedExtensions
            | W::ExtensionValueInvalid
            | W::InvalidSerialNumber
            | W::InvalidCertValidity
            | W::UnsupportedCertVersion => (
                P::Malformed,
                format!(
                    "a certificate in the path is malformed: {}",
                    error_words_short(e)
                ),
            ),
            other => (
                P::Other,
                format!("the path could not be validated: {other:?}"),
            ),
        }
    }

    /// "the certificate" / "the intermediate CA 'X'" / "the organization's issuing CA 'X'" — the first
    /// certificate for which `pred` holds.
    fn who_has(&self, ee: &CertFacts, pred: impl Fn(&CertFacts) -> bool) -> String {
        if pred(ee) {
            return "the certificate".to_string();
        }
        if let Some(f) = self.pool_facts.iter().find(|f| pred(f)) {
            return format!("the intermediate CA certificate '{}'", f.subject);
        }
        if let Some(f) = self.anchor_facts.iter().find(|f| pred(f)) {
            return format!("the organization's issuing CA '{}'", f.subject);
        }
        "a certificate in the path".to_string()
    }

    /// The certificates that may sit above `ee`, nearest first: breadth-first over issuer names
    /// through the pool, stopping at anchors. A guess at webpki's path, for wording only.
    fn likely_issuers(&self, ee: &CertFacts) -> Vec<&CertFacts> {
        let mut out: Vec<&CertFacts> = Vec::new();
        let mut frontier = vec![ee.issuer_raw.clone()];
        for _ in 0..=MAX_INTERMEDIATES {
            let mut next = Vec::new();
            for name in &frontier {
                if self.anchor_facts.iter().any(|a| &a.subject_raw == name) {
                    continue;
                }
                for f in self.pool_facts.iter().filter(|f| &f.subject_raw == name) {
                    if !out.iter().any(|o| std::ptr::eq(*o, f)) {
                        out.push(f);
                        next.push(f.issuer_raw.clone());
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        out
    }

    /// A CA name on the likely path that several supplied certificates (pool and anchors) carry.
    fn same_named_issuers(&self, ee: &CertFacts) -> Option<(String, usize)> {
        let mut names = vec![ee.issuer_raw.as_slice()];
        let above = self.likely_issuers(ee);
        names.extend(above.iter().map(|f| f.issuer_raw.as_slice()));
        names.into_iter().find_map(|name| {
            let n = self
                .pool_facts
                .iter()
                .chain(&self.anchor_facts)
                .filter(|f| f.subject_raw == name)
                .count();
            (n > 1).then(|| (name_from_contents(name), n))
        })
    }

    /// When no path was found: a supplied CA certificate that would have been the next link but
    /// cannot be used.
    fn missing_link(&self, ee: &CertFacts) -> Option<(PathError, String)> {
        let mut wanted = vec![ee.issuer_raw.as_slice()];
        let above = self.likely_issuers(ee);
        wanted.extend(above.iter().map(|f| f.issuer_raw.as_slice()));
        let x = self.excluded.iter().find(|x| {
            x.subject_raw
                .as_deref()
                .is_some_and(|s| wanted.contains(&s))
        })?;
        Some((
            x.code,
            format!(
                "no usable path to the organization's issuing CAs: the CA certificate '{}' was \
                 supplied but cannot be used: {}",
                x.subject, x.why
            ),
        ))
    }

    fn revoked_words(&self, ee: &CertFacts) -> String {
        let mut subjects: Vec<(&CertFacts, bool)> = vec![(ee, true)];
        subjects.extend(self.likely_issuers(ee).into_iter().map(|f| (f, false)));
        for (cert, is_ee) in subjects {
            for (crl, facts) in self.crls.iter().zip(&self.crl_facts) {
                if facts.issuer_raw != cert.issuer_raw {
                    continue;
                }
                if let Ok(Some(entry)) = crl.find_serial(&cert.serial) {
                    let reason = entry
                        .reason_code
                        .map(|r| format!(" (reason: {})", reason_words(r)))
                        .unwrap_or_default();
                    let who = if is_ee {
                        "the certificate".to_string()
                    } else {
                        format!("the intermediate CA '{}'", cert.subject)
                    };
                    return format!(
                        "{who} was revoked on {}{reason}: revoked by the '{}' CRL",
                        time_words(secs_of(entry.revocation_date)),
                        facts.issuer
                    );
                }
            }
        }
        "the certificate or a CA above it is revoked by a supplied CRL".to_string()
    }

    fn unknown_status_words(&self, ee: &CertFacts) -> String {
        let mut subjects: Vec<(&CertFacts, bool)> = vec![(ee, true)];
        subjects.extend(self.likely_issuers(ee).into_iter().map(|f| (f, false)));
        for (cert, is_ee) in subjects {
            if self
                .crl_facts
                .iter()
                .any(|c| c.issuer_raw == cert.issuer_raw)
            {
                continue;
            }
            let who = if is_ee {
                "the certificate".to_string()
            } else {
                format!("the intermediate CA '{}'", cert.subject)
            };
            let unusable: Vec<&str> = self
                .unusable_crls
                .iter()
                .filter(|u| u.issuer_raw.as_deref() == Some(cert.issuer_raw.as_slice()))
                .map(|u| u.why.as_str())
                .collect();
            let extra = if unusable.is_empty() {
                String::new()
            } else {
                format!(" ({})", unusable.join("; "))
            };
            return format!(
                "the revocation status of {who} cannot be determined: none of the supplied CRLs is \
                 from its issuer '{}'{extra}; once CRLs are supplied, every CA in the path needs one",
                cert.issuer
            );
        }
        "the revocation status of the certificate or of a CA above it cannot be determined: no \
         supplied CRL covers it (a CRL's scope, such as 'only CA certificates' or a distribution \
         point, may exclude it)"
            .to_string()
    }
}

fn failed(code: PathError, reason: String) -> PathResult {
    PathResult::Failed { reason, code }
}

fn unix(secs: i64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

fn secs_of(t: UnixTime) -> i64 {
    i64::try_from(t.as_secs()).unwrap_or(i64::MAX)
}

/// The DER contents (without the SEQUENCE header) of a name, as webpki compares names.
fn name_contents(name: &x509_cert::name::Name) -> Option<Vec<u8>> {
    use der::Encode;
    let der = name.to_der().ok()?;
    let header_len = match der.get(1)? {
        l if *l < 0x80 => 2,
        l => 2 + usize::from(*l & 0x7f),
    };
    der.get(header_len..).map(<[u8]>::to_vec)
}

fn reason_words(r: RevocationReason) -> &'static str {
    match r {
        RevocationReason::Unspecified => "unspecified",
        RevocationReason::KeyCompromise => "key compromise",
        RevocationReason::CaCompromise => "CA compromise",
        RevocationReason::AffiliationChanged => "affiliation changed",
        RevocationReason::Superseded => "superseded",
        RevocationReason::CessationOfOperation => "cessation of operation",
        RevocationReason::CertificateHold => "certificate on hold",
        RevocationReason::RemoveFromCrl => "remove from CRL",
        RevocationReason::PrivilegeWithdrawn => "privilege withdrawn",
        RevocationReason::AaCompromise => "attribute authority compromise",
    }
}

fn eku_words(ee: &CertFacts, cx: &RequiredEkuNotFoundContext, usage: PathUsage) -> String {
    let present = eku_arcs_words(&cx.present);
    let wanted = match usage {
        PathUsage::Email => "e-mail protection",
        PathUsage::TlsServer => "TLS server authentication",
    };
    let ee_lacks = match (&ee.eku, usage) {
        (Some(list), PathUsage::Email) => !list
            .iter()
            .any(|o| o == "1.3.6.1.5.5.7.3.4" || o == "2.5.29.37.0"),
        (Some(list), PathUsage::TlsServer) => !list.iter().any(|o| o == "1.3.6.1.5.5.7.3.1"),
        (None, _) => false,
    };
    if ee_lacks {
        format!("the certificate is not for {wanted}: its extended key usage allows only {present}")
    } else {
        format!(
            "a CA certificate in the path limits what it certifies to {present}, which does not \
             include {wanted}"
        )
    }
}

/// Short words for webpki errors met while reading certificates and CRLs.
fn error_words_short(e: &WebpkiError) -> String {
    use WebpkiError as W;
    match e {
        W::BadDer => "it is not a well-formed DER X.509 certificate".to_string(),
        W::BadDerTime => "a date in it is badly encoded".to_string(),
        W::TrailingData(what) => format!("there are extra bytes after the {what:?}"),
        W::UnsupportedCertVersion => {
            "it is not an X.509 version 3 certificate (version 1 and 2 certificates cannot be \
             used here)"
                .to_string()
        }
        W::MalformedExtensions | W::ExtensionValueInvalid => {
            "an extension in it is malformed or repeated".to_string()
        }
        W::InvalidSerialNumber => "its serial number is invalid (negative or too long)".to_string(),
        W::InvalidCertValidity => "its validity period ends before it starts".to_string(),
        W::UnsupportedCriticalExtension => {
            "it has a critical extension that is not supported".to_string()
        }
        other => format!("{other:?}"),
    }
}

fn crl_error_words(e: &WebpkiError) -> String {
    use WebpkiError as W;
    match e {
        W::UnsupportedDeltaCrl => "it is a delta CRL, which is not supported".to_string(),
        W::UnsupportedIndirectCrl => "it is an indirect CRL, which is not supported".to_string(),
        W::UnsupportedCrlVersion => "it is not a version 2 CRL".to_string(),
        W::UnsupportedRevocationReasonsPartitioning => {
            "it covers only some revocation reasons, which is not supported".to_string()
        }
        W::UnsupportedCrlIssuingDistributionPoint => {
            "its issuing distribution point is of a kind that is not supported".to_string()
        }
        W::UnsupportedRevocationReason => "an entry has an unknown revocation reason".to_string(),
        W::InvalidCrlNumber => "its CRL number is invalid".to_string(),
        W::UnsupportedCriticalExtension => {
            "it has a critical extension that is not understood".to_string()
        }
        W::BadDer | W::BadDerTime | W::TrailingData(_) | W::MalformedExtensions => {
            "it is not a well-formed DER CRL".to_string()
        }
        other => format!("{other:?}"),
    }
}
