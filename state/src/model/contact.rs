//! A mail contact (an external recipient, e.g. a partner's address with its S/MIME certificate).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cert::Cert;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MailContact {
    #[serde(rename = "Guid")]
    pub guid: Uuid,
    #[serde(rename = "Name")]
    pub name: String,
    /// `SMTP:partner@example.com`: where mail to this contact goes.
    #[serde(rename = "ExternalEmailAddress")]
    pub external_email_address: String,
    #[serde(rename = "Alias", default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(
        rename = "DisplayName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub display_name: Option<String>,
    #[serde(rename = "FirstName", default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(rename = "LastName", default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(
        rename = "PrimarySmtpAddress",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub primary_smtp_address: Option<String>,
    #[serde(
        rename = "EmailAddresses",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub email_addresses: Option<Vec<String>>,
    #[serde(
        rename = "HiddenFromAddressListsEnabled",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub hidden_from_address_lists_enabled: Option<bool>,
    #[serde(
        rename = "DistinguishedName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub distinguished_name: Option<String>,
    #[serde(
        rename = "UserCertificate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub user_certificate: Option<Vec<Cert>>,
    #[serde(
        rename = "UserSMimeCertificate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub user_smime_certificate: Option<Vec<Cert>>,
}
