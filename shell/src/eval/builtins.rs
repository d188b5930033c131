//! Built-in utility commands that are not Exchange cmdlets: Write-Host, Write-Output, Select-Object (the forms admins type most).

use mailsec_cmdlets::{Object, Value};

use super::{Io, RuntimeError};
use crate::binder::Arg;
use crate::syntax::ast::Span;

/// Run `name` if it is a built-in; `None` hands it to the cmdlet registry.
pub fn run(
    name: &str,
    span: Span,
    args: &[Arg],
    input: Option<&[Value]>,
    io: &mut Io,
    base_dir: &std::path::Path,
) -> Option<Result<Vec<Value>, RuntimeError>> {
    match name.to_lowercase().as_str() {
        "write-host" => {
            let text: Vec<String> = args
                .iter()
                .filter_map(|a| match a {
                    Arg::Value(v, _) => Some(v.to_string()),
                    Arg::Param { .. } => None,
                })
                .collect();
            let _ = writeln!(io.out, "{}", text.join(" "));
            Some(Ok(Vec::new()))
        }
        "write-output" | "echo" => Some(Ok(args
            .iter()
            .filter_map(|a| match a {
                Arg::Value(v, _) => Some(v.clone()),
                Arg::Param { .. } => None,
            })
            .collect())),
        "select-object" | "select" => Some(select(span, args, input.unwrap_or_default())),
        "new-object" => Some(new_object(span, args, base_dir)),
        _ => None,
    }
}

/// `Select-Object [-Property] a,b` and `-ExpandProperty x`.
fn select(span: Span, args: &[Arg], input: &[Value]) -> Result<Vec<Value>, RuntimeError> {
    let mut props: Vec<String> = Vec::new();
    let mut expand: Option<String> = None;
    let mut it = args.iter();
    let names = |v: &Value| -> Vec<String> {
        match v {
            Value::Array(a) => a.iter().map(|x| x.to_string()).collect(),
            other => vec![other.to_string()],
        }
    };
    while let Some(a) = it.next() {
        match a {
            Arg::Value(v, _) => props.extend(names(v)),
            Arg::Param { name, span, value } => {
                let n = name.to_lowercase();
                let v = match value {
                    Some((v, _)) => v.clone(),
                    None => match it.next() {
                        Some(Arg::Value(v, _)) => v.clone(),
                        _ => {
                            return Err(RuntimeError::new(
                                format!("Missing an argument for parameter '{name}'."),
                                *span,
                            ))
                        }
                    },
                };
                if "property".starts_with(&n) {
                    props.extend(names(&v));
                } else if "expandproperty".starts_with(&n) {
                    expand = Some(v.to_string());
                } else {
                    return Err(RuntimeError::new(format!("Select-Object: the parameter '-{name}' is not supported in mailsec yet"), *span)
                        .help("supported: -Property, -ExpandProperty"));
                }
            }
        }
    }
    if let Some(x) = expand {
        let mut out = Vec::new();
        for o in input {
            match o.property(&x) {
                Some(Value::Array(a)) => out.extend(a.iter().cloned()),
                Some(v) => out.push(v.clone()),
                None => {
                    return Err(RuntimeError::new(
                        format!("Property \"{x}\" cannot be found."),
                        span,
                    ))
                }
            }
        }
        return Ok(out);
    }
    Ok(input
        .iter()
        .map(|o| {
            let picked: Vec<(String, Value)> = props
                .iter()
                .map(|p| {
                    let (name, v) = match o {
                        Value::Object(obj) => obj
                            .props
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(p))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .unwrap_or((p.clone(), Value::Null)),
                        other => (p.clone(), other.property(p).cloned().unwrap_or(Value::Null)),
                    };
                    (name, v)
                })
                .collect();
            Value::Object(Object {
                type_name: "Selected".into(),
                default_columns: Vec::new(),
                props: picked,
            })
        })
        .collect())
}

/// `New-Object TYPE(args)`, `New-Object TYPE a,b`, `New-Object -TypeName TYPE -ArgumentList a,b`.
fn new_object(
    span: Span,
    args: &[Arg],
    base_dir: &std::path::Path,
) -> Result<Vec<Value>, RuntimeError> {
    let mut type_name: Option<String> = None;
    let mut ctor: Vec<Value> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a {
            Arg::Value(v, _) if type_name.is_none() => type_name = Some(v.to_string()),
            Arg::Value(v, _) => ctor.extend(crate::eval::unroll(v.clone())),
            Arg::Param { name, span, value } => {
                let v = match value {
                    Some((v, _)) => v.clone(),
                    None => match it.next() {
                        Some(Arg::Value(v, _)) => v.clone(),
                        _ => {
                            return Err(RuntimeError::new(
                                format!("Missing an argument for parameter '{name}'."),
                                *span,
                            ))
                        }
                    },
                };
                let n = name.to_lowercase();
                if "typename".starts_with(&n) {
                    type_name = Some(v.to_string());
                } else if "argumentlist".starts_with(&n) || n == "args" {
                    ctor.extend(crate::eval::unroll(v));
                } else {
                    return Err(RuntimeError::new(
                        format!("New-Object: the parameter '-{name}' is not supported in mailsec"),
                        *span,
                    ));
                }
            }
        }
    }
    let t = type_name.ok_or_else(|| RuntimeError::new("New-Object needs a type name.", span))?;
    Ok(vec![super::objects::new_object(&t, &ctor, base_dir, span)?])
}
