//! Backends: where plan reads the live state and apply writes it. The embedded ones keep plain files beside the state file.

mod embedded_directory;
mod embedded_gateway;
pub mod exo;
pub mod ldap;
pub mod ldif;
pub mod postfix;
mod seed;

pub use embedded_directory::{DirectoryDoc, EmbeddedDirectory};
pub use embedded_gateway::{EmbeddedGateway, GatewayDoc};
pub use seed::{seed_from_ldif, SeedError, SeedReport};

use std::path::Path;

use uuid::Uuid;

use crate::model::{
    DesiredState, DirectoryTarget, GatewayTarget, InboundConnector, IndexCache, MailContact,
    Mailbox, ObjectKind, OutboundConnector, ReceiveConnector, SendConnector, SmimeConfig,
    TransportConfig,
};
use crate::plan::ResourceChange;
use crate::store::StoreError;

/// What the backends hold now, for the kinds mailsec manages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveState {
    pub smime_config: Option<SmimeConfig>,
    pub mailboxes: Vec<Mailbox>,
    pub mail_contacts: Vec<MailContact>,
    pub inbound_connectors: Vec<InboundConnector>,
    pub outbound_connectors: Vec<OutboundConnector>,
    pub transport_config: Option<TransportConfig>,
    pub send_connectors: Vec<SendConnector>,
    pub receive_connectors: Vec<ReceiveConnector>,
    /// Objects carrying mailsec's ownership mark (created by mailsec): the only ones `--prune` removes.
    pub owned: Vec<(ObjectKind, Uuid)>,
    /// Lookup index over the recipients, built on first use.
    pub index: IndexCache,
}

impl LiveState {
    /// Nothing read yet (usable in a `static`).
    pub const fn empty() -> LiveState {
        LiveState {
            smime_config: None,
            mailboxes: Vec::new(),
            mail_contacts: Vec::new(),
            inbound_connectors: Vec::new(),
            outbound_connectors: Vec::new(),
            transport_config: None,
            send_connectors: Vec::new(),
            receive_connectors: Vec::new(),
            owned: Vec::new(),
            index: IndexCache::new(),
        }
    }

    /// The current name of a live object, if it exists.
    pub fn name_of(&self, kind: ObjectKind, guid: Uuid) -> Option<String> {
        match kind {
            ObjectKind::SmimeConfig | ObjectKind::TransportConfig => None,
            ObjectKind::Mailbox => self
                .mailboxes
                .iter()
                .find(|m| m.guid == guid)
                .map(|m| m.name.clone()),
            ObjectKind::MailContact => self
                .mail_contacts
                .iter()
                .find(|m| m.guid == guid)
                .map(|m| m.name.clone()),
            ObjectKind::InboundConnector => self
                .inbound_connectors
                .iter()
                .find(|m| m.Guid == guid)
                .map(|m| m.Name.clone()),
            ObjectKind::OutboundConnector => self
                .outbound_connectors
                .iter()
                .find(|m| m.Guid == guid)
                .map(|m| m.Name.clone()),
            ObjectKind::SendConnector => self
                .send_connectors
                .iter()
                .find(|m| m.Guid == guid)
                .map(|m| m.Name.clone()),
            ObjectKind::ReceiveConnector => self
                .receive_connectors
                .iter()
                .find(|m| m.Guid == guid)
                .map(|m| m.Name.clone()),
        }
    }

