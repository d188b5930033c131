//! The Exchange Online backend's protocol, through the real `mailsec` binary against the in-process mock
//! of the admin API: the quickstart applied (create, update, rename, delete) with only changed
//! parameters sent, a 10,000-contact paged export followed by a plan with no changes, each fault
//! (429, 401, 403, 400, 404, replication delay), the target's safety checks, and the token never shown.

use std::collections::BTreeSet;
use std::path::Path;

use base64::Engine as _;
use mailsec_e2e::exo_mock::{ExoMock, Recorded, TENANT};
use mailsec_e2e::{ok, root, Run, Workspace};
use serde_json::{json, Value};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A mock tenant with the quickstart's two mailboxes, a workspace, and the environment pointing
/// mailsec at the mock with the token in a file outside the workspace.
struct Setup {
    mock: ExoMock,
    ws: Workspace,
    token: String,
    token_dir: tempfile::TempDir,
    baptiste: String,
}

impl Setup {
    fn new() -> Setup {
        let token = format!("eyJ0eXAiOiJKV1Qi.mock-{}", uuid::Uuid::new_v4().simple());
        let mock = ExoMock::start(&token);
        let baptiste = mock.add_mailbox("baptiste", "baptiste@contoso.example");
        mock.add_mailbox("alice", "alice@contoso.example");
        let token_dir = tempfile::tempdir().expect("token dir");
        std::fs::write(token_dir.path().join("token"), format!("{token}\n")).expect("token");
        Setup {
            mock,
            ws: Workspace::new(),
            token,
            token_dir,
            baptiste,
        }
    }

    fn env(&self) -> Vec<(String, String)> {
        vec![
            ("MAILSEC_EXO_TENANT".into(), TENANT.into()),
            ("MAILSEC_EXO_URL".into(), self.mock.url()),
            (
                "MAILSEC_EXO_TOKEN_FILE".into(),
                self.token_dir.path().join("token").display().to_string(),
            ),
        ]
    }

    fn run(&self, args: &[&str]) -> Run {
        self.ws.mailsec_env(args, &self.env())
    }

    fn script(&self, name: &str, text: &str) -> Run {
        self.ws.write(name, text);
        self.run(&[name])
    }
}

/// Parameter names sent (annotations left out), sorted.
fn names(r: &Recorded) -> BTreeSet<String> {
    r.params
        .keys()
        .filter(|k| !k.contains('@'))
        .cloned()
        .collect()
}

fn set<const N: usize>(items: [&str; N]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn ok_calls<'a>(reqs: &'a [Recorded], cmdlet: &str) -> Vec<&'a Recorded> {
    reqs.iter()
        .filter(|r| r.cmdlet == cmdlet && r.status == 200)
        .collect()
}

fn writes(reqs: &[Recorded]) -> Vec<&Recorded> {
    reqs.iter()
        .filter(|r| !r.cmdlet.starts_with("Get-"))
        .collect()
}

/// Every file under `dir`, as bytes.
fn all_files(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            all_files(&p, out);
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((p.display().to_string(), b));
        }
    }
}

