//! Turning plan changes into cmdlet calls: New-* (then Set-* for what New-* does not take, and the
//! ownership marker), Set-* with only the changed parameters, Remove-* with `Confirm: false` for
//! objects mailsec owns. Every change becomes calls before the first is sent, so a change the service
//! cannot take stops the apply before anything is written; the calls then run in order, stopping at
//! the first failure.

use std::collections::HashSet;

use serde_json::{json, Value};
use uuid::Uuid;

use super::client::{Client, NotFound};
use super::read::{
    join_comment, settable, Snapshot, CERT_LISTS, CONTACT_MARKER, CONTACT_NEW, OUTBOUND_SET_ONLY,
    OWNED_PREFIX,
};
use super::wire::CmdletInput;
use super::ExoError;
use crate::cert::Cert;
use crate::model::ObjectKind;
use crate::plan::{Action, AttrChange, ResourceChange};

/// The calls that carry out one change.
#[derive(Debug, Clone, PartialEq)]
pub struct Work {
    /// New-*: its answer names the created object (its Guid).
    pub create: Option<CmdletInput>,
    /// Set-* / Remove-* (Identity added when the object is known), in order.
    pub then: Vec<CmdletInput>,
    /// The object's service identity, when it exists already.
    pub identity: Option<String>,
}

/// The calls for `c`, given the last read.
pub fn work_for(c: &ResourceChange, snap: &Snapshot) -> Result<Work, ExoError> {
    let object = format!("{} '{}'", c.kind.noun(), c.name);
    let refuse = |message: String| ExoError::Change {
        object: object.clone(),
        message,
    };
    let allowed = settable(c.kind);
    for a in &c.attributes {
        if !allowed.contains(&a.name.as_str()) {
            return Err(refuse(format!(
                "{} is not applied by the Exchange Online backend",
                a.name
            )));
        }
    }
    if c.kind == ObjectKind::SmimeConfig {
        let mut set = CmdletInput::new("Set-SmimeConfig");
        for a in &c.attributes {
            param(&mut set, c.kind, a, None).map_err(refuse)?;
        }
        return Ok(Work {
            create: None,
            then: vec![set],
            identity: None,
        });
    }
    let guid = c
        .guid
        .ok_or_else(|| refuse("the change has no Guid".into()))?;
    let entry = snap.entries.get(&(c.kind, guid));
    let noun = c.kind.noun();
    match (c.action, entry) {
        (Action::Create, Some(e)) => Err(refuse(format!(
            "it exists already (Guid {}); run plan again",
            e.identity
        ))),
        (Action::Create, None) if c.kind == ObjectKind::Mailbox => Err(refuse(
            "mailsec updates or renames mailboxes; it does not create them".into(),
        )),
        (Action::Create, None) => {
            let same_name = snap
                .entries
                .iter()
                .find(|((k, _), e)| *k == c.kind && e.name.eq_ignore_ascii_case(&c.name));
            if let Some((_, e)) = same_name {
                return Err(refuse(format!(
                    "Exchange Online already has a {noun} of that name (Guid {}){}; rename one of them, or `mailsec export` to take it into the state",
                    e.identity,
                    if e.owned {
                        ""
                    } else {
                        " without mailsec's marker (made outside mailsec, or an apply stopped between New- and Set-)"
                    }
                )));
            }
            create(c, guid).map_err(refuse)
        }
        (_, None) => Err(refuse(
            "it is no longer in Exchange Online (changed since the plan was made)".into(),
        )),
        (Action::Delete, Some(e)) if !e.owned => Err(refuse(format!(
            "it was not created by mailsec (it has no {OWNED_PREFIX} marker), so mailsec does not delete it"
        ))),
        (Action::Delete, Some(e)) => {
            let mut rm = CmdletInput::new(&format!("Remove-{noun}"));
            rm.set("Confirm", json!(false));
            Ok(Work {
                create: None,
                then: vec![rm],
                identity: Some(e.identity.clone()),
            })
        }
        (Action::Update | Action::Rename, Some(e)) => {
            let mut set = CmdletInput::new(&format!("Set-{noun}"));
            let owner = e.owned.then_some(guid);
            for a in &c.attributes {
                param(&mut set, c.kind, a, owner).map_err(refuse)?;
            }
            Ok(Work {
                create: None,
                then: vec![set],
                identity: Some(e.identity.clone()),
            })
        }
    }
}

