//! Tab completion: cmdlet names (case-insensitive prefix), the parameters of the cmdlet at the cursor
//! (with their types), enum values, identities, variables, and file paths (for string and byte
//! parameters and inside quoted arguments such as `ReadAllBytes('...')`).
//!
//! It works on the text before the cursor with a small scanner (quotes, brackets, `|`, `;`), never
//! the full parser: the line being typed is usually incomplete.

use std::path::{Path, PathBuf};

use mailsec_cmdlets::{ParamSpec, ParamType, Signature};
use rustyline::completion::Pair;

use crate::commands::check::{short_type, BUILTINS};

/// Commands the REPL itself handles (offered at the start of an entry).
pub const REPL_COMMANDS: &[&str] = &["apply", "exit", "help", "plan", "quit"];

const COMMON: &[(&str, &[&str])] = &[("ErrorAction", &["ea"]), ("WarningAction", &["wa"])];
const ACTIONS: &[&str] = &["Continue", "Stop", "SilentlyContinue", "Ignore"];

/// What completion may offer besides the registry: identities, the session's variables, the folder
/// relative paths start from.
pub struct Sources<'a> {
    /// Identity names for a cmdlet (by canonical cmdlet name).
    pub identities: &'a dyn Fn(&str) -> Vec<String>,
    /// Variable names set in this session (without `$`).
    pub variables: &'a [String],
    pub cwd: &'a Path,
}

/// Complete `line` at byte offset `pos`: where the replaced text starts, and the candidates.
pub fn complete(line: &str, pos: usize, src: &Sources) -> (usize, Vec<Pair>) {
    let pos = floor_char_boundary(line, pos);
    let before = &line[..pos];
    let after = &line[pos..];
    let scan = scan(before);
    if let Some(Quote {
        family: q,
        at: qi,
        len,
    }) = scan.quote
    {
        let partial = &before[qi + len..];
        let ctx = context(&before[scan.seg_start..qi]);
        let closing = !after.starts_with(is_quote(q));
        let values = match &ctx {
            Ctx::Value { cmdlet, param } => quoted_values(cmdlet, param, partial, src),
            _ => None,
        };
        return match values {
            Some(v) => (
                qi + len,
                v.into_iter()
                    .map(|s| {
                        let escaped = escape_in(q, &s);
                        Pair {
                            display: s,
                            replacement: if closing {
                                format!("{escaped}{q}")
                            } else {
                                escaped
                            },
                        }
                    })
                    .collect(),
            ),
            None => {
                let (offset, c) = paths(partial, Some((q, closing)), src.cwd);
                (qi + len + offset, c)
            }
        };
    }
    let seg = &before[scan.seg_start..];
    let word_start = scan.seg_start
        + seg
            .char_indices()
            .rfind(|(_, c)| c.is_whitespace() || "(,{=;|".contains(*c))
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0);
    let word = &before[word_start..];
    let ctx = context(&before[scan.seg_start..word_start]);
    if let Some(name) = word.strip_prefix('$') {
        return (word_start, variables(name, src.variables));
    }
    let first_statement = scan.depth == 0 && before[..word_start].trim().is_empty();
    let sig = match &ctx {
        Ctx::Arguments { cmdlet } => *cmdlet,
        Ctx::Value { cmdlet, .. } => Some(*cmdlet),
        Ctx::CommandName => None,
    };
    // A `-Name` is a parameter, even where a value was expected (`-Identity -Us`).
    let param_word = parameter_token(word).or((word == "-").then_some(""));
    if let (Some(sig), Some(name)) = (sig, param_word) {
        return match name.split_once(':') {
            // `-Param:value`
            Some((p, v)) => {
                let start = word_start + word.len() - v.len();
                match resolve(sig, p) {
                    Some(r) => value_candidates(sig.name, &r, v, start, src),
                    None => (start, Vec::new()),
                }
            }
            None => (
                word_start,
                parameters(sig, name, &used(sig, &before[scan.seg_start..word_start])),
            ),
        };
    }
    match ctx {
        Ctx::CommandName => (word_start, command_names(word, first_statement)),
        Ctx::Value { cmdlet, param } => {
            value_candidates(cmdlet.name, &param, word, word_start, src)
        }
        // Another command's argument: a path is the best guess.
        Ctx::Arguments { .. } if !word.starts_with('-') => {
            unquoted_paths(word, word_start, src.cwd)
        }
        Ctx::Arguments { .. } => (word_start, Vec::new()),
    }
}

