//! Output formatting as PowerShell shows it: objects as tables (a type's default columns) or, with five or
//! more properties and no default view, as lists; hashtables as Name/Value tables; scalars one per line.
//!
//! Tables are width-aware: the width is `COLUMNS` (else 120). Columns that do not fit are narrowed, the widest
//! first, and their long cells cut with `…` (or wrapped, with `-Wrap`); a column is never dropped. A table that
//! cannot fit even then is printed whole, followed by a line that says so.

use std::borrow::Cow;
use std::io::Write;

use mailsec_cmdlets::{Object, Value};
use tabled::builder::Builder;
use tabled::grid::util::string::{get_char_width, get_string_width};
use tabled::settings::object::Columns;
use tabled::settings::{Alignment, Padding, Style};

/// Objects with this many properties and no default columns are shown as a list (PowerShell's rule).
const LIST_THRESHOLD: usize = 5;
/// A column narrowed to fit keeps at least its header and this many characters.
const MIN_COLUMN: usize = 5;

/// The width output is laid out for: `COLUMNS` when it is a number, else 120.
pub fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|w| *w >= 20)
        .unwrap_or(120)
}

/// Print a statement's output values (and record them in a running transcript).
pub fn print(out: &mut dyn Write, values: &[Value]) {
    let text = render(values, width());
    let _ = write!(out, "{text}");
    transcript::record(&text);
}

/// The text [`print`] writes for `values`, laid out for `width` columns (Out-String, Out-File use it).
pub fn render(values: &[Value], width: usize) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < values.len() {
        match &values[i] {
            Value::Object(first) => {
                // A run of objects of one type shares one table (or one list).
                let mut j = i;
                while j < values.len()
                    && matches!(&values[j], Value::Object(o) if o.type_name == first.type_name)
                {
                    j += 1;
                }
                let run = &values[i..j];
                if !shows_as_table(first) {
                    out.push_str(&list_with(run, None, width));
                } else {
                    let columns = default_columns(first);
                    out.push_str(&table(run, &columns, &TableOptions::new(width)));
                }
                i = j;
            }
            Value::Hashtable(_) => {
                let mut j = i;
                let mut rows = Vec::new();
                while let Some(Value::Hashtable(h)) = values.get(j) {
                    rows.extend(name_value_rows(&h.read()));
                    j += 1;
                }
                let columns = [Column::new("Name"), Column::new("Value")];
                out.push_str(&table(&rows, &columns, &TableOptions::new(width)));
                i = j;
            }
            // $null shows nothing, as in PowerShell.
            Value::Null => i += 1,
            other => {
                out.push_str(&scalar(other));
                out.push('\n');
                i += 1;
            }
        }
    }
    out
}

/// Whether objects of `o`'s type show as a table (else as a list): they have default columns, or fewer than
/// [`LIST_THRESHOLD`] properties.
pub fn shows_as_table(o: &Object) -> bool {
    !o.default_columns.is_empty() || o.props.read().len() < LIST_THRESHOLD
}

/// A hashtable's entries as `Name`/`Value` objects, as PowerShell shows a hashtable.
pub fn name_value_rows(h: &[(String, Value)]) -> Vec<Value> {
    h.iter()
        .map(|(k, v)| {
            Value::Object(Object {
                type_name: "System.Collections.DictionaryEntry".into(),
                props: vec![
                    ("Name".into(), Value::String(k.clone())),
                    ("Value".into(), v.clone()),
                ]
                .into(),
                default_columns: Vec::new(),
            })
        })
        .collect()
}

/// A value on a line of its own.
pub fn scalar(v: &Value) -> String {
    match v {
        Value::Bytes(b) => format!("System.Byte[] ({} bytes)", b.len()),
        other => other.to_string(),
    }
}

/// A table cell: certificates by subject and expiry, lists joined.
pub fn cell(v: &Value) -> String {
    cell_at(v, 0)
}

/// How deep a cell shows nested lists and hashtables (a list may hold itself); deeper ones show
/// their type name, as PowerShell does.
const CELL_DEPTH: usize = 4;

