//! ConvertTo-Json, ConvertFrom-Json, ConvertTo-Csv, ConvertFrom-Csv, Export-Csv and Import-Csv.

use mailsec_cmdlets::{Object, Value};

use super::args::{at, named, switch, Param};
use super::content::{
    decode, encode, parse_encoding, read_all, write_bytes, write_target, Encoding,
};
use super::{Builtin, Call};
use crate::eval::RuntimeError;

/// The type PowerShell gives objects made from JSON and CSV.
pub const CUSTOM_OBJECT: &str = "System.Management.Automation.PSCustomObject";

const CSV_OUT: &[Param] = &[
    named(
        "InputObject",
        "PSObject",
        "The objects to convert (instead of pipeline input).",
    ),
    at(
        1,
        "Delimiter",
        "Char",
        "The field separator (default: a comma).",
    ),
    switch(
        "NoTypeInformation",
        "Accepted: mailsec writes no #TYPE line unless -IncludeTypeInformation.",
    )
    .aliases(&["NTI"]),
    switch("IncludeTypeInformation", "Start with a `#TYPE name` line.").aliases(&["ITI"]),
    switch("UseCulture", "Accepted; the separator stays a comma."),
    named(
        "UseQuotes",
        "QuoteKind",
        "Always (default), AsNeeded, or Never.",
    ),
    named("QuoteFields", "String[]", "Quote only these columns."),
    switch("NoHeader", "Leave out the header line."),
];

pub const BUILTINS: &[Builtin] = &[
    Builtin::new("ConvertTo-Json", "Converts objects to JSON (one object: an object; several: an array).", convertto_json)
        .params(&[
            at(0, "InputObject", "Object", "The value to convert (instead of pipeline input)."),
            named("Depth", "Int32", "How deep to go (default 2, at most 100); deeper values become text, with a warning."),
            switch("Compress", "No spaces or new lines."),
            switch("AsArray", "Always an array, even for one object."),
            switch("EnumsAsStrings", "Accepted; enums are already strings."),
            named("EscapeHandling", "StringEscapeHandling", "Default, EscapeNonAscii, or EscapeHtml."),
        ])
        .examples(&[
            ("A report as JSON", "Get-SmimeCertificateReport | ConvertTo-Json"),
            ("Everything, however deep", "Get-OutboundConnector | ConvertTo-Json -Depth 10 -Compress"),
        ]),
    Builtin::new("ConvertFrom-Json", "Converts JSON text to objects (a top-level array sends its elements one by one).", convertfrom_json)
        .params(&[
            at(0, "InputObject", "String", "The JSON text (else the pipeline input, lines joined)."),
            switch("AsHashtable", "Make hashtables instead of objects."),
            switch("NoEnumerate", "Send a top-level array as one value."),
            named("Depth", "Int32", "Accepted."),
        ])
        .examples(&[("Read a settings file", "$cfg = Get-Content settings.json -Raw | ConvertFrom-Json")]),
    Builtin::new("ConvertTo-Csv", "Converts objects to CSV lines: a header, then one line per object.", convertto_csv)
        .params(CSV_OUT)
        .examples(&[("CSV text", "Get-MailContact | Select-Object Name,ExternalEmailAddress | ConvertTo-Csv -NoTypeInformation")]),
    Builtin::new("Export-Csv", "Writes objects to a CSV file: a header, then one line per object.", export_csv)
        .aliases(&["epcsv"])
        .should_process()
        .params(&[
            at(0, "Path", "String", "The file to write (relative: beside the script).").aliases(&["PSPath"]),
            named("LiteralPath", "String", "The file to write, with no wildcards.").aliases(&["LP"]),
            named("InputObject", "PSObject", "The objects to write (instead of pipeline input)."),
            at(1, "Delimiter", "Char", "The field separator (default: a comma)."),
            switch("Append", "Add rows to an existing file, in its columns."),
            switch("Force", "With -Append: write even if the columns differ."),
            switch("NoClobber", "Fail if the file exists."),
            named("Encoding", "Encoding", "utf8 (default), utf8BOM, unicode, ascii, latin1, ..."),
            switch("NoTypeInformation", "Accepted: mailsec writes no #TYPE line unless -IncludeTypeInformation.").aliases(&["NTI"]),
            switch("IncludeTypeInformation", "Start with a `#TYPE name` line.").aliases(&["ITI"]),
            switch("UseCulture", "Accepted; the separator stays a comma."),
            named("UseQuotes", "QuoteKind", "Always (default), AsNeeded, or Never."),
            named("QuoteFields", "String[]", "Quote only these columns."),
            switch("NoHeader", "Leave out the header line."),
        ])
        .examples(&[("A report for a spreadsheet", "Get-SmimeCertificateReport | Export-Csv report.csv -NoTypeInformation")]),
    Builtin::new("Import-Csv", "Reads a CSV file into objects, one per line, properties in column order.", import_csv)
        .aliases(&["ipcsv"])
        .params(&[
            at(0, "Path", "String[]", "The file(s) to read; relative: beside the script, then the working directory.").aliases(&["PSPath"]),
            named("LiteralPath", "String[]", "The file(s) to read, with no wildcards.").aliases(&["LP"]),
            at(1, "Delimiter", "Char", "The field separator (default: a comma)."),
            named("Header", "String[]", "Column names to use; the file's first line is then data."),
            named("Encoding", "Encoding", "How the text is encoded (default: from the byte-order mark, else UTF-8)."),
            switch("UseCulture", "Accepted; the separator stays a comma."),
        ])
        .examples(&[("Contacts from a spreadsheet (columns Name, ExternalEmailAddress)", "Import-Csv contacts.csv | New-MailContact")]),
    Builtin::new("ConvertFrom-Csv", "Converts CSV text to objects, as Import-Csv does for a file.", convertfrom_csv)
        .params(&[
            at(0, "InputObject", "PSObject[]", "The CSV lines (else the pipeline input)."),
            at(1, "Delimiter", "Char", "The field separator (default: a comma)."),
            named("Header", "String[]", "Column names to use; the first line is then data."),
            switch("UseCulture", "Accepted; the separator stays a comma."),
        ])
        .examples(&[("Objects from text", "'Name,Email', 'jo,jo@example.com' | ConvertFrom-Csv")]),
];

