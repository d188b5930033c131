//! Export-MailsecSession: a session's state-changing commands, exported as a script and replayed on a
//! copy of the starting state (without the certificate files the session read), give the same desired state.

use std::path::Path;

use mailsec_e2e::{redact, require_tool, Workspace};

/// The session: variables, an ArrayList of certificates, splatting, a loop, pipeline input, a removal,
/// -WhatIf (changes nothing) and reads (change nothing), then the export.
const SESSION: &str = r#"$cert = [System.IO.File]::ReadAllBytes('input/baptiste.cer')
Set-Mailbox -Identity baptiste -UserCertificate $cert
$certArray = New-Object System.Collections.ArrayList
$x = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2("input/partner.cer")
$certArray.Insert(0, $x.GetRawCertData())
New-MailContact -Name CravateRouge_SMIME -ExternalEmailAddress baptiste@cravaterouge.com
Set-MailContact -Identity CravateRouge_SMIME -UserCertificate $certArray
$p = @{ Name = 'Fabrikam'; ExternalEmailAddress = 'smime@fabrikam.com' }
New-MailContact @p
foreach ($d in 'a.example', 'b.example') { New-MailContact -Name "c-$d" -ExternalEmailAddress "x@$d" }
Get-MailContact -Identity 'c-a.example' | Set-MailContact -UserCertificate ([System.IO.File]::ReadAllBytes('input/partner.cer'))
Set-MailContact Fabrikam -UserCertificate $x.GetRawCertData()
Remove-MailContact -Identity 'c-b.example' -Confirm:$false
Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('input/chain.p7b'))
New-OutboundConnector -Name "CravateRouge TLS" -RecipientDomains cravaterouge.com `
    -TlsSettings DomainValidation -TlsDomain mail.cravaterouge.com
Set-Mailbox -Identity baptiste -UserCertificate $null -WhatIf
Get-Mailbox | Out-Null
Export-MailsecSession -Path export.ps1
"#;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

/// Every file under `dir` (relative name → bytes), leaving out `skip`.
fn files(dir: &Path, skip: &[&str]) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                walk(root, &e.path(), out);
            } else {
                let rel = e
                    .path()
                    .strip_prefix(root)
                    .expect("under root")
                    .display()
                    .to_string();
                out.push((rel, std::fs::read(e.path()).expect("read")));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.retain(|(name, _)| !skip.iter().any(|s| name.starts_with(s)));
    out.sort();
    out
}

#[test]
fn an_exported_session_replays_to_the_same_desired_state() {
    if !require_tool("openssl") {
        return;
    }
    let ws = Workspace::new();
    ws.make_certs();
    ws.seed();
    let start = tempfile::tempdir().expect("temp dir");
    copy_dir(ws.path(), start.path());

    ws.write("session.ps1", SESSION);
    let r = ws.mailsec(&["run", "session.ps1"]);
    assert_eq!(r.code, 0, "{r:?}");
    let exported = ws.read("export.ps1");

    // As typed where it can be; variables, splats, loops and pipeline input written out as literals.
    let lines: Vec<&str> = exported.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines.len(), 12, "{exported}");
    assert!(
        lines[0].starts_with(
            "Set-Mailbox -Identity baptiste -UserCertificate ([Convert]::FromBase64String('MII"
        ),
        "{exported}"
    );
    assert_eq!(
        lines[1],
        "New-MailContact -Name CravateRouge_SMIME -ExternalEmailAddress baptiste@cravaterouge.com"
    );
    assert!(lines[2].starts_with("Set-MailContact -Identity CravateRouge_SMIME -UserCertificate @(,([Convert]::FromBase64String('MII"), "{exported}");
    assert!(
        lines[3].starts_with("New-MailContact -")
            && lines[3].contains("'Fabrikam'")
            && lines[3].contains("'smime@fabrikam.com'"),
        "{exported}"
    );
    assert_eq!(
        lines[4],
        "New-MailContact -Name 'c-a.example' -ExternalEmailAddress 'x@a.example'"
    );
    assert_eq!(
        lines[5],
        "New-MailContact -Name 'c-b.example' -ExternalEmailAddress 'x@b.example'"
    );
    assert!(lines[6].starts_with("Set-MailContact -Identity 'c-a.example' -UserCertificate ([Convert]::FromBase64String('MII"), "{exported}");
    // The same bytes from another expression: the same literal (the log keeps one copy of it).
    let literal_of = |line: &str| {
        line.split_once(" -UserCertificate ")
            .map(|(_, l)| l.to_string())
    };
    assert!(
        lines[7].starts_with(
            "Set-MailContact Fabrikam -UserCertificate ([Convert]::FromBase64String('MII"
        ),
        "{exported}"
    );
    assert_eq!(literal_of(lines[7]), literal_of(lines[6]), "{exported}");
    assert_eq!(
        lines[8],
        "Remove-MailContact -Identity 'c-b.example' -Confirm:$false"
    );
    assert!(
        lines[10].starts_with("New-OutboundConnector -Name \"CravateRouge TLS\""),
        "{exported}"
    );
    assert!(
        !exported.contains("$cert") && !exported.contains("$p") && !exported.contains("$d"),
        "{exported}"
    );
    assert!(
        !exported.contains("WhatIf") && !exported.contains("Get-Mailbox"),
        "{exported}"
    );

    // Replay on the starting state, without the certificate files: the export carries the bytes.
    let replay = Workspace::new();
    copy_dir(start.path(), replay.path());
    std::fs::remove_dir_all(replay.path().join("input")).expect("remove input");
    replay.write("export.ps1", &exported);
    let r = replay.mailsec(&["run", "export.ps1"]);
    assert_eq!(r.code, 0, "{r:?}\n{exported}");

    let skip = ["input", "session.ps1", "export.ps1", "mailsec.yaml"];
    assert_eq!(
        files(ws.path(), &skip),
        files(replay.path(), &skip),
        "certificate files and backends"
    );
    assert_eq!(
        redact(&ws.read("mailsec.yaml"), ws.path()),
        redact(&replay.read("mailsec.yaml"), replay.path())
    );
    assert!(ws.read("mailsec.yaml").contains("CravateRouge_SMIME"));
}

#[test]
fn a_run_stopped_by_a_terminating_error_exports_nothing_of_itself() {
    let ws = Workspace::new();
    ws.write(
        "s.ps1",
        "New-MailContact -Name kept -ExternalEmailAddress kept@contoso.com\nExport-MailsecSession -Path one.ps1\n",
    );
    let r = ws.mailsec(&["run", "s.ps1"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(ws
        .read("one.ps1")
        .contains("New-MailContact -Name kept -ExternalEmailAddress kept@contoso.com\n"));
    ws.write(
        "t.ps1",
        "New-MailContact -Name gone -ExternalEmailAddress gone@contoso.com\nExport-MailsecSession -Path two.ps1\nthrow 'stop'\n",
    );
    let r = ws.mailsec(&["run", "t.ps1"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(!ws.read("mailsec.yaml").contains("gone@"), "nothing saved");
}
