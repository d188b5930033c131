//! Real admin scripts nobody wrote for mailsec (Microsoft's documented examples and public guides, in
//! tests/fixtures/admin-scripts with their sources): each passes `mailsec check` and runs against the
//! embedded default, or fails with the error its `# mailsec-expect-error:` line names (see the README there).
//!
//! Directives in a fixture's leading comments:
//! - `# mailsec-setup: COMMANDS` runs first (`mailsec -c`), to create what the example names;
//! - `# mailsec-seed: quickstart` seeds the quickstart's directory (and makes its certificates);
//! - `# mailsec-path-map: WINDOWS=LOCAL` maps the example's Windows folder (`--path-map`);
//! - `# mailsec-file: TARGET=SOURCE` copies a generated file to where the example reads it;
//! - `# mailsec-expect-error: TEXT` the run (and `check`, if it reports anything) fails with TEXT.

use std::path::PathBuf;

use mailsec_e2e::{require_tool, root, Workspace};

struct Fixture {
    name: String,
    text: String,
    setup: Vec<String>,
    seed: bool,
    path_map: Vec<String>,
    files: Vec<(String, String)>,
    expect_error: Option<String>,
}

fn fixtures() -> Vec<Fixture> {
    let dir = root().join("tests/fixtures/admin-scripts");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "ps1"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read fixture");
            let directive = |key: &str| -> Vec<String> {
                text.lines()
                    .filter_map(|l| l.strip_prefix(&format!("# mailsec-{key}:")))
                    .map(|v| v.trim().to_string())
                    .collect()
            };
            Fixture {
                name: p.file_name().expect("name").to_string_lossy().into_owned(),
                setup: directive("setup"),
                seed: directive("seed").iter().any(|s| s == "quickstart"),
                path_map: directive("path-map"),
                files: directive("file")
                    .into_iter()
                    .filter_map(|f| {
                        f.split_once('=')
                            .map(|(a, b)| (a.to_string(), b.to_string()))
                    })
                    .collect(),
                expect_error: directive("expect-error").into_iter().next(),
                text,
            }
        })
        .collect()
}

#[test]
fn there_are_enough_fixtures_each_with_a_source() {
    let all = fixtures();
    assert!(all.len() >= 25, "{} fixtures", all.len());
    for f in &all {
        assert!(
            f.text.starts_with("# Source: "),
            "{} names no source",
            f.name
        );
    }
    let readme = std::fs::read_to_string(root().join("tests/fixtures/admin-scripts/README.md"))
        .expect("README");
    for f in all.iter().filter(|f| f.expect_error.is_some()) {
        assert!(
            readme.contains(&f.name),
            "the README lists {} (an expected error)",
            f.name
        );
    }
}

#[test]
fn every_fixture_passes_check_or_reports_its_expected_error() {
    let ws = Workspace::new();
    for f in fixtures() {
        ws.write(&f.name, &f.text);
        let r = ws.mailsec(&["check", &f.name]);
        match &f.expect_error {
            None => assert_eq!(r.code, 0, "{}: {r:?}", f.name),
            Some(e) => assert!(
                r.code == 0 || r.stderr.contains(e.as_str()),
                "{}: check failed with something else than '{e}': {r:?}",
                f.name
            ),
        }
    }
}

#[test]
fn every_fixture_runs_against_the_embedded_default() {
    let have_openssl = require_tool("openssl");
    for f in fixtures() {
        if f.seed && !have_openssl {
            continue;
        }
        let ws = Workspace::new();
        if f.seed {
            ws.make_certs();
            ws.seed();
        }
        for (target, source) in &f.files {
            let to = ws.path().join(target);
            std::fs::create_dir_all(to.parent().expect("a folder")).expect("mkdir");
            std::fs::copy(ws.path().join(source), &to).expect("copy a generated file");
        }
        for s in &f.setup {
            let r = ws.mailsec(&["-c", s]);
            assert_eq!(r.code, 0, "{} setup `{s}`: {r:?}", f.name);
        }
        ws.write(&f.name, &f.text);
        let before = ws.read("mailsec.yaml");
        let mut args: Vec<String> = Vec::new();
        for m in &f.path_map {
            args.push("--path-map".into());
            args.push(m.clone());
        }
        args.push("run".into());
        args.push(f.name.clone());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = ws.mailsec(&args);
        match &f.expect_error {
            None => {
                assert_eq!(r.code, 0, "{}: {r:?}", f.name);
                assert!(!r.stderr.contains('×'), "{}: {r:?}", f.name);
            }
            Some(e) => {
                assert_eq!(r.code, 1, "{}: {r:?}", f.name);
                assert!(
                    r.stderr.contains(e.as_str()),
                    "{}: expected '{e}': {r:?}",
                    f.name
                );
                assert_eq!(
                    ws.read("mailsec.yaml"),
                    before,
                    "{}: a refused example changes nothing",
                    f.name
                );
            }
        }
    }
}

#[test]
fn the_how_to_leaves_the_certificates_in_the_state() {
    if !require_tool("openssl") {
        return;
    }
    let f = fixtures()
        .into_iter()
        .find(|f| f.name.starts_with("26-"))
        .expect("the how-to fixture");
    let ws = Workspace::new();
    ws.make_certs();
    ws.seed();
    std::fs::create_dir_all(ws.path().join("downloads")).expect("mkdir");
    std::fs::copy(
        ws.path().join("input/chain.p7b"),
        ws.path().join("downloads/chainOfTrust.sst"),
    )
    .expect("copy");
    ws.write(&f.name, &f.text);
    let r = ws.mailsec(&[
        "--path-map",
        "C:\\certs=input",
        "--path-map",
        "C:\\Users\\Gold\\Downloads=downloads",
        "run",
        &f.name,
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let yaml = ws.read("mailsec.yaml");
    assert!(yaml.contains("CravateRouge_SMIME"), "{yaml}");
    assert!(
        yaml.contains("EMAIL=baptiste@contoso.example,CN=Baptiste"),
        "{yaml}"
    );
    assert!(r.stdout.contains("UserCertificate"), "{r:?}");
}
