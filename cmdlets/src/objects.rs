//! Output objects of Get-* and New-*: the desired state's objects as property bags, certificates as certificate values.

use mailsec_state::cert::CertRef;
use serde::Serialize;
use serde_json::Value as Json;

use crate::value::{Object, Value};

/// Turn a JSON property value into a shell value; certificate references become certificate values.
pub fn from_json(v: &Json) -> Value {
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .unwrap_or_else(|| Value::Double(n.as_f64().unwrap_or_default())),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(a) => Value::Array(a.iter().map(from_json).collect()),
        Json::Object(m) if m.contains_key("file") && m.contains_key("format") => {
            match serde_json::from_value::<CertRef>(v.clone())
                .ok()
                .and_then(|r| r.resolve().ok())
            {
                Some(c) => Value::Cert(c),
                None => Value::String(
                    m.get("file")
                        .and_then(Json::as_str)
                        .unwrap_or_default()
                        .to_string(),
                ),
            }
        }
        Json::Object(m) => {
            Value::Hashtable(m.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

/// [`from_json`] for a value the caller gives up: strings and arrays are moved, not copied.
pub fn into_value(v: Json) -> Value {
    match v {
        Json::String(s) => Value::String(s),
        Json::Array(a) => Value::Array(a.into_iter().map(into_value).collect()),
        Json::Object(m) if !(m.contains_key("file") && m.contains_key("format")) => {
            Value::Hashtable(m.into_iter().map(|(k, v)| (k, into_value(v))).collect())
        }
        other => from_json(&other),
    }
}

/// An output object from a model object's serde form, plus extra properties.
pub fn object_of<T: Serialize>(
    type_name: &str,
    obj: &T,
    extra: Vec<(String, Value)>,
    default_columns: Vec<&'static str>,
) -> Value {
    let mut props: Vec<(String, Value)> = match serde_json::to_value(obj) {
        Ok(Json::Object(m)) => m.iter().map(|(k, v)| (k.clone(), from_json(v))).collect(),
        _ => Vec::new(),
    };
    props.extend(extra);
    Value::Object(Object {
        type_name: type_name.to_string(),
        props,
        default_columns,
    })
}

/// Where a Get-* object comes from: the desired state, or only a backend (then it is read-only).
pub fn source(managed: bool) -> (String, Value) {
    (
        "ManagedBy".to_string(),
        Value::String(
            if managed {
                "mailsec"
            } else {
                "backend only (read-only)"
            }
            .to_string(),
        ),
    )
}

/// An output object laid out as Exchange shows it: `layout` names the properties in order, each with the value
/// Exchange shows when it is unset; the model's other properties follow, then `extra`.
///
/// New-* return one of these per object, so a bulk script builds tens of thousands: the model's values are moved,
/// not cloned, and the model is looked up by name rather than scanned for every property (that was quadratic).
pub fn present<T: Serialize>(
    type_name: &str,
    obj: &T,
    layout: &[(&str, Json)],
    mut extra: Vec<(String, Value)>,
    default_columns: Vec<&'static str>,
) -> Value {
    let mut model = match serde_json::to_value(obj) {
        Ok(Json::Object(m)) => m,
        _ => serde_json::Map::new(),
    };
    let mut props: Vec<(String, Value)> =
        Vec::with_capacity(layout.len() + model.len() + extra.len());
    for (name, default) in layout {
        if let Some(pos) = extra.iter().position(|(k, _)| k == name) {
            props.push(extra.remove(pos));
            continue;
        }
        // Taking the value leaves null behind: every model entry the layout names is null after this loop.
        let value = match model.get_mut(*name).map(std::mem::take) {
            Some(v) if !v.is_null() => into_value(v),
            _ => from_json(default),
        };
        props.push((name.to_string(), value));
    }
    extra.retain(|(k, _)| !model.contains_key(k));
    for (k, v) in model {
        if v.is_null() && layout.iter().any(|(n, _)| *n == k) {
            continue;
        }
        props.push((k, into_value(v)));
    }
    props.extend(extra);
    Value::Object(Object {
        type_name: type_name.to_string(),
        props,
        default_columns,
    })
}