// ---------------------------------------------------------------- JSON

/// A whole number stored as a double is written as an integer (PowerShell writes `[double]6` as `6`).
fn number(d: f64) -> serde_json::Value {
    if d.fract() == 0.0 && d.abs() < 9.0e15 {
        return (d as i64).into();
    }
    serde_json::Number::from_f64(d)
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

/// What a value deeper than -Depth becomes: the text PowerShell's ToString() gives.
fn shallow_text(v: &Value) -> String {
    match v {
        Value::Array(_) => "System.Object[]".into(),
        Value::Hashtable(_) => "System.Collections.Hashtable".into(),
        Value::Object(o) if o.type_name == CUSTOM_OBJECT => {
            let parts: Vec<String> = o
                .props
                .read()
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            format!("@{{{}}}", parts.join("; "))
        }
        other => other.to_string(),
    }
}

/// A value as JSON, objects and hashtables as maps, bytes as base64, certificates by their summary;
/// containers deeper than `max` become text and set `truncated`.
fn json_at(v: &Value, depth: usize, max: usize, truncated: &mut bool) -> serde_json::Value {
    use base64::Engine;
    let container = matches!(v, Value::Array(_) | Value::Hashtable(_) | Value::Object(_));
    if container && depth > max {
        *truncated = true;
        return shallow_text(v).into();
    }
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Int(i) => (*i).into(),
        Value::Double(d) => number(*d),
        Value::String(s) => s.clone().into(),
        Value::Bytes(b) => base64::engine::general_purpose::STANDARD.encode(b).into(),
        Value::Cert(c) => c.summary().into(),
        Value::Array(a) => a
            .read()
            .iter()
            .map(|x| json_at(x, depth + 1, max, truncated))
            .collect::<Vec<_>>()
            .into(),
        Value::Hashtable(h) => h
            .read()
            .iter()
            .map(|(k, x)| (k.clone(), json_at(x, depth + 1, max, truncated)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        Value::Object(o) => o
            .props
            .read()
            .iter()
            .map(|(k, x)| (k.clone(), json_at(x, depth + 1, max, truncated)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

/// The level of the deepest container in `v` (the -Depth that keeps all of it); `level` is `v`'s own.
/// Past -Depth's maximum it stops looking (a list may hold itself).
fn deepest(v: &Value, level: usize) -> usize {
    if level > 100 {
        return level;
    }
    let deeper = |children: &mut dyn Iterator<Item = &Value>| {
        children
            .map(|x| deepest(x, level + 1))
            .fold(level, usize::max)
    };
    match v {
        Value::Array(a) => deeper(&mut a.read().iter()),
        Value::Hashtable(h) => deeper(&mut h.read().iter().map(|(_, x)| x)),
        Value::Object(o) => deeper(&mut o.props.read().iter().map(|(_, x)| x)),
        _ => 0,
    }
}

/// Escape non-ASCII characters (or, for `html`, `< > & '`) inside the JSON strings of `s`.
fn escape_strings(s: &str, html: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_string = false;
    let mut escaped = false;
    for ch in s.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == '"' {
                in_string = false;
            } else if (!html && !ch.is_ascii()) || (html && matches!(ch, '<' | '>' | '&' | '\'')) {
                let mut buf = [0u16; 2];
                for u in ch.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
                continue;
            }
        } else if ch == '"' {
            in_string = true;
        }
        out.push(ch);
    }
    out
}

fn convertto_json(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let max = match c.args.count("Depth", c.span)? {
        Some(d) if d > 100 => {
            return Err(c
                .error_at("Depth", format!("Cannot validate argument on parameter 'Depth'. The {d} argument is greater than the maximum allowed range of 100."))
                .help("use -Depth 100 or less"))
        }
        Some(d) => d,
        None => 2,
    };
    let value = match c.args.get("InputObject") {
        Some(v) => v.clone(),
        None => match c.input() {
            [] => return Ok(Vec::new()),
            [one] => one.clone(),
            many => Value::array(many.to_vec()),
        },
    };
    let value = match value {
        Value::Array(a) => Value::Array(a),
        other if c.args.switch("AsArray") => Value::array(vec![other]),
        other => other,
    };
    let mut truncated = false;
    let json = json_at(&value, 0, max, &mut truncated);
    if truncated {
        let need = deepest(&value, 0);
        let fix = if need <= 100 {
            format!("Add -Depth {need} to keep everything.")
        } else {
            "The values nest deeper than -Depth's maximum of 100 (a list or hashtable may hold itself).".to_string()
        };
        let text = format!(
            "Resulting JSON is truncated as serialization has exceeded the set depth of {max}; values deeper than that were written as text. {fix}"
        );
        c.warn(&text);
    }
    let mut text = if c.args.switch("Compress") {
        serde_json::to_string(&json)
    } else {
        serde_json::to_string_pretty(&json)
    }
    .map_err(|e| {
        c.error(format!("Cannot write JSON: {e}"))
            .help("report this: every value mailsec has converts to JSON")
    })?;
    match c.args.text("EscapeHandling").map(|s| s.to_lowercase()).as_deref() {
        None | Some("default") => {}
        Some("escapenonascii") => text = escape_strings(&text, false),
        Some("escapehtml") => text = escape_strings(&text, true),
        Some(other) => {
            return Err(c
                .error_at("EscapeHandling", format!("Cannot bind parameter 'EscapeHandling'. '{other}' is not one of Default, EscapeNonAscii, EscapeHtml."))
                .help("use Default, EscapeNonAscii or EscapeHtml"))
        }
    }
    Ok(vec![Value::String(text)])
}

/// JSON as values: objects become PSCustomObjects (or hashtables), numbers Int or Double.
pub fn from_json(j: &serde_json::Value, hashtable: bool) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => {
            Value::array(a.iter().map(|x| from_json(x, hashtable)).collect())
        }
        serde_json::Value::Object(m) => {
            let props: Vec<(String, Value)> = m
                .iter()
                .map(|(k, v)| (k.clone(), from_json(v, hashtable)))
                .collect();
            if hashtable {
                Value::hashtable(props)
            } else {
                Value::Object(Object {
                    type_name: CUSTOM_OBJECT.into(),
                    props: props.into(),
                    default_columns: Vec::new(),
                })
            }
        }
    }
}

fn convertfrom_json(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let text = match c.args.get("InputObject") {
        Some(v) => crate::eval::unroll(v.clone())
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        None => c
            .input()
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    };
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let json: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{FEFF}')).map_err(|e| {
        let mut err = c.error(format!("Conversion from JSON failed with error: {e}"));
        err.category = Some("ParserError");
        err.help("check the JSON text (ConvertFrom-Json needs it whole: read the file with Get-Content -Raw)")
    })?;
    let v = from_json(&json, c.args.switch("AsHashtable"));
    Ok(match v {
        Value::Array(a) if !c.args.switch("NoEnumerate") => a.into_vec(),
        other => vec![other],
    })
}

