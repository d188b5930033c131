//! The .NET members scripts call, with their real names and behaviour: System.IO.File and System.Convert.

mod text;

use std::path::{Path, PathBuf};

use base64::Engine;
use mailsec_cmdlets::Value;

use super::error::RuntimeError;
use crate::syntax::ast::Span;

/// `System.IO.File` and `IO.File` are the same type; PowerShell type names are case-insensitive.
fn canonical_type(name: &str) -> String {
    let n = name.trim().to_lowercase();
    n.strip_prefix("system.").map(str::to_string).unwrap_or(n)
}

/// Windows path prefixes and the local folders they stand for (`--path-map 'C:\Users\Gold=/home/gold'`).
static PATH_MAP: std::sync::OnceLock<Vec<(String, PathBuf)>> = std::sync::OnceLock::new();

/// Set the path map once, at start-up; entries are `WINDOWS_PREFIX=LOCAL_DIR`.
pub fn set_path_map(entries: &[String]) -> Result<(), String> {
    let mut map = Vec::new();
    for e in entries {
        let (from, to) = e.split_once('=').ok_or_else(|| {
            format!("--path-map '{e}' must look like 'C:\\Users\\Gold=/home/gold'")
        })?;
        if from.trim().is_empty() || to.trim().is_empty() {
            return Err(format!("--path-map '{e}': both sides of '=' are needed"));
        }
        map.push((normalise_windows(from.trim()), PathBuf::from(to.trim())));
    }
    // Longest prefix first, so the most specific mapping wins.
    map.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
    let _ = PATH_MAP.set(map);
    Ok(())
}

/// Lower-case, forward slashes, no trailing slash: Windows paths compare that way.
fn normalise_windows(p: &str) -> String {
    p.replace('\\', "/").trim_end_matches('/').to_lowercase()
}

fn is_windows_path(p: &str) -> bool {
    let b = p.as_bytes();
    (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':') || p.starts_with("\\\\")
}

