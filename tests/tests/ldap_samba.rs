//! The reconcile engine against a real Samba AD DC with the `active-directory` profile (one shared DC per
//! test process, one OU per test): the quickstart applied, drift made with ldapmodify behind mailsec's
//! back, export, ownership, and what AD-specific objects mailsec writes, read back with ldapsearch.

use mailsec_e2e::ldap_client::LdapClient;
use mailsec_e2e::samba::SambaAd;
use mailsec_e2e::{ok, root, Workspace};

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
    assert!(
        contact.contains("mailNickname: CravateRouge_SMIME"),
        "{contact}"
    );
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
    // certificationAuthority MUSTs both revocation lists on AD: mailsec publishes none, as a single
    // 0x00 byte each (what AD CS writes for an empty list).
    for crl in ["authorityRevocationList", "certificateRevocationList"] {
        assert_eq!(
            ad.values("(cn=mailsec-smime-config)", crl),
            vec![vec![0u8]],
            "{crl}"
        );
    }
    assert!(
        ad.search("(cn=mailsec-smime-config)", &["1.1"])
            .contains(&format!(
                "dn: CN=mailsec-smime-config,CN=mailsec,{}",
                ad.base
            )),
        "the config entry is in mailsec's container"
    );

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

/// `n` throwaway self-signed certificates (EC, quick to make) under `input/many/`.
fn many_certs(ws: &Workspace, n: usize) -> Vec<String> {
    std::fs::create_dir_all(ws.path().join("input/many")).expect("mkdir");
    (0..n)
        .map(|i| {
            let rel = format!("input/many/c{i}.cer");
            let out = std::process::Command::new("openssl")
                .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
                .args(["ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null"])
                .args(["-subj", &format!("/CN=alice {i}"), "-days", "30"])
                .args(["-outform", "DER", "-out", &rel])
                .current_dir(ws.path())
                .output()
                .expect("run openssl");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            rel
        })
        .collect()
}

