//! Reading and writing one YAML document with a `certs/` folder beside it (used by the state file and the embedded backends).

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{atomic_write, emit, pack, preserve, StoreError};
use crate::cert::{collect_references, sha256_of_file_name, Cert, CertFormat, CERTS_DIR};
use crate::model::{DesiredState, API_VERSION};

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
    let Some(text) = read_text(path)? else {
        return Ok(None);
    };
    preload_certs(path)?;
    parse_doc(path, text, version).map(Some)
}

/// [`read_doc`] for the desired state, with the YAML parsed while the certificate files load.
///
/// A large state names 100,000 certificate files: reading and hashing them took as long as the
/// parse, which waited for them because each reference was looked up as it was parsed. Here the
/// references are parsed as placeholders ([`crate::cert::deferred`]) and looked up once both are
/// done. Whenever that does not give a whole state (a parse error, a file that is missing, or a
/// placeholder left unresolved), the document is parsed again the ordinary way, so every error is
/// the one [`read_doc`] gives.
pub(crate) fn read_state_doc(path: &Path) -> Result<Option<Doc<DesiredState>>, StoreError> {
    let Some(text) = read_text(path)? else {
        return Ok(None);
    };
    if !starts_with_version(&text, API_VERSION) {
        preload_certs(path)?;
        return parse_doc(path, text, Some(API_VERSION)).map(Some);
    }
    let (preloaded, (parsed, placeholders)) = std::thread::scope(|scope| {
        let loading = scope.spawn(|| preload_certs(path));
        // The fast reader first; when it gives up, serde_norway (each counts its own placeholders).
        let parsed = match crate::cert::deferred(|| super::fast_read::from_str(&text)) {
            (Some(value), made) => (Some(value), made),
            (None, _) => {
                crate::cert::deferred(|| serde_norway::from_str::<DesiredState>(&text).ok())
            }
        };
        let preloaded = loading
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (preloaded, parsed)
    });
    preloaded?;
    if let Some(mut value) = parsed {
        let mut resolved = 0usize;
        let mut whole = true;
        for cert in value.certs_mut() {
            whole &= cert.resolve_deferred();
            resolved += 1;
        }
        if whole && resolved == placeholders {
            return Ok(Some(Doc { value, text }));
        }
    }
    parse_doc(path, text, Some(API_VERSION)).map(Some)
}

