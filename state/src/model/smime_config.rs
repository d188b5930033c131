//! The organization's S/MIME configuration (Get/Set-SmimeConfig): OWA settings and the trusted issuing CAs.

use serde::{Deserialize, Serialize};

use crate::cert::Cert;

/// Every field is optional: absent means mailsec does not manage it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
pub struct SmimeConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWAAllowUserChoiceOfSigningCertificate: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWAAlwaysEncrypt: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWAAlwaysSign: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWABCCEncryptedEmailForking: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWACheckCRLOnSend: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWAClearSign: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWACopyRecipientHeaders: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWACRLConnectionTimeout: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWACRLRetrievalTimeout: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWADisableCRLCheck: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWADLExpansionTimeout: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWAEncryptionAlgorithms: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWAEncryptTemporaryBuffers: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWAForceSMIMEClientUpgrade: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWAIncludeCertificateChainAndRootCertificate: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWAIncludeCertificateChainWithoutRootCertificate: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWAIncludeSMIMECapabilitiesInMessage: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWAOnlyUseSmartCard: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWASenderCertificateAttributesToDisplay: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWASignedEmailCertificateInclusion: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWASigningAlgorithms: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWATripleWrapSignedEncryptedMail: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWAUseKeyIdentifier: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub OWAUseSecondaryProxiesWhenFindingCertificates: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub NoSignOnReply: Option<bool>,
    /// The trusted root and intermediate CAs, exactly as uploaded (.sst, PKCS#7, DER or PEM).
    /// `null`: managed and cleared.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::double_option"
    )]
    #[schemars(with = "Option<Cert>")]
    pub SMIMECertificateIssuingCA: Option<Option<Cert>>,
}
