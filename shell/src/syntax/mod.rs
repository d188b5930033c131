//! Lexing and parsing of mailsec's PowerShell subset into a spanned AST.
pub mod ast;
pub mod error;
pub mod parser;

pub use error::ParseError;
pub use parser::{is_incomplete, parse_script};
