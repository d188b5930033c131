//! The desired-state store: `mailsec.yaml` plus its `certs/` folder, read strictly, written atomically under a lock.

mod atomic;
mod docs;
mod emit;
mod error;
mod fast_read;
mod hint;
mod lock;
mod pack;
pub mod preserve;

pub use atomic::atomic_write;
pub use docs::{read_doc, write_doc, Doc};
pub use error::StoreError;
pub use hint::targets_hint;
pub use lock::{force_unlock, LockError, LockGuard, LockInfo};

use std::path::{Path, PathBuf};

use crate::model::DesiredState;

/// Where the state lives, from `--state`, `MAILSEC_STATE`, or `./mailsec.yaml`.
#[derive(Debug, Clone)]
pub struct Store {
    path: PathBuf,
}

/// A loaded state and the text it came from (so a save can keep the person's comments).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub state: DesiredState,
    pub original: Option<String>,
}

impl Store {
    pub fn new(path: impl Into<PathBuf>) -> Store {
        Store { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder the state file is in; relative paths in the state resolve against it.
    pub fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    pub fn lock_path(&self) -> PathBuf {
        let mut name = self
            .path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(".lock");
        self.path.with_file_name(name)
    }

    /// Read the state. A missing file is an empty state; a damaged or unknown-version file is an error.
    pub fn load(&self) -> Result<Loaded, StoreError> {
        match docs::read_state_doc(&self.path)? {
            None => Ok(Loaded {
                state: DesiredState::default(),
                original: None,
            }),
            Some(Doc { value, text }) => Ok(Loaded {
                state: value,
                original: Some(text),
            }),
        }
    }

    /// Write `state` (certificate files first, then the YAML, atomically), keeping comments of `original`.
    pub fn save(&self, state: &DesiredState, original: Option<&str>) -> Result<(), StoreError> {
        prepare_references(state);
        write_doc(&self.path, state, original, true)
    }

    /// Take the state lock for `operation` (e.g. "apply"); see [`lock`] for takeover rules.
    pub fn lock(&self, operation: &str) -> Result<(LockGuard, Option<String>), LockError> {
        lock::acquire(&self.lock_path(), operation)
    }
}

/// Work out the YAML reference of every certificate value in `state` on every core, before the
/// document is written (by one thread). A reference shows the decoded certificate (thumbprint,
/// subject, expiry): an export of 100,000 certificates spends most of its CPU decoding them.
fn prepare_references(state: &DesiredState) {
    let mut certs: Vec<&crate::cert::Cert> = Vec::new();
    for m in &state.mailboxes {
        certs.extend(m.user_certificate.iter().flatten());
        certs.extend(m.user_smime_certificate.iter().flatten());
    }
    for c in &state.mail_contacts {
        certs.extend(c.user_certificate.iter().flatten());
        certs.extend(c.user_smime_certificate.iter().flatten());
    }
    crate::parallel::map_chunks(&certs, |part| {
        for c in part {
            c.reference();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::Cert;
    use crate::model::Mailbox;
    use proptest::prelude::*;

    #[test]
    fn save_then_load_gives_the_same_state_and_exact_bytes() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::new(d.path().join("mailsec.yaml"));
        let mut s = DesiredState::default();
        s.mailboxes.push(Mailbox {
            guid: uuid::Uuid::from_u128(7),
            name: "jo".into(),
            user_certificate: Some(vec![Cert::from_bytes(b"\x00\x01not a cert".to_vec())]),
            ..Default::default()
        });
        store.save(&s, None).unwrap();
        let loaded = store.load().unwrap();
        assert_eq!(loaded.state, s);
        let cert = &loaded.state.mailboxes[0].user_certificate.as_ref().unwrap()[0];
        assert_eq!(cert.bytes(), b"\x00\x01not a cert");
        // Replacing the certificate removes the file nobody references any more.
        let mut s2 = s.clone();
        s2.mailboxes[0].user_certificate = Some(vec![]);
        store.save(&s2, loaded.original.as_deref()).unwrap();
        assert_eq!(
            std::fs::read_dir(d.path().join("certs")).unwrap().count(),
            0
        );
    }

    #[test]
    fn a_missing_certificate_file_is_named() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::new(d.path().join("mailsec.yaml"));
        let sha = "ab".repeat(32);
        std::fs::write(
            store.path(),
            format!("apiVersion: mailsec/v1\nmailboxes:\n- Guid: 00000000-0000-0000-0000-000000000001\n  Name: jo\n  UserCertificate:\n  - file: certs/{sha}.cer\n    format: x509\n"),
        )
        .unwrap();
        let e = store.load().unwrap_err().to_string();
        assert!(
            e.contains(&format!("certificate file 'certs/{sha}.cer' is missing")),
            "{e}"
        );
        assert!(e.contains("mailsec.yaml:6:"), "{e}");
    }

    proptest! {
        /// Whatever is in the file, loading never panics, and a refused file is never written.
        #[test]
        fn any_text_loads_or_is_refused(text in "(apiVersion: mailsec/v1\n)?[ -~\n]{0,300}") {
            let d = tempfile::tempdir().unwrap();
            let store = Store::new(d.path().join("mailsec.yaml"));
            std::fs::write(store.path(), &text).unwrap();
            let _ = store.load();
            prop_assert_eq!(std::fs::read_to_string(store.path()).unwrap(), text);
        }
    }
}
