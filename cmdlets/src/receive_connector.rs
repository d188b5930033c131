//! New-, Set-, Get- and Remove-ReceiveConnector (on-premises, TLS-relevant parameters): required TLS, the
//! certificate presented, authentication mechanisms and Domain Secure (mutual TLS) for incoming mail.

use mailsec_state::backend::LiveState;
use mailsec_state::model::{DesiredState, ObjectKind, ReceiveConnector, Violation};
use mailsec_state::ops::Operation;
use mailsec_state::Uuid;
use serde_json::{json, Value as Json};

use crate::connector_common::{self as common, ConnectorKind, Patch};
use crate::context::{Bound, Context};
use crate::send_connector::usage;
use crate::signature::{Check, ConfirmImpact, Destination, ParamSpec, ParamType as T, Signature};
use crate::transport_config;
use crate::value::Value;
use crate::CmdletError;

const USAGE: &[&str] = &["Custom", "Internet", "Internal", "Client", "Partner"];
const AUTH: &[&str] = &[
    "None",
    "Tls",
    "Integrated",
    "BasicAuth",
    "BasicAuthRequireTLS",
    "ExchangeServer",
    "ExternalAuthoritative",
];
const GROUPS: &[&str] = &[
    "None",
    "AnonymousUsers",
    "ExchangeUsers",
    "ExchangeServers",
    "ExchangeLegacyServers",
    "Partners",
    "Custom",
];

fn sorted(v: &[String]) -> Vec<String> {
    let mut x: Vec<String> = v.iter().map(|s| s.to_lowercase()).collect();
    x.sort();
    x.dedup();
    x
}

