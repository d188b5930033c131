//! Test-OutboundConnectorTls and Validate-OutboundConnector: probe the hosts an outbound connector delivers
//! to (STARTTLS, version, cipher, chain) and say whether its TlsSettings/TlsDomain would accept each one.
//! The network is reached through the context's prober (the shell gives the real one), never directly.

use mailsec_state::model::OutboundConnector;
use mailsec_state::probe::{ProbeOptions, ProbeOutcome};

use crate::connector_common::view;
use crate::context::{Bound, Context};
use crate::convert::{to_i32, to_multi_string, to_string, MultiEdit};
use crate::identity::{resolve, Candidate};
use crate::objects::object_of;
use crate::signature::{Check, ConfirmImpact, Destination, ParamSpec, ParamType as T, Signature};
use crate::value::Value;
use crate::CmdletError;

/// What `ft` shows by default.
const COLUMNS: &[&str] = &["Host", "Port", "Tls", "TlsVersion", "Accepted", "Reason"];

/// Said whenever Validate-OutboundConnector ran the probe instead of Exchange's validation.
pub const NO_TEST_MESSAGE: &str = "No test message was sent: Validate-OutboundConnector probed the connector's hosts (EHLO, STARTTLS, TLS handshake, QUIT) and did not deliver anything to the recipients.";

fn named(name: &'static str, ty: T, destination: Destination, help: &'static str) -> ParamSpec {
    ParamSpec::new(name, ty, destination, help)
}

pub fn test_signature() -> Signature {
    Signature::new(
        "Test-OutboundConnectorTls",
        "Connect to each host an outbound connector delivers to, start TLS, and show the TLS version, cipher suite and certificate, and whether the connector's TlsSettings/TlsDomain would accept that host. Sends no mail.",
    )
    .identity(
        "OutboundConnectorIdParameter",
        true,
        "The connector: name, DN or GUID. Its SmartHosts are probed, or (UseMXRecord $true) the MX hosts of its RecipientDomains. Environment: MAILSEC_PROBE_RESOLVE replaces DNS ('host=127.0.0.1:2525;domain=MX:host1,host2', entries separated by ';'; names it does not list are not found), MAILSEC_PROBE_CA_FILE names the roots to trust (else the system's), MAILSEC_NOW the validation time.",
    )
    .push_param(named(
        "Port",
        T::Int32,
        Destination::ShouldProcess,
        "The SMTP port to connect to (default 25).",
    ))
    .push_param(named(
        "TimeoutSeconds",
        T::Int32,
        Destination::ShouldProcess,
        "How long each host may take, connection, SMTP dialogue and TLS handshake together (default 30, at most 600). Hosts are probed at the same time.",
    ))
    .example(
        "Would the partner's hosts pass the connector's TLS settings? (pipe to Format-List or ConvertTo-Json for every property)",
        "Test-OutboundConnectorTls 'Fabrikam TLS'",
    )
    .example(
        "Another port, with a short timeout",
        "Test-OutboundConnectorTls -Identity 'Fabrikam TLS' -Port 587 -TimeoutSeconds 10",
    )
}

pub fn validate_signature() -> Signature {
    Signature::new(
        "Validate-OutboundConnector",
        "Check an outbound connector for the given recipients. When the gateway is an Exchange Online tenant, the service validates it as Exchange does (it sends test messages). Elsewhere mailsec probes the connector's hosts (EHLO, STARTTLS, TLS), reports whether its TLS settings would accept each, and sends no test message.",
    )
    .push_param(
        named(
            "Identity",
            T::Identity("OutboundConnectorIdParameter"),
            Destination::Identity,
            "The connector: name, DN or GUID (named only, as in Exchange).",
        )
        .mandatory(),
    )
    .push_param(
        named(
            "Recipients",
            T::MultiString,
            Destination::Query,
            "One or more addresses in the connector's domains. With UseMXRecord $true the MX hosts of their domains are probed; no message is sent to them.",
        )
        .mandatory()
        .check(Check::Smtp),
    )
    .should_process(ConfirmImpact::Medium)
    .example(
        "Validate a partner connector",
        "Validate-OutboundConnector -Identity 'Fabrikam TLS' -Recipients admin@fabrikam.com",
    )
}

