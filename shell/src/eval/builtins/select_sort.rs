//! Select-Object, Sort-Object and Measure-Object.

use std::cmp::Ordering;

use mailsec_cmdlets::{Object, Value};

use super::args::{at, named, switch};
use super::{has_wildcard, like, Builtin, Call};
use crate::eval::RuntimeError;
use crate::format::property_of;

pub const BUILTINS: &[Builtin] = &[
    Builtin::new("Select-Object", "Picks properties of objects (-Property), one property's values (-ExpandProperty), or some of the objects (-First, -Last, -Skip, -Unique).", select_object)
        .aliases(&["select"])
        .params(&[
            at(0, "Property", "Object[]", "The properties to keep: names, `*` wildcards, or @{Name='X'; Expression='Property'}."),
            named("ExcludeProperty", "String[]", "Properties to leave out (with -Property)."),
            named("ExpandProperty", "String", "Output this property's value(s) instead of the objects."),
            named("First", "Int32", "Only the first N objects."),
            named("Last", "Int32", "Only the last N objects."),
            named("Skip", "Int32", "Leave out the first N objects."),
            named("SkipLast", "Int32", "Leave out the last N objects."),
            named("Index", "Int32[]", "Only the objects at these positions (0 is the first)."),
            switch("Unique", "Leave out repeated objects."),
            named("InputObject", "PSObject", "The objects (instead of pipeline input)."),
        ])
        .examples(&[
            ("The bytes of a contact's certificate", "Get-MailContact -Identity CravateRouge_SMIME | select UserCertificate"),
            ("Names only", "Get-Mailbox | Select-Object -ExpandProperty Name"),
            ("A renamed column", "Get-Mailbox | Select-Object Name, @{Name='Certificates'; Expression='UserCertificate'}"),
        ]),
    Builtin::new("Sort-Object", "Sorts objects by properties (text case-insensitively, numbers by value).", sort_object)
        .aliases(&["sort"])
        .params(&[
            at(0, "Property", "Object[]", "The properties to sort by, in order; or @{Expression='X'; Descending=$true}."),
            switch("Descending", "Largest first."),
            switch("Unique", "Leave out objects whose sort keys are equal to the previous one's."),
            switch("CaseSensitive", "Compare text case-sensitively."),
            named("Top", "Int32", "Only the first N after sorting."),
            named("Bottom", "Int32", "Only the last N after sorting."),
            switch("Stable", "Accepted: the sort always keeps the input order of equal objects."),
            named("InputObject", "PSObject", "The objects (instead of pipeline input)."),
        ])
        .examples(&[("Soonest expiry first", "Get-SmimeCertificateReport | Sort-Object DaysToExpiry")]),
    Builtin::new("Measure-Object", "Counts objects, and sums, averages, maximums and minimums of a property.", measure_object)
        .aliases(&["measure"])
        .params(&[
            at(0, "Property", "String[]", "The properties to measure."),
            switch("Sum", "Add the values up."),
            switch("Average", "The mean of the values."),
            switch("Maximum", "The largest value."),
            switch("Minimum", "The smallest value."),
            switch("StandardDeviation", "The sample standard deviation of the values."),
            switch("AllStats", "All of the above."),
            switch("Line", "Count lines of text."),
            switch("Word", "Count words of text."),
            switch("Character", "Count characters of text."),
            switch("IgnoreWhiteSpace", "With -Character: leave out white space."),
            named("InputObject", "PSObject", "The objects (instead of pipeline input)."),
        ])
        .examples(&[
            ("How many contacts", "(Get-MailContact | Measure-Object).Count"),
            ("Days to the soonest expiry", "Get-SmimeCertificateReport | Measure-Object DaysToExpiry -Minimum"),
        ]),
];

/// The objects a command works on: -InputObject, else the pipeline input.
fn objects(c: &Call) -> Vec<Value> {
    match c.args.get("InputObject") {
        Some(v) => crate::eval::unroll(v.clone()),
        None => c.input().to_vec(),
    }
}

