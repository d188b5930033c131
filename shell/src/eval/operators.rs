//! PowerShell's operators on values: arithmetic with its number rules, comparisons (case-insensitive
//! by default, `-c*` case-sensitive, an array on the left filters), wildcards, regular expressions,
//! `-replace -split -join -f`, ranges, casts and type tests.

use std::cmp::Ordering;

use mailsec_cmdlets::value::{List, ListKind};
use mailsec_cmdlets::{Object, Value};

use super::regex::Regex;
use super::{unroll, RuntimeError};
use crate::syntax::ast::Span;

/// The most elements a range or a repetition may produce.
pub const MAX_ELEMENTS: usize = 1_000_000;
/// The longest string `*` may build.
const MAX_STRING: usize = 100_000_000;
/// The widest alignment or precision `-f` takes.
const MAX_FORMAT_WIDTH: usize = 10_000;

pub const PSCUSTOMOBJECT: &str = "System.Management.Automation.PSCustomObject";
pub const SCRIPTBLOCK: &str = "System.Management.Automation.ScriptBlock";
pub const ERROR_RECORD: &str = "System.Management.Automation.ErrorRecord";

fn divide_by_zero(span: Span) -> RuntimeError {
    err("Attempted to divide by zero.", span).help("check the divisor: it is 0 (or $null)")
}

fn err(message: impl Into<String>, span: Span) -> RuntimeError {
    RuntimeError::new(message, span)
}

// ---------------------------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------------------------

/// A value as PowerShell turns it into text (string expansion, `-join`, string parameters):
/// arrays joined by spaces, a `[pscustomobject]` as `@{A=1; B=2}`, an error by its message.
pub fn text(v: &Value) -> String {
    text_at(v, 0)
}

/// How deep `text` joins nested arrays (a list may hold itself); deeper ones give their type name.
const TEXT_DEPTH: usize = 8;

fn text_at(v: &Value, depth: usize) -> String {
    match v {
        Value::Null => String::new(),
        Value::Double(d) => double_text(*d),
        Value::Array(_) if depth >= TEXT_DEPTH => v.type_name().to_string(),
        Value::Array(a) => a
            .read()
            .iter()
            .map(|x| text_at(x, depth + 1))
            .collect::<Vec<_>>()
            .join(" "),
        Value::Bytes(b) => b
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        Value::Hashtable(_) => "System.Collections.Hashtable".into(),
        Value::Object(o) if depth < TEXT_DEPTH => object_text(o, depth),
        Value::Object(o) => o.type_name.clone(),
        other => other.to_string(),
    }
}

fn object_text(o: &Object, depth: usize) -> String {
    let text = |v: &Value| text_at(v, depth + 1);
    match o.type_name.as_str() {
        SCRIPTBLOCK => o.get("Ast").map(|v| text(&v)).unwrap_or_default(),
        ERROR_RECORD => o
            .get("Exception")
            .and_then(|e| e.property("Message").map(|m| text(&m)))
            .unwrap_or_default(),
        t if t.ends_with("Exception") => o.get("Message").map(|v| text(&v)).unwrap_or_default(),
        PSCUSTOMOBJECT | "Selected" => {
            let parts: Vec<String> = o
                .props
                .read()
                .iter()
                .map(|(k, v)| format!("{k}={}", text(v)))
                .collect();
            format!("@{{{}}}", parts.join("; "))
        }
        t => t.to_string(),
    }
}

/// .NET's default text for a double: integral values without a fraction, `1E+20` for big ones.
pub fn double_text(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if d != 0.0 && (d.abs() >= 1e15 || d.abs() < 1e-5) {
        let s = format!("{d:E}");
        // Rust: 1E20 / 1.5E-7 → .NET: 1E+20 / 1.5E-07
        if let Some((m, e)) = s.split_once('E') {
            let (sign, digits) = match e.strip_prefix('-') {
                Some(d) => ("-", d),
                None => ("+", e),
            };
            return format!("{m}E{sign}{digits:0>2}");
        }
        return s;
    }
    let s = format!("{d}");
    s
}

/// A number as PowerShell reads one from a value (`'0x1F'`, `' 42 '`, `'1.5'`, `$true`, `$null`).
pub enum Num {
    Int(i64),
    Double(f64),
}

pub fn to_number(v: &Value) -> Option<Num> {
    match v {
        Value::Null => Some(Num::Int(0)),
        Value::Bool(b) => Some(Num::Int(i64::from(*b))),
        Value::Int(i) => Some(Num::Int(*i)),
        Value::Double(d) => Some(Num::Double(*d)),
        Value::String(s) => parse_number(s),
        Value::Array(a) if a.len() == 1 => a.read().first().and_then(to_number),
        _ => None,
    }
}

fn parse_number(s: &str) -> Option<Num> {
    let t = s.trim();
    if t.is_empty() {
        return Some(Num::Int(0));
    }
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        let n = i64::from_str_radix(hex, 16).ok()?;
        return Some(Num::Int(if neg { -n } else { n }));
    }
    let lower = body.to_ascii_lowercase();
    let (digits, mult) = [
        ("kb", 1i64 << 10),
        ("mb", 1 << 20),
        ("gb", 1 << 30),
        ("tb", 1 << 40),
        ("pb", 1 << 50),
    ]
    .iter()
    .find_map(|(suffix, m)| lower.strip_suffix(suffix).map(|d| (d.to_string(), *m)))
    .unwrap_or((lower.clone(), 1));
    if digits.is_empty() || !digits.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    if let Ok(i) = digits.parse::<i64>() {
        let n = i.checked_mul(mult)?;
        return Some(Num::Int(if neg { -n } else { n }));
    }
    let d = digits.parse::<f64>().ok()? * mult as f64;
    Some(Num::Double(if neg { -d } else { d }))
}

fn number_or_err(v: &Value, span: Span) -> Result<Num, RuntimeError> {
    to_number(v).ok_or_else(|| {
        err(
            format!(
                "Cannot convert value \"{}\" to type \"System.Int32\". Error: \"Input string was not in a correct format.\"",
                text(v)
            ),
            span,
        )
    })
}

fn num_value(n: Num) -> Value {
    match n {
        Num::Int(i) => Value::Int(i),
        Num::Double(d) => Value::Double(d),
    }
}

fn as_f64(n: &Num) -> f64 {
    match n {
        Num::Int(i) => *i as f64,
        Num::Double(d) => *d,
    }
}

fn is_numeric(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Double(_))
}

// ---------------------------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------------------------