// ---------------------------------------------------------------- CSV

/// Parse CSV text into records, as PowerShell's Import-Csv reads it: fields split on `delim`; a field that
/// starts with `"` (after spaces) runs to the closing quote, `""` inside is one quote, and delimiters and
/// new lines inside are kept; text after a closing quote is kept too. Blank lines are skipped.
pub fn parse_csv(text: &str, delim: char) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    // Whether anything (a quote, a delimiter) made this line more than blank.
    let mut touched = false;
    let mut chars = text.chars().peekable();
    fn end_line(
        record: &mut Vec<String>,
        field: &mut String,
        touched: &mut bool,
        records: &mut Vec<Vec<String>>,
    ) {
        if *touched || !field.is_empty() || !record.is_empty() {
            record.push(std::mem::take(field));
            records.push(std::mem::take(record));
        }
        *touched = false;
    }
    while let Some(ch) = chars.next() {
        if ch == '"' && field.trim_start_matches(' ').is_empty() {
            // A quoted field: drop the spaces before the quote.
            field.clear();
            touched = true;
            loop {
                match chars.next() {
                    None => break,
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(other) => field.push(other),
                }
            }
            continue;
        }
        match ch {
            c if c == delim => {
                record.push(std::mem::take(&mut field));
                touched = true;
            }
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                end_line(&mut record, &mut field, &mut touched, &mut records);
            }
            '\n' => end_line(&mut record, &mut field, &mut touched, &mut records),
            other => field.push(other),
        }
    }
    end_line(&mut record, &mut field, &mut touched, &mut records);
    records
}

