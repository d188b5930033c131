//! S/MIME certificate validation in two separate layers: the RFC 5280 path to the organization's issuing CAs (layer 1, rustls-webpki) and the S/MIME profile of the end entity (layer 2, x509-cert).
//!
//! Inputs are plain DER so this module depends on no other mailsec module. Nothing is fetched
//! from the network: the trust anchors, intermediates and CRLs are what the caller hands in.
//!
//! ```no_run
//! use mailsec_state::validate::{validate, Purpose, ValidationInput};
//! # let (ee, anchors, intermediates, crls): (Vec<u8>, Vec<Vec<u8>>, Vec<Vec<u8>>, Vec<Vec<u8>>) = Default::default();
//! let verdict = validate(&ValidationInput {
//!     end_entity: &ee,
//!     anchors: &anchors,
//!     intermediates: &intermediates,
//!     crls: &crls,
//!     at: time::OffsetDateTime::now_utc(),
//!     addresses: &["alice@contoso.example".to_string()],
//!     purpose: Purpose::Encryption,
//! });
//! if !verdict.is_valid() {
//!     for problem in verdict.problems() {
//!         eprintln!("{problem}");
//!     }
//! }
//! ```
//!
//! See `path.rs` and `profile.rs` for the rules each layer applies and why.

mod path;
mod profile;
mod report;
mod words;

#[cfg(test)]
mod openssl_compare;
#[cfg(test)]
mod pkits;
#[cfg(test)]
mod rfc9216;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;

pub use path::PathUsage;
pub use report::{PathError, PathResult, ProfileCheck, Verdict};

use time::OffsetDateTime;

/// What the recipient's certificate is to be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Signing mail (the certificate is the signer's).
    Signing,
    /// Receiving encrypted mail (senders encrypt to this certificate).
    Encryption,
    /// Either of the two is enough.
    Any,
}

/// One validation: the end entity and everything it is checked against.
#[derive(Debug, Clone, Copy)]
pub struct ValidationInput<'a> {
    /// The certificate to judge (DER).
    pub end_entity: &'a [u8],
    /// The organization's issuing CAs: the trust anchors (DER).
    pub anchors: &'a [Vec<u8>],
    /// Intermediates from the collection and the recipient's published certificates (DER).
    pub intermediates: &'a [Vec<u8>],
    /// CRLs the admin supplied (DER). When empty, revocation is not checked.
    pub crls: &'a [Vec<u8>],
    /// The validation time (`MAILSEC_NOW`, `--at`, or now).
    pub at: OffsetDateTime,
    /// The recipient's addresses, for the e-mail address check. Empty: not compared.
    pub addresses: &'a [String],
    pub purpose: Purpose,
}

/// Validate one certificate: both layers, each reported on its own.
pub fn validate(input: &ValidationInput<'_>) -> Verdict {
    Validator::new(input.anchors, input.intermediates, input.crls).validate(
        input.end_entity,
        input.at,
        input.addresses,
        input.purpose,
    )
}

/// Layer 1 only, for another usage: e.g. [`PathUsage::TlsServer`] shows that an S/MIME
/// certificate is not a TLS server certificate (webpki rejects its EKU).
pub fn validate_path(input: &ValidationInput<'_>, usage: PathUsage) -> PathResult {
    Validator::new(input.anchors, input.intermediates, input.crls).validate_path(
        input.end_entity,
        input.at,
        usage,
    )
}

/// The trust anchors, intermediates and CRLs parsed once, to validate many certificates against
/// the same collection (reports, benchmarks). `validate` is a one-shot wrapper around it.
pub struct Validator<'a> {
    ctx: path::PathContext<'a>,
}

impl<'a> Validator<'a> {
    pub fn new(anchors: &[Vec<u8>], intermediates: &'a [Vec<u8>], crls: &'a [Vec<u8>]) -> Self {
        Validator {
            ctx: path::PathContext::new(anchors, intermediates, crls),
        }
    }

    /// Problems with the inputs themselves, in words: issuing CAs, intermediates or CRLs that
    /// could not be read or used (they are left out of every validation).
    pub fn input_problems(&self) -> &[String] {
        &self.ctx.input_problems
    }

    pub fn validate(
        &self,
        end_entity: &[u8],
        at: OffsetDateTime,
        addresses: &[String],
        purpose: Purpose,
    ) -> Verdict {
        Verdict {
            path: self.ctx.verify(end_entity, at, PathUsage::Email),
            profile: profile::check(end_entity, addresses, purpose),
        }
    }

    /// [`Validator::validate`] for encryption and for signing, in that order. The path does not
    /// depend on the purpose, so it is built once, and the certificate is read once for both
    /// profiles: the same verdicts as two calls, for about half the work.
    pub fn validate_encryption_and_signing(
        &self,
        end_entity: &[u8],
        at: OffsetDateTime,
        addresses: &[String],
    ) -> (Verdict, Verdict) {
        self.validate_encryption_and_signing_parsed(end_entity, None, at, addresses)
    }

    /// [`Validator::validate_encryption_and_signing`] with the certificate already read from
    /// `end_entity` (when it could be), so it is not read again.
    pub(crate) fn validate_encryption_and_signing_parsed(
        &self,
        end_entity: &[u8],
        parsed: Option<&x509_cert::Certificate>,
        at: OffsetDateTime,
        addresses: &[String],
    ) -> (Verdict, Verdict) {
        let path = self.ctx.verify(end_entity, at, PathUsage::Email);
        let purposes = [Purpose::Encryption, Purpose::Signing];
        let mut profiles = match parsed {
            Some(cert) => profile::check_parsed(cert, addresses, &purposes),
            None => profile::check_each(end_entity, addresses, &purposes),
        }
        .into_iter();
        let enc = profiles.next().unwrap_or_default();
        let sig = profiles.next().unwrap_or_default();
        (
            Verdict {
                path: path.clone(),
                profile: enc,
            },
            Verdict { path, profile: sig },
        )
    }
    pub fn validate_path(
        &self,
        end_entity: &[u8],
        at: OffsetDateTime,
        usage: PathUsage,
    ) -> PathResult {
        self.ctx.verify(end_entity, at, usage)
    }
}
