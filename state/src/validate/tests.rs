//! Unit tests of both layers on certificates generated at test time with openssl (one per path failure and per profile check), and proptests that random or mutated DER never panics.

use proptest::prelude::*;
use time::{Duration, OffsetDateTime};

use super::testutil::{pki, Pki};
use super::*;

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

struct Case<'p> {
    pki: &'p Pki,
    ee: Vec<u8>,
    anchors: Vec<Vec<u8>>,
    intermediates: Vec<Vec<u8>>,
    crls: Vec<Vec<u8>>,
    addresses: Vec<String>,
    at: OffsetDateTime,
}

impl<'p> Case<'p> {
    /// `name` issued by the issuing CA, trusting the root, the issuing CA as intermediate.
    fn new(pki: &'p Pki, name: &str) -> Self {
        Case {
            pki,
            ee: pki.ee(name).to_vec(),
            anchors: vec![pki.root.clone()],
            intermediates: vec![pki.issuing.clone()],
            crls: Vec::new(),
            addresses: Vec::new(),
            at: now(),
        }
    }

    fn addresses(mut self, a: &[&str]) -> Self {
        self.addresses = a.iter().map(|s| s.to_string()).collect();
        self
    }

    fn with_crls(mut self) -> Self {
        self.crls = vec![self.pki.root_crl.clone(), self.pki.issuing_crl.clone()];
        self
    }

    fn run(&self, purpose: Purpose) -> Verdict {
        validate(&ValidationInput {
            end_entity: &self.ee,
            anchors: &self.anchors,
            intermediates: &self.intermediates,
            crls: &self.crls,
            at: self.at,
            addresses: &self.addresses,
            purpose,
        })
    }
}

fn failed_path(v: &Verdict) -> (PathError, String) {
    match &v.path {
        PathResult::Failed { reason, code } => (*code, reason.clone()),
        PathResult::Ok { chain } => panic!("expected a path failure, got a path {chain:?}"),
    }
}

fn check<'v>(v: &'v Verdict, name: &str) -> &'v ProfileCheck {
    v.profile
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no profile check {name} in {v:?}"))
}

#[test]
fn a_good_certificate_passes_both_layers_for_every_purpose() {
    let Some(p) = pki() else { return };
    let case = Case::new(p, "alice").addresses(&["bob@contoso.example", "alice@contoso.example"]);
    for purpose in [Purpose::Signing, Purpose::Encryption, Purpose::Any] {
        let v = case.run(purpose);
        assert!(v.is_valid(), "{purpose:?}: {v}");
        assert!(v.problems().is_empty());
        assert_eq!(
            v.path,
            PathResult::Ok {
                chain: vec![
                    "CN=Alice".to_string(),
                    "CN=Contoso Test Issuing CA".to_string(),
                    "CN=Contoso Test Root CA".to_string()
                ]
            }
        );
        assert_eq!(v.profile.len(), 3);
    }
    // The same with CRLs from both CAs: alice is not revoked.
    let v = Case::new(p, "alice").with_crls().run(Purpose::Signing);
    assert!(v.is_valid(), "{v}");
}

#[test]
fn the_issuing_ca_itself_can_be_the_trust_anchor() {
    let Some(p) = pki() else { return };
    let mut case = Case::new(p, "alice");
    case.anchors = vec![p.issuing.clone()];
    case.intermediates.clear();
    let v = case.run(Purpose::Signing);
    assert_eq!(
        v.path,
        PathResult::Ok {
            chain: vec!["CN=Alice".into(), "CN=Contoso Test Issuing CA".into()]
        }
    );
}

#[test]
fn expired_and_not_yet_valid_certificates_fail_with_their_dates() {
    let Some(p) = pki() else { return };
    let v = Case::new(p, "expired").run(Purpose::Signing);
    let (code, reason) = failed_path(&v);
    assert_eq!(code, PathError::Expired);
    assert_eq!(reason, "the certificate expired on 2021-01-01 00:00 UTC");
    assert!(!v.is_valid());
    assert_eq!(v.problems(), vec![reason.clone()]);

    let v = Case::new(p, "not_yet_valid").run(Purpose::Signing);
    let (code, reason) = failed_path(&v);
    assert_eq!(code, PathError::NotYetValid);
    assert_eq!(
        reason,
        "the certificate is not valid before 2098-01-01 00:00 UTC"
    );
}