#[test]
fn quickstart_create_update_rename_delete_send_only_changed_parameters() {
    let s = Setup::new();
    s.mock.state().faults.replication_delay = 2;
    s.ws.make_certs();
    std::fs::copy(
        root().join("examples/quickstart/quickstart.ps1"),
        s.ws.path().join("quickstart.ps1"),
    )
    .expect("copy quickstart.ps1");
    let mut runs = Vec::new();
    let r = s.run(&["quickstart.ps1"]);
    ok(&r, "quickstart.ps1");
    runs.push(r);
    // The script itself only read the tenant.
    assert!(writes(&s.mock.take_requests()).is_empty());

    let plan = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{plan:?}");
    assert!(
        plan.stderr.contains(&format!(
            "Target: Exchange Online (tenant {TENANT} at http://127.0.0.1:"
        )),
        "{}",
        plan.stderr
    );
    assert!(
        plan.stdout.contains("+ MailContact 'CravateRouge_SMIME'"),
        "{}",
        plan.stdout
    );
    assert!(
        !plan.stderr.contains("recorded, not applied"),
        "{}",
        plan.stderr
    );
    runs.push(plan);
    s.mock.take_requests();

    let apply = s.run(&["apply", "--auto-approve"]);
    ok(&apply, "apply");
    assert!(apply.stdout.contains("Apply complete!"), "{}", apply.stdout);
    let reqs = s.mock.take_requests();
    runs.push(apply);

    // Set-SmimeConfig: the CAs as one byte array, nothing else.
    let cfg = ok_calls(&reqs, "Set-SmimeConfig");
    assert_eq!(cfg.len(), 1);
    assert_eq!(names(cfg[0]), set(["SMIMECertificateIssuingCA"]));
    let chain = std::fs::read(s.ws.path().join("input/chain.p7b")).expect("chain");
    assert_eq!(
        cfg[0].params["SMIMECertificateIssuingCA"],
        json!({"@odata.type": "#Exchange.ByteArrayType", "Data": B64.encode(&chain)})
    );
    // Set-Mailbox: by the service's Guid, only the certificate, as a byte-array collection.
    let mbx = ok_calls(&reqs, "Set-Mailbox");
    assert_eq!(mbx.len(), 1);
    assert_eq!(names(mbx[0]), set(["Identity", "UserCertificate"]));
    assert_eq!(mbx[0].params["Identity"], json!(s.baptiste));
    let cer = std::fs::read(s.ws.path().join("input/baptiste.cer")).expect("cer");
    assert_eq!(
        mbx[0].params["UserCertificate@odata.type"],
        json!("#Collection(Exchange.ByteArrayType)")
    );
    assert_eq!(
        mbx[0].params["UserCertificate"],
        json!([{"Data": B64.encode(&cer)}])
    );
    // New-MailContact, then Set-MailContact (certificate + marker) retried through replication.
    let new = ok_calls(&reqs, "New-MailContact");
    assert_eq!(new.len(), 1);
    assert!(names(new[0]).contains("ExternalEmailAddress"));
    assert!(!names(new[0]).contains("UserCertificate"));
    let not_yet = reqs
        .iter()
        .filter(|r| r.cmdlet == "Set-MailContact" && r.status == 404)
        .count();
    assert_eq!(not_yet, 2, "the replication delay was waited out");
    let setc = ok_calls(&reqs, "Set-MailContact");
    assert_eq!(setc.len(), 1);
    assert!(names(setc[0]).contains("UserCertificate"));
    assert!(setc[0].params["CustomAttribute15"]
        .as_str()
        .is_some_and(|m| m.starts_with("mailsec-owned:")));
    // New-OutboundConnector: the TLS policy and the marker in the Comment.
    let out = ok_calls(&reqs, "New-OutboundConnector");
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].params["TlsSettings"], json!("DomainValidation"));
    assert_eq!(out[0].params["TlsDomain"], json!("mail.cravaterouge.com"));
    assert!(out[0].params["Comment"]
        .as_str()
        .is_some_and(|m| m.starts_with("mailsec-owned:")));
    // Every request carried the page size and the same token.
    assert!(reqs
        .iter()
        .all(|r| r.prefer.as_deref() == Some("odata.maxpagesize=1000")));

    let again = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(
        again.code, 0,
        "second plan should show no changes: {again:?}"
    );
    runs.push(again);

    // A certificate changed in the tenant behind mailsec's back is exactly that drift, and apply
    // puts it back.
    let partner = std::fs::read(s.ws.path().join("input/partner.cer")).expect("cer");
    for m in s.mock.state().tenant.mailboxes.iter_mut() {
        if m["Name"] == json!("baptiste") {
            m.insert("UserCertificate".into(), json!([B64.encode(&partner)]));
        }
    }
    let drift = s.run(&["plan", "--detailed-exitcode", "--json"]);
    assert_eq!(drift.code, 2, "{drift:?}");
    let v: Value = serde_json::from_str(&drift.stdout).expect("plan json");
    let changes = v["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{}", drift.stdout);
    assert_eq!(changes[0]["kind"], "Mailbox");
    assert_eq!(changes[0]["action"], "update");
    assert_eq!(changes[0]["attributes"][0]["name"], "UserCertificate");
    runs.push(drift);
    let r = s.run(&["apply", "--auto-approve"]);
    ok(&r, "apply after drift");
    runs.push(r);
    let back = s.mock.state().tenant.mailboxes[0]["UserCertificate"].clone();
    assert_eq!(back, json!([B64.encode(&cer)]));
    s.mock.take_requests();

    // Update: one property, one parameter.
    let r = s.script(
        "update.ps1",
        "Set-MailContact -Identity CravateRouge_SMIME -DisplayName 'Cravate Rouge'\n",
    );
    ok(&r, "update.ps1");
    runs.push(r);
    let r = s.run(&["apply", "--auto-approve"]);
    ok(&r, "apply update");
    runs.push(r);
    let reqs = s.mock.take_requests();
    let w = writes(&reqs);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].cmdlet, "Set-MailContact");
    assert_eq!(names(w[0]), set(["Identity", "DisplayName"]));
    assert_eq!(w[0].params["DisplayName"], json!("Cravate Rouge"));

    // Rename and a domain added: Name, and the domain list edited in place.
    let r = s.script(
        "rename.ps1",
        "Set-OutboundConnector -Identity 'CravateRouge TLS' -Name 'CravateRouge Forced TLS' -RecipientDomains cravaterouge.com,cravaterouge.fr\n",
    );
    ok(&r, "rename.ps1");
    runs.push(r);
    let r = s.run(&["apply", "--auto-approve"]);
    ok(&r, "apply rename");
    runs.push(r);
    let reqs = s.mock.take_requests();
    let w = writes(&reqs);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].cmdlet, "Set-OutboundConnector");
    assert_eq!(names(w[0]), set(["Identity", "Name", "RecipientDomains"]));
    assert_eq!(
        w[0].params["RecipientDomains"],
        json!({"@odata.type": "#Exchange.GenericHashTable", "Add": ["cravaterouge.fr"]})
    );
    assert_eq!(
        s.mock.state().tenant.outbound[0]["Name"],
        json!("CravateRouge Forced TLS")
    );

    // A contact created outside mailsec is never pruned.
    s.mock.add_contact("Outsider", "someone@elsewhere.example");
    let prune = s.run(&["plan", "--prune", "--detailed-exitcode"]);
    assert_eq!(prune.code, 0, "{prune:?}");
    runs.push(prune);

    // Delete: Remove-MailContact with Confirm false.
    let r = s.script(
        "remove.ps1",
        "Remove-MailContact -Identity CravateRouge_SMIME -Confirm:$false\n",
    );
    ok(&r, "remove.ps1");
    runs.push(r);
    s.mock.take_requests();
    let r = s.run(&["apply", "--auto-approve"]);
    ok(&r, "apply delete");
    runs.push(r);
    let reqs = s.mock.take_requests();
    let w = writes(&reqs);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].cmdlet, "Remove-MailContact");
    assert_eq!(names(w[0]), set(["Identity", "Confirm"]));
    assert_eq!(w[0].params["Confirm"], json!(false));
    let left: Vec<Value> = s
        .mock
        .state()
        .tenant
        .contacts
        .iter()
        .map(|c| c["Name"].clone())
        .collect();
    assert_eq!(left, vec![json!("Outsider")]);
    let last = s.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(last.code, 0, "{last:?}");
    runs.push(last);

    // The token went in every request's header and nowhere else: not in any output or file.
    assert!(reqs
        .iter()
        .all(|r| r.authorization.as_deref() == Some(format!("Bearer {}", s.token).as_str())));
    for r in &runs {
        assert!(!r.stdout.contains(&s.token), "token in stdout: {r:?}");
        assert!(!r.stderr.contains(&s.token), "token in stderr: {r:?}");
    }
    let mut files = Vec::new();
    all_files(s.ws.path(), &mut files);
    assert!(files.iter().any(|(p, _)| p.ends_with("mailsec.yaml")));
    assert!(
        files.iter().any(|(p, _)| p.contains("journal")),
        "the journal is checked too"
    );
    for (path, bytes) in files {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&s.token),
            "token in {path}"
        );
    }
}

