//! TLS to a real slapd: ldaps:// and StartTLS verify the server against the CA file given (rustls),
//! and a server the CA file does not vouch for is refused rather than trusted.

use mailsec_e2e::slapd::{self, Slapd};
use mailsec_e2e::Workspace;

fn with(env: &[(String, String)], key: &str, value: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = env.iter().filter(|(k, _)| k != key).cloned().collect();
    v.push((key.to_string(), value.to_string()));
    v
}

#[test]
fn ldaps_and_starttls_verify_the_server_with_the_given_ca() {
    if !slapd::available() || !mailsec_e2e::require_tool("openssl") {
        return;
    }
    let ldap = Slapd::start_tls("");
    let ws = Workspace::new();
    let port = ldap.tls_port.expect("ldaps port");
    let ca = ldap.ca_file().display().to_string();

    let ldaps = with(
        &ldap.env(),
        "MAILSEC_LDAP_URL",
        &format!("ldaps://localhost:{port}/"),
    );
    let ok = ws.mailsec_env(
        &["plan", "--detailed-exitcode"],
        &with(&ldaps, "MAILSEC_LDAP_CA_FILE", &ca),
    );
    assert_eq!(ok.code, 0, "{ok:?}");
    assert!(
        ok.stderr
            .contains(&format!("Target: LDAP ldaps://localhost:{port}/")),
        "{}",
        ok.stderr
    );

    // Without the CA file, the system roots do not vouch for the test CA: refused, nothing read.
    let refused = ws.mailsec_env(&["plan", "--detailed-exitcode"], &ldaps);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.to_lowercase().contains("certificate"),
        "{}",
        refused.stderr
    );

    // StartTLS on the plain port, with the CA: works.
    let plain = with(
        &ldap.env(),
        "MAILSEC_LDAP_URL",
        &format!("ldap://localhost:{}/", ldap.port),
    );
    let starttls = with(
        &with(&plain, "MAILSEC_LDAP_STARTTLS", "1"),
        "MAILSEC_LDAP_CA_FILE",
        &ca,
    );
    let ok = ws.mailsec_env(&["plan", "--detailed-exitcode"], &starttls);
    assert_eq!(ok.code, 0, "{ok:?}");

    // A CA file that is not a certificate says so.
    ws.write("bad-ca.pem", "not a certificate\n");
    let bad = ws.mailsec_env(
        &["plan"],
        &with(
            &ldaps,
            "MAILSEC_LDAP_CA_FILE",
            &ws.path().join("bad-ca.pem").display().to_string(),
        ),
    );
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(bad.stderr.contains("the CA file"), "{}", bad.stderr);
}
