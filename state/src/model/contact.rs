//! A mail contact (an external recipient, e.g. a partner's address with its S/MIME certificate).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cert::Cert;

/// Every optional attribute that is absent is Exchange's default (Get-MailContact shows it).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct MailContact {
    pub guid: Uuid,
    pub name: String,
    /// `SMTP:partner@example.com`: where mail to this contact goes.
    pub external_email_address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_smtp_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_addresses: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden_from_address_lists_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinguished_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_certificate: Option<Vec<Cert>>,
    #[serde(
        rename = "UserSMimeCertificate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub user_smime_certificate: Option<Vec<Cert>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initials: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simple_display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows_email_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address_policy_enabled: Option<bool>,
    /// The OU the contact is created in (New-MailContact -OrganizationalUnit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizational_unit: Option<String>,
    /// Read from the backend; finds the contact as an identity.
    #[serde(
        rename = "LegacyExchangeDN",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub legacy_exchange_dn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_messages_only_from: Option<Vec<String>>,
    #[serde(
        rename = "AcceptMessagesOnlyFromDLMembers",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub accept_messages_only_from_dl_members: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_messages_only_from_senders_or_members: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reject_messages_from: Option<Vec<String>>,
    #[serde(
        rename = "RejectMessagesFromDLMembers",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub reject_messages_from_dl_members: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reject_messages_from_senders_or_members: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bypass_moderation_from_senders_or_members: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_send_on_behalf_to: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moderated_by: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moderation_enabled: Option<bool>,
    /// Always, Internal or Never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_moderation_notifications: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arbitration_mailbox: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_sender_authentication_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_tip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_tip_translations: Option<Vec<String>>,
    /// BinHex, UuEncode, AppleSingle or AppleDouble.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac_attachment_format: Option<String>,
    /// Text, Html or TextAndHtml.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_body_format: Option<String>,
    /// Text or Mime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_format: Option<String>,
    /// Always, Never or UseDefaultSettings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_mapi_rich_text_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_prefer_message_format: Option<bool>,
    /// `Unlimited` or a size as Exchange shows it, e.g. `10 MB (10,485,760 bytes)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_receive_size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_send_size: Option<String>,
    /// `Unlimited` or a number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_recipient_per_message: Option<String>,
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
    /// Multi-valued free text (up to 1300 values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_custom_attribute1: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_custom_attribute2: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_custom_attribute3: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_custom_attribute4: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_custom_attribute5: Option<Vec<String>>,
}
