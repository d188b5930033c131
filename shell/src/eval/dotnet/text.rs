//! Static members of `[string]` (IsNullOrEmpty, IsNullOrWhiteSpace, Join, Concat, Format, Empty) and the
//! `[regex]` ones that return matches (Match, Matches, Split); `[regex]::Escape/IsMatch/Replace` are in the
//! evaluator. A Match has .NET's members: Success, Value, Index, Length, and Groups (by number or name).

use mailsec_cmdlets::{Object, Value};

use super::super::error::RuntimeError;
use super::super::operators::{self, text};
use super::super::regex::{Captures, Regex};
use crate::syntax::ast::Span;

/// `[string]::member(args)`; `None` when it is not one mailsec has.
pub fn string_static(
    member: &str,
    args: &[Value],
    span: Span,
) -> Option<Result<Value, RuntimeError>> {
    let m = member.to_lowercase();
    let first = || args.first().cloned().unwrap_or(Value::Null);
    let items = |from: usize| -> Vec<Value> {
        match args.get(from..).unwrap_or_default() {
            [Value::Array(items)] => items.to_vec(),
            many => many.to_vec(),
        }
    };
    Some(Ok(match m.as_str() {
        "isnullorempty" => Value::Bool(match first() {
            Value::Null => true,
            v => text(&v).is_empty(),
        }),
        "isnullorwhitespace" => Value::Bool(match first() {
            Value::Null => true,
            v => text(&v).trim().is_empty(),
        }),
        "join" => {
            if args.is_empty() {
                return Some(Err(overload(member, args, span)));
            }
            let sep = text(&first());
            let parts: Vec<String> = items(1).iter().map(text).collect();
            Value::String(parts.join(&sep))
        }
        "concat" => Value::String(items(0).iter().map(text).collect()),
        "format" => {
            if args.is_empty() {
                return Some(Err(overload(member, args, span)));
            }
            return Some(
                operators::binary("-f", first(), Value::array(items(1)), span).map(|o| o.value),
            );
        }
        "empty" => Value::String(String::new()),
        _ => return None,
    }))
}

/// The enum values string and regex methods take: `[StringSplitOptions]::RemoveEmptyEntries`,
/// `[StringComparison]::OrdinalIgnoreCase`, `[RegexOptions]::IgnoreCase` (as their names, which those
/// methods read); `None` for other types or names.
pub fn enum_static(type_name: &str, member: &str) -> Option<Value> {
    const ENUMS: &[(&str, &[&str])] = &[
        (
            "stringsplitoptions",
            &["None", "RemoveEmptyEntries", "TrimEntries"],
        ),
        (
            "stringcomparison",
            &[
                "CurrentCulture",
                "CurrentCultureIgnoreCase",
                "InvariantCulture",
                "InvariantCultureIgnoreCase",
                "Ordinal",
                "OrdinalIgnoreCase",
            ],
        ),
        (
            "text.regularexpressions.regexoptions",
            &[
                "None",
                "IgnoreCase",
                "Multiline",
                "Singleline",
                "CultureInvariant",
                "ExplicitCapture",
                "IgnorePatternWhitespace",
            ],
        ),
        (
            "regexoptions",
            &[
                "None",
                "IgnoreCase",
                "Multiline",
                "Singleline",
                "CultureInvariant",
                "ExplicitCapture",
                "IgnorePatternWhitespace",
            ],
        ),
    ];
    let (_, names) = ENUMS.iter().find(|(t, _)| *t == type_name)?;
    names
        .iter()
        .find(|n| n.eq_ignore_ascii_case(member))
        .map(|n| Value::String(n.to_string()))
}

/// `[regex]::Match(input, pattern[, options])`, `Matches`, `Split`; `None` for other members.
pub fn regex_static(
    member: &str,
    args: &[Value],
    span: Span,
) -> Option<Result<Value, RuntimeError>> {
    let m = member.to_lowercase();
    if !matches!(m.as_str(), "match" | "matches" | "split") {
        return None;
    }
    Some(regex_call(member, &m, args, span))
}

fn overload(member: &str, args: &[Value], span: Span) -> RuntimeError {
    RuntimeError::new(
        format!(
            "Cannot find an overload for \"{member}\" and the argument count: \"{}\".",
            args.len()
        ),
        span,
    )
    .help(format!("check the arguments of ::{member}(...)"))
}

