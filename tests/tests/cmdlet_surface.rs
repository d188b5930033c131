//! The cmdlet surface end to end, through the real binary: every `Get-Help -Examples` example runs; a fixture of
//! realistic command lines (tests/fixtures/command_lines.ps1) binds and runs to the expected operations
//! (snapshotted, first under -WhatIf, then for real) and covers every parameter; the S/MIME configuration
//! rules of cmdlets.md 1.1 that need real certificates.

use std::collections::BTreeSet;

use mailsec_e2e::{redact, require_tool, root, Workspace};

/// The cmdlets `mailsec help` lists, in registry order.
fn cmdlets(ws: &Workspace) -> Vec<String> {
    let r = ws.mailsec(&["help"]);
    assert_eq!(r.code, 0, "{r:?}");
    r.stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect()
}

struct Help {
    params: Vec<(String, bool)>,
    examples: Vec<String>,
    what_if: bool,
}

/// A cmdlet's parameters (name, positional) and example command lines, read from `mailsec help NAME`.
fn help(ws: &Workspace, name: &str) -> Help {
    let r = ws.mailsec(&["help", name]);
    assert_eq!(r.code, 0, "{r:?}");
    let mut params = Vec::new();
    let mut examples = Vec::new();
    let mut in_examples = false;
    for line in r.stdout.lines() {
        if line == "EXAMPLES" {
            in_examples = true;
            continue;
        }
        if in_examples {
            let t = line.trim();
            if !t.is_empty() && !t.starts_with('#') {
                examples.push(t.to_string());
            }
        } else if let Some(rest) = line.strip_prefix("    -") {
            let name = rest.split_whitespace().next().unwrap_or_default();
            params.push((name.to_string(), rest.contains("position 1")));
        }
    }
    let what_if = params.iter().any(|(p, _)| p == "WhatIf");
    Help {
        params,
        examples,
        what_if,
    }
}

fn workspace() -> Option<Workspace> {
    if !require_tool("openssl") {
        return None;
    }
    let ws = Workspace::new();
    ws.make_certs();
    ws.seed();
    Some(ws)
}

/// Every example of every cmdlet, in registry order (New before Set before Remove), runs and succeeds.
#[test]
fn every_help_example_runs() {
    let Some(ws) = workspace() else {
        return;
    };
    // The connector TLS probe's examples reach the example connector's hosts: route its domain to a
    // local test SMTP server instead of DNS (unlisted names are then "not found", never looked up).
    let smtp = mailsec_e2e::smtp_tls_server::SmtpTlsServer::builder()
        .names(["mail.fabrikam.com"])
        .start()
        .expect("test SMTP server");
    let env = vec![
        (
            "MAILSEC_PROBE_RESOLVE".to_string(),
            format!(
                "fabrikam.com=MX:mail.fabrikam.com;mail.fabrikam.com=127.0.0.1:{}",
                smtp.port()
            ),
        ),
        (
            "MAILSEC_PROBE_CA_FILE".to_string(),
            smtp.ca_pem_path().display().to_string(),
        ),
    ];
    let mut failures = Vec::new();
    let mut count = 0;
    for c in cmdlets(&ws) {
        let h = help(&ws, &c);
        assert!(!h.examples.is_empty(), "{c} has no example");
        for e in h.examples {
            count += 1;
            let r = ws.mailsec_env(&["-c", &e], &env);
            if r.code != 0 {
                failures.push(format!("{e}\n{}", r.stderr));
            }
        }
    }
    assert!(count >= 40, "only {count} examples");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The lines of the fixture, each with whether an error is expected (a comment mentioning "error" marks the
/// lines below it, up to the next comment or blank line).
fn fixture() -> Vec<(String, bool)> {
    let text = std::fs::read_to_string(root().join("tests/fixtures/command_lines.ps1"))
        .expect("tests/fixtures/command_lines.ps1");
    let mut out = Vec::new();
    let mut expect_error = false;
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            expect_error = false;
        } else if let Some(comment) = t.strip_prefix('#') {
            expect_error = comment.to_lowercase().contains("error");
        } else {
            out.push((t.to_string(), expect_error));
        }
    }
    out
}