fn arith(op: &str, a: Num, b: Num, span: Span) -> Result<Value, RuntimeError> {
    if let (Num::Int(x), Num::Int(y)) = (&a, &b) {
        let (x, y) = (*x, *y);
        let r = match op {
            "+" => x.checked_add(y),
            "-" => x.checked_sub(y),
            "*" => x.checked_mul(y),
            "/" => {
                if y == 0 {
                    return Err(divide_by_zero(span));
                }
                if x % y == 0 {
                    x.checked_div(y)
                } else {
                    return Ok(Value::Double(x as f64 / y as f64));
                }
            }
            "%" => {
                if y == 0 {
                    return Err(divide_by_zero(span));
                }
                x.checked_rem(y)
            }
            _ => None,
        };
        if let Some(r) = r {
            return Ok(Value::Int(r));
        }
    }
    let (x, y) = (as_f64(&a), as_f64(&b));
    Ok(Value::Double(match op {
        "+" => x + y,
        "-" => x - y,
        "*" => x * y,
        "/" => {
            if y == 0.0 {
                return Err(divide_by_zero(span));
            }
            x / y
        }
        _ => {
            if y == 0.0 {
                return Err(divide_by_zero(span));
            }
            x % y
        }
    }))
}

fn add(l: Value, r: Value, span: Span) -> Result<Value, RuntimeError> {
    Ok(match (l, r) {
        (Value::Null, r) => match r {
            Value::Array(_) | Value::String(_) | Value::Hashtable(_) => r,
            other => num_value(number_or_err(&other, span)?),
        },
        (Value::String(a), b) => Value::String(format!("{a}{}", text(&b))),
        // A new array (and a new hashtable): `$a += $x` rebinds `$a`, other holders keep the old one.
        (Value::Array(a), b) => {
            let mut a = a.into_vec();
            a.extend(unroll_keep_null(b));
            Value::array(a)
        }
        (Value::Hashtable(a), Value::Hashtable(b)) => {
            let mut a = a.into_inner();
            for (k, v) in b.into_inner() {
                if a.iter().any(|(x, _)| x.eq_ignore_ascii_case(&k)) {
                    return Err(err(
                        format!("Item has already been added. Key in dictionary: '{k}'  Key being added: '{k}'"),
                        span,
                    ));
                }
                a.push((k, v));
            }
            Value::hashtable(a)
        }
        (a, b) if to_number(&a).is_some() && !matches!(a, Value::Hashtable(_) | Value::Object(_)) => {
            let x = number_or_err(&a, span)?;
            let y = number_or_err(&b, span).map_err(|_| {
                err(
                    format!(
                        "Cannot convert value \"{}\" to a number for '+'.",
                        text(&b)
                    ),
                    span,
                )
                .help("convert it first (for example: [int]$x), or add strings by putting the string first")
            })?;
            arith("+", x, y, span)?
        }
        (a, b) => {
            return Err(err(
                format!(
                    "Method invocation failed because [{}] does not contain a method named 'op_Addition'.",
                    a.type_name()
                ),
                span,
            )
            .help(format!("'+' adds numbers, strings, arrays and hashtables, not {} and {}", a.type_name(), b.type_name())))
        }
    })
}

/// `$a + $b` keeps a `$null` element when adding to an array.
fn unroll_keep_null(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.into_vec(),
        other => vec![other],
    }
}

fn multiply(l: Value, r: Value, span: Span) -> Result<Value, RuntimeError> {
    let count =
        |v: &Value| -> Result<usize, RuntimeError> {
            match number_or_err(v, span)? {
                Num::Int(i) if i >= 0 => Ok(i as usize),
                Num::Double(d) if d >= 0.0 => Ok(d.round() as usize),
                _ => Err(err("The repeat count must not be negative.", span)
                    .help("multiply by 0 or more")),
            }
        };
    Ok(match l {
        Value::String(s) => {
            let n = count(&r)?;
            if s.len().saturating_mul(n) > MAX_STRING {
                return Err(err("The string would be too long.", span).help(format!(
                    "a repeated string may be at most {MAX_STRING} bytes"
                )));
            }
            Value::String(s.repeat(n))
        }
        Value::Array(a) => {
            let n = count(&r)?;
            if a.len().saturating_mul(n) > MAX_ELEMENTS {
                return Err(err("The array would be too large.", span).help(format!(
                    "a repeated array may have at most {MAX_ELEMENTS} elements"
                )));
            }
            let mut out = Vec::with_capacity(a.len() * n);
            for _ in 0..n {
                out.extend(a.read().iter().cloned());
            }
            Value::array(out)
        }
        other => arith(
            "*",
            number_or_err(&other, span)?,
            number_or_err(&r, span)?,
            span,
        )?,
    })
}

fn bitwise(op: &str, l: &Value, r: &Value, span: Span) -> Result<Value, RuntimeError> {
    let int = |v: &Value| -> Result<i64, RuntimeError> {
        match number_or_err(v, span)? {
            Num::Int(i) => Ok(i),
            Num::Double(d) => Ok(d.round() as i64),
        }
    };
    let (a, b) = (int(l)?, int(r)?);
    Ok(Value::Int(match op {
        "-band" => a & b,
        "-bor" => a | b,
        "-bxor" => a ^ b,
        "-shl" => a.checked_shl(b.clamp(0, 63) as u32).unwrap_or(0),
        _ => a.checked_shr(b.clamp(0, 63) as u32).unwrap_or(0),
    }))
}

/// `a..b`: the integers from a to b, up or down.
pub fn range(l: &Value, r: &Value, span: Span) -> Result<Value, RuntimeError> {
    let int = |v: &Value| -> Result<i64, RuntimeError> {
        match number_or_err(v, span)? {
            Num::Int(i) => Ok(i),
            Num::Double(d) => Ok(d.round() as i64),
        }
    };
    let (a, b) = (int(l)?, int(r)?);
    let len = (a as i128 - b as i128).unsigned_abs() + 1;
    if len > MAX_ELEMENTS as u128 {
        return Err(err(
            format!("The range {a}..{b} is too large (more than {MAX_ELEMENTS} numbers)."),
            span,
        ));
    }
    Ok(Value::array(if a <= b {
        (a..=b).map(Value::Int).collect()
    } else {
        (b..=a).rev().map(Value::Int).collect()
    }))
}

// ---------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------