/// A property to pick: a name (maybe with wildcards) or a calculated one.
enum Pick {
    Name(String),
    Calculated { name: String, expression: String },
}

fn hashtable_key<'a>(h: &'a [(String, Value)], keys: &[&str]) -> Option<&'a Value> {
    // Keys match by unique prefix, as PowerShell matches Name/N/Label/L and Expression/E.
    h.iter()
        .find(|(k, _)| keys.iter().any(|x| x.eq_ignore_ascii_case(k)))
        .map(|(_, v)| v)
}

fn picks(c: &Call, param: &str) -> Result<Vec<Pick>, RuntimeError> {
    let mut out = Vec::new();
    for v in c.args.list(param) {
        match v {
            Value::Hashtable(h) => {
                let h = h.read();
                let expr = hashtable_key(&h, &["Expression", "E", "Expr"]).ok_or_else(|| {
                    c.error_at(
                        param,
                        "The hashtable of a calculated property needs an Expression key.",
                    )
                    .help("for example @{Name='Certificates'; Expression='UserCertificate'}")
                })?;
                if !matches!(expr, Value::String(_)) {
                    return Err(c
                        .error_at(param, format!("A calculated property's Expression must be a property name here; a {} is not supported in mailsec yet.", expr.type_name()))
                        .help("give the property's name as text: Expression='UserCertificate'"));
                }
                let expression = expr.to_string();
                let name = hashtable_key(&h, &["Name", "N", "Label", "L"])
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| expression.clone());
                out.push(Pick::Calculated { name, expression });
            }
            other => out.push(Pick::Name(other.to_string())),
        }
    }
    Ok(out)
}

/// The property names and values `picks` selects from `v`, in order.
fn picked(v: &Value, picks: &[Pick], exclude: &[String]) -> Vec<(String, Value)> {
    let own: Vec<(String, Value)> = match v {
        Value::Object(o) => o.props.snapshot(),
        Value::Hashtable(h) => h.snapshot(),
        _ => Vec::new(),
    };
    let mut out: Vec<(String, Value)> = Vec::new();
    let push = |out: &mut Vec<(String, Value)>, k: String, val: Value| {
        if !out.iter().any(|(x, _)| x.eq_ignore_ascii_case(&k))
            && !exclude.iter().any(|e| like(e, &k))
        {
            out.push((k, val));
        }
    };
    for p in picks {
        match p {
            Pick::Name(n) if has_wildcard(n) => {
                for (k, val) in own.iter().filter(|(k, _)| like(n, k)) {
                    push(&mut out, k.clone(), val.clone());
                }
            }
            Pick::Name(n) => {
                let (k, val) = own
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(n))
                    .cloned()
                    .unwrap_or_else(|| (n.clone(), property_of(v, n).unwrap_or(Value::Null)));
                push(&mut out, k, val);
            }
            Pick::Calculated { name, expression } => {
                push(
                    &mut out,
                    name.clone(),
                    property_of(v, expression).unwrap_or(Value::Null),
                );
            }
        }
    }
    out
}

/// `-First`, `-Last`, `-Skip`, `-SkipLast`, `-Index` on a list.
fn slice(c: &Call, items: Vec<Value>) -> Result<Vec<Value>, RuntimeError> {
    let mut items = items;
    if let Some(n) = c.args.count("Skip", c.span)? {
        items = items.into_iter().skip(n).collect();
    }
    if let Some(n) = c.args.count("SkipLast", c.span)? {
        let keep = items.len().saturating_sub(n);
        items.truncate(keep);
    }
    if c.args.has("Index") {
        let mut out = Vec::new();
        for v in c.args.list("Index") {
            let i = super::args::to_int(&v).ok_or_else(|| {
                c.error_at("Index", format!("Cannot bind parameter 'Index'. Cannot convert value \"{v}\" to type \"System.Int32\"."))
                    .help("give positions as numbers, for example -Index 0,2")
            })?;
            if let Some(x) = usize::try_from(i).ok().and_then(|i| items.get(i)) {
                out.push(x.clone());
            }
        }
        items = out;
    }
    let first = c.args.count("First", c.span)?;
    let last = c.args.count("Last", c.span)?;
    if first.is_some() || last.is_some() {
        let len = items.len();
        let f = first.unwrap_or(0).min(len);
        let l = last.unwrap_or(0).min(len - f);
        let mut out: Vec<Value> = items[..f].to_vec();
        out.extend_from_slice(&items[len - l..]);
        items = out;
    }
    Ok(items)
}