fn cell_at(v: &Value, depth: usize) -> String {
    match v {
        Value::Array(_) | Value::Hashtable(_) if depth >= CELL_DEPTH => v.type_name().to_string(),
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
            let parts: Vec<String> = a.read().iter().map(|x| cell_at(x, depth + 1)).collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Bytes(b) => format!("{{{} bytes}}", b.len()),
        Value::Hashtable(h) => {
            let parts: Vec<String> = h
                .read()
                .iter()
                .map(|(k, v)| format!("{k}={}", cell_at(v, depth + 1)))
                .collect();
            format!("@{{{}}}", parts.join("; "))
        }
        other => other.to_string(),
    }
}

/// One column of a table: its header and the property it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub header: String,
    /// The property shown (case-insensitive).
    pub property: String,
    /// A fixed width (Format-Table's `@{Width=..}`).
    pub width: Option<usize>,
    /// `Some(true)` right-aligns, `Some(false)` left-aligns; `None`: numbers right, the rest left.
    pub right: Option<bool>,
}

impl Column {
    pub fn new(property: &str) -> Self {
        Column {
            header: property.to_string(),
            property: property.to_string(),
            width: None,
            right: None,
        }
    }
}

/// Format-Table's switches.
#[derive(Debug, Clone, PartialEq)]
pub struct TableOptions {
    pub width: usize,
    /// Wrap long cells onto more lines instead of cutting them with `…`.
    pub wrap: bool,
    pub hide_headers: bool,
}

impl TableOptions {
    pub fn new(width: usize) -> Self {
        TableOptions {
            width,
            wrap: false,
            hide_headers: false,
        }
    }
}

/// The columns a type shows by default: its default columns, else every property of the first object.
pub fn default_columns(o: &Object) -> Vec<Column> {
    if o.default_columns.is_empty() {
        o.props.read().iter().map(|(k, _)| Column::new(k)).collect()
    } else {
        o.default_columns.iter().map(|c| Column::new(c)).collect()
    }
}

/// The value of `property` on `v`: an object's or hashtable's property, a string's Length, an array's Count.
pub fn property_of(v: &Value, property: &str) -> Option<Value> {
    property_ref(v, property).map(Cow::into_owned)
}

/// [`property_of`], borrowed where the value is stored (tables read a few properties of every object).
fn property_ref<'v>(v: &'v Value, property: &str) -> Option<Cow<'v, Value>> {
    if let Some(p) = v.property(property) {
        return Some(p);
    }
    let computed = match (v, property.to_lowercase().as_str()) {
        (Value::String(s), "length") => Value::Int(s.chars().count() as i64),
        (Value::Array(a), "count" | "length") => Value::Int(a.len() as i64),
        (Value::Bytes(b), "count" | "length") => Value::Int(b.len() as i64),
        _ => return None,
    };
    Some(Cow::Owned(computed))
}

fn text_width(s: &str) -> usize {
    // Printable ASCII is one column a byte; anything else (wide characters, escapes, tabs) is measured as
    // tabled measures it.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        s.len()
    } else {
        get_string_width(s)
    }
}

/// `s` cut to `w` display columns, ending in `…` when something was cut.
fn truncate(s: &str, w: usize) -> String {
    if text_width(s) <= w {
        return s.to_string();
    }
    if w == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in s.chars() {
        let cw = get_char_width(ch);
        if used + cw > w - 1 {
            break;
        }
        used += cw;
        out.push(ch);
    }
    out.push('…');
    out
}

