//! Runtime errors of a script: what went wrong, where (a span), what to do, and whether the run must stop.

use crate::syntax::ast::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeError {
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
    /// PowerShell's error category (ObjectNotFound, InvalidArgument, ...), when known.
    pub category: Option<&'static str>,
    /// The command that failed, shown first as PowerShell does (`Set-Mailbox: ...`).
    pub command: Option<String>,
    /// A terminating error stops the run and nothing is saved; otherwise only this command is skipped.
    pub terminating: bool,
}

impl RuntimeError {
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        RuntimeError {
            message: message.into(),
            span,
            help: None,
            category: None,
            command: None,
            terminating: false,
        }
    }
    pub fn help(mut self, h: impl Into<String>) -> Self {
        self.help = Some(h.into());
        self
    }
    pub fn terminating(mut self) -> Self {
        self.terminating = true;
        self
    }
}