fn read_all(files: &[&str]) -> String {
    files
        .iter()
        .map(|f| format!("([System.IO.File]::ReadAllBytes('{f}'))"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn sorted(mut v: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    v.sort();
    v
}

#[test]
fn smime_blobs_single_value_deltas_and_the_hybrid_limits() {
    let Some((ad, ws, env)) = setup("values") else {
        return;
    };
    // An S/MIME blob for baptiste: a certs-only PKCS#7 of his certificate and the CA (crl2pkcs7
    // reads PEM certificate files).
    for name in ["baptiste", "ca"] {
        let st = std::process::Command::new("openssl")
            .args([
                "x509",
                "-inform",
                "DER",
                "-in",
                &format!("input/{name}.cer"),
            ])
            .args(["-out", &format!("input/{name}.pem")])
            .current_dir(ws.path())
            .status()
            .expect("openssl x509");
        assert!(st.success());
    }
    let st = std::process::Command::new("openssl")
        .args(["crl2pkcs7", "-nocrl", "-certfile", "input/baptiste.pem"])
        .args(["-certfile", "input/ca.pem", "-outform", "DER"])
        .args(["-out", "input/baptiste.p7b"])
        .current_dir(ws.path())
        .status()
        .expect("openssl crl2pkcs7");
    assert!(st.success());

    let script = format!(
        "Set-Mailbox baptiste -UserCertificate {} -UserSMimeCertificate {}",
        read_all(&["input/baptiste.cer", "input/ca.cer"]),
        read_all(&["input/baptiste.p7b", "input/chain.p7b"]),
    );
    ok(&ws.mailsec_env(&["-c", &script], &env), "Set-Mailbox");
    ok(&ws.mailsec_env(&["apply", "--auto-approve"], &env), "apply");
    let file = |f: &str| std::fs::read(ws.path().join(f)).expect("read input");
    assert_eq!(
        sorted(ad.values("(sAMAccountName=baptiste)", "userCertificate")),
        sorted(vec![file("input/baptiste.cer"), file("input/ca.cer")])
    );
    assert_eq!(
        sorted(ad.values("(sAMAccountName=baptiste)", "userSMIMECertificate")),
        sorted(vec![file("input/baptiste.p7b"), file("input/chain.p7b")])
    );
    let clean = ws.mailsec_env(&["plan", "--detailed-exitcode"], &env);
    assert_eq!(clean.code, 0, "{clean:?}");

    // Dropping one value of each is one update; AD takes single-value deletes on both attributes.
    let script = format!(
        "Set-Mailbox baptiste -UserCertificate {} -UserSMimeCertificate {}",
        read_all(&["input/baptiste.cer"]),
        read_all(&["input/baptiste.p7b"]),
    );
    ok(&ws.mailsec_env(&["-c", &script], &env), "Set-Mailbox");
    let plan = ws.mailsec_env(&["plan", "--detailed-exitcode", "--json"], &env);
    assert_eq!(plan.code, 2, "{plan:?}");
    let v: serde_json::Value = serde_json::from_str(&plan.stdout).expect("plan json");
    let changes = v["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{}", plan.stdout);
    assert_eq!(changes[0]["name"], "baptiste");
    ok(&ws.mailsec_env(&["apply", "--auto-approve"], &env), "apply");
    assert_eq!(
        ad.values("(sAMAccountName=baptiste)", "userCertificate"),
        vec![file("input/baptiste.cer")]
    );
    assert_eq!(
        ad.values("(sAMAccountName=baptiste)", "userSMIMECertificate"),
        vec![file("input/baptiste.p7b")]
    );

    // 16 certificates on one mailbox: AD stores them, and plan warns that they will not sync.
    let many = many_certs(&ws, 16);
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let script = format!("Set-Mailbox alice -UserCertificate {}", read_all(&refs));
    ok(&ws.mailsec_env(&["-c", &script], &env), "Set-Mailbox alice");
    let plan = ws.mailsec_env(&["plan"], &env);
    ok(&plan, "plan");
    assert!(
        plan.stderr.contains(
            "Warning: Mailbox 'alice' publishes 16 UserCertificate values: Microsoft Entra Connect does not sync userCertificate with more than 15 values"
        ),
        "{}",
        plan.stderr
    );
    ok(&ws.mailsec_env(&["apply", "--auto-approve"], &env), "apply");
    assert_eq!(
        ad.values("(sAMAccountName=alice)", "userCertificate").len(),
        16
    );
    let clean = ws.mailsec_env(&["plan", "--detailed-exitcode"], &env);
    assert_eq!(clean.code, 0, "{clean:?}");

    // The org config created with its CAs and more settings than one AD description value holds
    // (1,024 characters), then its CAs replaced in place.
    let attrs = [
        "Issuer",
        "SubjectAlternativeName",
        "Subject",
        "SerialNumber",
    ]
    .join(",");
    let script = format!(
        "Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('input/chain.p7b')) \
         -OWAAlwaysSign $true -OWAAlwaysEncrypt $true -OWACheckCRLOnSend $true -OWADisableCRLCheck $true \
         -OWAIncludeCertificateChainAndRootCertificate $true -OWAOnlyUseSmartCard $true \
         -OWACRLRetrievalTimeout 5000 -OWABCCEncryptedEmailForking 1 \
         -OWASenderCertificateAttributesToDisplay '{}'",
        [attrs.as_str(); 20].join(",")
    );
    ok(&ws.mailsec_env(&["-c", &script], &env), "Set-SmimeConfig");
    ok(&ws.mailsec_env(&["apply", "--auto-approve"], &env), "apply");
    let config = ad.search("(cn=mailsec-smime-config)", &["description"]);
    let parts: Vec<&str> = config
        .lines()
        .filter_map(|l| l.strip_prefix("description: mailsec-smime-config:"))
        .collect();
    assert!(parts.len() > 1, "{config}");
    assert!(parts.iter().all(|p| p.len() < 1024), "{config}");
    let clean = ws.mailsec_env(&["plan", "--detailed-exitcode"], &env);
    assert_eq!(clean.code, 0, "{clean:?}");
    ok(
        &ws.mailsec_env(
            &[
                "-c",
                "Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('input/ca.cer'))",
            ],
            &env,
        ),
        "Set-SmimeConfig",
    );
    ok(&ws.mailsec_env(&["apply", "--auto-approve"], &env), "apply");
    assert_eq!(
        ad.values("(cn=mailsec-smime-config)", "cACertificate"),
        vec![file("input/ca.cer")]
    );
    let clean = ws.mailsec_env(&["plan", "--detailed-exitcode"], &env);
    assert_eq!(clean.code, 0, "{clean:?}");
    // An export carries the settings back whole.
    ok(
        &ws.mailsec_env(&["--state", "exported/mailsec.yaml", "export"], &env),
        "export",
    );
    let text = ws.read("exported/mailsec.yaml");
    assert!(text.contains("OWAOnlyUseSmartCard: true"), "{text}");
    assert!(text.contains(&[attrs.as_str(); 20].join(",")), "{text}");
}

#[test]
fn prune_and_export_leave_what_mailsec_does_not_own() {
    let Some((ad, ws, env)) = setup("owned") else {
        return;
    };
    ok(&ws.mailsec_env(&["quickstart.ps1"], &env), "quickstart.ps1");
    ok(&ws.mailsec_env(&["apply", "--auto-approve"], &env), "apply");
    let base = &ad.base;
    // Someone else's mail contact beside mailsec's, an address-book contact without any address, and
    // a computer account with a mail attribute (objectClass user too).
    ad.modify(&format!(
        "dn: CN=Hand Made,OU=Contacts,{base}\nchangetype: add\nobjectClass: contact\ncn: Hand Made\n\
         mail: hand@partner.example\ntargetAddress: SMTP:hand@partner.example\n\n\
         dn: CN=No Address,OU=Contacts,{base}\nchangetype: add\nobjectClass: contact\ncn: No Address\n\n\
         dn: CN=WS1,OU=people,{base}\nchangetype: add\nobjectClass: computer\ncn: WS1\n\
         sAMAccountName: WS1$\nmail: ws1@contoso.example\n"
    ));

    let exported = ws.mailsec_env(&["--state", "exported/mailsec.yaml", "export"], &env);
    ok(&exported, "export");
    let text = ws.read("exported/mailsec.yaml");
    assert!(text.contains("Name: Hand Made"), "{text}");
    assert!(text.contains("Name: CravateRouge_SMIME"), "{text}");
    assert!(!text.contains("No Address"), "{text}");
    assert!(!text.contains("WS1"), "{text}");
    // The mailbox ids are AD's objectGUIDs, in the form AD tools print them.
    let shown = std::process::Command::new("samba-tool")
        .args(["user", "show", "baptiste", "--attributes=objectGUID"])
        .args(["-H", mailsec_e2e::samba::URL])
        .arg(format!(
            "-U{}%{}",
            mailsec_e2e::samba::ADMIN,
            mailsec_e2e::samba::ADMIN_PW
        ))
        .output()
        .expect("samba-tool user show");
    let shown = String::from_utf8_lossy(&shown.stdout).into_owned();
    let guid = shown
        .lines()
        .find_map(|l| l.strip_prefix("objectGUID: "))
        .unwrap_or_else(|| panic!("no objectGUID in: {shown}"));
    assert!(text.contains(&format!("Guid: {guid}")), "{guid}\n{text}");

    // A rename is a modify-DN of the same object, not a delete and a create.
    ok(
        &ws.mailsec_env(
            &[
                "-c",
                "Set-MailContact CravateRouge_SMIME -Name 'Cravate, Rouge'",
            ],
            &env,
        ),
        "Set-MailContact -Name",
    );
    ok(
        &ws.mailsec_env(&["apply", "--auto-approve"], &env),
        "apply rename",
    );
    let renamed = ad.search("(cn=Cravate, Rouge)", &["adminDescription"]);
    assert!(
        renamed.contains(&format!("dn: CN=Cravate\\, Rouge,OU=Contacts,{base}")),
        "{renamed}"
    );
    assert!(
        renamed.contains("adminDescription: mailsec-owned:"),
        "{renamed}"
    );
    let clean = ws.mailsec_env(&["plan", "--detailed-exitcode"], &env);
    assert_eq!(clean.code, 0, "{clean:?}");

    // An empty desired state: without --prune nothing is removed; with it, only mailsec's contact.
    let empty = ["--state", "empty/mailsec.yaml"];
    let plan = ws.mailsec_env(
        &[&empty[..], &["plan", "--detailed-exitcode"]].concat(),
        &env,
    );
    assert_eq!(plan.code, 0, "{plan:?}");
    let pruned = ws.mailsec_env(
        &[&empty[..], &["plan", "--prune", "--detailed-exitcode"]].concat(),
        &env,
    );
    assert_eq!(pruned.code, 2, "{pruned:?}");
    assert!(
        pruned.stdout.contains("- MailContact 'Cravate, Rouge'"),
        "{}",
        pruned.stdout
    );
    assert!(!pruned.stdout.contains("Hand Made"), "{}", pruned.stdout);
    ok(
        &ws.mailsec_env(
            &[&empty[..], &["apply", "--prune", "--auto-approve"]].concat(),
            &env,
        ),
        "apply --prune",
    );
    assert!(ad
        .search("(cn=CravateRouge_SMIME)", &["cn"])
        .trim()
        .is_empty());
    assert!(ad
        .search("(cn=Hand Made)", &["cn"])
        .contains("cn: Hand Made"));
}
