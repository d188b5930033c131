//! `mailsec check`: parse and bind without running — the JSON stream CI pipelines read, prefix and
//! alias expansion, errors with positions, exit codes, and no state touched.

use mailsec_e2e::Workspace;
use serde_json::Value;

fn lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

const SCRIPT: &str = "\
$certs = New-Object System.Collections.ArrayList
Set-Mailbox -Ident baptiste -UserCert $certs -wi
Get-MailContact -Identity P | select Name
Set-MailContact P -Disp:'P Q' -UserCertificate ([System.IO.File]::ReadAllBytes('p.cer'))
";

#[test]
fn json_has_one_object_per_invocation_with_canonical_names_and_spans() {
    let ws = Workspace::new();
    ws.write("s.ps1", SCRIPT);
    let r = ws.mailsec(&["check", "--json", "s.ps1"]);
    assert_eq!(r.code, 0, "{r:?}");
    let objs = lines(&r.stdout);
    let cmdlets: Vec<&str> = objs.iter().filter_map(|o| o["cmdlet"].as_str()).collect();
    assert_eq!(
        cmdlets,
        ["Set-Mailbox", "Get-MailContact", "Set-MailContact"]
    );

    let set = &objs[0];
    assert_eq!(
        (set["line"].as_u64(), set["column"].as_u64()),
        (Some(2), Some(1))
    );
    let params = set["parameters"].as_array().expect("parameters");
    let names: Vec<&str> = params.iter().filter_map(|p| p["name"].as_str()).collect();
    // -Ident and -UserCert are prefixes, -wi is WhatIf's alias.
    assert_eq!(names, ["Identity", "UserCertificate", "WhatIf"]);
    for p in params {
        let span: Vec<usize> = p["span"]
            .as_array()
            .expect("span")
            .iter()
            .filter_map(|n| n.as_u64().map(|n| n as usize))
            .collect();
        assert_eq!(
            Some(&SCRIPT[span[0]..span[1]]),
            p["source"].as_str(),
            "the span is the source text: {p}"
        );
    }
    assert_eq!(params[0]["source"], "baptiste");
    assert_eq!(params[1]["source"], "$certs");

    let contact = &objs[2];
    let names: Vec<&str> = contact["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    // Named first (the colon form too), then the positional identity.
    assert_eq!(names, ["DisplayName", "UserCertificate", "Identity"]);
    assert_eq!(contact["parameters"][0]["source"], "'P Q'");
    // Nothing ran: no state, no certificate read.
    assert!(!ws.path().join("mailsec.yaml").exists());
    assert!(!ws.path().join("mailsec.yaml.lock").exists());
}

#[test]
fn errors_are_in_the_same_stream_with_positions_and_exit_1() {
    let ws = Workspace::new();
    let script = "Get-Mailbox\nSet-Mailbox -Identity jo -UserCertficate $x\nSet-Mailbx jo\nNew-MailContact -ExternalEmailAddress a@b.example\n";
    ws.write("bad.ps1", script);
    let r = ws.mailsec(&["check", "--json", "bad.ps1"]);
    assert_eq!(r.code, 1, "{r:?}");
    let objs = lines(&r.stdout);
    assert_eq!(objs.len(), 4, "{}", r.stdout);
    assert_eq!(objs[0]["cmdlet"], "Get-Mailbox");

    let unknown_param = &objs[1];
    assert_eq!(
        unknown_param["error"],
        "A parameter cannot be found that matches parameter name 'UserCertficate'."
    );
    assert_eq!(
        (
            unknown_param["line"].as_u64(),
            unknown_param["column"].as_u64()
        ),
        (Some(2), Some(26))
    );
    let span: Vec<usize> = unknown_param["span"]
        .as_array()
        .expect("span")
        .iter()
        .filter_map(|n| n.as_u64().map(|n| n as usize))
        .collect();
    assert_eq!(&script[span[0]..span[1]], "-UserCertficate");
    assert!(
        unknown_param["help"]
            .as_str()
            .is_some_and(|h| h.contains("did you mean -UserCertificate?")),
        "{unknown_param}"
    );

    assert_eq!(objs[2]["help"], "did you mean Set-Mailbox?");
    assert_eq!(objs[2]["line"], 3);
    assert!(objs[3]["error"]
        .as_str()
        .is_some_and(|e| e.contains("missing mandatory parameters: Name")));
}

#[test]
fn human_output_shows_carets_and_syntax_errors_fail() {
    let ws = Workspace::new();
    ws.write("bad.ps1", "Set-Mailbox -Identity jo -Bogus 1\n");
    ws.write("syntax.ps1", "Set-Mailbox -Identity (jo\n");
    ws.write("good.ps1", "Get-SmimeConfig | Format-List\n");
    let r = ws.mailsec(&["check", "bad.ps1"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("bad.ps1:1:26"), "{}", r.stderr);
    assert!(r.stdout.contains("1 error"), "{}", r.stdout);
    let r = ws.mailsec(&["check", "--json", "syntax.ps1"]);
    assert_eq!(r.code, 1);
    assert!(lines(&r.stdout).iter().all(|o| o.get("error").is_some()));
    let r = ws.mailsec(&["check", "good.ps1"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("1 cmdlet invocation bound, 0 errors"),
        "{}",
        r.stdout
    );
    // Any failing file fails the run; a missing file is an error too.
    assert_eq!(ws.mailsec(&["check", "good.ps1", "bad.ps1"]).code, 1);
    assert_eq!(ws.mailsec(&["check", "missing.ps1"]).code, 1);
}

#[test]
fn the_examples_pass_check() {
    let ws = Workspace::new();
    for ex in [
        "examples/quickstart/quickstart.ps1",
        "examples/exchange-howto/howto.ps1",
    ] {
        let path = mailsec_e2e::root().join(ex);
        let r = ws.mailsec(&["check", &path.display().to_string()]);
        assert_eq!(r.code, 0, "{ex}: {r:?}");
    }
}
