//! The embedded directory: mailboxes, mail contacts and the S/MIME config in one YAML file (plus `certs/`), zero setup.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{apply_to_list, Backend, BackendError, LiveState};
use crate::model::{MailContact, Mailbox, ObjectKind, SmimeConfig};
use crate::plan::{Action, ResourceChange};
use crate::store::{read_doc, write_doc};

pub const DIRECTORY_VERSION: &str = "mailsec.embedded/v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DirectoryDoc {
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smime_config: Option<SmimeConfig>,
    #[serde(default)]
    pub mailboxes: Vec<Mailbox>,
    #[serde(default)]
    pub mail_contacts: Vec<MailContact>,
}

impl Default for DirectoryDoc {
    fn default() -> Self {
        DirectoryDoc {
            api_version: DIRECTORY_VERSION.into(),
            kind: "EmbeddedDirectory".into(),
            smime_config: None,
            mailboxes: Vec::new(),
            mail_contacts: Vec::new(),
        }
    }
}

pub struct EmbeddedDirectory {
    path: PathBuf,
}

impl EmbeddedDirectory {
    pub fn new(path: PathBuf) -> Self {
        EmbeddedDirectory { path }
    }

    pub fn load(&self) -> Result<(DirectoryDoc, Option<String>), BackendError> {
        Ok(
            match read_doc::<DirectoryDoc>(&self.path, Some(DIRECTORY_VERSION))? {
                Some(d) => (d.value, Some(d.text)),
                None => (DirectoryDoc::default(), None),
            },
        )
    }

    pub fn save(&self, doc: &DirectoryDoc, original: Option<&str>) -> Result<(), BackendError> {
        Ok(write_doc(&self.path, doc, original, false)?)
    }
}

impl Backend for EmbeddedDirectory {
    fn describe(&self) -> String {
        format!("embedded directory ({})", self.path.display())
    }

    fn kinds(&self) -> &'static [ObjectKind] {
        &[
            ObjectKind::SmimeConfig,
            ObjectKind::Mailbox,
            ObjectKind::MailContact,
        ]
    }

    fn read(&self) -> Result<LiveState, BackendError> {
        let (doc, _) = self.load()?;
        Ok(LiveState {
            smime_config: doc.smime_config,
            mailboxes: doc.mailboxes,
            mail_contacts: doc.mail_contacts,
            ..LiveState::default()
        })
    }

    fn apply(
        &mut self,
        changes: &[&ResourceChange],
        done: &mut dyn FnMut(&ResourceChange),
    ) -> Result<(), BackendError> {
        if changes.is_empty() {
            return Ok(());
        }
        let (mut doc, original) = self.load()?;
        let me = self.describe();
        for c in changes {
            match c.kind {
                ObjectKind::SmimeConfig => {
                    let current = doc.smime_config.take().unwrap_or_default();
                    let props = c.attributes.iter().map(|a| (a.name.clone(), a.new.clone()));
                    let next =
                        crate::patch::set_properties(&current, props).map_err(|message| {
                            BackendError::Change {
                                backend: me.clone(),
                                object: "SmimeConfig".into(),
                                message,
                            }
                        })?;
                    doc.smime_config = Some(next);
                }
                ObjectKind::Mailbox => {
                    if !matches!(c.action, Action::Update | Action::Rename) {
                        return Err(BackendError::Change {
                            backend: me,
                            object: format!("Mailbox '{}'", c.name),
                            message: "mailsec updates or renames mailboxes; it does not create or delete them".into(),
                        });
                    }
                    apply_to_list(
                        &me,
                        &mut doc.mailboxes,
                        c,
                        |m| m.guid,
                        |g, n| json!({"Guid": g, "Name": n}),
                    )?;
                }
                ObjectKind::MailContact => apply_to_list(
                    &me,
                    &mut doc.mail_contacts,
                    c,
                    |m| m.guid,
                    |g, n| json!({"Guid": g, "Name": n, "ExternalEmailAddress": ""}),
                )?,
                _ => {}
            }
        }
        // One atomic write: every change is applied, or none.
        self.save(&doc, original.as_deref())?;
        changes.iter().for_each(|c| done(c));
        Ok(())
    }
}
