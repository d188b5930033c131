//! Inbound and outbound connectors: the TLS policy for mail to and from partner domains, with Exchange's validation rules.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

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

/// Outbound `TlsSettings`.
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
        }
    }

    /// Exchange's write-time rules (cmdlets.md 4.1). Returns every broken rule.
    pub fn validate(&self) -> Vec<String> {
        let mut errs = Vec::new();
        let dv = self.TlsSettings == Some(TlsAuthLevel::DomainValidation);
        match (&self.TlsDomain, dv) {
            (Some(_), false) => errs.push(
                "The TlsDomain parameter can only be set if TlsSettings is DomainValidation.".to_string(),
            ),
            (None, true) => errs.push(
                "TlsSettings DomainValidation needs a TlsDomain: the name the partner's certificate must match."
                    .to_string(),
            ),
            _ => {}
        }
        if self.TlsDomain.as_deref() == Some("*") {
            errs.push(
                "TlsDomain can't be '*': name the domain the certificate must match.".to_string(),
            );
        }
        if self.UseMXRecord && !self.SmartHosts.is_empty() {
            errs.push("UseMXRecord must be $false when SmartHosts are given.".to_string());
        }
        if !self.UseMXRecord && self.SmartHosts.is_empty() {
            errs.push("SmartHosts are required when UseMXRecord is $false.".to_string());
        }
        let routed = !self.RecipientDomains.is_empty() || self.AllAcceptedDomains;
        if routed == self.IsTransportRuleScoped {
            errs.push(if routed {
                "A connector scoped to transport rules (IsTransportRuleScoped $true) can't have RecipientDomains or AllAcceptedDomains.".to_string()
            } else {
                "Give RecipientDomains (or AllAcceptedDomains for OnPremises), or set IsTransportRuleScoped $true.".to_string()
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
            ] {
                if set {
                    errs.push(format!("{name} needs ConnectorType OnPremises."));
                }
            }
        }
        if self
            .Comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > 1024)
        {
            errs.push("Comment is longer than 1024 characters.".to_string());
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
        }
    }

    /// Exchange's write-time rules (cmdlets.md 4.1).
    pub fn validate(&self) -> Vec<String> {
        let mut errs = Vec::new();
        if self.SenderDomains.is_empty() {
            errs.push("SenderDomains is required.".to_string());
        }
        if self.ConnectorType == ConnectorType::OnPremises
            && self.SenderIPAddresses.is_empty()
            && self.TlsSenderCertificateName.is_none()
        {
            errs.push(
                "An OnPremises connector needs SenderIPAddresses or TlsSenderCertificateName."
                    .to_string(),
            );
        }
        if self.TlsSenderCertificateName.is_some() && !self.RequireTls {
            errs.push("TlsSenderCertificateName needs RequireTls $true.".to_string());
        }
        if self.RestrictDomainsToIPAddresses && self.SenderIPAddresses.is_empty() {
            errs.push("RestrictDomainsToIPAddresses $true needs SenderIPAddresses.".to_string());
        }
        if self.RestrictDomainsToIPAddresses && self.RestrictDomainsToCertificate {
            errs.push("RestrictDomainsToIPAddresses and RestrictDomainsToCertificate can't both be $true.".to_string());
        }
        if self.RestrictDomainsToCertificate && self.TlsSenderCertificateName.is_none() {
            errs.push(
                "RestrictDomainsToCertificate $true needs TlsSenderCertificateName.".to_string(),
            );
        }
        if self.CloudServicesMailEnabled && self.ConnectorType != ConnectorType::OnPremises {
            errs.push("CloudServicesMailEnabled needs ConnectorType OnPremises.".to_string());
        }
        if self.TreatMessagesAsInternal
            && (self.CloudServicesMailEnabled || self.ConnectorType != ConnectorType::OnPremises)
        {
            errs.push("TreatMessagesAsInternal needs ConnectorType OnPremises and CloudServicesMailEnabled $false.".to_string());
        }
        if self.TlsSenderCertificateName.as_deref() == Some("*") {
            errs.push("TlsSenderCertificateName can't be '*'.".to_string());
        }
        errs
    }
}
