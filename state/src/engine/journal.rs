//! The apply journal: one JSON-lines file per apply under `.mailsec/journal/`, recording each change
//! as it is carried out with its old and new values, so an admin can see (and undo) what an apply did.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;
use time::format_description::well_known::Rfc3339;

use crate::plan::ResourceChange;

pub const JOURNAL_DIR: &str = ".mailsec/journal";

pub struct Journal {
    path: PathBuf,
    file: File,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot write the apply journal {path}: {message}")]
pub struct JournalError {
    pub path: String,
    pub message: String,
}

impl Journal {
    /// Start a journal in `state_dir`, naming the targets the apply writes to.
    pub fn start(state_dir: &Path, targets: &[String]) -> Result<Journal, JournalError> {
        let now = crate::clock::now().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
        let stamp = now.format(&Rfc3339).unwrap_or_default().replace(':', "");
        let dir = state_dir.join(JOURNAL_DIR);
        let path = dir.join(format!("{stamp}-{}.jsonl", std::process::id()));
        let fail = |e: std::io::Error| JournalError {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(&dir).map_err(fail)?;
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&path)
            .map_err(fail)?;
        let mut j = Journal { path, file };
        j.line(&json!({"event": "start", "at": now.format(&Rfc3339).unwrap_or_default(), "targets": targets}))?;
        Ok(j)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Record one change carried out (flushed at once: a crash loses nothing written before it).
    pub fn applied(&mut self, c: &ResourceChange) -> Result<(), JournalError> {
        self.line(&json!({"event": "applied", "change": c}))
    }

    pub fn finish(&mut self, applied: usize, error: Option<&str>) -> Result<(), JournalError> {
        let at = crate::clock::now()
            .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
            .format(&Rfc3339)
            .unwrap_or_default();
        self.line(&json!({"event": "finish", "at": at, "applied": applied, "error": error}))
    }

    fn line(&mut self, v: &serde_json::Value) -> Result<(), JournalError> {
        let fail = |e: std::io::Error| JournalError {
            path: self.path.display().to_string(),
            message: e.to_string(),
        };
        writeln!(self.file, "{v}").map_err(fail)?;
        self.file.flush().map_err(fail)
    }
}

/// The journals in `state_dir`, oldest first.
pub fn list(state_dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(state_dir.join(JOURNAL_DIR))
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}
