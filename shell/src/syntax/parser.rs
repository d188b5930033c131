//! Lexer and recursive-descent parser for mailsec's PowerShell subset.
//!
//! The parser works directly on the `&str` source: the small lexemes (whitespace, comments,
//! identifiers, numbers) are nom parsers, the grammar is hand-written on top of them so that
//! errors can carry PowerShell-like messages and the parser can recover at the next statement
//! boundary (a newline or `;` outside brackets) and keep going.
//!
//! Two modes, as in PowerShell:
//! * argument mode (after a command name): `-Name` parameters, barewords, `a,b` arrays;
//! * expression mode (after `=`, inside `( )`, `$( )`, `@( )`, method arguments, and when a
//!   pipeline element does not start with a command name): operators, literals, member access.
//!
//! Representation choices the evaluator relies on:
//! * `@( ... )` is `Expr::Array(vec![Expr::SubExpression(script, span)], span)`: a one-element
//!   array whose element is the sub-expression; the evaluator flattens the sub-expression's
//!   output into the array.
//! * a cast `[byte[]]$x` is `Expr::Binary { op: "[cast]", left: TypeLiteral, right: $x }`.
//! * unquoted hashtable keys (`@{Add = ...}`) are `Expr::Bareword`.
//! * a hashtable value that is a command or a multi-element pipeline (`@{a = Get-Date}`) is
//!   wrapped in `Expr::Paren(pipeline)`.
//! * an argument-mode word that mixes text and variables (`$dir\file.txt`, `a$(1)b`) is
//!   `Expr::DoubleQuoted(parts)`, like PowerShell's expandable generic tokens; a member/index
//!   chain inside such a word becomes a `StringPart::SubExpression`.
//! * `-5` in expression mode and a whole-number argument like `-5` are `Expr::Number(-5.0)`;
//!   negation of anything else is `Expr::Unary { op: "-" }`.
//! * `$i++` / `$i--` are `Expr::Unary { op: "post++" / "post--" }`, `++$i` / `--$i` are
//!   `Expr::Unary { op: "++" / "--" }`; the operand is always assignable.
//! * an assignment's target is the expression on the left (`$x`, `$h.Key`, `$a[0]`,
//!   `[int]$n`, `$a, $b`), checked here to be assignable; its value is a statement, so
//!   `$x = if (...) { } else { }` and `$a = $b = 1` work.
//! * `& target args` and `. target args` are commands named `&` / `.` whose first argument is
//!   what to run.
//! * `@name` in argument mode is `Expr::Splat`.
//! * statement keywords (`if`, `foreach`, `while`, `do`, `for`, `switch`, `try`, `function`,
//!   `filter`, `break`, `continue`, `return`, `throw`, `exit`) are parsed in `statements.rs`;
//!   `class`, `enum`, `trap`, `using`, `data`, `workflow` ... are rejected with an error.

use nom::{
    branch::alt,
    bytes::complete::{tag, tag_no_case, take_until, take_while, take_while1},
    character::complete::{char as nchar, digit1, hex_digit1, one_of, satisfy},
    combinator::{all_consuming, map, map_opt, opt, recognize, value},
    IResult, Parser as _,
};

use super::ast::{
    Command, CommandArg, Expr, Pipeline, PipelineElement, Script, Span, Statement, StringPart,
    Variable,
};
use super::error::ParseError;

mod statements;

/// Parse a whole script (or one REPL entry). All syntax errors are collected: after an error
/// the parser skips to the next statement boundary and continues.
pub fn parse_script(src: &str) -> Result<Script, Vec<ParseError>> {
    let mut parser = Parser::new(src);
    let (script, errors) = parser.parse_top();
    if errors.is_empty() {
        Ok(script)
    } else {
        Err(errors.into_iter().map(|e| e.error).collect())
    }
}

/// true when `src` is an incomplete construct a REPL should keep reading (unclosed
/// quote/paren/brace/here-string, trailing backtick or pipe, an operator or `=` with its value
/// still to come).
pub fn is_incomplete(src: &str) -> bool {
    let mut parser = Parser::new(src);
    let (_, errors) = parser.parse_top();
    errors.iter().any(|e| e.incomplete)
}

/// How deeply parentheses, sub-expressions and unary operators may nest before we give up
/// (instead of overflowing the stack).
const MAX_DEPTH: usize = 100;

/// Statement keywords: `statements.rs` parses the supported ones and rejects the rest.
const KEYWORDS: &[&str] = &[
    "begin",
    "break",
    "catch",
    "class",
    "clean",
    "continue",
    "data",
    "do",
    "dynamicparam",
    "else",
    "elseif",
    "end",
    "enum",
    "exit",
    "filter",
    "finally",
    "for",
    "foreach",
    "function",
    "if",
    "param",
    "process",
    "return",
    "switch",
    "throw",
    "trap",
    "try",
    "until",
    "using",
    "while",
    "workflow",
];

const COMPARISON_OPS: &[&str] = &[
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "like",
    "notlike",
    "match",
    "notmatch",
    "contains",
    "notcontains",
    "in",
    "notin",
    "replace",
    "split",
];

const UNARY_OPS: &[&str] = &["-not", "-bnot", "-join", "-split"];

// Binary precedence levels, low to high. `,` and unary operators bind tighter than all of these.
const LEVEL_LOGICAL: u8 = 0;
const LEVEL_COMPARISON: u8 = 1;
const LEVEL_BITWISE: u8 = 2;
const LEVEL_ADDITIVE: u8 = 3;
const LEVEL_MULTIPLICATIVE: u8 = 4;
const LEVEL_FORMAT: u8 = 5;
const LEVEL_RANGE: u8 = 6;

const SHELL_LANGUAGE_HELP: &str = "see issue 'Shell language'";

// ---------------------------------------------------------------------------------------------
// Character classes
// ---------------------------------------------------------------------------------------------

/// `-` and the dashes Word and blogs substitute for it (en dash, em dash, horizontal bar).
fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2013}' | '\u{2014}' | '\u{2015}')
}

/// `'` and the typographic single quotes PowerShell accepts: ‘ ’ ‚ ‛
fn is_squote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

/// `"` and the typographic double quotes PowerShell accepts: “ ” „
fn is_dquote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}')
}

fn is_quote(c: char) -> bool {
    is_squote(c) || is_dquote(c)
}

fn is_newline(c: char) -> bool {
    c == '\n' || c == '\r'
}

/// Spaces, tabs, no-break spaces ... and a byte-order mark (scripts saved by Notepad).
fn is_inline_ws(c: char) -> bool {
    (c.is_whitespace() && !is_newline(c)) || c == '\u{FEFF}'
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// Ends a bareword in argument mode.
fn is_arg_terminator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '|' | ';' | '(' | ')' | '}' | ',')
}

/// Ends a command name (also `{`, so that `where{...}` reports the script block).
fn is_name_terminator(c: char) -> bool {
    is_arg_terminator(c) || matches!(c, '{' | '`' | '>')
}

/// Characters after which a `#` starts a comment (used by the recovery scanner).
fn opens_token(c: char) -> bool {
    c.is_whitespace() || matches!(c, ';' | '(' | '{' | '|' | ',')
}

// ---------------------------------------------------------------------------------------------
// nom lexemes
// ---------------------------------------------------------------------------------------------

fn newline(i: &str) -> IResult<&str, &str> {
    alt((tag("\r\n"), tag("\n"), tag("\r"))).parse(i)
}

fn inline_space(i: &str) -> IResult<&str, &str> {
    take_while1(is_inline_ws).parse(i)
}

/// Backtick immediately followed by a newline: a line continuation.
fn line_continuation(i: &str) -> IResult<&str, &str> {
    recognize((nchar('`'), newline)).parse(i)
}

fn line_comment(i: &str) -> IResult<&str, &str> {
    recognize((nchar('#'), take_while(|c| !is_newline(c)))).parse(i)
}

fn block_comment(i: &str) -> IResult<&str, &str> {
    recognize((tag("<#"), take_until("#>"), tag("#>"))).parse(i)
}

fn word(i: &str) -> IResult<&str, &str> {
    take_while1(is_word_char).parse(i)
}

fn ident(i: &str) -> IResult<&str, &str> {
    recognize((satisfy(is_ident_start), take_while(is_word_char))).parse(i)
}

fn hex_number(i: &str) -> IResult<&str, f64> {
    map(preceded_hex, |digits: &str| {
        digits.chars().fold(0.0, |acc, c| {
            acc * 16.0 + f64::from(c.to_digit(16).unwrap_or(0))
        })
    })
    .parse(i)
}

fn preceded_hex(i: &str) -> IResult<&str, &str> {
    let (i, _) = tag_no_case("0x").parse(i)?;
    hex_digit1(i)
}

fn decimal_number(i: &str) -> IResult<&str, f64> {
    map_opt(
        recognize((
            alt((
                recognize((digit1, opt((nchar('.'), digit1)))),
                recognize((nchar('.'), digit1)),
            )),
            opt((one_of("eE"), opt(one_of("+-")), digit1)),
        )),
        |s: &str| s.parse::<f64>().ok(),
    )
    .parse(i)
}

fn multiplier(i: &str) -> IResult<&str, f64> {
    alt((
        value(1024.0, tag_no_case("kb")),
        value(1024.0 * 1024.0, tag_no_case("mb")),
        value(1024.0 * 1024.0 * 1024.0, tag_no_case("gb")),
        value(1024.0 * 1024.0 * 1024.0 * 1024.0, tag_no_case("tb")),
        value(
            1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0,
            tag_no_case("pb"),
        ),
    ))
    .parse(i)
}

/// `42`, `1.5`, `1e3`, `0x1F`, `1KB` (already multiplied).
fn number_lexeme(i: &str) -> IResult<&str, f64> {
    map(
        (alt((hex_number, decimal_number)), opt(multiplier)),
        |(n, m)| n * m.unwrap_or(1.0),
    )
    .parse(i)
}

/// A whole argument-mode token that is a number (`42`, `-5`, `1MB`, `0x1F`), or None.
fn whole_number(text: &str) -> Option<f64> {
    let signed = map((opt(satisfy(is_dash)), number_lexeme), |(sign, n)| {
        if sign.is_some() {
            -n
        } else {
            n
        }
    });
    all_consuming(signed).parse(text).ok().map(|(_, n)| n)
}

/// The binary-operator precedence level of a lower-cased `-name` operator.
fn binary_level(op: &str) -> Option<u8> {
    let base = op.strip_prefix('-')?;
    match base {
        "and" | "or" | "xor" => return Some(LEVEL_LOGICAL),
        "band" | "bor" | "bxor" | "shl" | "shr" => return Some(LEVEL_BITWISE),
        "f" => return Some(LEVEL_FORMAT),
        "join" | "is" | "isnot" | "as" => return Some(LEVEL_COMPARISON),
        _ => {}
    }
    if COMPARISON_OPS.contains(&base) {
        return Some(LEVEL_COMPARISON);
    }
    let unprefixed = base.strip_prefix('c').or_else(|| base.strip_prefix('i'))?;
    COMPARISON_OPS
        .contains(&unprefixed)
        .then_some(LEVEL_COMPARISON)
}

/// The assignment operator at the start of `rest`: `=`, `+=`, `-=`, `*=`, `/=`, `%=` (a dash
/// variant counts as `-`). `==` is not one.
/// Returns the operator and its length in bytes.
fn assignment_operator(rest: &str) -> Option<(&'static str, usize)> {
    let mut chars = rest.chars();
    let first = chars.next()?;
    let second = chars.next();
    if first == '=' {
        return (second != Some('=')).then_some(("=", 1));
    }
    if second != Some('=') {
        return None;
    }
    let op = match first {
        '+' => "+=",
        '*' => "*=",
        '/' => "/=",
        '%' => "%=",
        d if is_dash(d) => "-=",
        _ => return None,
    };
    Some((op, first.len_utf8() + 1))
}

/// Can `e` stand on the left of `=`?
fn is_assignable(e: &Expr) -> bool {
    match e {
        Expr::Variable(_) => true,
        Expr::Member { args: None, .. } | Expr::Index { .. } => true,
        Expr::Binary {
            op, left, right, ..
        } if op == "[cast]" => {
            matches!(left.as_ref(), Expr::TypeLiteral(..)) && is_assignable(right)
        }
        Expr::Array(items, _) => {
            items.len() > 1 && items.iter().all(|i| matches!(i, Expr::Variable(_)))
        }
        _ => false,
    }
}

/// Find the end of a here-string whose body starts at `body_start`: a line beginning with the
/// closing quote kind followed by `@`. Returns (end of content, end of the terminator).
fn find_here_terminator(src: &str, body_start: usize, single: bool) -> Option<(usize, usize)> {
    let mut line_start = body_start;
    loop {
        let line = src.get(line_start..)?;
        let mut chars = line.chars();
        if let (Some(q), Some('@')) = (chars.next(), chars.next()) {
            if (single && is_squote(q)) || (!single && is_dquote(q)) {
                let content_end = if line_start == body_start {
                    body_start
                } else if src.get(..line_start).is_some_and(|s| s.ends_with("\r\n")) {
                    line_start - 2
                } else {
                    line_start - 1
                };
                return Some((content_end, line_start + q.len_utf8() + 1));
            }
        }
        let nl = line.find(is_newline)?;
        let nl_len = if line.get(nl..).is_some_and(|s| s.starts_with("\r\n")) {
            2
        } else {
            1
        };
        line_start += nl + nl_len;
    }
}

/// After `@'` / `@"`: is the rest of the line blank, i.e. is this a here-string header?
fn here_header_len(rest: &str) -> Option<usize> {
    let mut chars = rest.chars();
    let at = chars.next()?;
    let q = chars.next()?;
    if at != '@' || !is_quote(q) {
        return None;
    }
    let after = rest.get(1 + q.len_utf8()..)?;
    let trimmed = after.trim_start_matches(is_inline_ws);
    let (_, nl) = newline(trimmed).ok()?;
    Some(rest.len() - trimmed.len() + nl.len())
}

/// Skip from `start` to the end of the statement: the first newline or `;` outside brackets,
/// strings and comments. Returns that position and whether the input ended inside an unclosed
/// bracket, string, here-string or block comment.
fn scan_to_statement_end(src: &str, start: usize) -> (usize, bool) {
    let Some(text) = src.get(start..) else {
        return (src.len(), false);
    };
    let mut it = text.char_indices().peekable();
    let mut depth = 0usize;
    let mut prev = ' ';
    while let Some((i, c)) = it.next() {
        let at = start + i;
        match c {
            '\n' | '\r' | ';' if depth == 0 => return (at, false),
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' => depth = depth.saturating_sub(1),
            '`' => {
                it.next();
            }
            '#' if opens_token(prev) => {
                while it.peek().is_some_and(|&(_, n)| !is_newline(n)) {
                    it.next();
                }
            }
            '<' if it.peek().is_some_and(|&(_, n)| n == '#') => {
                let Some(end) = text.get(i + 2..).and_then(|s| s.find("#>")) else {
                    return (src.len(), true);
                };
                let target = i + 2 + end + 2;
                while it.peek().is_some_and(|&(j, _)| j < target) {
                    it.next();
                }
            }
            '@' if text.get(i..).and_then(here_header_len).is_some() => {
                let header = text.get(i..).and_then(here_header_len).unwrap_or(0);
                let single = text
                    .get(i + 1..)
                    .and_then(|s| s.chars().next())
                    .is_some_and(is_squote);
                let Some((_, term_end)) = find_here_terminator(src, at + header, single) else {
                    return (src.len(), true);
                };
                while it.peek().is_some_and(|&(j, _)| start + j < term_end) {
                    it.next();
                }
            }
            q if is_squote(q) => loop {
                match it.next() {
                    None => return (src.len(), true),
                    Some((_, n)) if is_squote(n) => {
                        if it.peek().is_some_and(|&(_, m)| is_squote(m)) {
                            it.next();
                        } else {
                            break;
                        }
                    }
                    Some(_) => {}
                }
            },
            q if is_dquote(q) => loop {
                match it.next() {
                    None => return (src.len(), true),
                    Some((_, '`')) => {
                        it.next();
                    }
                    Some((_, n)) if is_dquote(n) => {
                        if it.peek().is_some_and(|&(_, m)| is_dquote(m)) {
                            it.next();
                        } else {
                            break;
                        }
                    }
                    Some(_) => {}
                }
            },
            _ => {}
        }
        prev = c;
    }
    (src.len(), depth > 0)
}

fn element_span(element: &PipelineElement) -> Span {
    match element {
        PipelineElement::Command(c) => c.span,
        PipelineElement::Expression(e) => e.span(),
    }
}

/// A hashtable value is a pipeline; a lone expression stays itself, anything else (a command, a
/// multi-element pipeline) is wrapped in `Expr::Paren` for the evaluator to run.
fn pipeline_to_expr(mut pipeline: Pipeline) -> Expr {
    if pipeline.elements.len() == 1
        && matches!(
            pipeline.elements.first(),
            Some(PipelineElement::Expression(_))
        )
    {
        if let Some(PipelineElement::Expression(e)) = pipeline.elements.pop() {
            return e;
        }
    }
    let span = pipeline.span;
    Expr::Paren(Box::new(pipeline), span)
}

