//! The one cmdlet registry: every cmdlet's signature and run function. Binding, help and completion all read it.

use std::sync::OnceLock;

use crate::context::{Bound, Context};
use crate::signature::{Destination, ParamType, Signature};
use crate::value::Value;
use crate::{
    certificate_health, connector_tls_probe, inbound_connector, mail_contact, mailbox,
    outbound_connector, receive_connector, send_connector, smime_config, transport_config,
    CmdletError,
};

pub type RunFn = fn(&Bound, &mut Context) -> Result<Vec<Value>, CmdletError>;

pub struct CmdletDef {
    pub signature: Signature,
    pub run: RunFn,
}

/// A run function that first refuses the parameters whose destination is `Refused` (naming the parameter
/// and why), then runs the cmdlet.
macro_rules! checked {
    ($name:literal, $run:path) => {{
        fn run(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
            refuse($name, args)?;
            $run(args, ctx)
        }
        run as RunFn
    }};
}

/// The error for a bound parameter that is refused. A refused switch given as `-Switch:$false` is accepted:
/// it asks for Exchange's default.
pub fn refuse(cmdlet: &str, args: &Bound) -> Result<(), CmdletError> {
    let sig = signature(cmdlet);
    for (name, value) in &args.values {
        let Some(p) = sig.param(name) else {
            continue;
        };
        if let Destination::Refused(why) = p.destination {
            if p.ty == ParamType::Switch && !value.is_truthy() {
                continue;
            }
            return Err(CmdletError::Refused {
                param: p.name.to_string(),
                why: why.to_string(),
            });
        }
    }
    Ok(())
}

pub fn registry() -> &'static [CmdletDef] {
    static REGISTRY: OnceLock<Vec<CmdletDef>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let d = |signature: Signature, run: RunFn| CmdletDef { signature, run };
        vec![
            d(
                smime_config::get_signature(),
                checked!("Get-SmimeConfig", smime_config::get),
            ),
            d(
                smime_config::set_signature(),
                checked!("Set-SmimeConfig", smime_config::set),
            ),
            d(
                mailbox::get_signature(),
                checked!("Get-Mailbox", mailbox::get),
            ),
            d(
                mailbox::set_signature(),
                checked!("Set-Mailbox", mailbox::set),
            ),
            d(
                mail_contact::new_signature(),
                checked!("New-MailContact", mail_contact::new),
            ),
            d(
                mail_contact::set_signature(),
                checked!("Set-MailContact", mail_contact::set),
            ),
            d(
                mail_contact::get_signature(),
                checked!("Get-MailContact", mail_contact::get),
            ),
            d(
                mail_contact::remove_signature(),
                checked!("Remove-MailContact", mail_contact::remove),
            ),
            d(
                outbound_connector::new_signature(),
                checked!("New-OutboundConnector", outbound_connector::new),
            ),
            d(
                outbound_connector::set_signature(),
                checked!("Set-OutboundConnector", outbound_connector::set),
            ),
            d(
                outbound_connector::get_signature(),
                checked!("Get-OutboundConnector", outbound_connector::get),
            ),
            d(
                connector_tls_probe::validate_signature(),
                checked!("Validate-OutboundConnector", connector_tls_probe::validate),
            ),
            d(
                connector_tls_probe::test_signature(),
                checked!("Test-OutboundConnectorTls", connector_tls_probe::test),
            ),
            d(
                outbound_connector::remove_signature(),
                checked!("Remove-OutboundConnector", outbound_connector::remove),
            ),
            d(
                inbound_connector::new_signature(),
                checked!("New-InboundConnector", inbound_connector::new),
            ),
            d(
                inbound_connector::set_signature(),
                checked!("Set-InboundConnector", inbound_connector::set),
            ),
            d(
                inbound_connector::get_signature(),
                checked!("Get-InboundConnector", inbound_connector::get),
            ),
            d(
                inbound_connector::remove_signature(),
                checked!("Remove-InboundConnector", inbound_connector::remove),
            ),
            d(
                send_connector::new_signature(),
                checked!("New-SendConnector", send_connector::new),
            ),
            d(
                send_connector::set_signature(),
                checked!("Set-SendConnector", send_connector::set),
            ),
            d(
                send_connector::get_signature(),
                checked!("Get-SendConnector", send_connector::get),
            ),
            d(
                send_connector::remove_signature(),
                checked!("Remove-SendConnector", send_connector::remove),
            ),
            d(
                receive_connector::new_signature(),
                checked!("New-ReceiveConnector", receive_connector::new),
            ),
            d(
                receive_connector::set_signature(),
                checked!("Set-ReceiveConnector", receive_connector::set),
            ),
            d(
                receive_connector::get_signature(),
                checked!("Get-ReceiveConnector", receive_connector::get),
            ),
            d(
                receive_connector::remove_signature(),
                checked!("Remove-ReceiveConnector", receive_connector::remove),
            ),
            d(
                transport_config::get_signature(),
                checked!("Get-TransportConfig", transport_config::get),
            ),
            d(
                transport_config::set_signature(),
                checked!("Set-TransportConfig", transport_config::set),
            ),
            d(
                certificate_health::test_signature(),
                checked!("Test-SmimeCertificate", certificate_health::test),
            ),
            d(
                certificate_health::report_signature(),
                checked!("Get-SmimeCertificateReport", certificate_health::report),
            ),
        ]
    })
}

