//! New-, Set-, Get- and Remove-OutboundConnector: TLS for mail to partner domains (EncryptionOnly, CertificateValidation, DomainValidation).

use mailsec_state::backend::LiveState;
use mailsec_state::model::{DesiredState, ObjectKind, OutboundConnector};
use mailsec_state::ops::Operation;
use mailsec_state::Uuid;

use crate::connector_common::{self as common, ConnectorKind};
use crate::context::{Bound, Context};
use crate::signature::{ConfirmImpact, ParamType as T, Signature};
use crate::value::Value;
use crate::CmdletError;

impl ConnectorKind for OutboundConnector {
    const KIND: ObjectKind = ObjectKind::OutboundConnector;
    const COLUMNS: &'static [&'static str] = &[
        "Name",
        "Enabled",
        "RecipientDomains",
        "TlsSettings",
        "TlsDomain",
        "ManagedBy",
    ];
    fn desired(s: &DesiredState) -> &Vec<Self> {
        &s.outbound_connectors
    }
    fn live(l: &LiveState) -> &Vec<Self> {
        &l.outbound_connectors
    }
    fn guid(&self) -> Uuid {
        self.Guid
    }
    fn name(&self) -> &str {
        &self.Name
    }
    fn fresh(guid: Uuid, name: &str) -> Self {
        OutboundConnector::new(guid, name)
    }
    fn new_op(self) -> Operation {
        Operation::NewOutboundConnector { connector: self }
    }
}

const TLS_LEVELS: &[&str] = &[
    "EncryptionOnly",
    "CertificateValidation",
    "DomainValidation",
];

fn params(s: Signature) -> Signature {
    s.property("Enabled", T::Bool, "Use the connector (default $true).")
        .property(
            "ConnectorType",
            T::Enum(&["Partner", "OnPremises"]),
            "Partner (default) or OnPremises.",
        )
        .property("Comment", T::String, "Free text, max 1024 characters.")
        .property(
            "RecipientDomains",
            T::MultiString,
            "Domains whose mail goes through this connector; *.contoso.com covers subdomains.",
        )
        .property(
            "UseMXRecord",
            T::Bool,
            "$true (default): deliver by MX lookup; $false: to SmartHosts.",
        )
        .property(
            "SmartHosts",
            T::MultiString,
            "Hosts or IPs to deliver to when UseMXRecord is $false.",
        )
        .property(
            "TlsSettings",
            T::Enum(TLS_LEVELS),
            "EncryptionOnly, CertificateValidation or DomainValidation; $null: opportunistic.",
        )
        .property(
            "TlsDomain",
            T::String,
            "The name the partner's certificate must match (DomainValidation only).",
        )
        .property(
            "IsTransportRuleScoped",
            T::Bool,
            "Used only through a mail-flow rule (default $false).",
        )
        .property(
            "AllAcceptedDomains",
            T::Bool,
            "OnPremises only: all accepted domains (default $false).",
        )
        .property(
            "RouteAllMessagesViaOnPremises",
            T::Bool,
            "OnPremises only (default $false).",
        )
        .property(
            "CloudServicesMailEnabled",
            T::Bool,
            "Hybrid header handling; OnPremises only (default $false).",
        )
        .property(
            "SenderRewritingEnabled",
            T::Bool,
            "OnPremises only: SRS rewriting (default $false).",
        )
        .property("TestMode", T::Bool, "Default $false.")
        .property(
            "MtaStsMode",
            T::Enum(&["Opportunistic", "None"]),
            "Opportunistic (default) or None.",
        )
        .property(
            "SmtpDaneMode",
            T::Enum(&["Opportunistic", "Mandatory", "None"]),
            "Opportunistic (default), Mandatory or None.",
        )
        .should_process(ConfirmImpact::Medium)
}

pub fn new_signature() -> Signature {
    params(
        Signature::new("New-OutboundConnector", "Create an outbound connector: how mail to partner domains is protected.")
            .required("Name", T::String, Some(0), "Unique name (max 64)."),
    )
    .example(
        "Force TLS with domain validation for a partner",
        "New-OutboundConnector -Name 'Fabrikam TLS' -RecipientDomains fabrikam.com -TlsSettings DomainValidation -TlsDomain mail.fabrikam.com",
    )
}

pub fn set_signature() -> Signature {
    params(
        Signature::new("Set-OutboundConnector", "Change an outbound connector.")
            .identity(true, "The connector: name or GUID.")
            .property("Name", T::String, "Rename the connector (its Guid stays)."),
    )
    .example(
        "Require a valid certificate",
        "Set-OutboundConnector 'Fabrikam TLS' -TlsSettings CertificateValidation -TlsDomain $null",
    )
}

pub fn get_signature() -> Signature {
    Signature::new("Get-OutboundConnector", "Show outbound connectors.")
        .identity(false, "Name or GUID. Omit it to list every connector.")
        .example("List connectors", "Get-OutboundConnector")
}

pub fn remove_signature() -> Signature {
    Signature::new(
        "Remove-OutboundConnector",
        "Remove an outbound connector; apply deletes it from the gateway.",
    )
    .identity(true, "The connector: name or GUID.")
    .should_process(ConfirmImpact::High)
    .example(
        "Remove without a prompt",
        "Remove-OutboundConnector 'Fabrikam TLS' -Confirm:$false",
    )
}

pub fn new(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::new::<OutboundConnector>(&new_signature(), args, ctx)
}
pub fn set(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::set::<OutboundConnector>(&set_signature(), args, ctx)
}
pub fn get(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::get::<OutboundConnector>(args, ctx)
}
pub fn remove(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::remove::<OutboundConnector>(args, ctx)
}
