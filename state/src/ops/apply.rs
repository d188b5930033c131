//! Applying one operation to the desired state: pure, all-or-nothing per operation.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{CertAttribute, Operation, Patch};
use crate::model::{DesiredState, Mailbox, ObjectKind, ObjectRef, Removal, Violation};

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
        Operation::SetTransportConfig { changes } => {
            let current = s.transport_config.clone().unwrap_or_default();
            let merged = merge(&current, to_json(changes)?.into_iter().collect())?;
            Ok(replace(&mut s.transport_config, Some(merged)))
        }
        Operation::SetRecipientCertificates {
            recipient,
            attribute,
            certificates,
        } => {
            let new = Some(certificates.clone());
            match recipient.kind {
                ObjectKind::Mailbox => {
                    let idx = mailbox_slot(s, recipient);
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
                    let idx = contact_index(s, recipient)?;
                    let c = &mut s.mail_contacts[idx];
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
        Operation::SetMailbox { target, changes } => {
            let existing = s
                .index
                .mailbox_position(&s.mailboxes, &s.mail_contacts, target.guid);
            let base = match existing {
                Some(i) => s.mailboxes[i].clone(),
                None => Mailbox {
                    guid: target.guid,
                    name: target.name.clone(),
                    ..Mailbox::default()
                },
            };
            let updated = merge(&base, changes.clone())?;
            if updated.guid != target.guid {
                return Err(OpError::InvalidValue {
                    property: "Guid".into(),
                    message: "an object's Guid can't be changed".into(),
                });
            }
            let idx = mailbox_slot(s, target);
            let old = s.mailboxes[idx].clone();
            let changed = replace(&mut s.mailboxes[idx], updated);
            s.index.mailbox_changed(&old, &s.mailboxes[idx]);
            Ok(changed || existing.is_none())
        }
        Operation::NewMailContact { contact } => {
            if s.index
                .contact_position(&s.mailboxes, &s.mail_contacts, contact.guid)
                .is_some()
            {
                return Err(OpError::AlreadyExists {
                    kind: "MailContact",
                    name: contact.name.clone(),
                });
            }
            unique_contact_name(s, &contact.name, None)?;
            s.mail_contacts.push(contact.clone());
            let pos = s.mail_contacts.len() - 1;
            s.index.contact_added(contact, pos);
            Ok(true)
        }
        Operation::SetMailContact { target, changes } => {
            let idx = contact_index(s, target)?;
            let updated = merge(&s.mail_contacts[idx], changes.clone())?;
            if updated.guid != target.guid {
                return Err(OpError::InvalidValue {
                    property: "Guid".into(),
                    message: "an object's Guid can't be changed".into(),
                });
            }
            unique_contact_name(s, &updated.name, Some(target.guid))?;
            let old = s.mail_contacts[idx].clone();
            let changed = replace(&mut s.mail_contacts[idx], updated);
            s.index.contact_changed(&old, &s.mail_contacts[idx]);
            Ok(changed)
        }
        Operation::NewOutboundConnector { connector } => new_owned(
            &mut s.outbound_connectors,
            connector,
            "OutboundConnector",
            |c| (c.Guid, c.Name.as_str()),
            |c| c.validate(),
        ),
        Operation::NewInboundConnector { connector } => new_owned(
            &mut s.inbound_connectors,
            connector,
            "InboundConnector",
            |c| (c.Guid, c.Name.as_str()),
            |c| c.validate(),
        ),
        Operation::NewSendConnector { connector } => new_owned(
            &mut s.send_connectors,
            connector,
            "SendConnector",
            |c| (c.Guid, c.Name.as_str()),
            |c| c.validate(),
        ),
        Operation::NewReceiveConnector { connector } => new_owned(
            &mut s.receive_connectors,
            connector,
            "ReceiveConnector",
            |c| (c.Guid, c.Name.as_str()),
            |c| c.validate(),
        ),
        Operation::SetConnector { target, changes } => match target.kind {
            ObjectKind::OutboundConnector => set_owned(
                &mut s.outbound_connectors,
                target,
                changes,
                |c| (c.Guid, c.Name.as_str()),
                |c| c.validate(),
            ),
            ObjectKind::InboundConnector => set_owned(
                &mut s.inbound_connectors,
                target,
                changes,
                |c| (c.Guid, c.Name.as_str()),
                |c| c.validate(),
            ),
            ObjectKind::SendConnector => set_owned(
                &mut s.send_connectors,
                target,
                changes,
                |c| (c.Guid, c.Name.as_str()),
                |c| c.validate(),
            ),
            ObjectKind::ReceiveConnector => set_owned(
                &mut s.receive_connectors,
                target,
                changes,
                |c| (c.Guid, c.Name.as_str()),
                |c| c.validate(),
            ),
            _ => Err(OpError::NotFound(target.name.clone())),
        },
        Operation::Remove { target } => {
            let before = total(s);
            match target.kind {
                ObjectKind::MailContact => {
                    s.mail_contacts.retain(|c| c.guid != target.guid);
                    s.index.forget();
                }
                ObjectKind::OutboundConnector => {
                    s.outbound_connectors.retain(|c| c.Guid != target.guid)
                }
                ObjectKind::InboundConnector => {
                    s.inbound_connectors.retain(|c| c.Guid != target.guid)
                }
                ObjectKind::SendConnector => s.send_connectors.retain(|c| c.Guid != target.guid),
                ObjectKind::ReceiveConnector => {
                    s.receive_connectors.retain(|c| c.Guid != target.guid)
                }
                ObjectKind::Mailbox | ObjectKind::SmimeConfig | ObjectKind::TransportConfig => {
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

/// The position of the mailbox `target` in the desired state, adding its entry when it has none.
fn mailbox_slot(s: &mut DesiredState, target: &ObjectRef) -> usize {
    if let Some(i) = s
        .index
        .mailbox_position(&s.mailboxes, &s.mail_contacts, target.guid)
    {
        return i;
    }
    let m = Mailbox {
        guid: target.guid,
        name: target.name.clone(),
        ..Mailbox::default()
    };
    s.mailboxes.push(m);
    let pos = s.mailboxes.len() - 1;
    let added = s.mailboxes[pos].clone();
    s.index.mailbox_added(&added, pos);
    pos
}

fn contact_index(s: &DesiredState, target: &ObjectRef) -> Result<usize, OpError> {
    s.index
        .contact_position(&s.mailboxes, &s.mail_contacts, target.guid)
        .ok_or_else(|| OpError::NotFound(target.name.clone()))
}

/// No other contact in the desired state has `name` (case-insensitive).
fn unique_contact_name(
    s: &DesiredState,
    name: &str,
    except: Option<uuid::Uuid>,
) -> Result<(), OpError> {
    let clash = s
        .index
        .lookup(&s.mailboxes, &s.mail_contacts, name)
        .into_iter()
        .filter(|(k, g)| *k == ObjectKind::MailContact && Some(*g) != except)
        .any(|(_, g)| {
            s.index
                .contact_position(&s.mailboxes, &s.mail_contacts, g)
                .is_some_and(|i| s.mail_contacts[i].name.eq_ignore_ascii_case(name))
        });
    if clash {
        return Err(OpError::AlreadyExists {
            kind: "MailContact",
            name: name.to_string(),
        });
    }
    Ok(())
}

fn new_owned<T: Clone>(
    list: &mut Vec<T>,
    obj: &T,
    kind: &'static str,
    id: impl Fn(&T) -> (uuid::Uuid, &str),
    validate: impl Fn(&T) -> Vec<Violation>,
) -> Result<bool, OpError> {
    let (guid, name) = id(obj);
    unique_name(
        list.iter().filter(|c| id(c).0 != guid).map(|c| id(c).1),
        kind,
        name,
    )?;
    if list.iter().any(|c| id(c).0 == guid) {
        return Err(OpError::AlreadyExists {
            kind,
            name: name.to_string(),
        });
    }
    check(&format!("{kind} '{name}'"), validate(obj))?;
    list.push(obj.clone());
    Ok(true)
}

fn set_owned<T: Serialize + DeserializeOwned + PartialEq>(
    list: &mut [T],
    target: &ObjectRef,
    changes: &Patch,
    id: impl Fn(&T) -> (uuid::Uuid, &str),
    validate: impl Fn(&T) -> Vec<Violation>,
) -> Result<bool, OpError> {
    let idx = find(list.iter().map(|c| id(c).0), target)?;
    let updated = merge(&list[idx], changes.clone())?;
    if id(&updated).0 != target.guid {
        return Err(OpError::InvalidValue {
            property: "Guid".into(),
            message: "an object's Guid can't be changed".into(),
        });
    }
    unique_name(
        list.iter()
            .filter(|c| id(c).0 != target.guid)
            .map(|c| id(c).1),
        target.kind.noun(),
        id(&updated).1,
    )?;
    check(&target.to_string(), validate(&updated))?;
    Ok(replace(&mut list[idx], updated))
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
    s.mail_contacts.len()
        + s.outbound_connectors.len()
        + s.inbound_connectors.len()
        + s.send_connectors.len()
        + s.receive_connectors.len()
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

fn check(object: &str, problems: Vec<Violation>) -> Result<(), OpError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(OpError::Invalid {
            object: object.to_string(),
            problems: problems.into_iter().map(|p| p.message).collect(),
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
