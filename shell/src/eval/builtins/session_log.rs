//! The session's log of state-changing commands, and Export-MailsecSession, which writes it as a script.
//!
//! Every cmdlet invocation that applied operations to the desired state is logged, in order. It is kept as
//! the admin typed it when every value in it is a literal; otherwise the values that are not (variables,
//! sub-expressions, `@splat`) are replaced by literals of what they were (certificates as
//! `[Convert]::FromBase64String('...')`), and a command that took pipeline input or ran inside a function is
//! written out whole from its bound parameters. Run against the state the session started from, the
//! exported script gives the same desired state. A run that stopped at a terminating error saved nothing,
//! so its entries are dropped again ([`SessionLog::rollback`]).

use std::collections::HashMap;
use std::sync::Arc;

use mailsec_cmdlets::{Bound, ConfirmImpact, Signature, Value};

use super::args::{at, switch};
use super::literal::{is_literal, literal};
use super::{Builtin, Call};
use crate::eval::{Evaluator, RuntimeError};
use crate::syntax::ast::{Command, CommandArg, Expr, Span};

pub const BUILTINS: &[Builtin] = &[Builtin::with_evaluator(
    "Export-MailsecSession",
    "Writes the session's state-changing commands, in order, as a script that replays to the same desired state.",
    export_session,
)
.should_process()
.params(&[
    at(0, "Path", "String", "The script to write (relative: beside the script, or the working folder)."),
    switch("NoClobber", "Fail if the file exists."),
    switch("Force", "Accepted."),
])
.examples(&[(
    "Keep what this session changed as a script",
    "Export-MailsecSession -Path change-4711.ps1",
)])];

/// The session's source text (for commands as typed) and the commands logged so far.
#[derive(Debug, Default)]
pub struct SessionLog {
    source: Arc<str>,
    entries: Vec<Entry>,
    /// The source text of each byte value (certificate) already written, by its bytes: a bulk script sets the
    /// same certificate on thousands of recipients, and their entries share one copy of its Base64 text.
    /// (foldhash: a key is a whole certificate, which SipHash takes several times longer to hash.)
    byte_literals: HashMap<Vec<u8>, Arc<str>, foldhash::fast::RandomState>,
}

/// One logged command: its text in pieces, some of them shared with other entries.
#[derive(Debug, Default)]
struct Entry(Vec<Piece>);

#[derive(Debug)]
enum Piece {
    Own(String),
    Shared(Arc<str>),
}

impl Entry {
    fn push(&mut self, piece: Piece) {
        match (self.0.last_mut(), piece) {
            (Some(Piece::Own(last)), Piece::Own(more)) => last.push_str(&more),
            (_, piece) => self.0.push(piece),
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        for p in &self.0 {
            out.push_str(match p {
                Piece::Own(s) => s,
                Piece::Shared(s) => s,
            });
        }
        out
    }
}

impl SessionLog {
    /// The source text the running script's spans point into.
    pub fn source(&self) -> &str {
        &self.source
    }
    /// How many entries there are (to roll back to).
    pub fn mark(&self) -> usize {
        self.entries.len()
    }
    /// Drop the entries logged after `mark` (their run saved nothing).
    pub fn rollback(&mut self, mark: usize) {
        self.entries.truncate(mark);
    }
    /// The logged commands, in order, as they are written out.
    pub fn entries(&self) -> Vec<String> {
        self.entries.iter().map(Entry::text).collect()
    }

    /// `v` as source text; a byte value (or certificate) shares the text of an earlier entry with the same bytes.
    fn literal(&mut self, v: &Value) -> Piece {
        let bytes = match v {
            Value::Bytes(b) => b.as_slice(),
            Value::Cert(c) => c.bytes(),
            other => return Piece::Own(literal(other)),
        };
        if let Some(text) = self.byte_literals.get(bytes) {
            return Piece::Shared(text.clone());
        }
        let text: Arc<str> = Arc::from(literal(v));
        self.byte_literals.insert(bytes.to_vec(), text.clone());
        Piece::Shared(text)
    }
}

impl Evaluator<'_> {
    /// The text of the script about to run (`Command` spans point into it): commands are logged as typed.
    pub fn set_source(&mut self, text: &str) {
        self.session.source = Arc::from(text);
    }

    /// The commands that changed the desired state so far, as script lines.
    pub fn session_commands(&self) -> Vec<String> {
        self.session.entries()
    }

    /// Log a cmdlet invocation that applied operations.
    pub(in crate::eval) fn log_command(
        &mut self,
        sig: &Signature,
        c: &Command,
        bound: &Bound,
        spans: &[(String, Span)],
    ) {
        let source = self.session.source.clone();
        let typed = if self.call_depth == 0 {
            typed_text(&mut self.session, &source, c, bound, spans)
        } else {
            None
        };
        let mut line = typed.unwrap_or_else(|| {
            Entry(vec![Piece::Own(canonical(
                sig,
                &self.replayable(sig, bound),
            ))])
        });
        if sig.should_process == Some(ConfirmImpact::High) && !bound.has("Confirm") {
            // asked and answered in the session; the replay has nobody to ask
            line.push(Piece::Own(" -Confirm:$false".into()));
        }
        self.session.entries.push(line);
    }
}