impl ConnectorKind for ReceiveConnector {
    const KIND: ObjectKind = ObjectKind::ReceiveConnector;
    const COLUMNS: &'static [&'static str] = &[
        "Name",
        "Bindings",
        "RemoteIPRanges",
        "RequireTLS",
        "AuthMechanism",
        "ManagedBy",
    ];
    fn desired(s: &DesiredState) -> &Vec<Self> {
        &s.receive_connectors
    }
    fn live(l: &LiveState) -> &Vec<Self> {
        &l.receive_connectors
    }
    fn guid(&self) -> Uuid {
        self.Guid
    }
    fn name(&self) -> &str {
        &self.Name
    }
    fn fresh(guid: Uuid, name: &str) -> Self {
        ReceiveConnector::new(guid, name)
    }
    fn new_op(self) -> Operation {
        Operation::NewReceiveConnector { connector: self }
    }
    fn validate(&self) -> Vec<Violation> {
        ReceiveConnector::validate(self)
    }
    fn layout() -> Vec<(&'static str, Json)> {
        vec![
            ("Usage", json!("Custom")),
            ("AuthMechanism", json!("Tls")),
            ("PermissionGroups", json!("None")),
            ("TransportRole", json!("FrontendTransport")),
        ]
    }
    fn adjust(args: &Bound, patch: &mut Patch, creating: bool) -> Result<(), CmdletError> {
        usage(args, patch, creating, USAGE)?;
        if !creating {
            return Ok(());
        }
        let chosen = patch
            .iter()
            .find(|(k, _)| k == "Usage")
            .and_then(|(_, v)| v.as_str())
            .unwrap_or("Custom")
            .to_string();
        let (bindings, ranges) = (args.has("Bindings"), args.has("RemoteIPRanges"));
        let (needs_b, needs_r, forbid_b, forbid_r) = match chosen.as_str() {
            "Internet" => (true, false, false, true),
            "Client" | "Internal" => (false, true, true, false),
            _ => (true, true, false, false),
        };
        for (needed, given, p) in [
            (needs_b, bindings, "Bindings"),
            (needs_r, ranges, "RemoteIPRanges"),
        ] {
            if needed && !given {
                return Err(CmdletError::invalid(
                    p,
                    format!("{chosen} usage needs -{p}."),
                ));
            }
        }
        for (forbidden, given, p) in [
            (forbid_b, bindings, "Bindings"),
            (forbid_r, ranges, "RemoteIPRanges"),
        ] {
            if forbidden && given {
                return Err(CmdletError::invalid(
                    p,
                    format!("Parameter set cannot be resolved using the specified named parameters: -{p} can't be used with {chosen} usage."),
                ));
            }
        }
        let mut add = |k: &str, v: Json| {
            if !patch.iter().any(|(p, _)| p == k) {
                patch.push((k.to_string(), v));
            }
        };
        match chosen.as_str() {
            "Internet" => {
                add(
                    "RemoteIPRanges",
                    json!([
                        "0.0.0.0-255.255.255.255",
                        "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
                    ]),
                );
                add("PermissionGroups", json!("AnonymousUsers"));
                add("AuthMechanism", json!("Tls"));
            }
            "Client" => {
                add("Bindings", json!(["[::]:587", "0.0.0.0:587"]));
                add("PermissionGroups", json!("ExchangeUsers"));
                add(
                    "AuthMechanism",
                    json!("Tls, Integrated, BasicAuth, BasicAuthRequireTLS"),
                );
            }
            "Internal" => {
                add("Bindings", json!(["[::]:25", "0.0.0.0:25"]));
                add("PermissionGroups", json!("ExchangeServers"));
                add("AuthMechanism", json!("Tls, ExchangeServer"));
            }
            "Partner" => {
                add("PermissionGroups", json!("Partners"));
                add("AuthMechanism", json!("Tls"));
            }
            _ => {}
        }
        Ok(())
    }
    fn check_with(
        &self,
        ctx: &mut Context,
        others: &[Self],
        args: &Bound,
    ) -> Result<(), CmdletError> {
        let mine = sorted(&self.RemoteIPRanges);
        for o in others {
            let shared = o
                .Bindings
                .iter()
                .find(|b| self.Bindings.iter().any(|x| x.eq_ignore_ascii_case(b)));
            if let Some(b) = shared {
                if sorted(&o.RemoteIPRanges) == mine && o.TransportRole == self.TransportRole {
                    return Err(CmdletError::Duplicate {
                        param: "Bindings".into(),
                        message: format!(
                            "The values that you specified for the Bindings and RemoteIPRanges parameters conflict with the settings on Receive connector '{}' (Guid {}): it also listens on {b} for the same RemoteIPRanges. A receive connector needs a unique combination of Bindings and RemoteIPRanges.",
                            o.Name, o.Guid
                        ),
                    });
                }
            }
        }
        if self.DomainSecureEnabled && args.has("DomainSecureEnabled") {
            let list = transport_config::effective(ctx)
                .TLSReceiveDomainSecureList
                .unwrap_or_default();
            if list.is_empty() {
                ctx.warn("Domain Secure on a receive connector needs the partner domains in the organization's TLSReceiveDomainSecureList: add them with Set-TransportConfig -TLSReceiveDomainSecureList @{Add='partner.example'}.");
            }
        }
        Ok(())
    }
}

fn params(s: Signature) -> Signature {
    s.property(
        "AuthMechanism",
        T::Flags("AuthMechanisms", AUTH),
        "None, Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer, ExternalAuthoritative (several, comma-separated); Tls is required with RequireTLS.",
    )
    .domain_controller()
    .property(
        "DomainSecureEnabled",
        T::Bool,
        "Mutual TLS (Domain Secure): needs AuthMechanism Tls (not ExternalAuthoritative) and the partner domains in TLSReceiveDomainSecureList.",
    )
    .property(
        "Fqdn",
        T::Fqdn,
        "The name in the banner and EHLO response; also selects the TLS certificate.",
    )
    .property(
        "PermissionGroups",
        T::Flags("PermissionGroups", GROUPS),
        "None, AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers, Partners, Custom (several, comma-separated).",
    )
    .property(
        "RequireTLS",
        T::Bool,
        "Require TLS for incoming mail (default $false).",
    )
    .property(
        "SuppressXAnonymousTls",
        T::Bool,
        "Hide X-ANONYMOUSTLS (default $false).",
    )
    .property(
        "TlsCertificateName",
        T::X509Identifier,
        "The local certificate to present: \"<I>issuer<S>subject\".",
    )
    .checked(
        "TlsDomainCapabilities",
        T::MultiString,
        Check::DomainCapability,
        "domain:Capability entries for hybrid mail, e.g. contoso.mail.onmicrosoft.com:AcceptCloudServicesMail.",
    )
    .property(
        "TransportRole",
        T::Enum("ServerRole", &["FrontendTransport", "HubTransport"]),
        "FrontendTransport or HubTransport.",
    )
    .should_process(ConfirmImpact::Medium)
}