/// The file's text; `Ok(None)` when it does not exist.
fn read_text(path: &Path) -> Result<Option<String>, StoreError> {
    match fs::read(path) {
        Ok(b) => String::from_utf8(b)
            .map(Some)
            .map_err(|e| StoreError::Parse {
                path: path.to_path_buf(),
                line: None,
                column: None,
                message: format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::Read {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

/// Parse `text` (read from `path`), its certificate files already loaded.
fn parse_doc<T: DeserializeOwned>(
    path: &Path,
    text: String,
    version: Option<&str>,
) -> Result<Doc<T>, StoreError> {
    let parse_err = |e: serde_norway::Error| {
        let loc = e.location();
        StoreError::Parse {
            path: path.to_path_buf(),
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            message: e.to_string(),
        }
    };
    // A document that plainly starts with the expected version needs one parse, not two (a
    // 50,000-mailbox state is ~35 MB of YAML). Anything the typed parse refuses is read again
    // the careful way below, so every error is the one it always was.
    if let Some(expected) = version {
        if starts_with_version(&text, expected) {
            if let Some(value) = super::fast_read::from_str(&text) {
                return Ok(Doc { value, text });
            }
            if let Ok(value) = serde_norway::from_str(&text) {
                return Ok(Doc { value, text });
            }
        }
    }
    let raw: serde_norway::Value = serde_norway::from_str(&text).map_err(parse_err)?;
    if let Some(expected) = version {
        check_version(path, &text, &raw, expected)?;
    }
    let value = serde_norway::from_str(&text).map_err(parse_err)?;
    Ok(Doc { value, text })
}

/// Does the document's first line say `apiVersion: <expected>`, with nothing that could continue it?
///
/// Then a document that parses at all is a mapping whose `apiVersion` is `expected` (a second
/// `apiVersion` key is a duplicate field, which the typed parse refuses): exactly what
/// [`check_version`] would accept. A plain scalar at the top level ends at a line that is not
/// indented, so the value is complete when the next line does not start with a space or a tab.
fn starts_with_version(text: &str, expected: &str) -> bool {
    let mut lines = text.split('\n');
    let first = lines.next().unwrap_or_default();
    let Some(value) = first.strip_prefix("apiVersion: ") else {
        return false;
    };
    if value != expected {
        return false;
    }
    match lines.next() {
        None => true,
        Some(next) => !next.starts_with([' ', '\t']),
    }
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

/// Load every `certs/<sha256>.<ext>` beside `path`, and every file in its packs
/// (`certs/pack-<sha256>.pack`, see [`super::pack`]), checking each file's bytes against its name.
///
/// A state may name 100,000 certificate files: they are read and hashed on every core, each
/// thread taking a share of the folder (or of a pack); the first problem (in folder order, packs
/// first) is the one reported.
fn preload_certs(path: &Path) -> Result<(), StoreError> {
    let dir = dir_of(path).join(CERTS_DIR);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Ok(());
    };
    let mut files: Vec<(String, [u8; 32])> = Vec::new();
    let mut packs: Vec<String> = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(sha) = sha256_of_file_name(&name) {
            files.push((name, sha));
        } else if pack::is_pack_name(&name) {
            packs.push(name);
        }
    }
    packs.sort();
    for name in &packs {
        let file = dir.join(name);
        let bytes = fs::read(&file).map_err(|e| StoreError::Read {
            path: file.clone(),
            source: e,
        })?;
        let held = pack::parse(&bytes).map_err(|e| StoreError::Pack {
            path: path.to_path_buf(),
            pack: format!("{CERTS_DIR}/{name}"),
            message: e.to_string(),
        })?;
        crate::parallel::map_chunks(&held, |part| {
            for (file, bytes) in part {
                let shown = || format!("{CERTS_DIR}/{name} (its file {file})");
                check_and_intern(path, bytes.to_vec(), file, shown)?;
            }
            Ok(())
        })
        .into_iter()
        .collect::<Result<(), StoreError>>()?;
    }
    crate::parallel::map_chunks(&files, |part| preload_part(path, &dir, part))
        .into_iter()
        .collect()
}

/// Read, check and intern the certificate files `part` names.
fn preload_part(path: &Path, dir: &Path, part: &[(String, [u8; 32])]) -> Result<(), StoreError> {
    for (name, _) in part {
        let file = dir.join(name);
        let bytes = fs::read(&file).map_err(|e| StoreError::Read {
            path: file.clone(),
            source: e,
        })?;
        check_and_intern(path, bytes, name, || format!("{CERTS_DIR}/{name}"))?;
    }
    Ok(())
}

/// Intern `bytes` if their SHA-256 is the one the certificate file name `name` says; else the
/// error names the file as `shown` gives it.
fn check_and_intern(
    path: &Path,
    bytes: Vec<u8>,
    name: &str,
    shown: impl FnOnce() -> String,
) -> Result<(), StoreError> {
    let actual: [u8; 32] = Sha256::digest(&bytes).into();
    if sha256_of_file_name(name) != Some(actual) {
        return Err(StoreError::CertTampered {
            path: path.to_path_buf(),
            file: shown(),
            actual: hex::encode(actual),
        });
    }
    Cert::from_hashed_bytes(bytes, actual);
    Ok(())
}

/// The packs in `dir` and the certificate files each holds (a pack that cannot be read holds none
/// here: loading the state reports it).
fn packs_in(dir: &Path) -> Vec<(String, Vec<String>)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<String>)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            pack::is_pack_name(&name).then_some(name)
        })
        .map(|name| {
            let held = fs::read(dir.join(&name))
                .ok()
                .and_then(|bytes| {
                    pack::parse(&bytes)
                        .ok()
                        .map(|files| files.iter().map(|(f, _)| f.to_string()).collect())
                })
                .unwrap_or_default();
            (name, held)
        })
        .collect();
    out.sort();
    out
}

/// Write new certificate files into `dir`, durably: as one pack when there are many
/// ([`pack::PACK_MIN`]), else as loose files.
fn write_cert_files(dir: &Path, files: &[(String, &[u8])]) -> std::io::Result<()> {
    if files.len() >= pack::PACK_MIN {
        let (name, bytes) = pack::encode(files);
        super::atomic::write_batch(dir, &[(name, &bytes)])
    } else {
        super::atomic::write_batch(dir, files)
    }
}