/// A comparison operator split into its base name and case sensitivity.
fn split_case(op: &str) -> (&str, bool) {
    let base = op.trim_start_matches('-');
    const BASES: &[&str] = &[
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
    if BASES.contains(&base) {
        return (base, false);
    }
    if let Some(b) = base.strip_prefix('c') {
        if BASES.contains(&b) {
            return (b, true);
        }
    }
    if let Some(b) = base.strip_prefix('i') {
        if BASES.contains(&b) {
            return (b, false);
        }
    }
    (base, false)
}

/// `l -eq r` for one value on the left, converting `r` to `l`'s type as PowerShell does.
pub fn equals(l: &Value, r: &Value, case: bool) -> bool {
    match (l, r) {
        (Value::Null, r) => matches!(r, Value::Null),
        (_, Value::Null) => false,
        (Value::String(a), b) => {
            let b = text(b);
            if case {
                *a == b
            } else {
                a.to_lowercase() == b.to_lowercase()
            }
        }
        (Value::Bool(a), b) => *a == b.is_truthy(),
        (a, b) if is_numeric(a) => match (to_number(a), to_number(b)) {
            (Some(Num::Int(x)), Some(Num::Int(y))) => x == y,
            (Some(x), Some(y)) => as_f64(&x) == as_f64(&y),
            _ => false,
        },
        (Value::Object(a), Value::Object(b)) => a == b,
        (a, b) => a == b,
    }
}

/// Order `l` against `r` (converted to `l`'s type); None when they cannot be compared.
fn order(l: &Value, r: &Value, case: bool) -> Option<Ordering> {
    match (l, r) {
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        (Value::Null, _) => Some(Ordering::Less),
        (_, Value::Null) => Some(Ordering::Greater),
        (Value::String(a), b) => {
            let b = text(b);
            Some(if case {
                a.cmp(&b)
            } else {
                a.to_lowercase().cmp(&b.to_lowercase())
            })
        }
        (a, b) if is_numeric(a) || matches!(a, Value::Bool(_)) => {
            let (x, y) = (to_number(a)?, to_number(b)?);
            match (x, y) {
                (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
                (x, y) => as_f64(&x).partial_cmp(&as_f64(&y)),
            }
        }
        _ => None,
    }
}

/// Compare two values for sorting: numbers as numbers, everything else as text, case-insensitive.
pub fn sort_order(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::String(x), Value::String(y)) => x
            .to_lowercase()
            .cmp(&y.to_lowercase())
            // equal but for case: lower case first, as .NET's culture-aware sort does
            .then_with(|| y.cmp(x)),
        _ => order(a, b, false)
            .unwrap_or_else(|| text(a).to_lowercase().cmp(&text(b).to_lowercase())),
    }
}

fn compare_one(
    base: &str,
    l: &Value,
    r: &Value,
    case: bool,
    span: Span,
) -> Result<bool, RuntimeError> {
    Ok(match base {
        "eq" => equals(l, r, case),
        "ne" => !equals(l, r, case),
        "gt" | "ge" | "lt" | "le" => {
            let Some(o) = order(l, r, case) else {
                return Err(err(
                    format!("Could not compare \"{}\" to \"{}\".", text(l), text(r)),
                    span,
                )
                .help(format!(
                    "-{base} compares numbers and strings; this compares {} with {}",
                    l.type_name(),
                    r.type_name()
                )));
            };
            match base {
                "gt" => o == Ordering::Greater,
                "ge" => o != Ordering::Less,
                "lt" => o == Ordering::Less,
                _ => o != Ordering::Greater,
            }
        }
        "like" => wildcard_match(&text(r), &text(l), case),
        "notlike" => !wildcard_match(&text(r), &text(l), case),
        _ => false,
    })
}

// ---------------------------------------------------------------------------------------------
// Wildcards
// ---------------------------------------------------------------------------------------------

