//! Reading and writing one YAML document with a `certs/` folder beside it (used by the state file and the embedded backends).

use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{atomic_write, emit, preserve, StoreError};
use crate::cert::{collect_references, sha256_of_file_name, Cert, CertFormat, CERTS_DIR};

/// A document and the exact text it was read from.
#[derive(Debug, Clone)]
pub struct Doc<T> {
    pub value: T,
    pub text: String,
}

fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Read `path`; `Ok(None)` when it does not exist. With `version`, the document's
/// `apiVersion` must be exactly that.
pub fn read_doc<T: DeserializeOwned>(
    path: &Path,
    version: Option<&str>,
) -> Result<Option<Doc<T>>, StoreError> {
    let text = match fs::read(path) {
        Ok(b) => String::from_utf8(b).map_err(|e| StoreError::Parse {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(StoreError::Read {
                path: path.to_path_buf(),
                source: e,
            })
        }
    };
    preload_certs(path)?;
    let parse_err = |e: serde_norway::Error| {
        let loc = e.location();
        StoreError::Parse {
            path: path.to_path_buf(),
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            message: e.to_string(),
        }
    };
    let raw: serde_norway::Value = serde_norway::from_str(&text).map_err(parse_err)?;
    if let Some(expected) = version {
        check_version(path, &text, &raw, expected)?;
    }
    let value = serde_norway::from_str(&text).map_err(parse_err)?;
    Ok(Some(Doc { value, text }))
}

fn check_version(
    path: &Path,
    text: &str,
    raw: &serde_norway::Value,
    expected: &str,
) -> Result<(), StoreError> {
    let found = match raw {
        serde_norway::Value::Mapping(m) => m.get("apiVersion").cloned(),
        serde_norway::Value::Null => {
            return Err(StoreError::Parse {
                path: path.to_path_buf(),
                line: Some(1),
                column: Some(1),
                message: format!(
                    "the file is empty; a state file starts with `apiVersion: {expected}`"
                ),
            })
        }
        _ => {
            return Err(StoreError::Parse {
                path: path.to_path_buf(),
                line: Some(1),
                column: Some(1),
                message: "the document is not a mapping of sections (apiVersion, mailboxes, ...)"
                    .into(),
            })
        }
    };
    let (line, column) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find("apiVersion").map(|c| (i + 1, c + 1)))
        .map(|(l, c)| (Some(l), Some(c)))
        .unwrap_or((None, None));
    match found {
        Some(serde_norway::Value::String(s)) if s == expected => Ok(()),
        Some(other) => Err(StoreError::Version {
            path: path.to_path_buf(),
            line,
            column,
            found: match other {
                serde_norway::Value::String(s) => s,
                v => serde_norway::to_string(&v)
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            },
            expected: expected.to_string(),
        }),
        None => Err(StoreError::Parse {
            path: path.to_path_buf(),
            line: Some(1),
            column: Some(1),
            message: format!("missing `apiVersion: {expected}`"),
        }),
    }
}

/// Load every `certs/<sha256>.<ext>` beside `path`, checking each file's bytes against its name.
fn preload_certs(path: &Path) -> Result<(), StoreError> {
    let dir = dir_of(path).join(CERTS_DIR);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(sha) = sha256_of_file_name(&name) else {
            continue;
        };
        let file = entry.path();
        let bytes = fs::read(&file).map_err(|e| StoreError::Read {
            path: file.clone(),
            source: e,
        })?;
        let actual: [u8; 32] = Sha256::digest(&bytes).into();
        if actual != sha {
            return Err(StoreError::CertTampered {
                path: path.to_path_buf(),
                file: format!("{CERTS_DIR}/{name}"),
                actual: hex::encode(actual),
            });
        }
        Cert::from_bytes(bytes);
    }
    Ok(())
}

/// Write `value` to `path`: certificate files first, then the YAML atomically, keeping the
/// comments and layout of `original` for everything that did not change. With `collect_garbage`,
/// certificate files no longer referenced are removed afterwards.
pub fn write_doc<T: Serialize>(
    path: &Path,
    value: &T,
    original: Option<&str>,
    collect_garbage: bool,
) -> Result<(), StoreError> {
    let encode = |message: String| StoreError::Encode {
        path: path.to_path_buf(),
        message,
    };
    // One serialization gives the text and, on the way, the certificate files it references.
    let (text, referenced) = collect_references(|| {
        // Written from scratch: the same text serde_norway writes, by the fast writer when it can.
        let fresh = || match emit::to_string(value) {
            Some(text) => Ok(text),
            None => serde_norway::to_string(value).map_err(|e| encode(e.to_string())),
        };
        match original {
            Some(orig) if !orig.trim().is_empty() => {
                let yaml_value =
                    serde_norway::to_value(value).map_err(|e| encode(e.to_string()))?;
                match preserve::splice(orig, &yaml_value) {
                    Ok(t) => Ok(t),
                    Err(_) => fresh(),
                }
            }
            _ => fresh(),
        }
    });
    let text = text?;
    let certs_dir = dir_of(path).join(CERTS_DIR);
    let mut missing: Vec<(String, Cert)> = Vec::new();
    for file in &referenced {
        if certs_dir.join(file).exists() {
            continue;
        }
        let cert = crate::cert::CertRef {
            file: format!("{CERTS_DIR}/{file}"),
            format: CertFormat::Opaque,
            thumbprint: None,
            subject: None,
            not_after: None,
            certificates: None,
            size: None,
        }
        .resolve()
        .map_err(encode)?;
        missing.push((file.clone(), cert));
    }
    let batch: Vec<(String, &[u8])> = missing
        .iter()
        .map(|(f, c)| (f.clone(), c.bytes()))
        .collect();
    // The certificate files are durable before the document that names them is renamed in.
    super::atomic::write_batch(&certs_dir, &batch).map_err(|e| StoreError::Write {
        path: certs_dir.clone(),
        source: e,
    })?;
    atomic_write(path, text.as_bytes()).map_err(|e| StoreError::Write {
        path: path.to_path_buf(),
        source: e,
    })?;
    if collect_garbage {
        if let Ok(entries) = fs::read_dir(&certs_dir) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if sha256_of_file_name(&name).is_some() && !referenced.contains(&name) {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
    }
    Ok(())
}
