//! Applying one operation to the desired state: pure, all-or-nothing per operation.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{CertAttribute, Operation, Patch};
use crate::model::{DesiredState, Mailbox, ObjectKind, ObjectRef, Removal};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OpError {
    #[error("The operation couldn't be performed because object '{0}' couldn't be found in the desired state.")]
    NotFound(String),
    #[error(
        "The object '{name}' already exists (a {kind} with that name is in the desired state)."
    )]
    AlreadyExists { kind: &'static str, name: String },
    #[error("{property}: {message}")]
    InvalidValue { property: String, message: String },
    #[error("{object} would be invalid: {}", .problems.join(" "))]
    Invalid {
        object: String,
        problems: Vec<String>,
    },
}

/// Apply `op` to `state` and say whether anything changed. On error `state` is left as it was:
/// every check runs before the one object the operation touches is replaced.
pub fn apply(s: &mut DesiredState, op: &Operation) -> Result<bool, OpError> {
    match op {
        Operation::SetSmimeConfig { changes } => {
            let current = s.smime_config.clone().unwrap_or_default();
            let merged = merge(&current, to_json(changes)?.into_iter().collect())?;
            Ok(replace(&mut s.smime_config, Some(merged)))
        }
        Operation::SetRecipientCertificates {
            recipient,
            attribute,
            certificates,
        } => {
            let new = Some(certificates.clone());
            match recipient.kind {
                ObjectKind::Mailbox => {
                    let idx = match s.mailboxes.iter().position(|m| m.guid == recipient.guid) {
                        Some(i) => i,
                        None => {
                            s.mailboxes.push(Mailbox {
                                guid: recipient.guid,
                                name: recipient.name.clone(),
                                ..Mailbox::default()
                            });
                            s.mailboxes.len() - 1
                        }
                    };
                    let m = &mut s.mailboxes[idx];
                    Ok(replace(
                        match attribute {
                            CertAttribute::UserCertificate => &mut m.user_certificate,
                            CertAttribute::UserSMimeCertificate => &mut m.user_smime_certificate,
                        },
                        new,
                    ))
                }
                ObjectKind::MailContact => {
                    let c = s
                        .mail_contacts
                        .iter_mut()
                        .find(|c| c.guid == recipient.guid)
                        .ok_or_else(|| OpError::NotFound(recipient.name.clone()))?;
                    Ok(replace(
                        match attribute {
                            CertAttribute::UserCertificate => &mut c.user_certificate,
                            CertAttribute::UserSMimeCertificate => &mut c.user_smime_certificate,
                        },
                        new,
                    ))
                }
                other => Err(OpError::InvalidValue {
                    property: attribute.property().to_string(),
                    message: format!("a {} has no certificates", other.noun()),
                }),
            }
        }
        Operation::NewMailContact { contact } => {
            unique_name(
                s.mail_contacts.iter().map(|c| c.name.as_str()),
                "MailContact",
                &contact.name,
            )?;
            s.mail_contacts.push(contact.clone());
            Ok(true)
        }
        Operation::SetMailContact { target, changes } => {
            let idx = find(s.mail_contacts.iter().map(|c| c.guid), target)?;
            let updated = merge(&s.mail_contacts[idx], changes.clone())?;
            unique_name(
                s.mail_contacts
                    .iter()
                    .filter(|c| c.guid != target.guid)
                    .map(|c| c.name.as_str()),
                "MailContact",
                &updated.name,
            )?;
            Ok(replace(&mut s.mail_contacts[idx], updated))
        }
        Operation::NewOutboundConnector { connector } => {
            unique_name(
                s.outbound_connectors.iter().map(|c| c.Name.as_str()),
                "OutboundConnector",
                &connector.Name,
            )?;
            check(
                &format!("OutboundConnector '{}'", connector.Name),
                connector.validate(),
            )?;
            s.outbound_connectors.push(connector.clone());
            Ok(true)
        }
        Operation::NewInboundConnector { connector } => {
            unique_name(
                s.inbound_connectors.iter().map(|c| c.Name.as_str()),
                "InboundConnector",
                &connector.Name,
            )?;
            check(
                &format!("InboundConnector '{}'", connector.Name),
                connector.validate(),
            )?;
            s.inbound_connectors.push(connector.clone());
            Ok(true)
        }
        Operation::SetConnector { target, changes } => match target.kind {
            ObjectKind::OutboundConnector => {
                let idx = find(s.outbound_connectors.iter().map(|c| c.Guid), target)?;
                let updated = merge(&s.outbound_connectors[idx], changes.clone())?;
                unique_name(
                    s.outbound_connectors
                        .iter()
                        .filter(|c| c.Guid != target.guid)
                        .map(|c| c.Name.as_str()),
                    "OutboundConnector",
                    &updated.Name,
                )?;
                check(&target.to_string(), updated.validate())?;
                Ok(replace(&mut s.outbound_connectors[idx], updated))
            }
            ObjectKind::InboundConnector => {
                let idx = find(s.inbound_connectors.iter().map(|c| c.Guid), target)?;
                let updated = merge(&s.inbound_connectors[idx], changes.clone())?;
                unique_name(
                    s.inbound_connectors
                        .iter()
                        .filter(|c| c.Guid != target.guid)
                        .map(|c| c.Name.as_str()),
                    "InboundConnector",
                    &updated.Name,
                )?;
                check(&target.to_string(), updated.validate())?;
                Ok(replace(&mut s.inbound_connectors[idx], updated))
            }
            _ => Err(OpError::NotFound(target.name.clone())),
        },
        Operation::Remove { target } => {
            let before = total(s);
            match target.kind {
                ObjectKind::MailContact => s.mail_contacts.retain(|c| c.guid != target.guid),
                ObjectKind::OutboundConnector => {
                    s.outbound_connectors.retain(|c| c.Guid != target.guid)
                }
                ObjectKind::InboundConnector => {
                    s.inbound_connectors.retain(|c| c.Guid != target.guid)
                }
                ObjectKind::Mailbox | ObjectKind::SmimeConfig => {
                    return Err(OpError::InvalidValue {
                        property: "Identity".into(),
                        message: format!("mailsec does not remove a {}", target.kind.noun()),
                    })
                }
            }
            let known = s.removals.iter().any(|r| r.guid == target.guid);
            if before == total(s) && known {
                return Err(OpError::NotFound(target.name.clone()));
            }
            if !known {
                s.removals.push(Removal {
                    kind: target.kind,
                    guid: target.guid,
                    name: target.name.clone(),
                });
            }
            Ok(true)
        }
    }
}

