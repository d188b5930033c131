//! The connector TLS probe end to end: the real `mailsec` binary runs Test-OutboundConnectorTls and
//! Validate-OutboundConnector against the test TLS SMTP server (tests/src/smtp_tls_server.rs) on 127.0.0.1,
//! with MAILSEC_PROBE_RESOLVE in place of DNS and the server's CA as MAILSEC_PROBE_CA_FILE. Each verdict
//! is checked against what the server itself recorded.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use mailsec_e2e::smtp_tls_server::{LegacyTls, SmtpTlsServer};
use mailsec_e2e::{Run, Workspace};
use serde_json::Value as Json;

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(60)
}

/// A workspace holding the outbound connector `Partner` made by `new_connector` (a New-OutboundConnector
/// command line).
fn workspace(new_connector: &str) -> Workspace {
    let ws = Workspace::new();
    let r = ws.mailsec(&["-c", new_connector]);
    assert_eq!(r.code, 0, "{r:?}");
    ws
}

/// Resolve partner.example's MX (and a smart host name) to the server.
fn env_for(server: &SmtpTlsServer) -> Vec<(String, String)> {
    vec![
        (
            "MAILSEC_PROBE_RESOLVE".into(),
            format!(
                "partner.example=MX:mx.partner.example; mx.partner.example=127.0.0.1:{port}; relay.partner.example=127.0.0.1",
                port = server.port()
            ),
        ),
        (
            "MAILSEC_PROBE_CA_FILE".into(),
            server.ca_pem_path().display().to_string(),
        ),
    ]
}

fn run(ws: &Workspace, script: &str, env: &[(String, String)]) -> Run {
    ws.mailsec_env(&["-c", script], env)
}

/// The probe's outcomes as JSON objects (ConvertTo-Json gives one object for one result).
fn outcomes(r: &Run) -> Vec<Json> {
    assert_eq!(r.code, 0, "{r:?}");
    match serde_json::from_str::<Json>(&r.stdout) {
        Ok(Json::Array(a)) => a,
        Ok(one @ Json::Object(_)) => vec![one],
        other => panic!("not JSON objects: {other:?}\n{r:?}"),
    }
}

fn probe_json(ws: &Workspace, env: &[(String, String)]) -> Vec<Json> {
    outcomes(&run(
        ws,
        "Test-OutboundConnectorTls Partner | ConvertTo-Json -Depth 5",
        env,
    ))
}