fn floor_char_boundary(s: &str, mut pos: usize) -> usize {
    pos = pos.min(s.len());
    while !s.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
}

/// An open string: `'` or `"` (typographic quotes count as the plain ones), where it opened and
/// how many bytes its quote character has.
#[derive(Debug, Clone, Copy)]
struct Quote {
    family: char,
    at: usize,
    len: usize,
}

/// The quote characters that open or close a string of `family`.
fn is_quote(family: char) -> impl Fn(char) -> bool {
    move |c| match family {
        '\'' => matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}'),
        _ => matches!(c, '"' | '\u{201c}' | '\u{201d}' | '\u{201e}'),
    }
}

/// The state of the text before the cursor.
#[derive(Debug, Default)]
struct Scan {
    /// The open string, when the cursor is inside one.
    quote: Option<Quote>,
    /// Where the current command starts (after the innermost open bracket, `|`, `;` or newline).
    seg_start: usize,
    /// How many brackets are open.
    depth: usize,
}

fn scan(before: &str) -> Scan {
    let mut stack: Vec<usize> = Vec::new();
    let mut seg = 0;
    let mut quote: Option<Quote> = None;
    let mut prev: Option<char> = None;
    let mut it = before.char_indices().peekable();
    while let Some((i, ch)) = it.next() {
        if let Some(q) = quote {
            let closes = is_quote(q.family);
            if q.family == '"' && ch == '`' {
                it.next();
            } else if closes(ch) {
                // A doubled quote is an escaped quote.
                if it.peek().is_some_and(|(_, n)| closes(*n)) {
                    it.next();
                } else {
                    quote = None;
                }
            }
            prev = Some(ch);
            continue;
        }
        let open = |family| {
            Some(Quote {
                family,
                at: i,
                len: ch.len_utf8(),
            })
        };
        match ch {
            '`' => {
                it.next();
            }
            c if is_quote('\'')(c) => quote = open('\''),
            c if is_quote('"')(c) => quote = open('"'),
            '#' if prev.is_none_or(|p| p.is_whitespace() || ";|(".contains(p)) => {
                // A comment runs to the end of the line.
                while it.peek().is_some_and(|(_, n)| *n != '\n') {
                    it.next();
                }
            }
            '(' | '{' | '[' => {
                stack.push(seg);
                seg = i + 1;
            }
            ')' | '}' | ']' => {
                if let Some(s) = stack.pop() {
                    seg = s;
                }
            }
            '|' | ';' | '\n' => seg = i + 1,
            _ => {}
        }
        prev = Some(ch);
    }
    Scan {
        quote,
        seg_start: seg,
        depth: stack.len(),
    }
}