/// Put `new` in `slot`; true when that changed it.
fn replace<T: PartialEq>(slot: &mut T, new: T) -> bool {
    if *slot == new {
        false
    } else {
        *slot = new;
        true
    }
}

fn total(s: &DesiredState) -> usize {
    s.mail_contacts.len() + s.outbound_connectors.len() + s.inbound_connectors.len()
}

fn find(mut guids: impl Iterator<Item = uuid::Uuid>, target: &ObjectRef) -> Result<usize, OpError> {
    guids
        .position(|g| g == target.guid)
        .ok_or_else(|| OpError::NotFound(target.name.clone()))
}

fn unique_name<'a>(
    mut names: impl Iterator<Item = &'a str>,
    kind: &'static str,
    name: &str,
) -> Result<(), OpError> {
    if names.any(|n| n.eq_ignore_ascii_case(name)) {
        return Err(OpError::AlreadyExists {
            kind,
            name: name.to_string(),
        });
    }
    Ok(())
}

fn check(object: &str, problems: Vec<String>) -> Result<(), OpError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(OpError::Invalid {
            object: object.to_string(),
            problems,
        })
    }
}

fn to_json<T: Serialize>(v: &T) -> Result<serde_json::Map<String, serde_json::Value>, OpError> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::Object(m)) => Ok(m),
        Ok(_) => Err(OpError::InvalidValue {
            property: String::new(),
            message: "not an object".into(),
        }),
        Err(e) => Err(OpError::InvalidValue {
            property: String::new(),
            message: e.to_string(),
        }),
    }
}

/// Set the patched properties on `obj` through its serde form, so the types check every value.
fn merge<T: Serialize + DeserializeOwned>(obj: &T, patch: Patch) -> Result<T, OpError> {
    let names = patch
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    crate::patch::set_properties(obj, patch).map_err(|message| OpError::InvalidValue {
        property: names,
        message,
    })
}