/// The parameter a `-name` token binds to, as the binder resolves it (exact, alias, unique prefix).
fn resolve<'a>(params: &'a [(String, bool)], token: &str) -> Option<&'a str> {
    let t = token.to_lowercase();
    let aliases = [("wi", "WhatIf"), ("cf", "Confirm")];
    if let Some((_, full)) = aliases.iter().find(|(a, _)| *a == t) {
        return params
            .iter()
            .find(|(p, _)| p == full)
            .map(|(p, _)| p.as_str());
    }
    if let Some((p, _)) = params.iter().find(|(p, _)| p.to_lowercase() == t) {
        return Some(p);
    }
    let hits: Vec<&str> = params
        .iter()
        .filter(|(p, _)| p.to_lowercase().starts_with(&t))
        .map(|(p, _)| p.as_str())
        .collect();
    match hits.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// The text indented under its command line, with blank lines dropped and runs of spaces collapsed, so the
/// snapshot follows what the commands did rather than the shell's column widths.
fn indent(text: &str) -> String {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn fixture_command_lines_bind_run_and_cover_every_parameter() {
    let Some(ws) = workspace() else {
        return;
    };
    let names = cmdlets(&ws);
    let helps: Vec<(String, Help)> = names.iter().map(|n| (n.clone(), help(&ws, n))).collect();
    let find = |n: &str| {
        helps
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(n))
            .map(|(_, h)| h)
    };
    let lines = fixture();
    let mut covered: BTreeSet<(String, String)> = BTreeSet::new();
    let mut transcript = String::new();
    let mut unexpected = Vec::new();
    for (line, expect_error) in &lines {
        let cmd = line.split_whitespace().next().unwrap_or_default();
        let h = find(cmd).unwrap_or_else(|| panic!("not a mailsec cmdlet: {line}"));
        let tokens: Vec<&str> = line.split_whitespace().collect();
        for t in &tokens[1..] {
            if let Some(name) = t.strip_prefix('-') {
                let name = name.split(':').next().unwrap_or(name);
                if let Some(p) = resolve(&h.params, name) {
                    covered.insert((cmd.to_string(), p.to_string()));
                }
            }
        }
        if tokens.get(1).is_some_and(|t| !t.starts_with('-')) {
            for (p, positional) in &h.params {
                if *positional {
                    covered.insert((cmd.to_string(), p.clone()));
                }
            }
        }
        transcript.push_str(&format!("> {line}\n"));
        let lower = line.to_lowercase();
        let has_what_if = lower.contains(" -whatif") || lower.contains(" -wi ");
        if h.what_if && !has_what_if {
            covered.insert((cmd.to_string(), "WhatIf".to_string()));
            let probe = ws.mailsec(&["-c", &format!("{line} -WhatIf")]);
            let ops: Vec<&str> = probe
                .stdout
                .lines()
                .filter(|l| l.starts_with("What if:"))
                .collect();
            if !ops.is_empty() {
                transcript.push_str(&indent(&ops.join("\n")));
                transcript.push('\n');
            }
        }
        let r = ws.mailsec(&["-c", line]);
        if (r.code != 0) != *expect_error {
            unexpected.push(format!(
                "{line}\n  exit {} (expected {}):\n{}",
                r.code,
                if *expect_error { "an error" } else { "success" },
                r.stderr
            ));
        }
        transcript.push_str(&format!("  [exit {}]\n", r.code));
        for out in [&r.stdout, &r.stderr] {
            if !out.trim().is_empty() {
                transcript.push_str(&indent(out));
                transcript.push('\n');
            }
        }
    }
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n\n"));

    let mut missing = Vec::new();
    for (c, h) in &helps {
        // The probe cmdlets reach the network; tests/tests/connector_probe.rs covers their parameters
        // against a local SMTP server.
        if matches!(
            c.as_str(),
            "Test-SmimeCertificate"
                | "Get-SmimeCertificateReport"
                | "Test-OutboundConnectorTls"
                | "Validate-OutboundConnector"
        ) {
            continue;
        }
        for (p, _) in &h.params {
            if !covered.contains(&(c.clone(), p.clone())) {
                missing.push(format!("{c} -{p}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "parameters no fixture line uses:\n{}",
        missing.join("\n")
    );

    insta::assert_snapshot!("command_lines", redact(&transcript, ws.path()));
    insta::assert_snapshot!(
        "command_lines_state",
        redact(&ws.read("mailsec.yaml"), ws.path())
    );
    let plan = ws.mailsec(&["plan"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    insta::assert_snapshot!("command_lines_plan", redact(&plan.stdout, ws.path()));
    let apply = ws.mailsec(&["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    let again = ws.mailsec(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "a second plan shows no changes: {again:?}");
}

/// cmdlets.md 1.1 (Set-SmimeConfig): the rules that need real certificates. The size limit and the expired
/// certificate rule run in tests/tests/issuing_ca.rs.
#[test]
fn smime_config_rules() {
    let Some(ws) = workspace() else {
        return;
    };
    // Bytes that are no certificate collection.
    ws.write("garbage.sst", "this is not a certificate store");
    let r = ws.mailsec(&[
        "-c",
        "Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('garbage.sst'))",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("SMIMECertificateIssuingCA has wrong format"),
        "{}",
        r.stderr
    );
    // A store whose certificate's expiry can't be read.
    let der = std::fs::read(ws.path().join("input/ca.cer")).expect("ca.cer");
    let mut bad = der.clone();
    // The validity's two times: UTCTime (tag 0x17, YYMMDD...) or GeneralizedTime (0x18, YYYYMMDD...).
    let times: Vec<(usize, usize)> = (0..bad.len().saturating_sub(17))
        .filter_map(|i| match (bad[i], bad[i + 1]) {
            (0x17, 13) if bad[i + 14] == b'Z' => Some((i, 4)),
            (0x18, 15) if bad[i + 16] == b'Z' => Some((i, 6)),
            _ => None,
        })
        .collect();
    assert!(times.len() >= 2, "notBefore and notAfter");
    let (at, month) = times[1];
    bad[at + month] = b'1';
    bad[at + month + 1] = b'3';
    let sst = mailsec_state::cert::write_sst(&[mailsec_state::cert::SstEntry {
        der: bad,
        friendly_name: Some("broken".into()),
    }]);
    std::fs::write(ws.path().join("broken.sst"), sst).expect("write");
    let r = ws.mailsec(&[
        "-c",
        "Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('broken.sst'))",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("Certificate Expiry date has wrong format"),
        "{}",
        r.stderr
    );
    assert!(!ws.path().join("mailsec.yaml").exists(), "nothing stored");
    // The algorithm lists are free strings: OWA falls back, Exchange does not refuse them.
    let r = ws.mailsec(&[
        "-c",
        "Set-SmimeConfig -OWAEncryptionAlgorithms 'not;an;algorithm' -OWASigningAlgorithms 'x'",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    // A good store sets the expiry date and the soonest-expiring thumbprint; $null clears all three.
    let r = ws.mailsec(&[
        "-c",
        "Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('input/chain.p7b'))\nGet-SmimeConfig | ConvertTo-Json",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert!(v["SMIMECertificatesExpiryDate"].is_string(), "{}", r.stdout);
    assert_eq!(
        v["SMIMEExpiredCertificateThumbprint"]
            .as_str()
            .map(str::len),
        Some(40)
    );
    let r = ws.mailsec(&[
        "-c",
        "Set-SmimeConfig -SMIMECertificateIssuingCA $null\nGet-SmimeConfig | ConvertTo-Json",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert!(v["SMIMECertificateIssuingCA"].is_null(), "{}", r.stdout);
    assert!(v["SMIMECertificatesExpiryDate"].is_null(), "{}", r.stdout);
    assert_eq!(v["SMIMEExpiredCertificateThumbprint"], "");
    assert!(ws
        .read("mailsec.yaml")
        .contains("SMIMECertificateIssuingCA: null"));
}
