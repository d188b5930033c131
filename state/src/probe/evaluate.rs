//! Would the connector's TLS settings accept this peer? Exchange's semantics (cmdlets.md section 4):
//! TlsSettings unset is opportunistic (TLS when offered, else clear text); EncryptionOnly needs TLS with
//! any certificate; CertificateValidation needs a chain to a trusted root that is valid at the validation
//! time; DomainValidation also needs a certificate name that matches TlsDomain.

use rustls::pki_types::{CertificateDer, UnixTime};
use time::OffsetDateTime;
use webpki::{EndEntityCert, KeyUsage};

use crate::model::TlsAuthLevel;
use crate::probe::certs::{name_matches, CertFacts};
use crate::probe::smtp::{TlsFacts, TlsOutcome};
use crate::probe::trust::TrustRoots;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub accepted: bool,
    pub reason: String,
}

fn yes(reason: String) -> Verdict {
    Verdict {
        accepted: true,
        reason,
    }
}

fn no(reason: String) -> Verdict {
    Verdict {
        accepted: false,
        reason,
    }
}

pub fn setting_name(level: Option<TlsAuthLevel>) -> &'static str {
    match level {
        None => "opportunistic (TlsSettings not set)",
        Some(TlsAuthLevel::EncryptionOnly) => "EncryptionOnly",
        Some(TlsAuthLevel::CertificateValidation) => "CertificateValidation",
        Some(TlsAuthLevel::DomainValidation) => "DomainValidation",
    }
}