fn select_object(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let mut items = objects(c);
    let picks = picks(c, "Property")?;
    let exclude = c.args.strings("ExcludeProperty");
    if !picks.is_empty() {
        items = items
            .iter()
            .map(|o| {
                let type_name = format!("Selected.{}", o.type_name());
                Value::Object(Object {
                    type_name,
                    props: picked(o, &picks, &exclude).into(),
                    default_columns: Vec::new(),
                })
            })
            .collect();
    }
    if let Some(x) = c.args.text("ExpandProperty") {
        let mut out = Vec::new();
        let originals = objects(c);
        for (i, o) in originals.iter().enumerate() {
            let Some(v) = property_of(o, &x) else {
                let mut e = c.error_at(
                    "ExpandProperty",
                    format!("Property \"{x}\" cannot be found."),
                );
                e.category = Some("InvalidArgument");
                return Err(
                    e.help("check the property name; `| Format-List *` shows every property")
                );
            };
            // With -Property too, the chosen properties are added to each expanded object.
            // (PowerShell adds them to the expanded object itself, so its other holders see them too.)
            let extra = match items.get(i) {
                Some(Value::Object(sel)) if !picks.is_empty() => sel.props.snapshot(),
                _ => Vec::new(),
            };
            for item in crate::eval::unroll(v) {
                if let Value::Object(obj) = &item {
                    let mut props = obj
                        .props
                        .write()
                        .map_err(|e| crate::eval::in_use(e, c.span))?;
                    for (k, val) in &extra {
                        if !props.iter().any(|(x, _)| x.eq_ignore_ascii_case(k)) {
                            props.push((k.clone(), val.clone()));
                        }
                    }
                }
                out.push(item);
            }
        }
        items = out;
    }
    if c.args.switch("Unique") {
        let mut seen: Vec<Value> = Vec::new();
        items.retain(|v| {
            if seen.contains(v) {
                false
            } else {
                seen.push(v.clone());
                true
            }
        });
    }
    slice(c, items)
}

fn is_number(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Double(_) | Value::Bool(_))
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Double(d) => Some(*d),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// PowerShell's sort order: $null first, numbers by value, everything else as text (case-insensitive
/// unless `case_sensitive`).
pub fn compare(a: &Value, b: &Value, case_sensitive: bool) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (x, y) if is_number(x) && is_number(y) => as_f64(x)
            .unwrap_or(0.0)
            .total_cmp(&as_f64(y).unwrap_or(0.0)),
        (x, y) => {
            let (s, t) = (crate::format::cell(x), crate::format::cell(y));
            let folded = s.to_lowercase().cmp(&t.to_lowercase());
            if case_sensitive {
                // Lower case sorts before upper case, as in PowerShell's culture-aware order.
                folded.then_with(|| t.cmp(&s))
            } else {
                folded
            }
        }
    }
}

/// A sort key: a property (or the object itself) and its direction.
struct Key {
    property: Option<String>,
    descending: bool,
}

