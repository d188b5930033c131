//! Turning plan changes into LDAP operations (only the changed values: modify add/delete/replace, add
//! and delete of entries mailsec owns, modify-DN for renames) and running them pipelined on one
//! connection, bounded, stopping at the first failure.

use std::collections::HashSet;
use std::time::Duration;

use ldap3::{Ldap, Mod};
use serde_json::{Map, Value};
use tokio::task::JoinSet;

use super::profile::{same_attr, Carry, Profile, OWNED_PREFIX};
use super::read::{split_rdn, Snapshot};
use super::settings::LdapSettings;
use super::LdapError;
use crate::cert::Cert;
use crate::model::ObjectKind;
use crate::plan::{Action, AttrChange, ResourceChange};

type Bytes = Vec<u8>;

/// One LDAP request.
#[derive(Debug, Clone)]
pub enum Op {
    Add {
        dn: String,
        attrs: Vec<(Bytes, HashSet<Bytes>)>,
    },
    Modify {
        dn: String,
        mods: Vec<Mod<Bytes>>,
    },
    Rename {
        dn: String,
        new_rdn: String,
    },
    Delete {
        dn: String,
    },
}

impl Op {
    fn dn(&self) -> &str {
        match self {
            Op::Add { dn, .. }
            | Op::Modify { dn, .. }
            | Op::Rename { dn, .. }
            | Op::Delete { dn } => dn,
        }
    }
}

/// The requests that carry out one change, in order.
pub fn ops_for(
    c: &ResourceChange,
    s: &LdapSettings,
    snap: &Snapshot,
) -> Result<Vec<Op>, LdapError> {
    let p = Profile::new(s.profile);
    let what = format!("{} '{}'", c.kind.noun(), c.name);
    let refuse = |message: String| LdapError::Change {
        object: what.clone(),
        message,
    };
    match c.kind {
        ObjectKind::SmimeConfig => config_ops(c, s, &p, snap).map_err(refuse),
        ObjectKind::Mailbox | ObjectKind::MailContact => {
            let guid = c
                .guid
                .ok_or_else(|| refuse("the change has no Guid".into()))?;
            let live = snap.entries.get(&(c.kind, guid));
            match (c.action, live) {
                (Action::Create, Some(e)) => Err(refuse(format!(
                    "it exists already at {}; run plan again",
                    e.dn
                ))),
                (Action::Create, None) if c.kind == ObjectKind::Mailbox => Err(refuse(
                    "mailsec updates or renames mailboxes; it does not create them".into(),
                )),
                (Action::Create, None) => create_contact(c, s, &p, guid).map_err(refuse),
                (_, None) => Err(refuse(
                    "it is no longer in the directory (changed since the plan was made)".into(),
                )),
                (Action::Delete, Some(e)) if !e.owned => Err(refuse(format!(
                    "{} was not created by mailsec (it has no {OWNED_PREFIX} marker), so mailsec does not delete it",
                    e.dn
                ))),
                (Action::Delete, Some(e)) => Ok(vec![Op::Delete { dn: e.dn.clone() }]),
                (Action::Update | Action::Rename, Some(e)) => {
                    update_ops(c, &p, &e.dn).map_err(refuse)
                }
            }
        }
        other => Err(refuse(format!(
            "{} objects are not kept in an LDAP directory",
            other.noun()
        ))),
    }
}

fn update_ops(c: &ResourceChange, p: &Profile, dn: &str) -> Result<Vec<Op>, String> {
    let mut ops = Vec::new();
    let mut mods = Vec::new();
    let mut dn = dn.to_string();
    for a in &c.attributes {
        let m = p
            .attr_of(c.kind, &a.name)
            .ok_or_else(|| format!("{} is not applied by this LDAP profile", a.name))?;
        if a.name == "Name" {
            let (rdn, _) = split_rdn(&dn);
            let rdn_type = rdn.split('=').next().unwrap_or_default().trim();
            let new = text(&a.new).unwrap_or_default();
            if new.is_empty() {
                return Err("Name cannot be empty".into());
            }
            if same_attr(rdn_type, "cn") {
                let new_rdn = format!("{rdn_type}={}", ldap3::dn_escape(new.as_str()));
                ops.push(Op::Rename {
                    dn: dn.clone(),
                    new_rdn: new_rdn.clone(),
                });
                dn = format!("{new_rdn},{}", split_rdn(&dn).1);
                continue;
            }
        }
        mods.extend(attr_mods(m.attribute, m.carry, a)?);
    }
    if !mods.is_empty() {
        ops.push(Op::Modify { dn, mods });
    }
    Ok(ops)
}

