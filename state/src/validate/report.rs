//! The verdict of a validation: the path result (layer 1) and the S/MIME profile checks (layer 2), kept apart and told in words.

use std::fmt;

/// What went wrong while building or checking the certificate path (layer 1), as a stable code.
/// The words for an admin are in [`PathResult::Failed::reason`]; this code is for programs
/// (reports, exit codes, tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathError {
    /// No issuing CA (trust anchor) could be read, so nothing can be trusted.
    NoTrustAnchors,
    /// The end-entity certificate (or a certificate of the path) is not well-formed DER/X.509 v3.
    Malformed,
    /// A certificate of the path had expired at the validation time.
    Expired,
    /// A certificate of the path was not yet valid at the validation time.
    NotYetValid,
    /// No path leads to one of the organization's issuing CAs.
    UnknownIssuer,
    /// A signature in the path does not verify.
    BadSignature,
    /// A signature algorithm or key type of the path is not supported (e.g. DSA, RSA under 2048 bits, SHA-1).
    UnsupportedAlgorithm,
    /// A certificate of the path is revoked by a supplied CRL.
    Revoked,
    /// CRLs were supplied, but none of them covers a certificate of the path.
    RevocationUnknown,
    /// A supplied CRL is out of date, badly signed, or signed by a CA not allowed to sign CRLs.
    CrlProblem,
    /// The extended key usage of a certificate of the path does not allow the requested use.
    WrongUsage,
    /// A CA's name constraints exclude the certificate (or use a name form that is not supported).
    NameConstraints,
    /// A CA's path length constraint is exceeded, or the path is too long.
    PathLength,
    /// The certificate is a CA certificate, not a person's certificate.
    NotAnEndEntity,
    /// A certificate used as an issuer is not a CA certificate.
    IssuerNotCa,
    /// A certificate of the path has a critical extension that is not understood.
    UnsupportedCriticalExtension,
    /// The set of certificates is too complex to search.
    TooComplex,
    /// The key of a certificate of the path is explicitly distrusted.
    Distrusted,
    /// Anything else.
    Other,
}

/// The outcome of layer 1 (RFC 5280 path validation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathResult {
    /// A valid path was found: the subjects from the end entity to the trust anchor, in that order.
    Ok { chain: Vec<String> },
    /// No valid path: the reason in words an admin understands, and a code.
    Failed { reason: String, code: PathError },
}

impl PathResult {
    pub fn is_ok(&self) -> bool {
        matches!(self, PathResult::Ok { .. })
    }
}

/// One check of layer 2 (the S/MIME profile of the end-entity certificate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileCheck {
    /// Short name of the check: `"certificate readable"`, `"extended key usage"`, `"key usage"`,
    /// `"e-mail address"`.
    pub name: &'static str,
    pub passed: bool,
    /// What was found, in words; for a failed check, what is wrong.
    pub detail: String,
}

/// The verdict on one certificate: both layers, reported separately.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub path: PathResult,
    pub profile: Vec<ProfileCheck>,
}

impl Verdict {
    /// Valid when a trusted path was found and every profile check passed.
    pub fn is_valid(&self) -> bool {
        self.path.is_ok() && self.profile.iter().all(|c| c.passed)
    }

    /// Every problem in words: the path failure first, then each failed profile check.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let PathResult::Failed { reason, .. } = &self.path {
            out.push(reason.clone());
        }
        out.extend(
            self.profile
                .iter()
                .filter(|c| !c.passed)
                .map(|c| c.detail.clone()),
        );
        out
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}",
            if self.is_valid() {
                "valid"
            } else {
                "NOT valid"
            }
        )?;
        match &self.path {
            PathResult::Ok { chain } => writeln!(f, "  path: ok ({})", chain.join(" <- "))?,
            PathResult::Failed { reason, .. } => writeln!(f, "  path: {reason}")?,
        }
        for c in &self.profile {
            let mark = if c.passed { "ok" } else { "FAILED" };
            writeln!(f, "  {}: {mark}: {}", c.name, c.detail)?;
        }
        Ok(())
    }
}
