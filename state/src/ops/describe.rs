//! One-line descriptions of operations, for -WhatIf and logs.

use std::fmt;

use super::Operation;
use crate::plan::render_json_value;

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operation::SetSmimeConfig { changes } => {
                let map = serde_json::to_value(changes).unwrap_or_default();
                write!(
                    f,
                    "Set the organization S/MIME configuration: {}",
                    settings(&map)
                )
            }
            Operation::SetRecipientCertificates {
                recipient,
                attribute,
                certificates,
            } => {
                let list: Vec<String> = certificates.iter().map(|c| c.summary()).collect();
                write!(
                    f,
                    "Set {} of {} to {}",
                    attribute.property(),
                    recipient,
                    if list.is_empty() {
                        "no certificates".to_string()
                    } else {
                        format!("[{}]", list.join("; "))
                    }
                )
            }
            Operation::NewMailContact { contact } => write!(
                f,
                "Create MailContact '{}' for {} (Guid {})",
                contact.name, contact.external_email_address, contact.guid
            ),
            Operation::SetMailContact { target, changes }
            | Operation::SetMailbox { target, changes }
            | Operation::SetConnector { target, changes } => {
                let map: serde_json::Map<_, _> = changes.iter().cloned().collect();
                write!(
                    f,
                    "Set {target}: {}",
                    settings(&serde_json::Value::Object(map))
                )
            }
            Operation::NewOutboundConnector { connector } => write!(
                f,
                "Create OutboundConnector '{}' (TlsSettings {}, Guid {})",
                connector.Name,
                connector
                    .TlsSettings
                    .map(|t| format!("{t:?}"))
                    .unwrap_or_else(|| "not set".into()),
                connector.Guid
            ),
            Operation::NewInboundConnector { connector } => write!(
                f,
                "Create InboundConnector '{}' (RequireTls {}, Guid {})",
                connector.Name, connector.RequireTls, connector.Guid
            ),
            Operation::NewSendConnector { connector } => write!(
                f,
                "Create SendConnector '{}' (AddressSpaces {}, RequireTLS {}, Guid {})",
                connector.Name,
                connector.AddressSpaces.join(", "),
                connector.RequireTLS,
                connector.Guid
            ),
            Operation::NewReceiveConnector { connector } => write!(
                f,
                "Create ReceiveConnector '{}' (Bindings {}, RequireTLS {}, Guid {})",
                connector.Name,
                connector.Bindings.join(", "),
                connector.RequireTLS,
                connector.Guid
            ),
            Operation::SetTransportConfig { changes } => {
                let map = serde_json::to_value(changes).unwrap_or_default();
                write!(
                    f,
                    "Set the organization transport configuration: {}",
                    settings(&map)
                )
            }
            Operation::Remove { target } => write!(f, "Remove {target} (Guid {})", target.guid),
        }
    }
}

fn settings(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k} = {}", render_json_value(k, v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}
