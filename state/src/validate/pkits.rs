//! NIST PKITS (2011) through layer 1: every end entity against the PKITS trust anchor, all PKITS CAs as the intermediate pool and all PKITS CRLs; the expected result comes from the file name, and every mismatch must be listed in `pkits_exceptions.tsv`.

use std::collections::BTreeMap;
use std::path::Path;

use time::macros::datetime;

use super::testutil::{cert_der, corpus, read};
use super::{PathResult, PathUsage, Validator};

/// Rows of `pkits_exceptions.tsv` (header excluded). Changing the table means changing this.
const EXCEPTIONS_EXPECTED: usize = 67;

/// Inside every PKITS 2011 validity period that is meant to be valid (2010-01-01 .. 2030-12-31),
/// after the "expired" certificates (2011-01-01) and after the latest thisUpdate of a CRL
/// (2011-01-01).
pub(crate) const AT: time::OffsetDateTime = datetime!(2011-06-01 00:00 UTC);

pub(crate) const ANCHOR: &str = "TrustAnchorRootCertificate.crt";

pub(crate) struct PkitsSet {
    pub anchor: Vec<u8>,
    pub pool: Vec<Vec<u8>>,
    pub crls: Vec<Vec<u8>>,
    /// (file name, DER, expected valid)
    pub tests: Vec<(String, Vec<u8>, bool)>,
    /// End entities whose name says neither Valid nor Invalid: the policy tests of PKITS 4.8–4.10
    /// whose outcome depends on the initial policy settings (e.g. `DifferentPoliciesTest3EE`).
    /// The file name gives no expected result, so they are not counted.
    pub setting_dependent: Vec<String>,
}

fn sorted_files(dir: &Path, ext: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    files.sort();
    files
}

/// The PKITS certificates and CRLs from the corpus: end entities are the files named
/// `Valid*EE.crt`/`Invalid*EE.crt`; every other certificate except the trust anchor is a CA and
/// goes into the pool.
pub(crate) fn load(corpus: &Path) -> PkitsSet {
    let certs = corpus.join("pkits-certs");
    let mut set = PkitsSet {
        anchor: cert_der(&certs.join(ANCHOR)),
        pool: Vec::new(),
        crls: sorted_files(&corpus.join("pkits-crls"), "crl")
            .iter()
            .map(|p| read(p))
            .collect(),
        tests: Vec::new(),
        setting_dependent: Vec::new(),
    };
    for path in sorted_files(&certs, "crt") {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name == ANCHOR {
            continue;
        }
        let der = read(&path);
        let is_ee = name.ends_with("EE.crt");
        if is_ee && name.starts_with("Valid") {
            set.tests.push((name, der, true));
        } else if is_ee && name.starts_with("Invalid") {
            set.tests.push((name, der, false));
        } else if is_ee {
            set.setting_dependent.push(name);
        } else {
            set.pool.push(der);
        }
    }
    set
}

/// Rows of a TSV table with a header line, keyed by their first `key_columns` columns (joined
/// by a tab). Every row must have `columns` columns and a unique key.
pub(crate) fn parse_table(
    text: &str,
    columns: usize,
    key_columns: usize,
) -> BTreeMap<String, Vec<String>> {
    let mut rows = BTreeMap::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<String> = line.split('\t').map(str::to_string).collect();
        assert_eq!(
            cols.len(),
            columns,
            "line {}: {columns} tab-separated columns expected: {line}",
            i + 1
        );
        let key = cols
            .iter()
            .take(key_columns)
            .cloned()
            .collect::<Vec<_>>()
            .join("\t");
        assert!(
            rows.insert(key.clone(), cols).is_none(),
            "line {}: {key} is listed twice",
            i + 1
        );
    }
    rows
}

pub(crate) fn word(valid: bool) -> &'static str {
    if valid {
        "valid"
    } else {
        "invalid"
    }
}

#[test]
fn pkits_layer1_conformance() {
    let Some(corpus) = corpus() else { return };
    let set = load(&corpus);
    assert_eq!(
        (set.tests.len(), set.setting_dependent.len(), set.pool.len()),
        (203, 20, 181),
        "PKITS 2011: 203 Valid*/Invalid* end entities, 20 setting-dependent policy tests, 181 CAs"
    );
    let anchors = vec![set.anchor.clone()];
    let validator = Validator::new(&anchors, &set.pool, &set.crls);

    let mut mismatches = BTreeMap::new();
    let mut passed = 0usize;
    for (name, der, expected) in &set.tests {
        let result = validator.validate_path(der, AT, PathUsage::Email);
        let got = result.is_ok();
        if got == *expected {
            passed += 1;
        } else {
            let why = match &result {
                PathResult::Failed { reason, code } => format!("{code:?}: {reason}"),
                PathResult::Ok { chain } => format!("path found: {}", chain.join(" <- ")),
            };
            mismatches.insert(name.clone(), (*expected, got, why));
        }
    }
    let total = set.tests.len();
    println!(
        "PKITS layer 1: {passed}/{total} as expected ({:.1}%), {} listed exceptions; input problems: {}",
        100.0 * passed as f64 / total as f64,
        mismatches.len(),
        validator.input_problems().len()
    );
    println!(
        "  not counted (no Valid/Invalid in the name; outcome depends on PKITS policy settings): {}",
        set.setting_dependent.join(", ")
    );
    for p in validator.input_problems() {
        println!("  input: {p}");
    }
    for (name, (expected, got, why)) in &mismatches {
        println!("  {name}\t{}\t{}\t{why}", word(*expected), word(*got));
    }

    let table = parse_table(include_str!("pkits_exceptions.tsv"), 4, 1);
    let mut errors = Vec::new();
    for (name, cols) in &table {
        match mismatches.get(name) {
            None => errors.push(format!("{name} is listed in pkits_exceptions.tsv but now gives the expected result: remove it")),
            Some((expected, got, _)) => {
                if cols.get(1).map(String::as_str) != Some(word(*expected))
                    || cols.get(2).map(String::as_str) != Some(word(*got))
                {
                    errors.push(format!("{name}: table says {:?}, test gives expected={} got={}", cols, word(*expected), word(*got)));
                }
            }
        }
    }
    for name in mismatches.keys() {
        if !table.contains_key(name) {
            errors.push(format!(
                "{name} does not give the expected result and is not in pkits_exceptions.tsv"
            ));
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(
        table.len(),
        EXCEPTIONS_EXPECTED,
        "size of pkits_exceptions.tsv"
    );
}
