//! Rendering a plan for people: grouped by object, `+ ~ > -` markers, per-attribute old → new, a summary line.

use std::fmt::Write;

use serde_json::Value;

use super::{Action, Plan};

/// The text form of a plan (no colour; the shell adds none so CI logs stay clean).
pub fn render_plan(plan: &Plan) -> String {
    let mut out = String::new();
    if plan.is_empty() {
        out.push_str("No changes. The backends match the desired state.\n");
        return out;
    }
    out.push_str("mailsec will perform these actions:\n\n");
    for c in &plan.changes {
        let guid = c.guid.map(|g| format!("  (Guid {g})")).unwrap_or_default();
        let verb = match c.action {
            Action::Create => "will be created",
            Action::Update => "will be updated in place",
            Action::Rename => "will be renamed",
            Action::Delete => "will be removed",
        };
        let name = match c.kind {
            crate::model::ObjectKind::SmimeConfig | crate::model::ObjectKind::TransportConfig => {
                String::new()
            }
            _ => format!(" '{}'", c.name),
        };
        let _ = writeln!(
            out,
            "  {} {}{}{}  {}",
            c.action.symbol(),
            c.kind.noun(),
            name,
            guid,
            verb
        );
        for a in &c.attributes {
            match c.action {
                Action::Create => {
                    let _ = writeln!(
                        out,
                        "      + {}: {}",
                        a.name,
                        render_json_value(&a.name, &a.new)
                    );
                }
                _ => {
                    let marker = if a.name == "Name" { '>' } else { '~' };
                    let _ = writeln!(
                        out,
                        "      {marker} {}: {} → {}",
                        a.name,
                        render_json_value(&a.name, &a.old),
                        render_json_value(&a.name, &a.new)
                    );
                }
            }
        }
        out.push('\n');
    }
    let s = &plan.summary;
    let _ = writeln!(
        out,
        "Plan: {} to add, {} to change, {} to rename, {} to remove.",
        s.create, s.update, s.rename, s.delete
    );
    out
}

/// A value as a person reads it: certificates by subject, thumbprint and expiry; `(not set)` for null.
pub fn render_json_value(_attr: &str, v: &Value) -> String {
    match v {
        Value::Null => "(not set)".into(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) if items.is_empty() => "[]".into(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(|i| render_json_value(_attr, i)).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(m) if m.contains_key("file") => cert_ref(m),
        other => other.to_string(),
    }
}

fn cert_ref(m: &serde_json::Map<String, Value>) -> String {
    let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("?").to_string();
    if m.contains_key("subject") {
        return format!(
            "{} (thumbprint {}, expires {})",
            s("subject"),
            s("thumbprint"),
            s("notAfter")
        );
    }
    if let Some(Value::Array(list)) = m.get("certificates") {
        let inner: Vec<String> = list
            .iter()
            .filter_map(Value::as_object)
            .map(|c| {
                let g = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("?").to_string();
                format!(
                    "{} (thumbprint {}, expires {})",
                    g("subject"),
                    g("thumbprint"),
                    g("notAfter")
                )
            })
            .collect();
        return format!(
            "{} with {} certificate{}: {}",
            s("format"),
            inner.len(),
            if inner.len() == 1 { "" } else { "s" },
            inner.join("; ")
        );
    }
    let size = m.get("size").and_then(Value::as_u64).unwrap_or(0);
    format!("{} bytes ({}, {})", size, s("format"), s("file"))
}