    fn absorb(&mut self, other: LiveState) {
        if other.smime_config.is_some() {
            self.smime_config = other.smime_config;
        }
        self.mailboxes.extend(other.mailboxes);
        self.mail_contacts.extend(other.mail_contacts);
        self.inbound_connectors.extend(other.inbound_connectors);
        self.outbound_connectors.extend(other.outbound_connectors);
        if other.transport_config.is_some() {
            self.transport_config = other.transport_config;
        }
        self.send_connectors.extend(other.send_connectors);
        self.receive_connectors.extend(other.receive_connectors);
        self.owned.extend(other.owned);
        self.index = IndexCache::default();
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Ldap(String),
    #[error("{0}")]
    Postfix(String),
    #[error("{0}")]
    Exo(String),
    #[error("{backend}: cannot apply the change to {object}: {message}")]
    Change {
        backend: String,
        object: String,
        message: String,
    },
}

/// A place plan reads from and apply writes to.
pub trait Backend {
    /// For messages: e.g. `embedded directory (embedded/directory.yaml)`.
    fn describe(&self) -> String;
    /// The object kinds this backend holds.
    fn kinds(&self) -> &'static [ObjectKind];
    /// Read every managed object. A failed read is an error, never "absent".
    fn read(&self) -> Result<LiveState, BackendError>;
    /// Make the given changes (all of this backend's kinds), calling `done` for each change once it is
    /// carried out. On an error, the changes `done` was not called for were not (fully) applied.
    fn apply(
        &mut self,
        changes: &[&ResourceChange],
        done: &mut dyn FnMut(&ResourceChange),
    ) -> Result<(), BackendError>;
    /// Warnings plan prints about the desired state that are this backend's own (e.g. a directory's
    /// limits on attribute values). None by default.
    fn plan_warnings(&self, desired: &DesiredState) -> Vec<String> {
        let _ = desired;
        Vec::new()
    }
    /// What this backend cannot do with the desired state at all (e.g. a setting it has no way to
    /// express without weakening it): each is a plan error, and no plan is made. None by default.
    fn plan_errors(&self, desired: &DesiredState) -> Vec<String> {
        let _ = desired;
        Vec::new()
    }
    /// Changes a backend makes beside the objects' own (e.g. Postfix main.cf keys, before → after),
    /// shown under the plan. None by default.
    fn plan_notes(&self, desired: &DesiredState) -> Vec<String> {
        let _ = desired;
        Vec::new()
    }
    /// Does this backend apply `property` of `kind` objects? A property it does not apply is still
    /// recorded in the desired state, and plan warns "recorded, not applied by <backend>"
    /// (`plan::not_applied_warnings`). The embedded backends apply every property.
    fn applies(&self, kind: ObjectKind, property: &str) -> bool {
        let _ = (kind, property);
        true
    }
    /// Is `property` of this `object` (its JSON form) carried by this backend? Usually the same as
    /// `applies`; a backend may also carry a value it derives (e.g. a contact's only address).
    fn represents(
        &self,
        kind: ObjectKind,
        object: &serde_json::Map<String, serde_json::Value>,
        property: &str,
    ) -> bool {
        let _ = object;
        self.applies(kind, property)
    }
}

/// The backends the state's targets name (the environment's `MAILSEC_LDAP_*` override the directory),
/// with paths resolved against `state_dir`.
pub fn open_backends(
    state: &DesiredState,
    state_dir: &Path,
) -> Result<Vec<Box<dyn Backend>>, BackendError> {
    open_backends_with(state, state_dir, &|k| std::env::var(k).ok())
}

/// `open_backends` with the environment given.
pub fn open_backends_with(
    state: &DesiredState,
    state_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Box<dyn Backend>>, BackendError> {
    let exo = |slot| -> Result<Option<Box<dyn Backend>>, BackendError> {
        let s = exo::ExoSettings::resolve(&state.targets, slot, state_dir, env)
            .map_err(|e| BackendError::Exo(e.to_string()))?;
        s.map(|s| -> Result<Box<dyn Backend>, BackendError> {
            Ok(Box::new(exo::ExchangeOnline::new(s, slot)?))
        })
        .transpose()
    };
    let directory: Box<dyn Backend> = match exo(exo::Slot::Directory)? {
        Some(b) => b,
        None => {
            let ldap = ldap::LdapSettings::resolve(&state.targets.directory, state_dir, env)
                .map_err(|e| BackendError::Ldap(e.to_string()))?;
            match (ldap, &state.targets.directory) {
                (Some(s), _) => Box::new(
                    ldap::LdapDirectory::new(s).map_err(|e| BackendError::Ldap(e.to_string()))?,
                ),
                (None, DirectoryTarget::Embedded { path }) => {
                    Box::new(EmbeddedDirectory::new(state_dir.join(path)))
                }
                (None, DirectoryTarget::Ldap(_) | DirectoryTarget::ExchangeOnline(_)) => {
                    return Err(BackendError::Ldap(
                        "the directory target could not be resolved".into(),
                    ))
                }
            }
        }
    };
    let exo_gateway = exo(exo::Slot::Gateway)?;
    if exo_gateway.is_some() && env("MAILSEC_POSTFIX_DIR").is_some_and(|d| !d.is_empty()) {
        return Err(BackendError::Postfix(
            "both MAILSEC_POSTFIX_DIR and an Exchange Online gateway are configured: unset one, so mailsec knows which gateway to make match".into(),
        ));
    }
    let postfix = postfix::PostfixSettings::resolve(&state.targets.gateway, state_dir, env)
        .map_err(|e| BackendError::Postfix(e.to_string()))?;
    let gateway: Box<dyn Backend> = match (exo_gateway, postfix, &state.targets.gateway) {
        (Some(b), _, _) => b,
        (None, Some(s), _) => Box::new(postfix::PostfixGateway::new(s)),
        (None, None, GatewayTarget::Embedded { path }) => {
            Box::new(EmbeddedGateway::new(state_dir.join(path)))
        }
        (None, None, GatewayTarget::Postfix(_) | GatewayTarget::ExchangeOnline(_)) => {
            return Err(BackendError::Postfix(
                "the gateway target could not be resolved".into(),
            ))
        }
    };
    Ok(vec![directory, gateway])
}

/// Read all backends into one live state.
pub fn read_all(backends: &[Box<dyn Backend>]) -> Result<LiveState, BackendError> {
    let mut live = LiveState::default();
    for b in backends {
        live.absorb(b.read()?);
    }
    Ok(live)
}

/// The changes of `all` that belong to a backend holding `kinds`.
pub fn changes_for<'a>(all: &'a [ResourceChange], kinds: &[ObjectKind]) -> Vec<&'a ResourceChange> {
    all.iter().filter(|c| kinds.contains(&c.kind)).collect()
}