fn sort_keys(c: &Call) -> Result<Vec<Key>, RuntimeError> {
    let descending = c.args.switch("Descending");
    let mut keys = Vec::new();
    for v in c.args.list("Property") {
        match v {
            Value::Hashtable(h) => {
                let h = h.read();
                let expr = hashtable_key(&h, &["Expression", "E", "Expr"]).ok_or_else(|| {
                    c.error_at(
                        "Property",
                        "The hashtable of a sort key needs an Expression key.",
                    )
                    .help("for example @{Expression='Name'; Descending=$true}")
                })?;
                if !matches!(expr, Value::String(_)) {
                    return Err(c
                        .error_at("Property", format!("A sort key's Expression must be a property name here; a {} is not supported in mailsec yet.", expr.type_name()))
                        .help("give the property's name as text: @{Expression='Name'; Descending=$true}"));
                }
                let desc = match (
                    hashtable_key(&h, &["Descending"]),
                    hashtable_key(&h, &["Ascending"]),
                ) {
                    (Some(d), _) => d.is_truthy(),
                    (None, Some(a)) => !a.is_truthy(),
                    (None, None) => descending,
                };
                keys.push(Key {
                    property: Some(expr.to_string()),
                    descending: desc,
                });
            }
            other => keys.push(Key {
                property: Some(other.to_string()),
                descending,
            }),
        }
    }
    if keys.is_empty() {
        keys.push(Key {
            property: None,
            descending,
        });
    }
    Ok(keys)
}

