//! Failure paths a user meets: unknown identities, damaged state files, and a second concurrent run.

use mailsec_e2e::Workspace;

#[test]
fn unknown_mailbox_is_an_exchange_like_error_and_changes_nothing() {
    let ws = Workspace::new();
    ws.seed();
    ws.write("mailsec.yaml", "apiVersion: mailsec/v1\n# my notes\n");
    let before = ws.read("mailsec.yaml");
    let r = ws.mailsec(&["-c", "Set-Mailbox -Identity nobody -UserCertificate $null"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("Set-Mailbox: The operation couldn't be performed because object 'nobody' couldn't be found on 'embedded directory"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("-c:1:23"),
        "the error points at the identity: {}",
        r.stderr
    );
    assert_eq!(ws.read("mailsec.yaml"), before);
}

#[test]
fn a_failing_command_is_skipped_and_the_rest_is_saved() {
    let ws = Workspace::new();
    ws.seed();
    let r = ws.mailsec(&[
        "-c",
        "Set-Mailbox nobody -UserCertificate $null\nNew-MailContact -Name P -ExternalEmailAddress p@partner.example",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        ws.read("mailsec.yaml").contains("Name: P"),
        "{}",
        ws.read("mailsec.yaml")
    );
}

#[test]
fn a_terminating_error_saves_nothing() {
    let ws = Workspace::new();
    ws.seed();
    let r = ws.mailsec(&[
        "-c",
        "New-MailContact -Name P -ExternalEmailAddress p@partner.example\nSet-Mailbox nobody -UserCertificate $null -ErrorAction Stop",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("nothing was saved"), "{}", r.stderr);
    assert!(!ws.path().join("mailsec.yaml").exists());
}

#[test]
fn garbage_state_file_is_refused_with_position_and_left_alone() {
    let ws = Workspace::new();
    let garbage = "apiVersion: mailsec/v1\nmailContacts:\n  - Guid: [unclosed\n";
    ws.write("mailsec.yaml", garbage);
    let r = ws.mailsec(&[
        "-c",
        "New-MailContact -Name P -ExternalEmailAddress p@partner.example",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("mailsec.yaml:"),
        "names the file: {}",
        r.stderr
    );
    assert!(r.stderr.contains("left untouched"), "{}", r.stderr);
    assert_eq!(ws.read("mailsec.yaml"), garbage);
    let plan = ws.mailsec(&["plan"]);
    assert_eq!(plan.code, 1);
}

#[test]
fn truncated_state_file_is_refused_with_line_and_column() {
    let ws = Workspace::new();
    let truncated = "apiVersion: mailsec/v1\nmailContacts:\n- Guid: 6f1c1c7e-8a5e-4a43-9a53-0a5b8f0c1d11\n  Name: \"Partn";
    ws.write("mailsec.yaml", truncated);
    let r = ws.mailsec(&["plan"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("mailsec.yaml:4:"),
        "line of the damage: {}",
        r.stderr
    );
    assert_eq!(ws.read("mailsec.yaml"), truncated);
}

#[test]
fn unknown_version_is_refused() {
    let ws = Workspace::new();
    ws.write("mailsec.yaml", "# mine\napiVersion: mailsec/v9\n");
    let r = ws.mailsec(&["plan"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("mailsec.yaml:2:1: unsupported apiVersion 'mailsec/v9'"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_second_apply_refuses_and_names_the_lock_holder() {
    let ws = Workspace::new();
    ws.seed();
    let store = mailsec_state::store::Store::new(ws.path().join("mailsec.yaml"));
    let (guard, _) = store.lock("apply").expect("first holder takes the lock");
    let r = ws.mailsec(&["apply", "--auto-approve"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("the state is locked"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("held by pid {}", std::process::id())),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains(&format!("mailsec force-unlock {}", guard.id())),
        "{}",
        r.stderr
    );
    let unlock = ws.mailsec(&["force-unlock", &guard.id().to_string()]);
    assert_eq!(unlock.code, 0, "{unlock:?}");
    let r = ws.mailsec(&["apply", "--auto-approve"]);
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn syntax_errors_run_nothing_and_show_a_caret() {
    let ws = Workspace::new();
    let r = ws.mailsec(&[
        "-c",
        "New-MailContact -Name 'P -ExternalEmailAddress p@x.example",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("-c:1:"), "{}", r.stderr);
    assert!(r.stderr.contains("Nothing was changed"), "{}", r.stderr);
    assert!(!ws.path().join("mailsec.yaml").exists());
}

#[test]
fn unknown_cmdlet_suggests_the_right_one() {
    let ws = Workspace::new();
    let r = ws.mailsec(&["-c", "Set-Mailbx baptiste"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("did you mean Set-Mailbox?"),
        "{}",
        r.stderr
    );
}

#[test]
fn remove_without_confirm_false_is_refused_when_nobody_can_answer() {
    let ws = Workspace::new();
    ws.seed();
    assert_eq!(
        ws.mailsec(&[
            "-c",
            "New-MailContact -Name P -ExternalEmailAddress p@partner.example"
        ])
        .code,
        0
    );
    let r = ws.mailsec(&["-c", "Remove-MailContact P"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .contains("nobody can answer in a non-interactive run"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("-Confirm:$false"), "{}", r.stderr);
    assert!(
        ws.read("mailsec.yaml").contains("Name: P"),
        "nothing was removed"
    );
    assert_eq!(
        ws.mailsec(&["-c", "Remove-MailContact P -Confirm:$false"])
            .code,
        0
    );
    let yaml: serde_norway::Value = serde_norway::from_str(&ws.read("mailsec.yaml")).unwrap();
    assert!(yaml.get("mailContacts").is_none(), "{yaml:?}");
    assert_eq!(yaml["removals"][0]["Name"], "P");
}

#[test]
fn exit_sets_the_code_and_the_run_is_saved() {
    let ws = Workspace::new();
    ws.seed();
    let r = ws.mailsec(&[
        "-c",
        "New-MailContact -Name Q -ExternalEmailAddress q@partner.example\nexit 3",
    ]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(ws.read("mailsec.yaml").contains("Name: Q"));
}
