//! End to end as root, as in CI: a real Postfix instance on loopback relays mail through an outbound connector
//! with DomainValidation that mailsec applied, to the test TLS SMTP server; when the server's certificate does not
//! name the connector's TlsDomain, Postfix defers the message instead of sending it in clear. The outcome is read
//! from the server and from `postqueue -p`, not from mailsec's report.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use mailsec_e2e::postfix::{self, Instance};
use mailsec_e2e::smtp_tls_server::SmtpTlsServer;
use mailsec_e2e::{ok, Workspace};

/// A loopback address of its own for a server on port 25 (Exchange connectors have no port setting), so
/// parallel runs and a system MTA on 127.0.0.1:25 do not collide.
fn loopback(seed: u8) -> Ipv4Addr {
    let pid = std::process::id();
    Ipv4Addr::new(127, 100 + seed, (pid >> 8) as u8, (pid as u8).max(2))
}

#[test]
fn postfix_relays_over_verified_tls_and_defers_a_certificate_for_another_name() {
    if !postfix::root_available() {
        return;
    }
    let good_ip = loopback(1);
    let bad_ip = loopback(2);
    let good = SmtpTlsServer::builder()
        .names(["partner.example"])
        .ip(good_ip)
        .port(25)
        .start()
        .expect("start the partner's server");
    let bad = SmtpTlsServer::builder()
        .names(["someone-else.example"])
        .ip(bad_ip)
        .port(25)
        .start()
        .expect("start the impostor's server");

    let ws = Workspace::new();
    // Postfix trusts the test CAs (each server has its own).
    let cas = format!("{}{}", good.ca_pem(), bad.ca_pem());
    ws.write("cas.pem", &cas);
    let pf = Instance::new(&[&format!(
        "smtp_tls_CAfile = {}",
        ws.path().join("cas.pem").display()
    )]);
    pf.start();

    let env = vec![
        (
            "MAILSEC_POSTFIX_DIR".to_string(),
            pf.dir.display().to_string(),
        ),
        (
            "MAILSEC_POSTFIX_RELOAD".to_string(),
            format!("{} -c {} reload", postfix::POSTFIX, pf.dir.display()),
        ),
    ];
    ws.write(
        "connectors.ps1",
        &format!(
            "New-OutboundConnector -Name Partner -RecipientDomains partner.example -UseMXRecord $false -SmartHosts {good_ip} -TlsSettings DomainValidation -TlsDomain partner.example\n\
             New-OutboundConnector -Name Other -RecipientDomains other.example -UseMXRecord $false -SmartHosts {bad_ip} -TlsSettings DomainValidation -TlsDomain other.example\n"
        ),
    );
    ok(&ws.mailsec_env(&["connectors.ps1"], &env), "connectors.ps1");
    ok(&ws.mailsec_env(&["apply", "--auto-approve"], &env), "apply");

    pf.send(
        "admin@mailsec-test.localdomain",
        "alice@partner.example",
        "to the partner",
    );
    pf.send(
        "admin@mailsec-test.localdomain",
        "bob@other.example",
        "to the impostor",
    );

    let got = good
        .wait_for_messages(1, Instant::now() + Duration::from_secs(60))
        .unwrap_or_else(|e| {
            panic!(
                "the partner got no message: {e:?}\nlog:\n{}\nqueue:\n{}",
                pf.log_text(),
                pf.queue()
            )
        });
    assert!(
        got[0]
            .rcpt_to
            .iter()
            .any(|r| r.contains("alice@partner.example")),
        "{:?}",
        got[0].rcpt_to
    );
    assert!(got[0].tls, "delivered over TLS");

    assert!(
        pf.wait_log(Duration::from_secs(60), |log| log.lines().any(|l| l
            .contains("to=<bob@other.example>")
            && l.contains("status=deferred (Server certificate not verified)"))),
        "the message to other.example was not deferred; log:\n{}",
        pf.log_text()
    );
    let queue = pf.queue();
    assert!(
        queue.contains("bob@other.example"),
        "deferred in the queue: {queue}"
    );
    assert!(!queue.contains("alice@partner.example"), "{queue}");
    assert!(
        bad.messages().is_empty(),
        "nothing was sent to the impostor: {:?}",
        bad.messages()
    );
}
