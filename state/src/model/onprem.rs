//! On-premises TLS (cmdlets.md 5): send and receive connectors and the organization's Domain Secure lists.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::connector::TlsAuthLevel;
use super::Violation;

fn yes() -> bool {
    true
}

fn port_25() -> u16 {
    25
}

/// A send connector's TLS-relevant properties (New/Set-SendConnector).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct SendConnector {
    pub Guid: Uuid,
    pub Name: String,
    /// `Type:Space;Cost`, e.g. `SMTP:contoso.com;1`.
    #[serde(default)]
    pub AddressSpaces: Vec<String>,
    #[serde(default)]
    pub CloudServicesMailEnabled: bool,
    #[serde(default = "yes")]
    pub DNSRoutingEnabled: bool,
    #[serde(default)]
    pub DomainSecureEnabled: bool,
    #[serde(default = "yes")]
    pub Enabled: bool,
    #[serde(default)]
    pub IgnoreSTARTTLS: bool,
    #[serde(default = "port_25")]
    pub Port: u16,
    #[serde(default)]
    pub RequireTLS: bool,
    /// None, BasicAuth, BasicAuthRequireTLS, ExchangeServer or ExternalAuthoritative.
    #[serde(default)]
    pub SmartHostAuthMechanism: Option<String>,
    #[serde(default)]
    pub SmartHosts: Vec<String>,
    #[serde(default)]
    pub TlsAuthLevel: Option<TlsAuthLevel>,
    /// `<I>issuer<S>subject` of the local certificate.
    #[serde(default)]
    pub TlsCertificateName: Option<String>,
    #[serde(default)]
    pub TlsDomain: Option<String>,
    /// Custom (default), Internal, Internet or Partner.
    #[serde(default)]
    pub Usage: Option<String>,
}

impl SendConnector {
    pub fn new(guid: Uuid, name: &str) -> Self {
        SendConnector {
            Guid: guid,
            Name: name.to_string(),
            AddressSpaces: Vec::new(),
            CloudServicesMailEnabled: false,
            DNSRoutingEnabled: true,
            DomainSecureEnabled: false,
            Enabled: true,
            IgnoreSTARTTLS: false,
            Port: 25,
            RequireTLS: false,
            SmartHostAuthMechanism: None,
            SmartHosts: Vec::new(),
            TlsAuthLevel: None,
            TlsCertificateName: None,
            TlsDomain: None,
            Usage: None,
        }
    }

    /// The rules of cmdlets.md 5.1 that one send connector must satisfy.
    pub fn validate(&self) -> Vec<Violation> {
        let mut errs = Vec::new();
        let v = |p: &'static str, m: &str| Violation::new(p, m);
        if self.AddressSpaces.is_empty() {
            errs.push(v("AddressSpaces", "AddressSpaces is required: the domains this connector sends to, e.g. SMTP:contoso.com;1."));
        }
        if self.DNSRoutingEnabled && !self.SmartHosts.is_empty() {
            errs.push(v(
                "DNSRoutingEnabled",
                "DNSRoutingEnabled must be $false when SmartHosts are given.",
            ));
        }
        if !self.DNSRoutingEnabled && self.SmartHosts.is_empty() {
            errs.push(v(
                "SmartHosts",
                "SmartHosts are required when DNSRoutingEnabled is $false.",
            ));
        }
        if self.RequireTLS && self.IgnoreSTARTTLS {
            errs.push(v(
                "IgnoreSTARTTLS",
                "IgnoreSTARTTLS must be $false when RequireTLS is $true.",
            ));
        }
        if self.TlsAuthLevel.is_some() && (self.IgnoreSTARTTLS || !self.RequireTLS) {
            errs.push(v("TlsAuthLevel", "The TlsAuthLevel parameter can't be set when IgnoreSTARTTLS is $true or RequireTLS is $false."));
        }
        let dv = self.TlsAuthLevel == Some(TlsAuthLevel::DomainValidation);
        if self.TlsDomain.is_some() && !dv {
            errs.push(v(
                "TlsDomain",
                "The TLSDomain parameter can only be set if the TLSAuthLevel parameter is set to DomainValidation.",
            ));
        }
        if dv && !self.DNSRoutingEnabled && self.TlsDomain.is_none() {
            errs.push(v("TlsDomain", "TlsAuthLevel DomainValidation on a smart-host connector (DNSRoutingEnabled $false) needs a TlsDomain."));
        }
        if self.DomainSecureEnabled {
            if !self.DNSRoutingEnabled {
                errs.push(v(
                    "DomainSecureEnabled",
                    "DomainSecureEnabled needs DNSRoutingEnabled $true.",
                ));
            }
            if self.IgnoreSTARTTLS {
                errs.push(v(
                    "DomainSecureEnabled",
                    "DomainSecureEnabled needs IgnoreSTARTTLS $false.",
                ));
            }
            if self.AddressSpaces.iter().any(|a| a.contains('*')) {
                errs.push(v(
                    "DomainSecureEnabled",
                    "DomainSecureEnabled can't be used with wildcard address spaces.",
                ));
            }
        }
        errs
    }

