//! The interactive shell (`mailsec` with no arguments on a terminal): rustyline with history,
//! parser-decided multi-line entries, completion, errors with a caret, a prompt that shows pending
//! changes, and `plan`/`apply` in the session. Each entry is one run, as a script run is.

mod complete;
mod helper;
mod highlight;
mod history;
mod identities;
mod prompt;
mod session_loop;
mod vars;

pub use session_loop::run;
