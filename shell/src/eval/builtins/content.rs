//! Get-Content, Set-Content, Add-Content and Test-Path, and the file helpers the other built-ins share
//! (where a path is looked for, text encodings, writing a file).
//!
//! A relative path is looked for beside the script first, then in the working directory (as
//! `[System.IO.File]::ReadAllBytes` does); a missing file names every path tried. Files are written beside
//! the script.

use std::path::{Path, PathBuf};

use mailsec_cmdlets::Value;

use super::args::{at, named, switch, Param};
use super::{has_wildcard, like, Builtin, Call};
use crate::eval::dotnet::candidates;
use crate::eval::RuntimeError;

const CONTENT_WRITE: &[Param] = &[
    at(0, "Path", "String[]", "The file to write (relative: beside the script).").aliases(&["PSPath"]),
    named("LiteralPath", "String[]", "The file to write, with no wildcards.").aliases(&["LP"]),
    at(1, "Value", "Object[]", "What to write (else the pipeline input): text, one value a line; bytes with -AsByteStream."),
    named("Encoding", "Encoding", "utf8 (default), utf8BOM, unicode, bigendianunicode, ascii, latin1, utf32, or Byte (= -AsByteStream)."),
    switch("AsByteStream", "Write bytes as they are (a byte[] such as ReadAllBytes or Get-Content -AsByteStream returns)."),
    switch("NoNewline", "Write the values back to back, with no new lines."),
    switch("PassThru", "Also output what was written."),
    switch("Force", "Accepted (mailsec writes read-only files it can)."),
];

pub const BUILTINS: &[Builtin] = &[
    Builtin::new("Get-Content", "Reads a file: its lines, one string with -Raw, or its bytes with -AsByteStream.", get_content)
        .aliases(&["gc", "cat", "type"])
        .params(&[
            at(0, "Path", "String[]", "The file(s) to read; `*` and `?` match file names. Relative: beside the script, then the working directory.")
                .aliases(&["PSPath"]),
            named("LiteralPath", "String[]", "The file(s) to read, with no wildcards.").aliases(&["LP"]),
            switch("Raw", "Return the whole file as one string (new lines kept)."),
            switch("AsByteStream", "Return the file's bytes as one byte[] (what Set-Mailbox -UserCertificate takes)."),
            named("Encoding", "Encoding", "How the text is encoded (default: from the byte-order mark, else UTF-8); Byte = -AsByteStream."),
            named("TotalCount", "Int64", "Read only the first N lines (or bytes).").aliases(&["First", "Head"]),
            named("Tail", "Int32", "Read only the last N lines (or bytes).").aliases(&["Last"]),
            named("ReadCount", "Int64", "Accepted; lines are always sent one by one."),
            switch("Force", "Accepted."),
        ])
        .examples(&[
            ("A certificate's bytes", "$bytes = Get-Content baptiste.cer -AsByteStream"),
            ("Windows PowerShell 5 spelling", "$bytes = Get-Content baptiste.cer -Encoding Byte -Raw"),
            ("A list of names, one a line", "Get-Content users.txt -TotalCount 10"),
        ]),
    Builtin::new("Set-Content", "Writes text (one value a line) or bytes to a file, replacing it.", set_content)
        .aliases(&["sc"])
        .should_process()
        .params(CONTENT_WRITE)
        .examples(&[
            ("Save a certificate's bytes", "Set-Content baptiste.cer -Value $bytes -AsByteStream"),
            ("Write lines", "Set-Content names.txt -Value 'alice','bob'"),
        ]),
    Builtin::new("Add-Content", "Appends text (one value a line) or bytes to a file.", add_content)
        .aliases(&["ac"])
        .should_process()
        .params(CONTENT_WRITE)
        .examples(&[("Log a line", "Add-Content run.log -Value 'published baptiste'")]),
    Builtin::new("Test-Path", "Whether a file or folder exists ($true/$false).", test_path)
        .params(&[
            at(0, "Path", "String[]", "The path(s) to test; relative: beside the script, then the working directory.")
                .aliases(&["PSPath"]),
            named("LiteralPath", "String[]", "The path(s) to test, with no wildcards.").aliases(&["LP"]),
            named("PathType", "TestPathType", "Any (default), Leaf (a file) or Container (a folder).").aliases(&["Type"]),
            switch("IsValid", "Only check that the path is well formed."),
        ])
        .examples(&[("Is the chain file there?", "Test-Path chain.p7b -PathType Leaf")]),
];