pub fn new_signature() -> Signature {
    let mut s = params(
        Signature::new(
            "New-ReceiveConnector",
            "Create an on-premises receive connector with its TLS policy.",
        )
        .required("Name", T::String, Some(0), "Unique name (max 64).")
        .push_param(
            ParamSpec::new(
                "Bindings",
                T::MultiString,
                Destination::Property("Bindings"),
                "IP:port pairs to listen on, e.g. 0.0.0.0:25; required for Internet, Partner and Custom usage.",
            )
            .check(Check::Binding),
        )
        .push_param(
            ParamSpec::new(
                "RemoteIPRanges",
                T::MultiString,
                Destination::Property("RemoteIPRanges"),
                "Remote addresses to accept: an IP, a range or CIDR (IPv4 or IPv6); required for Client, Internal, Partner and Custom usage.",
            )
            .check(Check::IpRange),
        ),
    )
    .property(
        "Usage",
        T::Enum("UsageType", USAGE),
        "Custom (default), Internet, Internal, Client or Partner; or one of the switches.",
    );
    for n in USAGE {
        s = s.push_param(ParamSpec::new(
            n,
            T::Switch,
            Destination::Property("Usage"),
            "Usage type of the new connector (same as -Usage); one usage parameter at most.",
        ));
    }
    s.example(
        "Require TLS from one partner's servers",
        "New-ReceiveConnector -Name 'From Fabrikam' -Partner -Bindings 0.0.0.0:25 -RemoteIPRanges 192.0.2.0/24 -RequireTLS $true -AuthMechanism Tls",
    )
    .example(
        "An Internet-facing connector that presents our certificate",
        "New-ReceiveConnector 'Internet mail' -Internet -Bindings 0.0.0.0:25 -Fqdn mail.contoso.example -TlsCertificateName '<I>CN=Contoso CA<S>CN=mail.contoso.example'",
    )
}

pub fn set_signature() -> Signature {
    params(
        Signature::new(
            "Set-ReceiveConnector",
            "Change a receive connector's TLS policy.",
        )
        .identity(
            "ReceiveConnectorIdParameter",
            true,
            "The connector: name, DN or GUID.",
        )
        .checked(
            "Bindings",
            T::MultiString,
            Check::Binding,
            "IP:port pairs to listen on; @{Add=..;Remove=..} edits.",
        )
        .checked(
            "Name",
            T::String,
            Check::Name,
            "Rename the connector (max 64); its Guid stays.",
        )
        .checked(
            "RemoteIPRanges",
            T::MultiString,
            Check::IpRange,
            "Remote addresses to accept; @{Add=..;Remove=..} edits.",
        ),
    )
    .example(
        "Turn on Domain Secure for a partner connector",
        "Set-ReceiveConnector 'From Fabrikam' -DomainSecureEnabled $true",
    )
}

pub fn get_signature() -> Signature {
    Signature::new("Get-ReceiveConnector", "Show receive connectors.")
        .identity(
            "ReceiveConnectorIdParameter",
            false,
            "Name, DN or GUID. Omit it to list every connector.",
        )
        .domain_controller()
        .example("List receive connectors", "Get-ReceiveConnector")
}

pub fn remove_signature() -> Signature {
    Signature::new(
        "Remove-ReceiveConnector",
        "Remove a receive connector; apply deletes it from the gateway.",
    )
    .identity(
        "ReceiveConnectorIdParameter",
        true,
        "The connector: name, DN or GUID.",
    )
    .domain_controller()
    .should_process(ConfirmImpact::High)
    .example(
        "Remove without a prompt",
        "Remove-ReceiveConnector 'From Fabrikam' -Confirm:$false",
    )
}

pub fn new(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::new::<ReceiveConnector>(
        crate::registry::signature("New-ReceiveConnector"),
        args,
        ctx,
    )
}
pub fn set(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::set::<ReceiveConnector>(
        crate::registry::signature("Set-ReceiveConnector"),
        args,
        ctx,
    )
}
pub fn get(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::get::<ReceiveConnector>(args, ctx, |_| true)
}
pub fn remove(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::remove::<ReceiveConnector>(args, ctx)
}