/// What the word at the cursor is.
enum Ctx {
    /// The name of a command.
    CommandName,
    /// An argument of a command: its signature when it is a registry cmdlet.
    Arguments { cmdlet: Option<&'static Signature> },
    /// The value of one of a cmdlet's parameters (named or positional).
    Value {
        cmdlet: &'static Signature,
        param: Resolved,
    },
}

/// A parameter name resolved as the binder resolves it.
#[derive(Debug, Clone)]
enum Resolved {
    Param(&'static ParamSpec),
    /// -ErrorAction / -WarningAction
    Action,
}

impl Resolved {
    fn takes_value(&self) -> bool {
        match self {
            Resolved::Param(p) => p.ty != ParamType::Switch,
            Resolved::Action => true,
        }
    }
}

/// Split `text` on whitespace outside quotes and brackets.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut start: Option<usize> = None;
    let mut it = text.char_indices().peekable();
    while let Some((i, ch)) = it.next() {
        if start.is_none() && !ch.is_whitespace() {
            start = Some(i);
        }
        match quote {
            Some(q) => {
                if ch == q {
                    quote = None;
                } else if q == '"' && ch == '`' {
                    it.next();
                }
            }
            None => match ch {
                '\'' | '"' => quote = Some(ch),
                '`' => {
                    it.next();
                }
                '(' | '{' | '[' => depth += 1,
                ')' | '}' | ']' => depth = depth.saturating_sub(1),
                c if c.is_whitespace() && depth == 0 => {
                    if let Some(s) = start.take() {
                        out.push(&text[s..i]);
                    }
                }
                _ => {}
            },
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

/// Drop `$x =`, `$x=`, `&` and `.` before a command.
fn strip_assignment<'a>(mut toks: &'a [&'a str]) -> &'a [&'a str] {
    loop {
        match toks {
            [v, op, rest @ ..] if v.starts_with('$') && matches!(*op, "=" | "+=" | "-=") => {
                toks = rest
            }
            [v, rest @ ..] if v.starts_with('$') && v.ends_with('=') => toks = rest,
            ["&" | ".", rest @ ..] => toks = rest,
            _ => return toks,
        }
    }
}

fn unquote(s: &str) -> &str {
    s.trim_matches(|c| c == '\'' || c == '"')
}

/// The context of the word that starts after `text` (the current command's text so far).
fn context(text: &str) -> Ctx {
    let all = tokens(text);
    let toks = strip_assignment(&all);
    let Some((name, args)) = toks.split_first() else {
        return Ctx::CommandName;
    };
    let Some(def) = mailsec_cmdlets::find(unquote(name)) else {
        return Ctx::Arguments { cmdlet: None };
    };
    let sig = &def.signature;
    // Array continuation (`-P a,b,<cursor>`): the values before belong to the same argument.
    let mut args: Vec<&str> = args.to_vec();
    while args.last().is_some_and(|a| a.ends_with(',')) {
        args.pop();
    }
    let mut pending: Option<Resolved> = None;
    let mut named: Vec<&'static str> = Vec::new();
    let mut positional = 0usize;
    for a in &args {
        if pending.take().is_some() {
            continue;
        }
        if let Some(p) = parameter_token(a) {
            let (p, has_colon) = match p.split_once(':') {
                Some((n, _)) => (n, true),
                None => (p, false),
            };
            let r = resolve(sig, p);
            if let Some(Resolved::Param(spec)) = &r {
                named.push(spec.name);
            }
            if !has_colon {
                pending = r.filter(Resolved::takes_value);
            }
        } else {
            positional += 1;
        }
    }
    if let Some(param) = pending {
        return Ctx::Value { cmdlet: sig, param };
    }
    let mut slots: Vec<&'static ParamSpec> = sig
        .params
        .iter()
        .filter(|p| p.position.is_some() && !named.contains(&p.name))
        .collect();
    slots.sort_by_key(|p| p.position);
    match slots.get(positional) {
        Some(p) => Ctx::Value {
            cmdlet: sig,
            param: Resolved::Param(p),
        },
        None => Ctx::Arguments { cmdlet: Some(sig) },
    }
}

/// `-Name` (not a negative number): the name.
fn parameter_token(t: &str) -> Option<&str> {
    let name = t.strip_prefix('-').or_else(|| t.strip_prefix('\u{2013}'))?;
    name.chars()
        .next()
        .filter(|c| c.is_alphabetic() || *c == '_')
        .map(|_| name)
}

/// Resolve a parameter name: exact name or alias, then a unique prefix; the common parameters only
/// when none of the cmdlet's own match.
fn resolve(sig: &'static Signature, name: &str) -> Option<Resolved> {
    let lname = name.to_lowercase();
    let common = |exact: bool| {
        COMMON.iter().any(|(c, aliases)| {
            if exact {
                c.eq_ignore_ascii_case(name) || aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
            } else {
                c.to_lowercase().starts_with(&lname)
            }
        })
    };
    if let Some(p) = sig.params.iter().find(|p| {
        p.name.eq_ignore_ascii_case(name) || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }) {
        return Some(Resolved::Param(p));
    }
    if common(true) {
        return Some(Resolved::Action);
    }
    let prefixed: Vec<&'static ParamSpec> = sig
        .params
        .iter()
        .filter(|p| p.name.to_lowercase().starts_with(&lname))
        .collect();
    match prefixed.as_slice() {
        [one] => Some(Resolved::Param(one)),
        [] if !lname.is_empty() && common(false) => Some(Resolved::Action),
        _ => None,
    }
}

/// The cmdlet's parameters already given in `text` (not offered again).
fn used(sig: &'static Signature, text: &str) -> Vec<&'static str> {
    tokens(text)
        .iter()
        .filter_map(|t| parameter_token(t))
        .filter_map(|p| match resolve(sig, p.split(':').next().unwrap_or(p)) {
            Some(Resolved::Param(spec)) => Some(spec.name),
            _ => None,
        })
        .collect()
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
}

fn command_names(word: &str, first_statement: bool) -> Vec<Pair> {
    let mut names: Vec<&str> = mailsec_cmdlets::registry()
        .iter()
        .map(|c| c.signature.name)
        .chain(BUILTINS.iter().map(|(n, _)| *n))
        .collect();
    names.sort_by_key(|n| n.to_lowercase());
    if first_statement {
        names.extend(REPL_COMMANDS);
    }
    names
        .into_iter()
        .filter(|n| starts_with_ci(n, word))
        .map(|n| Pair {
            display: n.to_string(),
            replacement: format!("{n} "),
        })
        .collect()
}

fn parameters(sig: &Signature, prefix: &str, used: &[&str]) -> Vec<Pair> {
    let own = sig
        .params
        .iter()
        .filter(|p| !used.contains(&p.name))
        .map(|p| (p.name, short_type(&p.ty)));
    let common = COMMON.iter().map(|(c, _)| (*c, "action"));
    own.chain(common)
        .filter(|(n, _)| starts_with_ci(n, prefix))
        .map(|(n, ty)| Pair {
            display: format!("-{n} <{ty}>"),
            replacement: format!("-{n} "),
        })
        .collect()
}

fn variables(prefix: &str, known: &[String]) -> Vec<Pair> {
    let mut names: Vec<&str> = known.iter().map(String::as_str).collect();
    names.extend(["true", "false", "null"]);
    names.sort_by_key(|n| n.to_lowercase());
    names.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    names
        .into_iter()
        .filter(|n| starts_with_ci(n, prefix))
        .map(|n| Pair {
            display: format!("${n}"),
            replacement: format!("${n}"),
        })
        .collect()
}

/// Values offered for a parameter that is not a path: enum names, identities, actions, booleans.
/// `None`: complete a path instead.
fn fixed_values(cmdlet: &str, param: &Resolved, src: &Sources) -> Option<Vec<String>> {
    let ty = match param {
        Resolved::Action => return Some(ACTIONS.iter().map(|s| s.to_string()).collect()),
        Resolved::Param(p) => p.ty,
    };
    if let Some(values) = ty.enum_values() {
        return Some(values.iter().map(|s| s.to_string()).collect());
    }
    match ty {
        ParamType::Identity(_) => Some((src.identities)(cmdlet)),
        ParamType::Bool => Some(vec!["$true".into(), "$false".into()]),
        ParamType::Switch
        | ParamType::UInt32
        | ParamType::Int32
        | ParamType::Unlimited
        | ParamType::UnlimitedSize
        | ParamType::Guid
        | ParamType::Credential => Some(Vec::new()),
        _ => None,
    }
}

fn quoted_values(
    cmdlet: &Signature,
    param: &Resolved,
    partial: &str,
    src: &Sources,
) -> Option<Vec<String>> {
    let values = fixed_values(cmdlet.name, param, src)?;
    Some(
        values
            .into_iter()
            .filter(|v| !matches!(v.as_str(), "$true" | "$false") && starts_with_ci(v, partial))
            .collect(),
    )
}

fn value_candidates(
    cmdlet: &str,
    param: &Resolved,
    word: &str,
    word_start: usize,
    src: &Sources,
) -> (usize, Vec<Pair>) {
    match fixed_values(cmdlet, param, src) {
        Some(values) => (
            word_start,
            values
                .into_iter()
                .filter(|v| starts_with_ci(v, word) || starts_with_ci(&as_argument(v), word))
                .map(|v| Pair {
                    replacement: format!("{} ", as_argument(&v)),
                    display: v,
                })
                .collect(),
        ),
        None => unquoted_paths(word, word_start, src.cwd),
    }
}

/// `name` as an argument: bare when it is one plain word, else in single quotes.
fn quoted(name: &str) -> String {
    let bare = !name.is_empty()
        && !name.starts_with(['-', '@', '#'])
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.@:/\\+*".contains(c));
    if bare {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "''"))
    }
}

/// A value as typed after the parameter: `$true`/`$false` as they are, anything else [`quoted`].
fn as_argument(v: &str) -> String {
    if matches!(v, "$true" | "$false") {
        v.to_string()
    } else {
        quoted(v)
    }
}

fn escape_in(q: char, s: &str) -> String {
    match q {
        '\'' => s.replace('\'', "''"),
        _ => s.replace('`', "``").replace('"', "`\"").replace('$', "`$"),
    }
}

/// Paths for an unquoted word starting at `word_start`.
fn unquoted_paths(word: &str, word_start: usize, cwd: &Path) -> (usize, Vec<Pair>) {
    let (offset, mut c) = paths(word, None, cwd);
    // A name that needs quotes replaces the whole word, quoted.
    let dir_len = offset;
    if c.iter().any(|p| quoted(&p.replacement) != p.replacement) {
        for p in &mut c {
            let full = format!("{}{}", &word[..dir_len], p.replacement);
            let is_dir = full.ends_with('/') || full.ends_with('\\');
            let q = quoted(&full);
            p.replacement = if q.starts_with('\'') && is_dir {
                // Leave the quote open inside a folder: the next Tab goes on in the folder.
                q[..q.len() - 1].to_string()
            } else {
                q
            };
        }
        return (word_start, c);
    }
    (word_start + offset, c)
}

/// Files and folders starting with `partial` (relative to `cwd`). Returns the offset in `partial`
/// where the replaced file name starts. In quotes (`quote = Some((q, close))`), a file gets the
/// closing quote when `close`.
fn paths(partial: &str, quote: Option<(char, bool)>, cwd: &Path) -> (usize, Vec<Pair>) {
    let cut = partial
        .char_indices()
        .rfind(|(_, c)| *c == '/' || *c == '\\')
        .map(|(i, _)| i + 1)
        .unwrap_or(0);
    let (dir_text, prefix) = partial.split_at(cut);
    let sep = if dir_text.contains('\\') && !dir_text.contains('/') {
        '\\'
    } else {
        '/'
    };
    let dir: PathBuf = if dir_text.is_empty() {
        cwd.to_path_buf()
    } else {
        let d = PathBuf::from(if cfg!(windows) {
            dir_text.to_string()
        } else {
            dir_text.replace('\\', "/")
        });
        if d.is_absolute() {
            d
        } else {
            cwd.join(d)
        }
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return (cut, Vec::new());
    };
    let mut found: Vec<(String, bool)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let is_dir = e.file_type().ok()?.is_dir()
                || (e.file_type().ok()?.is_symlink() && e.path().is_dir());
            Some((name, is_dir))
        })
        .filter(|(n, _)| {
            (prefix.starts_with('.') || !n.starts_with('.'))
                && if cfg!(any(windows, target_os = "macos")) {
                    starts_with_ci(n, prefix)
                } else {
                    n.starts_with(prefix)
                }
        })
        .collect();
    found.sort();
    let c = found
        .into_iter()
        .map(|(name, is_dir)| {
            let display = if is_dir {
                format!("{name}{sep}")
            } else {
                name.clone()
            };
            let replacement = match quote {
                Some((q, close)) => {
                    let escaped = escape_in(q, &name);
                    if is_dir {
                        format!("{escaped}{sep}")
                    } else if close {
                        format!("{escaped}{q}")
                    } else {
                        escaped
                    }
                }
                None => display.clone(),
            };
            Pair {
                display,
                replacement,
            }
        })
        .collect();
    (cut, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(cmdlet: &str) -> Vec<String> {
        match cmdlet {
            "Set-Mailbox" | "Get-Mailbox" => vec!["alice".into(), "baptiste".into()],
            "Set-OutboundConnector" => vec!["CravateRouge TLS".into()],
            "Set-MailContact" => vec!["élodie".into(), "O'Brien".into(), "$odd".into()],
            _ => Vec::new(),
        }
    }

    fn run_in(line: &str, cwd: &Path) -> (usize, Vec<String>) {
        let vars = vec!["certArray".to_string()];
        let src = Sources {
            identities: &ids,
            variables: &vars,
            cwd,
        };
        let (start, c) = complete(line, line.len(), &src);
        (start, c.into_iter().map(|p| p.replacement).collect())
    }

    fn run(line: &str) -> (usize, Vec<String>) {
        run_in(line, Path::new("/nonexistent"))
    }

    #[test]
    fn cmdlet_names_by_case_insensitive_prefix() {
        assert_eq!(run("set-mailb"), (0, vec!["Set-Mailbox ".to_string()]));
        let (start, c) = run("Get-Mailbox | set-mailc");
        assert_eq!((start, c), (14, vec!["Set-MailContact ".to_string()]));
        let (_, c) = run("$x = (Get-Sm");
        assert!(c.contains(&"Get-SmimeConfig ".to_string()), "{c:?}");
        assert!(run("pl").1.contains(&"plan ".to_string()));
        assert!(!run("Get-Mailbox; pl").1.contains(&"plan ".to_string()));
        assert!(run("write-h").1.contains(&"Write-Host ".to_string()));
    }

    #[test]
    fn parameters_with_types() {
        let vars: Vec<String> = Vec::new();
        let src = Sources {
            identities: &ids,
            variables: &vars,
            cwd: Path::new("."),
        };
        let line = "Set-Mailbox -Identity jo -Us";
        let (start, c) = complete(line, line.len(), &src);
        assert_eq!(start, 25);
        let shown: Vec<_> = c.iter().map(|p| p.display.as_str()).collect();
        assert_eq!(
            shown,
            [
                "-UserCertificate <byte[][]>",
                "-UserSMimeCertificate <byte[][]>"
            ]
        );
        // Parameters already given are not offered again.
        let (_, c) = run("Set-Mailbox -Identity jo -Id");
        assert!(c.is_empty(), "{c:?}");
        let (_, c) = run("Set-Mailbox jo -Err");
        assert_eq!(c, ["-ErrorAction "]);
        // A lone `-` lists every parameter, the common ones last.
        let (_, c) = run("Get-Mailbox -");
        assert_eq!(c.first().map(String::as_str), Some("-Identity "));
        assert_eq!(c.last().map(String::as_str), Some("-WarningAction "));
        // Where a value is expected, a `-Name` is still a parameter.
        let (_, c) = run("Set-Mailbox -Identity -UserC");
        assert_eq!(c, ["-UserCertificate "]);
    }

    #[test]
    fn enum_values_identities_and_actions() {
        let (start, c) = run("New-OutboundConnector -Name x -TlsSettings D");
        assert_eq!(start, 43);
        assert_eq!(c, ["DomainValidation "]);
        assert_eq!(run("Set-Mailbox -Identity ba").1, ["baptiste "]);
        // Positional identity, prefix and alias of -Identity.
        assert_eq!(run("Set-Mailbox B").1, ["baptiste "]);
        assert_eq!(run("Set-Mailbox -Ident a").1, ["alice "]);
        assert_eq!(run("Set-OutboundConnector cra").1, ["'CravateRouge TLS' "]);
        assert_eq!(run("Set-OutboundConnector 'Cra").1, ["CravateRouge TLS'"]);
        assert_eq!(run("Set-MailContact é").1, ["élodie "]);
        assert_eq!(run("Set-MailContact o").1, ["'O''Brien' "]);
        assert_eq!(run("Set-MailContact 'o").1, ["O''Brien'"]);
        assert_eq!(run("Set-MailContact '$").1, ["$odd'"]);
        assert_eq!(
            run("Set-MailContact jo -HiddenFromAddressListsEnabled $f").1,
            ["$false"]
        );
        assert_eq!(
            run("Set-MailContact jo -HiddenFromAddressListsEnabled ").1,
            ["$true ", "$false "]
        );
        assert_eq!(
            run("Set-Mailbox jo -ErrorAction s").1,
            ["Stop ", "SilentlyContinue "]
        );
        assert_eq!(
            run("Set-Mailbox jo -ea:S").1,
            ["Stop", "SilentlyContinue"].map(|s| format!("{s} "))
        );
        // A switch takes no value: the next word is the positional identity.
        assert_eq!(run("Set-Mailbox -WhatIf a").1, ["alice "]);
        assert_eq!(run("Set-Mailbox -WhatIf:$true a").1, ["alice "]);
        // Past the positional slots there is nothing to offer.
        assert!(run("Get-SmimeConfig x y").1.is_empty());
    }

    #[test]
    fn variables_complete() {
        assert_eq!(
            run("Set-Mailbox jo -UserCertificate $cert").1,
            ["$certArray"]
        );
        assert_eq!(run("$tr").1, ["$true"]);
    }

    #[test]
    fn paths_in_quotes_and_for_byte_parameters() {
        let d = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(d.path().join("input")).expect("mkdir");
        std::fs::write(d.path().join("input/baptiste.cer"), b"x").expect("write");
        std::fs::write(d.path().join("input/my cert.cer"), b"x").expect("write");
        let line = "Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('in";
        let (start, c) = run_in(line, d.path());
        assert_eq!((start, c), (line.len() - 2, vec!["input/".to_string()]));
        let line = "[System.IO.File]::ReadAllBytes(\"input/b";
        assert_eq!(run_in(line, d.path()).1, ["baptiste.cer\""]);
        let line = "Set-Mailbox jo -UserCertificate input/b";
        let (start, c) = run_in(line, d.path());
        assert_eq!(
            (start, c),
            (line.len() - 1, vec!["baptiste.cer".to_string()])
        );
        let line = "Set-Mailbox jo -UserCertificate input/m";
        let (start, c) = run_in(line, d.path());
        assert_eq!((start, c), (32, vec!["'input/my cert.cer'".to_string()]));
    }

    proptest::proptest! {
        #[test]
        fn any_line_and_cursor_completes_without_panicking(
            line in "[-a-zA-Z$'\"`(){}\\[\\]|;,:=@#. \n\u{e9}\u{2019}\u{201c}]{0,40}",
            pos in 0usize..48,
        ) {
            let vars = vec!["x".to_string()];
            let src = Sources {
                identities: &ids,
                variables: &vars,
                cwd: Path::new("/nonexistent"),
            };
            let (start, _) = complete(&line, pos, &src);
            proptest::prop_assert!(start <= line.len());
        }
    }

    #[test]
    fn odd_input_never_panics() {
        for line in [
            "",
            "-",
            "'",
            "\"",
            "`",
            "(((",
            ")))",
            "|",
            "$",
            "@{",
            "Set-Mailbox -",
            "Set-Mailbox -:",
            "é",
            "Set-Mailbox 'é",
            "Set-Mailbox “x",
            "# comment",
            "Set-Mailbox -Identity:",
        ] {
            for pos in 0..=line.len() + 1 {
                let vars = Vec::new();
                let src = Sources {
                    identities: &ids,
                    variables: &vars,
                    cwd: Path::new("/nonexistent"),
                };
                let _ = complete(line, pos, &src);
            }
        }
    }
}
