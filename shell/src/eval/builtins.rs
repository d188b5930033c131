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
        "convertto-json" => Some(Ok(vec![Value::String(to_json(input.unwrap_or_default()))])),
        "convertto-csv" => Some(Ok(csv_lines(input.unwrap_or_default())
            .into_iter()
            .map(Value::String)
            .collect())),
        "export-csv" => Some(export_csv(span, args, input.unwrap_or_default(), base_dir)),
        "format-list" | "fl" => {
            let _ = write!(io.out, "{}", crate::format::list(input.unwrap_or_default()));
            Some(Ok(Vec::new()))
        }
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

/// A value as JSON: objects and hashtables as maps, bytes as base64, certificates by their summary.
pub fn json_of(v: &Value) -> serde_json::Value {
    use base64::Engine;
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Int(i) => (*i).into(),
        Value::Double(d) => serde_json::Number::from_f64(*d)
            .map(serde_json::Value::Number)
            .unwrap_or_default(),
        Value::String(s) => s.clone().into(),
        Value::Bytes(b) => base64::engine::general_purpose::STANDARD.encode(b).into(),
        Value::Cert(c) => c.summary().into(),
        Value::Array(a) => a.iter().map(json_of).collect::<Vec<_>>().into(),
        Value::Hashtable(h) => h
            .iter()
            .map(|(k, v)| (k.clone(), json_of(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        Value::Object(o) => o
            .props
            .iter()
            .map(|(k, v)| (k.clone(), json_of(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

/// `ConvertTo-Json`: one object as an object, several as an array (PowerShell's rule), at any depth.
fn to_json(input: &[Value]) -> String {
    let v = match input {
        [one] => json_of(one),
        many => serde_json::Value::Array(many.iter().map(json_of).collect()),
    };
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

fn csv_field(v: &Value) -> String {
    let text = match v {
        Value::Array(a) => a
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(";"),
        other => crate::format::cell(other),
    };
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// CSV lines: a header of the first object's properties, then one line per object.
fn csv_lines(input: &[Value]) -> Vec<String> {
    let Some(Value::Object(first)) = input.first() else {
        return input.iter().map(csv_field).collect();
    };
    let names: Vec<&String> = first.props.iter().map(|(k, _)| k).collect();
    let mut out = vec![names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(",")];
    for v in input {
        out.push(
            names
                .iter()
                .map(|n| {
                    v.property(n)
                        .map(csv_field)
                        .unwrap_or_else(|| "\"\"".into())
                })
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    out
}

/// `Export-Csv -Path FILE [-NoTypeInformation]`.
fn export_csv(
    span: Span,
    args: &[Arg],
    input: &[Value],
    base_dir: &std::path::Path,
) -> Result<Vec<Value>, RuntimeError> {
    let mut path: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a {
            Arg::Value(v, _) if path.is_none() => path = Some(v.to_string()),
            Arg::Param { name, value, span } => {
                let n = name.to_lowercase();
                if "notypeinformation".starts_with(&n) {
                    continue;
                }
                if "path".starts_with(&n) || n == "literalpath" {
                    path = match value {
                        Some((v, _)) => Some(v.to_string()),
                        None => match it.next() {
                            Some(Arg::Value(v, _)) => Some(v.to_string()),
                            _ => {
                                return Err(RuntimeError::new(
                                    "Missing an argument for parameter 'Path'.",
                                    *span,
                                ))
                            }
                        },
                    };
                } else {
                    return Err(RuntimeError::new(
                        format!("Export-Csv: the parameter '-{name}' is not supported in mailsec"),
                        *span,
                    ));
                }
            }
            Arg::Value(v, s) => {
                return Err(RuntimeError::new(
                    format!("A positional parameter cannot be found that accepts argument '{v}'."),
                    *s,
                ))
            }
        }
    }
    let path = path.ok_or_else(|| RuntimeError::new("Export-Csv needs -Path.", span))?;
    let target = base_dir.join(&path);
    let mut text = csv_lines(input).join("\n");
    text.push('\n');
    std::fs::write(&target, text).map_err(|e| {
        RuntimeError::new(format!("Cannot write '{}': {e}", target.display()), span)
    })?;
    Ok(Vec::new())
}
