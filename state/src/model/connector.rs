//! Inbound and outbound connectors: the TLS policy for mail to and from partner domains, with Exchange's validation rules.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Violation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Direction {
    Inbound,
    Outbound,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum ConnectorType {
    #[default]
    Partner,
    OnPremises,
}

/// How a connector was created (`TenantConnectorSource`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum ConnectorSource {
    #[default]
    Default,
    Migrated,
    HybridWizard,
    AdminUI,
}

/// Outbound `TlsSettings`; on-premises send connectors' `TlsAuthLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum TlsAuthLevel {
    EncryptionOnly,
    CertificateValidation,
    DomainValidation,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum MtaStsMode {
    #[default]
    Opportunistic,
    None,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
pub enum SmtpDaneMode {
    #[default]
    Opportunistic,
    Mandatory,
    None,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct OutboundConnector {
    pub Guid: Uuid,
    pub Name: String,
    #[serde(default = "yes")]
    pub Enabled: bool,
    #[serde(default)]
    pub ConnectorType: ConnectorType,
    #[serde(default)]
    pub Comment: Option<String>,
    /// Domains routed through this connector (`*.contoso.com` covers subdomains).
    #[serde(default)]
    pub RecipientDomains: Vec<String>,
    #[serde(default = "yes")]
    pub UseMXRecord: bool,
    #[serde(default)]
    pub SmartHosts: Vec<String>,
    /// `null`: no TLS level configured (opportunistic).
    #[serde(default)]
    pub TlsSettings: Option<TlsAuthLevel>,
    /// The name the partner's certificate must match; only with `DomainValidation`.
    #[serde(default)]
    pub TlsDomain: Option<String>,
    #[serde(default)]
    pub IsTransportRuleScoped: bool,
    #[serde(default)]
    pub AllAcceptedDomains: bool,
    #[serde(default)]
    pub RouteAllMessagesViaOnPremises: bool,
    #[serde(default)]
    pub CloudServicesMailEnabled: bool,
    #[serde(default)]
    pub SenderRewritingEnabled: bool,
    #[serde(default)]
    pub TestMode: bool,
    #[serde(default)]
    pub MtaStsMode: MtaStsMode,
    #[serde(default)]
    pub SmtpDaneMode: SmtpDaneMode,
    /// How the connector was created: Default, HybridWizard, Migrated or AdminUI. Absent: Default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ConnectorSource: Option<ConnectorSource>,
    /// Reserved by Exchange (New-OutboundConnector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub LinkForModifiedConnector: Option<Uuid>,
    /// Set by validation (Set-OutboundConnector). Absent: $false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub IsValidated: Option<bool>,
    /// UTC time of the last validation, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub LastValidationTimestamp: Option<String>,
    /// Addresses validation sends to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ValidationRecipients: Option<Vec<String>>,
}

impl OutboundConnector {
    /// A connector as New-OutboundConnector creates it before its parameters are applied.
    pub fn new(guid: Uuid, name: &str) -> Self {
        OutboundConnector {
            Guid: guid,
            Name: name.to_string(),
            Enabled: true,
            ConnectorType: ConnectorType::Partner,
            Comment: None,
            RecipientDomains: Vec::new(),
            UseMXRecord: true,
            SmartHosts: Vec::new(),
            TlsSettings: None,
            TlsDomain: None,
            IsTransportRuleScoped: false,
            AllAcceptedDomains: false,
            RouteAllMessagesViaOnPremises: false,
            CloudServicesMailEnabled: false,
            SenderRewritingEnabled: false,
            TestMode: false,
            MtaStsMode: MtaStsMode::Opportunistic,
            SmtpDaneMode: SmtpDaneMode::Opportunistic,
            ConnectorSource: None,
            LinkForModifiedConnector: None,
            IsValidated: None,
            LastValidationTimestamp: None,
            ValidationRecipients: None,
        }
    }

    /// Exchange's write-time rules (cmdlets.md 4.1). Returns every broken rule.
    pub fn validate(&self) -> Vec<Violation> {
        let mut errs = Vec::new();
        let dv = self.TlsSettings == Some(TlsAuthLevel::DomainValidation);
        match (&self.TlsDomain, dv) {
            (Some(_), false) => errs.push(Violation::new(
                "TlsDomain",
                "The TlsDomain parameter can only be set if TlsSettings is DomainValidation.",
            )),
            (None, true) => errs.push(Violation::new(
                "TlsDomain",
                "TlsSettings DomainValidation needs a TlsDomain: the name the partner's certificate must match.",
            )),
            _ => {}
        }
        if self.TlsDomain.as_deref() == Some("*") {
            errs.push(Violation::new(
                "TlsDomain",
                "TlsDomain can't be '*': name the domain the certificate must match.",
            ));
        }
        if self.UseMXRecord && !self.SmartHosts.is_empty() {
            errs.push(Violation::new(
                "UseMXRecord",
                "UseMXRecord must be $false when SmartHosts are given.",
            ));
        }
        if !self.UseMXRecord && self.SmartHosts.is_empty() {
            errs.push(Violation::new(
                "SmartHosts",
                "SmartHosts are required when UseMXRecord is $false.",
            ));
        }
        let routed = !self.RecipientDomains.is_empty() || self.AllAcceptedDomains;
        if routed == self.IsTransportRuleScoped {
            errs.push(if routed {
                Violation::new("IsTransportRuleScoped", "A connector scoped to transport rules (IsTransportRuleScoped $true) can't have RecipientDomains or AllAcceptedDomains.")
            } else {
                Violation::new("RecipientDomains", "Give RecipientDomains (or AllAcceptedDomains for OnPremises), or set IsTransportRuleScoped $true.")
            });
        }
        if self.ConnectorType != ConnectorType::OnPremises {
            for (set, name) in [
                (
                    self.RouteAllMessagesViaOnPremises,
                    "RouteAllMessagesViaOnPremises",
                ),
                (self.CloudServicesMailEnabled, "CloudServicesMailEnabled"),
                (self.AllAcceptedDomains, "AllAcceptedDomains"),
                (self.SenderRewritingEnabled, "SenderRewritingEnabled"),
            ] {
                if set {
                    errs.push(Violation::new(
                        name,
                        format!("{name} needs ConnectorType OnPremises."),
                    ));
                }
            }
        }
        if self
            .Comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > 1024)
        {
            errs.push(Violation::new(
                "Comment",
                "Comment is longer than 1024 characters.",
            ));
        }
        errs
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct InboundConnector {
    pub Guid: Uuid,
    pub Name: String,
    #[serde(default = "yes")]
    pub Enabled: bool,
    #[serde(default)]
    pub ConnectorType: ConnectorType,
    #[serde(default)]
    pub Comment: Option<String>,
    /// Sender domains this connector applies to (`*` = all).
    #[serde(default)]
    pub SenderDomains: Vec<String>,
    #[serde(default)]
    pub SenderIPAddresses: Vec<String>,
    /// Reject mail from these senders that does not arrive over TLS.
    #[serde(default = "yes")]
    pub RequireTls: bool,
    #[serde(default)]
    pub RestrictDomainsToCertificate: bool,
    #[serde(default)]
    pub RestrictDomainsToIPAddresses: bool,
    #[serde(default)]
    pub TlsSenderCertificateName: Option<String>,
    #[serde(default)]
    pub CloudServicesMailEnabled: bool,
    #[serde(default)]
    pub TreatMessagesAsInternal: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub AssociatedAcceptedDomains: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ClientHostNames: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ConnectorSource: Option<ConnectorSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub EFSkipIPs: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub EFSkipLastIP: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub EFSkipMailGateway: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub EFTestMode: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub EFUsers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ScanAndDropRecipients: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub TrustedOrganizations: Option<Vec<String>>,
}

impl InboundConnector {
    pub fn new(guid: Uuid, name: &str) -> Self {
        InboundConnector {
            Guid: guid,
            Name: name.to_string(),
            Enabled: true,
            ConnectorType: ConnectorType::Partner,
            Comment: None,
            SenderDomains: Vec::new(),
            SenderIPAddresses: Vec::new(),
            RequireTls: true,
            RestrictDomainsToCertificate: false,
            RestrictDomainsToIPAddresses: false,
            TlsSenderCertificateName: None,
            CloudServicesMailEnabled: false,
            TreatMessagesAsInternal: false,
            AssociatedAcceptedDomains: None,
            ClientHostNames: None,
            ConnectorSource: None,
            EFSkipIPs: None,
            EFSkipLastIP: None,
            EFSkipMailGateway: None,
            EFTestMode: None,
            EFUsers: None,
            ScanAndDropRecipients: None,
            TrustedOrganizations: None,
        }
    }

    /// Exchange's write-time rules (cmdlets.md 4.1).
    pub fn validate(&self) -> Vec<Violation> {
        let mut errs = Vec::new();
        let v = |p: &'static str, m: &str| Violation::new(p, m);
        if self.SenderDomains.is_empty() {
            errs.push(v("SenderDomains", "SenderDomains is required."));
        }
        if self.ConnectorType == ConnectorType::OnPremises
            && self.SenderIPAddresses.is_empty()
            && self.TlsSenderCertificateName.is_none()
        {
            errs.push(v(
                "ConnectorType",
                "An OnPremises connector needs SenderIPAddresses or TlsSenderCertificateName.",
            ));
        }
        if self.TlsSenderCertificateName.is_some() && !self.RequireTls {
            errs.push(v(
                "RequireTls",
                "TlsSenderCertificateName needs RequireTls $true.",
            ));
        }
        if self.RestrictDomainsToIPAddresses && self.SenderIPAddresses.is_empty() {
            errs.push(v(
                "RestrictDomainsToIPAddresses",
                "RestrictDomainsToIPAddresses $true needs SenderIPAddresses.",
            ));
        }
        if self.RestrictDomainsToIPAddresses && self.RestrictDomainsToCertificate {
            errs.push(v(
                "RestrictDomainsToCertificate",
                "RestrictDomainsToIPAddresses and RestrictDomainsToCertificate can't both be $true.",
            ));
        }
        if self.RestrictDomainsToCertificate && self.TlsSenderCertificateName.is_none() {
            errs.push(v(
                "RestrictDomainsToCertificate",
                "RestrictDomainsToCertificate $true needs TlsSenderCertificateName.",
            ));
        }
        if self.CloudServicesMailEnabled && self.ConnectorType != ConnectorType::OnPremises {
            errs.push(v(
                "CloudServicesMailEnabled",
                "CloudServicesMailEnabled needs ConnectorType OnPremises.",
            ));
        }
        if self.TreatMessagesAsInternal
            && (self.CloudServicesMailEnabled || self.ConnectorType != ConnectorType::OnPremises)
        {
            errs.push(v("TreatMessagesAsInternal", "TreatMessagesAsInternal needs ConnectorType OnPremises and CloudServicesMailEnabled $false."));
        }
        if self.TlsSenderCertificateName.as_deref() == Some("*") {
            errs.push(v(
                "TlsSenderCertificateName",
                "TlsSenderCertificateName can't be '*'.",
            ));
        }
        if self
            .Comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > 1024)
        {
            errs.push(v("Comment", "Comment is longer than 1024 characters."));
        }
        errs
    }
}
