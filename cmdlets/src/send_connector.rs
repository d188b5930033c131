//! New-, Set-, Get- and Remove-SendConnector (on-premises, TLS-relevant parameters): forced TLS, the TLS
//! authentication level and domain, smart hosts and Domain Secure (mutual TLS) for outgoing mail.

use mailsec_state::backend::LiveState;
use mailsec_state::model::{DesiredState, ObjectKind, SendConnector, Violation};
use mailsec_state::ops::Operation;
use mailsec_state::Uuid;
use serde_json::{json, Value as Json};

use crate::connector_common::{self as common, ConnectorKind, Patch};
use crate::context::{Bound, Context};
use crate::signature::{Check, ConfirmImpact, Destination, ParamSpec, ParamType as T, Signature};
use crate::transport_config;
use crate::value::Value;
use crate::CmdletError;

pub(crate) const TLS_AUTH_LEVEL: T = T::Enum(
    "TlsAuthLevel",
    &[
        "EncryptionOnly",
        "CertificateValidation",
        "DomainValidation",
    ],
);
const USAGE: &[&str] = &["Custom", "Internal", "Internet", "Partner"];

impl ConnectorKind for SendConnector {
    const KIND: ObjectKind = ObjectKind::SendConnector;
    const COLUMNS: &'static [&'static str] = &[
        "Name",
        "Enabled",
        "AddressSpaces",
        "RequireTLS",
        "TlsAuthLevel",
        "TlsDomain",
        "ManagedBy",
    ];
    fn desired(s: &DesiredState) -> &Vec<Self> {
        &s.send_connectors
    }
    fn live(l: &LiveState) -> &Vec<Self> {
        &l.send_connectors
    }
    fn guid(&self) -> Uuid {
        self.Guid
    }
    fn name(&self) -> &str {
        &self.Name
    }
    fn fresh(guid: Uuid, name: &str) -> Self {
        SendConnector::new(guid, name)
    }
    fn new_op(self) -> Operation {
        Operation::NewSendConnector { connector: self }
    }
    fn validate(&self) -> Vec<Violation> {
        SendConnector::validate(self)
    }
    fn layout() -> Vec<(&'static str, Json)> {
        vec![
            ("Usage", json!("Custom")),
            ("SmartHostAuthMechanism", json!("None")),
        ]
    }
    fn adjust(args: &Bound, patch: &mut Patch, creating: bool) -> Result<(), CmdletError> {
        usage(args, patch, creating, USAGE)
    }
    fn check_with(
        &self,
        ctx: &mut Context,
        _others: &[Self],
        args: &Bound,
    ) -> Result<(), CmdletError> {
        if self.DomainSecureEnabled
            && (args.has("DomainSecureEnabled") || args.has("AddressSpaces"))
        {
            let list = transport_config::effective(ctx)
                .TLSSendDomainSecureList
                .unwrap_or_default();
            for d in self.domains() {
                if !list.iter().any(|x| x.eq_ignore_ascii_case(&d)) {
                    ctx.warn(format!(
                        "Domain Secure to {d} needs {d} in the organization's TLSSendDomainSecureList: add it with Set-TransportConfig -TLSSendDomainSecureList @{{Add='{d}'}}."
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The usage switches (-Custom, -Internet ...) and -Usage: one at most; they set Usage on New only.
pub(crate) fn usage(
    args: &Bound,
    patch: &mut Patch,
    creating: bool,
    names: &[&str],
) -> Result<(), CmdletError> {
    let switches: Vec<&str> = names.iter().copied().filter(|n| args.switch(n)).collect();
    let explicit = patch
        .iter()
        .find(|(k, _)| k == "Usage")
        .and_then(|(_, v)| v.as_str().map(String::from));
    let chosen: Vec<String> = switches
        .iter()
        .map(|s| s.to_string())
        .chain(explicit.clone())
        .collect();
    if chosen.len() > 1 {
        return Err(CmdletError::invalid(
            switches.first().copied().unwrap_or("Usage"),
            format!(
                "Parameter set cannot be resolved using the specified named parameters: the usage parameters {} are mutually exclusive; give one.",
                switches
                    .iter()
                    .map(|s| format!("-{s}"))
                    .chain(explicit.map(|_| "-Usage".to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if creating {
        let u = chosen.into_iter().next().unwrap_or_else(|| "Custom".into());
        patch.retain(|(k, _)| k != "Usage");
        patch.push(("Usage".into(), Json::String(u)));
    }
    Ok(())
}

fn usage_switches(mut s: Signature, names: &[&'static str]) -> Signature {
    for n in names {
        s = s.push_param(ParamSpec::new(
            n,
            T::Switch,
            Destination::Property("Usage"),
            "Usage type of the new connector (same as -Usage); one usage parameter at most.",
        ));
    }
    s
}

fn params(s: Signature) -> Signature {
    s.property(
        "CloudServicesMailEnabled",
        T::Bool,
        "Hybrid header handling (default $false).",
    )
    .property(
        "DNSRoutingEnabled",
        T::Bool,
        "$true (default): deliver by MX lookup; must be $false when SmartHosts are given.",
    )
    .domain_controller()
    .property(
        "DomainSecureEnabled",
        T::Bool,
        "Mutual TLS (Domain Secure): needs DNSRoutingEnabled, IgnoreSTARTTLS $false, no wildcard address spaces, and the domain in TLSSendDomainSecureList.",
    )
    .property("Enabled", T::Bool, "Use the connector (default $true).")
    .property(
        "IgnoreSTARTTLS",
        T::Bool,
        "Ignore the remote server's STARTTLS (default $false); must be $false with RequireTLS.",
    )
    .push_param(
        ParamSpec::new(
            "Port",
            T::Int32,
            Destination::Property("Port"),
            "Smart-host port, 0 to 65535 (default 25).",
        )
        .check(Check::Port),
    )
    .property(
        "RequireTLS",
        T::Bool,
        "All mail through the connector must use TLS (default $false).",
    )
    .property(
        "SmartHostAuthMechanism",
        T::Enum(
            "AuthMechanisms",
            &[
                "None",
                "BasicAuth",
                "BasicAuthRequireTLS",
                "ExchangeServer",
                "ExternalAuthoritative",
            ],
        ),
        "How to authenticate to the smart hosts: None, BasicAuth, BasicAuthRequireTLS, ExchangeServer or ExternalAuthoritative.",
    )
    .checked(
        "SmartHosts",
        T::MultiString,
        Check::HostOrIp,
        "FQDNs or IP addresses to relay through; DNSRoutingEnabled must then be $false.",
    )
    .property(
        "TlsAuthLevel",
        TLS_AUTH_LEVEL,
        "EncryptionOnly, CertificateValidation or DomainValidation; needs RequireTLS $true and IgnoreSTARTTLS $false.",
    )
    .property(
        "TlsCertificateName",
        T::X509Identifier,
        "The local certificate to present: \"<I>issuer<S>subject\".",
    )
    .property(
        "TlsDomain",
        T::Domain,
        "The domain the remote certificate must match; only with TlsAuthLevel DomainValidation, and required then on a smart-host connector.",
    )
    .should_process(ConfirmImpact::Medium)
}

pub fn new_signature() -> Signature {
    let s = params(
        Signature::new(
            "New-SendConnector",
            "Create an on-premises send connector with its TLS policy.",
        )
        .required("Name", T::String, Some(0), "Unique name (max 64).")
        .push_param(
            ParamSpec::new(
                "AddressSpaces",
                T::MultiString,
                Destination::Property("AddressSpaces"),
                "Where the connector sends: [Type:]Space[;Cost], e.g. contoso.com or SMTP:*.contoso.com;5 (cost 1 to 100, default 1).",
            )
            .check(Check::AddressSpace),
        ),
    )
    .property(
        "Usage",
        T::Enum("UsageType", USAGE),
        "Custom (default), Internal, Internet or Partner; or one of the switches -Custom -Internal -Internet -Partner.",
    );
    usage_switches(s, &["Custom", "Internal", "Internet", "Partner"])
        .example(
            "Force TLS with domain validation through a smart host",
            "New-SendConnector -Name 'To Fabrikam' -AddressSpaces fabrikam.com -DNSRoutingEnabled $false -SmartHosts mail.fabrikam.com -RequireTLS $true -TlsAuthLevel DomainValidation -TlsDomain mail.fabrikam.com",
        )
        .example(
            "Mutual TLS with a partner",
            "New-SendConnector 'Domain Secure to Woodgrove' -Partner -AddressSpaces woodgrove.example -DomainSecureEnabled $true",
        )
}

pub fn set_signature() -> Signature {
    params(
        Signature::new("Set-SendConnector", "Change a send connector's TLS policy.")
            .identity(
                "SendConnectorIdParameter",
                true,
                "The connector: name, DN or GUID.",
            )
            .checked(
                "AddressSpaces",
                T::MultiString,
                Check::AddressSpace,
                "Where the connector sends: [Type:]Space[;Cost]; @{Add=..;Remove=..} edits.",
            )
            .checked(
                "Name",
                T::String,
                Check::Name,
                "Rename the connector (max 64); its Guid stays.",
            ),
    )
    .example(
        "Require TLS with a valid certificate",
        "Set-SendConnector 'To Fabrikam' -TlsAuthLevel CertificateValidation -TlsDomain $null",
    )
}

pub fn get_signature() -> Signature {
    Signature::new("Get-SendConnector", "Show send connectors.")
        .identity(
            "SendConnectorIdParameter",
            false,
            "Name, DN or GUID. Omit it to list every connector.",
        )
        .domain_controller()
        .example("List send connectors", "Get-SendConnector")
}

pub fn remove_signature() -> Signature {
    Signature::new(
        "Remove-SendConnector",
        "Remove a send connector; apply deletes it from the gateway.",
    )
    .identity(
        "SendConnectorIdParameter",
        true,
        "The connector: name, DN or GUID.",
    )
    .domain_controller()
    .should_process(ConfirmImpact::High)
    .example(
        "Remove without a prompt",
        "Remove-SendConnector 'To Fabrikam' -Confirm:$false",
    )
}

pub fn new(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::new::<SendConnector>(crate::registry::signature("New-SendConnector"), args, ctx)
}
pub fn set(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::set::<SendConnector>(crate::registry::signature("Set-SendConnector"), args, ctx)
}
pub fn get(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::get::<SendConnector>(args, ctx, |_| true)
}
pub fn remove(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::remove::<SendConnector>(args, ctx)
}
