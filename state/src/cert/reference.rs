//! How a certificate value appears in YAML: a reference to its file under `certs/`, with thumbprint, subject and expiry shown beside it.

use serde::{Deserialize, Serialize};

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;

use super::{intern, Cert, CertFormat, CertInfo};

/// The YAML/JSON form of a [`Cert`]. Only `file` is authoritative; the other fields are
/// derived from the file's bytes and written so that a git diff reads well.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertRef {
    /// `certs/<sha256 of the bytes>.<ext>`, relative to the file that holds this reference.
    pub file: String,
    pub format: CertFormat,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbprint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
    /// For bundles (PKCS#7, .sst): the certificates inside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificates: Option<Vec<CertSummary>>,
    /// For opaque values: the byte count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CertSummary {
    pub thumbprint: String,
    pub subject: String,
    pub not_after: String,
}

/// The folder certificate files live in, relative to the document referencing them.
pub const CERTS_DIR: &str = "certs";

impl CertRef {
    pub fn of(cert: &Cert) -> CertRef {
        cert.reference().clone()
    }

    /// The reference of the value with these bytes (hash, format and decoded certificates).
    pub(crate) fn build(
        sha256: &[u8; 32],
        format: CertFormat,
        bytes: &[u8],
        infos: &[CertInfo],
    ) -> CertRef {
        let mut r = CertRef {
            file: format!("{CERTS_DIR}/{}", super::file_name(sha256, format, bytes)),
            format,
            thumbprint: None,
            subject: None,
            not_after: None,
            certificates: None,
            size: None,
        };
        match (format, infos) {
            (CertFormat::X509, [one]) => {
                r.thumbprint = Some(one.thumbprint.clone());
                r.subject = Some(one.subject.clone());
                r.not_after = Some(one.not_after_text());
            }
            (_, []) => r.size = Some(bytes.len()),
            (_, list) => {
                r.certificates = Some(
                    list.iter()
                        .map(|i| CertSummary {
                            thumbprint: i.thumbprint.clone(),
                            subject: i.subject.clone(),
                            not_after: i.not_after_text(),
                        })
                        .collect(),
                )
            }
        }
        r
    }

    /// The SHA-256 named by the file name, if the name has the `certs/<64 hex>.<ext>` form.
    pub fn sha256(&self) -> Option<[u8; 32]> {
        sha256_of_file_name(&self.file)
    }

    /// Find the bytes this reference names (they must have been loaded from its `certs/` folder).
    pub fn resolve(&self) -> Result<Cert, String> {
        let sha = self.sha256().ok_or_else(|| {
            format!(
                "'{}' is not a certificate file name mailsec wrote: expected {CERTS_DIR}/<64 hex digits of SHA-256>.<ext>",
                self.file
            )
        })?;
        let entry = intern::lookup(&sha).ok_or_else(|| {
            format!(
                "certificate file '{}' is missing: restore it (e.g. from git) or set the certificate again",
                self.file
            )
        })?;
        Ok(Cert::from_entry(entry))
    }
}

/// Parse `certs/<hex>.<ext>` (any folder prefix) into the hash it names: the 64 hex digits (either
/// case) between the last `/` or `\\` and the first `.` after it. Done by hand on bytes: a load reads
/// every name two or three times (YAML, pack index, file check), 300,000 times in a large state.
pub fn sha256_of_file_name(file: &str) -> Option<[u8; 32]> {
    let bytes = file.as_bytes();
    let start = bytes
        .iter()
        .rposition(|&b| b == b'/' || b == b'\\')
        .map_or(0, |i| i + 1);
    let base = &bytes[start..];
    let digits = &base[..base.iter().position(|&b| b == b'.').unwrap_or(base.len())];
    if digits.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
    }
    Some(out)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

impl Serialize for Cert {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if DIGEST_ONLY.with(Cell::get) {
            return DigestRef(&self.entry.sha256).serialize(s);
        }
        let reference = self.reference();
        note_reference(&reference.file);
        reference.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Cert {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = CertRef::deserialize(d)?;
        if let Some(n) = DEFERRED.with(Cell::get) {
            if let Some(sha) = r.sha256() {
                DEFERRED.with(|d| d.set(Some(n + 1)));
                return Ok(Cert::from_entry(intern::placeholder(sha)));
            }
        }
        r.resolve().map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Cert {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CertRef".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        CertRef::json_schema(g)
    }
}

thread_local! {
    /// The file names of the certificate values serialized inside [`collect_references`].
    static REFERENCED: RefCell<Option<BTreeSet<String>>> = const { RefCell::new(None) };
    /// Inside [`deferred`]: how many certificate references were read as placeholders.
    static DEFERRED: Cell<Option<usize>> = const { Cell::new(None) };
    /// Inside [`by_digest`]: certificates serialize as their content hash only.
    static DIGEST_ONLY: Cell<bool> = const { Cell::new(false) };
}

/// The digest-only form of a certificate: `{"file": "certs/<sha256 hex>"}`. It names the same
/// content as the full reference (the plan's comparison reads only the hash in `file`), but needs
/// neither the format nor the decoded certificates, so nothing is parsed to write it.
struct DigestRef<'a>(&'a [u8; 32]);

impl Serialize for DigestRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut file = String::with_capacity(CERTS_DIR.len() + 1 + 64);
        file.push_str(CERTS_DIR);
        file.push('/');
        push_hex(&mut file, self.0);
        let mut st = s.serialize_struct("CertRef", 1)?;
        st.serialize_field("file", &file)?;
        st.end()
    }
}

