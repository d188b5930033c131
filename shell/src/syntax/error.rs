//! Parse errors: what was expected, where (a byte span into the script) and what to do about it.

use super::ast::Span;

/// One syntax error. `span` points at the offending text (for an unclosed bracket: the opening
/// bracket; for an unterminated string: from the opening quote to the end of the input).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
}

impl ParseError {
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        ParseError {
            message: message.into(),
            span,
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
