//! New-, Set-, Get- and Remove-InboundConnector: require TLS (or a named certificate) for mail from partner domains.

use mailsec_state::backend::LiveState;
use mailsec_state::model::{DesiredState, InboundConnector, ObjectKind};
use mailsec_state::ops::Operation;
use mailsec_state::Uuid;

use crate::connector_common::{self as common, ConnectorKind};
use crate::context::{Bound, Context};
use crate::signature::{ConfirmImpact, ParamType as T, Signature};
use crate::value::Value;
use crate::CmdletError;

impl ConnectorKind for InboundConnector {
    const KIND: ObjectKind = ObjectKind::InboundConnector;
    const COLUMNS: &'static [&'static str] = &[
        "Name",
        "Enabled",
        "SenderDomains",
        "RequireTls",
        "TlsSenderCertificateName",
        "ManagedBy",
    ];
    fn desired(s: &DesiredState) -> &Vec<Self> {
        &s.inbound_connectors
    }
    fn live(l: &LiveState) -> &Vec<Self> {
        &l.inbound_connectors
    }
    fn guid(&self) -> Uuid {
        self.Guid
    }
    fn name(&self) -> &str {
        &self.Name
    }
    fn fresh(guid: Uuid, name: &str) -> Self {
        InboundConnector::new(guid, name)
    }
    fn new_op(self) -> Operation {
        Operation::NewInboundConnector { connector: self }
    }
}

fn params(s: Signature) -> Signature {
    s.property("Enabled", T::Bool, "Use the connector (default $true).")
        .property(
            "ConnectorType",
            T::Enum(&["Partner", "OnPremises"]),
            "Partner (default) or OnPremises.",
        )
        .property("Comment", T::String, "Free text, max 1024 characters.")
        .property(
            "SenderIPAddresses",
            T::MultiString,
            "IPv4 addresses or CIDR ranges (/24 to /32) the partner sends from.",
        )
        .property(
            "RequireTls",
            T::Bool,
            "Reject mail from these senders that does not arrive over TLS (default $true).",
        )
        .property(
            "RestrictDomainsToCertificate",
            T::Bool,
            "Accept only when the TLS certificate matches TlsSenderCertificateName.",
        )
        .property(
            "RestrictDomainsToIPAddresses",
            T::Bool,
            "Accept only from SenderIPAddresses.",
        )
        .property(
            "TlsSenderCertificateName",
            T::String,
            "The domain the sender's TLS certificate must name.",
        )
        .property(
            "CloudServicesMailEnabled",
            T::Bool,
            "Hybrid header handling; OnPremises only (default $false).",
        )
        .property(
            "TreatMessagesAsInternal",
            T::Bool,
            "OnPremises only (default $false).",
        )
        .should_process(ConfirmImpact::Medium)
}

pub fn new_signature() -> Signature {
    params(
        Signature::new("New-InboundConnector", "Create an inbound connector: what TLS partner domains must use when they send to you.")
            .required("Name", T::String, Some(0), "Unique name (max 64).")
            .required("SenderDomains", T::MultiString, None, "Sender domains this connector applies to (*.contoso.com covers subdomains; * is all)."),
    )
    .example(
        "Require TLS from a partner",
        "New-InboundConnector -Name 'Fabrikam inbound' -SenderDomains fabrikam.com -RequireTls $true",
    )
}

pub fn set_signature() -> Signature {
    params(
        Signature::new("Set-InboundConnector", "Change an inbound connector.")
            .identity(true, "The connector: name or GUID.")
            .property("Name", T::String, "Rename the connector (its Guid stays).")
            .property(
                "SenderDomains",
                T::MultiString,
                "Sender domains this connector applies to.",
            ),
    )
    .example(
        "Require the partner's certificate",
        "Set-InboundConnector 'Fabrikam inbound' -TlsSenderCertificateName mail.fabrikam.com",
    )
}

pub fn get_signature() -> Signature {
    Signature::new("Get-InboundConnector", "Show inbound connectors.")
        .identity(false, "Name or GUID. Omit it to list every connector.")
        .example("List connectors", "Get-InboundConnector")
}

pub fn remove_signature() -> Signature {
    Signature::new(
        "Remove-InboundConnector",
        "Remove an inbound connector; apply deletes it from the gateway.",
    )
    .identity(true, "The connector: name or GUID.")
    .should_process(ConfirmImpact::High)
    .example(
        "Remove without a prompt",
        "Remove-InboundConnector 'Fabrikam inbound' -Confirm:$false",
    )
}

pub fn new(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::new::<InboundConnector>(&new_signature(), args, ctx)
}
pub fn set(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::set::<InboundConnector>(&set_signature(), args, ctx)
}
pub fn get(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::get::<InboundConnector>(args, ctx)
}
pub fn remove(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::remove::<InboundConnector>(args, ctx)
}
