//! .NET objects scripts create and call: New-Object for ArrayList and the X509 certificate types, and their methods.
//!
//! An `ArrayList` (and an `X509Certificate2Collection`) is held as a plain array value; its mutating
//! methods (`Add`, `Insert`, ...) write the changed array back to the variable they were called on.

use std::path::Path;

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
        "arraylist" | "x509certificate2collection" => {
            let mut items = Vec::new();
            for a in args {
                items.extend(import(a, base_dir, span)?);
            }
            Ok(Value::Array(items))
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
    let bytes = match source {
        Value::Bytes(b) => b.clone(),
        Value::Cert(c) => c.bytes().to_vec(),
        Value::String(p) => read_file(p, base_dir, span)?,
        Value::Array(items) => {
            let mut out = Vec::new();
            for i in items {
                out.extend(import(i, base_dir, span)?);
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
        ],
        default_columns: vec!["Thumbprint", "Subject"],
    }))
}

/// What a method call did: a result, and maybe a new value for the variable it was called on.
pub struct Called {
    pub result: Value,
    pub updated_target: Option<Value>,
}

/// Call `target.method(args)`.
pub fn call_method(
    target: &Value,
    method: &str,
    args: &[Value],
    base_dir: &Path,
    span: Span,
) -> Result<Called, RuntimeError> {
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
    let done = |result: Value| {
        Ok(Called {
            result,
            updated_target: None,
        })
    };
    match (target, m.as_str()) {
        (Value::Array(items), "add") => {
            let mut next = items.clone();
            next.push(arg(0)?.clone());
            Ok(Called {
                result: Value::Int(items.len() as i64),
                updated_target: Some(Value::Array(next)),
            })
        }
        (Value::Array(items), "insert") => {
            let idx = match arg(0)? {
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
            let mut next = items.clone();
            next.insert(idx, arg(1)?.clone());
            Ok(Called {
                result: Value::Null,
                updated_target: Some(Value::Array(next)),
            })
        }
        (Value::Array(items), "addrange" | "import") => {
            let mut next = items.clone();
            let added = if m == "import" {
                import(arg(0)?, base_dir, span)?
            } else {
                super::unroll(arg(0)?.clone())
            };
            next.extend(added);
            Ok(Called {
                result: Value::Null,
                updated_target: Some(Value::Array(next)),
            })
        }
        (Value::Array(items), "removeat") => {
            let mut next = items.clone();
            match arg(0)? {
                Value::Int(i) if *i >= 0 && (*i as usize) < next.len() => {
                    next.remove(*i as usize);
                }
                other => {
                    return Err(RuntimeError::new(
                        format!("Exception calling \"RemoveAt\": index {other} is out of range."),
                        span,
                    ))
                }
            }
            Ok(Called {
                result: Value::Null,
                updated_target: Some(Value::Array(next)),
            })
        }
        (Value::Array(_), "clear") => Ok(Called {
            result: Value::Null,
            updated_target: Some(Value::Array(Vec::new())),
        }),
        (Value::Array(items), "contains") => done(Value::Bool(items.contains(arg(0)?))),
        (Value::Object(o), "getrawcertdata") | (Value::Object(o), "export")
            if o.type_name == X509_TYPE =>
        {
            done(o.get("RawData").cloned().unwrap_or(Value::Null))
        }
        (Value::Object(o), "getcerthashstring") if o.type_name == X509_TYPE => {
            done(o.get("Thumbprint").cloned().unwrap_or(Value::Null))
        }
        (Value::Cert(c), "getrawcertdata" | "export") => done(Value::Bytes(c.bytes().to_vec())),
        (Value::String(s), _) if strings::has(&m) => done(strings::call(s, method, args, span)?),
        (v, "tostring") => done(Value::String(v.to_string())),
        (v, _) => Err(RuntimeError::new(
            format!(
                "The method '{method}' of [{}] is not supported in mailsec",
                v.type_name()
            ),
            span,
        )),
    }
}
