//! The reconcile engine against a real OpenLDAP slapd (one throwaway instance per test): the quickstart
//! applied, drift made with ldapmodify behind mailsec's back, export, saved plans, prune, ownership.

use mailsec_e2e::ldap_client::LdapClient;
use mailsec_e2e::slapd::{self, Slapd, BASE};
use mailsec_e2e::{ok, root, Workspace};

/// The quickstart's two mailboxes, as slapadd loads them (entryUUIDs kept).
fn quickstart_people() -> String {
    let text = std::fs::read_to_string(root().join("examples/quickstart/directory.ldif"))
        .expect("read directory.ldif");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("version:"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim_start()
        .to_string()
        + "\n"
}

/// A running directory, a workspace with the quickstart's certificates and script, and the environment
/// pointing mailsec at the directory.
type Setup = (Slapd, Workspace, Vec<(String, String)>);

fn setup() -> Option<Setup> {
    if !slapd::available() {
        return None;
    }
    let ldap = Slapd::start(&quickstart_people());
    let ws = Workspace::new();
    ws.make_certs();
    std::fs::copy(
        root().join("examples/quickstart/quickstart.ps1"),
        ws.path().join("quickstart.ps1"),
    )
    .expect("copy quickstart.ps1");
    let env = ldap.env();
    Some((ldap, ws, env))
}

#[test]
fn quickstart_applies_then_plan_is_clean_then_drift_then_export() {
    let Some((ldap, ws, env)) = setup() else {
        return;
    };
    ok(&ws.mailsec_env(&["quickstart.ps1"], &env), "quickstart.ps1");

    let plan = ws.mailsec_env(&["plan", "--detailed-exitcode"], &env);
    assert_eq!(plan.code, 2, "{plan:?}");
    assert!(
        plan.stderr.contains("Target: LDAP ldapi://"),
        "{}",
        plan.stderr
    );
    assert!(
        plan.stdout.contains("+ MailContact 'CravateRouge_SMIME'"),
        "{}",
        plan.stdout
    );

    let apply = ws.mailsec_env(&["apply", "--auto-approve"], &env);
    ok(&apply, "apply");
    assert!(apply.stdout.contains("Apply complete!"), "{}", apply.stdout);

    let again = ws.mailsec_env(&["plan", "--detailed-exitcode"], &env);
    assert_eq!(
        again.code, 0,
        "second plan should show no changes: {again:?}"
    );

    // What mailsec wrote reads back byte for byte with ldapsearch.
    let baptiste_cer = std::fs::read(ws.path().join("input/baptiste.cer")).expect("cer");
    assert_eq!(
        ldap.values("(uid=baptiste)", "userCertificate;binary"),
        vec![baptiste_cer.clone()]
    );
    let partner_cer = std::fs::read(ws.path().join("input/partner.cer")).expect("cer");
    assert_eq!(
        ldap.values("(cn=CravateRouge_SMIME)", "userCertificate;binary"),
        vec![partner_cer.clone()]
    );
    let contact = ldap.search("(cn=CravateRouge_SMIME)", &["mail", "description"]);
    assert!(
        contact.contains("mail: baptiste@cravaterouge.com"),
        "{contact}"
    );
    assert!(contact.contains("description: mailsec-owned:"), "{contact}");
    let config = ldap.search("(cn=mailsec-smime-config)", &["objectClass"]);
    assert!(config.contains("objectClass: pkiCA"), "{config}");
    assert_eq!(
        ldap.values("(cn=mailsec-smime-config)", "cACertificate;binary")
            .len(),
        2
    );

    // A certificate changed behind mailsec's back is exactly that drift.
    ldap.modify(&format!(
        "dn: cn=baptiste,ou=people,{BASE}\nchangetype: modify\nreplace: userCertificate;binary\nuserCertificate;binary:< file://{}\n",
        ws.path().join("input/partner.cer").display()
    ));
    let drift = ws.mailsec_env(&["plan", "--detailed-exitcode", "--json"], &env);
    assert_eq!(drift.code, 2, "{drift:?}");
    let v: serde_json::Value = serde_json::from_str(&drift.stdout).expect("plan json");
    let changes = v["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{}", drift.stdout);
    assert_eq!(changes[0]["kind"], "Mailbox");
    assert_eq!(changes[0]["name"], "baptiste");
    assert_eq!(changes[0]["action"], "update");
    let attrs = changes[0]["attributes"].as_array().expect("attributes");
    assert_eq!(attrs.len(), 1);
    assert_eq!(attrs[0]["name"], "UserCertificate");

    // Putting it back converges.
    ok(
        &ws.mailsec_env(&["apply", "--auto-approve"], &env),
        "apply after drift",
    );
    assert_eq!(
        ldap.values("(uid=baptiste)", "userCertificate;binary"),
        vec![baptiste_cer]
    );

    // Export into a new state file, then plan against it: no changes.
    let exported = ws.mailsec_env(&["--state", "exported/mailsec.yaml", "export"], &env);
    ok(&exported, "export");
    let plan = ws.mailsec_env(
        &[
            "--state",
            "exported/mailsec.yaml",
            "plan",
            "--detailed-exitcode",
        ],
        &env,
    );
    assert_eq!(
        plan.code, 0,
        "export then plan should show no changes: {plan:?}"
    );
    let text = ws.read("exported/mailsec.yaml");
    assert!(text.contains("CravateRouge_SMIME"), "{text}");
    assert!(text.contains("baptiste"), "{text}");
}

#[test]
fn saved_plan_applies_exactly_or_refuses_a_changed_directory() {
    let Some((ldap, ws, env)) = setup() else {
        return;
    };
    ok(&ws.mailsec_env(&["quickstart.ps1"], &env), "quickstart.ps1");
    ok(
        &ws.mailsec_env(&["plan", "--out", "plan.json"], &env),
        "plan --out",
    );
    // Someone changes a mailbox the plan touches.
    ldap.modify(&format!(
        "dn: cn=baptiste,ou=people,{BASE}\nchangetype: modify\nreplace: displayName\ndisplayName: Baptiste B.\n"
    ));
    let refused = ws.mailsec_env(&["apply", "plan.json", "--auto-approve"], &env);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("live state changed since the plan was made, for: Mailbox 'baptiste'"),
        "{}",
        refused.stderr
    );
    assert!(ldap
        .values("(uid=baptiste)", "userCertificate;binary")
        .is_empty());

    ok(
        &ws.mailsec_env(&["plan", "--out", "plan.json"], &env),
        "plan --out again",
    );
    let applied = ws.mailsec_env(&["apply", "plan.json", "--auto-approve"], &env);
    ok(&applied, "apply plan.json");
    assert_eq!(
        ldap.values("(uid=baptiste)", "userCertificate;binary")
            .len(),
        1
    );
    // The journal lists each change with the values it replaced.
    let journals = ws.mailsec_env(&["journal"], &env);
    ok(&journals, "journal");
    let first = journals
        .stdout
        .lines()
        .next()
        .expect("a journal")
        .to_string();
    let shown = ws.mailsec_env(&["journal", &first], &env);
    ok(&shown, "journal FILE");
    assert!(
        shown.stdout.contains("update Mailbox 'baptiste'"),
        "{}",
        shown.stdout
    );
    assert!(
        shown.stdout.contains("UserCertificate: null -> "),
        "{}",
        shown.stdout
    );
}

