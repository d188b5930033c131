//! New-, Set-, Get- and Remove-InboundConnector: require TLS (or a named certificate, or known IPs) for mail from partner domains.

use mailsec_state::backend::LiveState;
use mailsec_state::model::{DesiredState, InboundConnector, ObjectKind, Violation};
use mailsec_state::ops::Operation;
use mailsec_state::Uuid;
use serde_json::{json, Value as Json};

use crate::connector_common::{self as common, ConnectorKind};
use crate::context::{Bound, Context};
use crate::outbound_connector::{CONNECTOR_SOURCE, CONNECTOR_TYPE};
use crate::signature::{Check, ConfirmImpact, ParamType as T, Signature};
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
    fn validate(&self) -> Vec<Violation> {
        InboundConnector::validate(self)
    }
    fn layout() -> Vec<(&'static str, Json)> {
        vec![
            ("Enabled", json!(true)),
            ("ConnectorType", json!("Partner")),
            ("ConnectorSource", json!("Default")),
            ("Comment", json!(null)),
            ("SenderIPAddresses", json!([])),
            ("SenderDomains", json!([])),
            ("TrustedOrganizations", json!([])),
            ("ClientHostNames", json!([])),
            ("AssociatedAcceptedDomains", json!([])),
            ("RequireTls", json!(true)),
            ("RestrictDomainsToIPAddresses", json!(false)),
            ("RestrictDomainsToCertificate", json!(false)),
            ("CloudServicesMailEnabled", json!(false)),
            ("TreatMessagesAsInternal", json!(false)),
            ("TlsSenderCertificateName", json!(null)),
            ("EFTestMode", json!(false)),
            ("ScanAndDropRecipients", json!([])),
            ("EFSkipLastIP", json!(false)),
            ("EFSkipIPs", json!([])),
            ("EFSkipMailGateway", json!([])),
            ("EFUsers", json!([])),
            ("AdminDisplayName", json!("")),
        ]
    }
    /// Exchange returns sender domains as address spaces: `smtp:fabrikam.com;1`.
    fn shown(&self) -> Vec<(String, Value)> {
        vec![(
            "SenderDomains".into(),
            Value::array(
                self.SenderDomains
                    .iter()
                    .map(|d| Value::String(format!("smtp:{d};1")))
                    .collect(),
            ),
        )]
    }
}

fn params(s: Signature) -> Signature {
    s.checked(
        "AssociatedAcceptedDomains",
        T::MultiString,
        Check::Domain,
        "Apply the connector only to these accepted domains of the organization.",
    )
    .property(
        "CloudServicesMailEnabled",
        T::Bool,
        "Hybrid header handling; OnPremises only (default $false). Exchange's docs: don't set it by hand.",
    )
    .checked("Comment", T::String, Check::MaxLen(1024), "Free text, max 1024 characters.")
    .property(
        "ConnectorSource",
        CONNECTOR_SOURCE,
        "How the connector was made: Default (default), HybridWizard, Migrated or AdminUI.",
    )
    .property("ConnectorType", CONNECTOR_TYPE, "Partner (default) or OnPremises.")
    .checked(
        "EFSkipIPs",
        T::MultiString,
        Check::IpRange,
        "Enhanced Filtering: source IPs to skip (an IP, a range a-b or CIDR) when EFSkipLastIP is $false.",
    )
    .property(
        "EFSkipLastIP",
        T::Bool,
        "Enhanced Filtering: skip only the last hop (default $false).",
    )
    .checked(
        "EFSkipMailGateway",
        T::MultiString,
        Check::IpRange,
        "Reserved by Exchange for internal use.",
    )
    .property("EFTestMode", T::Bool, "Reserved by Exchange for internal use.")
    .checked(
        "EFUsers",
        T::MultiString,
        Check::Smtp,
        "Recipients Enhanced Filtering applies to (default: all).",
    )
    .property("Enabled", T::Bool, "Use the connector (default $true).")
    .property(
        "RequireTls",
        T::Bool,
        "Partner connectors: reject mail from these senders that does not arrive over TLS (default $true).",
    )
    .property(
        "RestrictDomainsToCertificate",
        T::Bool,
        "Partner connectors: accept only when the TLS certificate matches TlsSenderCertificateName (default $false).",
    )
    .property(
        "RestrictDomainsToIPAddresses",
        T::Bool,
        "Partner connectors: accept only from SenderIPAddresses (default $false).",
    )
    .checked(
        "ScanAndDropRecipients",
        T::MultiString,
        Check::Smtp,
        "Reserved by Exchange for internal use.",
    )
    .checked(
        "SenderIPAddresses",
        T::MultiString,
        Check::Ipv4Cidr24,
        "IPv4 addresses or CIDR ranges (/24 to /32) the partner sends from.",
    )
    .property(
        "TlsSenderCertificateName",
        T::TlsCertificate,
        "The domain the sender's TLS certificate must name (*.contoso.com allowed, * not); needs RequireTls.",
    )
    .property(
        "TreatMessagesAsInternal",
        T::Bool,
        "OnPremises only, without CloudServicesMailEnabled: treat the mail as internal (default $false).",
    )
    .checked(
        "TrustedOrganizations",
        T::MultiString,
        Check::Domain,
        "Other Microsoft 365 organizations trusted as sources; @{Add=..;Remove=..} edits.",
    )
    .should_process(ConfirmImpact::Medium)
}

