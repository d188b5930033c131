//! Format-Table (ft) and Format-List (fl). They return the formatted text, so `| Out-File` and `| Out-String`
//! work after them; at the end of a pipeline the text is printed.

use mailsec_cmdlets::Value;

use super::args::{at, named, switch};
use super::{has_wildcard, like, Builtin, Call};
use crate::eval::RuntimeError;
use crate::format::{
    default_columns, list_with, name_value_rows, render, table, Column, TableOptions,
};

pub const BUILTINS: &[Builtin] = &[
    Builtin::new("Format-Table", "Shows objects as a table, one column per property, laid out for the terminal's width.", format_table)
        .aliases(&["ft"])
        .params(&[
            at(0, "Property", "Object[]", "The columns: names, `*` wildcards, or @{Label='X'; Expression='Property'; Width=10; Alignment='Right'}."),
            switch("AutoSize", "Accepted: columns are always sized to their contents."),
            switch("Wrap", "Wrap long values onto more lines instead of cutting them with `…`."),
            switch("HideTableHeaders", "Leave out the header lines."),
            named("GroupBy", "Object", "One table per value of this property."),
            named("View", "String", "Accepted; mailsec has one view per type."),
            switch("RepeatHeader", "Accepted."),
            switch("Force", "Accepted."),
            named("InputObject", "PSObject", "The objects (instead of pipeline input)."),
        ])
        .examples(&[("Chosen columns", "Get-Mailbox | ft Name,UserCertificate -AutoSize")]),
    Builtin::new("Format-List", "Shows each object's properties one per line, `Name : Value`.", format_list)
        .aliases(&["fl"])
        .params(&[
            at(0, "Property", "Object[]", "The properties: names, `*` (all), wildcards, or @{Label='X'; Expression='Property'}."),
            named("GroupBy", "Object", "One list per value of this property."),
            named("View", "String", "Accepted; mailsec has one view per type."),
            switch("Force", "Accepted."),
            named("InputObject", "PSObject", "The objects (instead of pipeline input)."),
        ])
        .examples(&[("Every property of a mailbox", "Get-Mailbox baptiste | Format-List *")]),
];

fn objects(c: &Call) -> Vec<Value> {
    let raw = match c.args.get("InputObject") {
        Some(v) => crate::eval::unroll(v.clone()),
        None => c.input().to_vec(),
    };
    // A hashtable is shown as its entries, Name and Value (as PowerShell does).
    raw.into_iter()
        .flat_map(|v| match v {
            Value::Hashtable(h) => name_value_rows(&h.read()),
            other => vec![other],
        })
        .collect()
}

/// The columns -Property names, expanded against the first object's properties.
fn columns(c: &Call, first: Option<&Value>) -> Result<Option<Vec<Column>>, RuntimeError> {
    let given = c.args.list("Property");
    if given.is_empty() {
        return Ok(None);
    }
    let names: Vec<String> = match first {
        Some(Value::Object(o)) => o.props.read().iter().map(|(k, _)| k.clone()).collect(),
        _ => Vec::new(),
    };
    let mut out: Vec<Column> = Vec::new();
    for v in given {
        match v {
            Value::Hashtable(h) => {
                let get = |keys: &[&str]| {
                    h.read()
                        .iter()
                        .find(|(k, _)| keys.iter().any(|x| x.eq_ignore_ascii_case(k)))
                        .map(|(_, v)| v.clone())
                };
                let expr = get(&["Expression", "E", "Expr"]).ok_or_else(|| {
                    c.error_at(
                        "Property",
                        "The hashtable of a calculated column needs an Expression key.",
                    )
                    .help("for example @{Label='Certificates'; Expression='UserCertificate'}")
                })?;
                if !matches!(expr, Value::String(_)) {
                    return Err(c
                        .error_at("Property", format!("A calculated column's Expression must be a property name here; a {} is not supported in mailsec yet.", expr.type_name()))
                        .help("give the property's name as text: Expression='UserCertificate'"));
                }
                let property = expr.to_string();
                let header = get(&["Label", "L", "Name", "N"])
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| property.clone());
                let width = match get(&["Width", "W"]) {
                    Some(w) => Some(super::args::to_int(&w).filter(|w| *w > 0).ok_or_else(|| {
                        c.error_at(
                            "Property",
                            format!("The Width of a column must be a positive number, not '{w}'."),
                        )
                        .help("for example @{Label='Name'; Expression='Name'; Width=20}")
                    })? as usize),
                    None => None,
                };
                let right = match get(&["Alignment", "Align", "A"]).map(|v| v.to_string().to_lowercase()) {
                    None => None,
                    Some(a) if a == "right" => Some(true),
                    Some(a) if a == "left" || a == "center" => Some(false),
                    Some(a) => {
                        return Err(c
                            .error_at("Property", format!("The Alignment of a column must be Left, Center or Right, not '{a}'."))
                            .help("for example Alignment='Right'"))
                    }
                };
                out.push(Column {
                    header,
                    property,
                    width,
                    right,
                });
            }
            other => {
                let n = other.to_string();
                if has_wildcard(&n) {
                    out.extend(names.iter().filter(|k| like(&n, k)).map(|k| Column::new(k)));
                } else {
                    let name = names
                        .iter()
                        .find(|k| k.eq_ignore_ascii_case(&n))
                        .cloned()
                        .unwrap_or(n);
                    out.push(Column::new(&name));
                }
            }
        }
    }
    Ok(Some(out))
}

