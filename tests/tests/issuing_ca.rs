//! Set-SmimeConfig -SMIMECertificateIssuingCA keeps Exchange's rules: size limit, no expired certificate, no private keys.

use std::path::PathBuf;

use mailsec_e2e::{require_tool, Workspace};

/// The shared third-party corpus (CI sets MAILSEC_CORPUS; with MAILSEC_E2E=required it must exist).
fn corpus() -> Option<PathBuf> {
    match std::env::var_os("MAILSEC_CORPUS").map(PathBuf::from) {
        Some(p) if p.is_dir() => Some(p),
        _ if std::env::var("MAILSEC_E2E").as_deref() == Ok("required") => {
            panic!("MAILSEC_CORPUS must name the corpus folder (MAILSEC_E2E=required)")
        }
        _ => {
            eprintln!("skipping: MAILSEC_CORPUS is not set");
            None
        }
    }
}

#[test]
fn an_expired_ca_is_refused_at_the_injected_time() {
    if !require_tool("openssl") {
        return;
    }
    let ws = Workspace::new();
    ws.make_certs();
    let set = "Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('input/chain.p7b'))";
    let later = std::process::Command::new(mailsec_e2e::mailsec_bin())
        .args(["-c", set])
        .current_dir(ws.path())
        .env("MAILSEC_NOW", "2200-01-01T00:00:00Z")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&later.stderr);
    assert_eq!(later.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("have expired (ExpiryCertMessage)"),
        "{stderr}"
    );
    assert!(!ws.path().join("mailsec.yaml").exists());
    let now = ws.mailsec(&["-c", set]);
    assert_eq!(now.code, 0, "{now:?}");
    let forced = std::process::Command::new(mailsec_e2e::mailsec_bin())
        .args(["-c", &format!("{set} -Force")])
        .current_dir(ws.path())
        .env("MAILSEC_NOW", "2200-01-01T00:00:00Z")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&forced.stderr);
    assert_eq!(forced.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("WARNING: -Force: keeping expired certificate(s)"),
        "{stderr}"
    );
}

#[test]
fn a_store_over_70000_bytes_is_refused() {
    let Some(corpus) = corpus() else { return };
    let ws = Workspace::new();
    let sst = corpus.join("sst/zcrypto-test_disallowedcert.sst");
    let r = ws.mailsec(&[
        "-c",
        &format!(
            "Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('{}'))",
            sst.display()
        ),
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("99369 bytes; Exchange accepts at most 70000 bytes"),
        "{}",
        r.stderr
    );
}

#[test]
fn real_pkcs7_and_pem_bundles_are_read() {
    let Some(corpus) = corpus() else { return };
    // (file, certificates inside); validity is checked at a time when all of them were valid.
    for (file, count) in [("pkcs7/amazon-roots.der", 2), ("pkcs7/isrg.pem", 1)] {
        let ws = Workspace::new();
        let out = std::process::Command::new(mailsec_e2e::mailsec_bin())
            .args([
                "-c",
                &format!("Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('{}'))", corpus.join(file).display()),
            ])
            .current_dir(ws.path())
            .env("MAILSEC_NOW", "2024-01-01T00:00:00Z")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let yaml = ws.read("mailsec.yaml");
        assert_eq!(
            yaml.matches("- thumbprint:").count(),
            count,
            "{file}: {yaml}"
        );
        let stored = std::fs::read_dir(ws.path().join("certs"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        assert_eq!(
            std::fs::read(stored).unwrap(),
            std::fs::read(corpus.join(file)).unwrap(),
            "bytes kept exactly"
        );
    }
}

#[test]
fn a_private_key_is_never_published() {
    let ws = Workspace::new();
    ws.write("key.pem", "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END PRIVATE KEY-----\n");
    let r = ws.mailsec(&[
        "-c",
        "Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('key.pem'))",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("a private key must never be published"),
        "{}",
        r.stderr
    );
    assert!(!ws.path().join("mailsec.yaml").exists());
}
