//! New-, Set-, Get- and Remove-OutboundConnector: TLS for mail to partner domains (EncryptionOnly, CertificateValidation, DomainValidation).

use mailsec_state::backend::LiveState;
use mailsec_state::model::{DesiredState, ObjectKind, OutboundConnector, Violation};
use mailsec_state::ops::Operation;
use mailsec_state::Uuid;
use serde_json::{json, Value as Json};

use crate::connector_common::{self as common, ConnectorKind};
use crate::context::{Bound, Context};
use crate::convert::to_bool;
use crate::signature::{Check, ConfirmImpact, ParamType as T, Signature};
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
    fn validate(&self) -> Vec<Violation> {
        OutboundConnector::validate(self)
    }
    fn layout() -> Vec<(&'static str, Json)> {
        vec![
            ("Enabled", json!(true)),
            ("UseMXRecord", json!(true)),
            ("Comment", json!(null)),
            ("ConnectorType", json!("Partner")),
            ("ConnectorSource", json!("Default")),
            ("RecipientDomains", json!([])),
            ("SmartHosts", json!([])),
            ("TlsDomain", json!(null)),
            ("TlsSettings", json!(null)),
            ("IsTransportRuleScoped", json!(false)),
            ("RouteAllMessagesViaOnPremises", json!(false)),
            ("CloudServicesMailEnabled", json!(false)),
            ("AllAcceptedDomains", json!(false)),
            ("SenderRewritingEnabled", json!(false)),
            ("MtaStsMode", json!("Opportunistic")),
            ("SmtpDaneMode", json!("Opportunistic")),
            ("TestMode", json!(false)),
            ("ValidationRecipients", json!([])),
            ("IsValidated", json!(false)),
            ("LastValidationTimestamp", json!(null)),
            ("LinkForModifiedConnector", json!(null)),
            ("AdminDisplayName", json!("")),
        ]
    }
}

const TLS_LEVELS: T = T::Enum(
    "TlsAuthLevel",
    &[
        "EncryptionOnly",
        "CertificateValidation",
        "DomainValidation",
    ],
);
pub(crate) const CONNECTOR_TYPE: T = T::Enum("TenantConnectorType", &["Partner", "OnPremises"]);
pub(crate) const CONNECTOR_SOURCE: T = T::Enum(
    "TenantConnectorSource",
    &["Default", "Migrated", "HybridWizard", "AdminUI"],
);

