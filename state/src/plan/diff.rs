//! Building a plan: desired objects matched to live ones by Guid, compared on the attributes mailsec manages.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{same_value, Action, AttrChange, Plan, ResourceChange};
use crate::backend::LiveState;
use crate::model::{DesiredState, ObjectKind};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("{kind} '{name}' (Guid {guid}) is in the desired state but not in the directory: it may have been deleted there; remove it from the state file or restore the object")]
    MissingInBackend {
        kind: &'static str,
        name: String,
        guid: Uuid,
    },
    #[error("could not read {what}: {message}")]
    Encode { what: String, message: String },
    #[error("{backend}: {message}")]
    Backend { backend: String, message: String },
}

/// Attributes that identify an object or are computed by the backend: never compared.
const NOT_COMPARED: &[&str] = &["Guid", "DistinguishedName"];

/// Compare `desired` with `live`. Objects only in the backend are not touched, unless a removal names them.
pub fn plan(desired: &DesiredState, live: &LiveState) -> Result<Plan, Vec<PlanError>> {
    let mut changes = Vec::new();
    let mut errors = Vec::new();

    if let Some(want) = &desired.smime_config {
        let want = json(want, "the desired S/MIME configuration", &mut errors);
        let have = live
            .smime_config
            .as_ref()
            .map(|l| json(l, "the live S/MIME configuration", &mut errors))
            .unwrap_or_default();
        let attrs = compare(&want, &have, false);
        if !attrs.is_empty() {
            changes.push(ResourceChange {
                kind: ObjectKind::SmimeConfig,
                guid: None,
                name: "SmimeConfig".into(),
                action: Action::Update,
                attributes: attrs,
            });
        }
    }

    // Mailboxes are not owned: only their managed certificate attributes are compared.
    let live_mailboxes: HashMap<Uuid, &crate::model::Mailbox> =
        live.mailboxes.iter().map(|l| (l.guid, l)).collect();
    for m in &desired.mailboxes {
        let Some(l) = live_mailboxes.get(&m.guid).copied() else {
            errors.push(PlanError::MissingInBackend {
                kind: "Mailbox",
                name: m.name.clone(),
                guid: m.guid,
            });
            continue;
        };
        // The desired Name is the live one unless Set-Mailbox -Name renamed the mailbox.
        let renamed = m.name != l.name;
        let attrs = differences(
            m,
            l,
            "a desired mailbox",
            "a live mailbox",
            &mut errors,
            |want| {
                if !renamed {
                    want.remove("Name");
                }
            },
        );
        if !attrs.is_empty() {
            changes.push(change(
                ObjectKind::Mailbox,
                m.guid,
                &m.name,
                if renamed {
                    Action::Rename
                } else {
                    Action::Update
                },
                attrs,
            ));
        }
    }

    owned(
        ObjectKind::MailContact,
        desired
            .mail_contacts
            .iter()
            .map(|c| (c.guid, c.name.as_str(), c)),
        live.mail_contacts
            .iter()
            .map(|c| (c.guid, c.name.as_str(), c)),
        &mut changes,
        &mut errors,
    );
    owned(
        ObjectKind::InboundConnector,
        desired
            .inbound_connectors
            .iter()
            .map(|c| (c.Guid, c.Name.as_str(), c)),
        live.inbound_connectors
            .iter()
            .map(|c| (c.Guid, c.Name.as_str(), c)),
        &mut changes,
        &mut errors,
    );
    owned(
        ObjectKind::OutboundConnector,
        desired
            .outbound_connectors
            .iter()
            .map(|c| (c.Guid, c.Name.as_str(), c)),
        live.outbound_connectors
            .iter()
            .map(|c| (c.Guid, c.Name.as_str(), c)),
        &mut changes,
        &mut errors,
    );

    if let Some(want) = &desired.transport_config {
        let want = json(want, "the desired transport configuration", &mut errors);
        let have = live
            .transport_config
            .as_ref()
            .map(|l| json(l, "the live transport configuration", &mut errors))
            .unwrap_or_default();
        let attrs = compare(&want, &have, false);
        if !attrs.is_empty() {
            changes.push(ResourceChange {
                kind: ObjectKind::TransportConfig,
                guid: None,
                name: "TransportConfig".into(),
                action: Action::Update,
                attributes: attrs,
            });
        }
    }
    owned(
        ObjectKind::SendConnector,
        desired
            .send_connectors
            .iter()
            .map(|c| (c.Guid, c.Name.as_str(), c)),
        live.send_connectors
            .iter()
            .map(|c| (c.Guid, c.Name.as_str(), c)),
        &mut changes,
        &mut errors,
    );
    owned(
        ObjectKind::ReceiveConnector,
        desired
            .receive_connectors
            .iter()
            .map(|c| (c.Guid, c.Name.as_str(), c)),
        live.receive_connectors
            .iter()
            .map(|c| (c.Guid, c.Name.as_str(), c)),
        &mut changes,
        &mut errors,
    );

    for r in &desired.removals {
        if let Some(name) = live.name_of(r.kind, r.guid) {
            changes.push(change(r.kind, r.guid, &name, Action::Delete, Vec::new()));
        }
    }

    if errors.is_empty() {
        Ok(Plan::new(changes))
    } else {
        Err(errors)
    }
}