/// Text encodings PowerShell's -Encoding names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Ascii,
    Latin1,
    /// Not text: the bytes as they are.
    Byte,
}

const ENCODINGS: &str =
    "utf8, utf8NoBOM, utf8BOM, unicode, bigendianunicode, utf32, ascii, latin1, default, oem, byte";

/// `-Encoding X`.
pub fn parse_encoding(c: &Call, v: &Value) -> Result<Encoding, RuntimeError> {
    let t = v.to_string().trim().to_lowercase().replace(['-', '_'], "");
    Ok(match t.as_str() {
        "utf8" | "utf8nobom" | "default" | "oem" | "65001" => Encoding::Utf8,
        "utf8bom" => Encoding::Utf8Bom,
        "unicode" | "utf16" | "utf16le" | "1200" => Encoding::Utf16Le,
        "bigendianunicode" | "utf16be" | "1201" => Encoding::Utf16Be,
        "utf32" | "utf32le" | "12000" => Encoding::Utf32Le,
        "ascii" | "usascii" | "20127" => Encoding::Ascii,
        "latin1" | "iso88591" | "28591" => Encoding::Latin1,
        "byte" => Encoding::Byte,
        _ => {
            return Err(c
                .error_at(
                    "Encoding",
                    format!("Cannot bind parameter 'Encoding'. '{v}' is not a supported encoding."),
                )
                .help(format!("use one of {ENCODINGS}")))
        }
    })
}

