//! Faults mid-apply against a real slapd: a proxy cuts the connection after N write replies, dropping a
//! reply whose write the server already committed. mailsec must stop, say what was and was not applied,
//! exit non-zero, and converge on the next apply with nothing lost or duplicated.

use mailsec_e2e::fault_proxy::FaultProxy;
use mailsec_e2e::ldap_client::LdapClient;
use mailsec_e2e::slapd::{self, Slapd, BASE};
use mailsec_e2e::Workspace;

const CONTACTS: usize = 30;
const ALLOW: usize = 10;

#[test]
fn a_cut_connection_mid_apply_is_reported_and_the_next_apply_converges() {
    if !slapd::available() {
        return;
    }
    let ldap = Slapd::start("");
    let ws = Workspace::new();
    let direct = ldap.env();
    let script = format!(
        "foreach ($i in 1..{CONTACTS}) {{ New-MailContact -Name \"Partner $i\" -ExternalEmailAddress \"p$i@partner.example\" }}\n"
    );
    ws.write("contacts.ps1", &script);
    let r = ws.mailsec_env(&["contacts.ps1"], &direct);
    assert_eq!(r.code, 0, "{r:?}");

    let upstream = format!("127.0.0.1:{}", ldap.port).parse().expect("addr");
    let proxy = FaultProxy::start(upstream, ALLOW);
    let via_proxy: Vec<(String, String)> = direct
        .iter()
        .map(|(k, v)| {
            if k == "MAILSEC_LDAP_URL" {
                (k.clone(), proxy.url())
            } else {
                (k.clone(), v.clone())
            }
        })
        .collect();
    let cut = ws.mailsec_env(&["apply", "--auto-approve"], &via_proxy);
    assert_eq!(cut.code, 1, "{cut:?}");
    assert!(
        proxy.cut.load(std::sync::atomic::Ordering::SeqCst),
        "the proxy never cut"
    );
    // The first write reply is the contacts OU; the rest are contacts mailsec saw completed.
    let acknowledged = proxy.forwarded.load(std::sync::atomic::Ordering::SeqCst) - 1;
    assert!(
        cut.stderr.contains(&format!(
            "Applied before the error: {acknowledged} change(s)"
        )),
        "{}",
        cut.stderr
    );
    assert!(
        cut.stderr.contains(&format!(
            "Not applied: {} change(s)",
            CONTACTS - acknowledged
        )),
        "{}",
        cut.stderr
    );
    assert!(
        cut.stderr.contains("Journal of what was applied:"),
        "{}",
        cut.stderr
    );
    let on_server = count_contacts(&ldap);
    assert!(
        on_server > acknowledged,
        "the write whose reply was dropped is on the server: {on_server} > {acknowledged}"
    );

    // Re-running converges: the committed-but-unacknowledged contact is found by its marker, not re-added.
    let again = ws.mailsec_env(&["apply", "--auto-approve"], &direct);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(count_contacts(&ldap), CONTACTS);
    let plan = ws.mailsec_env(&["plan", "--detailed-exitcode"], &direct);
    assert_eq!(plan.code, 0, "{plan:?}");
}

#[test]
fn a_directory_that_goes_away_fails_the_plan_instead_of_planning_creates() {
    if !slapd::available() {
        return;
    }
    let ldap = Slapd::start("");
    let ws = Workspace::new();
    let mut env = ldap.env();
    ws.write(
        "c.ps1",
        "New-MailContact -Name P -ExternalEmailAddress p@partner.example\n",
    );
    assert_eq!(ws.mailsec_env(&["c.ps1"], &env).code, 0);
    assert_eq!(ws.mailsec_env(&["apply", "--auto-approve"], &env).code, 0);
    drop(ldap);
    for (k, v) in env.iter_mut() {
        if k == "MAILSEC_LDAP_URL" {
            *v = format!("ldap://127.0.0.1:{}/", slapd::free_port());
        }
    }
    let r = ws.mailsec_env(&["plan", "--detailed-exitcode"], &env);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains("cannot connect to ldap://127.0.0.1:"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("retrying in"),
        "retries say why they wait: {}",
        r.stderr
    );
    assert!(!r.stdout.contains("+ MailContact"), "{}", r.stdout);
}

fn count_contacts(ldap: &Slapd) -> usize {
    ldap.tool(
        "ldapsearch",
        &[
            "-LLL",
            "-b",
            &format!("ou=contacts,{BASE}"),
            "-s",
            "one",
            "(objectClass=inetOrgPerson)",
            "dn",
        ],
        None,
    )
    .lines()
    .filter(|l| l.starts_with("dn:"))
    .count()
}