/// Objects mailsec owns: created when absent, every attribute the desired object sets is compared.
fn owned<'a, T: Serialize + 'a>(
    kind: ObjectKind,
    desired: impl Iterator<Item = (Uuid, &'a str, &'a T)>,
    live: impl Iterator<Item = (Uuid, &'a str, &'a T)>,
    changes: &mut Vec<ResourceChange>,
    errors: &mut Vec<PlanError>,
) {
    let live: HashMap<Uuid, (Uuid, &str, &T)> = live.map(|x| (x.0, x)).collect();
    for (guid, name, want) in desired {
        match live.get(&guid).copied() {
            None => {
                let want = json(want, name, errors);
                let attrs = compare(&want, &Map::new(), true);
                changes.push(change(kind, guid, name, Action::Create, attrs));
            }
            Some((_, live_name, have)) => {
                let attrs = differences(want, have, name, live_name, errors, |_| {});
                if !attrs.is_empty() {
                    let action = if live_name != name {
                        Action::Rename
                    } else {
                        Action::Update
                    };
                    changes.push(change(kind, guid, name, action, attrs));
                }
            }
        }
    }
}

fn change(
    kind: ObjectKind,
    guid: Uuid,
    name: &str,
    action: Action,
    attributes: Vec<AttrChange>,
) -> ResourceChange {
    ResourceChange {
        kind,
        guid: Some(guid),
        name: name.to_string(),
        action,
        attributes,
    }
}

/// The attributes of `want` that differ from `have`, as [`compare`] finds them on the full JSON
/// forms, with `adjust` applied to the desired form first.
///
/// Most objects of a plan have no change, so they are compared first with certificates in their
/// digest-only form (a certificate's identity is its content hash, which is all [`same_value`]
/// reads of it): that needs no certificate to be decoded. Only an object that differs is
/// serialized again in full, for the old and new values the plan shows.
fn differences<T: Serialize>(
    want: &T,
    have: &T,
    what_want: &str,
    what_have: &str,
    errors: &mut Vec<PlanError>,
    adjust: impl Fn(&mut Map<String, Value>),
) -> Vec<AttrChange> {
    let full = |errors: &mut Vec<PlanError>| {
        let mut w = json(want, what_want, errors);
        adjust(&mut w);
        let h = json(have, what_have, errors);
        compare(&w, &h, false)
    };
    let mut quiet = Vec::new();
    let (mut w, h) = crate::cert::by_digest(|| {
        (
            json(want, what_want, &mut quiet),
            json(have, what_have, &mut quiet),
        )
    });
    // An encoding error is reported by the full serialization, as before.
    if !quiet.is_empty() {
        return full(errors);
    }
    adjust(&mut w);
    if differs(&w, &h) {
        full(errors)
    } else {
        Vec::new()
    }
}

/// Does any attribute of `want` differ from `have` (what [`compare`] would list, without building it)?
fn differs(want: &Map<String, Value>, have: &Map<String, Value>) -> bool {
    want.iter()
        .filter(|(k, _)| !NOT_COMPARED.contains(&k.as_str()))
        .any(|(k, new)| !same_value(k, have.get(k).unwrap_or(&Value::Null), new))
}

/// Every attribute of `want` whose value differs from `have` (absent counts as null).
fn compare(
    want: &Map<String, Value>,
    have: &Map<String, Value>,
    creating: bool,
) -> Vec<AttrChange> {
    want.iter()
        .filter(|(k, _)| !NOT_COMPARED.contains(&k.as_str()))
        .filter_map(|(k, new)| {
            let old = have.get(k).unwrap_or(&Value::Null);
            if creating && same_value(k, &Value::Null, new) {
                return None;
            }
            (creating || !same_value(k, old, new)).then(|| AttrChange {
                name: k.clone(),
                old: old.clone(),
                new: new.clone(),
            })
        })
        .collect()
}

fn json<T: Serialize>(v: &T, what: &str, errors: &mut Vec<PlanError>) -> Map<String, Value> {
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        Ok(_) => Map::new(),
        Err(e) => {
            errors.push(PlanError::Encode {
                what: what.to_string(),
                message: e.to_string(),
            });
            Map::new()
        }
    }
}