fn text(j: &Json, key: &str) -> String {
    match j.get(key) {
        Some(Json::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// The server saw one session that started TLS, sent no message, and ended with QUIT.
fn assert_probe_session(server: &SmtpTlsServer, tls: bool) {
    let sessions = server
        .wait_for_sessions(1, deadline())
        .expect("the probe's session");
    let s = &sessions[0];
    assert_eq!(s.messages, 0, "the probe never sends mail: {s:?}");
    assert!(server.messages().is_empty());
    assert!(s.quit, "the probe says QUIT: {s:?}");
    assert_eq!(s.tls, tls, "{s:?}");
    assert!(
        !s.commands
            .iter()
            .any(|c| c == "MAIL" || c == "RCPT" || c == "DATA"),
        "{s:?}"
    );
}

#[test]
fn domain_validation_accepts_a_matching_certificate() {
    let server = SmtpTlsServer::builder()
        .names(["mx.partner.example"])
        .start()
        .expect("server");
    let ws = workspace(
        "New-OutboundConnector Partner -RecipientDomains partner.example -TlsSettings DomainValidation -TlsDomain *.partner.example",
    );
    let got = probe_json(&ws, &env_for(&server));
    assert_eq!(got.len(), 1, "{got:?}");
    let o = &got[0];
    assert_eq!(o["Accepted"], Json::Bool(true), "{o}");
    assert_eq!(o["Tls"], Json::Bool(true));
    assert_eq!(o["StartTls"], Json::Bool(true));
    assert_eq!(text(o, "Host"), "mx.partner.example");
    assert_eq!(text(o, "Via"), "MX of partner.example");
    assert_eq!(o["Port"], Json::from(server.port()));
    assert_eq!(text(o, "TlsVersion"), "TLSv1.3");
    assert!(text(o, "CipherSuite").starts_with("TLS13_"), "{o}");
    assert_eq!(
        o["CertificateNames"],
        serde_json::json!(["mx.partner.example"])
    );
    assert!(
        text(o, "CertificateSubject").contains("CN=mx.partner.example"),
        "{o}"
    );
    assert!(
        text(o, "CertificateIssuer").contains("mailsec test SMTP CA"),
        "{o}"
    );
    assert_eq!(
        text(o, "Fingerprint"),
        mailsec_state::probe::certs::fingerprint(server.leaf_der())
    );
    assert!(
        text(o, "Reason").contains("matches TlsDomain *.partner.example"),
        "{o}"
    );
    assert_eq!(o["Chain"].as_array().map(Vec::len), Some(1), "{o}");
    assert_probe_session(&server, true);
    let s = &server.sessions()[0];
    assert_eq!(
        s.sni.as_deref(),
        Some("mx.partner.example"),
        "SNI is the MX host"
    );
}

#[test]
fn domain_validation_refuses_a_name_mismatch_and_names_the_names() {
    let server = SmtpTlsServer::builder()
        .names(["other.example", "www.other.example"])
        .start()
        .expect("server");
    let ws = workspace(
        "New-OutboundConnector Partner -RecipientDomains partner.example -TlsSettings DomainValidation -TlsDomain mx.partner.example",
    );
    let got = probe_json(&ws, &env_for(&server));
    let o = &got[0];
    assert_eq!(o["Accepted"], Json::Bool(false), "{o}");
    assert_eq!(o["Tls"], Json::Bool(true), "TLS itself worked");
    let reason = text(o, "Reason");
    assert!(
        reason.contains("other.example, www.other.example")
            && reason.contains("TlsDomain is mx.partner.example"),
        "{reason}"
    );
    assert_probe_session(&server, true);
}

#[test]
fn certificate_validation_refuses_an_expired_certificate_at_the_validation_time() {
    let server = SmtpTlsServer::builder()
        .names(["mx.partner.example"])
        .expired()
        .start()
        .expect("server");
    let ws = workspace(
        "New-OutboundConnector Partner -RecipientDomains partner.example -TlsSettings CertificateValidation",
    );
    let env = env_for(&server);
    let o = &probe_json(&ws, &env)[0];
    assert_eq!(o["Accepted"], Json::Bool(false), "{o}");
    assert!(text(o, "Reason").contains("expired"), "{o}");

    // MAILSEC_NOW inside the certificate's validity: the same chain is accepted.
    let then = time::OffsetDateTime::now_utc() - time::Duration::days(500);
    let mut env = env;
    env.push((
        "MAILSEC_NOW".into(),
        then.format(&time::format_description::well_known::Rfc3339)
            .expect("format"),
    ));
    let o = &probe_json(&ws, &env)[0];
    assert_eq!(o["Accepted"], Json::Bool(true), "{o}");
    assert!(text(o, "Reason").contains("chains to the CA file"), "{o}");
}

#[test]
fn certificate_validation_refuses_an_unknown_root() {
    let server = SmtpTlsServer::builder()
        .names(["mx.partner.example"])
        .start()
        .expect("server");
    let other = SmtpTlsServer::builder().start().expect("another CA");
    let ws = workspace(
        "New-OutboundConnector Partner -RecipientDomains partner.example -TlsSettings CertificateValidation",
    );
    let mut env = env_for(&server);
    env[1].1 = other.ca_pem_path().display().to_string();
    let o = &probe_json(&ws, &env)[0];
    assert_eq!(o["Accepted"], Json::Bool(false), "{o}");
    assert!(
        text(o, "Reason").contains("does not chain to a trusted root"),
        "{o}"
    );
}

#[test]
fn no_starttls_fails_encryption_only_and_is_clear_text_when_opportunistic() {
    let server = SmtpTlsServer::builder()
        .names(["mx.partner.example"])
        .no_starttls()
        .start()
        .expect("server");
    let env = env_for(&server);
    let ws = workspace(
        "New-OutboundConnector Partner -RecipientDomains partner.example -TlsSettings EncryptionOnly",
    );
    let o = &probe_json(&ws, &env)[0];
    assert_eq!(o["Accepted"], Json::Bool(false), "{o}");
    assert_eq!(o["StartTls"], Json::Bool(false));
    assert_eq!(o["Tls"], Json::Bool(false));
    assert!(
        text(o, "Reason")
            .contains("EncryptionOnly requires TLS, but the peer does not offer STARTTLS"),
        "{o}"
    );
    assert_probe_session(&server, false);

    let r = run(&ws, "Set-OutboundConnector Partner -TlsSettings $null", &[]);
    assert_eq!(r.code, 0, "{r:?}");
    let o = &probe_json(&ws, &env)[0];
    assert_eq!(o["Accepted"], Json::Bool(true), "{o}");
    assert_eq!(o["Tls"], Json::Bool(false));
    assert!(text(o, "Reason").contains("in clear text"), "{o}");
}

#[test]
fn tls13_only_peer_is_fine_and_a_tls10_peer_is_reported_as_too_old() {
    let modern = SmtpTlsServer::builder()
        .names(["mx.partner.example"])
        .tls13_only()
        .start()
        .expect("server");
    let ws = workspace(
        "New-OutboundConnector Partner -RecipientDomains partner.example -TlsSettings EncryptionOnly",
    );
    let o = &probe_json(&ws, &env_for(&modern))[0];
    assert_eq!(o["Accepted"], Json::Bool(true), "{o}");
    assert_eq!(text(o, "TlsVersion"), "TLSv1.3");

    let old = SmtpTlsServer::builder()
        .names(["mx.partner.example"])
        .legacy_tls_only(LegacyTls::Tls10)
        .start()
        .expect("server");
    let o = &probe_json(&ws, &env_for(&old))[0];
    assert_eq!(o["Accepted"], Json::Bool(false), "{o}");
    assert_eq!(o["Tls"], Json::Bool(false));
    assert!(
        text(o, "Reason").contains("the peer offered no TLS 1.2 or later"),
        "{o}"
    );
}

#[test]
fn smart_hosts_with_port_and_timeout_and_unreachable_hosts_say_which_and_why() {
    let server = SmtpTlsServer::builder()
        .names(["relay.partner.example"])
        .start()
        .expect("server");
    let ws = workspace(
        "New-OutboundConnector Partner -RecipientDomains partner.example -UseMXRecord $false -SmartHosts relay.partner.example,unknown.partner.example -TlsSettings DomainValidation -TlsDomain relay.partner.example",
    );
    let env = env_for(&server);
    let script = format!(
        "Test-OutboundConnectorTls -Identity Partner -Port {} -TimeoutSeconds 20 | ConvertTo-Json -Depth 5",
        server.port()
    );
    let got = outcomes(&run(&ws, &script, &env));
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(text(&got[0], "Via"), "SmartHost");
    assert_eq!(got[0]["Accepted"], Json::Bool(true), "{}", got[0]);
    assert_eq!(got[1]["Accepted"], Json::Bool(false));
    assert!(
        text(&got[1], "Reason")
            .contains("unknown.partner.example is not listed in MAILSEC_PROBE_RESOLVE"),
        "{}",
        got[1]
    );

    // A port nobody listens on: the reason names the address.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let script =
        format!("Test-OutboundConnectorTls Partner -Port {port} | ConvertTo-Json -Depth 5");
    let got = outcomes(&run(&ws, &script, &env));
    assert!(
        text(&got[0], "Reason").contains(&format!("cannot connect to 127.0.0.1:{port}")),
        "{}",
        got[0]
    );

    // Out-of-range options are refused, naming the parameter.
    let r = run(
        &ws,
        "Test-OutboundConnectorTls Partner -TimeoutSeconds 0",
        &env,
    );
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("TimeoutSeconds"), "{r:?}");
}

#[test]
fn tables_lists_and_resolver_errors() {
    let server = SmtpTlsServer::builder()
        .names(["mx.partner.example"])
        .start()
        .expect("server");
    let ws = workspace(
        "New-OutboundConnector Partner -RecipientDomains partner.example -TlsSettings EncryptionOnly",
    );
    let env = env_for(&server);
    let r = run(
        &ws,
        "Test-OutboundConnectorTls Partner | Format-Table",
        &env,
    );
    assert_eq!(r.code, 0, "{r:?}");
    for column in ["Host", "Port", "Tls", "TlsVersion", "Accepted", "Reason"] {
        assert!(r.stdout.contains(column), "{column}: {}", r.stdout);
    }
    assert!(r.stdout.contains("mx.partner.example"), "{}", r.stdout);
    let r = run(&ws, "Test-OutboundConnectorTls Partner | Format-List", &env);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("CipherSuite"), "{}", r.stdout);
    assert!(r.stdout.contains("Fingerprint"), "{}", r.stdout);

    let bad = vec![(
        "MAILSEC_PROBE_RESOLVE".to_string(),
        "partner.example".to_string(),
    )];
    let r = run(&ws, "Test-OutboundConnectorTls Partner", &bad);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr
            .contains("MAILSEC_PROBE_RESOLVE: entry 'partner.example' has no '='"),
        "{r:?}"
    );
}

