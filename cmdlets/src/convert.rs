//! Converting bound values to parameter types, with PowerShell's transformation errors; multi-valued replace/clear/edit forms.

use serde_json::Value as Json;

use crate::checks;
use crate::signature::{Check, ParamSpec, ParamType};
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
        // A one-element list is its element; not a list that holds only itself.
        Value::Array(a) if a.len() == 1 && !matches!(&a.read()[0], Value::Array(_)) => {
            to_string(param, &a.read()[0])
        }
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
            if !items.is_empty()
                && items
                    .read()
                    .iter()
                    .all(|i| matches!(i, Value::Int(0..=255))) =>
        {
            Ok(items
                .read()
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
            for (k, val) in entries.read().iter() {
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
            Value::Array(items) if items.read().iter().all(|i| matches!(i, Value::Int(_))) => {
                Ok(vec![to_bytes(param, v)?])
            }
            Value::Array(items) => items
                .read()
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
            Value::Array(items) => items.read().iter().map(|i| to_string(param, i)).collect(),
            other => Ok(vec![to_string(param, other)?]),
        }
    };
    multi(param, v, one)
}

/// `Int32`.
pub fn to_i32(param: &str, v: &Value) -> Result<i32, CmdletError> {
    let n = match v {
        Value::Int(i) => Some(*i),
        Value::Double(d) if d.fract() == 0.0 => Some(*d as i64),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    n.and_then(|n| i32::try_from(n).ok())
        .ok_or_else(|| transform(param, v, "System.Int32"))
}

/// `Unlimited<int>`: `Unlimited` or a non-negative number, as text.
pub fn to_unlimited(param: &str, v: &Value) -> Result<String, CmdletError> {
    if let Value::String(s) = v {
        if s.trim().eq_ignore_ascii_case("unlimited") {
            return Ok("Unlimited".into());
        }
    }
    let n = to_i32(param, v).map_err(|_| {
        transform(
            param,
            v,
            "Microsoft.Exchange.Data.Unlimited`1[System.Int32]",
        )
    })?;
    if n < 0 {
        return Err(CmdletError::invalid(
            param,
            format!("{param} must be Unlimited or a number from 0 to 2147483647."),
        ));
    }
    Ok(n.to_string())
}

/// Exchange's display form of a byte count: `10 MB (10,485,760 bytes)`.
pub fn byte_size_text(bytes: u64) -> String {
    let units = [
        ("TB", 1u64 << 40),
        ("GB", 1 << 30),
        ("MB", 1 << 20),
        ("KB", 1 << 10),
    ];
    let grouped = {
        let digits = bytes.to_string();
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        out
    };
    for (unit, size) in units {
        if bytes >= size {
            let value = bytes as f64 / size as f64;
            let shown = if value.fract() == 0.0 {
                format!("{value:.0}")
            } else {
                format!("{value:.3}")
                    .trim_end_matches('0')
                    .trim_end_matches('.')
                    .to_string()
            };
            return format!("{shown} {unit} ({grouped} bytes)");
        }
    }
    format!("{bytes} B ({grouped} bytes)")
}

/// `Unlimited<ByteQuantifiedSize>`: `Unlimited`, a byte count, or `10MB` / `10 MB` / `1.5GB` (B, KB, MB, GB, TB).
pub fn to_byte_size(param: &str, v: &Value) -> Result<String, CmdletError> {
    let too_big = || {
        CmdletError::invalid(
            param,
            format!("{param} must be Unlimited or at most 2147483647 bytes (2 GB)."),
        )
    };
    let bytes: f64 = match v {
        Value::Int(i) if *i >= 0 => *i as f64,
        Value::Double(d) if *d >= 0.0 => *d,
        Value::String(s) => {
            let t = s.trim();
            if t.eq_ignore_ascii_case("unlimited") {
                return Ok("Unlimited".into());
            }
            let split = t
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(t.len());
            let (num, unit) = t.split_at(split);
            let n: f64 = num.parse().map_err(|_| {
                transform(
                    param,
                    v,
                    "Microsoft.Exchange.Data.Unlimited`1[Microsoft.Exchange.Data.ByteQuantifiedSize]",
                )
            })?;
            let mult = match unit.trim().to_ascii_uppercase().as_str() {
                "" | "B" => 1u64,
                "KB" => 1 << 10,
                "MB" => 1 << 20,
                "GB" => 1 << 30,
                "TB" => 1 << 40,
                _ => {
                    return Err(transform(
                        param,
                        v,
                        "Microsoft.Exchange.Data.Unlimited`1[Microsoft.Exchange.Data.ByteQuantifiedSize]",
                    ))
                }
            };
            n * mult as f64
        }
        other => {
            return Err(transform(
                param,
                other,
                "Microsoft.Exchange.Data.Unlimited`1[Microsoft.Exchange.Data.ByteQuantifiedSize]",
            ))
        }
    };
    if bytes > 2_147_483_647.0 {
        return Err(too_big());
    }
    Ok(byte_size_text(bytes.round() as u64))
}

/// `DateTime` → UTC RFC 3339 (`2026-07-24T18:59:12Z`). Accepts RFC 3339, `yyyy-MM-dd HH:mm:ss` and `yyyy-MM-dd`.
pub fn to_datetime(param: &str, v: &Value) -> Result<String, CmdletError> {
    use time::format_description::well_known::Rfc3339;
    let text = to_string(param, v)?;
    let t = text.trim();
    let parsed = time::OffsetDateTime::parse(t, &Rfc3339).ok().or_else(|| {
        let fmt =
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
        let day = time::macros::format_description!("[year]-[month]-[day]");
        time::PrimitiveDateTime::parse(t, &fmt)
            .ok()
            .or_else(|| time::Date::parse(t, &day).ok().map(|d| d.midnight()))
            .map(|p| p.assume_utc())
    });
    parsed
        .and_then(|d| d.to_offset(time::UtcOffset::UTC).format(&Rfc3339).ok())
        .ok_or_else(|| transform(param, v, "System.DateTime"))
}

/// `SmtpX509Identifier`: `<I>issuer<S>subject` (or `<S>subject`).
pub fn x509_identifier(param: &str, raw: &str) -> Result<String, CmdletError> {
    let t = raw.trim();
    let ok = (t.starts_with("<I>") && t.find("<S>").is_some_and(|i| i > 3 && i + 3 < t.len()))
        || (t.starts_with("<S>") && t.len() > 3);
    if ok {
        Ok(t.to_string())
    } else {
        Err(CmdletError::invalid(
            param,
            format!("\"{raw}\" isn't valid for {param}: use \"<I>issuer<S>subject\", e.g. \"<I>CN=Contoso CA<S>CN=mail.contoso.com\"."),
        ))
    }
}

/// A proxy address in its stored form: `SMTP:` primary and `smtp:` secondary (checked), other types as given.
pub fn proxy(param: &str, raw: &str) -> Result<String, CmdletError> {
    let t = raw.trim();
    match t.split_once(':') {
        Some((p, a)) if p.eq_ignore_ascii_case("smtp") => {
            let addr = checks::smtp(param, a)?;
            Ok(format!(
                "{}:{addr}",
                if p == "SMTP" { "SMTP" } else { "smtp" }
            ))
        }
        Some((p, a)) if !p.is_empty() && !p.contains('@') && !a.is_empty() => Ok(t.to_string()),
        _ => Ok(format!("smtp:{}", checks::smtp(param, t)?)),
    }
}

fn same_proxy(a: &str, b: &str) -> bool {
    let split = |s: &str| -> (String, String) {
        match s.split_once(':') {
            Some((p, r)) => (p.to_ascii_lowercase(), r.to_lowercase()),
            None => ("smtp".into(), s.to_lowercase()),
        }
    };
    split(a) == split(b)
}

/// `ProxyAddressCollection`: the new collection given the current one; one `SMTP:` primary at most; an added
/// `SMTP:` address becomes the primary and the old primary a secondary.
pub fn proxy_addresses(
    param: &str,
    v: &Value,
    current: &[String],
) -> Result<Vec<String>, CmdletError> {
    let edit = to_multi_string(param, v)?;
    let check_all = |items: &[String]| -> Result<Vec<String>, CmdletError> {
        items.iter().map(|i| proxy(param, i)).collect()
    };
    let (next, promoted) = match &edit {
        MultiEdit::Replace(items) => (check_all(items)?, None),
        MultiEdit::Edit { add, remove } => {
            let add = check_all(add)?;
            let remove = check_all(remove)?;
            let promoted = add.iter().rev().find(|a| a.starts_with("SMTP:")).cloned();
            let mut out: Vec<String> = current
                .iter()
                .filter(|c| !remove.iter().any(|r| same_proxy(c, r)))
                .cloned()
                .collect();
            for a in &add {
                if let Some(existing) = out.iter_mut().find(|o| same_proxy(o, a)) {
                    *existing = a.clone();
                } else {
                    out.push(a.clone());
                }
            }
            (out, promoted)
        }
    };
    let next = match promoted {
        Some(p) => next
            .into_iter()
            .map(|a| match a.strip_prefix("SMTP:") {
                Some(rest) if !same_proxy(&a, &p) => format!("smtp:{rest}"),
                _ => a,
            })
            .collect(),
        None => next,
    };
    if next.iter().filter(|a| a.starts_with("SMTP:")).count() > 1 {
        return Err(CmdletError::invalid(
            param,
            "There are multiple primary SMTP addresses. Please ensure there is only one primary address for each address type.",
        ));
    }
    Ok(next)
}

/// A `[Flags]` enum: names (comma-separated or a list) in the declared order, joined as Exchange shows them.
pub fn to_flags(param: &str, v: &Value, allowed: &[&'static str]) -> Result<String, CmdletError> {
    let items: Vec<String> = match v {
        Value::Array(a) => a
            .read()
            .iter()
            .map(|i| to_string(param, i))
            .collect::<Result<_, _>>()?,
        other => vec![to_string(param, other)?],
    };
    let mut picked = Vec::new();
    for item in items.iter().flat_map(|i| i.split(',')) {
        let name = to_enum(param, &Value::String(item.trim().to_string()), allowed)?;
        if !picked.contains(&name) {
            picked.push(name);
        }
    }
    let ordered: Vec<&str> = allowed
        .iter()
        .copied()
        .filter(|a| picked.contains(a))
        .collect();
    Ok(ordered.join(", "))
}

fn strings_of(current: Option<&Json>) -> Vec<String> {
    current
        .and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The JSON value a property parameter stores, given the property's `current` value (for edits).
pub fn property_json(
    spec: &ParamSpec,
    v: &Value,
    current: Option<&Json>,
) -> Result<Json, CmdletError> {
    let p = spec.name;
    let text = |v: &Value| -> Result<Json, CmdletError> {
        match v {
            Value::Null => Ok(Json::Null),
            _ => Ok(Json::String(checks::check_value(
                p,
                spec.check,
                &to_string(p, v)?,
            )?)),
        }
    };
    Ok(match spec.ty {
        ParamType::String | ParamType::Identity(_) => text(v)?,
        ParamType::Bool | ParamType::Switch => Json::Bool(to_bool(p, v)?),
        ParamType::UInt32 => Json::from(to_u32(p, v)?),
        ParamType::Int32 => {
            let n = to_i32(p, v)?;
            if spec.check == Check::Port && !(0..=65535).contains(&n) {
                return Err(CmdletError::invalid(
                    p,
                    format!("\"{n}\" isn't valid for {p}: a port is a number from 0 to 65535"),
                ));
            }
            Json::from(n)
        }
        ParamType::Enum(_, allowed) => match v {
            Value::Null => Json::Null,
            _ => Json::String(to_enum(p, v, allowed)?.to_string()),
        },
        ParamType::Flags(_, allowed) => match v {
            Value::Null => Json::Null,
            _ => Json::String(to_flags(p, v, allowed)?),
        },
        ParamType::EnumArray(_, allowed) => {
            let items: Vec<Value> = match v {
                Value::Null => Vec::new(),
                Value::Array(a) => a.to_vec(),
                other => vec![other.clone()],
            };
            let mut out = Vec::new();
            for i in &items {
                out.push(Json::String(to_enum(p, i, allowed)?.to_string()));
            }
            Json::Array(out)
        }
        ParamType::MultiString | ParamType::StringArray => {
            let edit = to_multi_string(p, v)?;
            if spec.ty == ParamType::StringArray && matches!(edit, MultiEdit::Edit { .. }) {
                return Err(CmdletError::Transform {
                    param: p.to_string(),
                    message: format!("Cannot convert the \"System.Collections.Hashtable\" value of type \"System.Collections.Hashtable\" to type \"System.String[]\": {p} takes a list, which replaces the current one."),
                });
            }
            let checked = |items: &[String]| -> Result<Vec<String>, CmdletError> {
                items
                    .iter()
                    .map(|i| checks::check_value(p, spec.check, i))
                    .collect()
            };
            let edit = match edit {
                MultiEdit::Replace(items) => MultiEdit::Replace(checked(&items)?),
                MultiEdit::Edit { add, remove } => MultiEdit::Edit {
                    add: checked(&add)?,
                    remove: checked(&remove)?,
                },
            };
            let next = edit.resolve(&strings_of(current), |a, b| {
                mailsec_state::plan::same_value(
                    p,
                    &Json::String(a.clone()),
                    &Json::String(b.clone()),
                )
            });
            Json::Array(next.into_iter().map(Json::String).collect())
        }
        ParamType::ProxyAddresses => Json::Array(
            proxy_addresses(p, v, &strings_of(current))?
                .into_iter()
                .map(Json::String)
                .collect(),
        ),
        ParamType::SmtpAddress => match v {
            Value::Null => Json::Null,
            _ => Json::String(checks::smtp(p, &to_string(p, v)?)?),
        },
        ParamType::ProxyAddress => match v {
            Value::Null => Json::Null,
            _ => {
                let a = proxy(p, &to_string(p, v)?)?;
                Json::String(match a.strip_prefix("smtp:") {
                    Some(rest) => format!("SMTP:{rest}"),
                    None => a,
                })
            }
        },
        ParamType::Fqdn => match v {
            Value::Null => Json::Null,
            _ => {
                let h = to_string(p, v)?;
                checks::fqdn(h.trim()).map_err(|rule| {
                    CmdletError::invalid(p, format!("\"{h}\" isn't valid for {p}: {rule}"))
                })?;
                Json::String(h.trim().to_string())
            }
        },
        ParamType::Domain | ParamType::TlsCertificate => match v {
            Value::Null => Json::Null,
            _ => {
                let d = to_string(p, v)?;
                let d = d.trim();
                checks::domain(d, true).map_err(|rule| {
                    CmdletError::invalid(p, format!("\"{d}\" isn't valid for {p}: {rule}"))
                })?;
                if d == "*" {
                    return Err(CmdletError::invalid(
                        p,
                        format!("\"*\" isn't valid for {p}: name the domain the certificate must match (*.contoso.com is allowed)."),
                    ));
                }
                Json::String(d.to_string())
            }
        },
        ParamType::X509Identifier => match v {
            Value::Null => Json::Null,
            _ => Json::String(x509_identifier(p, &to_string(p, v)?)?),
        },
        ParamType::Unlimited => Json::String(to_unlimited(p, v)?),
        ParamType::UnlimitedSize => Json::String(to_byte_size(p, v)?),
        ParamType::DateTime => match v {
            Value::Null => Json::Null,
            _ => Json::String(to_datetime(p, v)?),
        },
        ParamType::Guid => match v {
            Value::Null => Json::Null,
            _ => {
                let t = to_string(p, v)?;
                let g = mailsec_state::Uuid::parse_str(t.trim())
                    .map_err(|_| transform(p, v, "System.Guid"))?;
                Json::String(g.to_string())
            }
        },
        ParamType::Bytes | ParamType::MultiBytes | ParamType::Credential => {
            return Err(CmdletError::invalid(
                p,
                format!("{p} is not stored as a plain property"),
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
        let nums = Value::array(vec![Value::Int(48), Value::Int(130)]);
        assert_eq!(
            to_multi_bytes("P", &nums).unwrap(),
            MultiEdit::Replace(vec![vec![48, 130]])
        );
        let list = Value::array(vec![Value::Bytes(vec![1]), Value::Bytes(vec![2])]);
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
        let h = Value::hashtable(vec![
            ("Add".into(), Value::String("c.com".into())),
            ("Remove".into(), Value::String("A.com".into())),
        ]);
        let edit = to_multi_string("RecipientDomains", &h).unwrap();
        let cur = vec!["a.com".to_string(), "b.com".to_string()];
        assert_eq!(
            edit.resolve(&cur, |a, b| a.eq_ignore_ascii_case(b)),
            vec!["b.com", "c.com"]
        );
        let bad = Value::hashtable(vec![("Replace".into(), Value::Null)]);
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
