//! What Enter does and how the line looks: the parser decides whether an entry is complete (an
//! open bracket, quote, trailing pipe or backtick keeps reading lines), and a matching bracket is
//! shown in colour when colour is on.

use std::borrow::Cow;

use rustyline::highlight::{CmdKind, Highlighter, MatchingBracketHighlighter};
use rustyline::validate::ValidationResult;

use crate::syntax::is_incomplete;

/// An entry that is one of the REPL's own commands (`plan`, `apply --auto-approve`, `exit`...).
pub fn is_repl_command(entry: &str) -> bool {
    let first = entry.split_whitespace().next().unwrap_or("");
    super::complete::REPL_COMMANDS
        .iter()
        .any(|c| c.eq_ignore_ascii_case(first))
        && !entry.contains(['(', '|', '$', '\'', '"', '`', '{'])
}

/// Complete entries run; incomplete ones get another line. Syntax errors are complete: they are
/// reported with a caret when the entry runs.
pub fn validate(entry: &str) -> ValidationResult {
    if is_repl_command(entry) || !is_incomplete(entry) {
        ValidationResult::Valid(None)
    } else {
        ValidationResult::Incomplete
    }
}

/// Bracket matching, only when colour is on.
pub struct Painter {
    pub color: bool,
    brackets: MatchingBracketHighlighter,
}

impl Painter {
    pub fn new(color: bool) -> Self {
        Painter {
            color,
            brackets: MatchingBracketHighlighter::new(),
        }
    }

    pub fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        if self.color {
            self.brackets.highlight(line, pos)
        } else {
            Cow::Borrowed(line)
        }
    }

    pub fn highlight_char(&self, line: &str, pos: usize, kind: CmdKind) -> bool {
        self.color && self.brackets.highlight_char(line, pos, kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incomplete(s: &str) -> bool {
        matches!(validate(s), ValidationResult::Incomplete)
    }

    #[test]
    fn the_parser_decides_when_an_entry_is_complete() {
        assert!(incomplete("Get-Mailbox |"));
        assert!(incomplete("Set-Mailbox -Identity ("));
        assert!(incomplete("'open"));
        assert!(!incomplete("Get-Mailbox | select Name"));
        assert!(!incomplete("plan"));
        assert!(!incomplete("apply --auto-approve"));
        assert!(
            !incomplete("Set-Mailbox -Identity )"),
            "syntax errors run and are reported"
        );
    }

    #[test]
    fn repl_commands_are_recognised() {
        assert!(is_repl_command("plan --json"));
        assert!(is_repl_command("EXIT"));
        assert!(!is_repl_command("planner"));
        assert!(!is_repl_command("help (x"));
    }
}
