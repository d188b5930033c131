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
    let r = ws.mailsec(&["run", "howto.ps1"]);
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
    assert!(yaml.contains("SMIMECertificateIssuingCA"), "{yaml}");
    let plan = ws.mailsec(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{plan:?}");
}