#[test]
fn an_expired_issuing_ca_is_named() {
    let Some(p) = pki() else { return };
    let mut case = Case::new(p, "under_old_root");
    case.anchors = vec![p.root.clone(), p.old_root.clone()];
    case.intermediates.clear();
    let (code, reason) = failed_path(&case.run(Purpose::Signing));
    assert_eq!(code, PathError::Expired);
    assert_eq!(
        reason,
        "the organization's issuing CA 'CN=Expired Root CA' expired on 2021-01-01 00:00 UTC"
    );
    // Before it expired, the same path is fine.
    case.at = OffsetDateTime::new_utc(
        time::Date::from_calendar_date(2020, time::Month::June, 1).unwrap_or(time::Date::MIN),
        time::Time::MIDNIGHT,
    );
    assert!(case.run(Purpose::Signing).path.is_ok());
}

#[test]
fn a_certificate_from_another_ca_has_no_trusted_issuer() {
    let Some(p) = pki() else { return };
    let mut case = Case::new(p, "foreign");
    case.intermediates.push(p.other_root.clone()); // not a trust anchor, so no help
    let (code, reason) = failed_path(&case.run(Purpose::Signing));
    assert_eq!(code, PathError::UnknownIssuer);
    assert!(
        reason.starts_with(
            "no trusted issuer: it is not signed by any of the organization's issuing CAs"
        ) && reason.contains("'CN=Untrusted Root CA'"),
        "{reason}"
    );

    // A missing intermediate looks the same to the admin.
    let mut case = Case::new(p, "alice");
    case.intermediates.clear();
    let (code, reason) = failed_path(&case.run(Purpose::Signing));
    assert_eq!(code, PathError::UnknownIssuer);
    assert!(reason.contains("'CN=Contoso Test Issuing CA'"), "{reason}");
}

#[test]
fn no_issuing_ca_configured_is_said_plainly() {
    let Some(p) = pki() else { return };
    let mut case = Case::new(p, "alice");
    case.anchors = vec![b"not a certificate".to_vec()];
    let validator = Validator::new(&case.anchors, &case.intermediates, &case.crls);
    assert_eq!(validator.input_problems().len(), 1);
    let (code, reason) = failed_path(&case.run(Purpose::Signing));
    assert_eq!(code, PathError::NoTrustAnchors);
    assert!(
        reason.contains("Set-SmimeConfig -SMIMECertificateIssuingCA"),
        "{reason}"
    );
}

#[test]
fn a_tampered_signature_fails() {
    let Some(p) = pki() else { return };
    let mut case = Case::new(p, "alice");
    if let Some(last) = case.ee.last_mut() {
        *last ^= 0x01;
    }
    let (code, reason) = failed_path(&case.run(Purpose::Signing));
    assert_eq!(code, PathError::BadSignature, "{reason}");
    assert!(reason.starts_with("a signature in the path does not verify"));
}

#[test]
fn extended_key_usage_rules() {
    let Some(p) = pki() else { return };
    // clientAuth only: webpki refuses the path, and the profile says why too.
    let v = Case::new(p, "tls_client_only").run(Purpose::Signing);
    let (code, reason) = failed_path(&v);
    assert_eq!(code, PathError::WrongUsage);
    assert_eq!(
        reason,
        "the certificate is not for e-mail protection: its extended key usage allows only TLS \
         client authentication (1.3.6.1.5.5.7.3.2)"
    );
    let eku = check(&v, profile::CHECK_EKU);
    assert!(!eku.passed);
    assert!(
        eku.detail.contains("TLS client authentication"),
        "{}",
        eku.detail
    );

    // No EKU extension: the path is fine (RFC 5280), the S/MIME profile is not.
    let v = Case::new(p, "no_eku").run(Purpose::Signing);
    assert!(v.path.is_ok(), "{v}");
    let eku = check(&v, profile::CHECK_EKU);
    assert!(!eku.passed);
    assert!(
        eku.detail.contains("no extended key usage extension"),
        "{}",
        eku.detail
    );
    assert!(!v.is_valid());
    assert_eq!(v.problems().len(), 1);

    // anyExtendedKeyUsage is accepted (RFC 8550 §4.4.4).
    let v = Case::new(p, "any_eku").run(Purpose::Signing);
    assert!(v.is_valid(), "{v}");
    assert!(check(&v, profile::CHECK_EKU).detail.contains("any purpose"));
}