#[test]
fn prune_removes_only_what_mailsec_created() {
    let Some((ldap, ws, env)) = setup() else {
        return;
    };
    ok(&ws.mailsec_env(&["quickstart.ps1"], &env), "quickstart.ps1");
    ok(&ws.mailsec_env(&["apply", "--auto-approve"], &env), "apply");
    // A contact someone else made, in the same OU.
    ldap.modify(&format!(
        "dn: cn=Hand Made,ou=contacts,{BASE}\nchangetype: add\nobjectClass: inetOrgPerson\ncn: Hand Made\nsn: Made\nmail: hand@partner.example\n"
    ));
    // An empty desired state: without --prune nothing is removed; with it, only mailsec's contact.
    let empty = ws.mailsec_env(
        &[
            "--state",
            "empty/mailsec.yaml",
            "plan",
            "--detailed-exitcode",
        ],
        &env,
    );
    assert_eq!(empty.code, 0, "{empty:?}");
    let pruned = ws.mailsec_env(
        &[
            "--state",
            "empty/mailsec.yaml",
            "plan",
            "--prune",
            "--detailed-exitcode",
        ],
        &env,
    );
    assert_eq!(pruned.code, 2, "{pruned:?}");
    assert!(
        pruned.stdout.contains("- MailContact 'CravateRouge_SMIME'"),
        "{}",
        pruned.stdout
    );
    assert!(!pruned.stdout.contains("Hand Made"), "{}", pruned.stdout);
    assert!(!pruned.stdout.contains("baptiste"), "{}", pruned.stdout);
    ok(
        &ws.mailsec_env(
            &[
                "--state",
                "empty/mailsec.yaml",
                "apply",
                "--prune",
                "--auto-approve",
            ],
            &env,
        ),
        "apply --prune",
    );
    assert!(ldap
        .search("(cn=CravateRouge_SMIME)", &["cn"])
        .trim()
        .is_empty());
    assert!(ldap
        .search("(cn=Hand Made)", &["cn"])
        .contains("cn: Hand Made"));
}

