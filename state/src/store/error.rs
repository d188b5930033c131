//! Errors reading or writing state files: each names the file and, where it can, the line and column.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}: cannot read: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot write: {source}; the previous file is left as it was", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}{}: {message}\nThe file was left untouched; fix it (or restore it from git) and run again.", .path.display(), location(*.line, *.column))]
    Parse {
        path: PathBuf,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    #[error("{}{}: unsupported apiVersion '{found}': this mailsec reads and writes '{expected}'. The file was left untouched.", .path.display(), location(*.line, *.column))]
    Version {
        path: PathBuf,
        line: Option<usize>,
        column: Option<usize>,
        found: String,
        expected: String,
    },
    #[error("{}: certificate file {file} does not hold the bytes its name says (SHA-256 {actual}); it was edited by hand. Restore it from git, or set the certificate again.", .path.display())]
    CertTampered {
        path: PathBuf,
        file: String,
        actual: String,
    },
    #[error("{}: certificate pack {pack} is damaged: {message}. Restore it from git, or set its certificates again.", .path.display())]
    Pack {
        path: PathBuf,
        pack: String,
        message: String,
    },
    #[error("{}: cannot save: {message}", .path.display())]
    Encode { path: PathBuf, message: String },
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

impl StoreError {
    /// Line and column (1-based) of the problem, when known.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            StoreError::Parse { line, column, .. } | StoreError::Version { line, column, .. } => {
                Some(((*line)?, column.unwrap_or(1)))
            }
            _ => None,
        }
    }
}