fn params(s: Signature) -> Signature {
    s.property(
        "AllAcceptedDomains",
        T::Bool,
        "OnPremises only: use the connector for every accepted domain (default $false).",
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
    .property("Enabled", T::Bool, "Use the connector (default $true).")
    .property(
        "IsTransportRuleScoped",
        T::Bool,
        "Used only through a mail-flow rule (default $false); then no RecipientDomains.",
    )
    .property(
        "MtaStsMode",
        T::Enum("MtaStsMode", &["Opportunistic", "None"]),
        "Opportunistic (default) or None.",
    )
    .checked(
        "RecipientDomains",
        T::MultiString,
        Check::Domain,
        "Domains whose mail goes through this connector; *.contoso.com covers subdomains.",
    )
    .property(
        "RouteAllMessagesViaOnPremises",
        T::Bool,
        "OnPremises only: route all mail through on-premises (default $false).",
    )
    .property(
        "SenderRewritingEnabled",
        T::Bool,
        "OnPremises only: SRS rewriting (default $false).",
    )
    .checked(
        "SmartHosts",
        T::MultiString,
        Check::SmartHost,
        "FQDNs, IP addresses or CIDR ranges to deliver to (no port); required when UseMXRecord is $false.",
    )
    .property(
        "SmtpDaneMode",
        T::Enum("SmtpDaneMode", &["Opportunistic", "Mandatory", "None"]),
        "Opportunistic (default), Mandatory or None.",
    )
    .property("TestMode", T::Bool, "Default $false.")
    .property(
        "TlsDomain",
        T::Domain,
        "The name the partner's certificate must match (*.contoso.com allowed); only and always with DomainValidation.",
    )
    .property(
        "TlsSettings",
        TLS_LEVELS,
        "EncryptionOnly, CertificateValidation or DomainValidation; $null: no TLS level configured.",
    )
    .property(
        "UseMXRecord",
        T::Bool,
        "$true (default): deliver by MX lookup; $false: to SmartHosts.",
    )
    .should_process(ConfirmImpact::Medium)
}

pub fn new_signature() -> Signature {
    params(
        Signature::new(
            "New-OutboundConnector",
            "Create an outbound connector: how mail to partner domains is protected.",
        )
        .required("Name", T::String, Some(0), "Unique name (max 64)."),
    )
    .property(
        "LinkForModifiedConnector",
        T::Guid,
        "Reserved by Exchange for internal use.",
    )
    .example(
        "Force TLS with domain validation for a partner",
        "New-OutboundConnector -Name 'Fabrikam TLS' -RecipientDomains fabrikam.com -TlsSettings DomainValidation -TlsDomain mail.fabrikam.com",
    )
    .example(
        "Deliver to the partner's smart hosts, requiring a valid certificate",
        "New-OutboundConnector 'Woodgrove relay' -RecipientDomains woodgrove.example,*.woodgrove.example -UseMXRecord $false -SmartHosts relay1.woodgrove.example,192.0.2.25 -TlsSettings CertificateValidation",
    )
}

pub fn set_signature() -> Signature {
    params(
        Signature::new("Set-OutboundConnector", "Change an outbound connector.")
            .identity(
                "OutboundConnectorIdParameter",
                true,
                "The connector: name, DN or GUID.",
            )
            .property(
                "IsValidated",
                T::Bool,
                "Set by validation (default $false).",
            )
            .property(
                "LastValidationTimestamp",
                T::DateTime,
                "UTC time of the last validation.",
            )
            .checked(
                "Name",
                T::String,
                Check::Name,
                "Rename the connector (max 64); its Guid stays.",
            )
            .checked(
                "ValidationRecipients",
                T::StringArray,
                Check::Smtp,
                "Addresses validation sends test messages to.",
            ),
    )
    .example(
        "Require a valid certificate instead of a named domain",
        "Set-OutboundConnector 'Fabrikam TLS' -TlsSettings CertificateValidation -TlsDomain $null",
    )
    .example(
        "Add a domain, keep the others",
        "Set-OutboundConnector 'Fabrikam TLS' -RecipientDomains @{Add='fabrikam.org'}",
    )
}

pub fn get_signature() -> Signature {
    Signature::new("Get-OutboundConnector", "Show outbound connectors.")
        .identity(
            "OutboundConnectorIdParameter",
            false,
            "Name, DN or GUID. Omit it to list every connector.",
        )
        .query(
            "IncludeTestModeConnectors",
            T::Bool,
            "$true: only connectors in test mode; $false: only those not in test mode.",
        )
        .query(
            "IsTransportRuleScoped",
            T::Bool,
            "$true: only rule-scoped connectors; $false: only the others.",
        )
        .query(
            "ResultSize",
            T::Unlimited,
            "How many to return: a number or Unlimited (default 1000).",
        )
        .example("List connectors", "Get-OutboundConnector")
        .example(
            "Only the connectors in test mode",
            "Get-OutboundConnector -IncludeTestModeConnectors $true",
        )
}

pub fn remove_signature() -> Signature {
    Signature::new(
        "Remove-OutboundConnector",
        "Remove an outbound connector; apply deletes it from the gateway.",
    )
    .identity(
        "OutboundConnectorIdParameter",
        true,
        "The connector: name, DN or GUID.",
    )
    .should_process(ConfirmImpact::High)
    .example(
        "Remove without a prompt",
        "Remove-OutboundConnector 'Fabrikam TLS' -Confirm:$false",
    )
}

pub fn new(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::new::<OutboundConnector>(
        crate::registry::signature("New-OutboundConnector"),
        args,
        ctx,
    )
}
pub fn set(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::set::<OutboundConnector>(
        crate::registry::signature("Set-OutboundConnector"),
        args,
        ctx,
    )
}
pub fn get(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let flag = |p: &str| -> Result<Option<bool>, CmdletError> {
        match args.get(p) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => to_bool(p, v).map(Some),
        }
    };
    let test_mode = flag("IncludeTestModeConnectors")?;
    let rule_scoped = flag("IsTransportRuleScoped")?;
    common::get::<OutboundConnector>(args, ctx, |c| {
        test_mode.is_none_or(|t| c.TestMode == t)
            && rule_scoped.is_none_or(|r| c.IsTransportRuleScoped == r)
    })
}
pub fn remove(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    common::remove::<OutboundConnector>(args, ctx)
}
