//! The .NET `System.String` methods admins call on strings (`.ToLower()`, `.Split(',')`, `.Substring(0, 3)`,
//! ...), with .NET's behaviour: case-sensitive unless a StringComparison says otherwise, indexes counted in
//! characters, and .NET's argument errors. Any other method is "not supported in mailsec", by name.

use mailsec_cmdlets::Value;

use super::super::error::RuntimeError;
use super::super::operators::text;
use crate::syntax::ast::Span;

/// Is `method` (lower-cased) a string method mailsec has?
pub fn has(method: &str) -> bool {
    KNOWN.contains(&method)
}

/// `s.method(args)` for a method [`has`] knows.
pub fn call(s: &str, method: &str, args: &[Value], span: Span) -> Result<Value, RuntimeError> {
    let m = method.to_lowercase();
    run(s, method, &m, args, span).map(|v| v.unwrap_or(Value::Null))
}

const KNOWN: &[&str] = &[
    "tolower",
    "toupper",
    "tolowerinvariant",
    "toupperinvariant",
    "trim",
    "trimstart",
    "trimend",
    "split",
    "replace",
    "contains",
    "startswith",
    "endswith",
    "substring",
    "indexof",
    "lastindexof",
    "padleft",
    "padright",
    "insert",
    "remove",
    "equals",
    "tochararray",
    "compareto",
    "isnormalized",
];

fn overload(method: &str, args: &[Value], span: Span) -> RuntimeError {
    RuntimeError::new(
        format!(
            "Cannot find an overload for \"{method}\" and the argument count: \"{}\".",
            args.len()
        ),
        span,
    )
    .help(format!("check the arguments of .{method}(...)"))
}

fn out_of_range(method: &str, what: &str, span: Span) -> RuntimeError {
    RuntimeError::new(format!("Exception calling \"{method}\": \"{what}\""), span)
        .help("indexes count characters from 0; check the string's .Length first")
}

/// An integer argument.
fn int(method: &str, v: &Value, span: Span) -> Result<i64, RuntimeError> {
    match super::super::operators::to_number(v) {
        Some(super::super::operators::Num::Int(i)) => Ok(i),
        Some(super::super::operators::Num::Double(d)) if d.fract() == 0.0 => Ok(d as i64),
        _ => Err(RuntimeError::new(
            format!("Cannot convert argument \"{v}\", for \"{method}\" to type \"System.Int32\"."),
            span,
        )
        .help("give a whole number")),
    }
}

/// Does a StringComparison argument (`'OrdinalIgnoreCase'`, `[StringComparison]::...`, 5) ignore case?
fn ignores_case(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::Int(i)) => i % 2 == 1,
        Some(other) => text(other).to_lowercase().ends_with("ignorecase"),
        None => false,
    }
}

/// Characters to trim: none given is white space; each argument (a char or a string of them) adds its chars.
fn trim_set(args: &[Value]) -> Option<Vec<char>> {
    if args.is_empty() {
        return None;
    }
    let mut set = Vec::new();
    for a in args {
        match a {
            Value::Array(items) => set.extend(
                items
                    .read()
                    .iter()
                    .flat_map(|i| text(i).chars().collect::<Vec<_>>()),
            ),
            other => set.extend(text(other).chars()),
        }
    }
    Some(set)
}

fn find(hay: &[char], needle: &[char], from: usize, ignore_case: bool) -> Option<usize> {
    let eq = |a: char, b: char| {
        if ignore_case {
            a.to_lowercase().eq(b.to_lowercase())
        } else {
            a == b
        }
    };
    if needle.is_empty() {
        return Some(from.min(hay.len()));
    }
    (from..hay.len().saturating_sub(needle.len() - 1))
        .find(|&i| needle.iter().enumerate().all(|(j, c)| eq(hay[i + j], *c)))
}

