//! examples/ldap/mailsec.yaml works as shipped: the quickstart runs against a slapd with only the URL
//! overridden (MAILSEC_LDAP_URL) and the password in the variable the file names.

use mailsec_e2e::slapd::{self, Slapd, ADMIN_PW};
use mailsec_e2e::{root, Workspace};

#[test]
fn the_ldap_example_state_file_drives_the_quickstart() {
    if !slapd::available() {
        return;
    }
    let people = std::fs::read_to_string(root().join("examples/quickstart/directory.ldif"))
        .expect("directory.ldif")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("version:"))
        .collect::<Vec<_>>()
        .join("\n");
    let ldap = Slapd::start(people.trim_start());
    let ws = Workspace::new();
    ws.make_certs();
    std::fs::copy(
        root().join("examples/ldap/mailsec.yaml"),
        ws.path().join("mailsec.yaml"),
    )
    .expect("copy state");
    std::fs::copy(
        root().join("examples/quickstart/quickstart.ps1"),
        ws.path().join("quickstart.ps1"),
    )
    .expect("copy script");
    let env = vec![
        ("MAILSEC_LDAP_URL".to_string(), ldap.ldapi_url()),
        ("MAILSEC_LDAP_PASSWORD".to_string(), ADMIN_PW.to_string()),
    ];
    let run = ws.mailsec_env(&["quickstart.ps1"], &env);
    assert_eq!(run.code, 0, "{run:?}");
    let apply = ws.mailsec_env(&["apply", "--auto-approve"], &env);
    assert_eq!(apply.code, 0, "{apply:?}");
    let plan = ws.mailsec_env(&["plan", "--detailed-exitcode"], &env);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(ws
        .read("mailsec.yaml")
        .contains("passwordEnv: MAILSEC_LDAP_PASSWORD"));
    assert!(
        !ws.read("mailsec.yaml").contains(ADMIN_PW),
        "the password must never reach the state file"
    );
    let perms = ws.mailsec_env(&["permissions"], &env);
    assert_eq!(perms.code, 0, "{perms:?}");
    assert!(perms.stdout.contains("olcAccess"), "{}", perms.stdout);
}