fn create(c: &ResourceChange, guid: Uuid) -> Result<Work, String> {
    let noun = c.kind.noun();
    let mut new = CmdletInput::new(&format!("New-{noun}"));
    let mut set = CmdletInput::new(&format!("Set-{noun}"));
    new.set("Name", json!(c.name));
    let new_takes = |p: &str| match c.kind {
        ObjectKind::MailContact => CONTACT_NEW.contains(&p),
        ObjectKind::OutboundConnector => !OUTBOUND_SET_ONLY.contains(&p),
        _ => true,
    };
    for a in c.attributes.iter().filter(|a| a.name != "Name") {
        // Creating: the values compare against nothing, so the whole new value is sent.
        let a = AttrChange {
            name: a.name.clone(),
            old: Value::Null,
            new: a.new.clone(),
        };
        let target = if new_takes(&a.name) {
            &mut new
        } else {
            &mut set
        };
        param(target, c.kind, &a, Some(guid))?;
    }
    match c.kind {
        ObjectKind::MailContact => {
            if !new.has("ExternalEmailAddress") {
                return Err("New-MailContact needs ExternalEmailAddress".into());
            }
            // New-MailContact takes no CustomAttribute: the marker follows with Set-MailContact.
            set.set(CONTACT_MARKER, json!(format!("{OWNED_PREFIX}{guid}")));
        }
        ObjectKind::InboundConnector | ObjectKind::OutboundConnector if !new.has("Comment") => {
            new.set("Comment", json!(join_comment(None, guid)));
        }
        _ => {}
    }
    Ok(Work {
        create: Some(new),
        then: if set.param_names().is_empty() {
            Vec::new()
        } else {
            vec![set]
        },
        identity: None,
    })
}

/// Add the parameter carrying one attribute change. `owner`: the marker's Guid of an owned connector
/// (its Comment keeps the marker).
fn param(
    input: &mut CmdletInput,
    kind: ObjectKind,
    a: &AttrChange,
    owner: Option<Uuid>,
) -> Result<(), String> {
    let name = a.name.as_str();
    if CERT_LISTS.contains(&name) {
        input.byte_collection(name, &cert_bytes(&a.new)?);
        return Ok(());
    }
    if name == "SMIMECertificateIssuingCA" {
        let bytes = match &a.new {
            Value::Null => None,
            v => Some(cert_of(v)?.bytes().to_vec()),
        };
        input.bytes(name, bytes.as_deref());
        return Ok(());
    }
    if name == "Comment"
        && matches!(
            kind,
            ObjectKind::InboundConnector | ObjectKind::OutboundConnector
        )
    {
        if let Some(g) = owner {
            input.set(name, json!(join_comment(a.new.as_str(), g)));
            return Ok(());
        }
    }
    // Multi-valued text edited in place (`@{Add; Remove}`), except proxy addresses: their primary
    // (`SMTP:`) and secondary (`smtp:`) forms differ only by case, so a list replaces them whole.
    if let (Value::Array(old), Value::Array(new)) = (&a.old, &a.new) {
        if name != "EmailAddresses" && !old.is_empty() && !new.is_empty() {
            let key = |v: &Value| v.as_str().map(str::to_lowercase);
            let old_keys: HashSet<_> = old.iter().filter_map(key).collect();
            let new_keys: HashSet<_> = new.iter().filter_map(key).collect();
            let add: Vec<String> = new
                .iter()
                .filter(|v| key(v).is_some_and(|k| !old_keys.contains(&k)))
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            let remove: Vec<String> = old
                .iter()
                .filter(|v| key(v).is_some_and(|k| !new_keys.contains(&k)))
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            let all_text = old.iter().chain(new.iter()).all(Value::is_string);
            if all_text && (!add.is_empty() || !remove.is_empty()) {
                input.add_remove(name, &add, &remove);
                return Ok(());
            }
        }
    }
    let v = match &a.new {
        Value::Array(x) if x.is_empty() => Value::Null,
        Value::String(s) if s.is_empty() => Value::Null,
        other => other.clone(),
    };
    input.set(name, v);
    Ok(())
}

fn cert_of(v: &Value) -> Result<Cert, String> {
    serde_json::from_value(v.clone()).map_err(|e| format!("a certificate cannot be read: {e}"))
}

fn cert_bytes(v: &Value) -> Result<Vec<Vec<u8>>, String> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(a) => a
            .iter()
            .map(|x| cert_of(x).map(|c| c.bytes().to_vec()))
            .collect(),
        other => Ok(vec![cert_of(other)?.bytes().to_vec()]),
    }
}