#[test]
fn ten_thousand_contacts_export_page_by_page_then_plan_shows_no_changes() {
    let s = Setup::new();
    {
        let mut st = s.mock.state();
        for i in 0..10_000 {
            let guid = uuid::Uuid::new_v4().to_string();
            let mut c = serde_json::Map::new();
            c.insert("Guid".into(), json!(guid));
            c.insert("Name".into(), json!(format!("Partner {i:05}")));
            c.insert("Alias".into(), json!(format!("partner{i:05}")));
            c.insert("DisplayName".into(), json!(format!("Partner {i:05}")));
            c.insert(
                "ExternalEmailAddress".into(),
                json!(format!("SMTP:p{i}@partner{}.example", i % 97)),
            );
            c.insert(
                "PrimarySmtpAddress".into(),
                json!(format!("p{i}@partner{}.example", i % 97)),
            );
            c.insert(
                "EmailAddresses".into(),
                json!([format!("SMTP:p{i}@partner{}.example", i % 97)]),
            );
            c.insert("HiddenFromAddressListsEnabled".into(), json!(i % 2 == 0));
            c.insert("UserCertificate".into(), json!([]));
            c.insert("CustomAttribute15".into(), json!(""));
            st.tenant.contacts.push(c);
        }
    }
    let mut env = s.env();
    env.push(("MAILSEC_EXO_PAGE_SIZE".into(), "500".into()));
    let exported = s.ws.mailsec_env(&["export"], &env);
    ok(&exported, "export");
    let reqs = s.mock.take_requests();
    let pages: Vec<&Recorded> = reqs
        .iter()
        .filter(|r| r.cmdlet == "Get-MailContact")
        .collect();
    assert_eq!(pages.len(), 20, "10,000 contacts in pages of 500");
    assert!(
        pages.iter().all(|p| p.body == pages[0].body),
        "the same body is re-POSTed to each nextLink"
    );
    assert!(pages
        .iter()
        .all(|p| p.prefer.as_deref() == Some("odata.maxpagesize=500")));
    let urls: BTreeSet<&str> = pages.iter().map(|p| p.url.as_str()).collect();
    assert_eq!(urls.len(), 20);
    let state: Value = serde_norway::from_str(&s.ws.read("mailsec.yaml")).expect("exported state");
    assert_eq!(
        state["mailContacts"].as_array().map(Vec::len),
        Some(10_000),
        "every contact exported"
    );

    let plan = s.ws.mailsec_env(&["plan", "--detailed-exitcode"], &env);
    assert_eq!(plan.code, 0, "no changes after export: {}", plan.stderr);
    assert!(
        !plan.stderr.contains("recorded, not applied"),
        "{}",
        plan.stderr
    );
}

