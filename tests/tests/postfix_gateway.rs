//! The Postfix gateway backend against Postfix's own tools (no root needed): connectors applied to a config
//! directory read back with `postmap -q` and `postconf -n`, a second plan clean, hand edits seen as drift,
//! the admin's own tables exported and never edited, and what Postfix cannot express refused.

use std::path::{Path, PathBuf};

use mailsec_e2e::postfix::{self, query, settings};
use mailsec_e2e::{ok, root, Run, Workspace};

struct Setup {
    ws: Workspace,
    conf: PathBuf,
    env: Vec<(String, String)>,
}

fn setup() -> Option<Setup> {
    if !postfix::available() {
        return None;
    }
    let ws = Workspace::new();
    let conf = postfix::new_config_dir(ws.path());
    let env = vec![
        (
            "MAILSEC_POSTFIX_DIR".to_string(),
            conf.display().to_string(),
        ),
        // A reload the test can see happened.
        (
            "MAILSEC_POSTFIX_RELOAD".to_string(),
            format!("touch {}", ws.path().join("reloaded").display()),
        ),
    ];
    Some(Setup { ws, conf, env })
}

impl Setup {
    fn run(&self, args: &[&str]) -> Run {
        self.ws.mailsec_env(args, &self.env)
    }

    fn script(&self, text: &str) -> Run {
        self.ws.write("script.ps1", text);
        self.run(&["script.ps1"])
    }

    fn q(&self, table: &str, key: &str) -> Option<String> {
        query(&self.conf, table, key)
    }
}

const POLICY: &str = "mailsec_tls_policy";
const TRANSPORT: &str = "mailsec_transport";
const INBOUND: &str = "mailsec_tls_inbound";

#[test]
fn quickstart_connector_applies_to_postfix_then_plan_is_clean() {
    let Some(s) = setup() else {
        return;
    };
    if !mailsec_e2e::require_tool("openssl") {
        return;
    }
    s.ws.make_certs();
    s.ws.seed();
    std::fs::copy(
        root().join("examples/quickstart/quickstart.ps1"),
        s.ws.path().join("quickstart.ps1"),
    )
    .expect("copy quickstart.ps1");
    ok(&s.run(&["quickstart.ps1"]), "quickstart.ps1");
    let plan = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{plan:?}");
    assert!(
        plan.stdout.contains(
            "smtp_tls_policy_maps = (empty)  →  hash:${config_directory}/mailsec_tls_policy"
        ),
        "{}",
        plan.stdout
    );
    ok(&s.run(&["apply", "--auto-approve"]), "apply");
    assert_eq!(
        s.q(POLICY, "cravaterouge.com").as_deref(),
        Some("secure match=mail.cravaterouge.com protocols=>=TLSv1.2")
    );
    assert!(settings(&s.conf)
        .contains("smtp_tls_policy_maps = hash:${config_directory}/mailsec_tls_policy"));
    assert!(
        s.ws.path().join("reloaded").exists(),
        "the reload command ran"
    );
    let again = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{again:?}");
}

#[test]
fn example_connectors_become_policy_transport_and_sender_tables() {
    let Some(s) = setup() else {
        return;
    };
    // The admin's own restrictions stay, mailsec's check goes before the first permit.
    postfix::set(
        &s.conf,
        &["smtpd_sender_restrictions = reject_non_fqdn_sender, permit_mynetworks, reject_unknown_sender_domain"],
    );
    // The example as users copy it: its state file (the environment points it at the test's config
    // dir and reload command) and its script.
    for f in ["mailsec.yaml", "connectors.ps1"] {
        std::fs::copy(root().join("examples/postfix").join(f), s.ws.path().join(f))
            .unwrap_or_else(|e| panic!("copy {f}: {e}"));
    }
    ok(&s.run(&["connectors.ps1"]), "connectors.ps1");
    let plan = s.run(&["plan"]);
    ok(&plan, "plan");
    assert!(
        plan.stderr
            .contains("CertificateValidation (Tailspin verified) has no exact Postfix equivalent"),
        "{}",
        plan.stderr
    );
    assert!(plan.stdout.contains("smtpd_sender_restrictions = reject_non_fqdn_sender, permit_mynetworks, reject_unknown_sender_domain  →  reject_non_fqdn_sender, check_sender_access hash:${config_directory}/mailsec_tls_inbound, permit_mynetworks, reject_unknown_sender_domain"), "{}", plan.stdout);
    ok(&s.run(&["apply", "--auto-approve"]), "apply");

    let secure = "secure match=mail.cravaterouge.com protocols=>=TLSv1.2";
    assert_eq!(s.q(POLICY, "cravaterouge.com").as_deref(), Some(secure));
    assert_eq!(s.q(POLICY, ".cravaterouge.com").as_deref(), Some(secure));
    assert_eq!(
        s.q(POLICY, "fabrikam.example").as_deref(),
        Some("encrypt protocols=>=TLSv1.2")
    );
    assert_eq!(
        s.q(POLICY, "tailspin.example").as_deref(),
        Some("verify protocols=>=TLSv1.2")
    );
    // Smart hosts: the policy is keyed by the next hop, and the transport routes the domain there.
    let bank = "secure match=.bank.example protocols=>=TLSv1.2";
    assert_eq!(s.q(POLICY, "[relay1.bank.example]").as_deref(), Some(bank));
    assert_eq!(s.q(POLICY, "[relay2.bank.example]").as_deref(), Some(bank));
    assert_eq!(s.q(POLICY, "bank.example"), None);
    assert_eq!(
        s.q(TRANSPORT, "bank.example").as_deref(),
        Some("smtp:[relay1.bank.example], [relay2.bank.example]")
    );
    assert_eq!(
        s.q(INBOUND, "fabrikam.example").as_deref(),
        Some("reject_plaintext_session")
    );
    let n = settings(&s.conf);
    assert!(
        n.contains("transport_maps = hash:${config_directory}/mailsec_transport"),
        "{n}"
    );
    assert!(n.contains("smtpd_sender_restrictions = reject_non_fqdn_sender, check_sender_access hash:${config_directory}/mailsec_tls_inbound, permit_mynetworks, reject_unknown_sender_domain"), "{n}");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).code, 0);

    // Changes touch only what changed; removal takes the entries out.
    ok(&s.script("Set-OutboundConnector 'Fabrikam encrypted' -TlsSettings DomainValidation -TlsDomain mx.fabrikam.example\nRemove-InboundConnector 'Partners require TLS' -Confirm:$false"), "edit");
    let plan = s.run(&["plan"]);
    assert!(plan.stdout.contains("TlsSettings"), "{}", plan.stdout);
    ok(&s.run(&["apply", "--auto-approve"]), "apply edits");
    assert_eq!(
        s.q(POLICY, "fabrikam.example").as_deref(),
        Some("secure match=mx.fabrikam.example protocols=>=TLSv1.2")
    );
    assert_eq!(s.q(INBOUND, "fabrikam.example"), None);
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).code, 0);
}