#[test]
fn key_usage_decides_the_purpose() {
    let Some(p) = pki() else { return };
    // keyAgreement only (EC): can receive encrypted mail, cannot sign.
    let case = Case::new(p, "agreement_only");
    let v = case.run(Purpose::Signing);
    assert!(v.path.is_ok());
    let ku = check(&v, profile::CHECK_KU);
    assert!(!ku.passed);
    assert_eq!(
        ku.detail,
        "the certificate cannot sign mail: its key usage (keyAgreement) does not allow signing, \
         which needs digitalSignature (or nonRepudiation)"
    );
    assert!(case.run(Purpose::Encryption).is_valid());
    assert!(case.run(Purpose::Any).is_valid());

    // RSA with keyEncipherment: encryption yes, signing no.
    let case = Case::new(p, "bob_rsa_enc");
    assert!(case.run(Purpose::Encryption).is_valid());
    assert!(!check(&case.run(Purpose::Signing), profile::CHECK_KU).passed);

    // digitalSignature only on an EC key: no encryption.
    let v = Case::new(p, "expired").run(Purpose::Encryption);
    let ku = check(&v, profile::CHECK_KU);
    assert!(!ku.passed);
    assert!(ku.detail.contains("needs keyAgreement"), "{}", ku.detail);

    // No key usage extension: everything allowed.
    let case = Case::new(p, "no_key_usage");
    for purpose in [Purpose::Signing, Purpose::Encryption, Purpose::Any] {
        assert!(case.run(purpose).is_valid(), "{purpose:?}");
    }
}

#[test]
fn the_address_must_be_the_recipients() {
    let Some(p) = pki() else { return };
    // Matching is case-insensitive and ignores an Exchange SMTP: prefix.
    let v = Case::new(p, "bob_rsa_enc")
        .addresses(&["SMTP:bob@contoso.example"])
        .run(Purpose::Encryption);
    assert!(v.is_valid(), "{v}");

    let v = Case::new(p, "alice")
        .addresses(&["bob@contoso.example"])
        .run(Purpose::Signing);
    let a = check(&v, profile::CHECK_ADDRESS);
    assert!(!a.passed);
    assert_eq!(
        a.detail,
        "the certificate is for alice@contoso.example, which is not an address of the recipient \
         (bob@contoso.example)"
    );
    assert!(v.path.is_ok());
    assert_eq!(v.problems(), vec![a.detail.clone()]);

    let v = Case::new(p, "no_address")
        .addresses(&["nobody@contoso.example"])
        .run(Purpose::Signing);
    let a = check(&v, profile::CHECK_ADDRESS);
    assert!(!a.passed);
    assert!(
        a.detail
            .starts_with("the certificate names no e-mail address"),
        "{}",
        a.detail
    );

    // Legacy emailAddress in the subject counts.
    let v = Case::new(p, "legacy_email")
        .addresses(&["legacy@contoso.example"])
        .run(Purpose::Signing);
    assert!(v.is_valid(), "{v}");

    // No recipient address given: not compared.
    let v = Case::new(p, "alice").run(Purpose::Signing);
    assert!(check(&v, profile::CHECK_ADDRESS)
        .detail
        .starts_with("not compared"));
}

#[test]
fn a_ca_certificate_is_not_a_persons_certificate() {
    let Some(p) = pki() else { return };
    let (code, reason) = failed_path(&Case::new(p, "ca_as_ee").run(Purpose::Signing));
    assert_eq!(code, PathError::NotAnEndEntity);
    assert!(reason.contains("CA certificate"), "{reason}");
}