/// Apply a change list to a collection of typed objects found by Guid (shared by the embedded backends).
pub(crate) fn apply_to_list<T, G, N>(
    backend: &str,
    list: &mut Vec<T>,
    change: &ResourceChange,
    guid_of: G,
    fresh: N,
) -> Result<(), BackendError>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
    G: Fn(&T) -> Uuid,
    N: Fn(Uuid, &str) -> serde_json::Value,
{
    use crate::plan::Action;
    let guid = change.guid.ok_or_else(|| BackendError::Change {
        backend: backend.to_string(),
        object: change.name.clone(),
        message: "the change has no Guid".into(),
    })?;
    let fail = |message: String| BackendError::Change {
        backend: backend.to_string(),
        object: format!("{} '{}'", change.kind.noun(), change.name),
        message,
    };
    let props = change
        .attributes
        .iter()
        .map(|a| (a.name.clone(), a.new.clone()));
    match change.action {
        Action::Create => {
            let base: T = serde_json::from_value(fresh(guid, &change.name))
                .map_err(|e| fail(e.to_string()))?;
            let obj = crate::patch::set_properties(&base, props).map_err(fail)?;
            list.push(obj);
        }
        Action::Update | Action::Rename => {
            let idx = list
                .iter()
                .position(|o| guid_of(o) == guid)
                .ok_or_else(|| {
                    fail("it is no longer there (changed since the plan was made)".into())
                })?;
            list[idx] = crate::patch::set_properties(&list[idx], props).map_err(fail)?;
        }
        Action::Delete => list.retain(|o| guid_of(o) != guid),
    }
    Ok(())
}
