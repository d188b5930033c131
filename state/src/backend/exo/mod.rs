//! The Exchange Online backend: a tenant's mailboxes, mail contacts and S/MIME config (directory slot)
//! or its inbound and outbound connectors (gateway slot), read and written through the admin API's
//! InvokeCommand (cmdlets.md 8) with only the changed parameters sent.
//!
//! Ownership: a mail contact mailsec creates carries `mailsec-owned:<Guid>` in CustomAttribute15
//! (reserved: mailsec does not manage that attribute otherwise); a connector carries it on the last
//! line of its Comment (taken off on read, so the Comment compares as the admin wrote it). That Guid
//! is the one the desired state gave the object; every other object's id is the service's Guid.

pub mod client;
pub mod read;
pub mod service;
pub mod settings;
pub mod wire;
pub mod write;

use std::cell::RefCell;

use serde_json::{Map, Value};

pub use settings::{ExoSettings, SettingsError, Slot, Token, TokenSource};

use super::{Backend, BackendError, LiveState};
use crate::model::ObjectKind;
use crate::plan::ResourceChange;
use client::Client;
use read::Snapshot;

#[derive(Debug, thiserror::Error)]
pub enum ExoError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    #[error("{cmdlet}: cannot reach {url}: {message}")]
    Transport {
        url: String,
        cmdlet: String,
        message: String,
    },
    #[error("{cmdlet}: the access token was refused (HTTP 401) even after reading it again from {source_name}; get a fresh token for https://outlook.office365.com (app: Exchange.ManageAsApp, see `mailsec permissions`)")]
    Unauthorized { cmdlet: String, source_name: String },
    #[error("{cmdlet}: {why}, still after {tries} tries; nothing more was sent. Try again in a few minutes")]
    Throttled {
        cmdlet: String,
        why: String,
        tries: u32,
    },
    #[error("{cmdlet}: {why} and asks to wait {asked} s, longer than mailsec waits ({limit} s); nothing more was sent. Try again after that")]
    WaitTooLong {
        cmdlet: String,
        why: String,
        asked: u64,
        limit: u64,
    },
    #[error("{cmdlet} failed (HTTP {status}{}): {message}{}{}", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default(), exception.as_deref().map(|e| format!(" [{e}]")).unwrap_or_default(), if hint.is_empty() { String::new() } else { format!("; {hint}") })]
    Service {
        cmdlet: String,
        status: u16,
        code: Option<String>,
        message: String,
        exception: Option<String>,
        hint: String,
    },
    #[error("{cmdlet}: the endpoint redirects (HTTP {status}) to {location}; mailsec does not follow redirects with the token: if that is the tenant's regional endpoint, set the target's url (or MAILSEC_EXO_URL) to it")]
    Redirect {
        cmdlet: String,
        status: u16,
        location: String,
    },
    #[error("{cmdlet} reported errors: {}", errors.join("; "))]
    CmdletErrors { cmdlet: String, errors: Vec<String> },
    #[error("{cmdlet} asked for a confirmation and did nothing: {message}")]
    Confirmation { cmdlet: String, message: String },
    #[error("{cmdlet}: the answer cannot be read: {message}")]
    Response { cmdlet: String, message: String },
    #[error("{cmdlet}: paging stopped: {why}")]
    Paging { cmdlet: String, why: String },
    #[error("{object}: {message}")]
    Record { object: String, message: String },
    #[error("{object}: {message}")]
    Change { object: String, message: String },
    #[error("cannot start the HTTP client runtime: {0}")]
    Runtime(String),
}

impl From<ExoError> for BackendError {
    fn from(e: ExoError) -> Self {
        BackendError::Exo(e.to_string())
    }
}

/// One slot (directory or gateway) of an Exchange Online tenant.
pub struct ExchangeOnline {
    slot: Slot,
    client: Client,
    rt: tokio::runtime::Runtime,
    last: RefCell<Option<Snapshot>>,
}

impl ExchangeOnline {
    pub fn new(settings: ExoSettings, slot: Slot) -> Result<ExchangeOnline, ExoError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ExoError::Runtime(e.to_string()))?;
        Ok(ExchangeOnline {
            slot,
            client: Client::new(settings)?,
            rt,
            last: RefCell::new(None),
        })
    }

    pub fn settings(&self) -> &ExoSettings {
        self.client.settings()
    }

    fn read_snapshot(&self) -> Result<LiveState, ExoError> {
        let (live, snap) = match self.slot {
            Slot::Directory => self.rt.block_on(read::read_directory(&self.client))?,
            Slot::Gateway => self.rt.block_on(read::read_gateway(&self.client))?,
        };
        *self.last.borrow_mut() = Some(snap);
        Ok(live)
    }

    fn apply_changes(
        &mut self,
        changes: &[&ResourceChange],
        done: &mut dyn FnMut(&ResourceChange),
    ) -> Result<(), ExoError> {
        if self.last.borrow().is_none() {
            self.read_snapshot()?;
        }
        let work = {
            let last = self.last.borrow();
            let snap = last.as_ref().ok_or_else(|| ExoError::Change {
                object: "apply".into(),
                message: "Exchange Online was not read".into(),
            })?;
            changes
                .iter()
                .map(|c| write::work_for(c, snap))
                .collect::<Result<Vec<_>, _>>()?
        };
        let result = self
            .rt
            .block_on(write::run(&self.client, work, &mut |i| done(changes[i])));
        // What was read is stale now either way.
        *self.last.borrow_mut() = None;
        result
    }
}