/// PowerShell wildcards: `*`, `?`, `[abc]`, `[a-z]`, and a backtick escaping the next character.
pub fn wildcard_match(pattern: &str, text: &str, case: bool) -> bool {
    #[derive(Debug)]
    enum Tok {
        Star,
        One,
        Lit(char),
        Set(Vec<(char, char)>),
    }
    let norm = |c: char| if case { c } else { super::regex::fold(c) };
    let p: Vec<char> = pattern.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '*' => toks.push(Tok::Star),
            '?' => toks.push(Tok::One),
            '`' if i + 1 < p.len() => {
                i += 1;
                toks.push(Tok::Lit(norm(p[i])));
            }
            '[' => {
                let mut j = i + 1;
                let mut set = Vec::new();
                while j < p.len() && p[j] != ']' {
                    let lo = p[j];
                    if j + 2 < p.len() && p[j + 1] == '-' && p[j + 2] != ']' {
                        set.push((norm(lo), norm(p[j + 2])));
                        j += 3;
                    } else {
                        set.push((norm(lo), norm(lo)));
                        j += 1;
                    }
                }
                if j < p.len() {
                    toks.push(Tok::Set(set));
                    i = j;
                } else {
                    toks.push(Tok::Lit('['));
                }
            }
            c => toks.push(Tok::Lit(norm(c))),
        }
        i += 1;
    }
    let t: Vec<char> = text.chars().map(norm).collect();
    // classic two-pointer glob match with backtracking to the last star
    let (mut ti, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let ok = match toks.get(pi) {
            Some(Tok::Star) => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some(Tok::One) => true,
            Some(Tok::Lit(c)) => *c == t[ti],
            Some(Tok::Set(set)) => set.iter().any(|(a, b)| *a <= t[ti] && t[ti] <= *b),
            None => false,
        };
        if ok {
            ti += 1;
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    toks[pi.min(toks.len())..]
        .iter()
        .all(|t| matches!(t, Tok::Star))
}

// ---------------------------------------------------------------------------------------------
// Regular expressions
// ---------------------------------------------------------------------------------------------

pub fn regex(pattern: &str, case: bool, span: Span) -> Result<Regex, RuntimeError> {
    Regex::new(pattern, !case).map_err(|e| {
        err(
            format!("The regular expression pattern {pattern} is not valid: {e}."),
            span,
        )
        .help("check the pattern; escape special characters such as . ( ) [ ] with a backslash, or use [regex]::Escape")
    })
}

/// The `$Matches` hashtable of a successful match.
fn matches_table(re: &Regex, chars: &[char], caps: &super::regex::Captures) -> Value {
    let mut table = Vec::new();
    for (i, name) in re.group_names().into_iter().rev() {
        if let Some((s, e)) = caps.get(i) {
            table.push((name, Value::String(chars[s..e].iter().collect())));
        }
    }
    Value::hashtable(table)
}

/// `-match`: (result, new `$Matches` when a scalar matched).
fn match_op(
    l: &Value,
    pattern: &Value,
    case: bool,
    negate: bool,
    span: Span,
) -> Result<(Value, Option<Value>), RuntimeError> {
    let re = regex(&text(pattern), case, span)?;
    let run = |s: &str| -> Result<Option<Value>, RuntimeError> {
        let chars: Vec<char> = s.chars().collect();
        let caps = re.captures_from(&chars, 0).map_err(|e| err(e, span))?;
        Ok(caps.map(|c| matches_table(&re, &chars, &c)))
    };
    match l {
        Value::Array(items) => {
            let mut out = Vec::new();
            for i in items.read().iter() {
                if run(&text(i))?.is_some() != negate {
                    out.push(i.clone());
                }
            }
            Ok((Value::array(out), None))
        }
        other => {
            let m = run(&text(other))?;
            let hit = m.is_some();
            Ok((Value::Bool(hit != negate), m))
        }
    }
}

/// Expand `$1`, `${name}`, `$0`, `$&`, `$$` in a `-replace` replacement.
fn expand_replacement(
    rep: &str,
    re: &Regex,
    chars: &[char],
    caps: &super::regex::Captures,
) -> String {
    let group_text = |i: usize| -> String {
        caps.get(i)
            .map(|(s, e)| chars[s..e].iter().collect())
            .unwrap_or_default()
    };
    let names = re.group_names();
    let r: Vec<char> = rep.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < r.len() {
        if r[i] != '$' || i + 1 >= r.len() {
            out.push(r[i]);
            i += 1;
            continue;
        }
        let n = r[i + 1];
        if n == '$' {
            out.push('$');
            i += 2;
        } else if n == '&' {
            out.push_str(&group_text(0));
            i += 2;
        } else if n.is_ascii_digit() {
            let mut j = i + 1;
            let mut num = 0usize;
            // the longest group number that exists
            let mut best: Option<(usize, usize)> = None;
            while j < r.len() && r[j].is_ascii_digit() {
                num = num
                    .saturating_mul(10)
                    .saturating_add(r[j].to_digit(10).unwrap_or(0) as usize);
                j += 1;
                if num < re.group_count() {
                    best = Some((num, j));
                }
            }
            match best {
                Some((g, end)) => {
                    out.push_str(&group_text(g));
                    i = end;
                }
                None => {
                    out.push('$');
                    i += 1;
                }
            }
        } else if n == '{' {
            match r[i + 2..].iter().position(|c| *c == '}') {
                Some(end) => {
                    let name: String = r[i + 2..i + 2 + end].iter().collect();
                    let g = names
                        .iter()
                        .find(|(_, nm)| nm.eq_ignore_ascii_case(&name))
                        .map(|(g, _)| *g);
                    match g {
                        Some(g) => out.push_str(&group_text(g)),
                        None => out.push_str(&format!("${{{name}}}")),
                    }
                    i += 3 + end;
                }
                None => {
                    out.push('$');
                    i += 1;
                }
            }
        } else {
            out.push('$');
            i += 1;
        }
    }
    out
}

fn replace(l: &Value, r: &Value, case: bool, span: Span) -> Result<Value, RuntimeError> {
    let (pattern, replacement) = match r {
        Value::Array(a) if a.len() == 2 => {
            let a = a.read();
            (text(&a[0]), text(&a[1]))
        }
        Value::Array(a) if a.len() > 2 => {
            return Err(err(
                format!(
                    "The -replace operator allows only two elements to follow it, not {}.",
                    a.len()
                ),
                span,
            )
            .help("write -replace 'pattern', 'replacement'"))
        }
        other => (text(other), String::new()),
    };
    let re = regex(&pattern, case, span)?;
    let one = |s: &str| -> Result<String, RuntimeError> {
        let chars: Vec<char> = s.chars().collect();
        let all = re.captures_all(&chars).map_err(|e| err(e, span))?;
        let mut out = String::new();
        let mut last = 0;
        for c in &all {
            let Some((s0, e0)) = c.get(0) else { continue };
            out.extend(chars[last..s0].iter());
            out.push_str(&expand_replacement(&replacement, &re, &chars, c));
            last = e0;
        }
        out.extend(chars[last..].iter());
        Ok(out)
    };
    Ok(match l {
        Value::Array(items) => Value::array(
            items
                .read()
                .iter()
                .map(|i| one(&text(i)).map(Value::String))
                .collect::<Result<_, _>>()?,
        ),
        other => Value::String(one(&text(other))?),
    })
}

fn split(l: &Value, r: &Value, case: bool, span: Span) -> Result<Value, RuntimeError> {
    let (pattern, limit) = match r {
        Value::Array(a) if !a.is_empty() => {
            let a = a.read();
            let limit = match a.get(1) {
                Some(v) => match to_number(v) {
                    Some(Num::Int(i)) if i > 0 => Some(i as usize),
                    Some(Num::Int(_)) => None,
                    _ => {
                        return Err(err(
                            format!("The -split limit must be a number, not \"{}\".", text(v)),
                            span,
                        )
                        .help("write -split 'pattern', 2"))
                    }
                },
                None => None,
            };
            (text(&a[0]), limit)
        }
        other => (text(other), None),
    };
    let re = regex(&pattern, case, span)?;
    let mut out = Vec::new();
    for item in unroll(l.clone()) {
        let s = text(&item);
        let chars: Vec<char> = s.chars().collect();
        let all = re.captures_all(&chars).map_err(|e| err(e, span))?;
        let mut last = 0;
        let mut pieces = 0;
        for c in &all {
            if limit.is_some_and(|n| pieces + 1 >= n) {
                break;
            }
            let Some((s0, e0)) = c.get(0) else { continue };
            if e0 == s0 && (s0 == 0 || s0 == chars.len()) {
                continue;
            }
            out.push(Value::String(chars[last..s0].iter().collect()));
            pieces += 1;
            // captured groups are included in the result, as in .NET's Regex.Split
            for g in 1..re.group_count() {
                if let Some((a, b)) = c.get(g) {
                    out.push(Value::String(chars[a..b].iter().collect()));
                }
            }
            last = e0;
        }
        out.push(Value::String(chars[last..].iter().collect()));
    }
    Ok(if out.len() == 1 {
        out.remove(0)
    } else {
        Value::array(out)
    })
}

// ---------------------------------------------------------------------------------------------
// -f
// ---------------------------------------------------------------------------------------------

fn group_thousands(int_part: &str) -> String {
    let digits: Vec<char> = int_part.chars().collect();
    let mut out = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(*c);
    }
    out
}