/// Split `items` into runs that share the -GroupBy property's value.
fn groups(c: &Call, items: Vec<Value>) -> Vec<(Option<String>, Vec<Value>)> {
    let Some(by) = c.args.text("GroupBy") else {
        return vec![(None, items)];
    };
    let mut out: Vec<(Option<String>, Vec<Value>)> = Vec::new();
    for v in items {
        let key = crate::format::property_of(&v, &by)
            .map(|x| crate::format::cell(&x))
            .unwrap_or_default();
        match out.last_mut() {
            Some((Some(k), run)) if *k == key => run.push(v),
            _ => out.push((Some(key), vec![v])),
        }
    }
    out.into_iter()
        .map(|(k, run)| (k.map(|k| format!("   {by}: {k}")), run))
        .collect()
}

/// The formatted text as one string value (printing it shows the table).
fn done(text: String) -> Vec<Value> {
    if text.is_empty() {
        return Vec::new();
    }
    vec![Value::String(
        text.strip_suffix('\n').unwrap_or(&text).to_string(),
    )]
}

fn format_table(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let items = objects(c);
    let opts = TableOptions {
        width: crate::format::width(),
        wrap: c.args.switch("Wrap"),
        hide_headers: c.args.switch("HideTableHeaders"),
    };
    let mut text = String::new();
    for (title, run) in groups(c, items) {
        if let Some(t) = title {
            text.push_str(&format!("\n{t}\n"));
        }
        let first = run.iter().find(|v| matches!(v, Value::Object(_)));
        let cols = match columns(c, first)? {
            Some(cols) => cols,
            None => match first {
                Some(Value::Object(o)) => default_columns(o),
                _ => Vec::new(),
            },
        };
        // Scalars are listed as they are; objects share one table.
        let (objs, scalars): (Vec<Value>, Vec<Value>) =
            run.into_iter().partition(|v| matches!(v, Value::Object(_)));
        if !objs.is_empty() {
            text.push_str(&table(&objs, &cols, &opts));
        }
        text.push_str(&render(&scalars, opts.width));
    }
    Ok(done(text))
}

fn format_list(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let items = objects(c);
    let mut text = String::new();
    for (title, run) in groups(c, items) {
        if let Some(t) = title {
            text.push_str(&format!("\n{t}\n"));
        }
        let first = run.iter().find(|v| matches!(v, Value::Object(_)));
        let star = c.args.strings("Property").iter().any(|p| p == "*");
        let cols = if star { None } else { columns(c, first)? };
        text.push_str(&list_with(&run, cols.as_deref(), crate::format::width()));
    }
    Ok(done(text))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{run, run_in};

    const PEOPLE: &str = "$p = @(
        (New-Object PSObject -Property @{Name='bob'; Days=10; Team='b'}),
        (New-Object PSObject -Property @{Name='alice'; Days=3; Team='a'}))\n";

    #[test]
    fn format_table_columns_and_calculated() {
        let o = run(&format!("{PEOPLE}$p | ft Name,Days"));
        assert_eq!(
            o.ok(),
            "\nName  Days\n----  ----\nbob     10\nalice    3\n\n"
        );
        let o = run(&format!("{PEOPLE}$p | Format-Table @{{Label='Who'; Expression='Name'; Width=3}}, T* -HideTableHeaders"));
        assert_eq!(o.ok(), "\nbob b\nal… a\n\n");
        let o = run(&format!("{PEOPLE}$p | ft -GroupBy Team"));
        assert!(
            o.ok().contains("   Team: b\n\nName Days Team\n"),
            "{}",
            o.out
        );
        let o = run("@{a=1} | ft\n'text' | ft");
        assert_eq!(o.ok(), "\nName Value\n---- -----\na        1\n\ntext\n");
    }

    #[test]
    fn format_list_all_or_some() {
        let o = run(&format!("{PEOPLE}$p | fl Name, D*"));
        assert_eq!(
            o.ok(),
            "\nName : bob\nDays : 10\n\nName : alice\nDays : 3\n\n"
        );
        let o = run(&format!("{PEOPLE}$p[0] | Format-List *"));
        assert_eq!(o.ok(), "\nName : bob\nDays : 10\nTeam : b\n\n");
    }

    #[test]
    fn formatted_text_can_go_to_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let o = run_in(
            &format!("{PEOPLE}$p | ft Name | Out-File t.txt"),
            dir.path(),
        );
        o.ok();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("t.txt")).unwrap(),
            "\nName\n----\nbob\nalice\n\n"
        );
    }

    #[test]
    fn bad_calculated_columns_say_what_to_do() {
        let o = run(&format!("{PEOPLE}$p | ft @{{Label='x'}}\n$p | ft @{{E='Name'; Width=0}}\n$p | ft @{{E='Name'; Alignment='Up'}}"));
        let m = o.messages();
        assert!(m[0].contains("needs an Expression key"), "{m:?}");
        assert!(m[1].contains("Width"), "{m:?}");
        assert!(m[2].contains("Alignment"), "{m:?}");
        assert!(o.errors.iter().all(|e| e.help.is_some()));
    }
}