/// The modifications that take one attribute from `old` to `new`.
fn attr_mods(attr: &str, carry: Carry, a: &AttrChange) -> Result<Vec<Mod<Bytes>>, String> {
    let name = attr.as_bytes().to_vec();
    Ok(match carry {
        Carry::Text | Carry::BareAddress => {
            let bare = |v: &Value| {
                text(v).map(|t| {
                    if carry == Carry::BareAddress {
                        strip_smtp(&t).to_string()
                    } else {
                        t
                    }
                })
            };
            match bare(&a.new).filter(|t| !t.is_empty()) {
                Some(t) => vec![Mod::Replace(name, set([t.into_bytes()]))],
                None if bare(&a.old).is_some_and(|t| !t.is_empty()) => {
                    vec![Mod::Delete(name, HashSet::new())]
                }
                None => Vec::new(),
            }
        }
        Carry::TextSet => {
            let old: HashSet<Bytes> = texts(&a.old).into_iter().map(String::into_bytes).collect();
            let new: HashSet<Bytes> = texts(&a.new).into_iter().map(String::into_bytes).collect();
            delta(name, old, new)
        }
        Carry::Certs => delta(name, certs(&a.old)?, certs(&a.new)?),
        Carry::CertsReplaceOnly => vec![Mod::Replace(name, certs(&a.new)?)],
    })
}

fn delta(name: Bytes, old: HashSet<Bytes>, new: HashSet<Bytes>) -> Vec<Mod<Bytes>> {
    let add: HashSet<Bytes> = new.difference(&old).cloned().collect();
    let del: HashSet<Bytes> = old.difference(&new).cloned().collect();
    let mut out = Vec::new();
    if new.is_empty() && !old.is_empty() {
        return vec![Mod::Delete(name, HashSet::new())];
    }
    if !del.is_empty() {
        out.push(Mod::Delete(name.clone(), del));
    }
    if !add.is_empty() {
        out.push(Mod::Add(name, add));
    }
    out
}

fn create_contact(
    c: &ResourceChange,
    s: &LdapSettings,
    p: &Profile,
    guid: uuid::Uuid,
) -> Result<Vec<Op>, String> {
    let dn = format!(
        "cn={},{}",
        ldap3::dn_escape(c.name.as_str()),
        s.contacts_base
    );
    let mut attrs: Vec<(Bytes, HashSet<Bytes>)> = vec![
        (
            b"objectClass".to_vec(),
            p.contact_classes()
                .iter()
                .map(|c| c.as_bytes().to_vec())
                .collect(),
        ),
        (b"cn".to_vec(), set([c.name.as_bytes().to_vec()])),
        (
            p.marker_attr().as_bytes().to_vec(),
            set([format!("{OWNED_PREFIX}{guid}").into_bytes()]),
        ),
    ];
    let mut has_sn = false;
    for a in &c.attributes {
        if a.name == "Name" {
            continue;
        }
        let m = p
            .attr_of(c.kind, &a.name)
            .ok_or_else(|| format!("{} is not applied by this LDAP profile", a.name))?;
        let values: HashSet<Bytes> = match m.carry {
            Carry::Text => text(&a.new).into_iter().map(String::into_bytes).collect(),
            Carry::BareAddress => text(&a.new)
                .map(|t| strip_smtp(&t).as_bytes().to_vec())
                .into_iter()
                .collect(),
            Carry::TextSet => texts(&a.new).into_iter().map(String::into_bytes).collect(),
            Carry::Certs | Carry::CertsReplaceOnly => certs(&a.new)?,
        };
        let values: HashSet<Bytes> = values.into_iter().filter(|v| !v.is_empty()).collect();
        if values.is_empty() {
            continue;
        }
        has_sn |= m.attribute == "sn";
        attrs.push((m.attribute.as_bytes().to_vec(), values));
    }
    if !has_sn && p.kind == crate::model::LdapProfile::Openldap {
        // inetOrgPerson requires sn: without a LastName the Name stands in.
        attrs.push((b"sn".to_vec(), set([c.name.as_bytes().to_vec()])));
    }
    Ok(vec![Op::Add { dn, attrs }])
}