#[test]
fn throttling_is_waited_out_within_bounds_and_says_why() {
    let s = Setup::new();
    {
        let mut st = s.mock.state();
        st.faults.throttle_next = 2;
        st.faults.retry_after = Some(1);
    }
    let plan = s.run(&["plan"]);
    ok(&plan, "plan through throttling");
    assert!(
        plan.stderr
            .contains("throttling this tenant's requests (HTTP 429)")
            && plan
                .stderr
                .contains("waiting 1 s as its Retry-After header asks"),
        "{}",
        plan.stderr
    );
    let reqs = s.mock.take_requests();
    assert_eq!(reqs.iter().filter(|r| r.status == 429).count(), 2);

    // A moment of unavailability without Retry-After: backed off, said so.
    {
        let mut st = s.mock.state();
        st.faults.throttle_next = 1;
        st.faults.retry_after = None;
        st.faults.throttle_status = Some(503);
    }
    let plan = s.run(&["plan"]);
    ok(&plan, "plan through a 503");
    assert!(
        plan.stderr.contains("unavailable for a moment (HTTP 503)")
            && plan
                .stderr
                .contains("waiting 1 s (no Retry-After given: backing off)"),
        "{}",
        plan.stderr
    );
    s.mock.state().faults.throttle_status = None;

    // A Retry-After beyond mailsec's bound is reported, not waited, and nothing is compared.
    {
        let mut st = s.mock.state();
        st.faults.throttle_next = 1;
        st.faults.retry_after = Some(3600);
    }
    let plan = s.run(&["plan"]);
    assert_eq!(plan.code, 1, "{plan:?}");
    assert!(
        plan.stderr
            .contains("asks to wait 3600 s, longer than mailsec waits (60 s)"),
        "{}",
        plan.stderr
    );
    assert!(
        plan.stderr.contains("Nothing was compared"),
        "{}",
        plan.stderr
    );
    assert!(!plan.stderr.contains(&s.token));
}

