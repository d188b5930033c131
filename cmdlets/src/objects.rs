//! Output objects of Get-* and New-*: the desired state's objects as property bags, certificates as certificate values.

use mailsec_state::cert::CertRef;
use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value as Json;

use crate::to_value::to_value;
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
        Json::Array(a) => Value::array(a.iter().map(from_json).collect()),
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
            Value::hashtable(m.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

/// An output object from a model object's serde form, plus extra properties.
pub fn object_of<T: Serialize>(
    type_name: &str,
    obj: &T,
    extra: Vec<(String, Value)>,
    default_columns: Vec<&'static str>,
) -> Value {
    let mut props: Vec<(String, Value)> = match to_value(obj) {
        Ok(Value::Hashtable(m)) => m.into_inner(),
        _ => Vec::new(),
    };
    props.extend(extra);
    Value::Object(Object {
        type_name: type_name.to_string(),
        props: props.into(),
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

/// The properties an output type shows first, in Exchange's order, each with the value Exchange shows when it is
/// unset; with each name's position, so that laying out an object costs a lookup per property the model has
/// rather than one per property of the layout.
pub struct Layout<'a> {
    /// Each name with its default as a shell value (converted once, cloned per object: most are `""` or `@()`,
    /// which clone without allocating).
    entries: Vec<(&'a str, Value)>,
    positions: HashMap<&'a str, usize, foldhash::fast::RandomState>,
}

impl<'a> Layout<'a> {
    /// A name given twice keeps its first place and default.
    pub fn new(mut entries: Vec<(&'a str, Json)>) -> Self {
        let mut positions = HashMap::with_capacity_and_hasher(entries.len(), Default::default());
        entries.retain(|(name, _)| {
            let next = positions.len();
            *positions.entry(*name).or_insert(next) == next
        });
        let entries = entries
            .into_iter()
            .map(|(name, default)| (name, from_json(&default)))
            .collect();
        Layout { entries, positions }
    }
}

/// An output object laid out as Exchange shows it: `layout`'s properties in order (an `extra` value wins, then
/// the model's, then the layout's default), the model's other properties, then the other `extra` ones.
///
/// New-* return one of these per object, so a bulk script builds tens of thousands: the model's values are moved,
/// not cloned, and each is placed by one lookup.
pub fn present<T: Serialize>(
    type_name: &str,
    obj: &T,
    layout: &Layout,
    extra: Vec<(String, Value)>,
    default_columns: Vec<&'static str>,
) -> Value {
    let model = match to_value(obj) {
        Ok(Value::Hashtable(m)) => m.into_inner(),
        _ => Vec::new(),
    };
    // A slot keeps the name it was given under (the layout's own spelling: positions match exactly).
    let mut slots: Vec<Option<(String, Value)>> = std::iter::repeat_with(|| None)
        .take(layout.entries.len())
        .collect();
    let mut rest: Vec<(String, Value)> = Vec::new();
    for (k, v) in model {
        match layout.positions.get(k.as_str()) {
            Some(&i) if !matches!(v, Value::Null) => slots[i] = Some((k, v)),
            Some(_) => {}
            None => rest.push((k, v)),
        }
    }
    // The first `extra` value of a name wins, over the model's too.
    let mut from_extra = vec![false; slots.len()];
    for (k, v) in extra {
        if let Some(&i) = layout.positions.get(k.as_str()) {
            if !from_extra[i] {
                slots[i] = Some((k, v));
                from_extra[i] = true;
            }
        } else if !rest.iter().any(|(m, _)| *m == k) {
            rest.push((k, v));
        }
    }
    let mut props: Vec<(String, Value)> = Vec::with_capacity(slots.len() + rest.len());
    for ((name, default), slot) in layout.entries.iter().zip(slots) {
        props.push(slot.unwrap_or_else(|| (name.to_string(), default.clone())));
    }
    props.extend(rest);
    Value::Object(Object {
        type_name: type_name.to_string(),
        props: props.into(),
        default_columns,
    })
}