fn sort_object(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let keys = sort_keys(c)?;
    let cs = c.args.switch("CaseSensitive");
    let items = objects(c);
    let key_values = |v: &Value| -> Vec<Value> {
        keys.iter()
            .map(|k| match &k.property {
                Some(p) => property_of(v, p).unwrap_or(Value::Null),
                None => v.clone(),
            })
            .collect()
    };
    let mut rows: Vec<(Vec<Value>, Value)> =
        items.into_iter().map(|v| (key_values(&v), v)).collect();
    let order = |a: &[Value], b: &[Value]| -> Ordering {
        for (i, k) in keys.iter().enumerate() {
            let o = compare(&a[i], &b[i], cs);
            let o = if k.descending { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    };
    rows.sort_by(|a, b| order(&a.0, &b.0));
    if c.args.switch("Unique") {
        rows.dedup_by(|b, a| order(&a.0, &b.0) == Ordering::Equal);
    }
    let mut out: Vec<Value> = rows.into_iter().map(|(_, v)| v).collect();
    if let Some(n) = c.args.count("Top", c.span)? {
        out.truncate(n);
    }
    if let Some(n) = c.args.count("Bottom", c.span)? {
        let from = out.len().saturating_sub(n);
        out = out.split_off(from);
    }
    Ok(out)
}

fn measure_object(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let items = objects(c);
    if c.args.switch("Line") || c.args.switch("Word") || c.args.switch("Character") {
        return Ok(vec![measure_text(c, &items)]);
    }
    let all = c.args.switch("AllStats");
    let want = |n: &str| all || c.args.switch(n);
    let props = c.args.strings("Property");
    let targets: Vec<Option<String>> = if props.is_empty() {
        vec![None]
    } else {
        props.into_iter().map(Some).collect()
    };
    let mut out = Vec::new();
    for target in targets {
        let values: Vec<Value> = match &target {
            None => items.clone(),
            Some(p) => items
                .iter()
                .filter_map(|o| property_of(o, p))
                .filter(|v| !matches!(v, Value::Null))
                .collect(),
        };
        if let (Some(p), true, false) = (&target, values.is_empty(), items.is_empty()) {
            let mut e = c.error_at(
                "Property",
                format!("The property \"{p}\" cannot be found in the input for any objects."),
            );
            e.category = Some("InvalidArgument");
            return Err(e.help("check the property name; `| Format-List *` shows every property"));
        }
        let numeric_needed = want("Sum") || want("Average") || want("StandardDeviation");
        let mut numbers = Vec::new();
        for v in &values {
            match as_f64(v) {
                Some(n) => numbers.push(n),
                None if numeric_needed => {
                    let mut e = c.error(format!("Input object \"{v}\" is not numeric."));
                    e.category = Some("InvalidType");
                    return Err(e.help("-Sum, -Average and -StandardDeviation need numbers; -Maximum and -Minimum also compare text"));
                }
                None => {}
            }
        }
        let all_numeric = numbers.len() == values.len();
        let d = Value::Double;
        let count = values.len();
        let sum: f64 = numbers.iter().sum();
        let stat = |on: bool, v: Option<f64>| {
            if on {
                v.map(d).unwrap_or(Value::Null)
            } else {
                Value::Null
            }
        };
        let extreme = |max: bool| -> Value {
            if all_numeric {
                let it = numbers.iter().copied();
                let v = if max {
                    it.reduce(f64::max)
                } else {
                    it.reduce(f64::min)
                };
                v.map(d).unwrap_or(Value::Null)
            } else {
                let it = values.iter();
                let v = if max {
                    it.max_by(|a, b| compare(a, b, false))
                } else {
                    it.min_by(|a, b| compare(a, b, false))
                };
                v.cloned().unwrap_or(Value::Null)
            }
        };
        let mean = (count > 0).then(|| sum / count as f64);
        let sd = (count > 1).then(|| {
            let m = sum / count as f64;
            (numbers.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (count as f64 - 1.0)).sqrt()
        });
        out.push(Value::Object(Object {
            type_name: "Microsoft.PowerShell.Commands.GenericMeasureInfo".into(),
            props: vec![
                ("Count".into(), Value::Int(count as i64)),
                ("Average".into(), stat(want("Average"), mean)),
                ("Sum".into(), stat(want("Sum"), Some(sum))),
                (
                    "Maximum".into(),
                    if want("Maximum") {
                        extreme(true)
                    } else {
                        Value::Null
                    },
                ),
                (
                    "Minimum".into(),
                    if want("Minimum") {
                        extreme(false)
                    } else {
                        Value::Null
                    },
                ),
                (
                    "StandardDeviation".into(),
                    stat(want("StandardDeviation"), sd),
                ),
                (
                    "Property".into(),
                    target.map(Value::String).unwrap_or(Value::Null),
                ),
            ]
            .into(),
            default_columns: Vec::new(),
        }));
    }
    Ok(out)
}

fn measure_text(c: &Call, items: &[Value]) -> Value {
    let props = c.args.strings("Property");
    let texts: Vec<String> = items
        .iter()
        .flat_map(|o| {
            if props.is_empty() {
                vec![o.to_string()]
            } else {
                props
                    .iter()
                    .filter_map(|p| property_of(o, p))
                    .map(|v| v.to_string())
                    .collect()
            }
        })
        .collect();
    let lines: usize = texts.iter().map(|t| super::content::lines(t).len()).sum();
    let words: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
    let chars: usize = texts
        .iter()
        .map(|t| {
            t.chars()
                .filter(|ch| !(c.args.switch("IgnoreWhiteSpace") && ch.is_whitespace()))
                .count()
        })
        .sum();
    let pick = |on: bool, n: usize| {
        if on {
            Value::Int(n as i64)
        } else {
            Value::Null
        }
    };
    Value::Object(Object {
        type_name: "Microsoft.PowerShell.Commands.TextMeasureInfo".into(),
        props: vec![
            ("Lines".into(), pick(c.args.switch("Line"), lines)),
            ("Words".into(), pick(c.args.switch("Word"), words)),
            ("Characters".into(), pick(c.args.switch("Character"), chars)),
            (
                "Property".into(),
                props
                    .first()
                    .cloned()
                    .map(Value::String)
                    .unwrap_or(Value::Null),
            ),
        ]
        .into(),
        default_columns: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::run;

    const PEOPLE: &str = "$p = @(
        (New-Object PSObject -Property @{Name='bob'; Days=10; Team='b'}),
        (New-Object PSObject -Property @{Name='Alice'; Days=3; Team='a'}),
        (New-Object PSObject -Property @{Name='carl'; Days=25; Team='b'}))\n";

    #[test]
    fn select_properties_wildcards_and_calculated() {
        let o = run(&format!(
            "{PEOPLE}$p | select Name,Days -First 2 | ConvertTo-Json -Compress"
        ));
        assert_eq!(
            o.ok(),
            "[{\"Name\":\"bob\",\"Days\":10},{\"Name\":\"Alice\",\"Days\":3}]\n"
        );
        let o = run(&format!("{PEOPLE}$p | Select-Object -Property * -ExcludeProperty T* -Last 1 | ConvertTo-Json -Compress"));
        assert_eq!(o.ok(), "{\"Name\":\"carl\",\"Days\":25}\n");
        let o = run(&format!("{PEOPLE}$p | Select-Object @{{N='Who'; E='Name'}}, Missing -Skip 1 -First 1 | ConvertTo-Json -Compress"));
        assert_eq!(o.ok(), "{\"Who\":\"Alice\",\"Missing\":null}\n");
        let o = run(&format!("{PEOPLE}$x = $p | select Name\n$x[0].GetType\n$p | select -Index 0,2 -ExpandProperty Name"));
        assert_eq!(o.ok(), "bob\ncarl\n");
        let o = run("'abc','de' | Select-Object Length | ConvertTo-Json -Compress");
        assert_eq!(o.ok(), "[{\"Length\":3},{\"Length\":2}]\n");
    }

    #[test]
    fn select_expand_unique_and_errors() {
        let o = run(&format!(
            "{PEOPLE}$p | select -ExpandProperty Team -Unique\n$p | select -ExpandProperty Nope"
        ));
        assert_eq!(o.out, "b\na\n");
        assert_eq!(o.messages(), vec!["Property \"Nope\" cannot be found."]);
        let o = run("1,2,3 | select -First -1\n1 | select -Frobnicate 2\n1 | select -Fir x");
        let m = o.messages();
        assert!(
            m[0].contains("less than the minimum allowed range of 0"),
            "{m:?}"
        );
        assert_eq!(
            m[1],
            "A parameter cannot be found that matches parameter name 'Frobnicate'."
        );
        assert!(m[2].contains("System.Int32"), "{m:?}");
        assert_eq!(o.errors[1].command.as_deref(), Some("Select-Object"));
    }

    #[test]
    fn sort_by_text_number_descending_unique() {
        let o = run(&format!("{PEOPLE}$p | Sort-Object Name | select -ExpandProperty Name\n$p | sort Days -Descending | select -ExpandProperty Days"));
        assert_eq!(o.ok(), "Alice\nbob\ncarl\n25\n10\n3\n");
        let o = run("'b','A','a','c' | Sort-Object -Unique\n10,9,100 | sort\n'10','9','100' | sort\n3,1,2 | sort -Top 2\n3,1,2 | sort -Bottom 1");
        assert_eq!(o.ok(), "A\nb\nc\n9\n10\n100\n10\n100\n9\n1\n2\n3\n");
        let o = run(&format!("{PEOPLE}$p | Sort-Object Team, @{{Expression='Days'; Descending=$true}} | select -ExpandProperty Name"));
        assert_eq!(o.ok(), "Alice\ncarl\nbob\n");
        let o = run("$null, 2, 1 | sort");
        assert_eq!(o.ok(), "1\n2\n");
    }

    #[test]
    fn measure_counts_and_stats() {
        let o = run(&format!("{PEOPLE}$m = $p | Measure-Object Days -Sum -Average -Maximum -Minimum\n$m.Count\n$m.Sum\n$m.Average\n$m.Maximum\n$m.Minimum\n$m.Property"));
        assert_eq!(o.ok(), "3\n38\n12.666666666666666\n25\n3\nDays\n");
        let o = run("(1,2,3 | measure).Count\n(@() | measure).Count\n('b','a' | measure -Maximum).Maximum\n('one two', 'three' | measure -Word -Line).Words");
        assert_eq!(o.ok(), "3\n0\nb\n3\n");
        let o = run(&format!(
            "{PEOPLE}$p | measure Name -Sum\n$p | measure Nope"
        ));
        let m = o.messages();
        assert_eq!(m[0], "Input object \"bob\" is not numeric.");
        assert_eq!(
            m[1],
            "The property \"Nope\" cannot be found in the input for any objects."
        );
    }

    #[test]
    fn measure_shows_as_a_list() {
        let o = run("1,2 | Measure-Object -Sum");
        assert_eq!(
            o.ok(),
            "\nCount             : 2\nAverage           :\nSum               : 3\nMaximum           :\nMinimum           :\nStandardDeviation :\nProperty          :\n\n"
        );
    }
}