#[test]
fn an_expired_token_is_read_again_once() {
    let s = Setup::new();
    let new_token = format!("eyJ-rotated-{}", uuid::Uuid::new_v4().simple());
    // The first read gives the old token, every later one the new token.
    let counter = s.token_dir.path().join("count");
    let cmd = format!(
        "n=$(cat {c} 2>/dev/null || echo 0); echo $((n+1)) > {c}; if [ \"$n\" = 0 ]; then echo {old}; else echo {new}; fi",
        c = counter.display(),
        old = s.token,
        new = new_token
    );
    s.mock.state().token = new_token.clone();
    let env = vec![
        ("MAILSEC_EXO_TENANT".to_string(), TENANT.to_string()),
        ("MAILSEC_EXO_URL".to_string(), s.mock.url()),
        ("MAILSEC_EXO_TOKEN_COMMAND".to_string(), cmd),
    ];
    let plan = s.ws.mailsec_env(&["plan"], &env);
    ok(&plan, "plan with a token that expires");
    let reqs = s.mock.take_requests();
    // The directory backend read the old token first, met one 401 and read the new one; the
    // gateway backend read the new one.
    assert_eq!(reqs.iter().filter(|r| r.status == 401).count(), 1);
    assert_eq!(
        std::fs::read_to_string(&counter).unwrap_or_default().trim(),
        "3"
    );
    assert!(reqs.iter().filter(|r| r.status == 200).count() >= 5);
    assert!(!plan.stderr.contains(&new_token) && !plan.stdout.contains(&new_token));

    // A token that stays refused is an error saying what to do, once re-read.
    std::fs::write(s.token_dir.path().join("token"), "eyJ-wrong\n").expect("token");
    let plan = s.run(&["plan"]);
    assert_eq!(plan.code, 1, "{plan:?}");
    assert!(
        plan.stderr
            .contains("refused (HTTP 401) even after reading it again from the token file"),
        "{}",
        plan.stderr
    );
    assert!(!plan.stderr.contains("eyJ-wrong"));
    let reqs = s.mock.take_requests();
    assert_eq!(
        reqs.iter().filter(|r| r.status == 401).count(),
        2,
        "one re-read, then stop"
    );
}