fn format_number(v: &Value, spec: &str, span: Span) -> Result<String, RuntimeError> {
    let Some(n) = to_number(v).filter(|_| !matches!(v, Value::String(_)) || spec.is_empty()) else {
        return Ok(text(v));
    };
    let mut chars = spec.chars();
    let kind = chars.next().unwrap_or('G');
    let rest: String = chars.collect();
    let precision: Option<usize> = if rest.is_empty() {
        None
    } else {
        rest.parse().ok()
    };
    if precision.is_some_and(|p| p > MAX_FORMAT_WIDTH) {
        return Err(err(
            format!("The format precision in '{spec}' is too large (at most {MAX_FORMAT_WIDTH})."),
            span,
        ));
    }
    let f = as_f64(&n);
    let fixed = |p: usize| -> String { format!("{:.*}", p, f) };
    let with_groups = |s: String| -> String {
        let (sign, s) = match s.strip_prefix('-') {
            Some(r) => ("-", r.to_string()),
            None => ("", s),
        };
        match s.split_once('.') {
            Some((i, d)) => format!("{sign}{}.{d}", group_thousands(i)),
            None => format!("{sign}{}", group_thousands(&s)),
        }
    };
    Ok(match kind {
        'N' | 'n' => with_groups(fixed(precision.unwrap_or(2))),
        'F' | 'f' => fixed(precision.unwrap_or(2)),
        'C' | 'c' => format!("${}", with_groups(fixed(precision.unwrap_or(2)))),
        'P' | 'p' => format!(
            "{} %",
            with_groups(format!("{:.*}", precision.unwrap_or(2), f * 100.0))
        ),
        'D' | 'd' => match n {
            Num::Int(i) => {
                let s = format!(
                    "{:0>width$}",
                    i.unsigned_abs(),
                    width = precision.unwrap_or(1)
                );
                if i < 0 {
                    format!("-{s}")
                } else {
                    s
                }
            }
            Num::Double(_) => {
                return Err(
                    err("Format specifier 'D' works only with whole numbers.", span)
                        .help("use {0:F0} or {0:N0} for other numbers"),
                )
            }
        },
        'X' | 'x' => match n {
            Num::Int(i) => {
                let s = format!("{:0>width$X}", i, width = precision.unwrap_or(1));
                if kind == 'x' {
                    s.to_lowercase()
                } else {
                    s
                }
            }
            Num::Double(_) => {
                return Err(
                    err("Format specifier 'X' works only with whole numbers.", span)
                        .help("convert first: [int]$x"),
                )
            }
        },
        'G' | 'g' if rest.is_empty() => text(v),
        'E' | 'e' => {
            let s = format!("{:.*E}", precision.unwrap_or(6), f);
            match s.split_once('E') {
                Some((m, e)) => {
                    let (sign, d) = match e.strip_prefix('-') {
                        Some(d) => ('-', d),
                        None => ('+', e),
                    };
                    let out = format!("{m}E{sign}{d:0>3}");
                    if kind == 'e' {
                        out.to_lowercase()
                    } else {
                        out
                    }
                }
                None => s,
            }
        }
        _ if spec.chars().all(|c| matches!(c, '0' | '#' | '.' | ',')) => {
            // custom: 0.00, #,##0, 000
            let (int_spec, dec_spec) = spec.split_once('.').unwrap_or((spec, ""));
            let decimals = dec_spec.chars().filter(|c| *c == '0' || *c == '#').count();
            let min_dec = dec_spec.chars().filter(|c| *c == '0').count();
            let mut s = fixed(decimals);
            if min_dec < decimals {
                if let Some((i, d)) = s.clone().split_once('.') {
                    let mut d = d.to_string();
                    while d.len() > min_dec && d.ends_with('0') {
                        d.pop();
                    }
                    s = if d.is_empty() {
                        i.to_string()
                    } else {
                        format!("{i}.{d}")
                    };
                }
            }
            let min_int = int_spec.chars().filter(|c| *c == '0').count();
            let (sign, body) = match s.strip_prefix('-') {
                Some(b) => ("-", b.to_string()),
                None => ("", s),
            };
            let (i, d) = match body.split_once('.') {
                Some((i, d)) => (i.to_string(), Some(d.to_string())),
                None => (body, None),
            };
            let mut i = format!("{:0>width$}", i, width = min_int);
            if min_int == 0 && i == "0" {
                i = String::new();
            }
            if int_spec.contains(',') {
                i = group_thousands(&i);
            }
            match d {
                Some(d) => format!("{sign}{i}.{d}"),
                None => format!("{sign}{i}"),
            }
        }
        _ => text(v),
    })
}

