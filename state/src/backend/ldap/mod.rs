//! The LDAP directory backend (OpenLDAP and Active Directory profiles): mailboxes' certificates, mail
//! contacts mailsec owns, and the organization S/MIME config entry, read in bulk and written by delta.

mod connect;
mod entry;
pub mod limits;
pub mod profile;
pub mod read;
pub mod settings;
mod write;

use std::cell::RefCell;

use ldap3::Ldap;

pub use connect::install_crypto_provider;
pub use settings::{LdapSettings, Secret, SettingsError};

use super::{Backend, BackendError, LiveState};
use crate::model::ObjectKind;
use crate::plan::ResourceChange;
use profile::Profile;
use read::Snapshot;

#[derive(Debug, thiserror::Error)]
pub enum LdapError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("cannot connect to {url}: {message}")]
    Connect { url: String, message: String },
    #[error(
        "the bind as {who} to {url} was refused (rc={rc}: {text}); check the bind DN and password"
    )]
    Bind {
        url: String,
        who: String,
        rc: u32,
        text: String,
    },
    #[error("the CA file {path} cannot be used: {message}")]
    CaFile { path: String, message: String },
    #[error("the search under {base} failed (rc={rc}: {text})")]
    Search { base: String, rc: u32, text: String },
    #[error("{dn}: {message}")]
    Entry { dn: String, message: String },
    #[error("talking to the directory about {dn} failed: {message}")]
    Io { dn: String, message: String },
    #[error("writing {dn} was refused (rc={rc}: {text})")]
    Write { dn: String, rc: u32, text: String },
    #[error("{object}: {message}")]
    Change { object: String, message: String },
    #[error("cannot start the LDAP client runtime: {0}")]
    Runtime(String),
}

impl LdapError {
    fn io(dn: &str, e: ldap3::LdapError) -> LdapError {
        LdapError::Io {
            dn: dn.to_string(),
            message: e.to_string(),
        }
    }

    fn is_transient(&self) -> bool {
        matches!(self, LdapError::Connect { .. })
    }
}

pub struct LdapDirectory {
    settings: LdapSettings,
    rt: tokio::runtime::Runtime,
    conn: RefCell<Option<Ldap>>,
    /// The last read, which apply works from (DNs, ownership, the config's stored settings).
    last: RefCell<Option<Snapshot>>,
}

impl LdapDirectory {
    pub fn new(settings: LdapSettings) -> Result<LdapDirectory, LdapError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| LdapError::Runtime(e.to_string()))?;
        Ok(LdapDirectory {
            settings,
            rt,
            conn: RefCell::new(None),
            last: RefCell::new(None),
        })
    }

    pub fn settings(&self) -> &LdapSettings {
        &self.settings
    }

    fn connection(&self) -> Result<Ldap, LdapError> {
        if let Some(l) = self.conn.borrow_mut().as_mut() {
            if !l.is_closed() {
                return Ok(l.clone());
            }
        }
        let l = self.rt.block_on(connect::connect(&self.settings))?;
        *self.conn.borrow_mut() = Some(l.clone());
        Ok(l)
    }

    fn read_snapshot(&self) -> Result<LiveState, LdapError> {
        let mut ldap = self.connection()?;
        let mut snap = self.rt.block_on(read::read(&mut ldap, &self.settings))?;
        // The objects move into the live state: apply keeps only the entries' DNs and the config's
        // stored settings (copying 100,000 objects with their certificates cost a second).
        let live = LiveState {
            smime_config: snap.config.clone(),
            mailboxes: std::mem::take(&mut snap.mailboxes),
            mail_contacts: std::mem::take(&mut snap.contacts),
            owned: snap
                .entries
                .iter()
                .filter(|(_, e)| e.owned)
                .map(|(k, _)| *k)
                .collect(),
            ..LiveState::default()
        };
        *self.last.borrow_mut() = Some(snap);
        Ok(live)
    }

    fn apply_changes(
        &mut self,
        changes: &[&ResourceChange],
        done: &mut dyn FnMut(&ResourceChange),
    ) -> Result<(), LdapError> {
        if self.last.borrow().is_none() {
            self.read_snapshot()?;
        }
        let last = self.last.borrow();
        let snap = last.as_ref().ok_or_else(|| LdapError::Change {
            object: "apply".into(),
            message: "the directory was not read".into(),
        })?;
        // Every change is turned into requests before the first is sent: a change the directory
        // cannot take stops the apply before anything is written.
        let mut work = Vec::with_capacity(changes.len());
        for c in changes {
            work.push(write::ops_for(c, &self.settings, snap)?);
        }
        let p = Profile::new(self.settings.profile);
        let creates_contacts = changes
            .iter()
            .any(|c| c.kind == ObjectKind::MailContact && c.action == crate::plan::Action::Create);
        let mut prelude = Vec::new();
        if creates_contacts && !snap.contacts_base_exists {
            prelude.push(write::Op::Add {
                dn: self.settings.contacts_base.clone(),
                attrs: vec![
                    (
                        b"objectClass".to_vec(),
                        p.ou_classes()
                            .iter()
                            .map(|c| c.as_bytes().to_vec())
                            .collect(),
                    ),
                    (
                        b"ou".to_vec(),
                        [read::rdn_value(&self.settings.contacts_base).into_bytes()]
                            .into_iter()
                            .collect(),
                    ),
                ],
            });
        }
        drop(last);
        let ldap = self.connection()?;
        let concurrency = self.settings.concurrency;
        let result = self
            .rt
            .block_on(write::run(&ldap, prelude, work, concurrency, &mut |i| {
                done(changes[i])
            }));
        // What was read is stale now either way.
        *self.last.borrow_mut() = None;
        result
    }
}

