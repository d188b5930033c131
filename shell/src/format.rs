//! Output formatting: objects as PowerShell-style tables (default columns per type), scalars one per line.

use std::io::Write;

use mailsec_cmdlets::Value;
use tabled::builder::Builder;
use tabled::settings::Style;

/// Print a statement's output values.
pub fn print(out: &mut dyn Write, values: &[Value]) {
    let mut i = 0;
    while i < values.len() {
        if let Value::Object(first) = &values[i] {
            // A run of objects of one type shares one table.
            let mut j = i;
            while j < values.len()
                && matches!(&values[j], Value::Object(o) if o.type_name == first.type_name)
            {
                j += 1;
            }
            let _ = write!(out, "{}", table(&values[i..j]));
            i = j;
        } else {
            let _ = writeln!(out, "{}", scalar(&values[i]));
            i += 1;
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Bytes(b) => format!("System.Byte[] ({} bytes)", b.len()),
        other => other.to_string(),
    }
}

/// A table cell: certificates by subject and expiry, lists joined.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Cert(c) => match c.certificates().as_slice() {
            [one] => format!(
                "{} (expires {})",
                one.subject,
                &one.not_after_text()[..10.min(one.not_after_text().len())]
            ),
            [] => format!("{} bytes", c.bytes().len()),
            many => format!("{} with {} certificates", c.format(), many.len()),
        },
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(cell).collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Bytes(b) => format!("{{{} bytes}}", b.len()),
        other => other.to_string(),
    }
}

fn table(objs: &[Value]) -> String {
    let Some(Value::Object(first)) = objs.first() else {
        return String::new();
    };
    let columns: Vec<String> = if first.default_columns.is_empty() {
        first.props.iter().map(|(k, _)| k.clone()).collect()
    } else {
        first
            .default_columns
            .iter()
            .map(|c| c.to_string())
            .collect()
    };
    let mut b = Builder::default();
    b.push_record(columns.iter().cloned());
    b.push_record(columns.iter().map(|c| "-".repeat(c.chars().count())));
    for o in objs {
        if let Value::Object(o) = o {
            b.push_record(
                columns
                    .iter()
                    .map(|c| o.get(c).map(cell).unwrap_or_default()),
            );
        }
    }
    let mut t = b.build();
    t.with(Style::blank());
    format!(
        "\n{}\n\n",
        t.to_string()
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n")
    )
}

/// Format-List: every property of every object, `Name : Value`, names aligned.
pub fn list(values: &[Value]) -> String {
    let mut out = String::new();
    for v in values {
        match v {
            Value::Object(o) => {
                let width = o
                    .props
                    .iter()
                    .map(|(k, _)| k.chars().count())
                    .max()
                    .unwrap_or(0);
                out.push('\n');
                for (k, val) in &o.props {
                    out.push_str(&format!("{k:<width$} : {}\n", cell(val)));
                }
            }
            other => out.push_str(&format!("{}\n", scalar(other))),
        }
    }
    out.push('\n');
    out
}