/// `'{0} has {1:N0} items' -f $a, $b`
pub fn format(fmt: &str, args: &[Value], span: Span) -> Result<String, RuntimeError> {
    let bad = || {
        err(
            format!("Error formatting a string: Input string was not in a correct format.: {fmt}"),
            span,
        )
        .help("placeholders look like {0}, {1,-10} or {0:N2}; write {{ and }} for literal braces")
    };
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '{' if chars.get(i + 1) == Some(&'{') => {
                out.push('{');
                i += 2;
            }
            '}' if chars.get(i + 1) == Some(&'}') => {
                out.push('}');
                i += 2;
            }
            '}' => return Err(bad()),
            '{' => {
                let end = chars[i..].iter().position(|c| *c == '}').ok_or_else(bad)? + i;
                let inner: String = chars[i + 1..end].iter().collect();
                let (head, spec) = match inner.split_once(':') {
                    Some((h, s)) => (h.to_string(), s.to_string()),
                    None => (inner.clone(), String::new()),
                };
                let (index, align) = match head.split_once(',') {
                    Some((ix, al)) => (
                        ix.trim().to_string(),
                        Some(al.trim().parse::<i64>().map_err(|_| bad())?),
                    ),
                    None => (head.trim().to_string(), None),
                };
                let index: usize = index.parse().map_err(|_| bad())?;
                let Some(arg) = args.get(index) else {
                    return Err(err(
                        format!("Error formatting a string: Index (zero based) must be greater than or equal to zero and less than the size of the argument list: {fmt}"),
                        span,
                    )
                    .help(format!("the format uses {{{index}}} but only {} value(s) follow -f", args.len())));
                };
                let mut piece = if spec.is_empty() {
                    text(arg)
                } else {
                    format_number(arg, &spec, span)?
                };
                if let Some(a) = align {
                    let width = usize::try_from(a.unsigned_abs()).unwrap_or(usize::MAX);
                    if width > MAX_FORMAT_WIDTH {
                        return Err(err(
                            format!("The alignment {a} in the format is too large (at most {MAX_FORMAT_WIDTH})."),
                            span,
                        ));
                    }
                    let len = piece.chars().count();
                    if len < width {
                        let pad = " ".repeat(width - len);
                        piece = if a > 0 {
                            format!("{pad}{piece}")
                        } else {
                            format!("{piece}{pad}")
                        };
                    }
                }
                out.push_str(&piece);
                i = end + 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Binary operators
// ---------------------------------------------------------------------------------------------

/// What a binary operator produced, and the new `$Matches` when `-match` set it.
pub struct Outcome {
    pub value: Value,
    pub matches: Option<Value>,
}

impl From<Value> for Outcome {
    fn from(value: Value) -> Self {
        Outcome {
            value,
            matches: None,
        }
    }
}

/// Apply binary operator `op` (lower-cased, e.g. "-eq", "+", "..") to evaluated operands.
/// (`-and`/`-or` short-circuit and `-is`/`-as` need the type literal: the evaluator does those.)
pub fn binary(op: &str, l: Value, r: Value, span: Span) -> Result<Outcome, RuntimeError> {
    let (base, case) = split_case(op);
    Ok(match base {
        "eq" | "ne" | "gt" | "ge" | "lt" | "le" | "like" | "notlike" => match &l {
            Value::Array(items) => {
                let mut out = Vec::new();
                for i in items.read().iter() {
                    if compare_one(base, i, &r, case, span)? {
                        out.push(i.clone());
                    }
                }
                Value::array(out).into()
            }
            _ => Value::Bool(compare_one(base, &l, &r, case, span)?).into(),
        },
        "match" | "notmatch" => {
            let (value, matches) = match_op(&l, &r, case, base == "notmatch", span)?;
            Outcome { value, matches }
        }
        "contains" | "notcontains" => {
            let hit = unroll(l).iter().any(|x| equals(x, &r, case));
            Value::Bool(hit == (base == "contains")).into()
        }
        "in" | "notin" => {
            let hit = unroll(r).iter().any(|x| equals(x, &l, case));
            Value::Bool(hit == (base == "in")).into()
        }
        "replace" => replace(&l, &r, case, span)?.into(),
        "split" => split(&l, &r, case, span)?.into(),
        "join" => Value::String(
            unroll(l)
                .iter()
                .map(text)
                .collect::<Vec<_>>()
                .join(&text(&r)),
        )
        .into(),
        "f" => Value::String(format(&text(&l), &unroll_keep_null(r), span)?).into(),
        "xor" => Value::Bool(l.is_truthy() != r.is_truthy()).into(),
        "and" => Value::Bool(l.is_truthy() && r.is_truthy()).into(),
        "or" => Value::Bool(l.is_truthy() || r.is_truthy()).into(),
        "band" | "bor" | "bxor" | "shl" | "shr" => bitwise(op, &l, &r, span)?.into(),
        _ => match op {
            "," => {
                let mut a = match l {
                    Value::Array(a) => a.into_vec(),
                    other => vec![other],
                };
                a.push(r);
                Value::array(a).into()
            }
            "+" => add(l, r, span)?.into(),
            "*" => multiply(l, r, span)?.into(),
            "-" | "/" | "%" => {
                let a = number_or_err(&l, span).map_err(|e| {
                    e.help(format!("'{op}' works on numbers; {} is not one", l.type_name()))
                })?;
                let b = number_or_err(&r, span).map_err(|e| {
                    e.help(format!("'{op}' works on numbers; {} is not one", r.type_name()))
                })?;
                arith(op, a, b, span)?.into()
            }
            ".." => range(&l, &r, span)?.into(),
            other => {
                return Err(err(
                    format!("The operator '{other}' is not supported in mailsec."),
                    span,
                )
                .help("supported: arithmetic, comparison (-eq -ne -gt -ge -lt -le -like -match -contains -in ...), -replace -split -join -f -is -as -and -or -xor -not, ranges"))
            }
        },
    })
}

/// `-not`, `!`, unary `-`, `+`, `-join`, `-split`, `-bnot`, unary `,`.
pub fn unary(op: &str, v: Value, span: Span) -> Result<Value, RuntimeError> {
    Ok(match op {
        "-not" | "!" => Value::Bool(!v.is_truthy()),
        "," => Value::array(vec![v]),
        "-" => match number_or_err(&v, span).map_err(|_| {
            err(
                format!("Cannot negate a value of type {}", v.type_name()),
                span,
            )
        })? {
            Num::Int(i) => i
                .checked_neg()
                .map(Value::Int)
                .unwrap_or(Value::Double(-(i as f64))),
            Num::Double(d) => Value::Double(-d),
        },
        "+" => match v {
            Value::String(_) | Value::Bool(_) | Value::Null => num_value(number_or_err(&v, span)?),
            other => other,
        },
        "-join" => Value::String(unroll(v).iter().map(text).collect()),
        "-split" => {
            let mut out = Vec::new();
            for i in unroll(v) {
                out.extend(
                    text(&i)
                        .split_whitespace()
                        .map(|s| Value::String(s.to_string())),
                );
            }
            Value::array(out)
        }
        "-bnot" => match number_or_err(&v, span)? {
            Num::Int(i) => Value::Int(!i),
            Num::Double(d) => Value::Int(!(d.round() as i64)),
        },
        other => {
            return Err(err(
                format!("The operator '{other}' is not supported in mailsec."),
                span,
            ))
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/// A type name without `System.` and surrounding space, lower-cased.
pub fn short_type(name: &str) -> String {
    let t = name.trim().to_lowercase();
    t.strip_prefix("system.").map(str::to_string).unwrap_or(t)
}

/// `$v -is [type]`.
pub fn is_type(v: &Value, type_name: &str) -> bool {
    let t = short_type(type_name);
    match t.as_str() {
        "object" | "psobject" | "management.automation.psobject" => !matches!(v, Value::Null),
        "string" => matches!(v, Value::String(_)),
        "int" | "int32" | "int64" | "long" | "int16" | "short" | "byte" | "uint32" | "uint64" => {
            matches!(v, Value::Int(_))
        }
        "double" | "float" | "single" | "decimal" => matches!(v, Value::Double(_)),
        "valuetype" => matches!(v, Value::Int(_) | Value::Double(_) | Value::Bool(_)),
        "bool" | "boolean" => matches!(v, Value::Bool(_)),
        // An ArrayList or a certificate collection is a list, not a System.Array.
        "array" | "object[]" => match v {
            Value::Array(l) => l.kind() == ListKind::Array,
            other => matches!(other, Value::Bytes(_)),
        },
        "collections.arraylist" => matches!(v, Value::Array(l) if l.kind() == ListKind::ArrayList),
        "collections.ienumerable" | "collections.ilist" | "collections.icollection" => {
            matches!(v, Value::Array(_) | Value::Bytes(_))
        }
        "byte[]" => matches!(v, Value::Bytes(_) | Value::Cert(_)),
        "hashtable"
        | "collections.hashtable"
        | "collections.idictionary"
        | "ordered"
        | "collections.specialized.ordereddictionary" => matches!(v, Value::Hashtable(_)),
        "pscustomobject" | "management.automation.pscustomobject" => {
            matches!(v, Value::Object(o) if o.type_name == PSCUSTOMOBJECT)
        }
        "scriptblock" | "management.automation.scriptblock" => {
            matches!(v, Value::Object(o) if o.type_name == SCRIPTBLOCK)
        }
        "management.automation.errorrecord" | "errorrecord" => {
            matches!(v, Value::Object(o) if o.type_name == ERROR_RECORD)
        }
        _ => match v {
            Value::Object(o) => {
                let own = o.type_name.to_lowercase();
                let own_short = own.strip_prefix("system.").unwrap_or(&own);
                own_short == t || own.rsplit('.').next() == Some(t.as_str())
            }
            Value::Cert(_) => t.ends_with("x509certificate2") || t.ends_with("x509certificate"),
            _ => false,
        },
    }
}

fn convert_error(v: &Value, to: &str, span: Span) -> RuntimeError {
    err(
        format!("Cannot convert value \"{}\" to type \"{to}\".", text(v)),
        span,
    )
    .help(format!("give a value that reads as {to}"))
}

fn to_int(v: &Value, dotnet: &str, min: i64, max: i64, span: Span) -> Result<Value, RuntimeError> {
    let n = match to_number(v) {
        Some(Num::Int(i)) => i,
        Some(Num::Double(d)) if d.is_finite() => {
            // .NET rounds half to even
            let r = d.round();
            if (d - d.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
                (r - d.signum()) as i64
            } else {
                r as i64
            }
        }
        _ => return Err(convert_error(v, dotnet, span)),
    };
    if n < min || n > max {
        return Err(convert_error(v, dotnet, span).help(format!("{dotnet} holds {min} to {max}")));
    }
    Ok(Value::Int(n))
}

/// `[type]value` for the types scripts cast to.
pub fn cast(type_name: &str, v: Value, span: Span) -> Result<Value, RuntimeError> {
    let t = short_type(type_name);
    if let Some(elem) = t.strip_suffix("[]") {
        if elem != "byte" {
            let items = match v {
                Value::Null => Vec::new(),
                other => unroll(other),
            };
            return Ok(Value::array(
                items
                    .into_iter()
                    .map(|i| cast(elem, i, span))
                    .collect::<Result<_, _>>()?,
            ));
        }
    }
    if t.starts_with("collections.generic.list[") || t.starts_with("collections.generic.list`1") {
        return Ok(Value::array(unroll(v)));
    }
    Ok(match t.as_str() {
        "void" => Value::Null,
        "object" | "psobject" | "management.automation.psobject" => v,
        "string" => match v {
            Value::Null => Value::String(String::new()),
            other => Value::String(text(&other)),
        },
        "char" => match &v {
            Value::String(s) if s.chars().count() == 1 => v,
            Value::Int(i) => match u32::try_from(*i).ok().and_then(char::from_u32) {
                Some(c) => Value::String(c.to_string()),
                None => return Err(convert_error(&v, "System.Char", span)),
            },
            _ => return Err(convert_error(&v, "System.Char", span)),
        },
        "bool" | "boolean" | "switch" | "management.automation.switchparameter" => {
            Value::Bool(v.is_truthy())
        }
        "int" | "int32" => to_int(&v, "System.Int32", i32::MIN as i64, i32::MAX as i64, span)?,
        "int64" | "long" => to_int(&v, "System.Int64", i64::MIN, i64::MAX, span)?,
        "int16" | "short" => to_int(&v, "System.Int16", i16::MIN as i64, i16::MAX as i64, span)?,
        "uint32" | "uint" => to_int(&v, "System.UInt32", 0, u32::MAX as i64, span)?,
        "uint64" | "ulong" => to_int(&v, "System.UInt64", 0, i64::MAX, span)?,
        "byte" => to_int(&v, "System.Byte", 0, 255, span)?,
        "double" | "float" | "single" | "decimal" => match to_number(&v) {
            Some(n) => Value::Double(as_f64(&n)),
            None => return Err(convert_error(&v, "System.Double", span)),
        },
        "byte[]" => Value::Bytes(
            mailsec_cmdlets::convert::to_bytes("value", &v)
                .map_err(|e| RuntimeError::new(e.to_string(), span))?,
        ),
        // A new list with the elements (a copy when the value was already a list), as .NET converts.
        // A value already of the type is the same object; anything else becomes a new list.
        "array" | "object[]" => match v {
            Value::Array(l) if l.kind() == ListKind::Array => Value::Array(l),
            other => Value::array(unroll(other)),
        },
        "collections.arraylist" => match v {
            Value::Array(l) if l.kind() == ListKind::ArrayList => Value::Array(l),
            other => Value::Array(List::new(ListKind::ArrayList, unroll(other))),
        },
        "hashtable" | "collections.hashtable" | "ordered" | "collections.specialized.ordereddictionary" => match v {
            Value::Hashtable(_) => v,
            Value::Object(o) => Value::hashtable(o.props.snapshot()),
            other => {
                return Err(convert_error(&other, "System.Collections.Hashtable", span))
            }
        },
        "pscustomobject" | "management.automation.pscustomobject" => match v {
            Value::Hashtable(entries) => Value::Object(Object {
                type_name: PSCUSTOMOBJECT.to_string(),
                props: entries.into_inner().into(),
                default_columns: Vec::new(),
            }),
            other => other,
        },
        "guid" => {
            let s = text(&v);
            let hex: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
            let shape_ok = s
                .trim_matches(|c| c == '{' || c == '}')
                .split('-')
                .map(str::len)
                .collect::<Vec<_>>()
                == [8, 4, 4, 4, 12];
            if hex.len() != 32 || !shape_ok {
                return Err(convert_error(&v, "System.Guid", span)
                    .help("a GUID looks like 6f1c1c7e-8a5e-4a43-9a53-0a5b8f0c1d11"));
            }
            Value::String(s.trim_matches(|c| c == '{' || c == '}').to_lowercase())
        }
        _ => {
            return Err(RuntimeError::new(
                format!("Casting to [{type_name}] is not supported in mailsec"),
                span,
            )
            .help("supported: [void], [string], [char], [bool], [switch], [int], [long], [double], [byte[]], [array], [string[]] (any T[]), [hashtable], [ordered], [pscustomobject], [guid]"))
        }
    })
}

/// `$v -as [type]`: the cast, or `$null` when it fails.
pub fn try_cast(type_name: &str, v: Value, span: Span) -> Value {
    cast(type_name, v, span).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::String(x.into())
    }
    fn b(op: &str, l: Value, r: Value) -> Value {
        binary(op, l, r, Span::default()).unwrap().value
    }

    #[test]
    fn numbers_follow_powershell() {
        assert_eq!(b("+", Value::Int(1), s("2")), Value::Int(3));
        assert_eq!(b("+", s("1"), Value::Int(2)), s("12"));
        assert_eq!(b("/", Value::Int(7), Value::Int(2)), Value::Double(3.5));
        assert_eq!(b("/", Value::Int(8), Value::Int(2)), Value::Int(4));
        assert_eq!(b("%", Value::Int(7), Value::Int(3)), Value::Int(1));
        assert_eq!(b("*", s("ab"), Value::Int(3)), s("ababab"));
        assert_eq!(
            b("+", Value::Int(i64::MAX), Value::Int(1)),
            Value::Double(i64::MAX as f64 + 1.0)
        );
        assert_eq!(b("-", s("10"), Value::Int(4)), Value::Int(6));
        assert!(binary("/", Value::Int(1), Value::Int(0), Span::default()).is_err());
        assert!(binary("-", s("abc"), Value::Int(1), Span::default()).is_err());
        assert_eq!(b("+", s("0x10"), Value::Int(0)), s("0x100"));
        assert_eq!(b("+", Value::Int(0), s("0x10")), Value::Int(16));
        assert_eq!(b("+", Value::Int(1), s("1KB")), Value::Int(1025));
    }

    #[test]
    fn comparisons_convert_to_the_left_type() {
        assert_eq!(b("-eq", Value::Int(5), s("5")), Value::Bool(true));
        assert_eq!(b("-eq", s("ABC"), s("abc")), Value::Bool(true));
        assert_eq!(b("-ceq", s("ABC"), s("abc")), Value::Bool(false));
        assert_eq!(b("-gt", s("10"), Value::Int(9)), Value::Bool(false));
        assert_eq!(b("-gt", Value::Int(10), s("9")), Value::Bool(true));
        assert_eq!(b("-lt", s("a"), s("B")), Value::Bool(true));
        assert_eq!(
            b(
                "-gt",
                Value::array(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
                Value::Int(1)
            ),
            Value::array(vec![Value::Int(2), Value::Int(3)])
        );
        assert_eq!(b("-eq", Value::Bool(true), s("false")), Value::Bool(true));
        assert_eq!(b("-eq", Value::Null, Value::Null), Value::Bool(true));
        assert!(binary(
            "-gt",
            Value::hashtable(vec![]),
            Value::Int(1),
            Span::default()
        )
        .is_err());
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*.contoso.com", "mail.CONTOSO.com", false));
        assert!(!wildcard_match("*.contoso.com", "mail.CONTOSO.com", true));
        assert!(wildcard_match("j?", "jo", false));
        assert!(wildcard_match("[a-c]*", "bob", false));
        assert!(!wildcard_match("[a-c]*", "dan", false));
        assert!(wildcard_match("a`*b", "a*b", false));
        assert!(!wildcard_match("a`*b", "axb", false));
        assert!(wildcard_match("*", "", false));
        assert!(wildcard_match("a*b*c", "aXbYbZc", false));
    }

    #[test]
    fn replace_split_join_format() {
        assert_eq!(
            b(
                "-replace",
                s("jo@contoso.com"),
                Value::array(vec![s("@.*$"), s("")])
            ),
            s("jo")
        );
        assert_eq!(
            b(
                "-replace",
                s("Smith, Jo"),
                Value::array(vec![s("(\\w+), (\\w+)"), s("$2 $1")])
            ),
            s("Jo Smith")
        );
        assert_eq!(b("-replace", s("aAa"), s("a")), s(""));
        assert_eq!(b("-creplace", s("aAa"), s("a")), s("A"));
        assert_eq!(
            b("-split", s("a,b,,c"), s(",")),
            Value::array(vec![s("a"), s("b"), s(""), s("c")])
        );
        assert_eq!(
            b(
                "-split",
                s("a,b,c"),
                Value::array(vec![s(","), Value::Int(2)])
            ),
            Value::array(vec![s("a"), s("b,c")])
        );
        assert_eq!(
            b(
                "-join",
                Value::array(vec![Value::Int(1), Value::Int(2)]),
                s(", ")
            ),
            s("1, 2")
        );
        assert_eq!(
            b(
                "-f",
                s("{0} has {1:N0} items, {2:P0}"),
                Value::array(vec![s("x"), Value::Int(12345), Value::Double(0.5)])
            ),
            s("x has 12,345 items, 50 %")
        );
        assert_eq!(b("-f", s("[{0,5}|{0,-5}]"), s("ab")), s("[   ab|ab   ]"));
        assert_eq!(
            b(
                "-f",
                s("{0:D3} {0:X} {1:0.0} {{x}}"),
                Value::array(vec![Value::Int(7), Value::Double(2.25)])
            ),
            s("007 7 2.2 {x}")
        );
        assert!(binary("-f", s("{1}"), s("a"), Span::default()).is_err());
        assert!(binary("-f", s("{0,99999999999}"), s("a"), Span::default()).is_err());
        assert!(binary("-f", s("{0:D99999999999}"), Value::Int(1), Span::default()).is_err());
        assert!(binary("-f", s("{0:N100000}"), Value::Int(1), Span::default()).is_err());
    }

    #[test]
    fn casts_and_types() {
        let sp = Span::default();
        assert_eq!(cast("int", s(" 42 "), sp).unwrap(), Value::Int(42));
        assert_eq!(cast("int", Value::Double(2.5), sp).unwrap(), Value::Int(2));
        assert_eq!(cast("int", Value::Double(3.5), sp).unwrap(), Value::Int(4));
        assert!(cast("int", s("x"), sp).is_err());
        assert!(cast("byte", Value::Int(300), sp).is_err());
        assert_eq!(
            cast(
                "string[]",
                Value::array(vec![Value::Int(1), Value::Int(2)]),
                sp
            )
            .unwrap(),
            Value::array(vec![s("1"), s("2")])
        );
        assert!(is_type(&s("x"), "System.String"));
        assert!(!is_type(&Value::Int(1), "string"));
        assert!(is_type(&Value::array(vec![]), "array"));
        assert_eq!(try_cast("int", s("x"), sp), Value::Null);
        assert_eq!(double_text(1e20), "1E+20");
        assert_eq!(double_text(0.5), "0.5");
        assert_eq!(double_text(3.0), "3");
    }
}
