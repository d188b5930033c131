//! The state file as a person edits it in git: comments survive cmdlet edits; certificate files are content-addressed.

use mailsec_e2e::Workspace;

#[test]
fn hand_written_comments_survive_edits_to_other_objects() {
    let ws = Workspace::new();
    ws.seed();
    let r = ws.mailsec(&[
        "-c",
        "New-MailContact -Name First -ExternalEmailAddress first@partner.example",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let mut yaml = ws.read("mailsec.yaml");
    yaml = yaml.replacen(
        "apiVersion: mailsec/v1\n",
        "# Owned by the mail team; review changes in PRs.\napiVersion: mailsec/v1\n",
        1,
    );
    yaml = yaml.replacen(
        "- Guid:",
        "# The first partner, agreed 2026-11-01\n- Guid:",
        1,
    );
    ws.write("mailsec.yaml", &yaml);

    let r = ws.mailsec(&["-c", "New-MailContact -Name Second -ExternalEmailAddress second@partner.example\nSet-MailContact Second -DisplayName 'Second partner'"]);
    assert_eq!(r.code, 0, "{r:?}");
    let after = ws.read("mailsec.yaml");
    assert!(
        after.contains("# Owned by the mail team; review changes in PRs."),
        "{after}"
    );
    assert!(
        after.contains("# The first partner, agreed 2026-11-01"),
        "{after}"
    );
    assert!(after.contains("Second partner"), "{after}");
}

#[test]
fn schema_is_generated_and_describes_the_sections() {
    let ws = Workspace::new();
    let r = ws.mailsec(&["schema"]);
    assert_eq!(r.code, 0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let props = &v["properties"];
    for section in [
        "apiVersion",
        "targets",
        "smimeConfig",
        "mailboxes",
        "mailContacts",
        "inboundConnectors",
        "outboundConnectors",
        "removals",
    ] {
        assert!(props.get(section).is_some(), "missing {section} in {props}");
    }
}

#[test]
fn a_hand_edited_certificate_file_is_detected() {
    let ws = Workspace::new();
    ws.seed();
    let r = ws.mailsec(&[
        "-c",
        "Set-Mailbox baptiste -UserSMimeCertificate ([Convert]::FromBase64String('AQIDBA=='))",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let cert = std::fs::read_dir(ws.path().join("certs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(&cert, b"tampered").unwrap();
    let plan = ws.mailsec(&["plan"]);
    assert_eq!(plan.code, 1);
    assert!(plan.stderr.contains("edited by hand"), "{}", plan.stderr);
}

#[test]
fn remove_records_the_removal_and_apply_carries_it_out() {
    let ws = Workspace::new();
    ws.seed();
    assert_eq!(
        ws.mailsec(&[
            "-c",
            "New-MailContact -Name Gone -ExternalEmailAddress gone@partner.example"
        ])
        .code,
        0
    );
    assert_eq!(ws.mailsec(&["apply", "--auto-approve"]).code, 0);
    let r = ws.mailsec(&["-c", "Remove-MailContact Gone -Confirm:$false"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(ws.read("mailsec.yaml").contains("removals:"));
    let plan = ws.mailsec(&["plan"]);
    assert!(
        plan.stdout.contains("- MailContact 'Gone'"),
        "{}",
        plan.stdout
    );
    assert_eq!(ws.mailsec(&["apply", "--auto-approve"]).code, 0);
    assert!(!ws.read("embedded/directory.yaml").contains("Gone"));
    assert_eq!(ws.mailsec(&["plan", "--detailed-exitcode"]).code, 0);
}

#[test]
fn rename_keeps_the_guid_and_plans_a_rename() {
    let ws = Workspace::new();
    ws.seed();
    assert_eq!(
        ws.mailsec(&[
            "-c",
            "New-OutboundConnector Old -RecipientDomains partner.example"
        ])
        .code,
        0
    );
    assert_eq!(ws.mailsec(&["apply", "--auto-approve"]).code, 0);
    assert_eq!(
        ws.mailsec(&["-c", "Set-OutboundConnector Old -Name New"])
            .code,
        0
    );
    let plan = ws.mailsec(&["plan"]);
    assert!(
        plan.stdout.contains("> OutboundConnector 'New'"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("> Name: \"Old\" → \"New\""),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("0 to add, 0 to change, 1 to rename, 0 to remove"),
        "{}",
        plan.stdout
    );
}