fn config_ops(
    c: &ResourceChange,
    s: &LdapSettings,
    p: &Profile,
    snap: &Snapshot,
) -> Result<Vec<Op>, String> {
    let mut settings: Map<String, Value> = snap.config_settings.clone();
    let mut cas: Option<HashSet<Bytes>> = None;
    for a in &c.attributes {
        if a.name == "SMIMECertificateIssuingCA" {
            let mut set = HashSet::new();
            if !a.new.is_null() {
                let cert: Cert =
                    serde_json::from_value(a.new.clone()).map_err(|e| e.to_string())?;
                for der in crate::cert::read_collection(cert.bytes()).map_err(|e| e.to_string())? {
                    set.insert(der);
                }
            }
            cas = Some(set);
        } else if a.new.is_null() {
            settings.remove(&a.name);
        } else {
            settings.insert(a.name.clone(), a.new.clone());
        }
    }
    let settings_values: HashSet<Bytes> =
        super::profile::config_values(&Value::Object(settings.clone()).to_string())
            .into_iter()
            .map(String::into_bytes)
            .collect();
    let dn = s.config_dn.clone();
    if !snap.config_exists {
        let cas = cas.unwrap_or_default();
        let mut ops = Vec::new();
        if p.kind == crate::model::LdapProfile::ActiveDirectory {
            ops.extend(ad_config_parent(
                &dn,
                snap.config_parent_classes.as_deref(),
            )?);
        }
        let mut attrs: Vec<(Bytes, HashSet<Bytes>)> = vec![
            (
                b"objectClass".to_vec(),
                p.config_classes()
                    .iter()
                    .map(|c| c.as_bytes().to_vec())
                    .collect(),
            ),
            (
                b"cn".to_vec(),
                set([super::read::rdn_value(&dn).into_bytes()]),
            ),
            (b"description".to_vec(), settings_values),
        ];
        if p.kind == crate::model::LdapProfile::ActiveDirectory {
            // certificationAuthority must carry both revocation lists; mailsec publishes none.
            for a in ["authorityRevocationList", "certificateRevocationList"] {
                attrs.push((a.as_bytes().to_vec(), set([vec![0u8]])));
            }
            if cas.is_empty() {
                return Err("Active Directory's certificationAuthority class needs at least one CA certificate: set SMIMECertificateIssuingCA first".into());
            }
        }
        if !cas.is_empty() {
            attrs.push((p.ca_attr().as_bytes().to_vec(), cas));
        }
        ops.push(Op::Add { dn, attrs });
        return Ok(ops);
    }
    let mut mods = vec![Mod::Replace(b"description".to_vec(), settings_values)];
    if let Some(cas) = cas {
        mods.push(Mod::Replace(p.ca_attr().as_bytes().to_vec(), cas));
    }
    Ok(vec![Op::Modify { dn, mods }])
}

/// Active Directory allows certificationAuthority objects only in a `container` (not directly under a
/// domain or an OU). The container to create first when the config entry's parent is missing; an
/// error when the parent exists and is not a container.
fn ad_config_parent(config_dn: &str, parent_classes: Option<&[String]>) -> Result<Vec<Op>, String> {
    let parent = split_rdn(config_dn).1;
    let hint = "Active Directory keeps certificationAuthority objects only in containers: set configDn to CN=<name>,CN=<container>,... or leave it unset for CN=mailsec-smime-config,CN=mailsec,<base>";
    match parent_classes {
        Some(classes) if classes.iter().any(|c| c.eq_ignore_ascii_case("container")) => {
            Ok(Vec::new())
        }
        Some(classes) => Err(format!(
            "the config entry's parent {parent} is {}, not a container. {hint}",
            classes
                .last()
                .map(|c| format!("an entry of class {c}"))
                .unwrap_or_else(|| "an entry".into())
        )),
        None => {
            let (rdn, _) = split_rdn(parent);
            if !rdn
                .split_once('=')
                .is_some_and(|(t, _)| t.trim().eq_ignore_ascii_case("cn"))
            {
                return Err(format!(
                    "the config entry's parent {parent} does not exist, and mailsec creates only a CN= container there. {hint}"
                ));
            }
            Ok(vec![Op::Add {
                dn: parent.to_string(),
                attrs: vec![
                    (
                        b"objectClass".to_vec(),
                        set([b"top".to_vec(), b"container".to_vec()]),
                    ),
                    (
                        b"cn".to_vec(),
                        set([super::read::rdn_value(parent).into_bytes()]),
                    ),
                ],
            }])
        }
    }
}

fn set<const N: usize>(items: [Bytes; N]) -> HashSet<Bytes> {
    items.into_iter().collect()
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn texts(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().filter_map(text).collect(),
        Value::Null => Vec::new(),
        other => text(other).into_iter().collect(),
    }
}

fn strip_smtp(s: &str) -> &str {
    match s.split_once(':') {
        Some((p, rest)) if p.eq_ignore_ascii_case("smtp") => rest,
        _ => s,
    }
}

