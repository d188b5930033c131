//! The reconcile engine against a real Samba AD DC with the `active-directory` profile (one shared DC per
//! test process, one OU per test): the quickstart applied, drift made with ldapmodify behind mailsec's
//! back, export, ownership, and what AD-specific objects mailsec writes, read back with ldapsearch.

use mailsec_e2e::samba::SambaAd;
use mailsec_e2e::{root, Run, Workspace};

fn ok(r: &Run, what: &str) {
    assert_eq!(
        r.code, 0,
        "{what} failed:\nstdout:\n{}\nstderr:\n{}",
        r.stdout, r.stderr
    );
}

/// The shared DC with this test's OU, a workspace with the quickstart's certificates and script, and
/// the environment pointing mailsec at the OU.
type Setup = (SambaAd, Workspace, Vec<(String, String)>);

fn setup(tag: &str) -> Option<Setup> {
    let ad = SambaAd::lease(tag)?;
    let ws = Workspace::new();
    ws.make_certs();
    std::fs::copy(
        root().join("examples/quickstart/quickstart.ps1"),
        ws.path().join("quickstart.ps1"),
    )
    .expect("copy quickstart.ps1");
    let env = ad.env();
    Some((ad, ws, env))
}

#[test]
fn quickstart_applies_then_plan_is_clean_then_drift_then_export() {
    let Some((ad, ws, env)) = setup("flow") else {
        return;
    };
    ok(&ws.mailsec_env(&["quickstart.ps1"], &env), "quickstart.ps1");

    let plan = ws.mailsec_env(&["plan", "--detailed-exitcode"], &env);
    assert_eq!(plan.code, 2, "{plan:?}");
    assert!(
        plan.stderr
            .contains("Target: LDAP ldap://127.0.0.1:389/ (active-directory"),
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

    // What mailsec wrote reads back byte for byte: userCertificate without ;binary on AD.
    let baptiste_cer = std::fs::read(ws.path().join("input/baptiste.cer")).expect("cer");
    assert_eq!(
        ad.values("(sAMAccountName=baptiste)", "userCertificate"),
        vec![baptiste_cer.clone()]
    );
    let partner_cer = std::fs::read(ws.path().join("input/partner.cer")).expect("cer");
    assert_eq!(
        ad.values("(cn=CravateRouge_SMIME)", "userCertificate"),
        vec![partner_cer.clone()]
    );
    // The contact is an AD mail contact, marked as mailsec's.
    let contact = ad.search(
        "(cn=CravateRouge_SMIME)",
        &[
            "objectClass",
            "targetAddress",
            "mail",
            "mailNickname",
            "proxyAddresses",
            "adminDescription",
        ],
    );
    assert!(
        contact.contains(&format!(
            "dn: CN=CravateRouge_SMIME,OU=Contacts,{}",
            ad.base
        )),
        "{contact}"
    );
    assert!(contact.contains("objectClass: contact"), "{contact}");
    assert!(
        contact.contains("targetAddress: SMTP:baptiste@cravaterouge.com"),
        "{contact}"
    );
    assert!(
        contact.contains("mail: baptiste@cravaterouge.com"),
        "{contact}"
    );
    assert!(contact.contains("mailNickname: "), "{contact}");
    assert!(
        contact.contains("proxyAddresses: SMTP:baptiste@cravaterouge.com"),
        "{contact}"
    );
    assert!(
        contact.contains("adminDescription: mailsec-owned:"),
        "{contact}"
    );
    // The S/MIME config: a certificationAuthority holding the issuing CAs.
    let config = ad.search("(cn=mailsec-smime-config)", &["objectClass"]);
    assert!(
        config.contains("objectClass: certificationAuthority"),
        "{config}"
    );
    let cas = ad.values("(cn=mailsec-smime-config)", "cACertificate");
    assert_eq!(cas.len(), 2, "{config}");
    let chain = std::fs::read(ws.path().join("input/chain.p7b")).expect("chain.p7b");
    let expected = mailsec_state::cert::read_collection(&chain).expect("chain");
    let mut got = cas.clone();
    got.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(got, want, "the CAs are published byte for byte");

    // A certificate changed behind mailsec's back is exactly that drift.
    ad.modify(&format!(
        "dn: CN=baptiste,OU=people,{}\nchangetype: modify\nreplace: userCertificate\nuserCertificate:< file://{}\n",
        ad.base,
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
    assert_eq!(attrs.len(), 1, "{}", drift.stdout);
    assert_eq!(attrs[0]["name"], "UserCertificate");

    // Putting it back converges.
    ok(
        &ws.mailsec_env(&["apply", "--auto-approve"], &env),
        "apply after drift",
    );
    assert_eq!(
        ad.values("(sAMAccountName=baptiste)", "userCertificate"),
        vec![baptiste_cer]
    );
    let clean = ws.mailsec_env(&["plan", "--detailed-exitcode"], &env);
    assert_eq!(clean.code, 0, "{clean:?}");

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
