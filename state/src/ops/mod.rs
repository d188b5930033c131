//! Typed operations: the only way the desired state changes. Cmdlets produce them; `apply` is a pure function of (state, operation).

mod apply;
mod describe;

pub use apply::{apply, OpError};

use serde::{Deserialize, Serialize};

use crate::cert::Cert;
use crate::model::{
    InboundConnector, MailContact, ObjectRef, OutboundConnector, ReceiveConnector, SendConnector,
    SmimeConfig, TransportConfig,
};

/// The two certificate attributes a recipient publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CertAttribute {
    /// `userCertificate`: DER X.509 certificates.
    UserCertificate,
    /// `userSMIMECertificate`: S/MIME blobs (PKCS#7) or certificates.
    UserSMimeCertificate,
}

impl CertAttribute {
    pub fn property(self) -> &'static str {
        match self {
            CertAttribute::UserCertificate => "UserCertificate",
            CertAttribute::UserSMimeCertificate => "UserSMimeCertificate",
        }
    }
}

/// New values for named properties of an object (Exchange property names, as in the YAML).
/// Multi-valued properties carry their complete new value: `@{Add=..;Remove=..}` edits are
/// resolved by the cmdlet against the current value before the operation is made.
pub type Patch = Vec<(String, serde_json::Value)>;

/// One change to the desired state. (New-MailContact carries the whole contact; operations are short-lived,
/// so the size difference between variants does not matter.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Operation {
    /// Set-SmimeConfig: every `Some` field of `changes` is set (`SMIMECertificateIssuingCA: Some(None)` clears it).
    SetSmimeConfig {
        changes: SmimeConfig,
    },
    /// Set-Mailbox / Set-MailContact -UserCertificate / -UserSMimeCertificate.
    SetRecipientCertificates {
        recipient: ObjectRef,
        attribute: CertAttribute,
        certificates: Vec<Cert>,
    },
    /// Set-Mailbox: the managed attributes (Name, Alias, addresses, custom attributes ...) of a directory
    /// mailbox; the mailbox's entry in the desired state is made on first use.
    SetMailbox {
        target: ObjectRef,
        changes: Patch,
    },
    NewMailContact {
        contact: MailContact,
    },
    SetMailContact {
        target: ObjectRef,
        changes: Patch,
    },
    NewOutboundConnector {
        connector: OutboundConnector,
    },
    NewInboundConnector {
        connector: InboundConnector,
    },
    NewSendConnector {
        connector: SendConnector,
    },
    NewReceiveConnector {
        connector: ReceiveConnector,
    },
    /// Set-*Connector (inbound, outbound, send, receive).
    SetConnector {
        target: ObjectRef,
        changes: Patch,
    },
    /// Set-TransportConfig: every `Some` field of `changes` is set.
    SetTransportConfig {
        changes: TransportConfig,
    },
    /// Remove-MailContact / Remove-*Connector: drops the object and records the removal for apply.
    Remove {
        target: ObjectRef,
    },
}

#[cfg(test)]
mod tests;