/// Append the lower-case hex of `bytes` to `out`: what `hex::encode` gives, without building the text
/// one `char` at a time (a plan writes and compares the digest of every certificate it holds).
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
}

/// Run `f` with certificate values serializing in their digest-only form (on this thread).
///
/// For comparisons that only need a value's identity: a full reference decodes the certificate
/// (thumbprint, subject, expiry), which is most of the cost of serializing it. What is written
/// inside is not a reference that reads back as a [`Cert`]: it is for comparing, not for keeping.
pub(crate) fn by_digest<R>(f: impl FnOnce() -> R) -> R {
    /// Puts the previous mode back, even when `f` panics.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = DIGEST_ONLY.try_with(|d| d.set(self.0));
        }
    }
    let _restore = Restore(DIGEST_ONLY.with(|d| d.replace(true)));
    f()
}

/// Run `f` (a parse) with certificate references not looked up: each one that names a hash becomes a
/// placeholder holding only that hash, so the parse need not wait for the certificate files to be
/// loaded. Also returns how many placeholders were made: the caller resolves every one of them
/// ([`Cert::resolve_deferred`]) once the files are loaded, or drops the result.
pub(crate) fn deferred<R>(f: impl FnOnce() -> R) -> (R, usize) {
    /// Puts the previous mode back, even when `f` panics.
    struct Restore(Option<usize>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = DEFERRED.try_with(|d| d.set(self.0));
        }
    }
    let restore = Restore(DEFERRED.with(|d| d.replace(Some(0))));
    let result = f();
    let made = DEFERRED.with(|d| d.replace(restore.0)).unwrap_or(0);
    drop(restore);
    (result, made)
}

fn note_reference(file: &str) {
    REFERENCED.with(|r| {
        if let Some(set) = r.borrow_mut().as_mut() {
            if let Some(base) = file.rsplit(['/', '\\']).next() {
                // The same certificate is usually referenced many times: allocate once.
                if !set.contains(base) {
                    set.insert(base.to_string());
                }
            }
        }
    });
}

/// Run `f` and also return the file names (`<sha256>.<ext>`, without the folder) of every
/// certificate value it serialized, on this thread.
///
/// A document is written by serializing it once: the certificate files it needs are learnt
/// on the way, instead of serializing it a second time to find them.
pub fn collect_references<R>(f: impl FnOnce() -> R) -> (R, BTreeSet<String>) {
    /// Puts the enclosing collection back, even when `f` panics.
    struct Restore(Option<Option<BTreeSet<String>>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(outer) = self.0.take() {
                let _ = REFERENCED.try_with(|r| *r.borrow_mut() = outer);
            }
        }
    }
    let mut restore = Restore(Some(
        REFERENCED.with(|r| r.borrow_mut().replace(BTreeSet::new())),
    ));
    let result = f();
    let mut files = REFERENCED
        .with(|r| r.borrow_mut().take())
        .unwrap_or_default();
    let mut outer = restore.0.take().flatten();
    // A collection around this one sees these files too.
    if let Some(set) = outer.as_mut() {
        set.extend(files.iter().cloned());
    }
    REFERENCED.with(|r| *r.borrow_mut() = outer);
    files.retain(|f| sha256_of_file_name(f).is_some());
    (result, files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What `sha256_of_file_name` did with the `hex` crate, for comparison.
    fn by_hex_crate(file: &str) -> Option<[u8; 32]> {
        let base = file.rsplit(['/', '\\']).next()?;
        let hex_part = base.split('.').next()?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_part, &mut out).ok()?;
        Some(out)
    }

    #[test]
    fn file_names_give_their_hash() {
        let hex64 = "00ff".repeat(16);
        let want: [u8; 32] = std::array::from_fn(|i| if i % 2 == 0 { 0 } else { 0xff });
        for name in [
            format!("{hex64}.cer"),
            format!("certs/{hex64}.p7b"),
            format!("a\\b/certs\\{}.x.y", hex64.to_uppercase()),
            hex64.clone(),
        ] {
            assert_eq!(sha256_of_file_name(&name), Some(want), "{name}");
        }
        for name in [
            format!("{}.cer", &hex64[1..]),
            format!("{hex64}0.cer"),
            format!("{}g.cer", &hex64[1..]),
            format!("{hex64}/x.cer"),
            String::new(),
            "é".repeat(32),
        ] {
            assert_eq!(sha256_of_file_name(&name), None, "{name}");
        }
    }

    proptest! {
        #[test]
        fn file_names_parse_as_the_hex_crate_parsed_them(
            folder in "([a-z]{0,3}[/\\\\]){0,2}",
            digits in "[0-9a-fA-Fg ]{62,66}",
            ext in "(\\.[a-z0-9.]{0,4})?",
        ) {
            let name = format!("{folder}{digits}{ext}");
            prop_assert_eq!(sha256_of_file_name(&name), by_hex_crate(&name));
        }

        #[test]
        fn any_text_parses_as_the_hex_crate_parsed_it(name in "\\PC{0,80}") {
            prop_assert_eq!(sha256_of_file_name(&name), by_hex_crate(&name));
        }

        #[test]
        fn push_hex_writes_what_hex_encode_writes(
            prefix in "[a-z/]{0,8}",
            bytes in proptest::collection::vec(any::<u8>(), 0..80),
        ) {
            let mut out = prefix.clone();
            push_hex(&mut out, &bytes);
            prop_assert_eq!(out, format!("{prefix}{}", hex::encode(&bytes)));
        }
    }
}
