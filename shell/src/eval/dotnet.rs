//! The .NET members scripts call, with their real names and behaviour: System.IO.File and System.Convert.

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

/// Where a path a script names is looked for: as written if absolute, else beside the script, then in the working directory.
pub fn candidates(path: &str, base_dir: &Path) -> Vec<PathBuf> {
    let p = PathBuf::from(path);
    if p.is_absolute() {
        return vec![p];
    }
    let mut out = vec![base_dir.join(&p)];
    if let Ok(cwd) = std::env::current_dir() {
        let c = cwd.join(&p);
        if !out.contains(&c) {
            out.push(c);
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
    Err(RuntimeError::new(
        format!(
            "Could not find file '{path}'. Tried: {}",
            tried.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        ),
        span,
    )
    .help("check the path; a relative path is looked for beside the script, then in the working directory"))
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
            .help("supported: [System.IO.File]::ReadAllBytes/ReadAllText/Exists, [Convert]::ToBase64String/FromBase64String")),
    }
}
