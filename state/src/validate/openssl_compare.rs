//! `openssl verify` as a second opinion on the same inputs (RFC 9216 and all of NIST PKITS); every disagreement not already explained by `pkits_exceptions.tsv` must be listed with its reason in `openssl_disagreements.tsv`.
//!
//! openssl runs as `openssl verify -attime T -purpose P -CAfile anchor [-untrusted pool]
//! [-crl_check_all -extended_crl -use_deltas -policy_check -CRLfile crls] [-verify_email A] ee`:
//! `-crl_check_all` because mailsec checks the whole chain once CRLs are given; `-extended_crl`,
//! `-use_deltas` and `-policy_check` so that openssl does the full RFC 5280 processing that PKITS
//! expects. For RFC 9216 both layers are compared (`-verify_email` is openssl's address check);
//! for PKITS only layer 1, whose certificates carry no e-mail addresses.
//!
//! A PKITS disagreement where mailsec deviates from the PKITS expectation, openssl meets it, and
//! the file is in `pkits_exceptions.tsv` is explained there and not listed again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::pkits::{self, parse_table, word};
use super::rfc9216::{self, ED_CROSS, PEOPLE, RSA_ROOT};
use super::testutil::{corpus, have_openssl, pem, pki};
use super::{validate, validate_path, PathUsage, Purpose, ValidationInput};

/// Rows of `openssl_disagreements.tsv` (header excluded) for the corpus sets (`rfc9216`,
/// `rfc9216-cross`, `pkits`) and for the certificates generated at test time (`generated`).
/// Changing the table means changing these.
const CORPUS_DISAGREEMENTS: usize = 3;
const GENERATED_DISAGREEMENTS: usize = 7;

struct Case {
    set: &'static str,
    file: String,
    /// openssl's -purpose
    purpose: &'static str,
    mailsec: bool,
    /// The PKITS expectation, when there is one.
    expected: Option<bool>,
    ee: PathBuf,
    anchor: PathBuf,
    untrusted: Option<PathBuf>,
    crls: Option<PathBuf>,
    email: Option<String>,
    at: i64,
}

impl Case {
    fn key(&self) -> String {
        format!("{}\t{}\t{}", self.set, self.file, self.purpose)
    }