fn run(
    s: &str,
    method: &str,
    m: &str,
    args: &[Value],
    span: Span,
) -> Result<Option<Value>, RuntimeError> {
    let chars: Vec<char> = s.chars().collect();
    let arg = |i: usize| args.get(i).ok_or_else(|| overload(method, args, span));
    let string = |v: String| Ok(Some(Value::String(v)));
    match m {
        "tolower" | "tolowerinvariant" => string(s.to_lowercase()),
        "toupper" | "toupperinvariant" => string(s.to_uppercase()),
        "trim" | "trimstart" | "trimend" => {
            let set = trim_set(args);
            let hit = |c: char| match &set {
                Some(set) => set.contains(&c),
                None => c.is_whitespace(),
            };
            string(match m {
                "trim" => s.trim_matches(hit).to_string(),
                "trimstart" => s.trim_start_matches(hit).to_string(),
                _ => s.trim_end_matches(hit).to_string(),
            })
        }
        "split" => split(s, method, args, span),
        "replace" => {
            let old = text(arg(0)?);
            let new = args.get(1).map(text).unwrap_or_default();
            if old.is_empty() {
                return Err(RuntimeError::new(
                    "Exception calling \"Replace\": \"String cannot be of zero length. (Parameter 'oldValue')\"",
                    span,
                )
                .help("give the text to replace"));
            }
            if ignores_case(args.get(2)) {
                let needle: Vec<char> = old.chars().collect();
                let mut out = String::new();
                let mut i = 0;
                while let Some(at) = find(&chars, &needle, i, true) {
                    out.extend(&chars[i..at]);
                    out.push_str(&new);
                    i = at + needle.len();
                }
                out.extend(&chars[i..]);
                return string(out);
            }
            string(s.replace(&old, &new))
        }
        "contains" | "startswith" | "endswith" => {
            let needle = text(arg(0)?);
            let ic = ignores_case(args.get(1));
            let (h, n) = if ic {
                (s.to_lowercase(), needle.to_lowercase())
            } else {
                (s.to_string(), needle)
            };
            Ok(Some(Value::Bool(match m {
                "contains" => h.contains(&n),
                "startswith" => h.starts_with(&n),
                _ => h.ends_with(&n),
            })))
        }
        "substring" => {
            let start = int(method, arg(0)?, span)?;
            if start < 0 || start as usize > chars.len() {
                return Err(out_of_range(
                    method,
                    "startIndex cannot be larger than length of string.",
                    span,
                ));
            }
            let start = start as usize;
            let len = match args.get(1) {
                Some(v) => int(method, v, span)?,
                None => (chars.len() - start) as i64,
            };
            if len < 0 || start + len as usize > chars.len() {
                return Err(out_of_range(
                    method,
                    "Index and length must refer to a location within the string.",
                    span,
                ));
            }
            string(chars[start..start + len as usize].iter().collect())
        }
        "indexof" | "lastindexof" => {
            let needle: Vec<char> = text(arg(0)?).chars().collect();
            let (from, ic) = match args.get(1) {
                Some(v @ (Value::Int(_) | Value::Double(_))) => {
                    (Some(int(method, v, span)?), ignores_case(args.get(2)))
                }
                other => (None, ignores_case(other)),
            };
            if m == "indexof" {
                let from = from.unwrap_or(0);
                if from < 0 || from as usize > chars.len() {
                    return Err(out_of_range(method, "Index was out of range.", span));
                }
                let at = find(&chars, &needle, from as usize, ic);
                return Ok(Some(Value::Int(at.map(|i| i as i64).unwrap_or(-1))));
            }
            let mut last = -1i64;
            let mut i = 0;
            while let Some(at) = find(&chars, &needle, i, ic) {
                if from.is_some_and(|f| at as i64 + needle.len() as i64 - 1 > f) {
                    break;
                }
                last = at as i64;
                i = at + 1;
                if needle.is_empty() {
                    break;
                }
            }
            Ok(Some(Value::Int(last)))
        }
        "padleft" | "padright" => {
            let width = int(method, arg(0)?, span)?;
            let pad = args
                .get(1)
                .map(text)
                .and_then(|t| t.chars().next())
                .unwrap_or(' ');
            let missing = usize::try_from(width)
                .unwrap_or(0)
                .saturating_sub(chars.len());
            let fill: String = std::iter::repeat_n(pad, missing).collect();
            string(if m == "padleft" {
                fill + s
            } else {
                s.to_string() + &fill
            })
        }
        "insert" => {
            let at = int(method, arg(0)?, span)?;
            if at < 0 || at as usize > chars.len() {
                return Err(out_of_range(method, "Index was out of range.", span));
            }
            let mut out: String = chars[..at as usize].iter().collect();
            out.push_str(&text(arg(1)?));
            out.extend(&chars[at as usize..]);
            string(out)
        }
        "remove" => {
            let at = int(method, arg(0)?, span)?;
            let count = match args.get(1) {
                Some(v) => int(method, v, span)?,
                None => chars.len() as i64 - at,
            };
            if at < 0 || count < 0 || (at + count) as usize > chars.len() {
                return Err(out_of_range(
                    method,
                    "Index and count must refer to a location within the string.",
                    span,
                ));
            }
            let mut out: String = chars[..at as usize].iter().collect();
            out.extend(&chars[(at + count) as usize..]);
            string(out)
        }
        "equals" => {
            let other = text(arg(0)?);
            Ok(Some(Value::Bool(if ignores_case(args.get(1)) {
                s.to_lowercase() == other.to_lowercase()
            } else {
                s == other
            })))
        }
        "compareto" => {
            let other = text(arg(0)?);
            Ok(Some(Value::Int(match s.cmp(&other) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            })))
        }
        "tochararray" => Ok(Some(Value::array(
            chars.iter().map(|c| Value::String(c.to_string())).collect(),
        ))),
        "isnormalized" => Ok(Some(Value::Bool(true))),
        _ => Ok(None),
    }
}