fn wrap_in_script(expr: Expr) -> Box<Script> {
    let span = expr.span();
    Box::new(Script {
        statements: vec![Statement::Pipeline(Pipeline {
            elements: vec![PipelineElement::Expression(expr)],
            span,
        })],
    })
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

/// An error plus what the REPL and the recovery need to know about it.
#[derive(Debug, Clone)]
struct PErr {
    error: ParseError,
    /// the input ended while the construct was still open: a REPL should read more
    incomplete: bool,
    /// set for "keyword not supported" errors so `else`/`catch` continuations are skipped too
    keyword: Option<&'static str>,
}

impl PErr {
    fn incomplete_if(mut self, incomplete: bool) -> Self {
        self.incomplete = incomplete;
        self
    }
}

type PResult<T> = Result<T, PErr>;

struct Parser<'a> {
    /// the text being parsed; a here-string body is parsed with `src` cut at its end
    src: &'a str,
    pos: usize,
    depth: usize,
    /// length of the whole script, to tell a real end of input from the end of a here-string
    full_len: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Parser {
            src,
            pos: 0,
            depth: 0,
            full_len: src.len(),
        }
    }

    // ----- low-level cursor helpers -----

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_nth(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn eof(&self) -> bool {
        self.pos >= self.src.len()
    }

    /// At the real end of the input (not just the end of a here-string body).
    fn at_real_eof(&self) -> bool {
        self.eof() && self.src.len() == self.full_len
    }

    /// Run a nom lexeme at the cursor; on success move past what it consumed.
    fn run<O, P>(&mut self, mut lexeme: P) -> Option<O>
    where
        P: nom::Parser<&'a str, Output = O, Error = nom::error::Error<&'a str>>,
    {
        let rest = self.rest();
        match lexeme.parse(rest) {
            Ok((remaining, out)) => {
                self.pos = self.src.len() - remaining.len();
                Some(out)
            }
            Err(_) => None,
        }
    }

    fn text(&self, span: Span) -> &'a str {
        self.src.get(span.start..span.end).unwrap_or("")
    }

    /// The span of the single character at `at` (empty at the end of input).
    fn char_span(&self, at: usize) -> Span {
        let len = self
            .src
            .get(at..)
            .and_then(|s| s.chars().next())
            .map_or(0, char::len_utf8);
        Span::new(at, at + len)
    }

    /// The span of the "token" at `at`, for "unexpected token" messages: a run of word-ish
    /// characters, or a single punctuation character.
    fn token_span(&self, at: usize) -> Span {
        let rest = self.src.get(at..).unwrap_or("");
        let mut end = at;
        for (count, (i, c)) in rest.char_indices().enumerate() {
            if count == 0 {
                end = at + c.len_utf8();
                if !(is_word_char(c) || is_dash(c) || c == '$' || c == '.') {
                    break;
                }
                continue;
            }
            if count >= 40
                || c.is_whitespace()
                || matches!(c, '|' | ';' | '(' | ')' | '{' | '}' | ',' | '[' | ']' | '=')
                || is_quote(c)
            {
                break;
            }
            end = at + i + c.len_utf8();
        }
        Span::new(at, end)
    }

    fn err(&self, span: Span, message: impl Into<String>, help: impl Into<String>) -> PErr {
        PErr {
            error: ParseError::new(message, span).with_help(help),
            incomplete: false,
            keyword: None,
        }
    }

    fn missing_close(&self, open: usize, opener: &str, close: char, what: &str) -> PErr {
        self.err(
            Span::new(open, open + opener.len()),
            format!("Missing closing '{close}' in {what}."),
            format!("add '{close}' to close the '{opener}' opened here"),
        )
        .incomplete_if(self.at_real_eof())
    }

    fn unexpected_token(&self, at: usize, context: &str, help: &str) -> PErr {
        let span = self.token_span(at);
        self.err(
            span,
            format!("Unexpected token '{}' {context}.", self.text(span)),
            help,
        )
    }

    fn stray_close(&self, at: usize, close: char) -> PErr {
        let open = if close == ')' { '(' } else { '{' };
        self.err(
            self.char_span(at),
            format!("Unexpected token '{close}' in expression or statement."),
            format!("remove this '{close}' or add the matching '{open}' before it"),
        )
    }

    fn missing_operand(&self, op_span: Span, op: &str) -> PErr {
        self.err(
            op_span,
            format!("You must provide a value expression following the '{op}' operator."),
            format!("add a value after '{op}'"),
        )
        .incomplete_if(self.at_real_eof())
    }

    /// Run `f` one nesting level deeper, refusing to go past MAX_DEPTH.
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err(
                self.char_span(self.pos),
                format!("The script is nested too deeply (more than {MAX_DEPTH} levels)."),
                "split it into smaller pieces, keeping intermediate results in variables",
            ));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        result
    }

    // ----- whitespace and comments -----

    /// Skip spaces, comments and backtick line continuations (not newlines).
    fn skip_ws(&mut self) -> PResult<()> {
        loop {
            if self.run(inline_space).is_some() || self.run(line_continuation).is_some() {
                continue;
            }
            let rest = self.rest();
            if rest.starts_with("<#") {
                if self.run(block_comment).is_some() {
                    continue;
                }
                return Err(self
                    .err(
                        Span::new(self.pos, self.pos + 2),
                        "Missing the end of the block comment '#>'.",
                        "add '#>' to close the '<#' comment opened here",
                    )
                    .incomplete_if(self.src.len() == self.full_len));
            }
            if rest.starts_with('#') {
                self.run(line_comment);
                continue;
            }
            if let Some(after) = rest.strip_prefix('`') {
                if after.is_empty() {
                    return Err(self
                        .err(
                            Span::new(self.pos, self.pos + 1),
                            "Missing character after the escape character '`' at the end of the input.",
                            "continue the command on the next line, or remove the '`'",
                        )
                        .incomplete_if(self.src.len() == self.full_len));
                }
                let trimmed = after.trim_start_matches(is_inline_ws);
                if trimmed.len() < after.len()
                    && (trimmed.is_empty() || trimmed.starts_with(is_newline))
                {
                    let end = self.pos + 1 + (after.len() - trimmed.len());
                    return Err(self.err(
                        Span::new(self.pos, end),
                        "The '`' is followed by spaces, so it does not continue the line.",
                        "delete the spaces after '`' so that it is the last character on the line",
                    ));
                }
            }
            return Ok(());
        }
    }

    /// Skip whitespace, comments and newlines.
    fn skip_ws_nl(&mut self) -> PResult<()> {
        loop {
            self.skip_ws()?;
            if self.run(newline).is_none() {
                return Ok(());
            }
        }
    }

    /// Skip whitespace, comments, newlines and `;`.
    fn skip_separators(&mut self) -> PResult<()> {
        loop {
            self.skip_ws()?;
            if self.run(newline).is_none() && !self.eat(';') {
                return Ok(());
            }
        }
    }

    // ----- scripts and statements -----

    fn parse_top(&mut self) -> (Script, Vec<PErr>) {
        let mut statements = Vec::new();
        let mut errors: Vec<PErr> = Vec::new();
        let mut last_keyword: Option<&'static str> = None;
        loop {
            self.depth = 0;
            if let Err(e) = self.skip_separators() {
                errors.push(e);
                break;
            }
            if self.eof() {
                break;
            }
            let start = self.pos;
            if let Some(previous) = last_keyword.take() {
                // `} else {` on its own line, `catch {}` after `try {}`, a function body on the
                // next line: part of the statement already reported.
                let next = self.peek_keyword();
                let continues = self.peek() == Some('{')
                    || next.is_some_and(|k| continues_keyword(previous, k));
                if continues {
                    self.recover(start);
                    last_keyword = Some(next.unwrap_or(previous));
                    continue;
                }
            }
            let started_with = self.peek_keyword();
            let parsed = if statements.is_empty() && errors.is_empty() && self.at_param_block() {
                self.parse_script_param_block()
            } else {
                self.parse_statement()
            }
            .and_then(|s| self.expect_statement_end(None).map(|()| s));
            match parsed {
                Ok(statement) => statements.push(statement),
                Err(e) => {
                    last_keyword = e.keyword.or(started_with);
                    errors.push(e);
                    self.recover(start);
                }
            }
        }
        (Script { statements }, errors)
    }

    /// After an error in the statement that started at `start`: move to its end.
    fn recover(&mut self, start: usize) {
        let (end, _) = scan_to_statement_end(self.src, start);
        // always make progress, by at least one character
        let min = self.char_span(start).end.max(start + 1);
        self.pos = end.max(min).min(self.src.len());
    }

    /// Statements inside `$( )` / `@( )`: up to the closing `)` (not consumed) or the end.
    fn parse_nested_script(&mut self) -> PResult<Script> {
        self.parse_statement_list(')')
    }

    /// Statements up to `close` (not consumed) or the end of the input.
    fn parse_statement_list(&mut self, close: char) -> PResult<Script> {
        let mut statements = Vec::new();
        loop {
            self.skip_separators()?;
            match self.peek() {
                None => break,
                Some(c) if c == close => break,
                _ => {}
            }
            statements.push(self.parse_statement()?);
            self.expect_statement_end(Some(close))?;
        }
        Ok(Script { statements })
    }

    fn expect_statement_end(&mut self, close: Option<char>) -> PResult<()> {
        self.skip_ws()?;
        match self.peek() {
            None | Some('\n' | '\r' | ';') => Ok(()),
            Some(c) if Some(c) == close => Ok(()),
            Some(c @ (')' | '}')) => Err(self.stray_close(self.pos, c)),
            Some(_) => Err(self.unexpected_token(
                self.pos,
                "in expression or statement",
                "separate statements with ';' or a newline, or join values with an operator",
            )),
        }
    }

    fn peek_keyword(&self) -> Option<&'static str> {
        let rest = self.rest();
        let first = rest.chars().next()?;
        if !is_ident_start(first) {
            return None;
        }
        let end = rest.find(is_name_terminator).unwrap_or(rest.len());
        let word = rest.get(..end)?;
        KEYWORDS
            .iter()
            .copied()
            .find(|k| k.eq_ignore_ascii_case(word))
    }

    fn parse_statement(&mut self) -> PResult<Statement> {
        if let Some(keyword) = self.peek_keyword() {
            return self.parse_keyword_statement(keyword);
        }
        let pipeline = self.parse_pipeline()?;
        let save = self.pos;
        self.skip_ws()?;
        if let Some((op, len)) = assignment_operator(self.rest()) {
            return self.finish_assignment(pipeline, op, len);
        }
        self.pos = save;
        Ok(Statement::Pipeline(pipeline))
    }

    /// After `target` at an assignment operator `op`: check the target, parse the value.
    fn finish_assignment(
        &mut self,
        pipeline: Pipeline,
        op: &'static str,
        len: usize,
    ) -> PResult<Statement> {
        let op_at = self.pos;
        let op_span = Span::new(op_at, op_at + len);
        let target = match pipeline.elements.as_slice() {
            [PipelineElement::Expression(e)] if is_assignable(e) => e.clone(),
            _ => {
                let text = self.text(pipeline.span);
                return Err(self.err(
                    pipeline.span,
                    format!("The assignment expression is not valid: '{text}' cannot be assigned to."),
                    "assign to a variable ($x = ...), a property ($x.Name = ...) or an element ($h['key'] = ...)",
                ));
            }
        };
        self.pos = op_span.end;
        self.skip_ws_nl()?;
        if matches!(self.peek(), None | Some(';' | ')' | '}')) {
            return Err(self
                .err(
                    op_span,
                    format!("You must provide a value expression following the '{op}' operator."),
                    format!("put a value or a command after '{op}' (for example: $x {op} Get-Mailbox jo)"),
                )
                .incomplete_if(self.at_real_eof()));
        }
        let value = self.parse_assignment_value()?;
        let span = target.span().to(value.span());
        Ok(Statement::Assignment {
            target,
            op: op.to_string(),
            value: Box::new(value),
            span,
        })
    }

    /// What may follow `=`: a pipeline, another assignment, or a statement with a value
    /// (`if`, `switch`, `foreach`, `for`, `while`, `do`, `try`).
    fn parse_assignment_value(&mut self) -> PResult<Statement> {
        self.nested(|p| match p.peek_keyword() {
            Some(k @ ("if" | "switch" | "foreach" | "for" | "while" | "do" | "try")) => {
                p.parse_keyword_statement(k)
            }
            _ => p.parse_statement(),
        })
    }

    // ----- pipelines and commands -----

    fn parse_pipeline(&mut self) -> PResult<Pipeline> {
        self.nested(|p| p.parse_pipeline_inner())
    }

    fn parse_pipeline_inner(&mut self) -> PResult<Pipeline> {
        let start = self.pos;
        if self.peek() == Some('|') {
            return Err(self.err(
                self.char_span(start),
                "An empty pipe element is not allowed.",
                "put a command before the '|'",
            ));
        }
        let first = self.parse_element(true)?;
        let mut end = element_span(&first).end;
        let mut elements = vec![first];
        loop {
            let save = self.pos;
            self.skip_ws()?;
            if self.peek() != Some('|') {
                self.pos = save;
                break;
            }
            let bar = self.pos;
            self.bump();
            self.skip_ws_nl()?;
            match self.peek() {
                Some('|') => {
                    return Err(self.err(
                        Span::new(bar, self.pos + 1),
                        "An empty pipe element is not allowed.",
                        "put a command between the two '|', or remove one of them",
                    ))
                }
                None | Some(';' | ')' | '}') => return Err(self
                    .err(
                        Span::new(bar, bar + 1),
                        "Missing command after the pipe operator '|'.",
                        "add a command after '|' (for example: | select Name), or remove the '|'",
                    )
                    .incomplete_if(self.at_real_eof())),
                _ => {}
            }
            let element = self.parse_element(false)?;
            end = element_span(&element).end;
            elements.push(element);
        }
        Ok(Pipeline {
            elements,
            span: Span::new(start, end),
        })
    }

    fn parse_element(&mut self, first: bool) -> PResult<PipelineElement> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(self
                .err(
                    Span::new(start, start),
                    "Missing command or expression.",
                    "write a command or a value",
                )
                .incomplete_if(self.at_real_eof()));
        };
        let c1 = self.peek_nth(1);
        if first {
            // keywords are only keywords at the start of a pipeline (`| foreach` is an alias);
            // statements reach here only where a value is expected: `( if ... )`
            if let Some(keyword) = self.peek_keyword() {
                return Err(self.keyword_in_value_error(start, keyword));
            }
        }
        let alias = (c == '%' || c == '?')
            && c1.is_none_or(|n| n.is_whitespace() || n == '{' || n == '|' || n == ';');
        if is_ident_start(c) || alias {
            return Ok(PipelineElement::Command(self.parse_command()?));
        }
        if (c == '&' || c == '.')
            && c1
                .is_some_and(|n| is_inline_ws(n) || n == '{' || n == '$' || n == '(' || is_quote(n))
            && !(c == '.' && c1.is_some_and(|n| n == '('))
        {
            return Ok(PipelineElement::Command(self.parse_call_operator()?));
        }
        if c == '&' || (c == '.' && matches!(c1, None | Some('\\' | '/'))) {
            let span = self.token_span(start);
            return Err(self.err(
                self.char_span(start),
                format!(
                    "Running scripts with '{}' is not supported in mailsec.",
                    self.text(span)
                ),
                "put the script's commands in this script, or define them as a function and call it by name",
            ));
        }
        if c == ')' || c == '}' {
            return Err(self.stray_close(start, c));
        }
        if is_dash(c) && c1.is_some_and(is_ident_start) {
            let name_start = start + c.len_utf8();
            let name_len = self
                .src
                .get(name_start..)
                .map_or(0, |s| s.find(|ch| !is_word_char(ch)).unwrap_or(s.len()));
            let name = self
                .src
                .get(name_start..name_start + name_len)
                .unwrap_or("")
                .to_lowercase();
            let op = format!("-{name}");
            if !UNARY_OPS.contains(&op.as_str()) && binary_level(&op).is_none() {
                let span = Span::new(start, name_start + name_len);
                return Err(self.err(
                    span,
                    format!(
                        "The parameter '{}' has no command: a parameter must follow a command name.",
                        self.text(span)
                    ),
                    "write the command name first (for example: Set-Mailbox jo -Identity ...); if this line continues the command above, end that line with a backtick '`'",
                ));
            }
        }
        let expr = self.parse_expr(true)?;
        if !first {
            return Err(self.err(
                expr.span(),
                "Expressions are only allowed as the first element of a pipeline.",
                "pipe into a command instead (for example: | select Name)",
            ));
        }
        Ok(PipelineElement::Expression(expr))
    }

    fn keyword_error(&self, start: usize, keyword: &'static str) -> PErr {
        let (_, unclosed) = scan_to_statement_end(self.src, start);
        let mut e = self
            .err(
                Span::new(start, start + keyword.len()),
                format!("'{keyword}' statements are not supported in mailsec"),
                SHELL_LANGUAGE_HELP,
            )
            .incomplete_if(unclosed && self.src.len() == self.full_len);
        e.keyword = Some(keyword);
        e
    }

    /// A statement keyword where a value is expected (inside `( )`, after `|`).
    fn keyword_in_value_error(&self, start: usize, keyword: &'static str) -> PErr {
        let (_, unclosed) = scan_to_statement_end(self.src, start);
        let mut e = self
            .err(
                Span::new(start, start + keyword.len()),
                format!("'{keyword}' is a statement: it cannot be used as a value here."),
                format!("wrap it in $( ... ) to use its output as a value (for example: $({keyword} ...)), or put it on its own line"),
            )
            .incomplete_if(unclosed && self.src.len() == self.full_len);
        e.keyword = Some(keyword);
        e
    }

    /// `& target args...` / `. target args...`: a command whose name is `&` or `.` and whose
    /// first argument is what to run (a script block, a command name, a variable).
    fn parse_call_operator(&mut self) -> PResult<Command> {
        let start = self.pos;
        let op = self.bump().unwrap_or('&');
        let name_span = Span::new(start, self.pos);
        self.skip_ws()?;
        if self.at_arg_list_end() {
            return Err(self.err(
                name_span,
                format!("Missing what to run after the '{op}' operator."),
                format!("write a script block, a command name or a variable after '{op}' (for example: {op} {{ Get-Mailbox }})"),
            ).incomplete_if(self.at_real_eof()));
        }
        let target = self.parse_arg_value()?;
        let mut args = vec![CommandArg::Value(target)];
        let mut end = self.pos;
        self.parse_command_args(&mut args, &mut end)?;
        Ok(Command {
            name: op.to_string(),
            name_span,
            args,
            span: Span::new(start, end),
        })
    }

    fn parse_command(&mut self) -> PResult<Command> {
        let start = self.pos;
        let rest = self.rest();
        let mut len = rest.find(is_name_terminator).unwrap_or(rest.len());
        if len == 0 {
            // `%` / `?` followed by something odd: take the one character
            len = self.char_span(start).end - start;
        }
        let name_span = Span::new(start, start + len);
        let name = self.text(name_span).to_string();
        self.pos = name_span.end;
        let mut args = Vec::new();
        let mut end = name_span.end;
        self.parse_command_args(&mut args, &mut end)?;
        Ok(Command {
            name,
            name_span,
            args,
            span: Span::new(start, end),
        })
    }

    /// Arguments up to the end of the command; `end` follows the last one.
    fn parse_command_args(&mut self, args: &mut Vec<CommandArg>, end: &mut usize) -> PResult<()> {
        loop {
            self.skip_ws()?;
            if matches!(
                self.peek(),
                None | Some('\n' | '\r' | ';' | '|' | ')' | '}')
            ) {
                return Ok(());
            }
            let before = self.pos;
            let arg = self.parse_command_arg()?;
            if self.pos == before {
                return Err(self.unexpected_token(before, "in the command arguments", "remove it"));
            }
            *end = self.pos;
            args.push(arg);
        }
    }

    /// At a position where the current argument list (or argument) ends.
    fn at_arg_list_end(&self) -> bool {
        matches!(
            self.peek(),
            None | Some('\n' | '\r' | ';' | '|' | ')' | '}' | ',')
        )
    }

    /// At the end of one argument-mode value (the token does not go on).
    fn at_value_end(&self) -> bool {
        match self.peek() {
            None => true,
            Some('`') => self.peek_nth(1).is_some_and(is_newline),
            Some(c) => is_arg_terminator(c) || c == '>',
        }
    }

    fn parse_command_arg(&mut self) -> PResult<CommandArg> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(self.err(
                Span::new(start, start),
                "Missing argument.",
                "write a value",
            ));
        };
        if is_dash(c) {
            let name_start = start + c.len_utf8();
            match self.peek_nth(1) {
                None => return Err(self.missing_parameter_name(start, name_start)),
                Some(n) if is_arg_terminator(n) || n == ':' || n == '`' => {
                    return Err(self.missing_parameter_name(start, name_start))
                }
                Some(n) if is_ident_start(n) => {
                    let name_len = self
                        .src
                        .get(name_start..)
                        .map_or(0, |s| s.find(|ch| !is_word_char(ch)).unwrap_or(s.len()));
                    let name_end = name_start + name_len;
                    let after = self.src.get(name_end..).and_then(|s| s.chars().next());
                    let is_parameter = match after {
                        None => true,
                        Some(':') => true,
                        Some('`') => self
                            .src
                            .get(name_end + 1..)
                            .and_then(|s| s.chars().next())
                            .is_some_and(is_newline),
                        Some(a) => is_arg_terminator(a),
                    };
                    if is_parameter {
                        let span = Span::new(start, name_end);
                        let name = self.text(Span::new(name_start, name_end)).to_string();
                        self.pos = name_end;
                        let mut colon_value = None;
                        if self.eat(':') {
                            let colon = self.pos - 1;
                            self.skip_ws()?;
                            if self.at_arg_list_end() {
                                return Err(self
                                    .err(
                                        Span::new(start, colon + 1),
                                        format!("Missing value after ':' for parameter '{}'.", self.text(span)),
                                        format!(
                                            "write the value right after the colon (for example: {}:$false)",
                                            self.text(span)
                                        ),
                                    )
                                    .incomplete_if(self.at_real_eof()));
                            }
                            colon_value = Some(self.parse_arg_array()?);
                        }
                        return Ok(CommandArg::Parameter {
                            name,
                            span,
                            colon_value,
                        });
                    }
                }
                Some(_) => {}
            }
        }
        if c == ',' {
            // unary comma: a one-element array
            self.bump();
            self.skip_ws_nl()?;
            if self.at_arg_list_end() {
                return Err(self.missing_after_comma(start));
            }
            let item = self.parse_arg_value()?;
            let span = Span::new(start, item.span().end);
            return Ok(CommandArg::Value(Expr::Array(vec![item], span)));
        }
        Ok(CommandArg::Value(self.parse_arg_array()?))
    }

    fn missing_parameter_name(&self, dash: usize, name_start: usize) -> PErr {
        self.err(
            Span::new(dash, name_start),
            "Missing parameter name after '-'.",
            "write the parameter name right after the '-', without a space (for example: -Identity)",
        )
    }

    fn missing_after_comma(&self, comma: usize) -> PErr {
        self.err(
            Span::new(comma, comma + 1),
            "Missing argument after ','.",
            "add a value after the ',' or remove the ','",
        )
        .incomplete_if(self.at_real_eof())
    }

    /// An argument value, or several separated by `,` (an array).
    fn parse_arg_array(&mut self) -> PResult<Expr> {
        let first = self.parse_arg_value()?;
        let mut items = vec![first];
        loop {
            let save = self.pos;
            self.skip_ws()?;
            if self.peek() != Some(',') {
                self.pos = save;
                break;
            }
            let comma = self.pos;
            self.bump();
            self.skip_ws_nl()?;
            if self.at_arg_list_end() {
                return Err(self.missing_after_comma(comma));
            }
            items.push(self.parse_arg_value()?);
        }
        if items.len() == 1 {
            if let Some(only) = items.pop() {
                return Ok(only);
            }
        }
        let span = match (items.first(), items.last()) {
            (Some(a), Some(b)) => a.span().to(b.span()),
            _ => Span::new(self.pos, self.pos),
        };
        Ok(Expr::Array(items, span))
    }

    /// One argument-mode value.
    fn parse_arg_value(&mut self) -> PResult<Expr> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(self.err(
                Span::new(start, start),
                "Missing argument.",
                "write a value",
            ));
        };
        let c1 = self.peek_nth(1);
        match c {
            '$' if c1 == Some('(') => {
                let e = self.parse_subexpression()?;
                let e = self.parse_postfix(e, true)?;
                self.finish_arg(start, e)
            }
            '$' if self.variable_follows() => match self.parse_variable()? {
                Some(v) => {
                    let e = self.parse_postfix(Expr::Variable(v), true)?;
                    self.finish_arg(start, e)
                }
                None => self.scan_word(),
            },
            q if is_squote(q) => {
                let e = self.parse_single_quoted()?;
                self.finish_arg(start, e)
            }
            q if is_dquote(q) => {
                let e = self.parse_double_quoted()?;
                self.finish_arg(start, e)
            }
            '@' => match c1 {
                Some('(') => {
                    let e = self.parse_array_subexpression()?;
                    self.parse_postfix(e, true)
                }
                Some('{') => {
                    let e = self.parse_hashtable()?;
                    self.parse_postfix(e, true)
                }
                Some(q) if is_quote(q) => self.parse_here_string(),
                Some(n) if is_word_char(n) => {
                    self.bump();
                    let name = self.run(word).unwrap_or("").to_string();
                    let span = Span::new(start, self.pos);
                    if !self.at_value_end() {
                        return Err(self.err(
                            self.token_span(start),
                            "A splatted variable ('@name') must stand alone as an argument.",
                            "separate it from what follows with a space (for example: Set-Mailbox @params -WhatIf)",
                        ));
                    }
                    Ok(Expr::Splat(Variable { name, span }))
                }
                _ => self.scan_word(),
            },
            '(' => {
                let e = self.parse_paren()?;
                self.parse_postfix(e, true)
            }
            '[' => {
                if let Ok((type_name, _)) = self.scan_type_name() {
                    if self.rest().starts_with("::") {
                        self.pos += 2;
                        let e = self.parse_static_member(start, type_name)?;
                        return self.parse_postfix(e, true);
                    }
                }
                self.pos = start;
                self.scan_word()
            }
            '{' => {
                let e = self.parse_script_block()?;
                self.parse_postfix(e, true)
            }
            '>' | '<' => Err(self.redirection_error(start)),
            d if (d.is_ascii_digit() || d == '*') && c1 == Some('>') => {
                Err(self.redirection_error(start))
            }
            _ => self.scan_word(),
        }
    }

    fn redirection_error(&self, at: usize) -> PErr {
        let span = self.token_span(at);
        self.err(
            span,
            format!(
                "Redirection ('{}') is not supported yet in mailsec.",
                self.text(span)
            ),
            "remove the redirection; to compare values use -gt / -lt inside ( )",
        )
    }

    /// After a `$var`, `$(...)` or quoted string in argument mode: if the token goes on
    /// (`$dir\file`, `'a'b`), PowerShell reads the whole token as one expandable word.
    fn finish_arg(&mut self, start: usize, e: Expr) -> PResult<Expr> {
        if self.at_value_end() {
            return Ok(e);
        }
        let (parts, expandable) = match e {
            Expr::SingleQuoted(s, _) => (vec![StringPart::Literal(s)], false),
            Expr::DoubleQuoted(parts, _) => {
                let expandable = parts.iter().any(|p| !matches!(p, StringPart::Literal(_)));
                (parts, expandable)
            }
            Expr::Variable(v) => (vec![StringPart::Variable(v)], true),
            Expr::SubExpression(script, span) => {
                (vec![StringPart::SubExpression(script, span)], true)
            }
            other => {
                let span = other.span();
                (
                    vec![StringPart::SubExpression(wrap_in_script(other), span)],
                    true,
                )
            }
        };
        self.scan_word_from(start, parts, expandable, false)
    }

    fn scan_word(&mut self) -> PResult<Expr> {
        let start = self.pos;
        self.scan_word_from(start, Vec::new(), false, true)
    }

    /// A bareword: everything up to whitespace or `| ; ( ) } ,`, with backtick escapes,
    /// embedded quoted pieces and `$var` / `$(...)` expansions. `plain` is true while the token
    /// is verbatim text (then a whole-number token becomes an `Expr::Number`).
    fn scan_word_from(
        &mut self,
        start: usize,
        mut parts: Vec<StringPart>,
        mut expandable: bool,
        mut plain: bool,
    ) -> PResult<Expr> {
        let mut lit = String::new();
        fn flush(lit: &mut String, parts: &mut Vec<StringPart>) {
            if !lit.is_empty() {
                parts.push(StringPart::Literal(std::mem::take(lit)));
            }
        }
        while let Some(c) = self.peek() {
            if is_arg_terminator(c) || c == '>' {
                break;
            }
            match c {
                '`' => match self.peek_nth(1) {
                    None => {
                        return Err(self
                            .err(
                                self.char_span(self.pos),
                                "Missing character after the escape character '`' at the end of the input.",
                                "continue the command on the next line, or remove the '`'",
                            )
                            .incomplete_if(self.src.len() == self.full_len))
                    }
                    Some(n) if is_newline(n) => break,
                    Some(_) => {
                        self.bump();
                        self.take_escape(&mut lit);
                        plain = false;
                    }
                },
                '$' => match self.parse_dollar_part()? {
                    Some(part) => {
                        flush(&mut lit, &mut parts);
                        parts.push(part);
                        expandable = true;
                        plain = false;
                    }
                    None => {
                        self.bump();
                        lit.push('$');
                    }
                },
                q if is_squote(q) => {
                    let s = self.single_quoted_body()?;
                    lit.push_str(&s);
                    plain = false;
                }
                q if is_dquote(q) => {
                    let open = self.pos;
                    self.bump();
                    for part in self.double_quoted_body(open, false)? {
                        match part {
                            StringPart::Literal(s) => lit.push_str(&s),
                            other => {
                                flush(&mut lit, &mut parts);
                                parts.push(other);
                                expandable = true;
                            }
                        }
                    }
                    plain = false;
                }
                _ => {
                    self.bump();
                    lit.push(c);
                }
            }
        }
        if self.pos == start {
            return Err(self.unexpected_token(
                start,
                "in the command arguments",
                "quote the value if it is text (for example: 'a|b')",
            ));
        }
        flush(&mut lit, &mut parts);
        let span = Span::new(start, self.pos);
        if expandable {
            return Ok(Expr::DoubleQuoted(parts, span));
        }
        let text: String = parts
            .into_iter()
            .map(|p| match p {
                StringPart::Literal(s) => s,
                _ => String::new(),
            })
            .collect();
        if plain {
            if let Some(n) = whole_number(&text) {
                return Ok(Expr::Number(n, span));
            }
        }
        Ok(Expr::Bareword(text, span))
    }

    // ----- expressions -----

    fn parse_expr(&mut self, allow_comma: bool) -> PResult<Expr> {
        self.parse_binary(LEVEL_LOGICAL, allow_comma)
    }

    /// Precedence climbing over the binary operators (all left-associative).
    fn parse_binary(&mut self, min_level: u8, allow_comma: bool) -> PResult<Expr> {
        let mut left = self.parse_comma(allow_comma)?;
        loop {
            let save = self.pos;
            self.skip_ws()?;
            let Some((op, len, level)) = self.peek_binary_op()? else {
                self.pos = save;
                break;
            };
            if level < min_level {
                self.pos = save;
                break;
            }
            let op_span = Span::new(self.pos, self.pos + len);
            self.pos += len;
            self.skip_ws_nl()?;
            if self.at_expr_end() {
                return Err(self.missing_operand(op_span, &op));
            }
            let right = self.nested(|p| p.parse_binary(level + 1, allow_comma))?;
            let span = left.span().to(right.span());
            left = Expr::Binary {
                op,
                left: Box::new(left),
                right: Box::new(right),
                span,
            };
        }
        Ok(left)
    }

    /// Where an operand would be missing: end of input, statement or bracket.
    fn at_expr_end(&self) -> bool {
        matches!(
            self.peek(),
            None | Some('\n' | '\r' | ';' | ')' | '}' | ']' | '|' | ',')
        )
    }

    /// The binary operator at the cursor: (lower-cased text, byte length, level).
    fn peek_binary_op(&self) -> PResult<Option<(String, usize, u8)>> {
        let rest = self.rest();
        let mut chars = rest.chars();
        let Some(c) = chars.next() else {
            return Ok(None);
        };
        let c1 = chars.next();
        let at = self.pos;
        if assignment_operator(rest).is_some_and(|(op, _)| op != "=") {
            return Ok(None);
        }
        let wrong = |text: &str, instead: &str| -> PErr {
            self.err(
                Span::new(at, at + text.len()),
                format!("'{text}' is not an operator in PowerShell."),
                format!("use {instead} instead"),
            )
        };
        Ok(match (c, c1) {
            ('.', Some('.')) => Some(("..".to_string(), 2, LEVEL_RANGE)),
            ('+', _) => Some(("+".to_string(), 1, LEVEL_ADDITIVE)),
            ('*' | '/' | '%', _) => Some((c.to_string(), 1, LEVEL_MULTIPLICATIVE)),
            ('=', Some('=')) => return Err(wrong("==", "-eq")),
            ('!', Some('=')) => return Err(wrong("!=", "-ne")),
            ('>', Some('=')) => return Err(wrong(">=", "-ge")),
            ('<', Some('=')) => return Err(wrong("<=", "-le")),
            ('>', _) => return Err(wrong(">", "-gt (or remove the redirection)")),
            ('<', _) => return Err(wrong("<", "-lt")),
            ('&', Some('&')) => return Err(wrong("&&", "-and")),
            ('|', Some('|')) => return Err(wrong("||", "-or")),
            (d, Some(n)) if is_dash(d) && n.is_alphabetic() => {
                let name_start = at + d.len_utf8();
                let name = self.src.get(name_start..).map_or("", |s| {
                    s.get(..s.find(|ch: char| !ch.is_alphabetic()).unwrap_or(s.len()))
                        .unwrap_or("")
                });
                let op = format!("-{}", name.to_lowercase());
                let len = d.len_utf8() + name.len();
                match binary_level(&op) {
                    Some(level) => Some((op, len, level)),
                    None => {
                        let span = Span::new(at, at + len);
                        let text = self.text(span);
                        let message = if UNARY_OPS.contains(&op.as_str()) {
                            format!("Unexpected operator '{text}' after a value: '{op}' only goes before a value.")
                        } else {
                            format!("Unexpected token '{text}': '{text}' is not an operator.")
                        };
                        return Err(self.err(
                            span,
                            message,
                            "use an operator such as -eq, -ne, -like, -match, -contains, -and, -or; parameters like this only go after a command name",
                        ));
                    }
                }
            }
            (d, _) if is_dash(d) => Some(("-".to_string(), d.len_utf8(), LEVEL_ADDITIVE)),
            _ => None,
        })
    }

    /// `a, b, c` (binds tighter than the binary operators).
    fn parse_comma(&mut self, allow_comma: bool) -> PResult<Expr> {
        let first = self.parse_unary()?;
        if !allow_comma {
            return Ok(first);
        }
        let mut items = vec![first];
        loop {
            let save = self.pos;
            self.skip_ws()?;
            if self.peek() != Some(',') {
                self.pos = save;
                break;
            }
            let comma = self.pos;
            self.bump();
            self.skip_ws_nl()?;
            if self.at_expr_end() {
                return Err(self.missing_operand(Span::new(comma, comma + 1), ","));
            }
            items.push(self.parse_unary()?);
        }
        if items.len() == 1 {
            if let Some(only) = items.pop() {
                return Ok(only);
            }
        }
        let span = match (items.first(), items.last()) {
            (Some(a), Some(b)) => a.span().to(b.span()),
            _ => Span::new(self.pos, self.pos),
        };
        Ok(Expr::Array(items, span))
    }

    fn parse_unary(&mut self) -> PResult<Expr> {
        self.nested(|p| p.parse_unary_inner())
    }

    fn parse_unary_inner(&mut self) -> PResult<Expr> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(self
                .err(
                    Span::new(start, start),
                    "Missing value: the input ended where a value was expected.",
                    "add a value",
                )
                .incomplete_if(self.at_real_eof()));
        };
        let c1 = self.peek_nth(1);
        match c {
            '+' | '-' if c1 == Some(c) && self.peek_nth(2) == Some('$') => {
                let op = if c == '+' { "++" } else { "--" };
                let e = self.unary_op(start, op, 2)?;
                if let Expr::Unary { operand, .. } = &e {
                    if !is_assignable(operand) || matches!(operand.as_ref(), Expr::Array(..)) {
                        return Err(self.err(
                            e.span(),
                            format!("The '{op}' operator works only on variables, properties and elements."),
                            format!("write it before a variable (for example: {op}$count)"),
                        ));
                    }
                }
                return Ok(e);
            }
            '!' => return self.unary_op(start, "!", 1),
            '+' => return self.unary_op(start, "+", 1),
            ',' => {
                self.bump();
                self.skip_ws_nl()?;
                if self.at_expr_end() {
                    return Err(self.missing_operand(Span::new(start, start + 1), ","));
                }
                let item = self.parse_unary()?;
                let span = Span::new(start, item.span().end);
                return Ok(Expr::Array(vec![item], span));
            }
            d if is_dash(d) => {
                let dash_len = d.len_utf8();
                match c1 {
                    Some(n)
                        if n.is_ascii_digit()
                            || (n == '.'
                                && self.peek_nth(2).is_some_and(|x| x.is_ascii_digit())) =>
                    {
                        self.pos += dash_len;
                        if let Some(n) = self.run(number_lexeme) {
                            let e = Expr::Number(-n, Span::new(start, self.pos));
                            return self.parse_postfix(e, false);
                        }
                        self.pos = start;
                        return self.unary_op(start, "-", dash_len);
                    }
                    Some(n) if n.is_alphabetic() => {
                        let name_start = start + dash_len;
                        let name = self.src.get(name_start..).map_or("", |s| {
                            s.get(..s.find(|ch: char| !ch.is_alphabetic()).unwrap_or(s.len()))
                                .unwrap_or("")
                        });
                        let op = format!("-{}", name.to_lowercase());
                        let span = Span::new(start, name_start + name.len());
                        if UNARY_OPS.contains(&op.as_str()) {
                            return self.unary_op(start, &op, span.end - start);
                        }
                        let text = self.text(span);
                        if binary_level(&op).is_some() {
                            return Err(self.err(
                                span,
                                format!("You must provide a value expression before the '{text}' operator."),
                                format!("put a value on the left of '{text}' (for example: $a {op} 1)"),
                            ));
                        }
                        return Err(self.err(
                            span,
                            format!("Unexpected token '{text}': '{text}' is not an operator."),
                            "use an operator such as -not, -eq, -like, -match; parameters like this only go after a command name",
                        ));
                    }
                    _ => return self.unary_op(start, "-", dash_len),
                }
            }
            _ => {}
        }
        let primary = self.parse_primary()?;
        let e = self.parse_postfix(primary, false)?;
        if matches!(e, Expr::TypeLiteral(..)) {
            // `[byte[]]$x`: a cast
            let save = self.pos;
            self.skip_ws()?;
            if self.at_cast_operand() {
                let right = self.parse_unary()?;
                let span = e.span().to(right.span());
                return Ok(Expr::Binary {
                    op: "[cast]".to_string(),
                    left: Box::new(e),
                    right: Box::new(right),
                    span,
                });
            }
            self.pos = save;
        }
        Ok(e)
    }

    fn at_cast_operand(&self) -> bool {
        let Some(c) = self.peek() else {
            return false;
        };
        let c1 = self.peek_nth(1);
        matches!(c, '$' | '(' | '@' | '[' | '!')
            || is_quote(c)
            || c.is_ascii_digit()
            || (is_dash(c)
                && c1.is_some_and(|n| n.is_ascii_digit() || matches!(n, '.' | '$' | '(')))
    }

    fn unary_op(&mut self, start: usize, op: &str, len: usize) -> PResult<Expr> {
        let op_span = Span::new(start, start + len);
        self.pos = start + len;
        self.skip_ws()?;
        if self.at_expr_end() {
            return Err(self.missing_operand(op_span, op));
        }
        let operand = self.parse_unary()?;
        let span = Span::new(start, operand.span().end);
        Ok(Expr::Unary {
            op: op.to_string(),
            operand: Box::new(operand),
            span,
        })
    }

    fn parse_primary(&mut self) -> PResult<Expr> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(self
                .err(
                    Span::new(start, start),
                    "Missing value: the input ended where a value was expected.",
                    "add a value",
                )
                .incomplete_if(self.at_real_eof()));
        };
        let c1 = self.peek_nth(1);
        match c {
            '$' if c1 == Some('(') => self.parse_subexpression(),
            '$' => match self.parse_variable()? {
                Some(v) => Ok(Expr::Variable(v)),
                None => Err(self.err(
                    self.char_span(start),
                    "Missing variable name after '$'.",
                    "write the name right after '$' (for example: $cert), or quote the text",
                )),
            },
            q if is_squote(q) => self.parse_single_quoted(),
            q if is_dquote(q) => self.parse_double_quoted(),
            '@' => match c1 {
                Some('(') => self.parse_array_subexpression(),
                Some('{') => self.parse_hashtable(),
                Some(q) if is_quote(q) => self.parse_here_string(),
                Some(n) if is_ident_start(n) => Err(self.err(
                    self.token_span(start),
                    "Splatting ('@name') can only pass arguments to a command.",
                    "use it as a command argument (for example: Set-Mailbox @params), or write $name for the value",
                )),
                _ => Err(self.unexpected_token(
                    start,
                    "where a value was expected",
                    "use @( ... ) for an array or @{ ... } for a hashtable",
                )),
            },
            '(' => self.parse_paren(),
            '[' => {
                let (type_name, span) = self.scan_type_name()?;
                if self.rest().starts_with("::") {
                    self.pos += 2;
                    self.parse_static_member(start, type_name)
                } else {
                    Ok(Expr::TypeLiteral(type_name, span))
                }
            }
            d if d.is_ascii_digit() || (d == '.' && c1.is_some_and(|n| n.is_ascii_digit())) => {
                match self.run(number_lexeme) {
                    Some(n) => Ok(Expr::Number(n, Span::new(start, self.pos))),
                    None => Err(self.unexpected_token(
                        start,
                        "where a value was expected",
                        "write a number such as 42, 1.5, 0x1F or 10MB",
                    )),
                }
            }
            '{' => self.parse_script_block(),
            ')' | '}' => Err(self.stray_close(start, c)),
            w if is_ident_start(w) => {
                let span = self.token_span(start);
                let text = self.text(span);
                Err(self.err(
                    span,
                    format!("Unexpected token '{text}' in expression."),
                    format!("quote it if it is text ('{text}'), or put a command in parentheses: ({text} ...)"),
                ))
            }
            _ => Err(self.unexpected_token(
                start,
                "where a value was expected",
                "start the value with a number, a 'string', a $variable or '('",
            )),
        }
    }

    /// Member access, method calls and indexing directly after a value (no whitespace).
    fn parse_postfix(&mut self, mut e: Expr, arg_mode: bool) -> PResult<Expr> {
        loop {
            let c = self.peek();
            let c1 = self.peek_nth(1);
            match c {
                Some('.') if c1.is_some_and(is_ident_start) => {
                    self.bump();
                    let member = self.run(word).unwrap_or("").to_string();
                    let args = if self.peek() == Some('(') {
                        Some(self.parse_call_args()?)
                    } else {
                        None
                    };
                    let span = Span::new(e.span().start, self.pos);
                    e = Expr::Member {
                        target: Box::new(e),
                        member,
                        args,
                        span,
                    };
                }
                Some('.')
                    if !arg_mode
                        && c1.is_none_or(|n| n.is_whitespace() || matches!(n, ';' | ')' | '|')) =>
                {
                    return Err(self.err(
                        self.char_span(self.pos),
                        "Missing property name after '.'.",
                        "write the property or method name right after the '.' (for example: $cert.RawData)",
                    ));
                }
                Some('[') => {
                    let open = self.pos;
                    self.bump();
                    let index = self.nested(|p| {
                        p.skip_ws_nl()?;
                        if p.peek() == Some(']') {
                            return Err(p.err(
                                Span::new(open, p.pos + 1),
                                "Missing array index expression inside '[ ]'.",
                                "write an index inside the brackets (for example: $a[0])",
                            ));
                        }
                        if p.eof() {
                            return Err(p.missing_close(open, "[", ']', "array index expression"));
                        }
                        let index = p.parse_expr(true)?;
                        p.skip_ws_nl()?;
                        if !p.eat(']') {
                            return Err(p.missing_close(open, "[", ']', "array index expression"));
                        }
                        Ok(index)
                    })?;
                    let span = Span::new(e.span().start, self.pos);
                    e = Expr::Index {
                        target: Box::new(e),
                        index: Box::new(index),
                        span,
                    };
                }
                Some(c @ ('+' | '-'))
                    if !arg_mode
                        && c1 == Some(c)
                        && is_assignable(&e)
                        && !matches!(e, Expr::Array(..))
                        && self
                            .peek_nth(2)
                            .is_none_or(|n| !n.is_ascii_digit() && n != '$') =>
                {
                    self.pos += 2;
                    let span = Span::new(e.span().start, self.pos);
                    e = Expr::Unary {
                        op: format!("post{c}{c}"),
                        operand: Box::new(e),
                        span,
                    };
                    break;
                }
                Some(':') if c1 == Some(':') && !arg_mode => {
                    return Err(self.err(
                        Span::new(self.pos, self.pos + 2),
                        "Static member access with '::' is only supported on a type literal.",
                        "write the type in brackets (for example: [System.IO.File]::ReadAllBytes('C:\\x.sst'))",
                    ));
                }
                _ => break,
            }
        }
        Ok(e)
    }

    /// `( a, b )` after a method name: expressions separated by `,`.
    fn parse_call_args(&mut self) -> PResult<Vec<Expr>> {
        let open = self.pos;
        self.bump();
        self.nested(|p| {
            let mut args = Vec::new();
            p.skip_ws_nl()?;
            if p.eat(')') {
                return Ok(args);
            }
            loop {
                if p.eof() {
                    return Err(p.missing_close(open, "(", ')', "method call"));
                }
                args.push(p.parse_expr(false)?);
                p.skip_ws_nl()?;
                match p.peek() {
                    Some(',') => {
                        let comma = p.pos;
                        p.bump();
                        p.skip_ws_nl()?;
                        if matches!(p.peek(), None | Some(')' | ',')) {
                            return Err(p
                                .err(
                                    Span::new(comma, comma + 1),
                                    "Missing argument after ',' in method call.",
                                    "add an argument after the ',' or remove the ','",
                                )
                                .incomplete_if(p.at_real_eof()));
                        }
                    }
                    Some(')') => {
                        p.bump();
                        return Ok(args);
                    }
                    _ => return Err(p.missing_close(open, "(", ')', "method call")),
                }
            }
        })
    }

    fn parse_paren(&mut self) -> PResult<Expr> {
        let open = self.pos;
        self.bump();
        self.nested(|p| {
            p.skip_ws_nl()?;
            match p.peek() {
                Some(')') => {
                    return Err(p.err(
                        Span::new(open, p.pos + 1),
                        "An expression was expected after '('.",
                        "put a value or a command inside the parentheses",
                    ))
                }
                None => return Err(p.missing_close(open, "(", ')', "expression")),
                _ => {}
            }
            let pipeline = p.parse_pipeline()?;
            p.skip_ws_nl()?;
            if p.eat(')') {
                return Ok(Expr::Paren(Box::new(pipeline), Span::new(open, p.pos)));
            }
            if p.peek() == Some('=') {
                return Err(p.err(
                    p.char_span(p.pos),
                    "Assignment inside '( )' is not supported yet in mailsec.",
                    "assign on its own line first (for example: $x = ...), then use $x",
                ));
            }
            Err(p.missing_close(open, "(", ')', "expression"))
        })
    }

    /// `$( statements )`
    fn parse_subexpression(&mut self) -> PResult<Expr> {
        let open = self.pos;
        self.pos += 2;
        let script = self.nested(|p| p.parse_nested_script())?;
        if !self.eat(')') {
            return Err(self.missing_close(open, "$(", ')', "subexpression"));
        }
        Ok(Expr::SubExpression(
            Box::new(script),
            Span::new(open, self.pos),
        ))
    }

    /// `@( statements )` → `Array([SubExpression(script)])`; the evaluator flattens the
    /// sub-expression's output into the array.
    fn parse_array_subexpression(&mut self) -> PResult<Expr> {
        let open = self.pos;
        self.pos += 2;
        let script = self.nested(|p| p.parse_nested_script())?;
        if !self.eat(')') {
            return Err(self.missing_close(open, "@(", ')', "array subexpression"));
        }
        let span = Span::new(open, self.pos);
        Ok(Expr::Array(
            vec![Expr::SubExpression(Box::new(script), span)],
            span,
        ))
    }

    /// `@{ Key = value; Other = value }`
    fn parse_hashtable(&mut self) -> PResult<Expr> {
        let open = self.pos;
        self.pos += 2;
        self.nested(|p| {
            let mut entries = Vec::new();
            loop {
                p.skip_separators()?;
                match p.peek() {
                    Some('}') => {
                        p.bump();
                        break;
                    }
                    None => return Err(p.missing_close(open, "@{", '}', "hash literal")),
                    _ => {}
                }
                let key = p.parse_hash_key()?;
                p.skip_ws()?;
                if p.peek() != Some('=') {
                    return Err(p
                        .err(
                            key.span(),
                            "Missing '=' operator after key in hash literal.",
                            "write each entry as Key = value, separated by ';' or newlines",
                        )
                        .incomplete_if(p.at_real_eof()));
                }
                let eq = p.pos;
                p.bump();
                p.skip_ws_nl()?;
                if matches!(p.peek(), None | Some(';' | '}' | ')')) {
                    return Err(p
                        .err(
                            Span::new(eq, eq + 1),
                            "Missing value after '=' in hash literal.",
                            "write a value after '=' (for example: Add = $cert.RawData)",
                        )
                        .incomplete_if(p.at_real_eof()));
                }
                let value = match p.peek_keyword() {
                    // `@{ Kind = if ($a) { 'x' } else { 'y' } }`: a statement's value
                    Some("if" | "switch" | "foreach" | "for" | "while" | "do" | "try") => {
                        let st = p.parse_assignment_value()?;
                        let span = st.span();
                        Expr::SubExpression(
                            Box::new(Script {
                                statements: vec![st],
                            }),
                            span,
                        )
                    }
                    _ => pipeline_to_expr(p.parse_pipeline()?),
                };
                entries.push((key, value));
                p.skip_ws()?;
                match p.peek() {
                    Some('}' | ';' | '\n' | '\r') => {}
                    None => return Err(p.missing_close(open, "@{", '}', "hash literal")),
                    Some(_) => {
                        return Err(p.unexpected_token(
                            p.pos,
                            "in hash literal",
                            "separate the entries with ';' or a newline",
                        ))
                    }
                }
            }
            Ok(Expr::Hashtable(entries, Span::new(open, p.pos)))
        })
    }

    fn parse_hash_key(&mut self) -> PResult<Expr> {
        let start = self.pos;
        match self.peek() {
            Some(c) if is_ident_start(c) => {
                let len = self
                    .rest()
                    .find(|ch: char| !(is_word_char(ch) || is_dash(ch)))
                    .unwrap_or(self.rest().len());
                self.pos += len;
                let span = Span::new(start, self.pos);
                Ok(Expr::Bareword(self.text(span).to_string(), span))
            }
            Some(q) if is_squote(q) => self.parse_single_quoted(),
            Some(q) if is_dquote(q) => self.parse_double_quoted(),
            Some(d) if d.is_ascii_digit() => self.parse_primary(),
            Some('$' | '(') => {
                let e = self.parse_primary()?;
                self.parse_postfix(e, false)
            }
            Some('=') => Err(self.err(
                self.char_span(start),
                "Missing key before '=' in hash literal.",
                "write a key before '=' (for example: Add = $value)",
            )),
            _ => Err(self.unexpected_token(
                start,
                "in hash literal",
                "write each entry as Key = value",
            )),
        }
    }

    /// `[TypeName]`: consumes through the closing `]`; returns the name and the span of `[...]`.
    fn scan_type_name(&mut self) -> PResult<(String, Span)> {
        let open = self.pos;
        self.bump();
        let name_start = self.pos;
        let mut depth = 0usize;
        loop {
            match self.peek() {
                None => return Err(self.missing_close(open, "[", ']', "type name")),
                Some(c) if is_newline(c) => {
                    return Err(self.missing_close(open, "[", ']', "type name"))
                }
                Some(']') if depth == 0 => break,
                Some(']') => {
                    depth -= 1;
                    self.bump();
                }
                Some('[') => {
                    depth += 1;
                    self.bump();
                }
                Some(c) if is_word_char(c) || matches!(c, '.' | ',' | '`' | '+' | ' ' | '\t') => {
                    self.bump();
                }
                Some(c) => {
                    return Err(self.err(
                        self.char_span(self.pos),
                        format!("Unexpected character '{c}' in type name."),
                        "type names look like [string], [byte[]] or [System.IO.File]",
                    ))
                }
            }
        }
        let raw = self.text(Span::new(name_start, self.pos));
        self.bump();
        let name = raw.trim();
        if !name.starts_with(is_ident_start) {
            return Err(self.err(
                Span::new(open, self.pos),
                "Missing type name after '['.",
                "write a type name in the brackets (for example: [System.IO.File])",
            ));
        }
        Ok((name.to_string(), Span::new(open, self.pos)))
    }

    /// After `[Type]::`: the member name and optional call arguments.
    fn parse_static_member(&mut self, start: usize, type_name: String) -> PResult<Expr> {
        let Some(member) = self.run(ident) else {
            return Err(self.err(
                Span::new(self.pos.saturating_sub(2), self.pos),
                "Missing member name after '::'.",
                "write the member name (for example: [System.IO.File]::ReadAllBytes('C:\\x.sst'))",
            ));
        };
        let member = member.to_string();
        let args = if self.peek() == Some('(') {
            Some(self.parse_call_args()?)
        } else {
            None
        };
        Ok(Expr::StaticMember {
            type_name,
            member,
            args,
            span: Span::new(start, self.pos),
        })
    }

    // ----- variables and strings -----

    /// At `$`: does a variable name follow?
    fn variable_follows(&self) -> bool {
        self.peek_nth(1)
            .is_some_and(|c| is_word_char(c) || matches!(c, '{' | '?' | '^' | '$'))
    }

    /// `$name`, `$env:NAME`, `${any name}`, `$?`, `$$`, `$^`; None when no name follows `$`.
    fn parse_variable(&mut self) -> PResult<Option<Variable>> {
        let start = self.pos;
        let Some(c) = self.peek_nth(1) else {
            return Ok(None);
        };
        match c {
            '{' => {
                self.pos += 2;
                let mut name = String::new();
                loop {
                    match self.bump() {
                        None => {
                            return Err(self
                                .err(
                                    Span::new(start, start + 2),
                                    "Missing closing '}' in variable name.",
                                    "add '}' after the variable name (for example: ${my var})",
                                )
                                .incomplete_if(self.at_real_eof()))
                        }
                        Some('}') => break,
                        Some('`') => {
                            if let Some(e) = self.bump() {
                                name.push(e);
                            }
                        }
                        Some(ch) => name.push(ch),
                    }
                }
                if name.is_empty() {
                    return Err(self.err(
                        Span::new(start, self.pos),
                        "Missing variable name inside '${}'.",
                        "write the name between the braces (for example: ${my var})",
                    ));
                }
                Ok(Some(Variable {
                    name,
                    span: Span::new(start, self.pos),
                }))
            }
            c if is_word_char(c) => {
                self.pos += 1;
                let name_start = self.pos;
                self.run(word);
                // scope or drive qualifier: $env:PATH, $script:count
                if self.peek() == Some(':') && self.peek_nth(1).is_some_and(is_word_char) {
                    self.bump();
                    self.run(word);
                }
                let name = self.text(Span::new(name_start, self.pos)).to_string();
                Ok(Some(Variable {
                    name,
                    span: Span::new(start, self.pos),
                }))
            }
            '?' | '^' | '$' => {
                self.pos += 2;
                Ok(Some(Variable {
                    name: c.to_string(),
                    span: Span::new(start, self.pos),
                }))
            }
            _ => Ok(None),
        }
    }

    /// In an expandable string or word, at `$`: a variable or `$( ... )` part, or None when
    /// the `$` is literal text.
    fn parse_dollar_part(&mut self) -> PResult<Option<StringPart>> {
        if self.peek_nth(1) == Some('(') {
            return match self.parse_subexpression()? {
                Expr::SubExpression(script, span) => {
                    Ok(Some(StringPart::SubExpression(script, span)))
                }
                other => {
                    let span = other.span();
                    Ok(Some(StringPart::SubExpression(wrap_in_script(other), span)))
                }
            };
        }
        if !self.variable_follows() {
            return Ok(None);
        }
        Ok(self.parse_variable()?.map(StringPart::Variable))
    }

    /// After a backtick (already consumed) in an expandable string or word: push the escaped
    /// character.
    fn take_escape(&mut self, lit: &mut String) {
        let Some(c) = self.bump() else {
            lit.push('`');
            return;
        };
        let escaped = match c {
            '0' => '\0',
            'a' => '\u{7}',
            'b' => '\u{8}',
            'e' => '\u{1b}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'v' => '\u{b}',
            'u' if self.peek() == Some('{') => {
                let rest = self.rest();
                let hex_end = rest.find('}');
                let code = hex_end
                    .and_then(|end| rest.get(1..end))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .and_then(char::from_u32);
                match (code, hex_end) {
                    (Some(ch), Some(end)) => {
                        self.pos += end + 1;
                        ch
                    }
                    _ => 'u',
                }
            }
            other => other,
        };
        lit.push(escaped);
    }

    fn unterminated_string(&self, open: usize, quote: &str) -> PErr {
        let single = quote == "'";
        let escape = if single { "''" } else { "`\"" };
        let mut help = format!(
            "add a closing {quote} at the end of the string (write {escape} for a quote inside it)"
        );
        let typographic =
            |c: char| c != '\'' && c != '"' && if single { is_squote(c) } else { is_dquote(c) };
        if self.src.contains(typographic) {
            help.push_str(if single {
                "; note that PowerShell also reads \u{2018} \u{2019} \u{201A} \u{201B} as single quotes, so an apostrophe like \u{2019} ends the string"
            } else {
                "; note that PowerShell also reads \u{201C} \u{201D} \u{201E} as double quotes"
            });
        }
        self.err(
            Span::new(open, self.src.len()),
            format!("The string is missing the terminator: {quote}."),
            help,
        )
        .incomplete_if(self.src.len() == self.full_len)
    }

    fn parse_single_quoted(&mut self) -> PResult<Expr> {
        let open = self.pos;
        let s = self.single_quoted_body()?;
        Ok(Expr::SingleQuoted(s, Span::new(open, self.pos)))
    }

    /// At the opening quote: the content of a single-quoted string (`''` is one quote).
    fn single_quoted_body(&mut self) -> PResult<String> {
        let open = self.pos;
        self.bump();
        let mut s = String::new();
        loop {
            match self.bump() {
                None => return Err(self.unterminated_string(open, "'")),
                Some(c) if is_squote(c) => match self.peek() {
                    Some(n) if is_squote(n) => {
                        self.bump();
                        s.push(n);
                    }
                    _ => return Ok(s),
                },
                Some(c) => s.push(c),
            }
        }
    }

    fn parse_double_quoted(&mut self) -> PResult<Expr> {
        let open = self.pos;
        self.bump();
        let parts = self.double_quoted_body(open, false)?;
        Ok(Expr::DoubleQuoted(parts, Span::new(open, self.pos)))
    }

    /// After the opening `"` (or a here-string header, `here`): literal text, `$var` and
    /// `$(...)` parts. A normal string ends at the closing quote (`""` is one quote); a
    /// here-string body ends at the end of `self.src`.
    fn double_quoted_body(&mut self, open: usize, here: bool) -> PResult<Vec<StringPart>> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        loop {
            let Some(c) = self.peek() else {
                if here {
                    break;
                }
                return Err(self.unterminated_string(open, "\""));
            };
            if !here && is_dquote(c) {
                self.bump();
                match self.peek() {
                    Some(n) if is_dquote(n) => {
                        self.bump();
                        lit.push(n);
                        continue;
                    }
                    _ => break,
                }
            }
            match c {
                '`' => {
                    self.bump();
                    if self.eof() && !here {
                        return Err(self.unterminated_string(open, "\""));
                    }
                    self.take_escape(&mut lit);
                }
                '$' => match self.parse_dollar_part()? {
                    Some(part) => {
                        if !lit.is_empty() {
                            parts.push(StringPart::Literal(std::mem::take(&mut lit)));
                        }
                        parts.push(part);
                    }
                    None => {
                        self.bump();
                        lit.push('$');
                    }
                },
                _ => {
                    self.bump();
                    lit.push(c);
                }
            }
        }
        if !lit.is_empty() {
            parts.push(StringPart::Literal(lit));
        }
        Ok(parts)
    }

    /// `@'` or `@"`, then the rest of the line must be blank; the body runs to a line that
    /// starts with `'@` / `"@`.
    fn parse_here_string(&mut self) -> PResult<Expr> {
        let open = self.pos;
        let single = self.peek_nth(1).is_some_and(is_squote);
        let quote = if single { "'@" } else { "\"@" };
        let Some(header) = here_header_len(self.rest()) else {
            let quote_len = self.peek_nth(1).map_or(1, char::len_utf8);
            let after = self.rest().get(1 + quote_len..).unwrap_or("");
            if after.trim_start_matches(is_inline_ws).is_empty() {
                return Err(self
                    .err(
                        Span::new(open, self.src.len()),
                        format!("The here-string is missing the terminator: {quote}."),
                        format!("put {quote} at the start of a line to end the here-string"),
                    )
                    .incomplete_if(self.src.len() == self.full_len));
            }
            return Err(self.err(
                Span::new(open, open + 1 + quote_len),
                "No characters are allowed after a here-string header but before the end of the line.",
                "start the here-string content on the next line after the header",
            ));
        };
        let body_start = open + header;
        let Some((content_end, term_end)) = find_here_terminator(self.src, body_start, single)
        else {
            return Err(self
                .err(
                    Span::new(open, self.src.len()),
                    format!("The here-string is missing the terminator: {quote}."),
                    format!("put {quote} at the start of a line to end the here-string"),
                )
                .incomplete_if(self.src.len() == self.full_len));
        };
        let span = Span::new(open, term_end);
        let expr = if single {
            let body = self.text(Span::new(body_start, content_end)).to_string();
            Expr::SingleQuoted(body, span)
        } else {
            let mut body = Parser {
                src: self.src.get(..content_end).unwrap_or(""),
                pos: body_start,
                depth: self.depth,
                full_len: self.full_len,
            };
            let parts = body.double_quoted_body(open, true)?;
            Expr::DoubleQuoted(parts, span)
        };
        self.pos = term_end;
        Ok(expr)
    }
}