    /// The domains of the SMTP address spaces (`SMTP:contoso.com;1` → `contoso.com`).
    pub fn domains(&self) -> Vec<String> {
        self.AddressSpaces
            .iter()
            .filter_map(|a| {
                let (ty, rest) = a.split_once(':').unwrap_or(("SMTP", a));
                ty.eq_ignore_ascii_case("smtp")
                    .then(|| rest.split(';').next().unwrap_or(rest).to_string())
            })
            .collect()
    }
}

/// A receive connector's TLS-relevant properties (New/Set-ReceiveConnector).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct ReceiveConnector {
    pub Guid: Uuid,
    pub Name: String,
    /// `IP:port` pairs the connector listens on.
    #[serde(default)]
    pub Bindings: Vec<String>,
    /// Remote addresses it accepts: single IPs, ranges or CIDR.
    #[serde(default)]
    pub RemoteIPRanges: Vec<String>,
    /// Flags, as Exchange lists them: e.g. `Tls, BasicAuth`.
    #[serde(default)]
    pub AuthMechanism: Option<String>,
    #[serde(default)]
    pub DomainSecureEnabled: bool,
    #[serde(default)]
    pub Fqdn: Option<String>,
    /// Flags, as Exchange lists them: e.g. `AnonymousUsers, ExchangeServers`.
    #[serde(default)]
    pub PermissionGroups: Option<String>,
    #[serde(default)]
    pub RequireTLS: bool,
    #[serde(default)]
    pub SuppressXAnonymousTls: bool,
    #[serde(default)]
    pub TlsCertificateName: Option<String>,
    #[serde(default)]
    pub TlsDomainCapabilities: Vec<String>,
    /// FrontendTransport or HubTransport.
    #[serde(default)]
    pub TransportRole: Option<String>,
    /// Custom, Internet, Partner, Internal or Client (chosen at creation).
    #[serde(default)]
    pub Usage: Option<String>,
}

impl ReceiveConnector {
    pub fn new(guid: Uuid, name: &str) -> Self {
        ReceiveConnector {
            Guid: guid,
            Name: name.to_string(),
            Bindings: Vec::new(),
            RemoteIPRanges: Vec::new(),
            AuthMechanism: None,
            DomainSecureEnabled: false,
            Fqdn: None,
            PermissionGroups: None,
            RequireTLS: false,
            SuppressXAnonymousTls: false,
            TlsCertificateName: None,
            TlsDomainCapabilities: Vec::new(),
            TransportRole: None,
            Usage: None,
        }
    }

    fn mechanisms(&self) -> Vec<String> {
        self.AuthMechanism
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// The rules of cmdlets.md 5.1 that one receive connector must satisfy.
    pub fn validate(&self) -> Vec<Violation> {
        let mut errs = Vec::new();
        let v = |p: &'static str, m: &str| Violation::new(p, m);
        let mech = self.mechanisms();
        let has = |m: &str| mech.iter().any(|x| x == m);
        if self.RequireTLS && !has("tls") {
            errs.push(v(
                "AuthMechanism",
                "AuthMechanism must contain Tls when RequireTLS is $true.",
            ));
        }
        if self.DomainSecureEnabled && (!has("tls") || has("externalauthoritative")) {
            errs.push(v(
                "DomainSecureEnabled",
                "DomainSecureEnabled needs AuthMechanism Tls (and not ExternalAuthoritative).",
            ));
        }
        if has("basicauthrequiretls") && !(has("basicauth") && has("tls")) {
            errs.push(v(
                "AuthMechanism",
                "AuthMechanism BasicAuthRequireTLS also needs BasicAuth and Tls.",
            ));
        }
        if has("externalauthoritative") {
            let groups = self
                .PermissionGroups
                .as_deref()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if !has("tls") || groups.replace(' ', "") != "exchangeservers" {
                errs.push(v("AuthMechanism", "AuthMechanism ExternalAuthoritative needs Tls and PermissionGroups ExchangeServers."));
            }
        }
        if has("none") && mech.len() > 1 {
            errs.push(v(
                "AuthMechanism",
                "AuthMechanism None can't be combined with other mechanisms.",
            ));
        }
        if self.Bindings.is_empty() {
            errs.push(v(
                "Bindings",
                "Bindings is required: the IP:port pairs the connector listens on.",
            ));
        }
        if self.RemoteIPRanges.is_empty() {
            errs.push(v(
                "RemoteIPRanges",
                "RemoteIPRanges is required: the remote addresses the connector accepts.",
            ));
        }
        errs
    }
}

/// Set-TransportConfig's TLS settings. Every field is optional: absent means not managed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct TransportConfig {
    /// Domains to receive Domain Secure (mutual TLS) mail from; no wildcards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub TLSReceiveDomainSecureList: Option<Vec<String>>,
    /// Domains to send Domain Secure (mutual TLS) mail to; no wildcards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub TLSSendDomainSecureList: Option<Vec<String>>,
    /// Exchange Online: turn SMTP AUTH off for the organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub SmtpClientAuthenticationDisabled: Option<bool>,
    /// Exchange Online (undocumented).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub AllowLegacyTLSClients: Option<bool>,
}