impl From<LdapError> for BackendError {
    fn from(e: LdapError) -> Self {
        BackendError::Ldap(e.to_string())
    }
}

impl Backend for LdapDirectory {
    fn describe(&self) -> String {
        self.settings.describe()
    }

    fn kinds(&self) -> &'static [ObjectKind] {
        &[
            ObjectKind::SmimeConfig,
            ObjectKind::Mailbox,
            ObjectKind::MailContact,
        ]
    }

    fn read(&self) -> Result<LiveState, BackendError> {
        Ok(self.read_snapshot()?)
    }

    fn apply(
        &mut self,
        changes: &[&ResourceChange],
        done: &mut dyn FnMut(&ResourceChange),
    ) -> Result<(), BackendError> {
        Ok(self.apply_changes(changes, done)?)
    }

    fn plan_warnings(&self, desired: &crate::model::DesiredState) -> Vec<String> {
        match self.settings.profile {
            crate::model::LdapProfile::ActiveDirectory => limits::warnings(desired),
            crate::model::LdapProfile::Openldap => Vec::new(),
        }
    }

    fn applies(&self, kind: ObjectKind, property: &str) -> bool {
        if self
            .settings
            .ignored_properties
            .iter()
            .any(|p| p.eq_ignore_ascii_case(property))
        {
            return false;
        }
        match kind {
            // The config entry keeps every setting (as JSON) and the CAs as cACertificate.
            ObjectKind::SmimeConfig => true,
            ObjectKind::Mailbox | ObjectKind::MailContact => Profile::new(self.settings.profile)
                .attr_of(kind, property)
                .is_some(),
            _ => false,
        }
    }

    fn represents(
        &self,
        kind: ObjectKind,
        object: &serde_json::Map<String, serde_json::Value>,
        property: &str,
    ) -> bool {
        if self.applies(kind, property) {
            return true;
        }
        // OpenLDAP contacts have one address: a primary address equal to it is carried by `mail`.
        if kind == ObjectKind::MailContact
            && self.settings.profile == crate::model::LdapProfile::Openldap
        {
            let ext = object
                .get("ExternalEmailAddress")
                .and_then(|v| v.as_str())
                .map(|s| {
                    s.split_once(':')
                        .map(|(_, a)| a)
                        .unwrap_or(s)
                        .to_lowercase()
                });
            let val = object.get(property);
            return match property {
                "PrimarySmtpAddress" => val.and_then(|v| v.as_str()).map(str::to_lowercase) == ext,
                "EmailAddresses" => match (val.and_then(|v| v.as_array()), &ext) {
                    (Some(a), Some(e)) => {
                        a.len() == 1
                            && a[0].as_str().map(|s| s.to_lowercase()) == Some(format!("smtp:{e}"))
                    }
                    _ => false,
                },
                _ => false,
            };
        }
        false
    }
}
