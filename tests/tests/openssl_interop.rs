//! Interop with the openssl CLI: the thumbprint and subject mailsec records match what openssl says of the same bytes.

use mailsec_e2e::{require_tool, Workspace};

#[test]
fn thumbprint_matches_openssl_fingerprint() {
    if !require_tool("openssl") {
        return;
    }
    let ws = Workspace::new();
    ws.make_certs();
    ws.seed();
    let r = ws.mailsec(&["-c", "Set-Mailbox baptiste -UserCertificate ([System.IO.File]::ReadAllBytes('input/baptiste.cer'))"]);
    assert_eq!(r.code, 0, "{r:?}");
    let out = std::process::Command::new("openssl")
        .args([
            "x509",
            "-inform",
            "DER",
            "-in",
            "input/baptiste.cer",
            "-noout",
            "-fingerprint",
            "-sha1",
        ])
        .current_dir(ws.path())
        .output()
        .unwrap();
    let fp = String::from_utf8_lossy(&out.stdout);
    let hex: String = fp
        .split('=')
        .nth(1)
        .unwrap_or_default()
        .trim()
        .replace(':', "");
    assert_eq!(hex.len(), 40, "{fp}");
    let yaml = ws.read("mailsec.yaml");
    assert!(yaml.contains(&format!("thumbprint: {hex}")), "{yaml}");
}