#[test]
fn a_hand_edit_of_a_table_is_drift_and_apply_restores_it() {
    let Some(s) = setup() else {
        return;
    };
    ok(&s.script("New-OutboundConnector -Name Contoso -RecipientDomains contoso.example -TlsSettings EncryptionOnly"), "script");
    ok(&s.run(&["apply", "--auto-approve"]), "apply");
    let file = s.conf.join(POLICY);
    let text = std::fs::read_to_string(&file).expect("policy table");
    std::fs::write(&file, text.replace("encrypt protocols=>=TLSv1.2", "may")).expect("hand edit");

    // Edited but not rebuilt: Postfix still uses the old table, and plan says the connector is not in effect.
    let plan = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{plan:?}");
    assert!(
        plan.stderr.contains("changed after it was last built"),
        "{}",
        plan.stderr
    );

    postfix::postmap(&s.conf, &file);
    let plan = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{plan:?}");
    assert!(
        plan.stdout.contains("TlsSettings") && plan.stdout.contains("EncryptionOnly"),
        "{}",
        plan.stdout
    );
    ok(&s.run(&["apply", "--auto-approve"]), "apply restores");
    assert_eq!(
        s.q(POLICY, "contoso.example").as_deref(),
        Some("encrypt protocols=>=TLSv1.2")
    );

    // main.cf no longer using the table: not in effect, and apply puts it back.
    postfix::set(&s.conf, &["smtp_tls_policy_maps = hash:/etc/postfix/other"]);
    let plan = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{plan:?}");
    assert!(
        plan.stderr.contains("does not use mailsec_tls_policy"),
        "{}",
        plan.stderr
    );
    ok(&s.run(&["apply", "--auto-approve"]), "apply");
    assert!(settings(&s.conf).contains("smtp_tls_policy_maps = hash:${config_directory}/mailsec_tls_policy, hash:/etc/postfix/other"));
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).code, 0);
}

#[test]
fn on_premises_send_connectors_are_keyed_by_smart_host_and_port() {
    let Some(s) = setup() else {
        return;
    };
    ok(&s.script("New-SendConnector -Name 'To Contoso' -AddressSpaces 'SMTP:contoso.example;1' -DNSRoutingEnabled $false -SmartHosts relay.contoso.example -Port 587 -RequireTLS $true -TlsAuthLevel DomainValidation -TlsDomain relay.contoso.example\nNew-SendConnector -Name 'Plain' -AddressSpaces legacy.example -IgnoreSTARTTLS $true"), "script");
    ok(&s.run(&["apply", "--auto-approve"]), "apply");
    assert_eq!(
        s.q(POLICY, "[relay.contoso.example]:587").as_deref(),
        Some("secure match=relay.contoso.example protocols=>=TLSv1.2")
    );
    assert_eq!(
        s.q(TRANSPORT, "contoso.example").as_deref(),
        Some("smtp:[relay.contoso.example]:587")
    );
    assert_eq!(s.q(POLICY, "legacy.example").as_deref(), Some("none"));
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).code, 0);
}

