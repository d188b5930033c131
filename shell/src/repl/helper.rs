//! The rustyline helper: completion (with the identity cache), validation and highlighting glued
//! to the editor.

use std::borrow::Cow;
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use mailsec_state::store::Store;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use super::complete::{complete, Sources};
use super::highlight::{validate, Painter};
use super::identities::Identities;

pub struct ReplHelper {
    store: Store,
    /// Loaded at most once per prompt; `None` = load on the next Tab.
    identities: RefCell<Option<Rc<Identities>>>,
    /// Variables the session has set (without `$`).
    variables: Vec<String>,
    painter: Painter,
}

impl ReplHelper {
    pub fn new(store: Store, color: bool) -> Self {
        ReplHelper {
            store,
            identities: RefCell::new(None),
            variables: Vec::new(),
            painter: Painter::new(color),
        }
    }

    /// Use these names until the next entry (they were just read).
    pub fn set_identities(&mut self, ids: Identities) {
        *self.identities.get_mut() = Some(Rc::new(ids));
    }

    /// Forget the names: the next Tab reads them again.
    pub fn invalidate_identities(&mut self) {
        *self.identities.get_mut() = None;
    }

    pub fn add_variables(&mut self, names: impl IntoIterator<Item = String>) {
        for n in names {
            if !self.variables.iter().any(|v| v.eq_ignore_ascii_case(&n)) {
                self.variables.push(n);
            }
        }
    }

    fn identities(&self) -> Rc<Identities> {
        let mut cache = self.identities.borrow_mut();
        cache
            .get_or_insert_with(|| Rc::new(Identities::load(&self.store)))
            .clone()
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        // Read only when a completion needs them.
        let names = |cmdlet: &str| -> Vec<String> {
            self.identities()
                .for_cmdlet(cmdlet)
                .into_iter()
                .map(str::to_string)
                .collect()
        };
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        Ok(complete(
            line,
            pos,
            &Sources {
                identities: &names,
                variables: &self.variables,
                cwd: &cwd,
            },
        ))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        self.painter.highlight(line, pos)
    }

    fn highlight_char(&self, line: &str, pos: usize, kind: CmdKind) -> bool {
        self.painter.highlight_char(line, pos, kind)
    }
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(validate(ctx.input()))
    }
}

impl Helper for ReplHelper {}