fn regex_call(member: &str, m: &str, args: &[Value], span: Span) -> Result<Value, RuntimeError> {
    let (Some(input), Some(pattern)) = (args.first(), args.get(1)) else {
        return Err(overload(member, args, span));
    };
    // RegexOptions: IgnoreCase (1) is the one that changes what matches here
    let ignore_case = match args.get(2) {
        Some(Value::Int(i)) => i & 1 == 1,
        Some(v) => text(v).to_lowercase().contains("ignorecase"),
        None => false,
    };
    let re = operators::regex(&text(pattern), !ignore_case, span)?;
    let chars: Vec<char> = text(input).chars().collect();
    let fail = |e: String| RuntimeError::new(e, span);
    match m {
        "match" => {
            let caps = re.captures_from(&chars, 0).map_err(fail)?;
            Ok(match_object(&re, &chars, caps.as_ref()))
        }
        "matches" => {
            let all = re.captures_all(&chars).map_err(fail)?;
            Ok(Value::array(
                all.iter()
                    .map(|c| match_object(&re, &chars, Some(c)))
                    .collect(),
            ))
        }
        _ => {
            let mut parts = Vec::new();
            let mut at = 0;
            for c in re.captures_all(&chars).map_err(fail)? {
                let Some((s, e)) = c.get(0) else { continue };
                if s == e && (s == 0 || s == chars.len()) {
                    continue;
                }
                parts.push(Value::String(chars[at..s].iter().collect()));
                // captured groups are included in the result, as .NET does
                for g in 1..c.groups.len() {
                    if let Some((gs, ge)) = c.get(g) {
                        parts.push(Value::String(chars[gs..ge].iter().collect()));
                    }
                }
                at = e;
            }
            parts.push(Value::String(chars[at..].iter().collect()));
            Ok(Value::array(parts))
        }
    }
}

fn group(name: &str, chars: &[char], at: Option<(usize, usize)>) -> Value {
    let (success, value, index, length) = match at {
        Some((s, e)) => (true, chars[s..e].iter().collect(), s, e - s),
        None => (false, String::new(), 0, 0),
    };
    Value::Object(Object {
        type_name: "System.Text.RegularExpressions.Group".into(),
        props: vec![
            ("Name".into(), Value::String(name.to_string())),
            ("Success".into(), Value::Bool(success)),
            ("Value".into(), Value::String(value)),
            ("Index".into(), Value::Int(index as i64)),
            ("Length".into(), Value::Int(length as i64)),
        ]
        .into(),
        default_columns: vec!["Success", "Name", "Index", "Length", "Value"],
    })
}

/// A `System.Text.RegularExpressions.Match` (an unsuccessful one when `caps` is `None`).
fn match_object(re: &Regex, chars: &[char], caps: Option<&Captures>) -> Value {
    let whole = caps.and_then(|c| c.get(0));
    let Value::Object(mut o) = group("0", chars, whole) else {
        return Value::Null;
    };
    o.type_name = "System.Text.RegularExpressions.Match".into();
    // Groups by number and by name: `$m.Groups[1].Value`, `$m.Groups['user'].Value`
    let groups: Vec<(String, Value)> = re
        .group_names()
        .into_iter()
        .map(|(i, name)| {
            let at = caps.and_then(|c| c.get(i));
            (name.clone(), group(&name, chars, at))
        })
        .collect();
    let mut by_number = Vec::new();
    for (i, (name, g)) in groups.iter().enumerate() {
        if name.parse::<usize>().ok() != Some(i) {
            by_number.push((i.to_string(), g.clone()));
        }
    }
    let mut all = groups;
    all.extend(by_number);
    if let Ok(mut props) = o.props.write() {
        props.insert(0, ("Groups".into(), Value::hashtable(all)));
    }
    o.default_columns = vec!["Groups", "Success", "Name", "Index", "Length", "Value"];
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use crate::eval::builtins::testing::run;

    #[test]
    fn string_statics() {
        let o = run(
            r#"[string]::IsNullOrEmpty($null); [string]::IsNullOrEmpty(''); [string]::IsNullOrEmpty('x')
[String]::IsNullOrWhiteSpace('  ')
[string]::Join(';', @('a', 'b', 'c'))
[System.String]::Join(',', 'x', 'y')
[string]::Format('{0}@{1}', 'jo', 'contoso.com')
[string]::Concat('a', 'b')
[string]::Empty.Length"#,
        );
        assert_eq!(
            o.ok(),
            "True\nTrue\nFalse\nTrue\na;b;c\nx,y\njo@contoso.com\nab\n0\n"
        );
    }

    #[test]
    fn regex_match_matches_and_split() {
        let o = run(
            r#"$m = [regex]::Match('CN=Baptiste, O=Contoso', 'CN=(?<cn>[^,]+)')
$m.Success; $m.Value; $m.Index; $m.Groups['cn'].Value; $m.Groups[1].Value
([regex]::Match('abc', 'z')).Success
([regex]::Matches('a1b22c333', '\d+')).Count
[regex]::Matches('a1b22c333', '\d+') | ForEach-Object { $_.Value }
([regex]::Match('ABC', 'b', 'IgnoreCase')).Value
[regex]::Split('a1b2c', '\d') -join '|'
[regex]::Escape('a.b') ; [regex]::Replace('a.b', '\.', '-')
[System.Text.RegularExpressions.Regex]::Match('x=1', '=(\d)').Groups[1].Value"#,
        );
        assert_eq!(
            o.ok(),
            "True\nCN=Baptiste\n0\nBaptiste\nBaptiste\nFalse\n3\n1\n22\n333\nB\na|b|c\na\\.b\na-b\n1\n"
        );
    }

    #[test]
    fn unknown_statics_name_the_member() {
        let o = run("[string]::Frob('x')\n[regex]::Unescape('x')");
        let m = o.messages();
        assert!(
            m[0].contains("[string]::Frob is not supported in mailsec"),
            "{m:?}"
        );
        assert!(
            m[1].contains("[regex]::Unescape is not supported in mailsec"),
            "{m:?}"
        );
    }
}