/// `s` broken into lines of at most `w` display columns, at spaces when it can.
fn wrap(s: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut lines = Vec::new();
    for raw in s.split('\n') {
        let raw = raw.trim_end_matches('\r');
        let mut line = String::new();
        let mut used = 0;
        for word in raw.split_inclusive(' ') {
            let ww = text_width(word);
            if used + ww <= w {
                line.push_str(word);
                used += ww;
                continue;
            }
            if used > 0 && ww <= w {
                lines.push(line.trim_end().to_string());
                line = word.to_string();
                used = ww;
                continue;
            }
            for ch in word.chars() {
                let cw = get_char_width(ch);
                if used + cw > w && used > 0 {
                    lines.push(std::mem::take(&mut line).trim_end().to_string());
                    used = 0;
                }
                line.push(ch);
                used += cw;
            }
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Column widths that fit `avail` characters: the widest columns give way first, down to `min`.
/// Returns the widths and whether they fit.
fn fit(natural: &[usize], min: &[usize], avail: usize) -> (Vec<usize>, bool) {
    let mut w = natural.to_vec();
    loop {
        let total: usize = w.iter().sum();
        if total <= avail {
            return (w, true);
        }
        let excess = total - avail;
        let Some(i) = (0..w.len())
            .filter(|&i| w[i] > min[i])
            .max_by_key(|&i| (w[i], usize::MAX - i))
        else {
            return (w, false);
        };
        let second = (0..w.len())
            .filter(|&j| j != i && w[j] > min[j])
            .map(|j| w[j])
            .max()
            .unwrap_or(0);
        let mut target = min[i].max(second).max(w[i].saturating_sub(excess));
        if target >= w[i] {
            target = w[i] - 1;
        }
        w[i] = target;
    }
}

/// A PowerShell-style table of `objs` with `columns`.
pub fn table(objs: &[Value], columns: &[Column], opts: &TableOptions) -> String {
    let mut cells = TableCells::new(columns.len());
    for o in objs {
        cells.push(o, columns);
    }
    lay_out(columns, &cells, opts)
}

/// The text of a table's rows before they are laid out, and for each column whether its first value is a
/// number (which right-aligns it): the host collects these for a run of objects that spans statements.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableCells {
    texts: Vec<Vec<String>>,
    /// Per column: `None` until a row has a value there (not `$null`), then whether that value is a number.
    numeric: Vec<Option<bool>>,
}

impl TableCells {
    pub fn new(columns: usize) -> Self {
        TableCells {
            texts: Vec::new(),
            numeric: vec![None; columns],
        }
    }

    /// Add `o`'s row: the cell text of each column's property.
    pub fn push(&mut self, o: &Value, columns: &[Column]) {
        let mut row = Vec::with_capacity(columns.len());
        for (c, numeric) in columns.iter().zip(self.numeric.iter_mut()) {
            let v = property_ref(o, &c.property);
            if numeric.is_none() {
                if let Some(v) = v.as_deref().filter(|v| !matches!(v, Value::Null)) {
                    *numeric = Some(matches!(v, Value::Int(_) | Value::Double(_)));
                }
            }
            row.push(v.as_deref().map(cell).unwrap_or_default());
        }
        self.texts.push(row);
    }

    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }
}

/// The table text of `cells` under `columns`' headers, sized to the widest cell of each column and fitted to
/// `opts.width`.
pub fn lay_out(columns: &[Column], cells: &TableCells, opts: &TableOptions) -> String {
    if columns.is_empty() || cells.texts.is_empty() {
        return String::new();
    }
    let texts = &cells.texts;
    let right: Vec<bool> = columns
        .iter()
        .zip(&cells.numeric)
        .map(|(c, numeric)| c.right.unwrap_or(*numeric == Some(true)))
        .collect();
    let header_w: Vec<usize> = columns
        .iter()
        .map(|c| {
            if opts.hide_headers {
                0
            } else {
                text_width(&c.header)
            }
        })
        .collect();
    let natural: Vec<usize> = (0..columns.len())
        .map(|i| {
            columns[i].width.unwrap_or_else(|| {
                texts
                    .iter()
                    .map(|r| {
                        r[i].split('\n')
                            .map(|l| text_width(l.trim_end_matches('\r')))
                            .max()
                            .unwrap_or(0)
                    })
                    .max()
                    .unwrap_or(0)
                    .max(header_w[i])
                    .max(1)
            })
        })
        .collect();
    let min: Vec<usize> = (0..columns.len())
        .map(|i| match columns[i].width {
            Some(w) => w,
            None => natural[i].min(header_w[i].max(MIN_COLUMN)),
        })
        .collect();
    let avail = opts.width.saturating_sub(columns.len() - 1);
    let (widths, fits) = fit(&natural, &min, avail);
    let fit_cell = |s: &str, w: usize| -> String {
        if opts.wrap {
            wrap(s, w).join("\n")
        } else {
            let mut lines = s.split('\n');
            let first = lines.next().unwrap_or_default().trim_end_matches('\r');
            if lines.next().is_some() {
                truncate(&format!("{first}…"), w)
            } else {
                truncate(first, w)
            }
        }
    };
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(texts.len() + 2);
    if !opts.hide_headers {
        rows.push(
            columns
                .iter()
                .zip(&widths)
                .map(|(c, w)| truncate(&c.header, *w))
                .collect(),
        );
        rows.push(
            columns
                .iter()
                .zip(&widths)
                .map(|(c, w)| "-".repeat(text_width(&c.header).min(*w)))
                .collect(),
        );
    }
    for r in texts {
        rows.push(
            r.iter()
                .zip(&widths)
                .map(|(t, w)| fit_cell(t, *w))
                .collect(),
        );
    }
    let body = if opts.wrap {
        grid_with_tabled(rows, &right)
    } else {
        grid_of_lines(&rows, &right)
    };
    let mut out = format!("\n{body}\n\n");
    if !fits {
        let need: usize = widths.iter().sum::<usize>() + columns.len() - 1;
        out.push_str(&format!(
            "(This table needs {need} characters and the width is {}: every column is shown; choose fewer with Format-Table -Property, or use Format-List.)\n\n",
            opts.width
        ));
    }
    out
}

/// Cells laid out in columns as tabled lays them out with `Style::blank()` and `Padding::zero()`: each column as
/// wide as its widest cell, one space between columns, numbers aligned right, trailing spaces trimmed. Wrapped
/// (multi-line) cells need tabled.
fn grid_with_tabled(rows: Vec<Vec<String>>, right: &[bool]) -> String {
    let mut b = Builder::default();
    for r in rows {
        b.push_record(r);
    }
    let mut t = b.build();
    t.with(Style::blank()).with(Padding::zero());
    for (i, r) in right.iter().enumerate() {
        if *r {
            t.modify(Columns::one(i), Alignment::right());
        }
    }
    t.to_string()
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// [`grid_with_tabled`] for cells of one line each (every table without `-Wrap`), written directly: the same
/// text (a test compares the two), without building a grid. A script's every New-* prints a table, and building
/// tabled's grid for each was a tenth of a 100,000-line bulk run.
fn grid_of_lines(rows: &[Vec<String>], right: &[bool]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; columns];
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(text_width(c));
        }
    }
    let mut out = String::new();
    for (n, r) in rows.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let start = out.len();
        for (i, w) in widths.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let c = r.get(i).map(String::as_str).unwrap_or_default();
            let pad = w.saturating_sub(text_width(c));
            if right.get(i).copied().unwrap_or(false) {
                out.extend(std::iter::repeat_n(' ', pad));
                out.push_str(c);
            } else {
                out.push_str(c);
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        let kept = out[start..].trim_end().len();
        out.truncate(start + kept);
    }
    out
}

