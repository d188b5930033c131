//! RFC 9216 example certificates (corpus `rfc9216/`): alice, bob, carlos and dana pass both layers against their roots for the right purpose (dana also through the cross-signed Ed25519 CA), fail for the wrong one, and alice is no TLS server.

use std::path::Path;

use time::macros::datetime;

use super::testutil::{cert_der, corpus};
use super::{
    validate, validate_path, PathError, PathResult, PathUsage, Purpose, ValidationInput, Verdict,
};

/// Inside every RFC 9216 validity period (2020-12-15 .. 2052-09-27).
pub(crate) const AT: time::OffsetDateTime = datetime!(2026-01-01 00:00 UTC);

pub(crate) const RSA_ROOT: &str = "Sample_LAMPS_RSA_Certification_Authority.selfsigned.pem";
pub(crate) const ED_ROOT: &str = "Sample_LAMPS_Ed25519_Certification_Authority.selfsigned.pem";
/// The Ed25519 CA, signed by the RSA CA: leads from carlos and dana to the RSA root.
pub(crate) const ED_CROSS: &str = "Sample_LAMPS_Ed25519_Certification_Authority.crosssigned.pem";
/// The RSA CA, signed by the Ed25519 CA: leads from alice and bob to the Ed25519 root.
pub(crate) const RSA_CROSS: &str = "Sample_LAMPS_RSA_Certification_Authority.crosssigned.pem";

/// (person, root file of their CA)
pub(crate) const PEOPLE: [(&str, &str); 4] = [
    ("alice", RSA_ROOT),
    ("bob", RSA_ROOT),
    ("carlos", ED_ROOT),
    ("dana", ED_ROOT),
];

pub(crate) fn file(person: &str, kind: &str) -> String {
    format!("{person}@smime.example.{kind}.pem")
}

pub(crate) fn der(dir: &Path, name: &str) -> Vec<u8> {
    cert_der(&dir.join(name))
}

fn run(
    dir: &Path,
    ee: &str,
    anchor: &str,
    pool: &[&str],
    address: &str,
    purpose: Purpose,
) -> Verdict {
    let ee = der(dir, ee);
    let anchors = vec![der(dir, anchor)];
    let intermediates: Vec<Vec<u8>> = pool.iter().map(|p| der(dir, p)).collect();
    let addresses = vec![address.to_string()];
    validate(&ValidationInput {
        end_entity: &ee,
        anchors: &anchors,
        intermediates: &intermediates,
        crls: &[],
        at: AT,
        addresses: &addresses,
        purpose,
    })
}

fn chain(v: &Verdict) -> Vec<String> {
    match &v.path {
        PathResult::Ok { chain } => chain
            .iter()
            .map(|s| {
                s.strip_prefix("CN=")
                    .and_then(|rest| rest.split(',').next())
                    .unwrap_or(s)
                    .to_string()
            })
            .collect(),
        PathResult::Failed { reason, .. } => panic!("no path: {reason}"),
    }
}

#[test]
fn every_person_passes_both_layers_against_their_root() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("rfc9216");
    for (person, root) in PEOPLE {
        let address = format!("{person}@smime.example");
        for (kind, purpose) in [("sig", Purpose::Signing), ("enc", Purpose::Encryption)] {
            let name = file(person, kind);
            // Alone, and with every RFC 9216 CA certificate in the pool (as a collection would be).
            for pool in [&[][..], &[RSA_ROOT, ED_ROOT, ED_CROSS, RSA_CROSS][..]] {
                let v = run(&dir, &name, root, pool, &address, purpose);
                assert!(
                    v.is_valid(),
                    "{name} for {purpose:?} with {} pool certificates: {v}",
                    pool.len()
                );
                assert_eq!(chain(&v).len(), 2, "{name}: {v}");
            }
            // Any purpose is fine too; the other purpose is not.
            assert!(run(&dir, &name, root, &[], &address, Purpose::Any).is_valid());
            let other = if purpose == Purpose::Signing {
                Purpose::Encryption
            } else {
                Purpose::Signing
            };
            let v = run(&dir, &name, root, &[], &address, other);
            assert!(v.path.is_ok() && !v.is_valid(), "{name} for {other:?}: {v}");
            assert_eq!(v.problems().len(), 1, "{name}: {v}");
            println!("{name} for {other:?}: {}", v.problems().join("; "));
        }
    }
}

#[test]
fn dana_and_carlos_pass_through_the_cross_signed_ca() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("rfc9216");
    for person in ["dana", "carlos"] {
        let address = format!("{person}@smime.example");
        for (kind, purpose) in [("sig", Purpose::Signing), ("enc", Purpose::Encryption)] {
            let name = file(person, kind);
            let v = run(&dir, &name, RSA_ROOT, &[ED_CROSS], &address, purpose);
            assert!(v.is_valid(), "{name} via the cross-signed CA: {v}");
            assert_eq!(
                chain(&v),
                vec![
                    match person {
                        "dana" => "Dana Hopper",
                        _ => "Carlos Turing",
                    },
                    "Sample LAMPS Ed25519 Certification Authority",
                    "Sample LAMPS RSA Certification Authority"
                ]
            );
            // Without the cross-signed CA, the RSA root alone does not lead to the Ed25519 people.
            let (code, reason) = failure(&run(&dir, &name, RSA_ROOT, &[], &address, purpose));
            assert_eq!(code, PathError::UnknownIssuer, "{reason}");
        }
    }
    // And the other way round: alice through the cross-signed RSA CA to the Ed25519 root.
    let v = run(
        &dir,
        &file("alice", "sig"),
        ED_ROOT,
        &[RSA_CROSS],
        "alice@smime.example",
        Purpose::Signing,
    );
    assert!(v.is_valid(), "{v}");
}

fn failure(v: &Verdict) -> (PathError, String) {
    match &v.path {
        PathResult::Failed { reason, code } => (*code, reason.clone()),
        PathResult::Ok { chain } => panic!("expected a failure, got {chain:?}"),
    }
}

#[test]
fn alice_is_not_a_tls_server() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("rfc9216");
    let ee = der(&dir, &file("alice", "sig"));
    let anchors = vec![der(&dir, RSA_ROOT)];
    let input = ValidationInput {
        end_entity: &ee,
        anchors: &anchors,
        intermediates: &[],
        crls: &[],
        at: AT,
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
        ok => panic!("alice must not validate as a TLS server: {ok:?}"),
    }
    assert!(validate_path(&input, PathUsage::Email).is_ok());

    // Against the wrong root.
    let anchors = vec![der(&dir, ED_ROOT)];
    let (code, _) = failure(&validate(&ValidationInput {
        anchors: &anchors,
        ..input
    }));
    assert_eq!(code, PathError::UnknownIssuer);

    // A different recipient.
    let v = run(
        &dir,
        &file("alice", "sig"),
        RSA_ROOT,
        &[],
        "bob@smime.example",
        Purpose::Signing,
    );
    assert!(v.path.is_ok() && !v.is_valid());
}