/// Check the chain with rustls-webpki: a path to one of `trust`'s roots, for serverAuth, at `now`.
pub fn check_chain(tls: &TlsFacts, trust: &TrustRoots, now: OffsetDateTime) -> Result<(), String> {
    let Some(leaf) = tls.chain.first() else {
        return Err("the peer sent no certificate".into());
    };
    let leaf = CertificateDer::from(leaf.as_slice());
    let ee = EndEntityCert::try_from(&leaf)
        .map_err(|e| format!("the certificate cannot be read ({e})"))?;
    let anchors: Vec<_> = trust
        .certs
        .iter()
        .filter_map(|c| webpki::anchor_from_trusted_cert(c).ok())
        .collect();
    let intermediates: Vec<CertificateDer<'_>> = tls.chain[1..]
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    let secs = u64::try_from(now.unix_timestamp()).unwrap_or(0);
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
    let at = crate::cert::CertInfo::from_der(&leaf).ok();
    match ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        &intermediates,
        time,
        KeyUsage::server_auth(),
        None,
        None,
    ) {
        Ok(_) => Ok(()),
        Err(webpki::Error::CertExpired { .. }) => Err(format!(
            "the certificate expired on {} (validation time {})",
            at.map(|i| i.not_after_text()).unwrap_or_default(),
            rfc3339(now)
        )),
        Err(webpki::Error::CertNotValidYet { .. }) => Err(format!(
            "the certificate is not valid until {} (validation time {})",
            at.map(|i| i.not_before_text()).unwrap_or_default(),
            rfc3339(now)
        )),
        Err(webpki::Error::UnknownIssuer) => Err(format!(
            "the certificate does not chain to a trusted root ({})",
            trust.source
        )),
        // A trusted root carries the issuer's name, but its key did not sign this chain.
        Err(webpki::Error::InvalidSignatureForPublicKey) => Err(format!(
            "the certificate does not chain to a trusted root ({}): a root of its issuer's name is trusted, but its key did not sign the certificate",
            trust.source
        )),
        Err(e) => Err(format!("the certificate chain is not valid: {e:?}")),
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// The verdict for one peer. `trust` is needed only for CertificateValidation and DomainValidation.
pub fn evaluate(
    level: Option<TlsAuthLevel>,
    tls_domain: Option<&str>,
    outcome: &TlsOutcome,
    trust: Option<&TrustRoots>,
    now: OffsetDateTime,
) -> Verdict {
    let setting = setting_name(level);
    let why = match outcome {
        TlsOutcome::Established(_) => None,
        TlsOutcome::NotOffered { .. } => Some("the peer does not offer STARTTLS".to_string()),
        TlsOutcome::Refused { reply } => Some(format!("the peer refused STARTTLS ({reply})")),
        TlsOutcome::TooOld { detail } => {
            Some(format!("the peer offered no TLS 1.2 or later ({detail})"))
        }
        TlsOutcome::Failed { detail } => Some(format!("the TLS handshake failed ({detail})")),
    };
    let (TlsOutcome::Established(tls), None) = (outcome, why.as_ref()) else {
        let why = why.unwrap_or_default();
        return match level {
            None => yes(format!(
                "{setting}: {why}, so mail would be sent in clear text"
            )),
            Some(_) => no(format!("{setting} requires TLS, but {why}")),
        };
    };
    let summary = format!("{} with {}", tls.version, tls.cipher_suite);
    match level {
        None => {
            return yes(format!(
                "{setting}: {summary}; the certificate is not checked"
            ))
        }
        Some(TlsAuthLevel::EncryptionOnly) => {
            return yes(format!("{setting}: {summary}; any certificate is accepted"))
        }
        _ => {}
    }
    let Some(trust) = trust else {
        return no(format!(
            "{setting}: no trust roots to check the certificate against"
        ));
    };
    if let Err(why) = check_chain(tls, trust, now) {
        return no(format!("{setting}: {why}"));
    }
    if level == Some(TlsAuthLevel::CertificateValidation) {
        return yes(format!(
            "{setting}: {summary}; the certificate chains to {} and is valid at {}",
            trust.source,
            rfc3339(now)
        ));
    }
    let Some(want) = tls_domain.filter(|d| !d.trim().is_empty()) else {
        return no(format!(
            "{setting} needs a TlsDomain, and the connector has none"
        ));
    };
    let leaf = tls.chain.first().map(|d| CertFacts::from_der(d));
    let names = leaf.map(|l| l.match_names()).unwrap_or_default();
    match names.iter().find(|n| name_matches(n, want)) {
        Some(n) => yes(format!(
            "{setting}: {summary}; the certificate chains to {} and its name {n} matches TlsDomain {want}",
            trust.source
        )),
        None => no(format!(
            "{setting}: the certificate names {} but TlsDomain is {want}",
            if names.is_empty() {
                "nothing".to_string()
            } else {
                names.join(", ")
            }
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Pki {
        ca: Vec<u8>,
        leaf: Vec<u8>,
    }

    fn pki(names: &[&str], expired: bool) -> Pki {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name.push(
            rcgen::DnType::CommonName,
            format!("probe test CA {}", uuid::Uuid::new_v4()),
        );
        ca.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
        let ca = ca.self_signed(&ca_key).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let mut leaf =
            rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        leaf.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        if expired {
            leaf.not_before = rcgen::date_time_ymd(2020, 1, 1);
            leaf.not_after = rcgen::date_time_ymd(2021, 1, 1);
        } else {
            leaf.not_before = rcgen::date_time_ymd(2025, 1, 1);
            leaf.not_after = rcgen::date_time_ymd(2035, 1, 1);
        }
        let leaf = leaf.signed_by(&key, &ca, &ca_key).unwrap();
        Pki {
            ca: ca.der().to_vec(),
            leaf: leaf.der().to_vec(),
        }
    }

    fn established(p: &Pki) -> TlsOutcome {
        TlsOutcome::Established(TlsFacts {
            version: "TLSv1.3".into(),
            cipher_suite: "TLS13_AES_128_GCM_SHA256".into(),
            chain: vec![p.leaf.clone()],
        })
    }

    fn roots(p: &Pki) -> TrustRoots {
        TrustRoots {
            source: "the test CA".into(),
            certs: vec![CertificateDer::from(p.ca.clone())],
        }
    }

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2030-01-01 0:00 UTC)
    }

    #[test]
    fn without_tls_only_opportunistic_accepts() {
        let cases = [
            TlsOutcome::NotOffered {
                ehlo: "250 mx".into(),
            },
            TlsOutcome::Refused {
                reply: "454 no".into(),
            },
            TlsOutcome::TooOld { detail: "x".into() },
            TlsOutcome::Failed { detail: "y".into() },
        ];
        for c in &cases {
            let v = evaluate(None, None, c, None, now());
            assert!(v.accepted && v.reason.contains("clear text"), "{v:?}");
            for level in [
                TlsAuthLevel::EncryptionOnly,
                TlsAuthLevel::CertificateValidation,
                TlsAuthLevel::DomainValidation,
            ] {
                let v = evaluate(Some(level), Some("mx.example"), c, None, now());
                assert!(!v.accepted && v.reason.contains("requires TLS"), "{v:?}");
            }
        }
        let v = evaluate(
            Some(TlsAuthLevel::EncryptionOnly),
            None,
            &TlsOutcome::TooOld { detail: "d".into() },
            None,
            now(),
        );
        assert!(
            v.reason.contains("the peer offered no TLS 1.2 or later"),
            "{v:?}"
        );
    }

    #[test]
    fn levels_against_a_good_certificate() {
        let p = pki(&["mx.partner.example"], false);
        let t = roots(&p);
        let e = established(&p);
        assert!(evaluate(Some(TlsAuthLevel::EncryptionOnly), None, &e, None, now()).accepted);
        let v = evaluate(
            Some(TlsAuthLevel::CertificateValidation),
            None,
            &e,
            Some(&t),
            now(),
        );
        assert!(v.accepted, "{v:?}");
        for want in ["mx.partner.example", "*.partner.example"] {
            let v = evaluate(
                Some(TlsAuthLevel::DomainValidation),
                Some(want),
                &e,
                Some(&t),
                now(),
            );
            assert!(v.accepted, "{want}: {v:?}");
        }
        let v = evaluate(
            Some(TlsAuthLevel::DomainValidation),
            Some("partner.example"),
            &e,
            Some(&t),
            now(),
        );
        assert!(
            !v.accepted
                && v.reason
                    .contains("names mx.partner.example but TlsDomain is partner.example"),
            "{v:?}"
        );
        let v = evaluate(
            Some(TlsAuthLevel::DomainValidation),
            None,
            &e,
            Some(&t),
            now(),
        );
        assert!(
            !v.accepted && v.reason.contains("needs a TlsDomain"),
            "{v:?}"
        );
        let v = evaluate(
            Some(TlsAuthLevel::CertificateValidation),
            None,
            &e,
            None,
            now(),
        );
        assert!(!v.accepted, "no roots, no validation");
    }

    #[test]
    fn expired_untrusted_and_not_yet_valid() {
        let p = pki(&["mx.partner.example"], true);
        let v = evaluate(
            Some(TlsAuthLevel::CertificateValidation),
            None,
            &established(&p),
            Some(&roots(&p)),
            now(),
        );
        assert!(
            !v.accepted && v.reason.contains("expired on 2021-01-01"),
            "{v:?}"
        );
        // At a validation time inside its validity, the same chain passes.
        let then = time::macros::datetime!(2020-06-01 0:00 UTC);
        assert!(
            evaluate(
                Some(TlsAuthLevel::CertificateValidation),
                None,
                &established(&p),
                Some(&roots(&p)),
                then
            )
            .accepted
        );
        let good = pki(&["mx.partner.example"], false);
        let v = evaluate(
            Some(TlsAuthLevel::CertificateValidation),
            None,
            &established(&good),
            Some(&roots(&good)),
            then,
        );
        assert!(!v.accepted && v.reason.contains("not valid until"), "{v:?}");
        let other = pki(&["x.example"], false);
        let v = evaluate(
            Some(TlsAuthLevel::CertificateValidation),
            None,
            &established(&good),
            Some(&roots(&other)),
            now(),
        );
        assert!(
            !v.accepted
                && v.reason
                    .contains("does not chain to a trusted root (the test CA)"),
            "{v:?}"
        );
    }
}