impl Evaluator<'_> {
    /// `bound` with each identity that is a mail contact's GUID (what pipeline input binds) replaced by
    /// the contact's name: a replay creates the contact again under a new GUID, but with the same name.
    fn replayable(&self, sig: &Signature, bound: &Bound) -> Bound {
        let mut out = bound.clone();
        for (name, value) in out.values.iter_mut() {
            let is_identity = sig.param(name).is_some_and(|p| p.ty.is_identity());
            let Value::String(text) = &*value else {
                continue;
            };
            if !is_identity {
                continue;
            }
            let contact = self
                .state
                .mail_contacts
                .iter()
                .find(|c| c.guid.to_string().eq_ignore_ascii_case(text.trim()));
            if let Some(contact) = contact {
                *value = Value::String(contact.name.clone());
            }
        }
        out
    }
}

/// The command as typed, with its non-literal values replaced by literals; `None` when that cannot be
/// done faithfully (pipeline input, a value that bound to no parameter, text that is not this command's).
fn typed_text(
    log: &mut SessionLog,
    source: &str,
    c: &Command,
    bound: &Bound,
    spans: &[(String, Span)],
) -> Option<Entry> {
    let text = source.get(c.span.start..c.span.end)?;
    // Typed by name (not `& $cmd`): the text starts with the name. Only that prefix is compared, not the
    // whole command lower-cased (which holds a certificate's Base64 text in a bulk script).
    let by_name = text.get(..c.name.len()).is_some_and(|p| {
        p.eq_ignore_ascii_case(&c.name) || p.to_lowercase() == c.name.to_lowercase()
    });
    if c.name != "&" && !by_name {
        return None;
    }
    // a parameter bound from the pipeline points at the command's name
    if spans.iter().any(|(_, s)| *s == c.name_span) {
        return None;
    }
    let params_at = |span: Span| -> Vec<&str> {
        spans
            .iter()
            .filter(|(_, s)| *s == span)
            .map(|(n, _)| n.as_str())
            .collect()
    };
    let mut edits: Vec<(Span, Piece)> = Vec::new();
    for arg in &c.args {
        let e = match arg {
            CommandArg::Value(e) => e,
            CommandArg::Parameter {
                colon_value: Some(e),
                ..
            } => e,
            CommandArg::Parameter { .. } => continue,
        };
        if let Expr::Splat(v) = e {
            let parts: Vec<String> = params_at(v.span)
                .into_iter()
                .map(|n| format!("-{n} {}", literal(bound.get(n).unwrap_or(&Value::Null))))
                .collect();
            edits.push((v.span, Piece::Own(parts.join(" "))));
            continue;
        }
        if is_literal(e) {
            continue;
        }
        match params_at(e.span()).as_slice() {
            [one] => edits.push((e.span(), log.literal(bound.get(one)?))),
            _ => return None,
        }
    }
    edits.sort_by_key(|(s, _)| s.start);
    let mut out = Entry::default();
    let mut at = c.span.start;
    for (span, replacement) in edits {
        if span.start < at || span.end > c.span.end {
            return None;
        }
        out.push(Piece::Own(source.get(at..span.start)?.to_string()));
        out.push(replacement);
        at = span.end;
    }
    out.push(Piece::Own(source.get(at..c.span.end)?.to_string()));
    Some(out)
}

/// The command written out from its bound parameters (canonical names, literal values).
fn canonical(sig: &Signature, bound: &Bound) -> String {
    let mut out = sig.name.to_string();
    // the identity first, as people write it
    let mut values: Vec<&(&str, Value)> = bound.values.iter().collect();
    values.sort_by_key(|(name, _)| !name.eq_ignore_ascii_case("Identity"));
    for (name, value) in values {
        if name.eq_ignore_ascii_case("WhatIf") {
            continue;
        }
        match value {
            Value::Bool(_) => out.push_str(&format!(" -{name}:{}", literal(value))),
            _ => out.push_str(&format!(" -{name} {}", literal(value))),
        }
    }
    out
}

fn export_session(ev: &mut Evaluator<'_>, c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let Some(path) = c.args.text("Path") else {
        return Err(c
            .error("Export-MailsecSession needs -Path: the script file to write.")
            .help("for example: Export-MailsecSession -Path session.ps1"));
    };
    let target = super::content::write_target(c, "Path", &path)?;
    if c.what_if("Export-MailsecSession", &target.display().to_string()) {
        return Ok(Vec::new());
    }
    let entries = ev.session_commands();
    let mut text = format!(
        "# Written by Export-MailsecSession: the {} command(s) of a mailsec session that changed the\n# desired state, in order. Run it against the state the session started from: mailsec run {}\n",
        entries.len(),
        target.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
    );
    for line in &entries {
        text.push_str(line);
        text.push('\n');
    }
    super::content::write_bytes(c, "Path", &target, text.as_bytes(), false)?;
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::super::testing::run_in;

    #[test]
    fn export_needs_a_path_and_honours_whatif() {
        let dir = tempfile::tempdir().expect("temp dir");
        let o = run_in("Export-MailsecSession", dir.path());
        assert!(o.messages()[0].contains("needs -Path"), "{o:?}");
        let o = run_in("Export-MailsecSession -Path s.ps1 -WhatIf", dir.path());
        assert!(o.ok().starts_with("What if:"), "{o:?}");
        assert!(!dir.path().join("s.ps1").exists());
        let o = run_in("Export-MailsecSession -Path s.ps1", dir.path());
        o.ok();
        let text = std::fs::read_to_string(dir.path().join("s.ps1")).expect("written");
        assert!(
            text.starts_with("# Written by Export-MailsecSession: the 0 command(s)"),
            "{text}"
        );
    }
}
