//! The desired state: what the admin wants, as typed objects with stable ids (one file, `mailsec.yaml`).

mod connector;
mod contact;
mod mailbox;
mod smime_config;
mod targets;

pub use connector::{
    ConnectorType, Direction, InboundConnector, MtaStsMode, OutboundConnector, SmtpDaneMode,
    TlsAuthLevel,
};
pub use contact::MailContact;
pub use mailbox::Mailbox;
pub use smime_config::SmimeConfig;
pub use targets::{DirectoryTarget, GatewayTarget, Targets};

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
    /// Objects removed with Remove-*: apply deletes them from the backend if they are still there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removals: Vec<Removal>,
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
            removals: Vec::new(),
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
        }
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
