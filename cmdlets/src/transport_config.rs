//! Get-TransportConfig and Set-TransportConfig (TLS-relevant settings): the Domain Secure (mutual TLS) domain
//! lists, and Exchange Online's SMTP AUTH switch.

use mailsec_state::model::TransportConfig;
use mailsec_state::ops::Operation;
use serde_json::{json, Map, Value as Json};

use crate::context::{Bound, Context};
use crate::convert::property_json;
use crate::objects::{present, source, Layout};
use crate::signature::{Check, ConfirmImpact, Destination, ParamType as T, Signature};
use crate::value::Value;
use crate::CmdletError;

const ID: &str = "OrganizationIdParameter";

pub fn get_signature() -> Signature {
    Signature::new(
        "Get-TransportConfig",
        "Show the organization's transport settings mailsec manages (Domain Secure lists, SMTP AUTH).",
    )
    .identity(ID, false, "Reserved: there is one configuration per organization.")
    .domain_controller()
    .example("Show the Domain Secure lists", "Get-TransportConfig")
}

pub fn set_signature() -> Signature {
    Signature::new(
        "Set-TransportConfig",
        "Change the organization's Domain Secure (mutual TLS) domain lists and SMTP AUTH setting.",
    )
    .identity(ID, false, "Reserved: there is one configuration per organization.")
    .property(
        "AllowLegacyTLSClients",
        T::Bool,
        "Exchange Online (undocumented by Microsoft).",
    )
    .domain_controller()
    .property(
        "SmtpClientAuthenticationDisabled",
        T::Bool,
        "Exchange Online: turn SMTP AUTH off for the whole organization.",
    )
    .checked(
        "TLSReceiveDomainSecureList",
        T::MultiString,
        Check::DomainNoWildcard,
        "Domains to receive Domain Secure (mutual TLS) mail from; no wildcards. A list replaces, @{Add=..;Remove=..} edits.",
    )
    .checked(
        "TLSSendDomainSecureList",
        T::MultiString,
        Check::DomainNoWildcard,
        "Domains to send Domain Secure (mutual TLS) mail to; no wildcards. A list replaces, @{Add=..;Remove=..} edits.",
    )
    .should_process(ConfirmImpact::Medium)
    .example(
        "Mutual TLS with a partner, both ways",
        "Set-TransportConfig -TLSSendDomainSecureList woodgrove.example -TLSReceiveDomainSecureList woodgrove.example",
    )
    .example(
        "Add one more partner and keep the others",
        "Set-TransportConfig -TLSSendDomainSecureList @{Add='fabrikam.com'}",
    )
}

/// The effective configuration: the desired settings over the backend's.
pub fn effective(ctx: &Context) -> TransportConfig {
    let mut m = Map::new();
    for layer in [
        ctx.live.transport_config.as_ref(),
        ctx.state.transport_config.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        if let Ok(Json::Object(o)) = serde_json::to_value(layer) {
            m.extend(o);
        }
    }
    serde_json::from_value(Json::Object(m)).unwrap_or_default()
}

pub fn get(_args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let eff = effective(ctx);
    Ok(vec![present(
        "TransportConfig",
        &eff,
        &Layout::new(vec![
            ("Identity", json!("Transport Settings")),
            ("TLSReceiveDomainSecureList", json!([])),
            ("TLSSendDomainSecureList", json!([])),
            ("SmtpClientAuthenticationDisabled", json!(false)),
            ("AllowLegacyTLSClients", json!(false)),
        ]),
        vec![source(ctx.state.transport_config.is_some())],
        vec!["TLSSendDomainSecureList", "TLSReceiveDomainSecureList"],
    )])
}

pub fn set(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let sig = crate::registry::signature("Set-TransportConfig");
    let mut current: Map<String, Json> = [
        ("TLSReceiveDomainSecureList", json!([])),
        ("TLSSendDomainSecureList", json!([])),
        ("SmtpClientAuthenticationDisabled", json!(false)),
        ("AllowLegacyTLSClients", json!(false)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if let Ok(Json::Object(m)) = serde_json::to_value(effective(ctx)) {
        current.extend(m);
    }
    let mut changes = Map::new();
    for (name, value) in &args.values {
        let Some(spec) = sig.param(name) else {
            continue;
        };
        let Destination::Property(prop) = spec.destination else {
            continue;
        };
        let v = property_json(spec, value, current.get(prop))?;
        if !mailsec_state::plan::same_value(prop, current.get(prop).unwrap_or(&Json::Null), &v) {
            changes.insert(prop.to_string(), v);
        }
    }
    let changes: TransportConfig =
        serde_json::from_value(Json::Object(changes)).map_err(|e| CmdletError::Invalid {
            param: None,
            message: e.to_string(),
        })?;
    let changed = changes != TransportConfig::default()
        && ctx.submit(Operation::SetTransportConfig { changes })?;
    if !changed && !ctx.what_if {
        ctx.warn_unchanged("Transport Settings");
    }
    Ok(Vec::new())
}