/// Where a path a script names is looked for, in order: as written (absolute, or beside the
/// script, then in the working directory); then, for a Windows path, through `--path-map`.
pub fn candidates(path: &str, base_dir: &Path) -> Vec<PathBuf> {
    let p = PathBuf::from(path);
    let mut out = Vec::new();
    if p.is_absolute() {
        out.push(p);
    } else if !is_windows_path(path) {
        out.push(base_dir.join(&p));
        if let Ok(cwd) = std::env::current_dir() {
            let c = cwd.join(&p);
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    if is_windows_path(path) || path.contains('\\') {
        let norm = normalise_windows(path);
        for (from, to) in PATH_MAP.get().map(Vec::as_slice).unwrap_or_default() {
            if let Some(rest) = norm.strip_prefix(from.as_str()) {
                if rest.is_empty() || rest.starts_with('/') {
                    // Keep the case of the rest as written.
                    let original_rest = &path.replace('\\', "/")[from.len()..];
                    out.push(to.join(original_rest.trim_start_matches('/')));
                    break;
                }
            }
        }
        if !is_windows_path(path) {
            let slashed = path.replace('\\', "/");
            out.push(base_dir.join(&slashed));
        }
    }
    out
}

/// Read a file a script names (see [`candidates`] for where it is looked for).
pub fn read_file(path: &str, base_dir: &Path, span: Span) -> Result<Vec<u8>, RuntimeError> {
    let tried = candidates(path, base_dir);
    for c in &tried {
        if c.is_file() {
            return std::fs::read(c).map_err(|e| {
                RuntimeError::new(format!("Could not read file '{}': {e}", c.display()), span)
            });
        }
    }
    let tried_text = if tried.is_empty() {
        "nothing (no --path-map entry covers it)".to_string()
    } else {
        tried
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(RuntimeError::new(format!("Could not find file '{path}'. Tried: {tried_text}"), span).help(
        if is_windows_path(path) {
            "a Windows path: map its folder to a local one with --path-map 'C:\\Users\\Gold=/home/gold' (or MAILSEC_PATH_MAP, entries separated by ';')"
        } else {
            "check the path; a relative path is looked for beside the script, then in the working directory"
        },
    ))
}

fn arg<'a>(args: &'a [Value], i: usize, what: &str, span: Span) -> Result<&'a Value, RuntimeError> {
    args.get(i).ok_or_else(|| {
        RuntimeError::new(
            format!(
                "Cannot find an overload for \"{what}\" and the argument count: \"{}\".",
                args.len()
            ),
            span,
        )
    })
}

fn text(v: &Value) -> String {
    v.to_string()
}

/// Call `[type]::member(args)`.
pub fn call_static(
    type_name: &str,
    member: &str,
    args: &[Value],
    base_dir: &Path,
    span: Span,
) -> Result<Value, RuntimeError> {
    let t = canonical_type(type_name);
    let m = member.to_lowercase();
    let found = match t.as_str() {
        "string" => text::string_static(member, args, span),
        "regex" | "text.regularexpressions.regex" => text::regex_static(member, args, span),
        other => text::enum_static(other, member).map(Ok),
    };
    if let Some(result) = found {
        return result;
    }
    match (t.as_str(), m.as_str()) {
        ("io.file", "readallbytes") => Ok(Value::Bytes(read_file(&text(arg(args, 0, member, span)?), base_dir, span)?)),
        ("io.file", "readalltext") => {
            let b = read_file(&text(arg(args, 0, member, span)?), base_dir, span)?;
            Ok(Value::String(String::from_utf8_lossy(&b).into_owned()))
        }
        ("io.file", "exists") => {
            let p = text(arg(args, 0, member, span)?);
            Ok(Value::Bool(candidates(&p, base_dir).iter().any(|c| c.is_file())))
        }
        ("convert", "tobase64string") => {
            let b = match arg(args, 0, member, span)? {
                Value::Bytes(b) => b.clone(),
                Value::Cert(c) => c.bytes().to_vec(),
                other => return Err(RuntimeError::new(format!("Cannot convert argument \"inArray\", with value: \"{other}\", for \"ToBase64String\" to type \"System.Byte[]\"."), span)),
            };
            Ok(Value::String(base64::engine::general_purpose::STANDARD.encode(b)))
        }
        ("convert", "frombase64string") => {
            let s = text(arg(args, 0, member, span)?);
            let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(clean)
                .map(Value::Bytes)
                .map_err(|e| RuntimeError::new(format!("Exception calling \"FromBase64String\": \"The input is not a valid Base-64 string: {e}\""), span))
        }
        _ => Err(RuntimeError::new(format!("[{type_name}]::{member} is not supported in mailsec"), span)
            .help("supported: [System.IO.File]::ReadAllBytes/ReadAllText/Exists, [Convert]::ToBase64String/FromBase64String, [string]::IsNullOrEmpty/IsNullOrWhiteSpace/Join/Concat/Format/Empty, [regex]::Match/Matches/Split/Replace/Escape/IsMatch")),
    }
}

#[cfg(test)]
mod path_tests {
    use super::*;

    #[test]
    fn windows_paths_go_through_the_map_only() {
        let _ = set_path_map(&[
            "C:\\Users\\Gold=/home/gold".to_string(),
            "C:\\Users=/srv/users".to_string(),
        ]);
        let c = candidates(
            "C:\\Users\\Gold\\Downloads\\chainOfTrust.sst",
            Path::new("/scripts"),
        );
        assert_eq!(
            c,
            vec![PathBuf::from("/home/gold/Downloads/chainOfTrust.sst")]
        );
        let c = candidates("c:\\users\\bob\\x.cer", Path::new("/scripts"));
        assert_eq!(c, vec![PathBuf::from("/srv/users/bob/x.cer")]);
        assert!(candidates("D:\\nowhere\\x.cer", Path::new("/s")).is_empty());
        assert_eq!(
            candidates("certs\\a.cer", Path::new("/s")).last(),
            Some(&PathBuf::from("/s/certs/a.cer"))
        );
        assert!(set_path_map(&["nonsense".to_string()]).is_err());
    }
}
