//! Converting bound values to parameter types, with PowerShell's transformation errors; multi-valued replace/clear/edit forms.

use serde_json::Value as Json;

use crate::signature::{ParamSpec, ParamType};
use crate::value::Value;
use crate::CmdletError;

fn transform(param: &str, v: &Value, target: &str) -> CmdletError {
    CmdletError::Transform {
        param: param.to_string(),
        message: format!(
            "Cannot convert value \"{v}\" of type \"{}\" to type \"{target}\".",
            v.type_name()
        ),
    }
}

pub fn to_string(param: &str, v: &Value) -> Result<String, CmdletError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Int(_) | Value::Double(_) | Value::Bool(_) => Ok(v.to_string()),
        Value::Array(a) if a.len() == 1 => to_string(param, &a[0]),
        other => Err(transform(param, other, "System.String")),
    }
}

pub fn to_bool(param: &str, v: &Value) -> Result<bool, CmdletError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Int(0) => Ok(false),
        Value::Int(1) => Ok(true),
        other => Err(CmdletError::Transform {
            param: param.to_string(),
            message: format!(
                "Cannot convert value \"{other}\" to type \"System.Boolean\". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0."
            ),
        }),
    }
}

pub fn to_u32(param: &str, v: &Value) -> Result<u32, CmdletError> {
    let n = match v {
        Value::Int(i) => Some(*i),
        Value::Double(d) if d.fract() == 0.0 => Some(*d as i64),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    n.and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| transform(param, v, "System.UInt32"))
}

/// `byte[]`: bytes, a certificate, or an array of numbers 0..255.
pub fn to_bytes(param: &str, v: &Value) -> Result<Vec<u8>, CmdletError> {
    match v {
        Value::Bytes(b) => Ok(b.clone()),
        Value::Cert(c) => Ok(c.bytes().to_vec()),
        Value::Array(items)
            if !items.is_empty() && items.iter().all(|i| matches!(i, Value::Int(0..=255))) =>
        {
            Ok(items
                .iter()
                .filter_map(|i| match i {
                    Value::Int(n) => u8::try_from(*n).ok(),
                    _ => None,
                })
                .collect())
        }
        other => Err(transform(param, other, "System.Byte[]")),
    }
}

pub fn to_enum(
    param: &str,
    v: &Value,
    allowed: &[&'static str],
) -> Result<&'static str, CmdletError> {
    let text = to_string(param, v)?;
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(text.trim()))
        .copied()
        .ok_or_else(|| CmdletError::Transform {
            param: param.to_string(),
            message: format!(
                "Cannot convert value \"{text}\". Error: \"Unable to match the identifier name {text} to a valid enumerator name. Specify one of the following enumerator names and try again: {}\"",
                allowed.join(", ")
            ),
        })
}

/// The three forms a multi-valued parameter takes.
#[derive(Debug, Clone, PartialEq)]
pub enum MultiEdit<T> {
    /// `a,b,c` replaces the set; `$null` gives an empty replacement.
    Replace(Vec<T>),
    /// `@{Add=..; Remove=..}` edits in place.
    Edit { add: Vec<T>, remove: Vec<T> },
}

impl<T: Clone> MultiEdit<T> {
    /// The new set, starting from `current`, with `same` deciding equality.
    pub fn resolve(&self, current: &[T], same: impl Fn(&T, &T) -> bool) -> Vec<T> {
        match self {
            MultiEdit::Replace(v) => v.clone(),
            MultiEdit::Edit { add, remove } => {
                let mut out: Vec<T> = current
                    .iter()
                    .filter(|c| !remove.iter().any(|r| same(c, r)))
                    .cloned()
                    .collect();
                for a in add {
                    if !out.iter().any(|o| same(o, a)) {
                        out.push(a.clone());
                    }
                }
                out
            }
        }
    }
}

fn multi<T>(
    param: &str,
    v: &Value,
    one: impl Fn(&Value) -> Result<Vec<T>, CmdletError>,
) -> Result<MultiEdit<T>, CmdletError> {
    match v {
        Value::Null => Ok(MultiEdit::Replace(Vec::new())),
        Value::Hashtable(entries) => {
            let (mut add, mut remove) = (Vec::new(), Vec::new());
            for (k, val) in entries {
                match k.to_ascii_lowercase().as_str() {
                    "add" | "+" => add.extend(one(val)?),
                    "remove" | "-" => remove.extend(one(val)?),
                    other => {
                        return Err(CmdletError::Transform {
                            param: param.to_string(),
                            message: format!(
                                "The hashtable key '{other}' is an unknown operation: use Add (or +) and Remove (or -)."
                            ),
                        })
                    }
                }
            }
            Ok(MultiEdit::Edit { add, remove })
        }
        other => one(other).map(MultiEdit::Replace),
    }
}