/// Text from bytes: with `enc`, or (None) by the byte-order mark, else UTF-8. Invalid sequences become U+FFFD.
pub fn decode(bytes: &[u8], enc: Option<Encoding>) -> String {
    let utf16 = |b: &[u8], le: bool| {
        let units: Vec<u16> = b
            .chunks(2)
            .map(|c| {
                let pair = [c[0], c.get(1).copied().unwrap_or(0)];
                if le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    let utf32 = |b: &[u8]| {
        b.chunks(4)
            .map(|c| {
                let mut q = [0u8; 4];
                q[..c.len()].copy_from_slice(c);
                char::from_u32(u32::from_le_bytes(q)).unwrap_or('\u{FFFD}')
            })
            .collect::<String>()
    };
    let enc = enc.unwrap_or(if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) {
        Encoding::Utf32Le
    } else if bytes.starts_with(&[0xFF, 0xFE]) {
        Encoding::Utf16Le
    } else if bytes.starts_with(&[0xFE, 0xFF]) {
        Encoding::Utf16Be
    } else {
        Encoding::Utf8
    });
    match enc {
        Encoding::Utf8 | Encoding::Utf8Bom | Encoding::Byte => {
            let b = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
            String::from_utf8_lossy(b).into_owned()
        }
        Encoding::Utf16Le => utf16(bytes.strip_prefix(&[0xFF, 0xFE]).unwrap_or(bytes), true),
        Encoding::Utf16Be => utf16(bytes.strip_prefix(&[0xFE, 0xFF]).unwrap_or(bytes), false),
        Encoding::Utf32Le => utf32(bytes.strip_prefix(&[0xFF, 0xFE, 0, 0]).unwrap_or(bytes)),
        Encoding::Ascii => bytes
            .iter()
            .map(|b| if b.is_ascii() { *b as char } else { '?' })
            .collect(),
        Encoding::Latin1 => bytes.iter().map(|b| *b as char).collect(),
    }
}

/// Bytes of `text` in `enc`; `bom`: start with the byte-order mark the encoding has (a new file).
pub fn encode(text: &str, enc: Encoding, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    match enc {
        Encoding::Utf8 | Encoding::Byte => out.extend_from_slice(text.as_bytes()),
        Encoding::Utf8Bom => {
            if bom {
                out.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
            }
            out.extend_from_slice(text.as_bytes());
        }
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let le = enc == Encoding::Utf16Le;
            if bom {
                out.extend_from_slice(if le { &[0xFF, 0xFE] } else { &[0xFE, 0xFF] });
            }
            for u in text.encode_utf16() {
                out.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
            }
        }
        Encoding::Utf32Le => {
            if bom {
                out.extend_from_slice(&[0xFF, 0xFE, 0, 0]);
            }
            for ch in text.chars() {
                out.extend_from_slice(&(ch as u32).to_le_bytes());
            }
        }
        Encoding::Ascii => out.extend(
            text.chars()
                .map(|c| if c.is_ascii() { c as u8 } else { b'?' }),
        ),
        Encoding::Latin1 => {
            out.extend(text.chars().map(|c| u8::try_from(c as u32).unwrap_or(b'?')))
        }
    }
    out
}

/// The files `path` names: the first candidate folder where it exists (or, with wildcards in the file name,
/// where something matches). `Err` lists every path tried.
pub fn resolve(path: &str, base_dir: &Path, wildcards: bool) -> Result<Vec<PathBuf>, Vec<PathBuf>> {
    let tried = candidates(path, base_dir);
    let name = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if wildcards && has_wildcard(&name) {
        for c in &tried {
            let Some(dir) = c.parent() else { continue };
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut hits: Vec<PathBuf> = entries
                .flatten()
                .filter(|e| like(&name, &e.file_name().to_string_lossy()))
                .map(|e| e.path())
                .collect();
            if !hits.is_empty() {
                hits.sort();
                return Ok(hits);
            }
        }
        return Err(tried);
    }
    match tried.iter().find(|c| c.exists()) {
        Some(c) => Ok(vec![c.clone()]),
        None => Err(tried),
    }
}

/// The error for a path that is not there, naming every place looked.
pub fn not_found(c: &Call, param: &str, path: &str, tried: &[PathBuf]) -> RuntimeError {
    let mut e = c
        .error_at(
            param,
            format!(
                "Cannot find path '{path}' because it does not exist. Tried: {}",
                tried
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .help("check the path; a relative path is looked for beside the script, then in the working directory");
    e.category = Some("ObjectNotFound");
    e
}

/// The paths a reading command was given: -Path (wildcards) or -LiteralPath, else pipeline input.
/// The paths a command names; none, or an empty one, is PowerShell's binding error (`empty_help` says what to give).
fn required_paths(
    c: &Call,
    empty_help: &str,
) -> Result<Vec<(&'static str, String, bool)>, RuntimeError> {
    let given = paths_given(c);
    if given.is_empty() {
        return Err(c
            .error(
                "Cannot process command because of one or more missing mandatory parameters: Path.",
            )
            .help("add -Path <file>"));
    }
    if let Some((param, _, _)) = given.iter().find(|(_, path, _)| path.trim().is_empty()) {
        return Err(c
            .error_at(
                param,
                format!(
                    "Cannot bind argument to parameter '{param}' because it is an empty string."
                ),
            )
            .help(empty_help));
    }
    Ok(given)
}

pub fn paths_given(c: &Call) -> Vec<(&'static str, String, bool)> {
    let mut out: Vec<(&'static str, String, bool)> = Vec::new();
    for p in c.args.strings("Path") {
        out.push(("Path", p, true));
    }
    for p in c.args.strings("LiteralPath") {
        out.push(("LiteralPath", p, false));
    }
    if out.is_empty() {
        for v in c.input() {
            let p = v
                .property("FullName")
                .or_else(|| v.property("Path"))
                .unwrap_or(std::borrow::Cow::Borrowed(v));
            out.push(("Path", p.to_string(), true));
        }
    }
    out
}

/// Read every file a reading command names.
pub fn read_all(c: &Call) -> Result<Vec<(PathBuf, Vec<u8>)>, RuntimeError> {
    let mut out = Vec::new();
    for (param, path, wild) in required_paths(c, "give a file name")? {
        let files =
            resolve(&path, c.base_dir, wild).map_err(|tried| not_found(c, param, &path, &tried))?;
        for f in files {
            if f.is_dir() {
                return Err(c
                    .error_at(
                        param,
                        format!(
                            "Unable to get content because it is a directory: '{}'.",
                            f.display()
                        ),
                    )
                    .help("name a file in it"));
            }
            let bytes = std::fs::read(&f).map_err(|e| {
                c.error_at(param, format!("Could not read file '{}': {e}", f.display()))
                    .help("check that you may read the file")
            })?;
            out.push((f, bytes));
        }
    }
    Ok(out)
}

/// Lines as .NET's ReadLine splits them (`\r\n`, `\n` or `\r`); a final line ending adds no empty line.
pub fn lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(std::mem::take(&mut cur));
            }
            '\n' => out.push(std::mem::take(&mut cur)),
            other => cur.push(other),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn head_tail<T: Clone>(items: &[T], head: Option<i64>, tail: Option<i64>) -> Vec<T> {
    let mut v: &[T] = items;
    if let Some(n) = head.filter(|n| *n >= 0) {
        v = &v[..(n as usize).min(v.len())];
    }
    if let Some(n) = tail.filter(|n| *n >= 0) {
        v = &v[v.len() - (n as usize).min(v.len())..];
    }
    v.to_vec()
}

fn get_content(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let encoding = match c.args.get("Encoding") {
        Some(v) => Some(parse_encoding(c, &v.clone())?),
        None => None,
    };
    let bytes_mode = c.args.switch("AsByteStream") || encoding == Some(Encoding::Byte);
    let head = c.args.int("TotalCount", c.span)?;
    let tail = c.args.int("Tail", c.span)?;
    let files = read_all(c)?;
    let mut out = Vec::new();
    for (_, bytes) in files {
        if bytes_mode {
            out.push(Value::Bytes(head_tail(&bytes, head, tail)));
            continue;
        }
        let text = decode(&bytes, encoding);
        if c.args.switch("Raw") {
            if !text.is_empty() {
                out.push(Value::String(text));
            }
            continue;
        }
        out.extend(
            head_tail(&lines(&text), head, tail)
                .into_iter()
                .map(Value::String),
        );
    }
    Ok(out)
}

/// Where a file a command writes goes: as written if absolute, else beside the script.
pub fn write_target(c: &Call, param: &str, path: &str) -> Result<PathBuf, RuntimeError> {
    if path.trim().is_empty() {
        return Err(c
            .error_at(
                param,
                format!(
                    "Cannot bind argument to parameter '{param}' because it is an empty string."
                ),
            )
            .help("give a file name"));
    }
    let p = PathBuf::from(path);
    let target = if p.is_absolute() {
        p
    } else {
        c.base_dir.join(p)
    };
    if target.is_dir() {
        return Err(c
            .error_at(
                param,
                format!(
                    "Access to the path '{}' is denied: it is a directory.",
                    target.display()
                ),
            )
            .help("name a file, not a folder"));
    }
    match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => Err(c
            .error_at(
                param,
                format!("Could not find a part of the path '{}'.", target.display()),
            )
            .help(format!("create the folder '{}' first", dir.display()))),
        _ => Ok(target),
    }
}

/// Write (or append) bytes to a file.
pub fn write_bytes(
    c: &Call,
    param: &str,
    target: &Path,
    bytes: &[u8],
    append: bool,
) -> Result<(), RuntimeError> {
    use std::io::Write;
    if c.args.switch("NoClobber") && target.exists() && !append {
        return Err(c
            .error_at(
                param,
                format!("The file '{}' already exists.", target.display()),
            )
            .help("remove -NoClobber to replace it, or choose another name"));
    }
    let result = if append {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(target)
            .and_then(|mut f| f.write_all(bytes))
    } else {
        std::fs::write(target, bytes)
    };
    result.map_err(|e| {
        c.error_at(param, format!("Cannot write '{}': {e}", target.display()))
            .help("check that you may write in that folder and that the file is not read-only")
    })
}

/// A value as bytes for -AsByteStream: byte[], certificates, numbers 0..255 and lists of them.
fn to_bytes(c: &Call, v: &Value, out: &mut Vec<u8>) -> Result<(), RuntimeError> {
    to_bytes_at(c, v, out, 0)
}

/// How deep lists of lists are opened for bytes (a list may hold itself).
const BYTES_DEPTH: usize = 8;

fn to_bytes_at(c: &Call, v: &Value, out: &mut Vec<u8>, depth: usize) -> Result<(), RuntimeError> {
    match v {
        Value::Bytes(b) => out.extend_from_slice(b),
        Value::Cert(cert) => out.extend_from_slice(cert.bytes()),
        Value::Array(a) if depth < BYTES_DEPTH => {
            for x in a.read().iter() {
                to_bytes_at(c, x, out, depth + 1)?;
            }
        }
        Value::Int(i) if (0..=255).contains(i) => out.push(*i as u8),
        Value::Null => {}
        other => {
            return Err(c
                .error_at(
                    "Value",
                    format!(
                        "Cannot convert value \"{other}\" of type {} to System.Byte for -AsByteStream.",
                        other.type_name()
                    ),
                )
                .help("-AsByteStream writes a byte[] (from ReadAllBytes or Get-Content -AsByteStream); to write text, leave it out"))
        }
    }
    Ok(())
}

fn write_content(c: &mut Call, append: bool) -> Result<Vec<Value>, RuntimeError> {
    let (param, path) = match (c.args.text("Path"), c.args.text("LiteralPath")) {
        (Some(p), _) => ("Path", p),
        (None, Some(p)) => ("LiteralPath", p),
        (None, None) => return Err(c
            .error(
                "Cannot process command because of one or more missing mandatory parameters: Path.",
            )
            .help("add -Path <file>")),
    };
    let encoding = match c.args.get("Encoding") {
        Some(v) => parse_encoding(c, &v.clone())?,
        None => Encoding::Utf8,
    };
    let bytes_mode = c.args.switch("AsByteStream") || encoding == Encoding::Byte;
    let values: Vec<Value> = match c.args.get("Value") {
        Some(v) => crate::eval::unroll(v.clone()),
        None => c.input().to_vec(),
    };
    let target = write_target(c, param, &path)?;
    let op = if append { "Add Content" } else { "Set Content" };
    if c.what_if(op, &format!("Path: {}", target.display())) {
        return Ok(Vec::new());
    }
    let bytes = if bytes_mode {
        let mut b = Vec::new();
        for v in &values {
            to_bytes(c, v, &mut b)?;
        }
        b
    } else {
        let mut text = String::new();
        let mut numbers = false;
        for v in &values {
            let items: Vec<String> = match v {
                // PowerShell writes a byte[] as text one number a line; say how to write the bytes.
                Value::Bytes(b) => {
                    numbers = true;
                    b.iter().map(|x| x.to_string()).collect()
                }
                other => vec![other.to_string()],
            };
            for item in items {
                text.push_str(&item);
                if !c.args.switch("NoNewline") {
                    text.push('\n');
                }
            }
        }
        if numbers {
            let w = format!(
                "{op}: the byte[] was written as text, one number a line (as PowerShell does); add -AsByteStream to write the bytes themselves."
            );
            c.warn(&w);
        }
        encode(&text, encoding, !append || !target.exists())
    };
    write_bytes(c, param, &target, &bytes, append)?;
    Ok(if c.args.switch("PassThru") {
        values
    } else {
        Vec::new()
    })
}

fn set_content(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    write_content(c, false)
}

fn add_content(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    write_content(c, true)
}

fn test_path(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let kind = c.args.text("PathType").unwrap_or_else(|| "Any".into());
    let kind = match kind.to_lowercase().as_str() {
        "any" => "any",
        "leaf" => "leaf",
        "container" => "container",
        _ => {
            return Err(c
                .error_at("PathType", format!("Cannot bind parameter 'PathType'. '{kind}' is not one of Any, Leaf, Container."))
                .help("use -PathType Leaf for a file, Container for a folder"))
        }
    };
    let mut out = Vec::new();
    for (_, path, wild) in required_paths(c, "give a path to test")? {
        if c.args.switch("IsValid") {
            out.push(Value::Bool(!path.contains('\0')));
            continue;
        }
        let found = match resolve(&path, c.base_dir, wild) {
            Ok(files) => files.iter().any(|f| match kind {
                "leaf" => f.is_file(),
                "container" => f.is_dir(),
                _ => true,
            }),
            Err(_) => false,
        };
        out.push(Value::Bool(found));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::testing::run_in;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lines_raw_bytes_and_counts() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "one\r\ntwo\nthree\n").unwrap();
        let o = run_in(
            "Get-Content a.txt\n(Get-Content a.txt).Count\n(Get-Content a.txt -Raw).Length",
            dir.path(),
        );
        assert_eq!(o.ok(), "one\ntwo\nthree\n3\n15\n");
        let o = run_in(
            "gc a.txt -First 2\nGet-Content -Path a.txt -Tail 1\nGet-Content a.txt -TotalCount 0",
            dir.path(),
        );
        assert_eq!(o.ok(), "one\ntwo\nthree\n");
        let o = run_in("$b = Get-Content a.txt -AsByteStream\n$b.Length\n$b[0]\n(Get-Content a.txt -Encoding Byte -Raw).Length\n(Get-Content a.txt -Encoding Byte -TotalCount 2).Length", dir.path());
        assert_eq!(o.ok(), "15\n111\n15\n2\n");
    }

    #[test]
    fn byte_order_marks_and_encodings() {
        let dir = tempfile::tempdir().unwrap();
        // What Windows PowerShell 5's `>` writes: UTF-16LE with a BOM.
        std::fs::write(
            dir.path().join("u16.txt"),
            encode("alice\r\nbob\r\n", Encoding::Utf16Le, true),
        )
        .unwrap();
        std::fs::write(dir.path().join("bom.txt"), b"\xEF\xBB\xBFhello").unwrap();
        std::fs::write(dir.path().join("l1.txt"), b"caf\xE9").unwrap();
        let o = run_in("Get-Content u16.txt\nGet-Content bom.txt\nGet-Content l1.txt -Encoding latin1\nGet-Content l1.txt", dir.path());
        assert_eq!(o.ok(), "alice\nbob\nhello\ncafé\ncaf\u{FFFD}\n");
        let o = run_in("Get-Content u16.txt -Encoding klingon", dir.path());
        assert!(
            o.messages()[0].contains("not a supported encoding"),
            "{o:?}"
        );
    }

    #[test]
    fn missing_files_name_every_path_tried_and_wildcards_match() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x1.log"), "a").unwrap();
        std::fs::write(dir.path().join("x2.log"), "b").unwrap();
        let o = run_in("Get-Content nope.txt", dir.path());
        let m = &o.messages()[0];
        assert!(
            m.starts_with("Cannot find path 'nope.txt' because it does not exist. Tried: "),
            "{m}"
        );
        assert!(
            m.contains(&dir.path().join("nope.txt").display().to_string()),
            "{m}"
        );
        assert_eq!(o.errors[0].span, crate::syntax::ast::Span::new(12, 20));
        let o = run_in(
            "Get-Content x*.log\nGet-Content -LiteralPath 'x*.log'",
            dir.path(),
        );
        assert_eq!(o.out, "a\nb\n");
        assert_eq!(o.errors.len(), 1);
        let o = run_in("Get-Content ''", dir.path());
        assert!(o.messages()[0].contains("empty string"), "{o:?}");
        let o = run_in("Get-Content .", dir.path());
        assert!(o.messages()[0].contains("directory"), "{o:?}");
    }

    #[test]
    fn set_and_add_content_text_and_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let o = run_in(
            "Set-Content t.txt -Value 'a','b'\nAdd-Content t.txt 'c'\n'd' | Add-Content -Path t.txt\nGet-Content t.txt",
            dir.path(),
        );
        assert_eq!(o.ok(), "a\nb\nc\nd\n");
        let o = run_in(
            "$b = [System.Convert]::FromBase64String('AAEC/w==')\nSet-Content b.bin -Value $b -AsByteStream\n$c = Get-Content b.bin -AsByteStream\n$c.Length\nSet-Content e.bin $b -Encoding Byte\nSet-Content n.txt $b",
            dir.path(),
        );
        assert_eq!(o.ok(), "4\n");
        assert_eq!(
            std::fs::read(dir.path().join("b.bin")).unwrap(),
            vec![0, 1, 2, 255]
        );
        assert_eq!(
            std::fs::read(dir.path().join("e.bin")).unwrap(),
            vec![0, 1, 2, 255]
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("n.txt")).unwrap(),
            "0\n1\n2\n255\n"
        );
        assert!(o.warnings[0].contains("-AsByteStream"), "{:?}", o.warnings);
        let o = run_in("Set-Content s.bin -Value 'text' -AsByteStream", dir.path());
        assert!(o.messages()[0].contains("System.Byte"), "{o:?}");
        let o = run_in("Set-Content w.txt 'x' -WhatIf\nSet-Content -Value 'x'\nSet-Content t.txt 'x' -NoNewline -PassThru", dir.path());
        assert!(
            o.out.starts_with(
                "What if: Performing the operation \"Set Content\" on target \"Path: "
            ),
            "{}",
            o.out
        );
        assert!(o.out.ends_with("x\n"), "{}", o.out);
        assert!(!dir.path().join("w.txt").exists());
        assert!(
            o.messages()[0].contains("mandatory parameters: Path"),
            "{o:?}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("t.txt")).unwrap(),
            "x"
        );
    }

    #[test]
    fn confirm_asks_and_no_means_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let o = super::super::testing::run_answering(
            "Set-Content no.txt 'x' -Confirm",
            dir.path(),
            Some(false),
        );
        o.ok();
        assert!(!dir.path().join("no.txt").exists());
        let o = super::super::testing::run_answering(
            "Set-Content yes.txt 'x' -Confirm",
            dir.path(),
            Some(true),
        );
        o.ok();
        assert!(dir.path().join("yes.txt").exists());
    }

    #[test]
    fn test_path_files_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f.txt"), "").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let o = run_in(
            "Test-Path f.txt\nTest-Path nope\nTest-Path sub -PathType Container\nTest-Path sub -PathType Leaf\nTest-Path f.txt,nope\nTest-Path *.txt\nTest-Path 'x:y' -IsValid",
            dir.path(),
        );
        assert_eq!(
            o.ok(),
            "True\nFalse\nTrue\nFalse\nTrue\nFalse\nTrue\nTrue\n"
        );
        let o = run_in("Test-Path ''\nTest-Path f.txt -PathType File", dir.path());
        assert_eq!(o.errors.len(), 2, "{o:?}");
    }

    #[test]
    fn lines_split_like_readline() {
        assert_eq!(lines("a\rb\r\nc\n\nd"), vec!["a", "b", "c", "", "d"]);
        assert_eq!(lines(""), Vec::<String>::new());
        assert_eq!(lines("\n"), vec![""]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Get-Content never panics on any bytes, and -AsByteStream gives them back exactly.
        #[test]
        fn get_content_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("r.bin"), &bytes).unwrap();
            for flags in ["", "-Raw", "-Encoding unicode", "-Encoding utf32", "-Encoding ascii", "-Tail 2", "-First 3 -Encoding bigendianunicode"] {
                let o = run_in(&format!("Get-Content r.bin {flags}"), dir.path());
                prop_assert!(o.errors.is_empty(), "{:?}", o.errors);
            }
            let o = run_in("$b = Get-Content r.bin -AsByteStream\n$b.Length", dir.path());
            prop_assert_eq!(o.out.trim(), bytes.len().to_string());
            prop_assert_eq!(
                std::fs::read(dir.path().join("r.bin")).unwrap(),
                bytes.clone()
            );
            let o = run_in("Set-Content c.bin -Value (Get-Content r.bin -AsByteStream) -AsByteStream", dir.path());
            prop_assert!(o.errors.is_empty(), "{:?}", o.errors);
            prop_assert_eq!(std::fs::read(dir.path().join("c.bin")).unwrap(), bytes);
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            for enc in [None, Some(Encoding::Utf16Le), Some(Encoding::Utf16Be), Some(Encoding::Utf32Le), Some(Encoding::Ascii), Some(Encoding::Latin1)] {
                let _ = lines(&decode(&bytes, enc));
            }
        }
    }
}