/// The connector named by -Identity (desired or backend-only).
fn connector(args: &Bound, ctx: &Context) -> Result<OutboundConnector, CmdletError> {
    let id = to_string("Identity", args.get("Identity").unwrap_or(&Value::Null))?;
    let all = view::<OutboundConnector>(ctx);
    let cands: Vec<Candidate> = all
        .iter()
        .map(|(c, _)| {
            Candidate::new(c.Guid, &c.Name)
                .of_kind(mailsec_state::model::ObjectKind::OutboundConnector)
        })
        .collect();
    let guid = resolve(&id, &cands, &ctx.location)?.guid;
    all.into_iter()
        .map(|(c, _)| c)
        .find(|c| c.Guid == guid)
        .ok_or(CmdletError::NotFound {
            identity: id,
            location: ctx.location.clone(),
        })
}

fn int_in(
    args: &Bound,
    name: &str,
    default: i32,
    range: std::ops::RangeInclusive<i32>,
) -> Result<i32, CmdletError> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => {
            let n = to_i32(name, v)?;
            if range.contains(&n) {
                Ok(n)
            } else {
                Err(CmdletError::invalid(
                    name,
                    format!(
                        "{name} {n} is out of range: use {} to {}.",
                        range.start(),
                        range.end()
                    ),
                ))
            }
        }
    }
}

fn options(args: &Bound) -> Result<ProbeOptions, CmdletError> {
    let defaults = ProbeOptions::default();
    let timeout =
        std::time::Duration::from_secs(int_in(args, "TimeoutSeconds", 30, 1..=600)? as u64);
    Ok(ProbeOptions {
        port: int_in(args, "Port", 25, 1..=65535)? as u16,
        timeout,
        connect_timeout: defaults.connect_timeout.min(timeout),
        ..defaults
    })
}

fn run_probe(
    ctx: &Context,
    c: &OutboundConnector,
    o: &ProbeOptions,
) -> Result<Vec<ProbeOutcome>, CmdletError> {
    let Some(prober) = ctx.prober else {
        return Err(CmdletError::Invalid {
            param: None,
            message: "This session cannot reach the network, so the connector cannot be probed (no prober is configured).".into(),
        });
    };
    prober.probe(c, o).map_err(|e| CmdletError::Invalid {
        param: None,
        message: format!("Probing the outbound connector '{}' failed: {e}", c.Name),
    })
}

fn output(outcome: &ProbeOutcome, extra: Vec<(String, Value)>) -> Value {
    object_of(
        "mailsec.OutboundConnectorTlsProbe",
        outcome,
        extra,
        COLUMNS.to_vec(),
    )
}

pub fn test(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let c = connector(args, ctx)?;
    let o = options(args)?;
    let outcomes = run_probe(ctx, &c, &o)?;
    Ok(outcomes.iter().map(|x| output(x, Vec::new())).collect())
}

/// The domain part of an address, lower-case.
fn domain_of(address: &str) -> Option<String> {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.trim().trim_end_matches('>').to_ascii_lowercase())
        .filter(|d| !d.is_empty())
}

fn covers(pattern: &str, domain: &str) -> bool {
    let p = pattern.trim().to_ascii_lowercase();
    match p.strip_prefix("*.") {
        Some(base) => domain == base || domain.ends_with(&format!(".{base}")),
        None => p == "*" || p == domain,
    }
}