    /// openssl's verdict and its last error line.
    fn openssl(&self) -> (bool, String) {
        let mut cmd = Command::new("openssl");
        cmd.arg("verify")
            .args(["-attime", &self.at.to_string()])
            .args(["-purpose", self.purpose])
            .arg("-CAfile")
            .arg(&self.anchor);
        if let Some(u) = &self.untrusted {
            cmd.arg("-untrusted").arg(u);
        }
        if let Some(c) = &self.crls {
            cmd.args([
                "-crl_check_all",
                "-extended_crl",
                "-use_deltas",
                "-policy_check",
            ])
            .arg("-CRLfile")
            .arg(c);
        }
        if let Some(e) = &self.email {
            cmd.args(["-verify_email", e]);
        }
        cmd.arg(&self.ee);
        match cmd.output() {
            Ok(out) => {
                let text = format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                let error = text
                    .lines()
                    .rfind(|l| l.contains("depth lookup"))
                    .unwrap_or("")
                    .to_string();
                (out.status.success(), error)
            }
            Err(e) => panic!("cannot run openssl: {e}"),
        }
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    path
}

fn write_certs(dir: &Path, name: &str, ders: &[Vec<u8>]) -> PathBuf {
    let text: String = ders.iter().map(|d| pem("CERTIFICATE", d)).collect();
    write(dir, name, &text)
}

fn rfc9216_cases(corpus: &Path, tmp: &Path) -> Vec<Case> {
    let dir = corpus.join("rfc9216");
    let at = rfc9216::AT.unix_timestamp();
    let mut cases = Vec::new();
    let mut add =
        |set: &'static str, name: String, anchor: &str, pool: &[&str], purpose: &'static str| {
            let person = name.split('@').next().unwrap_or_default().to_string();
            let address = format!("{person}@smime.example");
            let ee = rfc9216::der(&dir, &name);
            let anchors = vec![rfc9216::der(&dir, anchor)];
            let intermediates: Vec<Vec<u8>> = pool.iter().map(|p| rfc9216::der(&dir, p)).collect();
            let addresses = vec![address.clone()];
            let input = ValidationInput {
                end_entity: &ee,
                anchors: &anchors,
                intermediates: &intermediates,
                crls: &[],
                at: rfc9216::AT,
                addresses: &addresses,
                purpose: Purpose::Any,
            };
            let mailsec = match purpose {
                "smimesign" => validate(&ValidationInput {
                    purpose: Purpose::Signing,
                    ..input
                })
                .is_valid(),
                "smimeencrypt" => validate(&ValidationInput {
                    purpose: Purpose::Encryption,
                    ..input
                })
                .is_valid(),
                _ => validate_path(&input, PathUsage::TlsServer).is_ok(),
            };
            let n = cases.len();
            cases.push(Case {
                set,
                file: name,
                purpose,
                mailsec,
                expected: None,
                ee: write_certs(tmp, &format!("rfc9216-ee-{n}.pem"), &[ee]),
                anchor: write_certs(tmp, &format!("rfc9216-anchor-{n}.pem"), &anchors),
                untrusted: (!intermediates.is_empty())
                    .then(|| write_certs(tmp, &format!("rfc9216-pool-{n}.pem"), &intermediates)),
                crls: None,
                email: (purpose != "sslserver").then_some(address),
                at,
            });
        };
    for (person, root) in PEOPLE {
        for kind in ["sig", "enc"] {
            for purpose in ["smimesign", "smimeencrypt"] {
                add("rfc9216", rfc9216::file(person, kind), root, &[], purpose);
            }
        }
    }
    for kind in ["sig", "enc"] {
        for purpose in ["smimesign", "smimeencrypt"] {
            add(
                "rfc9216-cross",
                rfc9216::file("dana", kind),
                RSA_ROOT,
                &[ED_CROSS],
                purpose,
            );
        }
    }
    add(
        "rfc9216",
        rfc9216::file("alice", "sig"),
        RSA_ROOT,
        &[],
        "sslserver",
    );
    cases
}

fn pkits_cases(corpus: &Path, tmp: &Path) -> Vec<Case> {
    let set = pkits::load(corpus);
    let anchors = vec![set.anchor.clone()];
    let validator = super::Validator::new(&anchors, &set.pool, &set.crls);
    let anchor = write_certs(tmp, "pkits-anchor.pem", &anchors);
    let pool = write_certs(tmp, "pkits-pool.pem", &set.pool);
    let crls_text: String = set.crls.iter().map(|c| pem("X509 CRL", c)).collect();
    let crls = write(tmp, "pkits-crls.pem", &crls_text);
    set.tests
        .iter()
        .enumerate()
        .map(|(i, (name, der, expected))| Case {
            set: "pkits",
            file: name.clone(),
            purpose: "smimesign",
            mailsec: validator
                .validate_path(der, pkits::AT, PathUsage::Email)
                .is_ok(),
            expected: Some(*expected),
            ee: write_certs(tmp, &format!("pkits-ee-{i}.pem"), std::slice::from_ref(der)),
            anchor: anchor.clone(),
            untrusted: Some(pool.clone()),
            crls: Some(crls.clone()),
            email: None,
            at: pkits::AT.unix_timestamp(),
        })
        .collect()
}

#[test]
fn openssl_verify_agrees_or_the_disagreement_is_listed() {
    let Some(corpus) = corpus() else { return };
    if !have_openssl() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("no temp dir: {e}"));
    let mut cases = rfc9216_cases(&corpus, tmp.path());
    cases.extend(pkits_cases(&corpus, tmp.path()));

    // openssl runs take most of the time: spread them over the cores.
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let chunk = cases.len().div_ceil(workers);
    let verdicts: Vec<(bool, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(chunk.max(1))
            .map(|part| s.spawn(move || part.iter().map(Case::openssl).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| panic!("an openssl worker panicked"))
            })
            .collect()
    });

    let pkits_exceptions = parse_table(include_str!("pkits_exceptions.tsv"), 4, 1);
    let mut disagreements = BTreeMap::new();
    let mut explained_by_pkits = 0usize;
    for (case, (openssl, error)) in cases.iter().zip(&verdicts) {
        if case.mailsec == *openssl {
            continue;
        }
        let pkits_explains =
            case.expected == Some(*openssl) && pkits_exceptions.contains_key(&case.file);
        if pkits_explains {
            explained_by_pkits += 1;
            continue;
        }
        disagreements.insert(case.key(), (case.mailsec, *openssl, error.clone()));
    }
    let agreed = cases.len() - disagreements.len() - explained_by_pkits;
    println!(
        "openssl verify: {} cases, {agreed} agree, {explained_by_pkits} disagree where mailsec \
         deviates from PKITS and openssl does not (see pkits_exceptions.tsv), {} listed disagreements",
        cases.len(),
        disagreements.len()
    );
    for (key, (m, o, error)) in &disagreements {
        println!("  {key}\t{}\t{}\topenssl: {error}", word(*m), word(*o));
    }

    check_table(
        |set| set != "generated",
        &disagreements,
        CORPUS_DISAGREEMENTS,
    );
}

