//! A mailbox: lives in the directory; mailsec manages only its S/MIME certificate attributes.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cert::Cert;

/// In the desired state only `Guid`, `Name` and the certificate lists appear; a backend's
/// mailboxes fill the identity fields too. A certificate list that is absent is not managed;
/// an empty list is managed and means "no certificates".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mailbox {
    /// The directory object's id (objectGUID / entryUUID): stable across renames.
    #[serde(rename = "Guid")]
    pub guid: Uuid,
    /// For people and messages; identity is `Guid`.
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Alias", default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(
        rename = "DisplayName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub display_name: Option<String>,
    #[serde(
        rename = "PrimarySmtpAddress",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub primary_smtp_address: Option<String>,
    #[serde(
        rename = "UserPrincipalName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub user_principal_name: Option<String>,
    #[serde(
        rename = "EmailAddresses",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub email_addresses: Option<Vec<String>>,
    #[serde(
        rename = "DistinguishedName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub distinguished_name: Option<String>,
    /// DER X.509 certificates published on `userCertificate`.
    #[serde(
        rename = "UserCertificate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub user_certificate: Option<Vec<Cert>>,
    /// S/MIME blobs published on `userSMIMECertificate`.
    #[serde(
        rename = "UserSMimeCertificate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub user_smime_certificate: Option<Vec<Cert>>,
}