#[test]
fn an_unsupported_critical_extension_is_named() {
    let Some(p) = pki() else { return };
    let (code, reason) = failed_path(&Case::new(p, "critical_policies").run(Purpose::Signing));
    assert_eq!(code, PathError::UnsupportedCriticalExtension);
    assert_eq!(
        reason,
        "the certificate must be rejected (RFC 5280 §4.2): it has a critical extension that is \
         not supported: certificate policies (2.5.29.32)"
    );
}

#[test]
fn revocation_from_supplied_crls() {
    let Some(p) = pki() else { return };
    let v = Case::new(p, "revoked").with_crls().run(Purpose::Signing);
    let (code, reason) = failed_path(&v);
    assert_eq!(code, PathError::Revoked);
    assert!(
        reason.starts_with("the certificate was revoked on ")
            && reason.ends_with(
                " (reason: key compromise): revoked by the 'CN=Contoso Test Issuing CA' CRL"
            ),
        "{reason}"
    );
    // Without CRLs revocation is not checked.
    assert!(Case::new(p, "revoked").run(Purpose::Signing).path.is_ok());

    // Only the root's CRL: the issuing CA is covered, the person's certificate is not.
    let mut case = Case::new(p, "alice");
    case.crls = vec![p.root_crl.clone()];
    let (code, reason) = failed_path(&case.run(Purpose::Signing));
    assert_eq!(code, PathError::RevocationUnknown);
    assert!(
        reason.starts_with("the revocation status of the certificate cannot be determined")
            && reason.contains("'CN=Contoso Test Issuing CA'"),
        "{reason}"
    );

    // Only the issuing CA's CRL: the issuing CA itself is not covered.
    case.crls = vec![p.issuing_crl.clone()];
    let (code, reason) = failed_path(&case.run(Purpose::Signing));
    assert_eq!(code, PathError::RevocationUnknown);
    assert!(
        reason.starts_with(
            "the revocation status of the intermediate CA 'CN=Contoso Test Issuing CA'"
        ) && reason.contains("'CN=Contoso Test Root CA'"),
        "{reason}"
    );

    // A CRL past its nextUpdate is refused.
    case.crls = vec![p.root_crl.clone(), p.issuing_crl_stale.clone()];
    case.at = now() + Duration::days(1);
    let (code, reason) = failed_path(&case.run(Purpose::Signing));
    assert_eq!(code, PathError::CrlProblem);
    assert!(
        reason.starts_with("the supplied CRL from 'CN=Contoso Test Issuing CA' is out of date"),
        "{reason}"
    );

    // An unreadable CRL is set aside and reported as an input problem.
    let crls = vec![
        p.root_crl.clone(),
        p.issuing_crl.clone(),
        vec![0x30, 0x03, 1, 2, 3],
    ];
    let validator = Validator::new(&case.anchors, &case.intermediates, &crls);
    assert_eq!(
        validator.input_problems().len(),
        1,
        "{:?}",
        validator.input_problems()
    );
    assert!(validator
        .validate(p.ee("alice"), now(), &[], Purpose::Signing)
        .is_valid());
}

#[test]
fn unreadable_intermediates_do_not_change_the_verdict() {
    let Some(p) = pki() else { return };
    let mut case = Case::new(p, "foreign");
    case.intermediates.push(vec![0x30, 0x80, 0x00]);
    let validator = Validator::new(&case.anchors, &case.intermediates, &case.crls);
    assert_eq!(validator.input_problems().len(), 1);
    assert!(
        validator.input_problems()[0]
            .starts_with("intermediate certificate #2 ('(unreadable)') was left out"),
        "{:?}",
        validator.input_problems()
    );
    let (code, _) = failed_path(&case.run(Purpose::Signing));
    assert_eq!(code, PathError::UnknownIssuer);
}