pub fn validate(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let c = connector(args, ctx)?;
    let recipients = match args.get("Recipients") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => match to_multi_string("Recipients", v)? {
            MultiEdit::Replace(list) => list,
            MultiEdit::Edit { .. } => {
                return Err(CmdletError::invalid(
                    "Recipients",
                    "Recipients takes a list of addresses, not @{Add=..; Remove=..}.",
                ))
            }
        },
    };
    if recipients.is_empty() {
        return Err(CmdletError::invalid(
            "Recipients",
            "Validate-OutboundConnector needs at least one address in -Recipients.",
        ));
    }
    let mut domains: Vec<String> = Vec::new();
    for r in &recipients {
        let stored = crate::checks::check_value("Recipients", Check::Smtp, r)?;
        let Some(d) = domain_of(&stored) else {
            return Err(CmdletError::invalid(
                "Recipients",
                format!("\"{r}\" has no domain."),
            ));
        };
        if !c.AllAcceptedDomains
            && !c.RecipientDomains.is_empty()
            && !c.RecipientDomains.iter().any(|p| covers(p, &d))
        {
            return Err(CmdletError::invalid(
                "Recipients",
                format!(
                    "The recipient '{r}' is not in a domain of the outbound connector '{}' (RecipientDomains: {}).",
                    c.Name,
                    c.RecipientDomains.join(", ")
                ),
            ));
        }
        if !domains.contains(&d) {
            domains.push(d);
        }
    }
    // Against Exchange Online the service validates the connector itself (with real test messages).
    if ctx.prober.is_some_and(|p| p.validates_with_service()) {
        if ctx.what_if {
            ctx.messages.push(crate::context::Message::WhatIf(format!(
                "Validating outbound connector \"{}\" with Exchange Online, which sends test messages to {}.",
                c.Name,
                recipients.join(", ")
            )));
            return Ok(Vec::new());
        }
        let result = ctx
            .prober
            .and_then(|p| p.service_validate(&c, &recipients))
            .unwrap_or_else(|| Err("the service did not answer".into()));
        let objects = result.map_err(|why| CmdletError::Invalid {
            param: None,
            message: format!("Validate-OutboundConnector '{}' failed: {why}", c.Name),
        })?;
        return Ok(objects
            .iter()
            .map(|o| crate::objects::from_json(&serde_json::Value::Object(o.clone())))
            .collect());
    }
    if ctx.what_if {
        ctx.messages.push(crate::context::Message::WhatIf(format!(
            "Validating outbound connector \"{}\" by probing its hosts for {} (no test message is sent).",
            c.Name,
            recipients.join(", ")
        )));
        return Ok(Vec::new());
    }
    // With MX routing, the hosts that matter are those of the recipients' domains.
    let mut probed = c.clone();
    if probed.UseMXRecord {
        probed.RecipientDomains = domains;
    }
    let o = options(args)?;
    let outcomes = run_probe(ctx, &probed, &o)?;
    ctx.warn(NO_TEST_MESSAGE);
    let recips = Value::array(recipients.iter().cloned().map(Value::String).collect());
    Ok(outcomes
        .iter()
        .map(|x| {
            output(
                x,
                vec![
                    ("Recipients".to_string(), recips.clone()),
                    ("TestMessageSent".to_string(), Value::Bool(false)),
                ],
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailsec_state::backend::LiveState;
    use mailsec_state::model::{DesiredState, TlsAuthLevel};
    use mailsec_state::probe::{ConnectorProbe, ProbeError};
    use std::cell::RefCell;

    /// Records what it was asked and answers with one outcome per target domain or smart host.
    #[derive(Default)]
    struct Fake {
        asked: RefCell<Vec<(OutboundConnector, u16, u64)>>,
    }

    impl ConnectorProbe for Fake {
        fn probe(
            &self,
            c: &OutboundConnector,
            o: &ProbeOptions,
        ) -> Result<Vec<ProbeOutcome>, ProbeError> {
            self.asked
                .borrow_mut()
                .push((c.clone(), o.port, o.timeout.as_secs()));
            let hosts = if c.UseMXRecord {
                &c.RecipientDomains
            } else {
                &c.SmartHosts
            };
            Ok(hosts
                .iter()
                .map(|h| ProbeOutcome {
                    connector: c.Name.clone(),
                    host: h.clone(),
                    via: "test".into(),
                    address: Some("127.0.0.1:25".into()),
                    port: o.port,
                    start_tls: Some(true),
                    tls: true,
                    tls_version: Some("TLSv1.3".into()),
                    cipher_suite: Some("TLS13_AES_256_GCM_SHA384".into()),
                    certificate_subject: Some("CN=x".into()),
                    certificate_issuer: Some("CN=ca".into()),
                    certificate_names: vec![h.clone()],
                    not_before: None,
                    not_after: None,
                    fingerprint: None,
                    chain: Vec::new(),
                    tls_settings: None,
                    tls_domain: None,
                    accepted: true,
                    reason: "fake".into(),
                })
                .collect())
        }
    }

    fn state() -> DesiredState {
        let mut s = DesiredState::default();
        let mut c = OutboundConnector::new(mailsec_state::Uuid::new_v4(), "Fabrikam TLS");
        c.RecipientDomains = vec!["fabrikam.example".into(), "*.fabrikam.example".into()];
        c.TlsSettings = Some(TlsAuthLevel::EncryptionOnly);
        s.outbound_connectors.push(c);
        s
    }

    fn bound(values: Vec<(&'static str, Value)>) -> Bound {
        Bound { values }
    }

    #[test]
    fn test_cmdlet_probes_the_connector_with_the_options() {
        let mut s = state();
        let live = LiveState::default();
        let fake = Fake::default();
        let mut ctx = Context::new(&mut s, &live, "here");
        ctx.prober = Some(&fake);
        let out = test(
            &bound(vec![
                ("Identity", Value::String("fabrikam tls".into())),
                ("Port", Value::Int(2525)),
                ("TimeoutSeconds", Value::Int(5)),
            ]),
            &mut ctx,
        )
        .unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(
            out[0].property("TlsVersion").as_deref(),
            Some(&Value::String("TLSv1.3".into()))
        );
        assert_eq!(
            out[0].property("Accepted").as_deref(),
            Some(&Value::Bool(true))
        );
        let asked = fake.asked.borrow();
        assert_eq!((asked[0].1, asked[0].2), (2525, 5));
    }

    #[test]
    fn options_are_range_checked_and_a_missing_prober_is_said() {
        let mut s = state();
        let live = LiveState::default();
        let mut ctx = Context::new(&mut s, &live, "here");
        let e = test(
            &bound(vec![
                ("Identity", Value::String("Fabrikam TLS".into())),
                ("Port", Value::Int(0)),
            ]),
            &mut ctx,
        )
        .unwrap_err();
        assert_eq!(e.param(), Some("Port"));
        let e = test(
            &bound(vec![("Identity", Value::String("Fabrikam TLS".into()))]),
            &mut ctx,
        )
        .unwrap_err();
        assert!(e.to_string().contains("cannot reach the network"), "{e}");
        let e = test(
            &bound(vec![("Identity", Value::String("Nope".into()))]),
            &mut ctx,
        )
        .unwrap_err();
        assert_eq!(e.param(), Some("Identity"));
    }

    #[test]
    fn validate_probes_the_recipients_domains_and_says_no_message_was_sent() {
        let mut s = state();
        let live = LiveState::default();
        let fake = Fake::default();
        let mut ctx = Context::new(&mut s, &live, "here");
        ctx.prober = Some(&fake);
        let out = validate(
            &bound(vec![
                ("Identity", Value::String("Fabrikam TLS".into())),
                (
                    "Recipients",
                    Value::array(vec![
                        Value::String("a@sub.fabrikam.example".into()),
                        Value::String("b@sub.fabrikam.example".into()),
                    ]),
                ),
            ]),
            &mut ctx,
        )
        .unwrap();
        assert_eq!(out.len(), 1, "one domain, probed once");
        assert_eq!(
            out[0].property("Host").as_deref(),
            Some(&Value::String("sub.fabrikam.example".into()))
        );
        assert_eq!(
            out[0].property("TestMessageSent").as_deref(),
            Some(&Value::Bool(false))
        );
        assert!(ctx
            .messages
            .iter()
            .any(|m| matches!(m, crate::context::Message::Warning(w) if w == NO_TEST_MESSAGE)));
    }

    #[test]
    fn validate_refuses_recipients_outside_the_connector_and_honours_whatif() {
        let mut s = state();
        let live = LiveState::default();
        let fake = Fake::default();
        let mut ctx = Context::new(&mut s, &live, "here");
        ctx.prober = Some(&fake);
        let e = validate(
            &bound(vec![
                ("Identity", Value::String("Fabrikam TLS".into())),
                ("Recipients", Value::String("a@contoso.example".into())),
            ]),
            &mut ctx,
        )
        .unwrap_err();
        assert_eq!(e.param(), Some("Recipients"));
        assert!(e.to_string().contains("not in a domain"), "{e}");
        ctx.what_if = true;
        let out = validate(
            &bound(vec![
                ("Identity", Value::String("Fabrikam TLS".into())),
                ("Recipients", Value::String("a@fabrikam.example".into())),
            ]),
            &mut ctx,
        )
        .unwrap();
        assert!(out.is_empty());
        assert!(fake.asked.borrow().is_empty(), "-WhatIf probes nothing");
        assert!(
            matches!(&ctx.messages[0], crate::context::Message::WhatIf(t) if t.contains("no test message"))
        );
    }
}