/// Format-List: every property of every object, `Name : Value`, names aligned.
pub fn list(values: &[Value]) -> String {
    list_with(values, None, width())
}

/// Format-List with a choice of properties (`None`: all of them); long values wrap under their column.
pub fn list_with(values: &[Value], properties: Option<&[Column]>, width: usize) -> String {
    let mut out = String::new();
    let mut rows: Vec<Value> = Vec::new();
    for v in values {
        match v {
            Value::Hashtable(h) => rows.extend(name_value_rows(&h.read())),
            other => rows.push(other.clone()),
        }
    }
    for v in &rows {
        let pairs: Vec<(String, String)> = match (v, properties) {
            (Value::Object(o), None) => o
                .props
                .read()
                .iter()
                .map(|(k, v)| (k.clone(), cell(v)))
                .collect(),
            (_, Some(cols)) => cols
                .iter()
                .map(|c| {
                    (
                        c.header.clone(),
                        property_of(v, &c.property)
                            .map(|x| cell(&x))
                            .unwrap_or_default(),
                    )
                })
                .collect(),
            (other, None) => {
                out.push_str(&scalar(other));
                out.push('\n');
                continue;
            }
        };
        let name_w = pairs.iter().map(|(k, _)| text_width(k)).max().unwrap_or(0);
        let value_w = width.saturating_sub(name_w + 3).max(10);
        out.push('\n');
        for (k, val) in pairs {
            let pad = name_w - text_width(&k).min(name_w);
            let lines = wrap(&val, value_w);
            for (n, line) in lines.iter().enumerate() {
                if n == 0 {
                    out.push_str(&format!("{k}{} : {line}", " ".repeat(pad)));
                } else {
                    out.push_str(&format!("{} {line}", " ".repeat(name_w + 2)));
                }
                let trimmed = out.trim_end_matches(' ').len();
                out.truncate(trimmed);
                out.push('\n');
            }
        }
    }
    out.push('\n');
    out
}