/// Remove the certificate files in `dir` that `referenced` does not name: loose files, and packs
/// that hold none of them. A pack of which fewer than half are still named is written again with
/// only those (durably, before the old one is removed). Nothing here can lose a file that is named.
///
/// `packs` are the packs that were there before this save ([`packs_in`]): a pack the save wrote
/// holds only named files, so it is never garbage.
fn collect_garbage_in(
    dir: &Path,
    referenced: &BTreeSet<String>,
    packs: Vec<(String, Vec<String>)>,
) {
    let mut loose: HashSet<String> = HashSet::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if sha256_of_file_name(&name).is_none() {
                continue;
            }
            if referenced.contains(&name) {
                loose.insert(name);
            } else {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
    for (name, held) in packs {
        let named = held.iter().filter(|f| referenced.contains(*f)).count();
        if named * 2 >= held.len() && named > 0 {
            continue;
        }
        let pack_path = dir.join(&name);
        if named > 0 {
            // Keep what is still named and not already loose, then drop the old pack.
            let Ok(bytes) = fs::read(&pack_path) else {
                continue;
            };
            let Ok(files) = pack::parse(&bytes) else {
                continue;
            };
            let keep: Vec<(String, &[u8])> = files
                .into_iter()
                .filter(|(f, _)| referenced.contains(*f) && !loose.contains(*f))
                .map(|(f, b)| (f.to_string(), b))
                .collect();
            if write_cert_files(dir, &keep).is_err() {
                continue;
            }
        }
        let _ = fs::remove_file(pack_path);
    }
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
    // The files already there, listed once (not one lookup per referenced file). A folder that
    // cannot be listed counts as empty: writing into it then says what is wrong.
    // Files held by a pack are there too.
    let mut present: HashSet<String> = fs::read_dir(&certs_dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    // Each pack is read once per save: for what it holds here, and for garbage collection below.
    let packs = if present.iter().any(|name| pack::is_pack_name(name)) {
        packs_in(&certs_dir)
    } else {
        Vec::new()
    };
    present.extend(packs.iter().flat_map(|(_, held)| held.iter().cloned()));
    let mut missing: Vec<(String, Cert)> = Vec::new();
    for file in &referenced {
        if present.contains(file) {
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
    write_cert_files(&certs_dir, &batch).map_err(|e| StoreError::Write {
        path: certs_dir.clone(),
        source: e,
    })?;
    atomic_write(path, text.as_bytes()).map_err(|e| StoreError::Write {
        path: path.to_path_buf(),
        source: e,
    })?;
    if collect_garbage {
        collect_garbage_in(&certs_dir, &referenced, packs);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DesiredState, API_VERSION};

    #[test]
    fn only_a_plain_first_line_with_the_version_takes_the_one_parse_path() {
        let v = API_VERSION;
        assert!(starts_with_version(
            &format!("apiVersion: {v}\nmailboxes: []\n"),
            v
        ));
        assert!(starts_with_version(&format!("apiVersion: {v}"), v));
        assert!(starts_with_version(
            &format!("apiVersion: {v}\n# note\n"),
            v
        ));
        // A continued value, a comment, another version or another first line: the careful path.
        assert!(!starts_with_version(
            &format!("apiVersion: {v}\n  more\n"),
            v
        ));
        assert!(!starts_with_version(&format!("apiVersion: {v} # x\n"), v));
        assert!(!starts_with_version("apiVersion: mailsec/v2\n", v));
        assert!(!starts_with_version(&format!("---\napiVersion: {v}\n"), v));
        assert!(!starts_with_version(&format!("apiVersion: '{v}'\n"), v));
    }

    /// A state with a certificate in every place one can be: the S/MIME config, a mailbox, a contact.
    fn state_with_certificates(tag: &[u8]) -> DesiredState {
        use crate::model::{MailContact, Mailbox, SmimeConfig};
        let cert = |i: u8| Cert::from_bytes([tag, b"\x00not a certificate ", &[i]].concat());
        DesiredState {
            smime_config: Some(SmimeConfig {
                SMIMECertificateIssuingCA: Some(Some(cert(0))),
                ..SmimeConfig::default()
            }),
            mailboxes: vec![Mailbox {
                guid: uuid::Uuid::from_u128(1),
                name: "jo".into(),
                user_certificate: Some(vec![cert(1), cert(2)]),
                user_smime_certificate: Some(vec![cert(3)]),
                ..Mailbox::default()
            }],
            mail_contacts: vec![MailContact {
                guid: uuid::Uuid::from_u128(2),
                name: "partner".into(),
                external_email_address: "SMTP:p@partner.example".into(),
                user_certificate: Some(vec![cert(4), cert(1)]),
                user_smime_certificate: Some(vec![cert(5)]),
                ..MailContact::default()
            }],
            ..DesiredState::default()
        }
    }

    #[test]
    fn the_overlapped_read_gives_what_read_doc_gives() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("mailsec.yaml");
        let state = state_with_certificates(b"overlapped");
        crate::store::Store::new(&path).save(&state, None).unwrap();
        let mut ours = read_state_doc(&path).unwrap().unwrap();
        let theirs = read_doc::<DesiredState>(&path, Some(API_VERSION))
            .unwrap()
            .unwrap();
        assert_eq!(ours.value, state);
        assert_eq!(ours.value, theirs.value);
        assert_eq!(ours.text, theirs.text);
        // Every value has its bytes, not a placeholder's.
        let mut n = 0;
        for (mine, want) in ours.value.certs_mut().zip(
            [0u8, 1, 2, 3, 4, 1, 5]
                .iter()
                .map(|i| [&b"overlapped"[..], b"\x00not a certificate ", &[*i]].concat()),
        ) {
            assert_eq!(mine.bytes(), want.as_slice());
            n += 1;
        }
        assert_eq!(n, 7);
        assert_eq!(
            read_state_doc(&d.path().join("absent.yaml"))
                .unwrap()
                .map(|d| d.text),
            None
        );
    }

    #[test]
    fn the_overlapped_read_fails_as_read_doc_fails() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("mailsec.yaml");
        let state = state_with_certificates(b"failing");
        crate::store::Store::new(&path).save(&state, None).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let missing = format!("certs/{}.bin", "cd".repeat(32));
        let first_file = text
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("- file: ")
                    .or(l.trim().strip_prefix("file: "))
            })
            .unwrap()
            .to_string();
        let cases = [
            // A reference to a file that is not there: the error names it with its position.
            text.replacen(&first_file, &missing, 1),
            // Not a name mailsec writes.
            text.replacen(&first_file, "certs/x.cer", 1),
            // Damaged YAML, a wrong version, an unknown field.
            format!("{text}mailboxes: [\n"),
            text.replacen(API_VERSION, "mailsec/v0", 1),
            text.replacen("Name: jo", "Nam: jo", 1),
        ];
        for case in cases {
            std::fs::write(&path, &case).unwrap();
            let ours = read_state_doc(&path).unwrap_err().to_string();
            let theirs = read_doc::<DesiredState>(&path, Some(API_VERSION))
                .unwrap_err()
                .to_string();
            assert_eq!(ours, theirs, "{case}");
        }
        // A tampered certificate file is the same error too.
        std::fs::write(&path, &text).unwrap();
        let file = d.path().join(first_file.trim());
        std::fs::write(&file, b"edited by hand").unwrap();
        let ours = read_state_doc(&path).unwrap_err().to_string();
        let theirs = read_doc::<DesiredState>(&path, Some(API_VERSION))
            .unwrap_err()
            .to_string();
        assert_eq!(ours, theirs);
        assert!(ours.contains("certs/"), "{ours}");
    }

    #[test]
    fn errors_are_the_careful_paths_own() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("mailsec.yaml");
        let cases = [
            // Parses untyped, refused typed: the typed error with its position.
            format!("apiVersion: {API_VERSION}\nmailboxes: 5\n"),
            // A duplicate key the typed read also refuses.
            format!("apiVersion: {API_VERSION}\nmailboxes: []\nmailboxes: []\n"),
            // Not YAML.
            format!("apiVersion: {API_VERSION}\nmailboxes: [\n"),
        ];
        for text in cases {
            std::fs::write(&path, &text).unwrap();
            let e = read_doc::<DesiredState>(&path, Some(API_VERSION)).unwrap_err();
            assert!(matches!(e, StoreError::Parse { .. }), "{text}: {e}");
            assert!(e.position().is_some(), "{text}: {e}");
        }
        std::fs::write(&path, format!("apiVersion: {API_VERSION}\n")).unwrap();
        let doc = read_doc::<DesiredState>(&path, Some(API_VERSION))
            .unwrap()
            .unwrap();
        assert_eq!(doc.value, DesiredState::default());
    }

    /// A state whose `n` mailboxes each publish one certificate of their own.
    fn many_certificates(n: usize, tag: &str) -> DesiredState {
        use crate::model::Mailbox;
        DesiredState {
            mailboxes: (0..n)
                .map(|i| Mailbox {
                    guid: uuid::Uuid::from_u128(i as u128 + 1),
                    name: format!("m{i}"),
                    user_certificate: Some(vec![Cert::from_bytes(
                        format!("\x00{tag} certificate {i}").into_bytes(),
                    )]),
                    ..Mailbox::default()
                })
                .collect(),
            ..DesiredState::default()
        }
    }

    /// The names in `certs/`: (packs, loose files).
    fn certs_folder(dir: &Path) -> (Vec<String>, Vec<String>) {
        let mut names: Vec<String> = fs::read_dir(dir.join(CERTS_DIR))
            .map(|e| {
                e.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names.into_iter().partition(|n| pack::is_pack_name(n))
    }

    #[test]
    fn a_large_save_writes_one_pack_that_loads_back_exactly() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("mailsec.yaml");
        let state = many_certificates(pack::PACK_MIN, "packed");
        crate::store::Store::new(&path).save(&state, None).unwrap();
        let (packs, loose) = certs_folder(d.path());
        assert_eq!((packs.len(), loose.len()), (1, 0), "{packs:?} {loose:?}");
        let loaded = read_state_doc(&path).unwrap().unwrap();
        assert_eq!(loaded.value, state);
        for (m, want) in loaded.value.mailboxes.iter().zip(&state.mailboxes) {
            let (got, want) = (m.user_certificate.as_ref(), want.user_certificate.as_ref());
            assert_eq!(got.unwrap()[0].bytes(), want.unwrap()[0].bytes());
        }
        // Saving again adds nothing: the pack's files count as there.
        crate::store::Store::new(&path)
            .save(&state, Some(&loaded.text))
            .unwrap();
        assert_eq!(certs_folder(d.path()), (packs, loose));
        // A small save writes loose files.
        let small = many_certificates(3, "loose");
        let d2 = tempfile::tempdir().unwrap();
        crate::store::Store::new(d2.path().join("mailsec.yaml"))
            .save(&small, None)
            .unwrap();
        assert_eq!(certs_folder(d2.path()).1.len(), 3);
    }

    #[test]
    fn a_damaged_pack_is_refused_and_named() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("mailsec.yaml");
        crate::store::Store::new(&path)
            .save(&many_certificates(pack::PACK_MIN, "damaged"), None)
            .unwrap();
        let pack_name = certs_folder(d.path()).0.remove(0);
        let pack_path = d.path().join(CERTS_DIR).join(&pack_name);
        let good = fs::read(&pack_path).unwrap();
        // A file's bytes edited: that file is named, in its pack.
        let mut edited = good.clone();
        let last = edited.len() - 1;
        edited[last] ^= 1;
        fs::write(&pack_path, &edited).unwrap();
        let e = read_state_doc(&path).unwrap_err();
        assert!(matches!(e, StoreError::CertTampered { .. }), "{e}");
        let text = e.to_string();
        assert!(
            text.contains(&pack_name) && text.contains("its file "),
            "{text}"
        );
        // A cut pack: what is wrong with it.
        fs::write(&pack_path, &good[..good.len() - 10]).unwrap();
        let e = read_state_doc(&path).unwrap_err();
        assert!(matches!(e, StoreError::Pack { .. }), "{e}");
        assert!(e.to_string().contains("index lists"), "{e}");
        assert_eq!(
            e.to_string(),
            read_doc::<DesiredState>(&path, Some(API_VERSION))
                .unwrap_err()
                .to_string()
        );
    }

    #[test]
    fn garbage_collection_keeps_every_named_file_and_drops_dead_packs() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("mailsec.yaml");
        let store = crate::store::Store::new(&path);
        let all = many_certificates(pack::PACK_MIN, "gc");
        store.save(&all, None).unwrap();
        // Most still named: the pack stays as it is.
        let mut most = all.clone();
        most.mailboxes.truncate(pack::PACK_MIN * 3 / 4);
        store.save(&most, None).unwrap();
        let (packs, loose) = certs_folder(d.path());
        assert_eq!((packs.len(), loose.len()), (1, 0));
        assert_eq!(read_state_doc(&path).unwrap().unwrap().value, most);
        // Few still named, and one new: those few come out of the pack, which goes.
        let mut few = all.clone();
        few.mailboxes.truncate(10);
        few.mailboxes[0].user_certificate = Some(vec![Cert::from_bytes(b"\x00gc new".to_vec())]);
        store.save(&few, None).unwrap();
        let (packs, loose) = certs_folder(d.path());
        assert_eq!((packs.len(), loose.len()), (0, 10), "{packs:?}");
        assert_eq!(read_state_doc(&path).unwrap().unwrap().value, few);
        // None named: nothing left.
        store.save(&DesiredState::default(), None).unwrap();
        assert_eq!(certs_folder(d.path()), (vec![], vec![]));
    }
}
