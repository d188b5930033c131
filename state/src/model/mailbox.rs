//! A mailbox: lives in the directory; mailsec manages the attributes the desired state sets (S/MIME
//! certificates, and the basic identity and address properties of Set-Mailbox).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cert::Cert;

/// In the desired state only `Guid`, `Name` and the managed attributes appear; a backend's mailboxes fill the
/// identity fields too. Every optional attribute that is absent is not managed; a certificate list that is
/// empty is managed and means "no certificates".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct Mailbox {
    /// The directory object's id (objectGUID / entryUUID): stable across renames.
    pub guid: Uuid,
    /// For people and messages; identity is `Guid`. Set-Mailbox -Name renames the mailbox.
    pub name: String,
    /// Mail nickname (mailNickname).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_smtp_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    /// Proxy addresses: `SMTP:` primary, `smtp:` secondary, other prefixes as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_addresses: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinguished_name: Option<String>,
    /// DER X.509 certificates published on `userCertificate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_certificate: Option<Vec<Cert>>,
    /// S/MIME blobs published on `userSMIMECertificate`.
    #[serde(
        rename = "UserSMimeCertificate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub user_smime_certificate: Option<Vec<Cert>>,
    /// AD `mail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows_email_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address_policy_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden_from_address_lists_enabled: Option<bool>,
    #[serde(
        rename = "MicrosoftOnlineServicesID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub microsoft_online_services_id: Option<String>,
    /// The directory's account name (read from the backend; `DOMAIN\name` finds the mailbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sam_account_name: Option<String>,
    /// Read from the backend; finds the mailbox as an identity.
    #[serde(
        rename = "LegacyExchangeDN",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub legacy_exchange_dn: Option<String>,
    /// Free text (max 1024).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_attribute1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_attribute2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_attribute3: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_attribute4: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_attribute5: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_attribute6: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_attribute7: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_attribute8: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_attribute9: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_attribute10: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_attribute11: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_attribute12: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_attribute13: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_attribute14: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_attribute15: Option<String>,
}

impl Mailbox {
    /// This (live) mailbox with every attribute `managed` sets taken from it, and its Name.
    pub fn overlay(&self, managed: &Mailbox) -> Mailbox {
        let mut out = self.clone();
        out.name = managed.name.clone();
        macro_rules! take {
            ($($f:ident,)*) => {
                $(if managed.$f.is_some() {
                    out.$f = managed.$f.clone();
                })*
            };
        }
        take!(
            alias,
            display_name,
            primary_smtp_address,
            user_principal_name,
            email_addresses,
            distinguished_name,
            user_certificate,
            user_smime_certificate,
            windows_email_address,
            email_address_policy_enabled,
            hidden_from_address_lists_enabled,
            microsoft_online_services_id,
            sam_account_name,
            legacy_exchange_dn,
            custom_attribute1,
            custom_attribute2,
            custom_attribute3,
            custom_attribute4,
            custom_attribute5,
            custom_attribute6,
            custom_attribute7,
            custom_attribute8,
            custom_attribute9,
            custom_attribute10,
            custom_attribute11,
            custom_attribute12,
            custom_attribute13,
            custom_attribute14,
            custom_attribute15,
        );
        out
    }
}
