//! Every example under examples/ runs (the quickstart has its own file): users copy them, so they must work.

use mailsec_e2e::{require_tool, root, Workspace};

#[test]
fn exchange_howto_runs_verbatim() {
    if !require_tool("openssl") {
        return;
    }
    let ws = Workspace::new();
    ws.make_certs();
    ws.seed();
    std::fs::copy(
        root().join("examples/exchange-howto/howto.ps1"),
        ws.path().join("howto.ps1"),
    )
    .unwrap();
    std::fs::create_dir_all(ws.path().join("downloads")).unwrap();
    // The how-to reads a .sst: write one with mailsec's .sst writer, from another state file.
    let sst = ws.mailsec(&[
        "--state",
        "sst/mailsec.yaml",
        "-c",
        "Set-SmimeConfig -SMIMECertificateIssuingCA ([IO.File]::ReadAllBytes('input/chain.p7b'))
         Set-Content -Path downloads/chainOfTrust.sst -Value (Get-SmimeConfig).SMIMECertificateIssuingCA -AsByteStream",
    ]);
    assert_eq!(sst.code, 0, "{sst:?}");
    let certs = format!("C:\\certs={}", ws.path().join("input").display());
    let downloads = format!(
        "C:\\Users\\Gold\\Downloads={}",
        ws.path().join("downloads").display()
    );
    let r = ws.mailsec(&[
        "--path-map",
        &certs,
        "--path-map",
        &downloads,
        "run",
        "howto.ps1",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("UserCertificate"), "{}", r.stdout);
    let yaml = ws.read("mailsec.yaml");
    let thumb_lines = yaml
        .matches("subject: EMAIL=baptiste@contoso.example,CN=Baptiste,O=Contoso")
        .count();
    assert_eq!(
        thumb_lines, 2,
        "the mailbox and the contact both publish baptiste's certificate: {yaml}"
    );
    assert!(
        yaml.contains("format: sst"),
        "the .sst is kept as uploaded: {yaml}"
    );
    let plan = ws.mailsec(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{plan:?}");
    // Without the map, the Windows path is an error that says how to map it.
    let unmapped = ws.mailsec(&["run", "howto.ps1"]);
    assert_eq!(unmapped.code, 1);
    assert!(
        unmapped.stderr.contains("--path-map"),
        "{}",
        unmapped.stderr
    );
}