/// Run the calls of every change in order; `done(i)` after change `i` is carried out.
pub async fn run(
    client: &Client,
    work: Vec<Work>,
    done: &mut dyn FnMut(usize),
) -> Result<(), ExoError> {
    for (i, w) in work.into_iter().enumerate() {
        let mut identity = w.identity;
        let mut created = false;
        if let Some(new) = &w.create {
            let out = client.invoke(new, NotFound::Fail).await?;
            let guid = out
                .first()
                .and_then(|o| o.get("Guid"))
                .and_then(Value::as_str)
                .map(str::to_string);
            // The Guid the service gave the new object names it from here on.
            identity = Some(guid.ok_or_else(|| ExoError::Change {
                object: new.name().to_string(),
                message: "the service created the object but did not return its Guid; run plan to see it".into(),
            })?);
            created = true;
        }
        for mut call in w.then {
            if let Some(id) = &identity {
                call.set("Identity", json!(id));
            }
            let nf = if created {
                NotFound::Replicating
            } else {
                NotFound::Fail
            };
            client.invoke(&call, nf).await?;
        }
        done(i);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::exo::read::Entry;

    fn change(
        kind: ObjectKind,
        action: Action,
        guid: Uuid,
        attrs: Vec<(&str, Value, Value)>,
    ) -> ResourceChange {
        ResourceChange {
            kind,
            guid: Some(guid),
            name: "x".into(),
            action,
            attributes: attrs
                .into_iter()
                .map(|(n, o, v)| AttrChange {
                    name: n.into(),
                    old: o,
                    new: v,
                })
                .collect(),
        }
    }

    fn snap_with(kind: ObjectKind, guid: Uuid, owned: bool) -> Snapshot {
        let mut s = Snapshot::default();
        s.entries.insert(
            (kind, guid),
            Entry {
                identity: "svc-guid".into(),
                owned,
                name: "x".into(),
            },
        );
        s
    }

    #[test]
    fn updates_send_only_the_changed_parameters_and_domains_as_edits() {
        let g = Uuid::new_v4();
        let c = change(
            ObjectKind::OutboundConnector,
            Action::Update,
            g,
            vec![
                (
                    "RecipientDomains",
                    json!(["a.com", "b.com"]),
                    json!(["b.com", "c.com"]),
                ),
                ("TlsDomain", json!("old.a.com"), json!("mail.c.com")),
                ("Comment", json!(null), json!("partner")),
            ],
        );
        let w = work_for(&c, &snap_with(ObjectKind::OutboundConnector, g, true)).unwrap();
        assert_eq!(w.identity.as_deref(), Some("svc-guid"));
        let p = w.then[0].params();
        assert_eq!(
            w.then[0].param_names(),
            vec!["RecipientDomains", "TlsDomain", "Comment"]
        );
        assert_eq!(
            p["RecipientDomains"],
            json!({"@odata.type":"#Exchange.GenericHashTable","Add":["c.com"],"Remove":["a.com"]})
        );
        assert_eq!(p["Comment"], json!(format!("partner\n{OWNED_PREFIX}{g}")));
    }

    #[test]
    fn creating_a_contact_puts_what_new_takes_first_and_the_marker_after() {
        let g = Uuid::new_v4();
        let c = change(
            ObjectKind::MailContact,
            Action::Create,
            g,
            vec![
                ("Name", json!(null), json!("x")),
                ("ExternalEmailAddress", json!(null), json!("SMTP:p@x.com")),
                ("HiddenFromAddressListsEnabled", json!(null), json!(true)),
            ],
        );
        let w = work_for(&c, &Snapshot::default()).unwrap();
        let new = w.create.unwrap();
        assert_eq!(new.name(), "New-MailContact");
        assert_eq!(new.param_names(), vec!["Name", "ExternalEmailAddress"]);
        assert_eq!(w.then.len(), 1);
        assert_eq!(
            w.then[0].param_names(),
            vec!["HiddenFromAddressListsEnabled", CONTACT_MARKER]
        );
    }

    #[test]
    fn deletes_need_ownership_and_mailboxes_are_never_created() {
        let g = Uuid::new_v4();
        let del = change(ObjectKind::MailContact, Action::Delete, g, vec![]);
        let err = work_for(&del, &snap_with(ObjectKind::MailContact, g, false)).unwrap_err();
        assert!(err.to_string().contains("not created by mailsec"), "{err}");
        let w = work_for(&del, &snap_with(ObjectKind::MailContact, g, true)).unwrap();
        assert_eq!(w.then[0].name(), "Remove-MailContact");
        assert_eq!(w.then[0].params()["Confirm"], json!(false));
        let twin = change(
            ObjectKind::MailContact,
            Action::Create,
            Uuid::new_v4(),
            vec![],
        );
        let err = work_for(&twin, &snap_with(ObjectKind::MailContact, g, false)).unwrap_err();
        assert!(
            err.to_string()
                .contains("already has a MailContact of that name"),
            "{err}"
        );
        let mk = change(ObjectKind::Mailbox, Action::Create, g, vec![]);
        assert!(work_for(&mk, &Snapshot::default()).is_err());
        let odd = change(
            ObjectKind::MailContact,
            Action::Update,
            g,
            vec![("MaxSendSize", json!(null), json!("10 MB"))],
        );
        let err = work_for(&odd, &snap_with(ObjectKind::MailContact, g, true)).unwrap_err();
        assert!(err.to_string().contains("MaxSendSize"), "{err}");
    }
}