/// The cmdlet named `name` (case-insensitive, as PowerShell resolves command names).
pub fn find(name: &str) -> Option<&'static CmdletDef> {
    registry()
        .iter()
        .find(|c| c.signature.name.eq_ignore_ascii_case(name))
}

/// The signature of the cmdlet `name` (an empty one for a name the registry does not have).
pub fn signature(name: &str) -> &'static Signature {
    static NONE: OnceLock<Signature> = OnceLock::new();
    match find(name) {
        Some(d) => &d.signature,
        None => NONE.get_or_init(|| Signature::new("", "")),
    }
}

/// Cmdlet names close to `name`, best first, for "did you mean".
pub fn suggest(name: &str) -> Vec<&'static str> {
    let lower = name.to_lowercase();
    let mut scored: Vec<(f64, &'static str)> = registry()
        .iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&lower, &c.signature.name.to_lowercase()),
                c.signature.name,
            )
        })
        .filter(|(s, _)| *s > 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

/// Every parameter of every cmdlet with where its value goes, one line each: nothing is silently dropped.
pub fn destination_map() -> String {
    let mut out = String::new();
    for c in registry() {
        out.push_str(c.signature.name);
        out.push('\n');
        for p in &c.signature.params {
            let mut flags = Vec::new();
            if p.mandatory {
                flags.push("required".to_string());
            }
            if let Some(pos) = p.position {
                flags.push(format!("position {}", pos + 1));
            }
            if p.ty.is_multi() {
                flags.push("multi-valued".to_string());
            }
            let flags = if flags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", flags.join(", "))
            };
            out.push_str(&format!(
                "  -{} <{}>{flags} -> {}{}\n",
                p.name,
                p.ty.documented(),
                p.destination.describe(),
                match p.destination {
                    Destination::Property(prop) => applied_by(c.signature.name, prop),
                    _ => String::new(),
                }
            ));
        }
    }
    out
}

