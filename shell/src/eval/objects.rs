//! .NET objects scripts create and call: New-Object for ArrayList and the X509 certificate types, and their methods.
//!
//! An `ArrayList` (and an `X509Certificate2Collection`) is a shared list value of its own kind; its
//! methods (`Add`, `Insert`, ...) change it in place, so every variable that holds it sees the change.

use std::path::Path;

use mailsec_cmdlets::value::{List, ListKind};
use mailsec_cmdlets::{Object, Value};
use mailsec_state::cert::{read_collection, CertInfo};

mod strings;

use super::dotnet::read_file;
use super::error::RuntimeError;
use crate::syntax::ast::Span;

pub const X509_TYPE: &str = "System.Security.Cryptography.X509Certificates.X509Certificate2";

fn short(type_name: &str) -> String {
    let t = type_name.trim().to_lowercase();
    t.rsplit('.').next().unwrap_or(&t).to_string()
}

/// `New-Object TYPE(args)`.
pub fn new_object(
    type_name: &str,
    args: &[Value],
    base_dir: &Path,
    span: Span,
) -> Result<Value, RuntimeError> {
    match short(type_name).as_str() {
        // ArrayList(capacity) or ArrayList(collection): a copy of the collection's items.
        "arraylist" => {
            let items = match args {
                [] | [Value::Int(_)] => Vec::new(),
                [collection] => collection.clone().unrolled(),
                _ => {
                    return Err(RuntimeError::new(
                        format!("New-Object ArrayList takes one argument (a capacity or a collection), not {}.", args.len()),
                        span,
                    ))
                }
            };
            Ok(Value::Array(List::new(ListKind::ArrayList, items)))
        }
        "x509certificate2collection" => {
            let mut items = Vec::new();
            for a in args {
                items.extend(import(a, base_dir, span)?);
            }
            Ok(Value::Array(List::new(
                ListKind::CertificateCollection,
                items,
            )))
        }
        "x509certificate2" | "x509certificate" => {
            let source = args.first().ok_or_else(|| {
                RuntimeError::new(
                    "New-Object X509Certificate2 needs a file path or the certificate's bytes.",
                    span,
                )
            })?;
            let mut certs = import(source, base_dir, span)?;
            if certs.is_empty() {
                return Err(RuntimeError::new("The file holds no certificate.", span));
            }
            Ok(certs.remove(0))
        }
        _ => Err(RuntimeError::new(
            format!("New-Object: the type [{type_name}] is not supported in mailsec"),
            span,
        )
        .help(
            "supported: System.Collections.ArrayList, X509Certificate2, X509Certificate2Collection",
        )),
    }
}

/// Certificates from a path or bytes (DER, PEM, PKCS#7, .sst), as X509Certificate2 objects.
fn import(source: &Value, base_dir: &Path, span: Span) -> Result<Vec<Value>, RuntimeError> {
    import_nested(source, base_dir, span, 0)
}

/// How deep lists of lists are opened for certificates (a list may hold itself).
const IMPORT_DEPTH: usize = 4;

fn import_nested(
    source: &Value,
    base_dir: &Path,
    span: Span,
    depth: usize,
) -> Result<Vec<Value>, RuntimeError> {
    let bytes = match source {
        Value::Bytes(b) => b.clone(),
        Value::Cert(c) => c.bytes().to_vec(),
        Value::String(p) => read_file(p, base_dir, span)?,
        Value::Array(items) if depth < IMPORT_DEPTH => {
            let mut out = Vec::new();
            for i in items.to_vec() {
                out.extend(import_nested(&i, base_dir, span, depth + 1)?);
            }
            return Ok(out);
        }
        other => {
            return Err(RuntimeError::new(
                format!(
                    "Cannot make a certificate from a value of type {}",
                    other.type_name()
                ),
                span,
            ))
        }
    };
    let ders = read_collection(&bytes)
        .map_err(|e| RuntimeError::new(format!("Cannot read the certificate: {e}"), span))?;
    ders.into_iter().map(|der| certificate(der, span)).collect()
}