/// The delimiter: one character (`-Delimiter ';'`), a comma by default.
fn delimiter(c: &Call) -> Result<char, RuntimeError> {
    let Some(d) = c.args.text("Delimiter") else {
        return Ok(',');
    };
    let mut it = d.chars();
    match (it.next(), it.next()) {
        (Some(ch), None) if ch != '"' && ch != '\n' && ch != '\r' => Ok(ch),
        _ => Err(c
            .error_at("Delimiter", format!("Cannot bind parameter 'Delimiter'. Cannot convert value \"{d}\" to type \"System.Char\"."))
            .help("give one character (not a quote or a new line), for example -Delimiter ';'")),
    }
}

/// Objects from CSV records: the first record (or -Header) names the columns.
fn objects_from_csv(c: &Call, text: &str, delim: char) -> Result<Vec<Value>, RuntimeError> {
    let mut records = parse_csv(text, delim).into_iter();
    let given: Vec<String> = c.args.strings("Header");
    let mut header = if given.is_empty() {
        let mut first = records.next().unwrap_or_default();
        if first.first().is_some_and(|f| f.starts_with("#TYPE")) {
            first = records.next().unwrap_or_default();
        }
        first
    } else {
        given
    };
    if header.is_empty() {
        return Ok(Vec::new());
    }
    for (i, h) in header.iter_mut().enumerate() {
        if h.is_empty() {
            *h = format!("H{}", i + 1);
        }
    }
    for (i, h) in header.iter().enumerate() {
        if header[..i].iter().any(|x| x.eq_ignore_ascii_case(h)) {
            let mut e = c.error(format!("The member \"{h}\" is already present."));
            e.category = Some("InvalidOperation");
            return Err(e.help("give every column a different name, or use -Header to name them"));
        }
    }
    Ok(records
        .map(|r| {
            let mut fields = r.into_iter();
            Value::Object(Object {
                type_name: CUSTOM_OBJECT.into(),
                props: header
                    .iter()
                    .map(|h| {
                        (
                            h.clone(),
                            fields.next().map(Value::String).unwrap_or(Value::Null),
                        )
                    })
                    .collect::<Vec<_>>()
                    .into(),
                default_columns: Vec::new(),
            })
        })
        .collect())
}