/// The disagreements of the sets `in_set` accepts must be exactly the table's rows of those sets.
fn check_table(
    in_set: impl Fn(&str) -> bool,
    disagreements: &BTreeMap<String, (bool, bool, String)>,
    expected_rows: usize,
) {
    let all = parse_table(include_str!("openssl_disagreements.tsv"), 6, 3);
    let table: BTreeMap<&String, &Vec<String>> = all
        .iter()
        .filter(|(_, cols)| cols.first().is_some_and(|set| in_set(set)))
        .collect();
    let mut errors = Vec::new();
    for (key, cols) in &table {
        match disagreements.get(*key) {
            None => errors.push(format!(
                "{key} is listed in openssl_disagreements.tsv but mailsec and openssl now agree \
                 (or pkits_exceptions.tsv explains it): remove it"
            )),
            Some((m, o, _)) => {
                if cols.get(3).map(String::as_str) != Some(word(*m))
                    || cols.get(4).map(String::as_str) != Some(word(*o))
                {
                    errors.push(format!(
                        "{key}: table says {cols:?}, test gives mailsec={} openssl={}",
                        word(*m),
                        word(*o)
                    ));
                }
            }
        }
    }
    for key in disagreements.keys() {
        if !table.contains_key(key) {
            errors.push(format!(
                "{key}: mailsec and openssl disagree, and it is not in openssl_disagreements.tsv"
            ));
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(
        table.len(),
        expected_rows,
        "rows of openssl_disagreements.tsv for these sets"
    );
}

/// (certificate of the generated PKI, recipient address, trust its own expired root, with CRLs)
const GENERATED: &[(&str, &str, bool, bool)] = &[
    ("alice", "alice@contoso.example", false, true),
    ("bob_rsa_enc", "bob@contoso.example", false, true),
    ("expired", "old@contoso.example", false, false),
    ("not_yet_valid", "future@contoso.example", false, false),
    ("tls_client_only", "client@contoso.example", false, false),
    ("no_eku", "noeku@contoso.example", false, false),
    ("any_eku", "any@contoso.example", false, false),
    ("no_address", "nobody@contoso.example", false, false),
    ("legacy_email", "legacy@contoso.example", false, false),
    ("agreement_only", "agree@contoso.example", false, false),
    ("no_key_usage", "noku@contoso.example", false, false),
    ("ca_as_ee", "ca@contoso.example", false, false),
    ("revoked", "revoked@contoso.example", false, true),
    ("foreign", "mallory@contoso.example", false, false),
    ("under_old_root", "orphan@contoso.example", true, false),
];

#[test]
fn openssl_verify_on_generated_certificates() {
    let Some(p) = pki() else { return };
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("no temp dir: {e}"));
    let dir = tmp.path();
    let at = time::OffsetDateTime::now_utc();
    let root = write_certs(dir, "root.pem", std::slice::from_ref(&p.root));
    let old_root = write_certs(dir, "old-root.pem", std::slice::from_ref(&p.old_root));
    let pool = write_certs(dir, "pool.pem", std::slice::from_ref(&p.issuing));
    let crl_list = vec![p.root_crl.clone(), p.issuing_crl.clone()];
    let crl_text: String = crl_list.iter().map(|c| pem("X509 CRL", c)).collect();
    let crls = write(dir, "crls.pem", &crl_text);
    let mut disagreements = BTreeMap::new();
    let mut count = 0;
    for (name, address, old, with_crls) in GENERATED {
        let anchors = vec![if *old {
            p.old_root.clone()
        } else {
            p.root.clone()
        }];
        let intermediates = vec![p.issuing.clone()];
        let no_crls: Vec<Vec<u8>> = Vec::new();
        let addresses = vec![address.to_string()];
        let ee = write_certs(dir, &format!("{name}.pem"), &[p.ee(name).to_vec()]);
        for (purpose, ours) in [
            ("smimesign", Purpose::Signing),
            ("smimeencrypt", Purpose::Encryption),
        ] {
            let verdict = validate(&ValidationInput {
                end_entity: p.ee(name),
                anchors: &anchors,
                intermediates: &intermediates,
                crls: if *with_crls { &crl_list } else { &no_crls },
                at,
                addresses: &addresses,
                purpose: ours,
            });
            let case = Case {
                set: "generated",
                file: name.to_string(),
                purpose,
                mailsec: verdict.is_valid(),
                expected: None,
                ee: ee.clone(),
                anchor: if *old { old_root.clone() } else { root.clone() },
                untrusted: Some(pool.clone()),
                crls: with_crls.then(|| crls.clone()),
                email: Some(address.to_string()),
                at: at.unix_timestamp(),
            };
            let (openssl, error) = case.openssl();
            count += 1;
            if openssl != case.mailsec {
                println!(
                    "  {}\t{}\t{}\topenssl: {error}; mailsec: {}",
                    case.key(),
                    word(case.mailsec),
                    word(openssl),
                    verdict.problems().join("; ")
                );
                disagreements.insert(case.key(), (case.mailsec, openssl, error));
            }
        }
    }
    println!(
        "openssl verify on generated certificates: {count} cases, {} disagreements",
        disagreements.len()
    );
    check_table(
        |set| set == "generated",
        &disagreements,
        GENERATED_DISAGREEMENTS,
    );
}
