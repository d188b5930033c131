//! Certificate health before apply: plan warnings (and --strict), Test-SmimeCertificate and the report.

use mailsec_e2e::{require_tool, Workspace};

fn published() -> Option<Workspace> {
    if !require_tool("openssl") {
        return None;
    }
    let ws = Workspace::new();
    ws.make_certs();
    ws.seed();
    let r = ws.mailsec(&[
        "-c",
        "Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('input/chain.p7b'))
         Set-Mailbox baptiste -UserCertificate ([System.IO.File]::ReadAllBytes('input/baptiste.cer'))
         Set-Mailbox alice -UserCertificate ([System.IO.File]::ReadAllBytes('input/partner.cer'))",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    Some(ws)
}

#[test]
fn plan_warns_about_a_certificate_that_will_not_work_and_strict_fails() {
    let Some(ws) = published() else { return };
    let plan = ws.mailsec(&["plan"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(
        plan.stderr.contains("Warning: Mailbox 'alice' publishes"),
        "{}",
        plan.stderr
    );
    assert!(
        plan.stderr
            .contains("not an address of the recipient (alice@contoso.example)"),
        "{}",
        plan.stderr
    );
    assert!(
        !plan.stderr.contains("Mailbox 'baptiste'"),
        "baptiste's certificate is fine: {}",
        plan.stderr
    );
    let strict = ws.mailsec(&["plan", "--strict"]);
    assert_eq!(strict.code, 1);
    let json = ws.mailsec(&["plan", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["warnings"].as_array().map(|a| a.len()), Some(1));
    // At a time after the certificates expire, baptiste's warns too.
    let later = ws.mailsec(&["plan", "--at", "2200-01-01T00:00:00Z"]);
    assert!(
        later.stderr.contains("Mailbox 'baptiste'"),
        "{}",
        later.stderr
    );
}

#[test]
fn test_smime_certificate_says_why() {
    let Some(ws) = published() else { return };
    let ok = ws.mailsec(&[
        "-c",
        "Test-SmimeCertificate baptiste -Purpose Encryption | ConvertTo-Json",
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&ok.stdout).unwrap_or_else(|e| panic!("{e}: {ok:?}"));
    assert_eq!(v["Passed"], true, "{v}");
    let bad = ws.mailsec(&["-c", "Test-SmimeCertificate alice | ConvertTo-Json"]);
    let v: serde_json::Value = serde_json::from_str(&bad.stdout).unwrap();
    assert_eq!(v["Passed"], false, "{v}");
    assert!(
        v["Problems"]
            .as_str()
            .unwrap_or_default()
            .contains("not an address of the recipient"),
        "{v}"
    );
    let file = ws.mailsec(&["-c", "Test-SmimeCertificate -Certificate input/baptiste.cer -EmailAddress someone@else.example | ConvertTo-Json"]);
    let v: serde_json::Value = serde_json::from_str(&file.stdout).unwrap();
    assert_eq!(v["Passed"], false, "{v}");
}

#[test]
fn report_lists_recipients_nobody_can_encrypt_to_as_json_and_csv() {
    let Some(ws) = published() else { return };
    let r = ws.mailsec(&["-c", "Get-SmimeCertificateReport | ConvertTo-Json"]);
    let v: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r:?}"));
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{v}");
    let alice = rows.iter().find(|x| x["Recipient"] == "alice").unwrap();
    assert_eq!(alice["RecipientEncryptable"], false);
    let baptiste = rows.iter().find(|x| x["Recipient"] == "baptiste").unwrap();
    assert_eq!(baptiste["RecipientEncryptable"], true);
    let days = baptiste["DaysToExpiry"].as_i64().unwrap();
    assert!(days > 20_000, "{baptiste}");
    // Ten days before baptiste's certificate expires (it was made by this run, so its dates move with
    // the clock): the report names it as expiring within 30 days.
    let at = (time::OffsetDateTime::now_utc() + time::Duration::days(days - 10))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let soon = ws.mailsec(&[
        "-c",
        &format!("Get-SmimeCertificateReport -ExpiringWithinDays 30 -At {at} | ConvertTo-Json"),
    ]);
    assert!(soon.stdout.contains("baptiste"), "{soon:?}");
    let none = ws.mailsec(&[
        "-c",
        "Get-SmimeCertificateReport -ExpiringWithinDays 30 | ConvertTo-Json",
    ]);
    assert!(!none.stdout.contains("baptiste"), "{none:?}");
    let csv = ws.mailsec(&[
        "-c",
        "Get-SmimeCertificateReport | Export-Csv report.csv -NoTypeInformation",
    ]);
    assert_eq!(csv.code, 0, "{csv:?}");
    let text = ws.read("report.csv");
    assert!(
        text.starts_with("\"Recipient\",\"RecipientType\""),
        "{text}"
    );
    assert_eq!(text.lines().count(), 3);
}

#[test]
fn get_smime_config_hands_back_an_sst_and_the_exact_upload() {
    let Some(ws) = published() else { return };
    let r = ws.mailsec(&[
        "-c",
        "$c = Get-SmimeConfig
         $x = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2Collection
         $x.Import($c.SMIMECertificateIssuingCA)
         $x.Count
         [System.Convert]::ToBase64String($c.SMIMECertificateIssuingCAUploaded.GetRawCertData())",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let mut lines = r.stdout.lines();
    assert_eq!(lines.next(), Some("2"));
    let uploaded = std::fs::read(ws.path().join("input/chain.p7b")).unwrap();
    use std::io::Write;
    let mut b64 = Vec::new();
    let _ = write!(b64, "{}", lines.next().unwrap_or_default());
    let out = std::process::Command::new("openssl")
        .args(["base64", "-d", "-A"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(&b64)?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(out.stdout, uploaded, "the upload comes back byte for byte");
}