fn write_admin_tables(conf: &Path) {
    let policy = conf.join("tls_policy");
    std::fs::write(&policy, "# the admin's partners\npartner.example   secure match=mx.partner.example\n[relay.example]:587 encrypt\n").expect("tls_policy");
    postfix::postmap(conf, &policy);
    let inbound = conf.join("tls_inbound_domains");
    std::fs::write(&inbound, "bank.example reject_plaintext_session\n").expect("inbound");
    postfix::postmap(conf, &inbound);
    postfix::set(
        conf,
        &[
            &format!("smtp_tls_policy_maps = hash:{}", policy.display()),
            &format!(
                "smtpd_sender_restrictions = permit_mynetworks, check_sender_access hash:{}",
                inbound.display()
            ),
        ],
    );
}

#[test]
fn export_reads_the_admins_tables_and_mailsec_never_edits_them() {
    let Some(s) = setup() else {
        return;
    };
    write_admin_tables(&s.conf);
    let before = std::fs::read_to_string(s.conf.join("tls_policy")).expect("read");
    ok(&s.run(&["export"]), "export");
    let state = s.ws.read("mailsec.yaml");
    assert!(state.contains("tls_policy: partner.example"), "{state}");
    assert!(state.contains("mx.partner.example"), "{state}");
    assert!(
        state.contains("tls_inbound_domains: bank.example"),
        "{state}"
    );
    assert_eq!(
        s.run(&["plan", "--detailed-exitcode"]).code,
        0,
        "export then plan: no changes"
    );

    // Changing an exported connector from the admin's table is refused, naming the table.
    ok(&s.script("Set-OutboundConnector 'tls_policy: partner.example' -TlsSettings EncryptionOnly -TlsDomain $null"), "edit");
    let apply = s.run(&["apply", "--auto-approve"]);
    assert_ne!(apply.code, 0, "{apply:?}");
    assert!(
        apply.stderr.contains("a table mailsec does not own"),
        "{}",
        apply.stderr
    );
    assert_eq!(
        std::fs::read_to_string(s.conf.join("tls_policy")).expect("read"),
        before
    );
}

#[test]
fn what_postfix_cannot_express_is_a_plan_error() {
    let Some(s) = setup() else {
        return;
    };
    if !mailsec_e2e::require_tool("openssl") {
        return;
    }
    ok(&s.script("New-InboundConnector -Name Bank -SenderDomains bank.example -RequireTls $true -TlsSenderCertificateName mail.bank.example -RestrictDomainsToCertificate $true"), "script");
    let plan = s.run(&["plan"]);
    assert_eq!(plan.code, 1, "{plan:?}");
    assert!(
        plan.stderr
            .contains("no certificate file is given for 'mail.bank.example'")
            && plan.stderr.contains("clientCertificates"),
        "{}",
        plan.stderr
    );

    // With the partner's certificate given, its fingerprint goes in the connector's ccert table.
    s.ws.make_certs();
    let cert = s.ws.path().join("input/partner.cer");
    let state = s.ws.read("mailsec.yaml").replace(
        "apiVersion: mailsec/v1\n",
        &format!("apiVersion: mailsec/v1\ntargets:\n  gateway:\n    kind: postfix\n    configDir: postfix\n    clientCertificates:\n      mail.bank.example: [{}]\n", cert.display()),
    );
    s.ws.write("mailsec.yaml", &state);
    ok(&s.run(&["apply", "--auto-approve"]), "apply");
    let fp = std::process::Command::new("openssl")
        .args([
            "x509",
            "-noout",
            "-fingerprint",
            "-sha256",
            "-inform",
            "DER",
            "-in",
        ])
        .arg(&cert)
        .output()
        .expect("openssl");
    let fp = String::from_utf8_lossy(&fp.stdout);
    let fp = fp
        .trim()
        .rsplit('=')
        .next()
        .expect("fingerprint")
        .to_string();
    let n = settings(&s.conf);
    let class = n
        .lines()
        .find_map(|l| l.strip_prefix("smtpd_restriction_classes = "))
        .expect("restriction class")
        .to_string();
    assert_eq!(s.q(&class, &fp).as_deref(), Some("OK"), "{n}");
    assert_eq!(
        s.q(INBOUND, "bank.example").as_deref(),
        Some(class.as_str())
    );
    assert!(n.contains(&format!("{class} = reject_plaintext_session, check_ccert_access hash:${{config_directory}}/{class}, reject")), "{n}");
    assert!(n.contains("smtpd_tls_ask_ccert = yes"), "{n}");
    assert!(n.contains("smtpd_tls_fingerprint_digest = sha256"), "{n}");
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).code, 0);

    ok(
        &s.script(
            "New-OutboundConnector -Name Everyone -RecipientDomains * -TlsSettings EncryptionOnly",
        ),
        "script",
    );
    let plan = s.run(&["plan"]);
    assert_eq!(plan.code, 1, "{plan:?}");
    assert!(
        plan.stderr.contains("RecipientDomains '*'"),
        "{}",
        plan.stderr
    );
}