#[test]
fn validate_outbound_connector_binds_as_exchange_and_sends_no_message() {
    let server = SmtpTlsServer::builder()
        .names(["mx.partner.example"])
        .start()
        .expect("server");
    let ws = workspace(
        "New-OutboundConnector Partner -RecipientDomains partner.example,*.partner.example -TlsSettings DomainValidation -TlsDomain mx.partner.example",
    );
    let env = env_for(&server);

    // -WhatIf probes nothing.
    let r = run(
        &ws,
        "Validate-OutboundConnector -Identity Partner -Recipients a@partner.example -WhatIf",
        &env,
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("What if: Validating outbound connector \"Partner\""),
        "{r:?}"
    );

    let r = run(
        &ws,
        "Validate-OutboundConnector -Identity Partner -Recipients a@partner.example,b@partner.example -Confirm:$false | ConvertTo-Json -Depth 5",
        &env,
    );
    let got = outcomes(&r);
    assert_eq!(got.len(), 1, "one domain: {got:?}");
    assert_eq!(got[0]["Accepted"], Json::Bool(true), "{}", got[0]);
    assert_eq!(got[0]["TestMessageSent"], Json::Bool(false));
    assert_eq!(
        got[0]["Recipients"],
        serde_json::json!(["a@partner.example", "b@partner.example"])
    );
    assert!(r.stderr.contains("No test message was sent"), "{r:?}");
    // Exactly one session: the -WhatIf run made none, and this one sent nothing.
    assert_probe_session(&server, true);
    assert_eq!(server.sessions().len(), 1);

    // Identity is not positional; Recipients is mandatory; recipients outside the connector are refused.
    let r = run(
        &ws,
        "Validate-OutboundConnector Partner -Recipients a@partner.example",
        &env,
    );
    assert_ne!(r.code, 0, "{r:?}");
    let r = run(&ws, "Validate-OutboundConnector -Identity Partner", &env);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("Recipients"), "{r:?}");
    let r = run(
        &ws,
        "Validate-OutboundConnector -Identity Partner -Recipients a@contoso.example",
        &env,
    );
    assert_ne!(r.code, 0, "{r:?}");
    assert!(
        r.stderr
            .contains("is not in a domain of the outbound connector 'Partner'"),
        "{r:?}"
    );
}
