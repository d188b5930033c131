//! Setting named properties on a typed object through its serde form, so every value is type-checked.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

/// `obj` with each `(property, value)` set; an error names the properties and says why a value did not fit.
pub fn set_properties<T: Serialize + DeserializeOwned>(
    obj: &T,
    props: impl IntoIterator<Item = (String, Value)>,
) -> Result<T, String> {
    let mut map = match serde_json::to_value(obj).map_err(|e| e.to_string())? {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    for (k, v) in props {
        map.insert(k, v);
    }
    serde_json::from_value(Value::Object(map)).map_err(|e| e.to_string())
}