#[test]
fn an_smime_certificate_is_not_a_tls_server_certificate() {
    let Some(p) = pki() else { return };
    let case = Case::new(p, "alice");
    let input = ValidationInput {
        end_entity: &case.ee,
        anchors: &case.anchors,
        intermediates: &case.intermediates,
        crls: &case.crls,
        at: case.at,
        addresses: &[],
        purpose: Purpose::Any,
    };
    match validate_path(&input, PathUsage::TlsServer) {
        PathResult::Failed { code, reason } => {
            assert_eq!(code, PathError::WrongUsage);
            assert_eq!(
                reason,
                "the certificate is not for TLS server authentication: its extended key usage \
                 allows only e-mail protection (1.3.6.1.5.5.7.3.4)"
            );
        }
        ok => panic!("expected a failure, got {ok:?}"),
    }
    assert!(validate_path(&input, PathUsage::Email).is_ok());
}

#[test]
fn garbage_is_reported_not_panicked_on() {
    let anchors = vec![b"junk".to_vec()];
    let v = validate(&ValidationInput {
        end_entity: b"hello",
        anchors: &anchors,
        intermediates: &[],
        crls: &[],
        at: now(),
        addresses: &[],
        purpose: Purpose::Any,
    });
    assert!(!v.is_valid());
    assert_eq!(v.profile.len(), 1);
    assert_eq!(v.profile[0].name, profile::CHECK_READABLE);
    assert_eq!(v.problems().len(), 2);
    let text = v.to_string();
    assert!(text.starts_with("NOT valid\n  path: "), "{text}");
}

#[test]
fn the_verdict_reads_well() {
    let Some(p) = pki() else { return };
    let v = Case::new(p, "alice")
        .addresses(&["alice@contoso.example"])
        .run(Purpose::Signing);
    let text = v.to_string();
    assert!(
        text.starts_with(
            "valid\n  path: ok (CN=Alice <- CN=Contoso Test Issuing CA <- CN=Contoso Test Root CA)\n"
        ),
        "{text}"
    );
    assert!(text.contains("  e-mail address: ok: the certificate is for alice@contoso.example"));
}

fn arbitrary_input(
    ee: Vec<u8>,
    anchors: Vec<Vec<u8>>,
    intermediates: Vec<Vec<u8>>,
    crls: Vec<Vec<u8>>,
    purpose: Purpose,
) {
    let addresses = vec!["alice@contoso.example".to_string()];
    let v = validate(&ValidationInput {
        end_entity: &ee,
        anchors: &anchors,
        intermediates: &intermediates,
        crls: &crls,
        at: now(),
        addresses: &addresses,
        purpose,
    });
    let _ = v.problems();
    let _ = v.to_string();
}

fn purposes() -> impl Strategy<Value = Purpose> {
    prop_oneof![
        Just(Purpose::Signing),
        Just(Purpose::Encryption),
        Just(Purpose::Any)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_der_never_panics(
        ee in proptest::collection::vec(any::<u8>(), 0..600),
        other in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 0..3),
        purpose in purposes(),
    ) {
        // Random bytes that start like a DER SEQUENCE get further into the parsers.
        let mut seq = vec![0x30, 0x82];
        seq.extend_from_slice(&u16::try_from(ee.len()).unwrap_or(0).to_be_bytes());
        seq.extend_from_slice(&ee);
        arbitrary_input(ee, other.clone(), other.clone(), other.clone(), purpose);
        arbitrary_input(seq, other.clone(), other.clone(), other, purpose);
    }

    #[test]
    fn mutated_certificates_never_panic(
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 1..8),
        truncate in proptest::option::of(any::<proptest::sample::Index>()),
        which in 0usize..4,
        purpose in purposes(),
    ) {
        if let Some(p) = pki() {
            let names = ["alice", "bob_rsa_enc", "legacy_email", "revoked"];
            let mut ee = p.ee(names[which % names.len()]).to_vec();
            for (at, byte) in &edits {
                let i = at.index(ee.len());
                ee[i] = *byte;
            }
            if let Some(t) = truncate {
                ee.truncate(t.index(ee.len() + 1));
            }
            let mut crl = p.issuing_crl.clone();
            for (at, byte) in edits.iter().take(2) {
                let i = at.index(crl.len());
                crl[i] = *byte;
            }
            arbitrary_input(
                ee,
                vec![p.root.clone()],
                vec![p.issuing.clone()],
                vec![p.root_crl.clone(), crl],
                purpose,
            );
        }
    }
}
