//! The host's output stream: everything a run shows goes through [`Io`], so that the objects consecutive
//! statements output form one table while their type stays the same, as PowerShell's Out-Default does (a
//! script with 50,000 `New-MailContact` lines prints one header, not 50,000).
//!
//! The rows of such a table are kept as text until the run of objects ends: when something else is shown
//! (other values, text, a warning or an error) and when the [`Io`] is dropped at the end of a run or a REPL
//! line. Columns are then as wide as their widest cell, so nothing is cut that would fit.

use mailsec_cmdlets::Value;

use super::{Io, RuntimeError};
use crate::format::{self, Column, TableCells, TableOptions};

/// The table being shown: its type, columns and the rows so far.
#[derive(Debug)]
pub struct HostTable {
    type_name: String,
    columns: Vec<Column>,
    cells: TableCells,
}

impl<'a> Io<'a> {
    /// The host for one run or REPL line: output to `out`, errors to `report`, warnings to `warn`, questions to
    /// `confirm` (`None` when nobody can answer).
    pub fn new(
        out: &'a mut dyn std::io::Write,
        report: &'a mut dyn FnMut(&RuntimeError),
        warn: &'a mut dyn FnMut(&str),
        confirm: Option<&'a mut dyn FnMut(&str) -> bool>,
    ) -> Self {
        Io {
            out,
            report,
            warn,
            confirm,
            table: None,
        }
    }

    /// Show a statement's output values: objects shown as a table join the open table when they are of its type
    /// and columns; anything else ends it and is shown as [`format::render`] lays it out.
    pub fn show(&mut self, values: &[Value]) {
        let mut i = 0;
        while i < values.len() {
            let table_type = match &values[i] {
                Value::Object(o) if format::shows_as_table(o) => Some(o),
                _ => None,
            };
            let Some(first) = table_type else {
                // Up to the next object shown as a table, laid out as a whole (hashtables share a table).
                let j = (i + 1..values.len())
                    .find(|&j| matches!(&values[j], Value::Object(o) if format::shows_as_table(o)))
                    .unwrap_or(values.len());
                let text = format::render(&values[i..j], format::width());
                if !text.is_empty() {
                    self.write_text(&text);
                }
                i = j;
                continue;
            };
            let j = (i + 1..values.len())
                .find(
                    |&j| !matches!(&values[j], Value::Object(o) if o.type_name == first.type_name),
                )
                .unwrap_or(values.len());
            let columns = format::default_columns(first);
            let mut open = match self.table.take() {
                Some(t) if t.type_name == first.type_name && t.columns == columns => t,
                other => {
                    self.table = other;
                    self.end_table();
                    HostTable {
                        type_name: first.type_name.clone(),
                        cells: TableCells::new(columns.len()),
                        columns,
                    }
                }
            };
            for v in &values[i..j] {
                open.cells.push(v, &open.columns);
            }
            self.table = Some(open);
            i = j;
        }
    }

    /// Text shown as it is (Write-Host, `What if:` lines): it ends the open table first.
    pub fn write_text(&mut self, text: &str) {
        self.end_table();
        let _ = self.out.write_all(text.as_bytes());
        format::transcript::record(text);
    }

    /// A warning (`WARNING: ...` on the error stream): the table so far is shown first, so that a terminal
    /// shows both in the order they happened.
    pub fn warning(&mut self, text: &str) {
        self.end_table();
        (self.warn)(text);
    }

    /// A non-terminating error, after the table so far (see [`Io::warning`]).
    pub fn report_error(&mut self, e: &RuntimeError) {
        self.end_table();
        (self.report)(e);
    }

    /// Show the open table, if any.
    pub fn end_table(&mut self) {
        if let Some(t) = self.table.take() {
            let text = format::lay_out(&t.columns, &t.cells, &TableOptions::new(format::width()));
            let _ = self.out.write_all(text.as_bytes());
            format::transcript::record(&text);
        }
    }
}

impl Drop for Io<'_> {
    /// The end of a run or a REPL line ends its table.
    fn drop(&mut self) {
        self.end_table();
    }
}

#[cfg(test)]
mod tests {
    use mailsec_cmdlets::Object;

    use super::*;
    use crate::eval::RuntimeError;

    fn contact(name: &str) -> Value {
        Value::Object(Object {
            type_name: "MailContact".into(),
            props: vec![
                ("Name".into(), Value::String(name.into())),
                ("Alias".into(), Value::String(name.into())),
                ("Hidden".into(), Value::Bool(false)),
            ]
            .into(),
            default_columns: vec!["Name", "Alias"],
        })
    }

    /// What a sequence of statements shows, with warnings and errors marked where they came.
    fn shown(statements: &[&[Value]], warn_after: Option<usize>) -> String {
        let mut out = Vec::new();
        let mut events = Vec::new();
        {
            let mut report = |_: &RuntimeError| {};
            let mut warn = |w: &str| events.push(w.to_string());
            let mut io = Io::new(&mut out, &mut report, &mut warn, None);
            for (n, values) in statements.iter().enumerate() {
                io.show(values);
                if warn_after == Some(n) {
                    io.warning("careful");
                    let _ = io.out.write_all(b"<warning>\n");
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn statements_of_one_type_share_one_table_sized_to_all_rows() {
        let text = shown(
            &[
                &[contact("a")],
                &[contact("contact-with-a-long-name")],
                &[contact("b")],
            ],
            None,
        );
        assert_eq!(
            text,
            "\nName                     Alias\n----                     -----\na                        a\ncontact-with-a-long-name contact-with-a-long-name\nb                        b\n\n"
        );
        assert_eq!(
            text,
            format::render(
                &[
                    contact("a"),
                    contact("contact-with-a-long-name"),
                    contact("b")
                ],
                format::width()
            )
        );
    }

    #[test]
    fn other_output_and_warnings_end_the_table() {
        let text = shown(
            &[
                &[contact("a")],
                &[Value::String("text".into())],
                &[contact("b")],
            ],
            None,
        );
        assert_eq!(
            text,
            "\nName Alias\n---- -----\na    a\n\ntext\n\nName Alias\n---- -----\nb    b\n\n"
        );
        let text = shown(&[&[contact("a")], &[contact("b")]], Some(0));
        assert_eq!(
            text,
            "\nName Alias\n---- -----\na    a\n\n<warning>\n\nName Alias\n---- -----\nb    b\n\n"
        );
    }

    #[test]
    fn a_different_type_or_columns_starts_a_new_table() {
        let mut other = contact("x");
        if let Value::Object(o) = &mut other {
            o.type_name = "Mailbox".into();
        }
        let text = shown(&[&[contact("a")], &[other]], None);
        assert_eq!(text.matches("Name Alias").count(), 2, "{text}");
        assert_eq!(
            text,
            format!(
                "{}{}",
                format::render(&[contact("a")], format::width()),
                format::render(
                    &[{
                        let mut o = contact("x");
                        if let Value::Object(o) = &mut o {
                            o.type_name = "Mailbox".into();
                        }
                        o
                    }],
                    format::width()
                )
            )
        );
    }
}