/// Where a running transcript (Start-Transcript) records the session. It is kept per thread: a session runs
/// on one. [`print`] and the built-ins that print record their output here; the front ends add each
/// command's text ([`transcript::command`]) and what they show on stderr ([`transcript::record`]).
pub mod transcript {
    use std::cell::RefCell;
    use std::fs::File;
    use std::io::Write;
    use std::path::{Path, PathBuf};

    struct Transcript {
        path: PathBuf,
        file: File,
        /// Write the time before each command (-IncludeInvocationHeader).
        invocation_header: bool,
    }

    thread_local! {
        static ACTIVE: RefCell<Vec<Transcript>> = const { RefCell::new(Vec::new()) };
    }

    pub const STARS: &str = "**********************";

    /// Whether a transcript is being recorded.
    pub fn active() -> bool {
        ACTIVE.with(|a| !a.borrow().is_empty())
    }

    /// Whether a transcript is being recorded to `path`.
    pub fn running_to(path: &Path) -> bool {
        ACTIVE.with(|a| a.borrow().iter().any(|t| t.path == path))
    }

    /// Append text, as it was shown, to every running transcript.
    pub fn record(text: &str) {
        if text.is_empty() {
            return;
        }
        ACTIVE.with(|a| {
            for t in a.borrow_mut().iter_mut() {
                let _ = t.file.write_all(text.as_bytes());
            }
        });
    }

    /// Record a command as typed (`PS>text`), before its output; `now` is the time for the invocation header.
    pub fn command(text: &str) {
        ACTIVE.with(|a| {
            for t in a.borrow_mut().iter_mut() {
                if t.invocation_header {
                    let _ = write!(
                        t.file,
                        "{STARS}\nCommand start time: {}\n{STARS}\n",
                        super::timestamp()
                    );
                }
                let _ = writeln!(t.file, "PS>{}", text.trim_end());
            }
        });
    }

    /// Start recording to `file` (already opened, its header written).
    pub fn start(path: PathBuf, file: File, invocation_header: bool) {
        ACTIVE.with(|a| {
            a.borrow_mut().push(Transcript {
                path,
                file,
                invocation_header,
            })
        });
    }

    /// PowerShell's footer.
    fn footer() -> String {
        format!(
            "{STARS}\nPowerShell transcript end\nEnd time: {}\n{STARS}\n",
            super::timestamp()
        )
    }

    /// Stop the transcript started last, writing its footer: its path and whether the footer was
    /// written, or `None` if none was running.
    pub fn stop() -> Option<(PathBuf, std::io::Result<()>)> {
        let mut t = ACTIVE.with(|a| a.borrow_mut().pop())?;
        let r = t
            .file
            .write_all(footer().as_bytes())
            .and_then(|_| t.file.flush());
        Some((t.path, r))
    }

    /// Stop every running transcript (a front end calls this when the session ends, as PowerShell does).
    pub fn stop_all() {
        while stop().is_some() {}
    }
}