/// Which backends apply a stored property, and in which attribute: `; applied by: ...`.
fn applied_by(cmdlet: &str, property: &str) -> String {
    use mailsec_state::backend::ldap::profile::Profile;
    use mailsec_state::model::{LdapProfile, ObjectKind};
    let noun = cmdlet.split_once('-').map(|(_, n)| n).unwrap_or(cmdlet);
    let kinds = [
        ObjectKind::SmimeConfig,
        ObjectKind::Mailbox,
        ObjectKind::MailContact,
        ObjectKind::InboundConnector,
        ObjectKind::OutboundConnector,
        ObjectKind::TransportConfig,
        ObjectKind::SendConnector,
        ObjectKind::ReceiveConnector,
    ];
    let Some(kind) = kinds.into_iter().find(|k| k.noun() == noun) else {
        return String::new();
    };
    let ldap = |profile: LdapProfile| -> String {
        let p = Profile::new(profile);
        let attr = match kind {
            ObjectKind::SmimeConfig if property == "SMIMECertificateIssuingCA" => {
                Some(p.ca_attr().to_string())
            }
            ObjectKind::SmimeConfig => Some("description (JSON settings)".to_string()),
            _ => p.attr_of(kind, property).map(|m| m.attribute.to_string()),
        };
        match attr {
            Some(a) => format!("ldap/{} {a}", profile.as_str()),
            None => format!("ldap/{} not applied (plan warns)", profile.as_str()),
        }
    };
    match kind {
        ObjectKind::SmimeConfig | ObjectKind::Mailbox | ObjectKind::MailContact => format!(
            "; applied by: embedded directory, {}, {}",
            ldap(LdapProfile::Openldap),
            ldap(LdapProfile::ActiveDirectory)
        ),
        ObjectKind::InboundConnector
        | ObjectKind::OutboundConnector
        | ObjectKind::SendConnector => {
            let postfix = match mailsec_state::backend::postfix::applied_as(kind, property) {
                Some(what) => format!("postfix {what}"),
                None => "postfix not applied (plan warns)".to_string(),
            };
            format!("; applied by: embedded gateway, {postfix}")
        }
        _ => "; applied by: embedded gateway".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailsec_state::backend::LiveState;
    use mailsec_state::model::DesiredState;

    /// Every parameter of every cmdlet, with where its value goes: nothing is silently dropped.
    #[test]
    fn parameter_destinations() {
        insta::assert_snapshot!(destination_map());
    }

    #[test]
    fn names_resolve_case_insensitively_and_suggest() {
        assert!(find("set-mailbox").is_some());
        assert_eq!(suggest("Set-Mailbx").first(), Some(&"Set-Mailbox"));
    }

    #[test]
    fn parameter_names_are_unique_per_cmdlet() {
        for c in registry() {
            let mut names: Vec<_> = c
                .signature
                .params
                .iter()
                .map(|p| p.name.to_lowercase())
                .collect();
            names.sort();
            let before = names.len();
            names.dedup();
            assert_eq!(before, names.len(), "{}", c.signature.name);
        }
    }

    /// Each run function refuses its own cmdlet's refused parameters (the macro names the right cmdlet).
    #[test]
    fn refused_parameters_are_refused_with_the_reason() {
        for c in registry() {
            for p in &c.signature.params {
                let Destination::Refused(why) = p.destination else {
                    continue;
                };
                let mut state = DesiredState::default();
                let live = LiveState::default();
                let mut ctx = Context::new(&mut state, &live, "embedded directory");
                let value = match p.ty {
                    ParamType::Switch => Value::Bool(true),
                    _ => Value::String("dc1.contoso.com".into()),
                };
                let args = Bound {
                    values: vec![(p.name, value)],
                };
                let e = (c.run)(&args, &mut ctx).unwrap_err();
                assert_eq!(
                    e.to_string(),
                    format!("The parameter '{}' {why}.", p.name),
                    "{} -{}",
                    c.signature.name,
                    p.name
                );
                assert_eq!(e.param(), Some(p.name));
                assert!(ctx.applied.is_empty());
            }
        }
    }

    #[test]
    fn a_refused_switch_set_to_false_asks_for_the_default() {
        let def = find("Get-Mailbox").unwrap();
        let mut state = DesiredState::default();
        let live = LiveState::default();
        let mut ctx = Context::new(&mut state, &live, "embedded directory");
        let args = Bound {
            values: vec![("Arbitration", Value::Bool(false))],
        };
        assert!((def.run)(&args, &mut ctx).is_ok());
    }
}
