//! The desired-state store: `mailsec.yaml` plus its `certs/` folder, read strictly, written atomically under a lock.

mod atomic;
mod docs;
mod error;
mod lock;
pub mod preserve;

pub use atomic::atomic_write;
pub use docs::{read_doc, write_doc, Doc};
pub use error::StoreError;
pub use lock::{force_unlock, LockError, LockGuard, LockInfo};

use std::path::{Path, PathBuf};

use crate::model::{DesiredState, API_VERSION};

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
        match read_doc::<DesiredState>(&self.path, Some(API_VERSION))? {
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
        write_doc(&self.path, state, original, true)
    }

    /// Take the state lock for `operation` (e.g. "apply"); see [`lock`] for takeover rules.
    pub fn lock(&self, operation: &str) -> Result<(LockGuard, Option<String>), LockError> {
        lock::acquire(&self.lock_path(), operation)
    }
}