fn continues_keyword(previous: &str, next: &str) -> bool {
    matches!(
        (previous, next),
        ("if" | "elseif", "elseif" | "else")
            | ("try" | "catch", "catch" | "finally")
            | ("do", "while" | "until")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // ----- helpers -----

    /// Compact rendering of a script, so tests can state the expected tree on one line.
    fn show(src: &str) -> String {
        match parse_script(src) {
            Ok(script) => show_script(&script),
            Err(errors) => panic!("unexpected errors for {src:?}: {errors:#?}"),
        }
    }

    fn show_script(script: &Script) -> String {
        script
            .statements
            .iter()
            .map(show_statement)
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn show_block(script: &Script) -> String {
        format!("{{{}}}", show_script(script).replace('\n', "; "))
    }

    fn show_opt(st: &Option<Box<Statement>>) -> String {
        st.as_ref().map_or("-".to_string(), |s| show_statement(s))
    }

    fn show_params(params: &[crate::syntax::ast::Parameter]) -> String {
        params
            .iter()
            .map(|p| {
                let mut out = String::new();
                for a in &p.attributes {
                    let args: Vec<String> = a
                        .args
                        .iter()
                        .map(|(k, v)| match k {
                            Some(k) => format!("{k}={}", show_expr(v)),
                            None => show_expr(v),
                        })
                        .collect();
                    out.push_str(&format!("[{}({})]", a.name, args.join(",")));
                }
                if let Some(t) = &p.type_name {
                    out.push_str(&format!("[{t}]"));
                }
                out.push_str(&format!("${}", p.name.name));
                if let Some(d) = &p.default {
                    out.push_str(&format!("={}", show_expr(d)));
                }
                out
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn show_script_block(b: &crate::syntax::ast::ScriptBlock) -> String {
        let mut parts = Vec::new();
        for a in &b.attributes {
            parts.push(format!("[{}]", a.name));
        }
        if !b.params.is_empty() {
            parts.push(format!("param({})", show_params(&b.params)));
        }
        if b.begin.is_some() || b.process.is_some() {
            for (name, block) in [
                ("begin", &b.begin),
                ("process", &b.process),
                ("end", &b.end),
            ] {
                if let Some(block) = block {
                    parts.push(format!("{name}{}", show_block(block)));
                }
            }
        } else if let Some(end) = &b.end {
            let body = show_script(end).replace('\n', "; ");
            if !body.is_empty() {
                parts.push(body);
            }
        }
        format!("{{{}}}", parts.join(" "))
    }

    fn show_statement(statement: &Statement) -> String {
        match statement {
            Statement::Assignment {
                target, op, value, ..
            } => {
                format!("({op} {} {})", show_expr(target), show_statement(value))
            }
            Statement::Pipeline(p) => show_pipeline(p),
            Statement::If {
                clauses, else_body, ..
            } => {
                let mut out = String::from("(if");
                for (c, b) in clauses {
                    out.push_str(&format!(" ({} {})", show_statement(c), show_block(b)));
                }
                if let Some(e) = else_body {
                    out.push_str(&format!(" (else {})", show_block(e)));
                }
                out.push(')');
                out
            }
            Statement::Foreach {
                variable,
                collection,
                body,
                ..
            } => format!(
                "(foreach ${} {} {})",
                variable.name,
                show_statement(collection),
                show_block(body)
            ),
            Statement::While {
                condition, body, ..
            } => format!("(while {} {})", show_statement(condition), show_block(body)),
            Statement::DoLoop {
                body,
                condition,
                until,
                ..
            } => format!(
                "(do {} {} {})",
                show_block(body),
                if *until { "until" } else { "while" },
                show_statement(condition)
            ),
            Statement::For {
                init,
                condition,
                step,
                body,
                ..
            } => format!(
                "(for {} {} {} {})",
                show_opt(init),
                show_opt(condition),
                show_opt(step),
                show_block(body)
            ),
            Statement::Switch {
                value,
                options,
                clauses,
                default,
                ..
            } => {
                let mut out = format!(
                    "(switch{} {}",
                    options.iter().map(|o| format!(" -{o}")).collect::<String>(),
                    show_statement(value)
                );
                for c in clauses {
                    out.push_str(&format!(
                        " ({} {})",
                        show_expr(&c.pattern),
                        show_block(&c.body)
                    ));
                }
                if let Some(d) = default {
                    out.push_str(&format!(" (default {})", show_block(d)));
                }
                out.push(')');
                out
            }
            Statement::Break { label, .. } => match label {
                Some(l) => format!("(break {l})"),
                None => "(break)".into(),
            },
            Statement::Continue { label, .. } => match label {
                Some(l) => format!("(continue {l})"),
                None => "(continue)".into(),
            },
            Statement::Return { value, .. } => format!("(return {})", show_opt(value)),
            Statement::Throw { value, .. } => format!("(throw {})", show_opt(value)),
            Statement::Exit { value, .. } => format!("(exit {})", show_opt(value)),
            Statement::Try {
                body,
                catches,
                finally,
                ..
            } => {
                let mut out = format!("(try {}", show_block(body));
                for c in catches {
                    let types: String = c.types.iter().map(|(t, _)| format!(" [{t}]")).collect();
                    out.push_str(&format!(" (catch{types} {})", show_block(&c.body)));
                }
                if let Some(f) = finally {
                    out.push_str(&format!(" (finally {})", show_block(f)));
                }
                out.push(')');
                out
            }
            Statement::Function(f) => format!(
                "({} {} {})",
                if f.filter { "filter" } else { "function" },
                f.name,
                show_script_block(&f.body)
            ),
            Statement::ParamBlock {
                attributes, params, ..
            } => format!(
                "({}param {})",
                attributes
                    .iter()
                    .map(|a| format!("[{}] ", a.name))
                    .collect::<String>(),
                show_params(params)
            ),
        }
    }

    fn show_pipeline(p: &Pipeline) -> String {
        let elements: Vec<String> = p.elements.iter().map(show_element).collect();
        if elements.len() == 1 {
            elements.join("")
        } else {
            format!("(| {})", elements.join(" "))
        }
    }

    fn show_element(e: &PipelineElement) -> String {
        match e {
            PipelineElement::Command(c) => {
                let mut out = format!("(cmd {}", c.name);
                for arg in &c.args {
                    out.push(' ');
                    out.push_str(&show_arg(arg));
                }
                out.push(')');
                out
            }
            PipelineElement::Expression(e) => show_expr(e),
        }
    }

    fn show_arg(arg: &CommandArg) -> String {
        match arg {
            CommandArg::Parameter {
                name,
                colon_value: None,
                ..
            } => format!("-{name}"),
            CommandArg::Parameter {
                name,
                colon_value: Some(v),
                ..
            } => format!("-{name}:{}", show_expr(v)),
            CommandArg::Value(v) => show_expr(v),
        }
    }

    fn show_args(args: &[Expr]) -> String {
        args.iter().map(show_expr).collect::<Vec<_>>().join(", ")
    }

    fn show_expr(e: &Expr) -> String {
        match e {
            Expr::SingleQuoted(s, _) => format!("'{s}'"),
            Expr::DoubleQuoted(parts, _) => {
                let mut out = String::from("\"");
                for part in parts {
                    match part {
                        StringPart::Literal(s) => out.push_str(s),
                        StringPart::Variable(v) => out.push_str(&format!("{{${}}}", v.name)),
                        StringPart::SubExpression(s, _) => {
                            out.push_str(&format!("{{$({})}}", show_script(s).replace('\n', "; ")))
                        }
                    }
                }
                out.push('"');
                out
            }
            Expr::Bareword(s, _) => format!("<{s}>"),
            Expr::Number(n, _) => format!("{n}"),
            Expr::Variable(v) => format!("${}", v.name),
            Expr::Array(items, _) => format!(
                "(array {})",
                items.iter().map(show_expr).collect::<Vec<_>>().join(" ")
            ),
            Expr::Paren(p, _) => format!("(paren {})", show_pipeline(p)),
            Expr::SubExpression(s, _) => format!("(sub {})", show_script(s).replace('\n', "; ")),
            Expr::TypeLiteral(t, _) => format!("[{t}]"),
            Expr::StaticMember {
                type_name,
                member,
                args: None,
                ..
            } => format!("[{type_name}]::{member}"),
            Expr::StaticMember {
                type_name,
                member,
                args: Some(args),
                ..
            } => format!("[{type_name}]::{member}({})", show_args(args)),
            Expr::Member {
                target,
                member,
                args: None,
                ..
            } => format!("{}.{member}", show_expr(target)),
            Expr::Member {
                target,
                member,
                args: Some(args),
                ..
            } => format!("{}.{member}({})", show_expr(target), show_args(args)),
            Expr::Index { target, index, .. } => {
                format!("{}[{}]", show_expr(target), show_expr(index))
            }
            Expr::Hashtable(entries, _) => format!(
                "@{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{}={}", show_expr(k), show_expr(v)))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            Expr::Unary { op, operand, .. } => format!("({op} {})", show_expr(operand)),
            Expr::Binary {
                op, left, right, ..
            } => format!("({op} {} {})", show_expr(left), show_expr(right)),
            Expr::ScriptBlock(b) => show_script_block(b),
            Expr::Splat(v) => format!("@{}", v.name),
        }
    }

    /// The span of the first occurrence of `needle` in `src`.
    fn span_of(src: &str, needle: &str) -> Span {
        let start = src.find(needle).expect("needle in source");
        Span::new(start, start + needle.len())
    }

    /// The span of the `n`th (0-based) occurrence of `needle` in `src`.
    fn nth_span_of(src: &str, needle: &str, n: usize) -> Span {
        let (start, _) = src.match_indices(needle).nth(n).expect("needle in source");
        Span::new(start, start + needle.len())
    }

    fn errors(src: &str) -> Vec<ParseError> {
        match parse_script(src) {
            Ok(script) => panic!("expected errors for {src:?}, got {script:#?}"),
            Err(errors) => errors,
        }
    }

    /// The single error for `src`.
    fn error(src: &str) -> ParseError {
        let mut all = errors(src);
        assert_eq!(all.len(), 1, "expected one error for {src:?}: {all:#?}");
        all.remove(0)
    }

    fn single_command(src: &str) -> Command {
        let script = parse_script(src).expect("parses");
        match script.statements.into_iter().next() {
            Some(Statement::Pipeline(mut p)) => match p.elements.remove(0) {
                PipelineElement::Command(c) => c,
                other => panic!("not a command: {other:?}"),
            },
            other => panic!("not a pipeline: {other:?}"),
        }
    }

    fn single_expr(src: &str) -> Expr {
        let script = parse_script(src).expect("parses");
        match script.statements.into_iter().next() {
            Some(Statement::Pipeline(mut p)) => match p.elements.remove(0) {
                PipelineElement::Expression(e) => e,
                other => panic!("not an expression: {other:?}"),
            },
            other => panic!("not a pipeline: {other:?}"),
        }
    }

    const ADMIN_SCRIPT: &str = r#"$certArray = New-Object System.Collections.ArrayList
$cert = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2("C:\certs\baptiste.cer")
$certArray.Insert(0, $cert.GetRawCertData())
Set-Mailbox -Identity baptiste -UserCertificate $certArray
New-MailContact -Name CravateRouge_SMIME -ExternalEmailAddress baptiste@cravaterouge.com
Get-MailContact -Identity CravateRouge_SMIME | select UserCertificate
Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('C:\Users\Gold\Downloads\chainOfTrust.sst'))
New-OutboundConnector -Name "Partner TLS" -RecipientDomains fabrikam.com,*.fabrikam.com -TlsSettings DomainValidation -TlsDomain mail.fabrikam.com -UseMXRecord $true `
    -Comment 'forced TLS'
Set-Mailbox jo -UserSMimeCertificate @{Add=$cert.RawData; Remove=$old}
Remove-MailContact -Identity x -Confirm:$false
"#;

    // ----- the real admin scripts -----

    #[test]
    fn admin_script_parses_to_expected_tree() {
        let expected = [
            "(= $certArray (cmd New-Object <System.Collections.ArrayList>))",
            r#"(= $cert (cmd New-Object <System.Security.Cryptography.X509Certificates.X509Certificate2> (paren "C:\certs\baptiste.cer")))"#,
            "$certArray.Insert(0, $cert.GetRawCertData())",
            "(cmd Set-Mailbox -Identity <baptiste> -UserCertificate $certArray)",
            "(cmd New-MailContact -Name <CravateRouge_SMIME> -ExternalEmailAddress <baptiste@cravaterouge.com>)",
            "(| (cmd Get-MailContact -Identity <CravateRouge_SMIME>) (cmd select <UserCertificate>))",
            r"(cmd Set-SmimeConfig -SMIMECertificateIssuingCA (paren [System.IO.File]::ReadAllBytes('C:\Users\Gold\Downloads\chainOfTrust.sst')))",
            r#"(cmd New-OutboundConnector -Name "Partner TLS" -RecipientDomains (array <fabrikam.com> <*.fabrikam.com>) -TlsSettings <DomainValidation> -TlsDomain <mail.fabrikam.com> -UseMXRecord $true -Comment 'forced TLS')"#,
            "(cmd Set-Mailbox <jo> -UserSMimeCertificate @{<Add>=$cert.RawData; <Remove>=$old})",
            "(cmd Remove-MailContact -Identity <x> -Confirm:$false)",
        ];
        assert_eq!(show(ADMIN_SCRIPT), expected.join("\n"));
    }

    #[test]
    fn admin_script_spans() {
        let src = ADMIN_SCRIPT;
        let script = parse_script(src).expect("parses");
        assert_eq!(script.statements.len(), 10);

        // `$certArray` as the target of the first assignment
        let Statement::Assignment {
            target,
            value,
            span,
            ..
        } = &script.statements[0]
        else {
            panic!("assignment expected");
        };
        assert_eq!(target.span(), Span::new(0, 10));
        assert_eq!(&src[target.span().start..target.span().end], "$certArray");
        assert_eq!(
            *span,
            span_of(src, "$certArray = New-Object System.Collections.ArrayList")
        );
        assert_eq!(
            value.span(),
            span_of(src, "New-Object System.Collections.ArrayList")
        );

        // `-UserCertificate` and the `$certArray` argument after it
        let Statement::Pipeline(p) = &script.statements[3] else {
            panic!("pipeline expected");
        };
        let PipelineElement::Command(cmd) = &p.elements[0] else {
            panic!("command expected");
        };
        assert_eq!(cmd.name_span, {
            let s = span_of(src, "Set-Mailbox -Identity baptiste");
            Span::new(s.start, s.start + "Set-Mailbox".len())
        });
        let CommandArg::Parameter {
            name,
            span,
            colon_value,
        } = &cmd.args[2]
        else {
            panic!("parameter expected");
        };
        assert_eq!(name, "UserCertificate");
        assert_eq!(*span, span_of(src, "-UserCertificate"));
        assert!(colon_value.is_none());
        let CommandArg::Value(Expr::Variable(v)) = &cmd.args[3] else {
            panic!("variable expected");
        };
        assert_eq!(v.span, nth_span_of(src, "$certArray", 2));
        assert_eq!(
            cmd.span,
            span_of(
                src,
                "Set-Mailbox -Identity baptiste -UserCertificate $certArray"
            )
        );

        // the method call statement
        let Statement::Pipeline(p) = &script.statements[2] else {
            panic!("pipeline expected");
        };
        assert_eq!(
            p.span,
            span_of(src, "$certArray.Insert(0, $cert.GetRawCertData())")
        );
        let PipelineElement::Expression(Expr::Member {
            target,
            args: Some(args),
            ..
        }) = &p.elements[0]
        else {
            panic!("method call expected");
        };
        assert_eq!(target.span(), nth_span_of(src, "$certArray", 1));
        assert_eq!(args[1].span(), span_of(src, "$cert.GetRawCertData()"));

        // the continued line: the command span runs to the end of 'forced TLS'
        let Statement::Pipeline(p) = &script.statements[7] else {
            panic!("pipeline expected");
        };
        let PipelineElement::Command(cmd) = &p.elements[0] else {
            panic!("command expected");
        };
        assert_eq!(cmd.span.start, src.find("New-OutboundConnector").unwrap());
        assert_eq!(cmd.span.end, span_of(src, "'forced TLS'").end);
        let CommandArg::Value(array) = &cmd.args[3] else {
            panic!("value expected");
        };
        assert_eq!(array.span(), span_of(src, "fabrikam.com,*.fabrikam.com"));

        // the colon value
        let Statement::Pipeline(p) = &script.statements[9] else {
            panic!("pipeline expected");
        };
        let PipelineElement::Command(cmd) = &p.elements[0] else {
            panic!("command expected");
        };
        let CommandArg::Parameter {
            span,
            colon_value: Some(v),
            ..
        } = &cmd.args[2]
        else {
            panic!("colon parameter expected");
        };
        assert_eq!(*span, span_of(src, "-Confirm"));
        assert_eq!(v.span(), span_of(src, "$false"));
    }

    #[test]
    fn admin_script_with_crlf_line_endings() {
        let crlf = ADMIN_SCRIPT.replace('\n', "\r\n");
        assert_eq!(show(&crlf), show(ADMIN_SCRIPT));
    }

    // ----- statements, separators, comments -----

    #[test]
    fn statements_separated_by_newlines_and_semicolons() {
        assert_eq!(
            show("Get-A; Get-B\n\n\nGet-C ;; Get-D\n"),
            "(cmd Get-A)\n(cmd Get-B)\n(cmd Get-C)\n(cmd Get-D)"
        );
        assert_eq!(show(""), "");
        assert_eq!(show("  \n ; \n"), "");
    }

    #[test]
    fn comments() {
        assert_eq!(
            show("# a comment\nGet-A # trailing\n<# block\n comment #> Get-B <# inline #> -X 1"),
            "(cmd Get-A)\n(cmd Get-B -X 1)"
        );
        // `#` inside a word is not a comment
        assert_eq!(show("Get-A a#b"), "(cmd Get-A <a#b>)");
    }

    #[test]
    fn byte_order_mark_and_unicode_spaces() {
        assert_eq!(show("\u{FEFF}Get-X\u{00A0}-A\u{2003}1"), "(cmd Get-X -A 1)");
    }

    #[test]
    fn line_continuation() {
        assert_eq!(
            show("Set-Mailbox `\n  -Identity jo `\r\n  -Force"),
            "(cmd Set-Mailbox -Identity <jo> -Force)"
        );
        assert_eq!(show("$x = 1 + `\n 2"), "(= $x (+ 1 2))");
    }

    #[test]
    fn assignment() {
        assert_eq!(show("$x = 42"), "(= $x 42)");
        assert_eq!(
            show("$x=Get-Mailbox jo | select Name"),
            "(= $x (| (cmd Get-Mailbox <jo>) (cmd select <Name>)))"
        );
        assert_eq!(show("$x =\n  'value'"), "(= $x 'value')");
        assert_eq!(show("${my var} = 1"), "(= $my var 1)");
        let script = parse_script("$a = $b").unwrap();
        let Statement::Assignment { span, target, .. } = &script.statements[0] else {
            panic!()
        };
        assert_eq!(*span, Span::new(0, 7));
        assert_eq!(target.span(), Span::new(0, 2));
    }

    #[test]
    fn pipelines() {
        assert_eq!(
            show("Get-Mailbox | where-object Name | select Name,Alias"),
            "(| (cmd Get-Mailbox) (cmd where-object <Name>) (cmd select (array <Name> <Alias>)))"
        );
        assert_eq!(show("Get-A |\n  Get-B"), "(| (cmd Get-A) (cmd Get-B))");
        assert_eq!(
            show("$list | Set-Mailbox -Force"),
            "(| $list (cmd Set-Mailbox -Force))"
        );
        let script = parse_script("Get-A | Get-B").unwrap();
        let Statement::Pipeline(p) = &script.statements[0] else {
            panic!()
        };
        assert_eq!(p.span, Span::new(0, 13));
    }

    // ----- argument mode -----

    #[test]
    fn parameters_and_colon_values() {
        let c =
            single_command("Set-X -Name:value -Enabled:$true -Count:5 -Path:C:\\x -Force -A1_b");
        assert_eq!(
            c.args.iter().map(show_arg).collect::<Vec<_>>(),
            [
                "-Name:<value>",
                "-Enabled:$true",
                "-Count:5",
                "-Path:<C:\\x>",
                "-Force",
                "-A1_b"
            ]
        );
        assert_eq!(
            show("Set-X -Name:\"Partner TLS\" -L:a,b"),
            "(cmd Set-X -Name:\"Partner TLS\" -L:(array <a> <b>))"
        );
        // the parameter span excludes the colon value
        let CommandArg::Parameter { span, .. } = &c.args[1] else {
            panic!()
        };
        assert_eq!(*span, Span::new(18, 26));
    }

    #[test]
    fn barewords() {
        assert_eq!(
            show(
                r"Set-X baptiste@cravaterouge.com C:\certs\baptiste.cer *.contoso.com smtp:x@y.com 10.0.0.0/24 a=b ./rel/path"
            ),
            r"(cmd Set-X <baptiste@cravaterouge.com> <C:\certs\baptiste.cer> <*.contoso.com> <smtp:x@y.com> <10.0.0.0/24> <a=b> <./rel/path>)"
        );
        // backtick escapes and embedded quotes join into one word
        assert_eq!(
            show("Set-X Program` Files a'b c'd"),
            "(cmd Set-X <Program Files> <ab cd>)"
        );
        let c = single_command("Set-X  smtp:x@y.com");
        assert_eq!(
            c.args[0],
            CommandArg::Value(Expr::Bareword("smtp:x@y.com".into(), Span::new(7, 19)))
        );
    }

    #[test]
    fn numbers_in_argument_mode() {
        assert_eq!(
            show("Set-X 42 1KB 1mb 2GB 1TB 0x1F 1.5 -5 42abc 1.2.3 0xZZ"),
            "(cmd Set-X 42 1024 1048576 2147483648 1099511627776 31 1.5 -5 <42abc> <1.2.3> <0xZZ>)"
        );
    }

    #[test]
    fn comma_arrays_in_argument_mode() {
        assert_eq!(
            show("Set-X -SmartHosts 'a', 'b' ,c -D a.com,b.com"),
            "(cmd Set-X -SmartHosts (array 'a' 'b' <c>) -D (array <a.com> <b.com>))"
        );
        assert_eq!(show("Set-X a,\n  b"), "(cmd Set-X (array <a> <b>))");
        assert_eq!(show("Set-X ,a"), "(cmd Set-X (array <a>))");
        assert_eq!(show("Set-X 1,2,-3"), "(cmd Set-X (array 1 2 -3))");
    }

    #[test]
    fn variables_and_chains_in_argument_mode() {
        assert_eq!(
            show("Set-X $cert.RawData $a[0] $certArray.Insert(0, $x) $env:TEMP $_ $a.b.c[1].d()"),
            "(cmd Set-X $cert.RawData $a[0] $certArray.Insert(0, $x) $env:TEMP $_ $a.b.c[1].d())"
        );
        // a variable followed by more text is an expandable word
        assert_eq!(
            show(r"Set-X $dir\file.txt a$($n)b"),
            r#"(cmd Set-X "{$dir}\file.txt" "a{$($n)}b")"#
        );
        // a lone `$` is text
        assert_eq!(show("Set-X $ a$"), "(cmd Set-X <$> <a$>)");
    }

    #[test]
    fn grouping_values_in_argument_mode() {
        assert_eq!(
            show("Set-X (Get-Y -Z 1) $(Get-Y; 2) @(1, 2) @() @{a=1} (Get-Y).Name"),
            "(cmd Set-X (paren (cmd Get-Y -Z 1)) (sub (cmd Get-Y); 2) (array (sub (array 1 2))) (array (sub )) @{<a>=1} (paren (cmd Get-Y)).Name)"
        );
    }

    #[test]
    fn static_calls_and_brackets_in_argument_mode() {
        assert_eq!(
            show("Set-X [System.IO.File]::ReadAllBytes('C:\\x.sst') [IO.Path]::Combine('a','b') [abc] [int]::MaxValue"),
            "(cmd Set-X [System.IO.File]::ReadAllBytes('C:\\x.sst') [IO.Path]::Combine('a', 'b') <[abc]> [int]::MaxValue)"
        );
    }

    #[test]
    fn bareword_followed_by_paren() {
        assert_eq!(
            show("New-Object X509Certificate2(\"C:\\a.cer\") -Arg x"),
            "(cmd New-Object <X509Certificate2> (paren \"C:\\a.cer\") -Arg <x>)"
        );
        let c = single_command("New-Object X509Certificate2(\"p\")");
        assert_eq!(
            c.args[0].clone(),
            CommandArg::Value(Expr::Bareword("X509Certificate2".into(), Span::new(11, 27)))
        );
        let CommandArg::Value(Expr::Paren(_, span)) = &c.args[1] else {
            panic!()
        };
        assert_eq!(*span, Span::new(27, 32));
    }

    #[test]
    fn alias_commands() {
        assert_eq!(show("Get-A | % Name"), "(| (cmd Get-A) (cmd % <Name>))");
        assert_eq!(
            show("Get-A | ? Enabled"),
            "(| (cmd Get-A) (cmd ? <Enabled>))"
        );
    }

    // ----- expression mode -----

    #[test]
    fn string_literals() {
        assert_eq!(show("'it''s'"), "'it's'");
        assert_eq!(show(r#""a`tb`n`"q`" `$x ``""#), "\"a\tb\n\"q\" $x `\"");
        assert_eq!(show(r#""say ""hi""""#), r#""say "hi"""#);
        assert_eq!(
            show(r#""Hello $name, $($a.Count) items in ${my dir} $env:TEMP $ 5$""#),
            r#""Hello {$name}, {$($a.Count)} items in {$my dir} {$env:TEMP} $ 5$""#
        );
        assert_eq!(show(r#""`u{263A}""#), "\"\u{263A}\"");
        assert_eq!(show(r#""""#), "\"\"");
        let e = single_expr(r#"  "a $b""#);
        let Expr::DoubleQuoted(parts, span) = e else {
            panic!()
        };
        assert_eq!(span, Span::new(2, 8));
        assert_eq!(
            parts[1],
            StringPart::Variable(Variable {
                name: "b".into(),
                span: Span::new(5, 7)
            })
        );
    }

    #[test]
    fn automatic_variables_are_variables() {
        assert_eq!(
            show("$true; $false; $null; $_; $?"),
            "$true\n$false\n$null\n$_\n$?"
        );
    }

    #[test]
    fn number_literals() {
        assert_eq!(
            show("42; 1.5; 0x1F; 1KB; 2mb; .5; 1e3; -7; -1.5KB"),
            "42\n1.5\n31\n1024\n2097152\n0.5\n1000\n-7\n-1536"
        );
    }

    #[test]
    fn typographic_quotes_and_dashes() {
        assert_eq!(
            show("Set-Mailbox \u{2013}Identity \u{2018}jo\u{2019} \u{2014}Comment \u{201C}hi $x\u{201D} \u{2015}Force"),
            "(cmd Set-Mailbox -Identity 'jo' -Comment \"hi {$x}\" -Force)"
        );
        assert_eq!(
            show("$a \u{2013}eq 1 \u{2014}and \u{2013}not $b"),
            "(-and (-eq $a 1) (-not $b))"
        );
        assert_eq!(show("\u{201E}x\u{201D}; \u{201A}y\u{201B}"), "\"x\"\n'y'");
        // en dash span covers its three bytes
        let c = single_command("Set-X \u{2013}Identity jo");
        let CommandArg::Parameter { span, name, .. } = &c.args[0] else {
            panic!()
        };
        assert_eq!(name, "Identity");
        assert_eq!(*span, Span::new(6, 6 + 3 + 8));
    }

    #[test]
    fn member_index_and_static_access() {
        assert_eq!(show("$cert.RawData"), "$cert.RawData");
        assert_eq!(show("$a[0]"), "$a[0]");
        assert_eq!(show("$a[1..3]"), "$a[(.. 1 3)]");
        assert_eq!(show("$a[-1]"), "$a[-1]");
        assert_eq!(show("$x.Method()"), "$x.Method()");
        assert_eq!(show("$x.M(1, 'a', $y.Z)"), "$x.M(1, 'a', $y.Z)");
        assert_eq!(show("$x.M(1 + 2, 3)"), "$x.M((+ 1 2), 3)");
        assert_eq!(show("$x.M(\n  1,\n  2\n)"), "$x.M(1, 2)");
        assert_eq!(
            show("[System.IO.File]::ReadAllBytes('C:\\x.sst')"),
            "[System.IO.File]::ReadAllBytes('C:\\x.sst')"
        );
        assert_eq!(show("[int]::MaxValue"), "[int]::MaxValue");
        assert_eq!(
            show("[IO.File]::ReadAllBytes('a').Length"),
            "[IO.File]::ReadAllBytes('a').Length"
        );
        assert_eq!(
            show("[System.Security.Cryptography.X509Certificates.X509Certificate2]"),
            "[System.Security.Cryptography.X509Certificates.X509Certificate2]"
        );
        assert_eq!(show("[byte[]]"), "[byte[]]");
        assert_eq!(
            show("[System.Collections.Generic.List[string]]"),
            "[System.Collections.Generic.List[string]]"
        );
        assert_eq!(show("'abc'.Length"), "'abc'.Length");
        assert_eq!(show("(Get-X).Name"), "(paren (cmd Get-X)).Name");
        let e = single_expr("[IO.File]::ReadAllBytes('a')");
        assert_eq!(e.span(), Span::new(0, 28));
    }

    #[test]
    fn casts() {
        assert_eq!(show("[byte[]]$x"), "([cast] [byte[]] $x)");
        assert_eq!(show("[int] '42' + 1"), "(+ ([cast] [int] '42') 1)");
        assert_eq!(show("[string]$x.Name"), "([cast] [string] $x.Name)");
        assert_eq!(show("[int]-5"), "([cast] [int] -5)");
        assert_eq!(show("[int] -eq $t"), "(-eq [int] $t)");
        let e = single_expr("[byte[]]$x");
        assert_eq!(e.span(), Span::new(0, 10));
    }

    #[test]
    fn arrays_and_unary_comma() {
        assert_eq!(show("1, 2, 3"), "(array 1 2 3)");
        assert_eq!(show(",$x"), "(array $x)");
        assert_eq!(show("$x = 'a',\n 'b'"), "(= $x (array 'a' 'b'))");
        // comma binds tighter than the binary operators
        assert_eq!(show("1, 2 + 3"), "(+ (array 1 2) 3)");
        assert_eq!(show("$a -join ', '"), "(-join $a ', ')");
        let e = single_expr("1, 2");
        assert_eq!(e.span(), Span::new(0, 4));
    }

    #[test]
    fn binary_operators_and_precedence() {
        assert_eq!(show("1 + 2 * 3"), "(+ 1 (* 2 3))");
        assert_eq!(show("1 - 2 - 3"), "(- (- 1 2) 3)");
        assert_eq!(show("10 % 3 / 2"), "(/ (% 10 3) 2)");
        assert_eq!(show("1..5"), "(.. 1 5)");
        assert_eq!(show("2 * 1..3"), "(* 2 (.. 1 3))");
        assert_eq!(
            show("$a -eq 1 -and $b -ne 2 -or $c"),
            "(-or (-and (-eq $a 1) (-ne $b 2)) $c)"
        );
        assert_eq!(show("$a + 1 -gt $b * 2"), "(-gt (+ $a 1) (* $b 2))");
        assert_eq!(show("$a -EQ 1"), "(-eq $a 1)");
        assert_eq!(
            show("$a -CEQ 'A' -xor $b -ilike '*x*'"),
            "(-xor (-ceq $a 'A') (-ilike $b '*x*'))"
        );
        for op in [
            "-eq",
            "-ne",
            "-gt",
            "-ge",
            "-lt",
            "-le",
            "-like",
            "-notlike",
            "-match",
            "-notmatch",
            "-contains",
            "-notcontains",
            "-in",
            "-notin",
            "-replace",
            "-split",
            "-join",
            "-cmatch",
            "-imatch",
            "-creplace",
            "-cnotin",
            "-is",
            "-isnot",
            "-as",
            "-band",
            "-bor",
            "-f",
        ] {
            assert_eq!(show(&format!("$a {op} $b")), format!("({op} $a $b)"));
        }
        assert_eq!(
            show("$a -replace 'x', 'y'"),
            "(-replace $a (array 'x' 'y'))"
        );
        assert_eq!(show("$a -eq\n  1"), "(-eq $a 1)");
    }

    #[test]
    fn unary_operators() {
        assert_eq!(show("-not $a"), "(-not $a)");
        assert_eq!(show("!$a"), "(! $a)");
        assert_eq!(show("-$a"), "(- $a)");
        assert_eq!(show("-not $a -eq $b"), "(-eq (-not $a) $b)");
        assert_eq!(show("-NOT -not $a"), "(-not (-not $a))");
        assert_eq!(show("1 - -2"), "(- 1 -2)");
        assert_eq!(show("-join $parts"), "(-join $parts)");
        let e = single_expr("-not $a");
        assert_eq!(e.span(), Span::new(0, 7));
    }

    #[test]
    fn grouping_expressions() {
        assert_eq!(show("(1 + 2) * 3"), "(* (paren (+ 1 2)) 3)");
        assert_eq!(
            show("(Get-X | select A)"),
            "(paren (| (cmd Get-X) (cmd select <A>)))"
        );
        assert_eq!(
            show("$(Get-X; $y = 1\n 2)"),
            "(sub (cmd Get-X); (= $y 1); 2)"
        );
        assert_eq!(show("@(Get-X)"), "(array (sub (cmd Get-X)))");
        assert_eq!(show("@(\n 1\n 2\n)"), "(array (sub 1; 2))");
        assert_eq!(show("(\n Get-X\n)"), "(paren (cmd Get-X))");
        // @( ) is an array whose single element is the sub-expression, both with the same span
        let e = single_expr("@(1)");
        let Expr::Array(items, span) = e else {
            panic!()
        };
        assert_eq!(span, Span::new(0, 4));
        assert!(matches!(&items[..], [Expr::SubExpression(_, s)] if *s == span));
    }

    #[test]
    fn hashtables() {
        assert_eq!(show("@{}"), "@{}");
        assert_eq!(
            show("@{Add=$cert.RawData; Remove=$old}"),
            "@{<Add>=$cert.RawData; <Remove>=$old}"
        );
        assert_eq!(
            show("@{\n  Name = 'x'\n  'Quoted Key' = 1, 2\n  3 = Get-Date -Format o\n  $k = \"v\";\n}"),
            "@{<Name>='x'; 'Quoted Key'=(array 1 2); 3=(paren (cmd Get-Date -Format <o>)); $k=\"v\"}"
        );
        let e = single_expr("@{a=1}");
        assert_eq!(e.span(), Span::new(0, 6));
    }

    #[test]
    fn here_strings() {
        assert_eq!(show("@'\nline 1\n'quoted' $x\n'@"), "'line 1\n'quoted' $x'");
        assert_eq!(
            show("@\"\nHi $name\n\"ok\" $(1)\n\"@"),
            "\"Hi {$name}\n\"ok\" {$(1)}\""
        );
        assert_eq!(show("@'\n'@"), "''");
        assert_eq!(
            show("$x = @'\r\na\r\n'@\r\nGet-X"),
            "(= $x 'a')\n(cmd Get-X)"
        );
        assert_eq!(
            show("Set-X -Body @'\nhello\n'@ -Force"),
            "(cmd Set-X -Body 'hello' -Force)"
        );
        let e = single_expr("@'\nab\n'@");
        assert_eq!(e.span(), Span::new(0, 8));
    }

    #[test]
    fn variable_spans() {
        let e = single_expr("$env:TEMP");
        assert_eq!(
            e,
            Expr::Variable(Variable {
                name: "env:TEMP".into(),
                span: Span::new(0, 9)
            })
        );
        let e = single_expr("${a b}");
        assert_eq!(
            e,
            Expr::Variable(Variable {
                name: "a b".into(),
                span: Span::new(0, 6)
            })
        );
    }

    // ----- keywords -----

    #[test]
    fn unsupported_keywords_are_rejected_and_parsing_continues() {
        let src = "Get-A\nclass Foo {\n  [string]$x\n}\nGet-D";
        let errs = errors(src);
        assert_eq!(errs.len(), 1, "{errs:#?}");
        assert_eq!(
            errs[0].message,
            "'class' statements are not supported in mailsec"
        );
        assert_eq!(errs[0].span, span_of(src, "class"));
        assert_eq!(errs[0].help.as_deref(), Some("see issue 'Shell language'"));
        let messages: Vec<String> = errors("trap { x }\nusing namespace X\nGet-Z; enum E { A }")
            .into_iter()
            .map(|e| e.message)
            .collect();
        assert_eq!(
            messages,
            [
                "'trap' statements are not supported in mailsec",
                "'using' statements are not supported in mailsec",
                "'enum' statements are not supported in mailsec",
            ]
        );
        // keywords are case-insensitive; ForEach-Object is a command, not a keyword
        assert_eq!(show("IF($x){}"), "(if ($x {}))");
        assert_eq!(show("ForEach-Object Name"), "(cmd ForEach-Object <Name>)");
        assert_eq!(
            show("Get-X | foreach Name"),
            "(| (cmd Get-X) (cmd foreach <Name>))"
        );
        // a statement where a value is expected
        let e = error("Set-X (switch ($a) {})");
        assert_eq!(e.span, Span::new(7, 13));
        assert!(
            e.message.contains("'switch' is a statement"),
            "{}",
            e.message
        );
        assert!(e.help.unwrap().contains("$("));
        // orphans
        let e = error("else { 1 }");
        assert!(e.message.contains("'else' must follow"), "{}", e.message);
        assert!(error("catch { }").message.contains("'catch' must follow"));
        assert!(error("Get-A; param($x)")
            .message
            .contains("must come first"));
        assert!(error("process { 1 }").message.contains("'process' block"));
    }

    #[test]
    fn if_elseif_else() {
        assert_eq!(
            show("if ($a -gt 1) { 'big' } elseif ($a -eq 1) { 'one' } else { 'small' }"),
            "(if ((-gt $a 1) {'big'}) ((-eq $a 1) {'one'}) (else {'small'}))"
        );
        // else on its own line, comments and blank lines between
        let src = "if ($x) {\n  Get-A\n  Get-B\n}\n# otherwise\n\nelse {\n  Get-C\n}\nGet-D";
        assert_eq!(
            show(src),
            "(if ($x {(cmd Get-A); (cmd Get-B)}) (else {(cmd Get-C)}))\n(cmd Get-D)"
        );
        let script = parse_script(src).unwrap();
        assert_eq!(
            script.statements[0].span(),
            span_of(src, &src[..src.find("}\nGet-D").unwrap() + 1])
        );
        // conditions may be commands, assignments and span lines
        assert_eq!(
            show("if (Get-Mailbox jo) { 1 }"),
            "(if ((cmd Get-Mailbox <jo>) {1}))"
        );
        assert_eq!(show("if ($m = $x) { $m }"), "(if ((= $m $x) {$m}))");
        assert_eq!(
            show("if (\n  $a -and\n  $b\n) { }"),
            "(if ((-and $a $b) {}))"
        );
        assert_eq!(show("if ($a) {} ; Get-X"), "(if ($a {}))\n(cmd Get-X)");
        // an if as a value
        assert_eq!(
            show("$v = if ($a) { 1 } else { 2 }"),
            "(= $v (if ($a {1}) (else {2})))"
        );
        assert_eq!(show("$(if ($a) { 1 })"), "(sub (if ($a {1})))");
    }

    #[test]
    fn loops() {
        assert_eq!(
            show("foreach ($m in Get-Mailbox) { Set-Mailbox $m.Name -X 1 }"),
            "(foreach $m (cmd Get-Mailbox) {(cmd Set-Mailbox $m.Name -X 1)})"
        );
        assert_eq!(
            show("foreach ($i in 1..3) { if ($i -eq 2) { continue }; $i }"),
            "(foreach $i (.. 1 3) {(if ((-eq $i 2) {(continue)})); $i})"
        );
        assert_eq!(
            show("FOREACH ($x IN $list)\n{\n  break\n}"),
            "(foreach $x $list {(break)})"
        );
        assert_eq!(
            show("while ($i -lt 3) { $i++ }"),
            "(while (-lt $i 3) {(post++ $i)})"
        );
        assert_eq!(
            show("do { $i-- } while ($i)"),
            "(do {(post-- $i)} while $i)"
        );
        assert_eq!(
            show("do {\n  $i++\n}\nuntil ($i -ge 3)"),
            "(do {(post++ $i)} until (-ge $i 3))"
        );
        assert_eq!(
            show("for ($i = 0; $i -lt 10; $i++) { $i }"),
            "(for (= $i 0) (-lt $i 10) (post++ $i) {$i})"
        );
        assert_eq!(show("for (;;) { break }"), "(for - - - {(break)})");
        assert_eq!(show("break outer"), "(break outer)");
        assert_eq!(
            show("$squares = foreach ($n in 1..3) { $n * $n }"),
            "(= $squares (foreach $n (.. 1 3) {(* $n $n)}))"
        );
    }

    #[test]
    fn switch_statement() {
        assert_eq!(
            show("switch ($x) {\n  'a' { 1 }\n  b { 2; break }\n  42 { 3 }\n  { $_ -gt 5 } { 4 }\n  default { 5 }\n}"),
            "(switch $x ('a' {1}) (<b> {2; (break)}) (42 {3}) ({(-gt $_ 5)} {4}) (default {5}))"
        );
        assert_eq!(
            show("switch -Wildcard -CaseSensitive ($n) { 'a*' { 'A' } }"),
            "(switch -wildcard -casesensitive $n ('a*' {'A'}))"
        );
        assert_eq!(
            show("switch -regex ($n) { '^\\d+$' { 'digits' } }"),
            "(switch -regex $n ('^\\d+$' {'digits'}))"
        );
        assert!(error("switch -File x.txt { }")
            .message
            .contains("not supported"));
        assert!(error("switch ($x) { default { 1 } default { 2 } }")
            .message
            .contains("only one default"));
    }

    #[test]
    fn flow_statements() {
        assert_eq!(show("return"), "(return -)");
        assert_eq!(show("return $x + 1"), "(return (+ $x 1))");
        assert_eq!(show("throw 'bad thing'"), "(throw 'bad thing')");
        assert_eq!(show("throw"), "(throw -)");
        assert_eq!(show("exit 2"), "(exit 2)");
        assert_eq!(show("if ($x) { return }"), "(if ($x {(return -)}))");
        let src = "throw \"no $x\"";
        let script = parse_script(src).unwrap();
        assert_eq!(script.statements[0].span(), Span::new(0, src.len()));
    }

    #[test]
    fn try_catch_finally() {
        assert_eq!(
            show("try { Get-X -ErrorAction Stop } catch { $_.Exception.Message }"),
            "(try {(cmd Get-X -ErrorAction <Stop>)} (catch {$_.Exception.Message}))"
        );
        assert_eq!(
            show("try {\n  a\n}\ncatch [System.IO.IOException], [System.UnauthorizedAccessException] {\n  b\n}\ncatch {\n  c\n}\nfinally {\n  d\n}"),
            "(try {(cmd a)} (catch [System.IO.IOException] [System.UnauthorizedAccessException] {(cmd b)}) (catch {(cmd c)}) (finally {(cmd d)}))"
        );
        assert_eq!(
            show("try { a } finally { b }"),
            "(try {(cmd a)} (finally {(cmd b)}))"
        );
        let e = error("try { a }\nGet-B");
        assert_eq!(
            e.message,
            "The try statement is missing its catch or finally block."
        );
        assert_eq!(e.span, Span::new(0, 3));
        assert!(is_incomplete("try { a }"));
        assert!(error("try { a } catch { b } catch [X] { c }")
            .message
            .contains("must be the last catch block"));
    }

    #[test]
    fn functions_and_param_blocks() {
        assert_eq!(
            show("function Get-Double($n) { $n * 2 }"),
            "(function Get-Double {param($n) (* $n 2)})"
        );
        assert_eq!(
            show("function New-Contact {\n  [CmdletBinding()]\n  param(\n    [Parameter(Mandatory = $true, Position = 0)]\n    [string]$Name,\n    [ValidateSet('a', 'b')] $Kind = 'a',\n    [switch]$Force\n  )\n  Write-Output $Name\n}"),
            "(function New-Contact {[CmdletBinding] param([Parameter(Mandatory=$true,Position=0)][string]$Name, [ValidateSet('a','b')]$Kind='a', [switch]$Force) (cmd Write-Output $Name)})"
        );
        assert_eq!(
            show("function f { param([Parameter(Mandatory, ValueFromPipeline)] $x) process { $x } }"),
            "(function f {param([Parameter(Mandatory=$true,ValueFromPipeline=$true)]$x) process{$x}})"
        );
        assert_eq!(
            show("function f {\n  begin { 1 }\n  process { 2 }\n  end { 3 }\n}"),
            "(function f {begin{1} process{2} end{3}})"
        );
        assert_eq!(
            show("filter Only-A { if ($_ -like 'a*') { $_ } }"),
            "(filter Only-A {(if ((-like $_ 'a*') {$_}))})"
        );
        assert_eq!(show("function global:g\n{\n}"), "(function g {})");
        // a script's own param block
        assert_eq!(
            show("[CmdletBinding()]\nparam([string]$Path = 'contacts.csv', $WhatIf)\nGet-X $Path"),
            "([CmdletBinding] param [string]$Path='contacts.csv', $WhatIf)\n(cmd Get-X $Path)"
        );
        assert_eq!(show("param($a)"), "(param $a)");
        // errors
        assert!(error("function { }").message.contains("Missing name"));
        assert!(error("function f").message.contains("Missing the body"));
        assert!(is_incomplete("function f"));
        assert!(error("function f($a) { param($b) }")
            .message
            .contains("both in parentheses"));
        assert!(error("function f($a, $a) { }")
            .message
            .contains("Duplicate parameter"));
        assert!(error("function f { begin { } 1 }")
            .message
            .contains("Only begin, process and end"));
        assert!(error("function f { param($a = ) }")
            .message
            .contains("default value"));
        assert!(error("function f { param([Parameter(Mandatory) $a) }")
            .message
            .contains("attribute"));
    }

    #[test]
    fn script_blocks_as_values() {
        assert_eq!(
            show("Get-X | Where-Object { $_.Enabled }"),
            "(| (cmd Get-X) (cmd Where-Object {$_.Enabled}))"
        );
        assert_eq!(
            show("Get-X | %{ $_.Name } | ? { $_ -like 'a*' }"),
            "(| (cmd Get-X) (cmd % {$_.Name}) (cmd ? {(-like $_ 'a*')}))"
        );
        assert_eq!(
            show("$f = { param($x) $x + 1 }"),
            "(= $f {param($x) (+ $x 1)})"
        );
        assert_eq!(show("{}"), "{}");
        assert_eq!(show("$l.Where({ $_ -gt 1 })"), "$l.Where({(-gt $_ 1)})");
        assert_eq!(
            show("Get-X | ForEach-Object -Begin { $n = 0 } -Process { $n++ } -End { $n }"),
            "(| (cmd Get-X) (cmd ForEach-Object -Begin {(= $n 0)} -Process {(post++ $n)} -End {$n}))"
        );
        // multi-line blocks in a pipeline
        let src = "Get-X |\n  ForEach-Object {\n    $n = $_.Name\n    Set-X $n\n  }\nGet-Y";
        assert_eq!(
            show(src),
            "(| (cmd Get-X) (cmd ForEach-Object {(= $n $_.Name); (cmd Set-X $n)}))\n(cmd Get-Y)"
        );
        // the text of a block is kept (what -Filter { ... } and ToString() get)
        let Expr::ScriptBlock(b) = single_expr("{ Name -eq 'jo' }") else {
            panic!()
        };
        assert_eq!(b.text, " Name -eq 'jo' ");
        assert_eq!(b.span, Span::new(0, 17));
        assert_eq!(
            show("Get-Recipient -RecipientFilter {Name -eq 'x'}"),
            "(cmd Get-Recipient -RecipientFilter {(cmd Name -eq 'x')})"
        );
        assert!(is_incomplete("Get-X | where {\n $_.Enabled"));
        assert!(!is_incomplete("Get-X | where { $_.Enabled }"));
        assert_eq!(
            error("Get-X | where {\n $_.Enabled").message,
            "Missing closing '}' in script block."
        );
    }

    #[test]
    fn statements_as_hashtable_values() {
        assert_eq!(
            show("@{ Kind = if ($a) { 'x' } else { 'y' }; N = 1 }"),
            "@{<Kind>=(sub (if ($a {'x'}) (else {'y'}))); <N>=1}"
        );
    }

    #[test]
    fn assignment_forms() {
        assert_eq!(show("$x += 1"), "(+= $x 1)");
        assert_eq!(show("$x -= 1"), "(-= $x 1)");
        assert_eq!(
            show("$x *= 2; $x /= 2; $x %= 3"),
            "(*= $x 2)\n(/= $x 2)\n(%= $x 3)"
        );
        assert_eq!(show("$x \u{2013}= 1"), "(-= $x 1)");
        assert_eq!(show("$list += Get-X"), "(+= $list (cmd Get-X))");
        assert_eq!(show("$h.Name = 'x'"), "(= $h.Name 'x')");
        assert_eq!(show("$h['k'] = 1"), "(= $h['k'] 1)");
        assert_eq!(show("$a[0].Name = $b"), "(= $a[0].Name $b)");
        assert_eq!(show("[int]$n = '5'"), "(= ([cast] [int] $n) '5')");
        assert_eq!(show("$a, $b = 1, 2"), "(= (array $a $b) (array 1 2))");
        assert_eq!(show("$a = $b = 1"), "(= $a (= $b 1))");
        assert_eq!(show("$null = $list.Add(1)"), "(= $null $list.Add(1))");
        assert_eq!(
            show("$i++; ++$i; $i--; --$i"),
            "(post++ $i)\n(++ $i)\n(post-- $i)\n(-- $i)"
        );
        assert_eq!(show("$x.Count++"), "(post++ $x.Count)");
        assert_eq!(show("--5"), "(- -5)");
        // not assignable
        let e = error("$x.M() = 1");
        assert!(e.message.contains("cannot be assigned to"), "{}", e.message);
        assert_eq!(e.span, Span::new(0, 6));
        // in argument mode `=` is just a word
        assert_eq!(show("Get-X = 1"), "(cmd Get-X <=> 1)");
        assert!(error("++$x.M()")
            .message
            .contains("works only on variables"));
        let e = error("$x +=");
        assert_eq!(
            e.message,
            "You must provide a value expression following the '+=' operator."
        );
        assert!(is_incomplete("$x +="));
    }

    #[test]
    fn splatting_and_call_operators() {
        assert_eq!(
            show("New-MailContact @params"),
            "(cmd New-MailContact @params)"
        );
        assert_eq!(
            show("Set-Mailbox @p -WhatIf"),
            "(cmd Set-Mailbox @p -WhatIf)"
        );
        let c = single_command("Set-X @p");
        let CommandArg::Value(Expr::Splat(v)) = &c.args[0] else {
            panic!()
        };
        assert_eq!(v.span, Span::new(6, 8));
        assert!(error("$x = @p").message.contains("can only pass arguments"));
        assert!(error("Set-X @p.x").message.contains("must stand alone"));
        assert_eq!(show("& $block 1 2"), "(cmd & $block 1 2)");
        assert_eq!(show("& { $args }"), "(cmd & {$args})");
        assert_eq!(show(". { $x = 1 }"), "(cmd . {(= $x 1)})");
        assert_eq!(show("& 'Get-Mailbox' jo"), "(cmd & 'Get-Mailbox' <jo>)");
        assert_eq!(
            show("Get-X | & { process { $_ } }"),
            "(| (cmd Get-X) (cmd & {process{$_}}))"
        );
        assert!(error("& ").message.contains("Missing what to run"));
        assert!(error(".\\script.ps1").message.contains("not supported"));
        assert!(error("./script.ps1").message.contains("not supported"));
    }
    // ----- errors -----

    #[test]
    fn error_unterminated_single_quoted_string() {
        let src = "Set-X -Name 'abc\nGet-Y";
        let e = error(src);
        assert_eq!(e.message, "The string is missing the terminator: '.");
        assert_eq!(e.span, Span::new(12, src.len()));
        assert!(e.help.unwrap().contains("add a closing '"));
        assert!(is_incomplete(src));
    }

    #[test]
    fn error_typographic_apostrophe_gets_a_hint() {
        let src = "Set-Mailbox jo -Comment 'it\u{2019}s'";
        let e = error(src);
        assert_eq!(e.message, "The string is missing the terminator: '.");
        assert_eq!(e.span, Span::new(src.len() - 1, src.len()));
        assert!(e
            .help
            .unwrap()
            .contains("an apostrophe like \u{2019} ends the string"));
    }

    #[test]
    fn error_unterminated_double_quoted_string() {
        let src = "$x = \"abc $y";
        let e = error(src);
        assert_eq!(e.message, "The string is missing the terminator: \".");
        assert_eq!(e.span, Span::new(5, src.len()));
        assert!(is_incomplete(src));
        // a typographic opening quote
        let e = error("Set-X \u{201C}abc");
        assert_eq!(e.span, Span::new(6, 12));
    }

    #[test]
    fn error_unterminated_here_string() {
        let src = "$x = @'\nabc\n";
        let e = error(src);
        assert_eq!(e.message, "The here-string is missing the terminator: '@.");
        assert_eq!(e.span, Span::new(5, src.len()));
        assert!(is_incomplete(src));
        assert!(is_incomplete("$x = @\""));
        let e = error("$x = @'abc'@");
        assert_eq!(
            e.message,
            "No characters are allowed after a here-string header but before the end of the line."
        );
        assert_eq!(e.span, Span::new(5, 7));
    }

    #[test]
    fn error_unclosed_paren() {
        let src = "Set-X -A ($a + 1";
        let e = error(src);
        assert_eq!(e.message, "Missing closing ')' in expression.");
        assert_eq!(
            e.help.as_deref(),
            Some("add ')' to close the '(' opened here")
        );
        assert_eq!(e.span, Span::new(9, 10));
        assert!(is_incomplete(src));
        let e = error("$x = (1 2)");
        assert_eq!(e.message, "Missing closing ')' in expression.");
        assert_eq!(e.span, Span::new(5, 6));
        assert!(!is_incomplete("$x = (1 2)"));
    }

    #[test]
    fn error_unclosed_subexpressions_and_arrays() {
        let e = error("$x = @(1, 2");
        assert_eq!(e.message, "Missing closing ')' in array subexpression.");
        assert_eq!(e.span, Span::new(5, 7));
        assert_eq!(
            e.help.as_deref(),
            Some("add ')' to close the '@(' opened here")
        );
        let e = error("$x = $(Get-X");
        assert_eq!(e.message, "Missing closing ')' in subexpression.");
        assert_eq!(e.span, Span::new(5, 7));
        let e = error("Set-X @{a=1");
        assert_eq!(e.message, "Missing closing '}' in hash literal.");
        assert_eq!(e.span, Span::new(6, 8));
        assert_eq!(
            e.help.as_deref(),
            Some("add '}' to close the '@{' opened here")
        );
        let e = error("$x.M(1, 2");
        assert_eq!(e.message, "Missing closing ')' in method call.");
        assert_eq!(e.span, Span::new(4, 5));
        for src in [
            "$x = @(1, 2",
            "$x = $(Get-X",
            "Set-X @{a=1",
            "$x.M(1, 2",
            "\"$(1",
        ] {
            assert!(is_incomplete(src), "{src}");
        }
    }

    #[test]
    fn error_unclosed_brackets() {
        let e = error("$x = [System.IO.File");
        assert_eq!(e.message, "Missing closing ']' in type name.");
        assert_eq!(e.span, Span::new(5, 6));
        let e = error("$a[0");
        assert_eq!(e.message, "Missing closing ']' in array index expression.");
        assert_eq!(e.span, Span::new(2, 3));
        assert_eq!(
            e.help.as_deref(),
            Some("add ']' to close the '[' opened here")
        );
        let e = error("$a[]");
        assert_eq!(e.message, "Missing array index expression inside '[ ]'.");
        let e = error("$x = [1]");
        assert_eq!(e.message, "Missing type name after '['.");
        assert_eq!(e.span, Span::new(5, 8));
        let e = error("$x = [a;b]");
        assert_eq!(e.message, "Unexpected character ';' in type name.");
        assert_eq!(e.span, Span::new(7, 8));
    }

    #[test]
    fn error_stray_closing() {
        let src = "Get-X )\nGet-Y";
        let e = error(src);
        assert_eq!(
            e.message,
            "Unexpected token ')' in expression or statement."
        );
        assert_eq!(e.span, Span::new(6, 7));
        assert!(e.help.unwrap().contains("matching '('"));
        let e = error(")");
        assert_eq!(e.span, Span::new(0, 1));
        let e = error("$x }");
        assert_eq!(
            e.message,
            "Unexpected token '}' in expression or statement."
        );
        assert_eq!(e.span, Span::new(3, 4));
        let e = error("$(1))");
        assert_eq!(e.span, Span::new(4, 5));
    }

    #[test]
    fn error_pipe_with_nothing_after() {
        let src = "Get-X |";
        let e = error(src);
        assert_eq!(e.message, "Missing command after the pipe operator '|'.");
        assert_eq!(e.span, Span::new(6, 7));
        assert!(is_incomplete(src));
        assert!(is_incomplete("Get-X |\n  "));
        let e = error("Get-X | ; Get-Y");
        assert_eq!(e.span, Span::new(6, 7));
        assert!(!is_incomplete("Get-X | ; Get-Y"));
    }

    #[test]
    fn error_empty_pipe_element() {
        let src = "Get-X | | Get-Y";
        let e = error(src);
        assert_eq!(e.message, "An empty pipe element is not allowed.");
        assert_eq!(e.span, Span::new(6, 9));
        let e = error("| Get-Y");
        assert_eq!(e.message, "An empty pipe element is not allowed.");
        assert_eq!(e.span, Span::new(0, 1));
        let e = error("Get-X || Get-Y");
        assert_eq!(e.span, Span::new(6, 8));
    }

    #[test]
    fn error_parameter_without_name() {
        let src = "Set-Mailbox - Identity jo";
        let e = error(src);
        assert_eq!(e.message, "Missing parameter name after '-'.");
        assert_eq!(e.span, Span::new(12, 13));
        assert!(e.help.unwrap().contains("without a space"));
        assert_eq!(error("Set-Mailbox -").span, Span::new(12, 13));
        assert_eq!(error("Set-Mailbox \u{2013}").span, Span::new(12, 15));
        assert_eq!(
            error("Set-Mailbox -:x").message,
            "Missing parameter name after '-'."
        );
    }

    #[test]
    fn error_colon_parameter_without_value() {
        let e = error("Set-X -Confirm: ");
        assert_eq!(
            e.message,
            "Missing value after ':' for parameter '-Confirm'."
        );
        assert_eq!(e.span, Span::new(6, 15));
    }

    #[test]
    fn error_assignment_without_value() {
        let src = "$x =";
        let e = error(src);
        assert_eq!(
            e.message,
            "You must provide a value expression following the '=' operator."
        );
        assert_eq!(e.span, Span::new(3, 4));
        assert!(is_incomplete(src));
        let e = error("$x = ; Get-Y");
        assert_eq!(e.span, Span::new(3, 4));
        assert!(!is_incomplete("$x = ; Get-Y"));
    }

    #[test]
    fn error_unknown_operator() {
        let src = "$a -foo $b";
        let e = error(src);
        assert_eq!(
            e.message,
            "Unexpected token '-foo': '-foo' is not an operator."
        );
        assert_eq!(e.span, Span::new(3, 7));
        assert!(e.help.unwrap().contains("-eq"));
        let e = error("$x = 1 -Identity jo");
        assert_eq!(e.span, Span::new(7, 16));
        let e = error("$x = (1 \u{2013}bogus 2)");
        assert_eq!(
            e.message,
            "Unexpected token '\u{2013}bogus': '\u{2013}bogus' is not an operator."
        );
        let e = error("$x.M(-bogus)");
        assert_eq!(
            e.message,
            "Unexpected token '-bogus': '-bogus' is not an operator."
        );
        assert_eq!(e.span, Span::new(5, 11));
        let e = error("$x = -eq 1");
        assert_eq!(
            e.message,
            "You must provide a value expression before the '-eq' operator."
        );
        let e = error("$a == 1");
        assert_eq!(e.message, "'==' is not an operator in PowerShell.");
        assert_eq!(e.help.as_deref(), Some("use -eq instead"));
        assert_eq!(e.span, Span::new(3, 5));
        let e = error("$a -not $b");
        assert!(
            e.message.contains("only goes before a value"),
            "{}",
            e.message
        );
    }

    #[test]
    fn error_missing_operand() {
        let src = "$x = 1 +";
        let e = error(src);
        assert_eq!(
            e.message,
            "You must provide a value expression following the '+' operator."
        );
        assert_eq!(e.span, Span::new(7, 8));
        assert!(is_incomplete(src));
        let e = error("$x = (1 -eq)");
        assert_eq!(
            e.message,
            "You must provide a value expression following the '-eq' operator."
        );
        assert_eq!(e.span, Span::new(8, 11));
        let e = error("$x = -not");
        assert_eq!(e.span, Span::new(5, 9));
        let e = error("$x = 1,");
        assert_eq!(
            e.message,
            "You must provide a value expression following the ',' operator."
        );
        let e = error("Set-X a,");
        assert_eq!(e.message, "Missing argument after ','.");
        assert_eq!(e.span, Span::new(7, 8));
        assert!(is_incomplete("Set-X a,"));
        let e = error("$x.M(1,)");
        assert_eq!(e.message, "Missing argument after ',' in method call.");
    }

    #[test]
    fn error_hashtable_entry_without_equals() {
        let src = "Set-X @{Add $cert}";
        let e = error(src);
        assert_eq!(e.message, "Missing '=' operator after key in hash literal.");
        assert_eq!(e.span, Span::new(8, 11));
        assert!(e.help.unwrap().contains("Key = value"));
        let e = error("@{a=}");
        assert_eq!(e.message, "Missing value after '=' in hash literal.");
        assert_eq!(e.span, Span::new(3, 4));
        let e = error("@{=1}");
        assert_eq!(e.message, "Missing key before '=' in hash literal.");
        let e = error("@{a=1 b=2}");
        assert_eq!(e.message, "Unexpected token 'b' in hash literal.");
    }

    #[test]
    fn error_unsupported_syntax() {
        assert!(error("Get-X > out.txt").message.starts_with("Redirection"));
        assert!(error("Get-X 2>&1").message.starts_with("Redirection"));
        assert!(error("$t::Name")
            .message
            .contains("only supported on a type literal"));
        assert_eq!(
            error("foreach -Parallel ($x in $y) { }").message,
            "foreach -Parallel is not supported in mailsec."
        );
    }

    #[test]
    fn error_statement_syntax() {
        let cases: &[(&str, &str, &str)] = &[
            ("if $x { }", "Missing '(' after 'if'.", "$x"),
            (
                "if () { }",
                "Missing condition in the 'if' statement.",
                "()",
            ),
            (
                "if ($x) Get-Y",
                "Missing statement block after if ( condition ).",
                "Get-Y",
            ),
            (
                "if ($x) { } else Get-Y",
                "Missing statement block after 'else'.",
                "Get-Y",
            ),
            (
                "if ($x { }",
                "Missing closing ')' after the condition of 'if'.",
                "{",
            ),
            (
                "foreach $x in $y { }",
                "Missing opening '(' after keyword 'foreach'.",
                "foreach",
            ),
            (
                "foreach (x in $y) { }",
                "Missing variable name after 'foreach ('.",
                "x",
            ),
            (
                "foreach ($x of $y) { }",
                "Missing 'in' after the variable in the foreach loop.",
                "of",
            ),
            (
                "foreach ($x in ) { }",
                "Missing the collection after 'in' in the foreach loop.",
                "in",
            ),
            (
                "while ($x) ",
                "Missing statement block after while ( condition ).",
                "",
            ),
            (
                "do { } Get-X",
                "Missing 'while' or 'until' after the do loop's block.",
                "do",
            ),
            (
                "for ($i = 0; $i -lt 1 { }",
                "Unexpected token in the for loop header.",
                "{",
            ),
        ];
        for (src, message, at) in cases {
            let e = error(src);
            assert_eq!(e.message, *message, "{src}");
            if !at.is_empty() {
                assert_eq!(e.span, span_of(src, at), "{src}");
            }
            assert!(e.help.is_some(), "{src}");
        }
        for src in [
            "if ($x) {",
            "if ($x) { 1 } else {",
            "if ($x)",
            "foreach ($x in $y) {\n Get-Y",
            "while ($true) {",
            "do {",
            "do { }",
            "try {",
            "function f {",
            "function f { param(",
            "switch ($x) {",
            "$f = {",
            "for ($i = 0;",
        ] {
            assert!(is_incomplete(src), "{src:?} should be incomplete");
        }
        for src in [
            "if ($x) { }",
            "do { } while ($x)",
            "function f { }",
            "$f = { }",
        ] {
            assert!(!is_incomplete(src), "{src:?} should be complete");
        }
    }
    #[test]
    fn error_expression_after_pipe_and_parameter_at_line_start() {
        let e = error("Get-X | $y");
        assert_eq!(
            e.message,
            "Expressions are only allowed as the first element of a pipeline."
        );
        assert_eq!(e.span, Span::new(8, 10));
        // a continuation line whose previous line lacks the backtick
        let src = "New-X -Name a\n    -Comment 'b'";
        let e = error(src);
        assert!(
            e.message.contains("'-Comment' has no command"),
            "{}",
            e.message
        );
        assert_eq!(e.span, span_of(src, "-Comment"));
        assert!(e.help.unwrap().contains("backtick"));
    }

    #[test]
    fn error_backticks() {
        let e = error("Get-X `");
        assert!(e.message.contains("escape character"));
        assert_eq!(e.span, Span::new(6, 7));
        assert!(is_incomplete("Get-X -A 1 `"));
        // the next line is then a statement of its own, which gets its own error
        let errs = errors("Get-X `  \n -A 1");
        assert_eq!(errs.len(), 2);
        let e = errs[0].clone();
        assert_eq!(
            e.message,
            "The '`' is followed by spaces, so it does not continue the line."
        );
        assert_eq!(e.span, Span::new(6, 9));
    }

    #[test]
    fn error_unexpected_tokens() {
        let e = error("$x $y");
        assert_eq!(
            e.message,
            "Unexpected token '$y' in expression or statement."
        );
        assert_eq!(e.span, Span::new(3, 5));
        let e = error("$x = 42abc");
        assert_eq!(
            e.message,
            "Unexpected token 'abc' in expression or statement."
        );
        let e = error("$x.M(foo)");
        assert_eq!(e.message, "Unexpected token 'foo' in expression.");
        assert_eq!(e.span, Span::new(5, 8));
        let e = error("$x = ()");
        assert_eq!(e.message, "An expression was expected after '('.");
        assert_eq!(e.span, Span::new(5, 7));
        let e = error("$x = $");
        assert_eq!(e.message, "Missing variable name after '$'.");
        let e = error("$x.");
        assert_eq!(e.message, "Missing property name after '.'.");
        let e = error("[int]::");
        assert_eq!(e.message, "Missing member name after '::'.");
        let e = error("Get-X <# never closed");
        assert_eq!(e.message, "Missing the end of the block comment '#>'.");
        assert!(is_incomplete("Get-X <# never closed"));
    }

    #[test]
    fn errors_accumulate_with_recovery() {
        let src = "Get-A -B (1\nGet-C )\n$x =\nclass A { }\nGet-D | | Get-E\nGet-F -G 'ok'; $y = 1 -foo 2; Get-H";
        let errs = parse_script(src).unwrap_err();
        let messages: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
        // the unclosed `(` swallows the rest of its statement only up to the point where the
        // parser gave up; recovery resumes at the next statement boundary outside brackets
        assert!(
            messages.contains(&"Missing closing ')' in expression."),
            "{messages:#?}"
        );
        assert!(
            messages.contains(&"'class' statements are not supported in mailsec"),
            "{messages:#?}"
        );
        assert!(
            messages.contains(&"An empty pipe element is not allowed."),
            "{messages:#?}"
        );
        assert!(
            messages.contains(&"Unexpected token '-foo': '-foo' is not an operator."),
            "{messages:#?}"
        );

        let src = "Get-C )\n$x = ;\nGet-D | | Get-E\nGet-F -G 'ok'; $y = 1 -foo 2; Get-H";
        let errs = parse_script(src).unwrap_err();
        assert_eq!(errs.len(), 4, "{errs:#?}");
        assert_eq!(errs[0].span, span_of(src, ")"));
        assert_eq!(errs[1].span, span_of(src, "="));
        assert_eq!(errs[2].span, span_of(src, "| |"));
        assert_eq!(errs[3].span, span_of(src, "-foo"));

        // an error inside an if block is reported once; its else is not a second error
        let src = "if ($a) {\n  Get-X | | Get-Y\n}\nelse {\n  1\n}\nGet-Z -A (\n";
        let errs = parse_script(src).unwrap_err();
        assert_eq!(errs.len(), 2, "{errs:#?}");
        assert_eq!(errs[0].span, span_of(src, "| |"));
        let src = "try {\n  $x = \n}\ncatch {\n}\nfinally { }";
        let errs = parse_script(src).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:#?}");
    }
    #[test]
    fn is_incomplete_cases() {
        for src in [
            "'abc",
            "\"abc",
            "(1 +",
            "Get-X -A (",
            "$x = @(",
            "$x = @{",
            "$x = $(",
            "Get-X `",
            "Get-X |",
            "@'\nabc",
            "@\"\nabc",
            "$x = [int",
            "if ($x) {",
            "$x = 1 -eq",
            "${abc",
        ] {
            assert!(is_incomplete(src), "{src:?} should be incomplete");
        }
        for src in [
            "",
            "Get-X",
            "Get-X )",
            "$x = 1",
            "'abc'",
            "Get-X -A (1)",
            "Get-X `\n -B",
            "$x = [int]",
        ] {
            assert!(!is_incomplete(src), "{src:?} should be complete");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for depth in [10_000usize, 500, 101] {
            let src = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
            let e = error(&src);
            assert!(e.message.contains("nested too deeply"), "{}", e.message);
            let src = format!("$x = {}1", "-".repeat(depth));
            assert!(parse_script(&src).is_err());
            let src = format!("Set-X {}", "$(".repeat(depth));
            assert!(parse_script(&src).is_err());
            let src = format!("\"{}", "$(\"".repeat(depth));
            assert!(parse_script(&src).is_err());
        }
        // moderate nesting is fine
        let src = format!("{}1{}", "(".repeat(20), ")".repeat(20));
        assert!(parse_script(&src).is_ok());
    }

    // ----- property tests -----

    fn check_error_spans(src: &str) -> Result<(), TestCaseError> {
        if let Err(errors) = parse_script(src) {
            prop_assert!(!errors.is_empty());
            for e in errors {
                prop_assert!(e.span.start <= e.span.end, "{e:?}");
                prop_assert!(e.span.end <= src.len(), "{e:?}");
                prop_assert!(src.is_char_boundary(e.span.start), "{e:?}");
                prop_assert!(src.is_char_boundary(e.span.end), "{e:?}");
                prop_assert!(!e.message.is_empty());
            }
        }
        let _ = is_incomplete(src);
        Ok(())
    }

    /// Strings made of the characters that matter to the grammar.
    fn grammar_soup() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "$",
            "(",
            ")",
            "@(",
            "@{",
            "$(",
            "{",
            "}",
            "[",
            "]",
            "'",
            "\"",
            "`",
            "`\n",
            "|",
            ";",
            ",",
            "\n",
            "\r\n",
            " ",
            "#",
            "<#",
            "#>",
            "=",
            "-",
            "\u{2013}",
            "\u{201C}",
            "\u{2019}",
            "@'\n",
            "\n'@",
            "@\"\n",
            "\n\"@",
            "::",
            ".",
            "..",
            "x",
            "Get-X",
            "-Name",
            "-eq",
            "-foo",
            "1",
            "0x1F",
            "1KB",
            "$a",
            "if",
            "é",
            "\u{1F600}",
            "if",
            "elseif",
            "else",
            "foreach",
            " in ",
            "while",
            "do",
            "until",
            "for",
            "switch",
            "default",
            "try",
            "catch",
            "finally",
            "throw",
            "return",
            "break",
            "continue",
            "exit",
            "function",
            "filter",
            "param",
            "begin",
            "process",
            "end",
            "[Parameter(Mandatory)]",
            "[string]",
            "[CmdletBinding()]",
            "@params",
            "+=",
            "-=",
            "++",
            "--",
            "& ",
            ". ",
            "$_",
            "%{",
            "?{",
            "-like",
            "-match",
            "-f",
            "[pscustomobject]",
            "!",
            "+",
            "*",
            ":",
            ">",
            "&",
            "%",
            "?",
        ]);
        prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn any_string_never_panics(src in any::<String>()) {
            check_error_spans(&src)?;
        }

        #[test]
        fn grammar_soup_never_panics(src in grammar_soup()) {
            check_error_spans(&src)?;
        }

        /// Random bytes, read as a script file is when it is not valid UTF-8 (lossily).
        #[test]
        fn any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            check_error_spans(&String::from_utf8_lossy(&bytes))?;
        }

        /// Token streams with random bytes between the tokens: errors still point inside the input.
        #[test]
        fn tokens_and_bytes_never_panic(
            parts in prop::collection::vec((grammar_soup(), prop::collection::vec(any::<u8>(), 0..4)), 0..8),
        ) {
            let mut bytes = Vec::new();
            for (tokens, noise) in &parts {
                bytes.extend_from_slice(tokens.as_bytes());
                bytes.extend_from_slice(noise);
            }
            check_error_spans(&String::from_utf8_lossy(&bytes))?;
        }
    }

    /// A generated argument: its source text and whether it is a parameter.
    #[derive(Debug, Clone)]
    enum GenArg {
        Param(String),
        ColonParam(String, String),
        Value(String),
    }

    impl GenArg {
        fn text(&self) -> String {
            match self {
                GenArg::Param(n) => format!("-{n}"),
                GenArg::ColonParam(n, v) => format!("-{n}:{v}"),
                GenArg::Value(v) => v.clone(),
            }
        }
    }

    fn literal_arg() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z][a-zA-Z0-9_.@*:/\\\\-]{0,15}"
                .prop_filter("not a number", |s| whole_number(s).is_none()),
            "[a-zA-Z0-9 !#%&*+./:;<>=?@_|-]{0,12}"
                .prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
            "[a-zA-Z0-9 !#%&*+./:;<>=?@_|-]{0,12}".prop_map(|s| format!("\"{s}\"")),
            "[a-z]{1,8}".prop_map(|s| format!("\"x ${s} y\"")),
            (0u32..100_000).prop_map(|n| n.to_string()),
            (
                1u32..100,
                prop::sample::select(vec!["KB", "MB", "GB", "kb"])
            )
                .prop_map(|(n, s)| format!("{n}{s}")),
            (0u32..0xFFFF).prop_map(|n| format!("0x{n:X}")),
            "[a-zA-Z_][a-zA-Z0-9_]{0,8}".prop_map(|s| format!("${s}")),
            prop::sample::select(vec!["$true", "$false", "$null", "$_"]).prop_map(String::from),
            "[a-zA-Z_][a-zA-Z0-9_]{0,8}".prop_map(|s| format!("$x.{s}")),
            (0u32..9).prop_map(|n| format!("$a[{n}]")),
            "[a-z]{1,6}\\.com".prop_map(|s| format!("{s},*.{s}")),
            "[a-z]{1,6}".prop_map(|s| format!("'{s}', '{s}2'")),
            "[a-z]{1,6}".prop_map(|s| format!("(Get-{s} -Name x)")),
            "[a-z]{1,6}".prop_map(|s| format!("$(Get-{s}; 1)")),
            "[a-z]{1,6}".prop_map(|s| format!("@('{s}', 2)")),
            "[a-zA-Z]{1,6}".prop_map(|s| format!("@{{{s}=1; B='x'}}")),
            Just("[System.IO.File]::ReadAllBytes('C:\\x.sst')".to_string()),
            Just("baptiste@cravaterouge.com".to_string()),
            Just("C:\\certs\\baptiste.cer".to_string()),
        ]
    }

    fn gen_arg() -> impl Strategy<Value = GenArg> {
        prop_oneof![
            "[a-zA-Z][a-zA-Z0-9_]{0,12}".prop_map(GenArg::Param),
            (
                "[a-zA-Z][a-zA-Z0-9_]{0,12}",
                prop::sample::select(vec!["$true", "$false", "5", "abc", "'q'"])
            )
                .prop_map(|(n, v)| GenArg::ColonParam(n, v.to_string())),
            literal_arg().prop_map(GenArg::Value),
            literal_arg().prop_map(GenArg::Value),
        ]
    }

    fn gen_command() -> impl Strategy<Value = (String, Vec<GenArg>)> {
        (
            "(Get|Set|New|Remove)-[A-Z][a-zA-Z]{1,12}",
            prop::collection::vec(gen_arg(), 0..6),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        #[test]
        fn generated_scripts_parse(
            statements in prop::collection::vec(
                (prop::collection::vec(gen_command(), 1..3), any::<bool>(), prop::sample::select(vec!["\n", ";", "\r\n", " ; ", "\n\n# c\n"]), any::<bool>()),
                1..6,
            )
        ) {
            let mut src = String::new();
            for (pipeline, assign, sep, continuation) in &statements {
                if *assign {
                    src.push_str("$result = ");
                }
                let elements: Vec<String> = pipeline
                    .iter()
                    .map(|(name, args)| {
                        let mut text = name.clone();
                        for (i, arg) in args.iter().enumerate() {
                            text.push_str(if *continuation && i == 1 { " `\n    " } else { " " });
                            text.push_str(&arg.text());
                        }
                        text
                    })
                    .collect();
                src.push_str(&elements.join(" | "));
                src.push_str(sep);
            }
            let script = match parse_script(&src) {
                Ok(s) => s,
                Err(e) => return Err(TestCaseError::fail(format!("{src:?}: {e:#?}"))),
            };
            prop_assert_eq!(script.statements.len(), statements.len(), "{:?}", src);
            for (statement, (pipeline, assign, _, _)) in script.statements.iter().zip(&statements) {
                let parsed = match (statement, assign) {
                    (Statement::Assignment { value, .. }, true) => match value.as_ref() {
                        Statement::Pipeline(p) => p,
                        other => return Err(TestCaseError::fail(format!("not a pipeline: {other:?} in {src:?}"))),
                    },
                    (Statement::Pipeline(p), false) => p,
                    _ => return Err(TestCaseError::fail(format!("wrong statement kind in {src:?}"))),
                };
                prop_assert_eq!(parsed.elements.len(), pipeline.len());
                for (element, (name, args)) in parsed.elements.iter().zip(pipeline) {
                    let PipelineElement::Command(c) = element else {
                        return Err(TestCaseError::fail(format!("not a command in {src:?}")));
                    };
                    prop_assert_eq!(&c.name, name);
                    prop_assert_eq!(c.args.len(), args.len(), "{:?}", src);
                    for (parsed_arg, arg) in c.args.iter().zip(args) {
                        match (parsed_arg, arg) {
                            (CommandArg::Parameter { name, colon_value: None, span }, GenArg::Param(n)) => {
                                prop_assert_eq!(name, n);
                                prop_assert_eq!(&src[span.start..span.end], format!("-{n}"));
                            }
                            (CommandArg::Parameter { name, colon_value: Some(_), .. }, GenArg::ColonParam(n, _)) => {
                                prop_assert_eq!(name, n);
                            }
                            (CommandArg::Value(v), GenArg::Value(text)) => {
                                let span = v.span();
                                prop_assert_eq!(&src[span.start..span.end], text.as_str());
                            }
                            (p, g) => return Err(TestCaseError::fail(format!("{p:?} vs {g:?} in {src:?}"))),
                        }
                    }
                }
            }
        }
    }

    /// A generated statement, for round trips through the parser of nested blocks.
    #[derive(Debug, Clone)]
    enum GenStmt {
        Cmd(String, Vec<GenArg>),
        Assign(String, String, Box<GenStmt>),
        If(Vec<(String, Vec<GenStmt>)>, Option<Vec<GenStmt>>),
        Foreach(String, String, Vec<GenStmt>),
        While(String, Vec<GenStmt>),
        Try(Vec<GenStmt>, Option<Vec<GenStmt>>, Option<Vec<GenStmt>>),
        Function(String, Vec<String>, Vec<GenStmt>),
        /// `Get-X | ForEach-Object { ... }` / `| Where-Object { ... }`
        PipeBlock(String, String, Vec<GenStmt>),
        Flow(String),
    }

    fn gen_condition() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "$x",
            "$a -eq 1",
            "(Get-X -Name a)",
            "$n -gt 5 -and $m",
            "$s -like 'a*'",
            "!$done",
            "$h.Count -ge 2",
        ])
        .prop_map(String::from)
    }

    fn gen_stmt() -> impl Strategy<Value = GenStmt> {
        let leaf = prop_oneof![
            gen_command().prop_map(|(n, a)| GenStmt::Cmd(n, a)),
            (
                prop::sample::select(vec!["$x", "$h.Name", "$a[0]", "[int]$n", "$script:total"]),
                prop::sample::select(vec!["=", "+=", "-="]),
                gen_command()
            )
                .prop_map(|(t, op, (n, a))| GenStmt::Assign(
                    t.to_string(),
                    op.to_string(),
                    Box::new(GenStmt::Cmd(n, a))
                )),
            prop::sample::select(vec![
                "break",
                "continue",
                "return",
                "return $x",
                "throw 'x'"
            ])
            .prop_map(|f| GenStmt::Flow(f.to_string())),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            let block = prop::collection::vec(inner, 0..3);
            prop_oneof![
                (
                    prop::collection::vec((gen_condition(), block.clone()), 1..3),
                    prop::option::of(block.clone())
                )
                    .prop_map(|(c, e)| GenStmt::If(c, e)),
                (
                    "[a-z][a-z0-9]{0,5}",
                    prop::sample::select(vec!["$list", "1..3", "(Get-Mailbox)", "@(1, 2)"]),
                    block.clone()
                )
                    .prop_map(|(v, c, b)| GenStmt::Foreach(v, c.to_string(), b)),
                (gen_condition(), block.clone()).prop_map(|(c, b)| GenStmt::While(c, b)),
                (
                    block.clone(),
                    prop::option::of(block.clone()),
                    prop::option::of(block.clone())
                )
                    .prop_filter("catch or finally", |(_, c, f)| c.is_some() || f.is_some())
                    .prop_map(|(b, c, f)| GenStmt::Try(b, c, f)),
                (
                    "(Get|Set|New)-[A-Z][a-z]{1,8}",
                    prop::collection::vec("[a-z][a-zA-Z]{0,6}", 0..3),
                    block.clone()
                )
                    .prop_filter("distinct parameters", |(_, ps, _)| {
                        let mut seen = std::collections::HashSet::new();
                        ps.iter().all(|p| seen.insert(p.to_lowercase()))
                    })
                    .prop_map(|(n, ps, b)| GenStmt::Function(n, ps, b)),
                (
                    "Get-[A-Z][a-z]{1,8}",
                    prop::sample::select(vec![
                        "ForEach-Object",
                        "Where-Object",
                        "%",
                        "?",
                        "foreach"
                    ]),
                    block
                )
                    .prop_map(|(c, cmd, b)| GenStmt::PipeBlock(
                        c,
                        cmd.to_string(),
                        b
                    )),
            ]
        })
    }

    /// Source text of a generated statement; `nl` chooses newlines or `;` inside blocks.
    fn render(st: &GenStmt, nl: bool) -> String {
        let block = |b: &[GenStmt]| -> String {
            let sep = if nl { "\n" } else { "; " };
            let inner: Vec<String> = b.iter().map(|s| render(s, nl)).collect();
            if nl {
                format!("{{\n{}\n}}", inner.join(sep))
            } else {
                format!("{{ {} }}", inner.join(sep))
            }
        };
        match st {
            GenStmt::Cmd(name, args) => {
                let mut t = name.clone();
                for a in args {
                    t.push(' ');
                    t.push_str(&a.text());
                }
                t
            }
            GenStmt::Assign(target, op, value) => format!("{target} {op} {}", render(value, nl)),
            GenStmt::If(clauses, else_body) => {
                let mut t = String::new();
                for (i, (c, b)) in clauses.iter().enumerate() {
                    if i > 0 {
                        t.push_str(if nl { "\nelseif " } else { " elseif " });
                    } else {
                        t.push_str("if ");
                    }
                    t.push_str(&format!("({c}) {}", block(b)));
                }
                if let Some(e) = else_body {
                    t.push_str(if nl { "\nelse " } else { " else " });
                    t.push_str(&block(e));
                }
                t
            }
            GenStmt::Foreach(v, c, b) => format!("foreach (${v} in {c}) {}", block(b)),
            GenStmt::While(c, b) => format!("while ({c}) {}", block(b)),
            GenStmt::Try(b, c, f) => {
                let mut t = format!("try {}", block(b));
                if let Some(c) = c {
                    t.push_str(&format!(" catch {}", block(c)));
                }
                if let Some(f) = f {
                    t.push_str(&format!(" finally {}", block(f)));
                }
                t
            }
            GenStmt::Function(n, ps, b) => {
                let params: Vec<String> = ps.iter().map(|p| format!("${p}")).collect();
                format!("function {n}({}) {}", params.join(", "), block(b))
            }
            GenStmt::PipeBlock(c, cmd, b) => format!("{c} | {cmd} {}", block(b)),
            GenStmt::Flow(f) => f.clone(),
        }
    }

    /// The expected shape of a generated statement.
    fn gen_shape(st: &GenStmt) -> String {
        let block = |b: &[GenStmt]| b.iter().map(gen_shape).collect::<Vec<_>>().join(",");
        match st {
            GenStmt::Cmd(n, a) => format!("cmd:{n}/{}", a.len()),
            GenStmt::Assign(_, op, v) => format!("assign{op}[{}]", gen_shape(v)),
            GenStmt::If(c, e) => format!(
                "if{}[{}]{}",
                c.len(),
                c.iter()
                    .map(|(_, b)| block(b))
                    .collect::<Vec<_>>()
                    .join("|"),
                e.as_ref()
                    .map(|b| format!("else[{}]", block(b)))
                    .unwrap_or_default()
            ),
            GenStmt::Foreach(v, _, b) => format!("foreach:{v}[{}]", block(b)),
            GenStmt::While(_, b) => format!("while[{}]", block(b)),
            GenStmt::Try(b, c, f) => format!(
                "try[{}]{}{}",
                block(b),
                c.as_ref()
                    .map(|b| format!("catch[{}]", block(b)))
                    .unwrap_or_default(),
                f.as_ref()
                    .map(|b| format!("finally[{}]", block(b)))
                    .unwrap_or_default()
            ),
            GenStmt::Function(n, ps, b) => format!("function:{n}/{}[{}]", ps.len(), block(b)),
            GenStmt::PipeBlock(c, cmd, b) => format!("pipe:{c}|{cmd}[{}]", block(b)),
            GenStmt::Flow(f) => f.split(' ').next().unwrap_or("").to_string(),
        }
    }

    /// The same shape read from the syntax tree.
    fn ast_shape(st: &Statement) -> String {
        let block = |b: &Script| {
            b.statements
                .iter()
                .map(ast_shape)
                .collect::<Vec<_>>()
                .join(",")
        };
        match st {
            Statement::Pipeline(p) => match p.elements.as_slice() {
                [PipelineElement::Command(c)] => format!("cmd:{}/{}", c.name, c.args.len()),
                [PipelineElement::Command(a), PipelineElement::Command(b)] => {
                    match b.args.as_slice() {
                        [CommandArg::Value(Expr::ScriptBlock(sb))] => format!(
                            "pipe:{}|{}[{}]",
                            a.name,
                            b.name,
                            sb.end.as_ref().map(block).unwrap_or_default()
                        ),
                        _ => "pipe?".into(),
                    }
                }
                _ => "pipeline?".into(),
            },
            Statement::Assignment { op, value, .. } => format!("assign{op}[{}]", ast_shape(value)),
            Statement::If {
                clauses, else_body, ..
            } => format!(
                "if{}[{}]{}",
                clauses.len(),
                clauses
                    .iter()
                    .map(|(_, b)| block(b))
                    .collect::<Vec<_>>()
                    .join("|"),
                else_body
                    .as_ref()
                    .map(|b| format!("else[{}]", block(b)))
                    .unwrap_or_default()
            ),
            Statement::Foreach { variable, body, .. } => {
                format!("foreach:{}[{}]", variable.name, block(body))
            }
            Statement::While { body, .. } => format!("while[{}]", block(body)),
            Statement::Try {
                body,
                catches,
                finally,
                ..
            } => format!(
                "try[{}]{}{}",
                block(body),
                catches
                    .first()
                    .map(|c| format!("catch[{}]", block(&c.body)))
                    .unwrap_or_default(),
                finally
                    .as_ref()
                    .map(|b| format!("finally[{}]", block(b)))
                    .unwrap_or_default()
            ),
            Statement::Function(f) => format!(
                "function:{}/{}[{}]",
                f.name,
                f.body.params.len(),
                f.body.end.as_ref().map(block).unwrap_or_default()
            ),
            Statement::Break { .. } => "break".into(),
            Statement::Continue { .. } => "continue".into(),
            Statement::Return { .. } => "return".into(),
            Statement::Throw { .. } => "throw".into(),
            other => format!("{other:?}"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn generated_blocks_and_statements_parse(
            statements in prop::collection::vec(gen_stmt(), 1..4),
            nl in any::<bool>(),
        ) {
            let src = statements
                .iter()
                .map(|s| render(s, nl))
                .collect::<Vec<_>>()
                .join(if nl { "\n" } else { "; " });
            let script = match parse_script(&src) {
                Ok(s) => s,
                Err(e) => return Err(TestCaseError::fail(format!("{src}\n{e:#?}"))),
            };
            let got: Vec<String> = script.statements.iter().map(ast_shape).collect();
            let want: Vec<String> = statements.iter().map(gen_shape).collect();
            prop_assert_eq!(got, want, "{}", src);
            for st in &script.statements {
                let span = st.span();
                prop_assert!(span.start < span.end && span.end <= src.len());
            }
            prop_assert!(!is_incomplete(&src));
            // cut anywhere inside a block: never a panic, and an unclosed brace asks for more
            if let Some(open) = src.rfind('{') {
                let cut = &src[..=open];
                prop_assert!(is_incomplete(cut), "{:?}", cut);
            }
        }
    }
}