/// `MultiValuedProperty<byte[]>`: one byte array, or a list of them.
pub fn to_multi_bytes(param: &str, v: &Value) -> Result<MultiEdit<Vec<u8>>, CmdletError> {
    let one = |v: &Value| -> Result<Vec<Vec<u8>>, CmdletError> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) if items.iter().all(|i| matches!(i, Value::Int(_))) => {
                Ok(vec![to_bytes(param, v)?])
            }
            Value::Array(items) => items
                .iter()
                .filter(|i| !matches!(i, Value::Null))
                .map(|i| to_bytes(param, i))
                .collect(),
            other => Ok(vec![to_bytes(param, other)?]),
        }
    };
    multi(param, v, one)
}

pub fn to_multi_string(param: &str, v: &Value) -> Result<MultiEdit<String>, CmdletError> {
    let one = |v: &Value| -> Result<Vec<String>, CmdletError> {
        match v {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items.iter().map(|i| to_string(param, i)).collect(),
            other => Ok(vec![to_string(param, other)?]),
        }
    };
    multi(param, v, one)
}

/// The JSON value a property parameter stores, given the property's `current` value (for edits).
pub fn property_json(
    spec: &ParamSpec,
    v: &Value,
    current: Option<&Json>,
) -> Result<Json, CmdletError> {
    let p = spec.name;
    Ok(match spec.ty {
        ParamType::String | ParamType::Identity => match v {
            Value::Null => Json::Null,
            _ => Json::String(to_string(p, v)?),
        },
        ParamType::Bool | ParamType::Switch => Json::Bool(to_bool(p, v)?),
        ParamType::UInt32 => Json::from(to_u32(p, v)?),
        ParamType::Enum(allowed) => match v {
            Value::Null => Json::Null,
            _ => Json::String(to_enum(p, v, allowed)?.to_string()),
        },
        ParamType::MultiString => {
            let edit = to_multi_string(p, v)?;
            let cur: Vec<String> = current
                .and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            let next = edit.resolve(&cur, |a, b| {
                mailsec_state::plan::same_value(
                    p,
                    &Json::String(a.clone()),
                    &Json::String(b.clone()),
                )
            });
            Json::Array(next.into_iter().map(Json::String).collect())
        }
        ParamType::Bytes | ParamType::MultiBytes => {
            return Err(CmdletError::invalid(
                p,
                format!("{p} is stored as a certificate value, not a plain property"),
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_arrays_and_lists() {
        let one = Value::Bytes(vec![1, 2]);
        assert_eq!(
            to_multi_bytes("P", &one).unwrap(),
            MultiEdit::Replace(vec![vec![1, 2]])
        );
        let nums = Value::Array(vec![Value::Int(48), Value::Int(130)]);
        assert_eq!(
            to_multi_bytes("P", &nums).unwrap(),
            MultiEdit::Replace(vec![vec![48, 130]])
        );
        let list = Value::Array(vec![Value::Bytes(vec![1]), Value::Bytes(vec![2])]);
        assert_eq!(
            to_multi_bytes("P", &list).unwrap(),
            MultiEdit::Replace(vec![vec![1], vec![2]])
        );
        assert_eq!(
            to_multi_bytes("P", &Value::Null).unwrap(),
            MultiEdit::Replace(vec![])
        );
        let e = to_multi_bytes("UserCertificate", &Value::String("x".into())).unwrap_err();
        assert!(e
            .to_string()
            .starts_with("Cannot process argument transformation on parameter 'UserCertificate'"));
    }

    #[test]
    fn hashtable_edits() {
        let h = Value::Hashtable(vec![
            ("Add".into(), Value::String("c.com".into())),
            ("Remove".into(), Value::String("A.com".into())),
        ]);
        let edit = to_multi_string("RecipientDomains", &h).unwrap();
        let cur = vec!["a.com".to_string(), "b.com".to_string()];
        assert_eq!(
            edit.resolve(&cur, |a, b| a.eq_ignore_ascii_case(b)),
            vec!["b.com", "c.com"]
        );
        let bad = Value::Hashtable(vec![("Replace".into(), Value::Null)]);
        assert!(to_multi_string("P", &bad)
            .unwrap_err()
            .to_string()
            .contains("unknown operation"));
    }

    #[test]
    fn enums_are_case_insensitive_and_list_choices() {
        let allowed = &["EncryptionOnly", "DomainValidation"];
        assert_eq!(
            to_enum("T", &Value::String("domainvalidation".into()), allowed).unwrap(),
            "DomainValidation"
        );
        let e = to_enum("T", &Value::String("Strict".into()), allowed).unwrap_err();
        assert!(e.to_string().contains("EncryptionOnly, DomainValidation"));
    }

    #[test]
    fn booleans_accept_only_booleans_and_0_1() {
        assert!(to_bool("B", &Value::Int(1)).unwrap());
        assert!(to_bool("B", &Value::String("yes".into())).is_err());
    }
}