fn import_csv(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let delim = delimiter(c)?;
    let encoding = match c.args.get("Encoding") {
        Some(v) => Some(parse_encoding(c, &v.clone())?),
        None => None,
    };
    let mut out = Vec::new();
    for (_, bytes) in read_all(c)? {
        out.extend(objects_from_csv(c, &decode(&bytes, encoding), delim)?);
    }
    Ok(out)
}

fn convertfrom_csv(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let delim = delimiter(c)?;
    let lines: Vec<String> = match c.args.get("InputObject") {
        Some(v) => crate::eval::unroll(v.clone())
            .iter()
            .map(|x| x.to_string())
            .collect(),
        None => c.input().iter().map(|x| x.to_string()).collect(),
    };
    objects_from_csv(c, &lines.join("\n"), delim)
}

#[derive(Clone, Copy, PartialEq)]
enum Quotes {
    Always,
    AsNeeded,
    Never,
}

/// How CSV is written.
struct CsvStyle {
    delim: char,
    quotes: Quotes,
    /// Only these columns are quoted (-QuoteFields).
    quote_fields: Vec<String>,
    header: bool,
    type_line: bool,
}

fn csv_style(c: &Call) -> Result<CsvStyle, RuntimeError> {
    let quotes = match c.args.text("UseQuotes").map(|s| s.to_lowercase()).as_deref() {
        None | Some("always") => Quotes::Always,
        Some("asneeded") => Quotes::AsNeeded,
        Some("never") => Quotes::Never,
        Some(other) => {
            return Err(c
                .error_at("UseQuotes", format!("Cannot bind parameter 'UseQuotes'. '{other}' is not one of Always, AsNeeded, Never."))
                .help("use -UseQuotes Always, AsNeeded or Never"))
        }
    };
    Ok(CsvStyle {
        delim: delimiter(c)?,
        quotes,
        quote_fields: c.args.strings("QuoteFields"),
        header: !c.args.switch("NoHeader"),
        type_line: c.args.switch("IncludeTypeInformation"),
    })
}

fn csv_text(v: &Value) -> String {
    match v {
        Value::Array(a) => a
            .read()
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(";"),
        other => crate::format::cell(other),
    }
}