#[test]
fn filter_metacharacters_in_identities_match_nothing_else() {
    let Some((_ldap, ws, env)) = setup() else {
        return;
    };
    for identity in ["*)(uid=*", "\\00", "baptiste)(|(uid=*"] {
        let r = ws.mailsec_env(
            &["-c", &format!("Get-Mailbox -Identity '{identity}'")],
            &env,
        );
        assert_eq!(r.code, 1, "{identity}: {r:?}");
        assert!(!r.stdout.contains("alice"), "{identity}: {}", r.stdout);
        assert!(
            r.stderr.contains("couldn't be found"),
            "{identity}: {}",
            r.stderr
        );
    }
}

#[test]
fn a_refused_bind_is_an_error_not_an_empty_directory() {
    let Some((_ldap, ws, mut env)) = setup() else {
        return;
    };
    for (k, v) in env.iter_mut() {
        if k == "MAILSEC_LDAP_PASSWORD" {
            *v = "wrong".into();
        }
    }
    let r = ws.mailsec_env(&["plan", "--detailed-exitcode"], &env);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("was refused (rc=49"), "{}", r.stderr);
    assert!(
        !r.stderr.contains("wrong"),
        "the password must never be printed: {}",
        r.stderr
    );
}

#[test]
fn refresh_only_takes_outside_changes_into_the_state_file() {
    let Some((ldap, ws, env)) = setup() else {
        return;
    };
    ok(&ws.mailsec_env(&["quickstart.ps1"], &env), "quickstart.ps1");
    ok(&ws.mailsec_env(&["apply", "--auto-approve"], &env), "apply");
    ldap.modify(&format!(
        "dn: cn=CravateRouge_SMIME,ou=contacts,{BASE}\nchangetype: modify\nreplace: displayName\ndisplayName: Cravate Rouge (partner)\n"
    ));
    // Without a terminal and without --auto-approve it shows the changes and writes nothing.
    let shown = ws.mailsec_env(&["plan", "--refresh-only"], &env);
    ok(&shown, "plan --refresh-only");
    assert!(
        shown
            .stdout
            .contains("MailContact 'CravateRouge_SMIME': DisplayName taken from the live state"),
        "{}",
        shown.stdout
    );
    assert!(!ws.read("mailsec.yaml").contains("Cravate Rouge (partner)"));
    ok(
        &ws.mailsec_env(&["plan", "--refresh-only", "--auto-approve"], &env),
        "refresh --auto-approve",
    );
    assert!(
        ws.read("mailsec.yaml").contains("Cravate Rouge (partner)"),
        "{}",
        ws.read("mailsec.yaml")
    );
    let plan = ws.mailsec_env(&["plan", "--detailed-exitcode"], &env);
    assert_eq!(plan.code, 0, "{plan:?}");
}