fn certs(v: &Value) -> Result<HashSet<Bytes>, String> {
    if v.is_null() {
        return Ok(HashSet::new());
    }
    let list: Vec<Cert> = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
    Ok(list.into_iter().map(|c| c.bytes().to_vec()).collect())
}

/// Result codes worth a bounded retry: busy (51), unavailable (52).
fn transient(rc: u32) -> bool {
    matches!(rc, 51 | 52)
}

const ATTEMPTS: u32 = 3;

async fn run_op(ldap: &mut Ldap, op: &Op) -> Result<(), LdapError> {
    let mut attempt = 1;
    loop {
        let res = match op {
            Op::Add { dn, attrs } => ldap.add(dn, attrs.clone()).await,
            Op::Modify { dn, mods } => ldap.modify(dn, mods.clone()).await,
            Op::Rename { dn, new_rdn } => ldap.modifydn(dn, new_rdn, true, None).await,
            Op::Delete { dn } => ldap.delete(dn).await,
        }
        .map_err(|e| LdapError::io(op.dn(), e))?;
        if res.rc == 0 {
            return Ok(());
        }
        if transient(res.rc) && attempt < ATTEMPTS {
            let wait = Duration::from_millis(200 * 2u64.pow(attempt));
            eprintln!(
                "warning: the directory answered rc={} ({}) for {}; retrying in {:.1}s (attempt {} of {ATTEMPTS})",
                res.rc,
                res.text,
                op.dn(),
                wait.as_secs_f32(),
                attempt + 1
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
            continue;
        }
        return Err(LdapError::Write {
            dn: op.dn().to_string(),
            rc: res.rc,
            text: res.text,
        });
    }
}

/// Run each change's requests (in order within a change), up to `concurrency` changes in flight on the
/// one connection. `done(i)` is called as change `i` completes. At the first failure nothing new is
/// started; what was in flight finishes, and the error is returned.
pub async fn run(
    ldap: &Ldap,
    prelude: Vec<Op>,
    work: Vec<Vec<Op>>,
    concurrency: usize,
    done: &mut dyn FnMut(usize),
) -> Result<(), LdapError> {
    for op in &prelude {
        run_op(&mut ldap.clone(), op).await?;
    }
    let mut set: JoinSet<(usize, Result<(), LdapError>)> = JoinSet::new();
    let mut next = 0;
    let mut first_err = None;
    loop {
        while first_err.is_none() && next < work.len() && set.len() < concurrency {
            let ops = work[next].clone();
            let mut l = ldap.clone();
            let i = next;
            set.spawn(async move {
                for op in &ops {
                    if let Err(e) = run_op(&mut l, op).await {
                        return (i, Err(e));
                    }
                }
                (i, Ok(()))
            });
            next += 1;
        }
        let Some(joined) = set.join_next().await else {
            break;
        };
        match joined {
            Ok((i, Ok(()))) => done(i),
            Ok((_, Err(e))) => {
                first_err.get_or_insert(e);
            }
            Err(join) => {
                first_err.get_or_insert(LdapError::Change {
                    object: "apply".into(),
                    message: format!("a write task failed: {join}"),
                });
            }
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ad_config_goes_in_a_container_made_when_missing() {
        let dn = "CN=mailsec-smime-config,CN=mailsec,OU=IT,DC=example,DC=org";
        let ops = ad_config_parent(dn, None).unwrap();
        match ops.as_slice() {
            [Op::Add { dn, attrs }] => {
                assert_eq!(dn, "CN=mailsec,OU=IT,DC=example,DC=org");
                assert!(attrs
                    .iter()
                    .any(|(k, v)| k == b"objectClass" && v.contains(&b"container".to_vec())));
                assert!(attrs
                    .iter()
                    .any(|(k, v)| k == b"cn" && v.contains(&b"mailsec".to_vec())));
            }
            other => panic!("{other:?}"),
        }
        let existing = ["top".to_string(), "container".to_string()];
        assert!(ad_config_parent(dn, Some(&existing)).unwrap().is_empty());
    }

    #[test]
    fn ad_config_under_an_ou_is_refused_with_what_to_do() {
        let ou = ["top".to_string(), "organizationalUnit".to_string()];
        let err = ad_config_parent("CN=cfg,OU=IT,DC=example,DC=org", Some(&ou)).unwrap_err();
        assert!(
            err.contains(
                "OU=IT,DC=example,DC=org is an entry of class organizationalUnit, not a container"
            ),
            "{err}"
        );
        assert!(err.contains("set configDn"), "{err}");
        let err = ad_config_parent("CN=cfg,OU=New,DC=example,DC=org", None).unwrap_err();
        assert!(err.contains("creates only a CN= container"), "{err}");
    }
}