/// `.Split(sep)`: a string separator splits on the whole string (as .NET Core, PowerShell 7), several
/// arguments or a char array on any of them; a number after them caps the count; `RemoveEmptyEntries`
/// (or 1) drops empty parts. No separator splits on white space.
fn split(s: &str, method: &str, args: &[Value], span: Span) -> Result<Option<Value>, RuntimeError> {
    let mut seps: Vec<String> = Vec::new();
    let mut count: Option<usize> = None;
    let mut remove_empty = false;
    for (i, a) in args.iter().enumerate() {
        match a {
            Value::Int(_) | Value::Double(_) if i > 0 => {
                let n = int(method, a, span)?;
                if seps.is_empty() || count.is_some() {
                    remove_empty |= n == 1;
                } else {
                    count = Some(usize::try_from(n).map_err(|_| {
                        out_of_range(method, "Count cannot be less than zero.", span)
                    })?);
                }
            }
            Value::String(t) if i > 0 && t.to_lowercase().contains("removeemptyentries") => {
                remove_empty = true
            }
            Value::String(t) if i > 0 && t.eq_ignore_ascii_case("none") => {}
            Value::Array(items) => seps.extend(items.read().iter().map(text)),
            other => seps.push(text(other)),
        }
    }
    let mut parts: Vec<String> = Vec::new();
    if seps.is_empty() || seps.iter().all(String::is_empty) {
        parts = s.split(char::is_whitespace).map(str::to_string).collect();
    } else {
        let mut rest = s;
        loop {
            if count.is_some_and(|c| parts.len() + 1 >= c) {
                parts.push(rest.to_string());
                break;
            }
            let next = seps
                .iter()
                .filter(|p| !p.is_empty())
                .filter_map(|p| rest.find(p.as_str()).map(|at| (at, p.len())))
                .min();
            match next {
                Some((at, len)) => {
                    parts.push(rest[..at].to_string());
                    rest = &rest[at + len..];
                }
                None => {
                    parts.push(rest.to_string());
                    break;
                }
            }
        }
    }
    if remove_empty {
        parts.retain(|p| !p.is_empty());
    }
    if count == Some(0) {
        parts.clear();
    }
    Ok(Some(Value::array(
        parts.into_iter().map(Value::String).collect(),
    )))
}

#[cfg(test)]
mod tests {
    use crate::eval::builtins::testing::run;

    #[test]
    fn the_string_methods_admins_use() {
        let o = run(r#"$s = '  Baptiste@CravateRouge.com  '
$s.Trim().ToLower()
$s.ToUpper().Trim()
$s.Trim().Split('@')[1]
'a,b,,c'.Split(',').Count
'a,b,,c'.Split(',', [StringSplitOptions]::RemoveEmptyEntries).Count
'a,b,c'.Split(',', 2)[1]
'a--b'.Split('--')[1]
'C:\certs\a.cer'.Replace('C:\certs', '/srv/certs')
'Contoso'.Contains('toso'); 'Contoso'.Contains('TOSO')
'Contoso'.StartsWith('con'); 'Contoso'.StartsWith('con', 'OrdinalIgnoreCase')
'mail.contoso.com'.EndsWith('.com')
'thumbprint'.Substring(0, 5); 'thumbprint'.Substring(5)
'a.b.c'.IndexOf('.'); 'a.b.c'.LastIndexOf('.'); 'abc'.IndexOf('z')
'abc'.Length
'xxabcxx'.Trim('x'); 'ab'.PadLeft(4, '0')
'abc'.Insert(1, '-'); 'abcdef'.Remove(2, 3)
"#);
        assert_eq!(
            o.ok(),
            "baptiste@cravaterouge.com\nBAPTISTE@CRAVATEROUGE.COM\nCravateRouge.com\n4\n3\nb,c\nb\n/srv/certs\\a.cer\nTrue\nFalse\nFalse\nTrue\nTrue\nthumb\nprint\n1\n3\n-1\n3\nabc\n00ab\na-bc\nabf\n"
        );
    }

    #[test]
    fn out_of_range_and_unknown_methods_say_what() {
        let o = run("'abc'.Substring(5)\n'abc'.Frobnicate()\n'abc'.Replace('', 'x')");
        let m = o.messages();
        assert!(
            m[0].contains("startIndex cannot be larger than length of string"),
            "{m:?}"
        );
        assert!(
            m[1].contains("'Frobnicate'") && m[1].contains("not supported in mailsec"),
            "{m:?}"
        );
        assert!(m[2].contains("String cannot be of zero length"), "{m:?}");
    }
}
