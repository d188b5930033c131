//! The quickstart end to end on the embedded default: certificates → seed → script → plan → apply → no changes.

use mailsec_e2e::{redact, require_tool, root, Workspace};

fn quickstart_ready() -> Option<Workspace> {
    if !require_tool("openssl") {
        return None;
    }
    let ws = Workspace::new();
    ws.make_certs();
    ws.seed();
    std::fs::copy(
        root().join("examples/quickstart/quickstart.ps1"),
        ws.path().join("quickstart.ps1"),
    )
    .unwrap();
    Some(ws)
}

#[test]
fn quickstart_script_plan_apply_converges() {
    let Some(ws) = quickstart_ready() else { return };
    let run = ws.mailsec(&["quickstart.ps1"]);
    assert_eq!(run.code, 0, "script failed: {run:?}");
    assert!(run.stdout.contains("CravateRouge_SMIME"), "{}", run.stdout);
    assert!(run.stdout.contains("CN=Baptiste"), "{}", run.stdout);

    // The state file references certificate files by content hash, with subject and expiry beside them.
    let yaml = ws.read("mailsec.yaml");
    assert!(yaml.starts_with("apiVersion: mailsec/v1"), "{yaml}");
    assert!(
        yaml.contains("subject: EMAIL=baptiste@contoso.example,CN=Baptiste,O=Contoso"),
        "{yaml}"
    );
    let certs: Vec<_> = std::fs::read_dir(ws.path().join("certs"))
        .unwrap()
        .collect();
    assert_eq!(certs.len(), 3, "chain, baptiste and partner certificates");

    let plan = ws.mailsec(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "changes expected: {plan:?}");
    insta::assert_snapshot!("quickstart_plan", redact(&plan.stdout, ws.path()));

    let json = ws.mailsec(&["plan", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan --json is JSON");
    assert_eq!(v["summary"]["create"], 2);
    assert_eq!(v["summary"]["update"], 2);

    let apply = ws.mailsec(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert!(
        apply
            .stdout
            .contains("Apply complete! Resources: 2 added, 2 changed, 0 renamed, 0 removed."),
        "{}",
        apply.stdout
    );

    let again = ws.mailsec(&["plan", "--detailed-exitcode"]);
    assert_eq!(
        again.code, 0,
        "a second plan must show no changes: {again:?}"
    );
    assert!(again.stdout.contains("No changes."));

    // The embedded directory holds the exact bytes that were published.
    let dir = ws.read("embedded/directory.yaml");
    assert!(dir.contains("UserCertificate"), "{dir}");
    let published = std::fs::read(ws.path().join("input/baptiste.cer")).unwrap();
    let found = std::fs::read_dir(ws.path().join("embedded/certs"))
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| std::fs::read(e.path()).unwrap() == published);
    assert!(found, "the published certificate's bytes are kept exactly");
}

#[test]
fn quickstart_run_sh_works_end_to_end() {
    if !require_tool("openssl") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("bash")
        .arg(root().join("examples/quickstart/run.sh"))
        .arg(work.path())
        .env("MAILSEC_BIN", mailsec_e2e::mailsec_bin())
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "run.sh failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Apply complete!"), "{stdout}");
    assert!(
        stdout
            .trim_end()
            .ends_with("embedded backends are in ".to_string().as_str())
            || stdout.contains("No changes."),
        "{stdout}"
    );
}

#[test]
fn what_if_changes_nothing() {
    let Some(ws) = quickstart_ready() else { return };
    let r = ws.mailsec(&["-c", "Set-Mailbox baptiste -UserCertificate ([System.IO.File]::ReadAllBytes('input/baptiste.cer')) -WhatIf"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.starts_with("What if: Set UserCertificate of Mailbox 'baptiste' to [EMAIL=baptiste@contoso.example,CN=Baptiste,O=Contoso"), "{}", r.stdout);
    assert!(
        !ws.path().join("mailsec.yaml").exists(),
        "-WhatIf must not write the state"
    );
}