impl Backend for ExchangeOnline {
    fn describe(&self) -> String {
        let s = self.client.settings();
        match self.slot {
            Slot::Directory => s.describe(),
            Slot::Gateway => format!(
                "Exchange Online connectors (tenant {} at {})",
                s.tenant, s.url
            ),
        }
    }

    fn kinds(&self) -> &'static [ObjectKind] {
        match self.slot {
            Slot::Directory => &[
                ObjectKind::SmimeConfig,
                ObjectKind::Mailbox,
                ObjectKind::MailContact,
            ],
            // Exchange Online has no send/receive connectors or transport config.
            Slot::Gateway => &[ObjectKind::InboundConnector, ObjectKind::OutboundConnector],
        }
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

    fn applies(&self, kind: ObjectKind, property: &str) -> bool {
        self.kinds().contains(&kind) && read::settable(kind).contains(&property)
    }

    fn represents(&self, kind: ObjectKind, object: &Map<String, Value>, property: &str) -> bool {
        if self.applies(kind, property) {
            return true;
        }
        // A contact's primary address is its external address unless set otherwise (on-premises
        // only): equal to it, it is carried by ExternalEmailAddress.
        if kind == ObjectKind::MailContact && property == "PrimarySmtpAddress" {
            let bare = |v: Option<&Value>| {
                v.and_then(Value::as_str).map(|s| {
                    s.split_once(':')
                        .map(|(_, a)| a)
                        .unwrap_or(s)
                        .to_lowercase()
                })
            };
            return bare(object.get("PrimarySmtpAddress"))
                == bare(object.get("ExternalEmailAddress"));
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn backend(slot: Slot) -> ExchangeOnline {
        let settings = ExoSettings {
            tenant: "contoso.onmicrosoft.com".into(),
            url:
                "https://outlook.office365.com/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand"
                    .into(),
            token: TokenSource::File("/nonexistent".into()),
            page_size: 1000,
            retry: settings::RetryPolicy::default(),
        };
        ExchangeOnline::new(settings, slot).expect("backend")
    }

    #[test]
    fn slots_hold_their_kinds_and_say_which_tenant() {
        let d = backend(Slot::Directory);
        let g = backend(Slot::Gateway);
        assert!(d.kinds().contains(&ObjectKind::MailContact));
        assert_eq!(
            g.kinds(),
            &[ObjectKind::InboundConnector, ObjectKind::OutboundConnector]
        );
        assert!(!g.kinds().contains(&ObjectKind::SendConnector));
        assert_eq!(
            d.describe(),
            "Exchange Online (tenant contoso.onmicrosoft.com at https://outlook.office365.com/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand)"
        );
        assert!(g
            .describe()
            .starts_with("Exchange Online connectors (tenant contoso"));
    }

    #[test]
    fn applies_what_the_cmdlets_take_and_represents_a_default_primary_address() {
        let d = backend(Slot::Directory);
        assert!(d.applies(ObjectKind::Mailbox, "UserSMimeCertificate"));
        assert!(!d.applies(ObjectKind::Mailbox, "PrimarySmtpAddress"));
        assert!(!d.applies(ObjectKind::MailContact, "CustomAttribute15"));
        assert!(!d.applies(ObjectKind::MailContact, "MaxSendSize"));
        assert!(!d.applies(ObjectKind::OutboundConnector, "TlsDomain"));
        assert!(backend(Slot::Gateway).applies(ObjectKind::OutboundConnector, "TlsDomain"));
        let same: Map<String, Value> = serde_json::from_value(json!({
            "ExternalEmailAddress": "SMTP:P@x.com", "PrimarySmtpAddress": "p@X.com"
        }))
        .expect("object");
        assert!(d.represents(ObjectKind::MailContact, &same, "PrimarySmtpAddress"));
        let other: Map<String, Value> = serde_json::from_value(json!({
            "ExternalEmailAddress": "SMTP:p@x.com", "PrimarySmtpAddress": "q@x.com"
        }))
        .expect("object");
        assert!(!d.represents(ObjectKind::MailContact, &other, "PrimarySmtpAddress"));
    }

    #[test]
    fn an_https_endpoint_that_breaks_the_handshake_is_an_error_naming_it() {
        // One TLS crypto provider (ring) is installed: building the client and starting a
        // handshake must not panic; a peer that hangs up is a transport error.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let peer = std::thread::spawn(move || {
            if let Ok((s, _)) = listener.accept() {
                drop(s);
            }
        });
        let dir = tempfile::tempdir().expect("dir");
        let token = dir.path().join("token");
        std::fs::write(&token, "t0k3n\n").expect("token");
        let settings = ExoSettings {
            tenant: "t".into(),
            url: format!("https://127.0.0.1:{port}/adminapi/beta/t/InvokeCommand"),
            token: TokenSource::File(token),
            page_size: 10,
            retry: settings::RetryPolicy::default(),
        };
        let b = ExchangeOnline::new(settings, Slot::Gateway).expect("backend");
        let err = b.read().unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "Get-InboundConnector: cannot reach https://127.0.0.1:{port}/"
            )),
            "{err}"
        );
        assert!(!err.contains("t0k3n"));
        peer.join().expect("peer");
    }

    #[test]
    fn a_failed_read_is_an_error_not_absent() {
        // The token file does not exist: the read fails and says where the token was looked for.
        let err = backend(Slot::Directory).read().unwrap_err().to_string();
        assert!(err.contains("/nonexistent"), "{err}");
    }
}
