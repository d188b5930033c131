//! The JSON Schema of the state file, generated from the model types (never written by hand).

use crate::model::DesiredState;

/// Pretty-printed JSON Schema of `mailsec.yaml`.
pub fn state_schema_json() -> String {
    let schema = schemars::schema_for!(DesiredState);
    serde_json::to_string_pretty(&schema).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