/// .NET writes distinguished names most-specific first with `, ` between parts and `E=` for e-mail.
fn dotnet_name(rfc4514: &str) -> String {
    rfc4514
        .split(',')
        .map(|p| match p.strip_prefix("EMAIL=") {
            Some(rest) => format!("E={rest}"),
            None => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// An X509Certificate2 object with the members scripts read.
pub fn certificate(der: Vec<u8>, span: Span) -> Result<Value, RuntimeError> {
    let info = CertInfo::from_der(&der)
        .map_err(|e| RuntimeError::new(format!("Cannot read the certificate: {e}"), span))?;
    let s = |v: String| Value::String(v);
    Ok(Value::Object(Object {
        type_name: X509_TYPE.to_string(),
        props: vec![
            ("Thumbprint".into(), s(info.thumbprint.clone())),
            ("Subject".into(), s(dotnet_name(&info.subject))),
            ("Issuer".into(), s(dotnet_name(&info.issuer))),
            ("NotBefore".into(), s(info.not_before_text())),
            ("NotAfter".into(), s(info.not_after_text())),
            ("SerialNumber".into(), s(info.serial_number.clone())),
            ("RawData".into(), Value::Bytes(der)),
        ]
        .into(),
        default_columns: vec!["Thumbprint", "Subject"],
    }))
}

/// Call `target.method(args)`. A list's methods change it in place: every variable holding it sees
/// the change, as in PowerShell.
pub fn call_method(
    target: &Value,
    method: &str,
    args: &[Value],
    base_dir: &Path,
    span: Span,
) -> Result<Value, RuntimeError> {
    let m = method.to_lowercase();
    let arg = |i: usize| -> Result<&Value, RuntimeError> {
        args.get(i).ok_or_else(|| {
            RuntimeError::new(
                format!(
                    "Cannot find an overload for \"{method}\" and the argument count: \"{}\".",
                    args.len()
                ),
                span,
            )
        })
    };
    if let Value::Array(list) = target {
        if let Some(result) = list_method(list, method, &m, &arg, base_dir, span)? {
            return Ok(result);
        }
    }
    Ok(match (target, m.as_str()) {
        (Value::Object(o), "getrawcertdata") | (Value::Object(o), "export")
            if o.type_name == X509_TYPE =>
        {
            o.get("RawData").unwrap_or(Value::Null)
        }
        (Value::Object(o), "getcerthashstring") if o.type_name == X509_TYPE => {
            o.get("Thumbprint").unwrap_or(Value::Null)
        }
        (Value::Cert(c), "getrawcertdata" | "export") => Value::Bytes(c.bytes().to_vec()),
        (Value::String(s), _) if strings::has(&m) => strings::call(s, method, args, span)?,
        (v, "tostring") => Value::String(v.to_string()),
        (v, _) => {
            return Err(RuntimeError::new(
                format!(
                    "The method '{method}' of [{}] is not supported in mailsec",
                    v.type_name()
                ),
                span,
            ))
        }
    })
}

/// The methods of ArrayList and X509Certificate2Collection (`Add`, `Insert`, ...), which change the
/// list itself; a plain array refuses to grow, as in PowerShell. None: not a list method.
fn list_method<'a>(
    list: &List,
    method: &str,
    m: &str,
    arg: &impl Fn(usize) -> Result<&'a Value, RuntimeError>,
    base_dir: &Path,
    span: Span,
) -> Result<Option<Value>, RuntimeError> {
    let grows = matches!(
        m,
        "add" | "insert" | "addrange" | "import" | "removeat" | "remove" | "clear"
    );
    if grows && !list.kind().grows() {
        return Err(RuntimeError::new(
            format!("Exception calling \"{method}\": \"Collection was of a fixed size.\""),
            span,
        )
        .help("an array does not grow: append with $a += $value, or make a list: $list = [System.Collections.ArrayList]@()"));
    }
    // Arguments are read (and certificates imported) before the list is locked for the change.
    let write = || list.write().map_err(|e| super::in_use(e, span));
    Ok(Some(match m {
        "add" => {
            let v = arg(0)?.clone();
            let mut items = write()?;
            items.push(v);
            Value::Int(items.len() as i64 - 1)
        }
        "insert" => {
            let (at, v) = (arg(0)?, arg(1)?.clone());
            let mut items = write()?;
            let idx = match at {
                Value::Int(i) if *i >= 0 && (*i as usize) <= items.len() => *i as usize,
                other => {
                    return Err(RuntimeError::new(
                        format!(
                            "Exception calling \"Insert\": index {other} is out of range (0..{}).",
                            items.len()
                        ),
                        span,
                    ))
                }
            };
            items.insert(idx, v);
            Value::Null
        }
        "addrange" | "import" => {
            let added = if m == "import" {
                import(arg(0)?, base_dir, span)?
            } else {
                arg(0)?.clone().unrolled()
            };
            write()?.extend(added);
            Value::Null
        }
        "removeat" => {
            let at = arg(0)?;
            let mut items = write()?;
            match at {
                Value::Int(i) if *i >= 0 && (*i as usize) < items.len() => {
                    items.remove(*i as usize);
                }
                other => {
                    return Err(RuntimeError::new(
                        format!("Exception calling \"RemoveAt\": index {other} is out of range."),
                        span,
                    ))
                }
            }
            Value::Null
        }
        "remove" => {
            // The first element equal to the argument, as .NET's Equals sees it.
            let v = arg(0)?;
            let mut items = write()?;
            if let Some(i) = items.iter().position(|x| x == v) {
                items.remove(i);
            }
            Value::Null
        }
        "clear" => {
            write()?.clear();
            Value::Null
        }
        "contains" => {
            let v = arg(0)?;
            Value::Bool(list.read().iter().any(|x| x == v))
        }
        "indexof" => {
            let v = arg(0)?;
            let at = list.read().iter().position(|x| x == v);
            Value::Int(at.map_or(-1, |i| i as i64))
        }
        "clone" | "toarray" => {
            let kind = if m == "toarray" {
                ListKind::Array
            } else {
                list.kind()
            };
            Value::Array(List::new(kind, list.to_vec()))
        }
        _ => return Ok(None),
    }))
}
