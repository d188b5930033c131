//! mailsec shell: the PowerShell-subset parser, evaluator and binder, output formatting, the
//! interactive shell, and the `mailsec` command line.

pub mod allocator;
pub mod binder;
pub mod cli;
pub mod commands;
pub mod diagnostics;
pub mod eval;
pub mod format;
pub mod repl;
pub mod session;
pub mod syntax;
pub mod teardown;