#[test]
fn unknown_cmdlet_unknown_parameter_and_not_found_are_errors_that_say_what() {
    let s = Setup::new();
    s.mock
        .state()
        .faults
        .unknown_cmdlets
        .push("Get-SmimeConfig".into());
    let plan = s.run(&["plan"]);
    assert_eq!(plan.code, 1, "{plan:?}");
    assert!(
        plan.stderr.contains("Get-SmimeConfig failed (HTTP 403)")
            && plan.stderr.contains("Exchange.ManageAsApp"),
        "{}",
        plan.stderr
    );
    s.mock.state().faults.unknown_cmdlets.clear();

    // A redirect is named, not followed with the token.
    s.mock.take_requests();
    s.mock.state().faults.redirect_to =
        Some("https://eur02b.example.invalid/adminapi/beta/x/InvokeCommand".into());
    let plan = s.run(&["plan"]);
    assert_eq!(plan.code, 1, "{plan:?}");
    assert!(
        plan.stderr.contains(
            "redirects (HTTP 302) to https://eur02b.example.invalid/adminapi/beta/x/InvokeCommand"
        ),
        "{}",
        plan.stderr
    );
    assert_eq!(s.mock.take_requests().len(), 1);
    s.mock.state().faults.redirect_to = None;

    // 400: the first change applies, the refused one stops the apply and is reported.
    s.ws.make_certs();
    let r = s.script(
        "two.ps1",
        "Set-SmimeConfig -OWAAlwaysSign $true\nSet-Mailbox -Identity baptiste -UserCertificate ([System.IO.File]::ReadAllBytes('input/baptiste.cer'))\n",
    );
    ok(&r, "two.ps1");
    s.mock
        .state()
        .faults
        .unknown_params
        .push(("Set-Mailbox".into(), "UserCertificate".into()));
    let apply = s.run(&["apply", "--auto-approve"]);
    assert_ne!(apply.code, 0, "{apply:?}");
    let all = format!("{}{}", apply.stdout, apply.stderr);
    assert!(
        all.contains("A parameter cannot be found that matches parameter name 'UserCertificate'"),
        "{all}"
    );
    assert!(all.contains("HTTP 400"), "{all}");
    assert_eq!(
        s.mock.state().tenant.smime.get("OWAAlwaysSign"),
        Some(&json!(true))
    );
    s.mock.state().faults.unknown_params.clear();

    // 404 on a write: the object vanished between the read and the write.
    s.mock.state().faults.vanish.push("Set-Mailbox".into());
    let apply = s.run(&["apply", "--auto-approve"]);
    assert_ne!(apply.code, 0, "{apply:?}");
    let all = format!("{}{}", apply.stdout, apply.stderr);
    assert!(
        all.contains("Set-Mailbox failed (HTTP 404 NotFound)")
            && all.contains("couldn't be found")
            && all.contains("run plan again"),
        "{all}"
    );
    s.mock.state().faults.vanish.clear();

    // @adminapi.warnings are shown; @adminapi.errors fail the call.
    {
        let mut st = s.mock.state();
        st.faults.warnings.push((
            "Get-Mailbox".into(),
            "The mailbox database is in maintenance.".into(),
        ));
        st.faults.errors.push((
            "Set-Mailbox".into(),
            "Couldn't update baptiste: write conflict.".into(),
        ));
    }
    let apply = s.run(&["apply", "--auto-approve"]);
    assert_ne!(apply.code, 0, "{apply:?}");
    assert!(
        apply.stderr.contains(
            "WARNING: Exchange Online, Get-Mailbox: The mailbox database is in maintenance."
        ),
        "{}",
        apply.stderr
    );
    assert!(
        apply
            .stderr
            .contains("Set-Mailbox reported errors: Couldn't update baptiste: write conflict."),
        "{}",
        apply.stderr
    );
    {
        let mut st = s.mock.state();
        st.faults.warnings.clear();
        st.faults.errors.clear();
    }
    ok(
        &s.run(&["apply", "--auto-approve"]),
        "apply once the faults are gone",
    );
    assert_eq!(s.run(&["plan", "--detailed-exitcode"]).code, 0);
}

