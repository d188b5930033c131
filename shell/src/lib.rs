//! mailsec shell: the PowerShell-subset parser, evaluator and binder, output formatting, and the `mailsec` command line.

pub mod binder;
pub mod cli;
pub mod commands;
pub mod diagnostics;
pub mod eval;
pub mod format;
pub mod session;
pub mod syntax;