pub fn new_signature() -> Signature {
    params(
        Signature::new(
            "New-InboundConnector",
            "Create an inbound connector: what TLS partner domains must use when they send to you.",
        )
        .required("Name", T::String, Some(0), "Unique name (max 64).")
        .push_param(
            crate::signature::ParamSpec::new(
                "SenderDomains",
                T::MultiString,
                crate::signature::Destination::Property("SenderDomains"),
                "Sender domains this connector applies to (*.contoso.com covers subdomains; * is all; smtp:domain;1 accepted).",
            )
            .mandatory()
            .check(Check::SenderDomain),
        )
        .checked(
            "ClientHostNames",
            T::MultiString,
            Check::Domain,
            "Undocumented by Exchange (New-InboundConnector only).",
        ),
    )
    .example(
        "Require TLS from a partner",
        "New-InboundConnector -Name 'Fabrikam inbound' -SenderDomains fabrikam.com -RequireTls $true",
    )
    .example(
        "Accept the partner's mail only from its servers' addresses",
        "New-InboundConnector 'Woodgrove inbound' -SenderDomains woodgrove.example,*.woodgrove.example -SenderIPAddresses 192.0.2.0/24,198.51.100.7 -RestrictDomainsToIPAddresses $true",
    )
}

pub fn set_signature() -> Signature {
    params(
        Signature::new("Set-InboundConnector", "Change an inbound connector.")
            .identity(
                "InboundConnectorIdParameter",
                true,
                "The connector: name, DN or GUID.",
            )
            .checked(
                "Name",
                T::String,
                Check::Name,
                "Rename the connector (max 64); its Guid stays.",
            )
            .checked(
                "SenderDomains",
                T::MultiString,
                Check::SenderDomain,
                "Sender domains this connector applies to; @{Add=..;Remove=..} edits.",
            ),
    )
    .example(
        "Require the partner's certificate",
        "Set-InboundConnector 'Fabrikam inbound' -TlsSenderCertificateName mail.fabrikam.com -RestrictDomainsToCertificate $true",
    )
}

pub fn get_signature() -> Signature {
    Signature::new("Get-InboundConnector", "Show inbound connectors.")
        .identity(
            "InboundConnectorIdParameter",
            false,
            "Name, DN or GUID. Omit it to list every connector.",
        )
        .query(
            "ResultSize",
            T::Unlimited,
            "How many to return: a number or Unlimited (default 1000).",
        )
        .example("List connectors", "Get-InboundConnector")
        .example(
            "One connector, by name",
            "Get-InboundConnector -Identity 'Fabrikam inbound'",
        )
}

pub fn remove_signature() -> Signature {
    Signature::new(
        "Remove-InboundConnector",
        "Remove an inbound connector; apply deletes it from the gateway.",
    )
    .identity(
        "InboundConnectorIdParameter",
        true,
        "The connector: name, DN or GUID.",
    )
    .should_process(ConfirmImpact::High)
    .example(
        "Remove without a prompt",
        "Remove-InboundConnector 'Fabrikam inbound' -Confirm:$false",
    )
}

pub fn new(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::new::<InboundConnector>(
        crate::registry::signature("New-InboundConnector"),
        args,
        ctx,
    )
}
pub fn set(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::set::<InboundConnector>(
        crate::registry::signature("Set-InboundConnector"),
        args,
        ctx,
    )
}
pub fn get(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::get::<InboundConnector>(args, ctx, |_| true)
}
pub fn remove(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::remove::<InboundConnector>(args, ctx)
}
