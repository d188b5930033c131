//! The desired state: what the admin wants, as typed objects with stable ids (one file, `mailsec.yaml`).

mod connector;
mod contact;
pub mod index;
mod mailbox;
mod onprem;
mod smime_config;
mod targets;

pub use connector::{
    ConnectorSource, ConnectorType, Direction, InboundConnector, MtaStsMode, OutboundConnector,
    SmtpDaneMode, TlsAuthLevel,
};
pub use contact::MailContact;
pub use index::IndexCache;
pub use mailbox::Mailbox;
pub use onprem::{ReceiveConnector, SendConnector, TransportConfig};
pub use smime_config::SmimeConfig;
pub use targets::{
    DirectoryTarget, ExchangeOnlineTarget, GatewayTarget, LdapProfile, LdapTarget, PostfixTarget,
    Targets,
};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The only version of the state file this build reads and writes.
pub const API_VERSION: &str = "mailsec/v1";

/// The whole desired state file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "mailsec desired state")]
pub struct DesiredState {
    /// Always `mailsec/v1`.
    pub api_version: String,
    /// Where plan/apply read and write. Absent: the embedded default beside this file.
    #[serde(default, skip_serializing_if = "Targets::is_default")]
    pub targets: Targets,
    /// The organization's S/MIME configuration (Set-SmimeConfig). Absent: not managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smime_config: Option<SmimeConfig>,
    /// Mailboxes whose S/MIME attributes mailsec manages (the mailboxes themselves live in the directory).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mailboxes: Vec<Mailbox>,
    /// Mail contacts mailsec owns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mail_contacts: Vec<MailContact>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inbound_connectors: Vec<InboundConnector>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outbound_connectors: Vec<OutboundConnector>,
    /// On-premises: the Domain Secure lists of Set-TransportConfig. Absent: not managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_config: Option<TransportConfig>,
    /// On-premises send connectors mailsec owns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub send_connectors: Vec<SendConnector>,
    /// On-premises receive connectors mailsec owns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub receive_connectors: Vec<ReceiveConnector>,
    /// Objects removed with Remove-*: apply deletes them from the backend if they are still there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removals: Vec<Removal>,
    /// Lookup index over the recipients (names, aliases, addresses): kept up to date by `ops::apply`.
    #[serde(skip)]
    #[schemars(skip)]
    pub index: IndexCache,
}

impl DesiredState {
    /// Every certificate value the state holds (the S/MIME config's issuing CAs, then each
    /// mailbox's and each contact's), to resolve the references of a deferred parse.
    pub(crate) fn certs_mut(&mut self) -> impl Iterator<Item = &mut crate::cert::Cert> {
        let config = self
            .smime_config
            .iter_mut()
            .flat_map(|c| c.SMIMECertificateIssuingCA.iter_mut().flatten());
        let mailboxes = self.mailboxes.iter_mut().flat_map(|m| {
            m.user_certificate
                .iter_mut()
                .flatten()
                .chain(m.user_smime_certificate.iter_mut().flatten())
        });
        let contacts = self.mail_contacts.iter_mut().flat_map(|c| {
            c.user_certificate
                .iter_mut()
                .flatten()
                .chain(c.user_smime_certificate.iter_mut().flatten())
        });
        config.chain(mailboxes).chain(contacts)
    }
}

impl Default for DesiredState {
    fn default() -> Self {
        DesiredState {
            api_version: API_VERSION.to_string(),
            targets: Targets::default(),
            smime_config: None,
            mailboxes: Vec::new(),
            mail_contacts: Vec::new(),
            inbound_connectors: Vec::new(),
            outbound_connectors: Vec::new(),
            transport_config: None,
            send_connectors: Vec::new(),
            receive_connectors: Vec::new(),
            removals: Vec::new(),
            index: IndexCache::default(),
        }
    }
}

/// The kinds of object mailsec manages; also the order plans list them in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum ObjectKind {
    SmimeConfig,
    Mailbox,
    MailContact,
    InboundConnector,
    OutboundConnector,
    TransportConfig,
    SendConnector,
    ReceiveConnector,
}

impl ObjectKind {
    /// The noun Exchange uses in cmdlet names and messages.
    pub fn noun(self) -> &'static str {
        match self {
            ObjectKind::SmimeConfig => "SmimeConfig",
            ObjectKind::Mailbox => "Mailbox",
            ObjectKind::MailContact => "MailContact",
            ObjectKind::InboundConnector => "InboundConnector",
            ObjectKind::OutboundConnector => "OutboundConnector",
            ObjectKind::TransportConfig => "TransportConfig",
            ObjectKind::SendConnector => "SendConnector",
            ObjectKind::ReceiveConnector => "ReceiveConnector",
        }
    }

    /// Mailboxes and mail contacts: the kinds identity resolution treats as recipients.
    pub fn is_recipient(self) -> bool {
        matches!(self, ObjectKind::Mailbox | ObjectKind::MailContact)
    }
}

/// One broken rule of an object: the property at fault and Exchange's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub property: &'static str,
    pub message: String,
}

impl Violation {
    pub fn new(property: &'static str, message: impl Into<String>) -> Self {
        Violation {
            property,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A record that an object was removed (kept after apply; a second plan sees the object gone and shows nothing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Removal {
    #[serde(rename = "Kind")]
    pub kind: ObjectKind,
    #[serde(rename = "Guid")]
    pub guid: Uuid,
    /// The name it had, for people reading the file.
    #[serde(rename = "Name")]
    pub name: String,
}

/// Names an object by its stable id, with its name for messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRef {
    pub kind: ObjectKind,
    pub guid: Uuid,
    pub name: String,
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} '{}'", self.kind.noun(), self.name)
    }
}

/// `null` in YAML means "managed and cleared"; an absent key means "not managed".
pub(crate) mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(
        v: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}