fn quote(text: &str, column: Option<&str>, style: &CsvStyle) -> String {
    let needed = text.contains(style.delim) || text.contains(['"', '\n', '\r']);
    let by_column = !style.quote_fields.is_empty();
    let q = match (by_column, column) {
        (true, Some(col)) => style
            .quote_fields
            .iter()
            .any(|f| f.eq_ignore_ascii_case(col)),
        (true, None) => false,
        (false, _) => match style.quotes {
            Quotes::Always => true,
            Quotes::AsNeeded => needed,
            Quotes::Never => false,
        },
    };
    if q {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The columns of an object or hashtable.
fn columns_of(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Object(o) => Some(o.props.read().iter().map(|(k, _)| k.clone()).collect()),
        Value::Hashtable(h) => Some(h.read().iter().map(|(k, _)| k.clone()).collect()),
        _ => None,
    }
}

/// CSV lines: a header of `columns` (else the first object's properties), then one line per object.
fn csv_lines(input: &[Value], columns: Option<Vec<String>>, style: &CsvStyle) -> Vec<String> {
    let d = style.delim.to_string();
    let Some(names) = columns.or_else(|| input.first().and_then(columns_of)) else {
        return input
            .iter()
            .map(|v| quote(&csv_text(v), None, style))
            .collect();
    };
    let mut out = Vec::new();
    if style.type_line {
        let t = input
            .first()
            .map(|v| v.type_name().to_string())
            .unwrap_or_default();
        out.push(format!("#TYPE {t}"));
    }
    if style.header {
        out.push(
            names
                .iter()
                .map(|n| quote(n, Some(n), style))
                .collect::<Vec<_>>()
                .join(&d),
        );
    }
    for v in input {
        out.push(
            names
                .iter()
                .map(|n| {
                    quote(
                        &v.property(n).map(|x| csv_text(&x)).unwrap_or_default(),
                        Some(n),
                        style,
                    )
                })
                .collect::<Vec<_>>()
                .join(&d),
        );
    }
    out
}

fn csv_input(c: &Call) -> Vec<Value> {
    match c.args.get("InputObject") {
        Some(v) => crate::eval::unroll(v.clone()),
        None => c.input().to_vec(),
    }
}

fn convertto_csv(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let style = csv_style(c)?;
    Ok(csv_lines(&csv_input(c), None, &style)
        .into_iter()
        .map(Value::String)
        .collect())
}

fn export_csv(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let (param, path) = match (c.args.text("Path"), c.args.text("LiteralPath")) {
        (Some(p), _) => ("Path", p),
        (None, Some(p)) => ("LiteralPath", p),
        (None, None) => return Err(c
            .error(
                "Cannot process command because of one or more missing mandatory parameters: Path.",
            )
            .help("add -Path <file.csv>")),
    };
    let mut style = csv_style(c)?;
    let encoding = match c.args.get("Encoding") {
        Some(v) => parse_encoding(c, &v.clone())?,
        None => Encoding::Utf8,
    };
    let target = write_target(c, param, &path)?;
    let input = csv_input(c);
    let append = c.args.switch("Append") && target.is_file();
    let mut columns = None;
    if append {
        // Rows go in the file's columns, under its header.
        let bytes = std::fs::read(&target).map_err(|e| {
            c.error_at(param, format!("Cannot read '{}': {e}", target.display()))
                .help("check that you may read the file, or write to another one")
        })?;
        let existing = parse_csv(&decode(&bytes, None), style.delim);
        let header = existing
            .into_iter()
            .find(|r| !r.first().is_some_and(|f| f.starts_with("#TYPE")));
        if let Some(h) = header {
            let theirs = input.first().and_then(columns_of).unwrap_or_default();
            let absent = h
                .iter()
                .find(|x| !theirs.iter().any(|t| t.eq_ignore_ascii_case(x)));
            if let (Some(col), false) = (absent, c.args.switch("Force")) {
                return Err(c
                    .error_at(param, format!(
                        "Cannot append CSV content to the following file: {}. The appended object does not have a property that corresponds to the following column: {col}.",
                        target.display(),
                    ))
                    .help("select the file's columns first (Select-Object), or add -Force to write what matches"));
            }
            columns = Some(h);
            style.header = false;
            style.type_line = false;
        }
    }
    if c.what_if("Export-Csv", &target.display().to_string()) {
        return Ok(Vec::new());
    }
    let mut text = csv_lines(&input, columns, &style).join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    let bytes = encode(&text, encoding, !append);
    write_bytes(c, param, &target, &bytes, append)?;
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{run, run_in};
    use super::*;
    use proptest::prelude::*;

    fn rec(v: &[&[&str]]) -> Vec<Vec<String>> {
        v.iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn csv_reader_edge_cases() {
        assert_eq!(
            parse_csv("a,b\n1,2\n", ','),
            rec(&[&["a", "b"], &["1", "2"]])
        );
        assert_eq!(
            parse_csv("a,b\r\n1,2", ','),
            rec(&[&["a", "b"], &["1", "2"]])
        );
        // Quotes, doubled quotes, delimiters and new lines inside quotes.
        assert_eq!(
            parse_csv("\"a \"\"q\"\"\",\"x,y\",\"line1\nline2\"\n", ','),
            rec(&[&["a \"q\"", "x,y", "line1\nline2"]])
        );
        // Empty fields, a trailing delimiter, blank lines, spaces before a quote.
        assert_eq!(
            parse_csv("a,,c,\n\n\n1, \"2\"", ','),
            rec(&[&["a", "", "c", ""], &["1", "2"]])
        );
        // A quote inside an unquoted field is kept; text after a closing quote is kept.
        assert_eq!(parse_csv("ab\"c,\"d\"e", ','), rec(&[&["ab\"c", "de"]]));
        // An unterminated quote runs to the end.
        assert_eq!(parse_csv("\"abc\ndef", ','), rec(&[&["abc\ndef"]]));
        // A quoted empty field on its own line is a record, not a blank line.
        assert_eq!(parse_csv("\"\"\n", ','), rec(&[&[""]]));
        assert_eq!(parse_csv("a;b", ';'), rec(&[&["a", "b"]]));
        assert_eq!(parse_csv("", ','), Vec::<Vec<String>>::new());
    }

    #[test]
    fn import_csv_makes_objects_in_column_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("c.csv"),
            "\u{FEFF}#TYPE x\nName,Email,,Note\njo,jo@example.com,3,\"a, \"\"b\"\"\nc\"\nal,al@example.com\n\n",
        )
        .unwrap();
        let o = run_in(
            "$r = Import-Csv c.csv\n$r.Count\n$r[0].Note\n$r[1].H3 -eq $null\n$r | ConvertTo-Json -Compress",
            dir.path(),
        );
        let out = o.ok();
        assert!(out.starts_with("2\na, \"b\"\nc\nTrue\n"), "{out}");
        assert!(
            out.ends_with("[{\"Name\":\"jo\",\"Email\":\"jo@example.com\",\"H3\":\"3\",\"Note\":\"a, \\\"b\\\"\\nc\"},{\"Name\":\"al\",\"Email\":\"al@example.com\",\"H3\":null,\"Note\":null}]\n"),
            "{out}"
        );
        std::fs::write(dir.path().join("s.csv"), "a;b\n1;2\n").unwrap();
        let o = run_in(
            "(Import-Csv s.csv -Delimiter ';').b\n(Import-Csv s.csv -Header x).x",
            dir.path(),
        );
        assert_eq!(o.ok(), "2\na;b\n1;2\n");
        std::fs::write(dir.path().join("d.csv"), "a,A\n1,2\n").unwrap();
        let o = run_in(
            "Import-Csv d.csv\nImport-Csv s.csv -Delimiter ';;'\nImport-Csv missing.csv",
            dir.path(),
        );
        let m = o.messages();
        assert_eq!(m[0], "The member \"A\" is already present.");
        assert!(m[1].contains("System.Char"), "{m:?}");
        assert!(m[2].starts_with("Cannot find path 'missing.csv'"), "{m:?}");
    }

    #[test]
    fn export_and_convert_to_csv() {
        let dir = tempfile::tempdir().unwrap();
        let o = run_in(
            "$a = New-Object PSObject -Property @{Name='jo'; Note='say \"hi\", ok'}\n$b = New-Object PSObject -Property @{Name='al'}\n$a,$b | Export-Csv out.csv -NoTypeInformation\n$a,$b | ConvertTo-Csv -UseQuotes AsNeeded -Delimiter ';'\n$a | ConvertTo-Csv -IncludeTypeInformation -NoHeader -UseQuotes Never",
            dir.path(),
        );
        assert_eq!(
            o.ok(),
            "Name;Note\njo;\"say \"\"hi\"\", ok\"\nal;\n#TYPE System.Management.Automation.PSCustomObject\njo,say \"hi\", ok\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("out.csv")).unwrap(),
            "\"Name\",\"Note\"\n\"jo\",\"say \"\"hi\"\", ok\"\n\"al\",\"\"\n"
        );
        // -Append writes in the file's columns, without a second header.
        let o = run_in(
            "New-Object PSObject -Property @{Note='n'; Name='z'} | Export-Csv out.csv -Append\nNew-Object PSObject -Property @{Other=1} | Export-Csv out.csv -Append\n(Import-Csv out.csv).Count",
            dir.path(),
        );
        assert_eq!(o.out, "3\n");
        assert!(
            o.messages()[0].contains("does not have a property"),
            "{o:?}"
        );
        let o = run_in(
            "1 | Export-Csv x.csv -WhatIf\nExport-Csv\n@{a=1} | ConvertTo-Csv",
            dir.path(),
        );
        assert!(
            o.out
                .starts_with("What if: Performing the operation \"Export-Csv\""),
            "{}",
            o.out
        );
        assert!(o.out.ends_with("\"a\"\n\"1\"\n"), "{}", o.out);
        assert!(!dir.path().join("x.csv").exists());
        assert!(o.messages()[0].contains("Path"), "{o:?}");
    }

    #[test]
    fn convert_from_csv_text() {
        let o = run("$r = 'Name,Email', 'jo,jo@example.com' | ConvertFrom-Csv\n$r.Email");
        assert_eq!(o.ok(), "jo@example.com\n");
    }

    #[test]
    fn json_round_trip_and_depth() {
        let o = run("$o = '{\"a\":1,\"b\":[1,2.5,\"x\"],\"c\":{\"d\":null,\"e\":true}}' | ConvertFrom-Json\n$o.c.e\n$o.b.Count\n$o | ConvertTo-Json -Compress");
        assert_eq!(
            o.ok(),
            "True\n3\n{\"a\":1,\"b\":[1,2.5,\"x\"],\"c\":{\"d\":null,\"e\":true}}\n"
        );
        // Depth 2 (the default) keeps three levels; deeper ones become text, with a warning naming the fix.
        let o = run(
            "'{\"a\":{\"b\":{\"c\":{\"d\":1}}}}' | ConvertFrom-Json | ConvertTo-Json -Compress",
        );
        assert_eq!(o.ok(), "{\"a\":{\"b\":{\"c\":\"@{d=1}\"}}}\n");
        assert!(o.warnings[0].contains("-Depth 3"), "{:?}", o.warnings);
        let o = run("'{\"a\":{\"b\":{\"c\":{\"d\":1}}}}' | ConvertFrom-Json | ConvertTo-Json -Compress -Depth 3");
        assert_eq!(o.ok(), "{\"a\":{\"b\":{\"c\":{\"d\":1}}}}\n");
        assert!(o.warnings.is_empty());
        let o = run("'[1,2,3]' | ConvertFrom-Json | Measure-Object | Select-Object -ExpandProperty Count\n('[1,2]' | ConvertFrom-Json -NoEnumerate).Count\n('{\"k\":1}' | ConvertFrom-Json -AsHashtable).k");
        assert_eq!(o.ok(), "3\n2\n1\n");
    }

    #[test]
    fn convert_to_json_forms() {
        assert_eq!(run("1 | ConvertTo-Json -AsArray -Compress").ok(), "[1]\n");
        assert_eq!(
            run("ConvertTo-Json -InputObject @(1,2) -Compress").ok(),
            "[1,2]\n"
        );
        assert_eq!(
            run("@{a='é<'} | ConvertTo-Json -Compress -EscapeHandling EscapeNonAscii").ok(),
            "{\"a\":\"\\u00e9<\"}\n"
        );
        assert_eq!(run("@{a=1} | ConvertTo-Json").ok(), "{\n  \"a\": 1\n}\n");
        let o = run("1 | ConvertTo-Json -Depth 101\n'{' | ConvertFrom-Json");
        assert!(
            o.messages()[0].contains("maximum allowed range of 100"),
            "{o:?}"
        );
        assert!(
            o.messages()[1].starts_with("Conversion from JSON failed with error:"),
            "{o:?}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn csv_reader_never_panics(text in "[a-c,;\"\r\n ]{0,64}", delim in prop::sample::select(vec![',', ';', '\t'])) {
            let _ = parse_csv(&text, delim);
        }

        #[test]
        fn csv_reader_never_panics_on_any_text(text in any::<String>()) {
            let _ = parse_csv(&text, ',');
        }

        /// What the writer quotes, the reader reads back field for field.
        #[test]
        fn csv_round_trip(
            rows in proptest::collection::vec(proptest::collection::vec("[a-z,;\"\r\n é]{0,8}", 1..4), 1..5),
            delim in prop::sample::select(vec![',', ';', '\t']),
        ) {
            let line = |r: &Vec<String>, style: &CsvStyle| {
                r.iter().map(|f| quote(f, None, style)).collect::<Vec<_>>().join(&delim.to_string())
            };
            let always = CsvStyle { delim, quotes: Quotes::Always, quote_fields: Vec::new(), header: false, type_line: false };
            let text: Vec<String> = rows.iter().map(|r| line(r, &always)).collect();
            prop_assert_eq!(parse_csv(&text.join("\n"), delim), rows.clone());
            // As-needed quoting reads back the same, except that a record of one empty field is a blank line.
            let needed = CsvStyle { quotes: Quotes::AsNeeded, ..always };
            let text: Vec<String> = rows.iter().map(|r| line(r, &needed)).collect();
            let expected: Vec<Vec<String>> = rows.iter().filter(|r| !(r.len() == 1 && r[0].is_empty())).cloned().collect();
            prop_assert_eq!(parse_csv(&text.join("\n"), delim), expected);
        }
    }
}