#[test]
fn target_safety_checks() {
    let ws = Workspace::new();
    let both = ws.mailsec_env(
        &["plan"],
        &[
            ("MAILSEC_EXO_TENANT".into(), TENANT.into()),
            ("MAILSEC_EXO_TOKEN_FILE".into(), "/nonexistent".into()),
            ("MAILSEC_LDAP_URL".into(), "ldap://127.0.0.1:1/".into()),
            ("MAILSEC_LDAP_BASE".into(), "dc=x".into()),
        ],
    );
    assert_eq!(both.code, 1, "{both:?}");
    assert!(both.stderr.contains("Unset one of them"), "{}", both.stderr);
    let clear = ws.mailsec_env(
        &["plan"],
        &[
            ("MAILSEC_EXO_TENANT".into(), TENANT.into()),
            ("MAILSEC_EXO_TOKEN_FILE".into(), "/nonexistent".into()),
            (
                "MAILSEC_EXO_URL".into(),
                "http://exo.example.com/adminapi/beta/{tenant}/InvokeCommand".into(),
            ),
        ],
    );
    assert_eq!(clear.code, 1, "{clear:?}");
    assert!(clear.stderr.contains("in clear"), "{}", clear.stderr);
    let perms = ws.mailsec_env(
        &["permissions"],
        &[
            ("MAILSEC_EXO_TENANT".into(), TENANT.into()),
            ("MAILSEC_EXO_TOKEN_FILE".into(), "/nonexistent".into()),
        ],
    );
    ok(&perms, "permissions");
    assert!(
        perms.stdout.contains("Exchange.ManageAsApp")
            && perms
                .stdout
                .contains(&format!("Target: Exchange Online (tenant {TENANT}")),
        "{}",
        perms.stdout
    );
}

#[test]
fn validate_outbound_connector_is_run_by_the_service_not_probed() {
    let s = Setup::new();
    ok(
        &s.script(
            "c.ps1",
            "New-OutboundConnector -Name 'Fabrikam TLS' -RecipientDomains fabrikam.example -TlsSettings EncryptionOnly\n",
        ),
        "script",
    );
    ok(&s.run(&["apply", "--auto-approve"]), "apply");
    s.mock.take_requests();
    let what_if = s.run(&[
        "-c",
        "Validate-OutboundConnector -Identity 'Fabrikam TLS' -Recipients admin@fabrikam.example -WhatIf",
    ]);
    ok(&what_if, "-WhatIf");
    assert!(
        what_if
            .stdout
            .contains("with Exchange Online, which sends test messages"),
        "{}",
        what_if.stdout
    );
    assert!(
        s.mock
            .take_requests()
            .iter()
            .all(|r| r.cmdlet != "Validate-OutboundConnector"),
        "-WhatIf sends nothing"
    );
    let r = s.run(&[
        "-c",
        "Validate-OutboundConnector -Identity 'Fabrikam TLS' -Recipients admin@fabrikam.example | ConvertTo-Json",
    ]);
    ok(&r, "Validate-OutboundConnector");
    assert!(
        !r.stderr.contains("no test message"),
        "the service sends them: {}",
        r.stderr
    );
    let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r:?}"));
    assert_eq!(v["Identity"], "Fabrikam TLS", "{v}");
    assert_eq!(v["Status"], "Succeeded", "{v}");
    let reqs = s.mock.take_requests();
    let call = reqs
        .iter()
        .find(|r| r.cmdlet == "Validate-OutboundConnector")
        .expect("the service was called");
    assert_eq!(call.params["Identity"], "Fabrikam TLS");
    assert_eq!(call.params["Recipients"], json!(["admin@fabrikam.example"]));
    assert!(!r.stdout.contains(&s.token) && !r.stderr.contains(&s.token));
}