#[test]
fn excluded_subtrees_and_ignored_properties_are_neither_read_nor_written() {
    let Some((ldap, ws, env)) = setup() else {
        return;
    };
    ldap.modify(&format!(
        "dn: ou=service,{BASE}\nchangetype: add\nobjectClass: organizationalUnit\nou: service\n\n\
         dn: cn=robot,ou=service,{BASE}\nchangetype: add\nobjectClass: inetOrgPerson\ncn: robot\nsn: Robot\nuid: robot\nmail: robot@contoso.example\n"
    ));
    ws.write(
        "mailsec.yaml",
        &format!(
            "apiVersion: mailsec/v1\ntargets:\n  directory:\n    kind: ldap\n    url: ldap://unused.example\n    base: {BASE}\n    exclude: [\"ou=service,{BASE}\"]\n    ignoredProperties: [DisplayName]\n"
        ),
    );
    let robot = ws.mailsec_env(&["-c", "Get-Mailbox -Identity robot"], &env);
    assert_eq!(robot.code, 1, "an excluded mailbox is not seen: {robot:?}");
    let alice = ws.mailsec_env(
        &[
            "-c",
            "Get-Mailbox -Identity alice | Select-Object -ExpandProperty Name",
        ],
        &env,
    );
    ok(&alice, "Get-Mailbox alice");
    ok(&ws.mailsec_env(&["-c", "Set-Mailbox -Identity alice -DisplayName 'Alice A.' -UserCertificate ([System.IO.File]::ReadAllBytes('input/baptiste.cer'))"], &env), "Set-Mailbox");
    let plan = ws.mailsec_env(&["plan"], &env);
    ok(&plan, "plan");
    assert!(plan.stdout.contains("UserCertificate"), "{}", plan.stdout);
    assert!(
        !plan.stdout.contains("DisplayName"),
        "ignored: {}",
        plan.stdout
    );
    assert!(
        plan.stderr
            .contains("DisplayName recorded, not applied by LDAP"),
        "{}",
        plan.stderr
    );
    ok(&ws.mailsec_env(&["apply", "--auto-approve"], &env), "apply");
    assert!(ldap
        .search("(uid=alice)", &["displayName"])
        .contains("displayName: Alice\n"));
}

/// On OpenLDAP, mailboxes and contacts come from one search when the contacts' base is under a
/// mailbox base, and from two when a `filter` is configured (it applies to mailboxes only). Both
/// reads give the same export: contacts once, as contacts; an entry without `mail` is no mailbox.
#[test]
fn one_search_reads_what_two_searches_read() {
    let Some((ldap, ws, env)) = setup() else {
        return;
    };
    ok(&ws.mailsec_env(&["quickstart.ps1"], &env), "quickstart.ps1");
    ok(&ws.mailsec_env(&["apply", "--auto-approve"], &env), "apply");
    ldap.modify(&format!(
        "dn: cn=nomail,ou=people,{BASE}\nchangetype: add\nobjectClass: inetOrgPerson\ncn: nomail\nsn: Nomail\nuid: nomail\n"
    ));
    let target = |filter: &str| {
        format!("apiVersion: mailsec/v1\ntargets:\n  directory:\n    kind: ldap\n    url: ldap://unused.example\n    base: {BASE}\n{filter}")
    };
    ws.write("one/mailsec.yaml", &target(""));
    ws.write(
        "two/mailsec.yaml",
        &target("    filter: \"(objectClass=*)\"\n"),
    );
    for dir in ["one", "two"] {
        let state = format!("{dir}/mailsec.yaml");
        ok(
            &ws.mailsec_env(&["--state", &state, "export"], &env),
            "export",
        );
    }
    let objects = |dir: &str| {
        let text = ws.read(&format!("{dir}/mailsec.yaml"));
        text[text.find("mailboxes:").expect("mailboxes exported")..].to_string()
    };
    let (one, two) = (objects("one"), objects("two"));
    assert_eq!(one, two);
    assert!(one.contains("Name: baptiste"), "{one}");
    assert!(
        !one.contains("nomail"),
        "an entry without mail is no mailbox: {one}"
    );
    assert_eq!(
        one.matches("\n  Name: CravateRouge_SMIME\n").count(),
        1,
        "{one}"
    );
    let contacts = &one[one.find("mailContacts:").expect("contacts exported")..];
    assert!(contacts.contains("CravateRouge_SMIME"), "{one}");
}