/// Local time as `yyyyMMddHHmmss` (PowerShell's transcript format).
pub fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let Ok(t) = libc::time_t::try_from(now) else {
        return now.to_string();
    };
    // SAFETY: a zeroed `tm` is a valid value; localtime_r writes only into the `tm` it is given.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the call.
    if unsafe { libc::localtime_r(&t, &mut tm) }.is_null() {
        return now.to_string();
    }
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The direct layout writes exactly what tabled writes, for any one-line cells: ASCII, wide and
        /// zero-width characters, tabs, empty cells, spaces at either end, right-aligned columns.
        #[test]
        fn lines_are_laid_out_as_tabled_lays_them_out(
            cells in proptest::collection::vec(
                proptest::collection::vec("[a-z0-9 …界é\u{301}\t-]{0,6}", 3),
                1..6,
            ),
            right in proptest::collection::vec(proptest::bool::ANY, 3),
        ) {
            proptest::prop_assert_eq!(grid_of_lines(&cells, &right), grid_with_tabled(cells.clone(), &right));
        }
    }

    fn obj(props: &[(&str, Value)]) -> Value {
        Value::Object(Object {
            type_name: "T".into(),
            props: props
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            default_columns: Vec::new(),
        })
    }
    fn s(x: &str) -> Value {
        Value::String(x.into())
    }

    #[test]
    fn a_table_looks_like_powershell() {
        let rows = [
            obj(&[("Name", s("baptiste")), ("Size", Value::Int(5))]),
            obj(&[("Name", s("jo")), ("Size", Value::Int(1234))]),
        ];
        let mut out = Vec::new();
        print(&mut out, &rows);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\nName     Size\n----     ----\nbaptiste    5\njo       1234\n\n"
        );
    }

    #[test]
    fn long_cells_are_cut_only_when_needed_and_never_a_column() {
        let long = "x".repeat(200);
        let rows = [obj(&[("A", s("short")), ("B", s(&long)), ("C", s("c"))])];
        let cols = [Column::new("A"), Column::new("B"), Column::new("C")];
        let t = table(&rows, &cols, &TableOptions::new(40));
        for line in t.lines() {
            assert!(text_width(line) <= 40, "{line:?}\n{t}");
        }
        assert!(t.contains('…'), "{t}");
        assert!(
            t.contains("short") && t.lines().any(|l| l.ends_with(" c")),
            "{t}"
        );
        let wide = table(&rows, &cols, &TableOptions::new(300));
        assert!(wide.contains(&long) && !wide.contains('…'), "{wide}");
        let wrapped = table(
            &rows,
            &cols,
            &TableOptions {
                wrap: true,
                ..TableOptions::new(40)
            },
        );
        assert_eq!(wrapped.matches('x').count(), 200, "{wrapped}");
        assert!(!wrapped.contains('…'));
    }

    #[test]
    fn a_table_that_cannot_fit_says_so() {
        let cols: Vec<Column> = (0..10)
            .map(|i| Column::new(&format!("LongHeader{i}")))
            .collect();
        let props: Vec<(String, Value)> = (0..10)
            .map(|i| (format!("LongHeader{i}"), s("value")))
            .collect();
        let row = Value::Object(Object {
            type_name: "T".into(),
            props: props.into(),
            default_columns: Vec::new(),
        });
        let t = table(&[row], &cols, &TableOptions::new(40));
        assert!(t.contains("LongHeader9"), "{t}");
        assert!(t.contains("every column is shown"), "{t}");
    }

    #[test]
    fn many_properties_make_a_list_and_hashtables_a_name_value_table() {
        let o = obj(&[
            ("A", Value::Int(1)),
            ("B", Value::Int(2)),
            ("C", Value::Int(3)),
            ("D", Value::Int(4)),
            ("Eeee", s("five")),
        ]);
        assert_eq!(
            render(&[o], 120),
            "\nA    : 1\nB    : 2\nC    : 3\nD    : 4\nEeee : five\n\n"
        );
        let h = Value::hashtable(vec![("Add".into(), s("x")), ("Remove".into(), s("y"))]);
        assert_eq!(
            render(&[h], 120),
            "\nName   Value\n----   -----\nAdd    x\nRemove y\n\n"
        );
    }

    #[test]
    fn list_values_wrap_under_their_column() {
        let o = obj(&[("Name", s("a")), ("Text", s(&"word ".repeat(20)))]);
        let l = list_with(&[o], None, 40);
        for line in l.lines() {
            assert!(text_width(line) <= 40, "{line:?}");
        }
        assert!(l.contains("\n       word"), "{l}");
    }

    #[test]
    fn wrap_and_truncate_handle_wide_characters() {
        assert_eq!(truncate("日本語テキスト", 5), "日本…");
        assert_eq!(wrap("日本語", 2), vec!["日", "本", "語"]);
        assert_eq!(wrap("", 3), vec![""]);
        assert_eq!(truncate("abc", 0), "");
    }
}
