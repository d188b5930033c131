//! The OPATH subset admins use in `-Filter` (cmdlets.md 2, Get-Mailbox -Filter): `-eq -ne -like -notlike`,
//! `-and -or -not`, parentheses, and string, `$true`/`$false` and `$null` values, in string or script-block
//! (`{ ... }`) form. Parsed with nom; evaluated against a Get-* output object's properties.

use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case, take_while, take_while1};
use nom::character::complete::{char, multispace0, multispace1, satisfy};
use nom::combinator::{all_consuming, map, not, peek, recognize, value};
use nom::multi::many0;
use nom::sequence::{delimited, pair, preceded, terminated};
use nom::{IResult, Parser};

use crate::value::{Object, Value};
use crate::CmdletError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Like,
    NotLike,
}

impl Op {
    fn text(self) -> &'static str {
        match self {
            Op::Eq => "-eq",
            Op::Ne => "-ne",
            Op::Like => "-like",
            Op::NotLike => "-notlike",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Str(String),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Cmp {
        property: String,
        op: Op,
        value: Operand,
    },
    Not(Box<Filter>),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
}

impl std::fmt::Display for Filter {
    /// The canonical text form (parses back to the same filter).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Filter::Cmp {
                property,
                op,
                value,
            } => {
                let v = match value {
                    Operand::Str(s) => format!("'{}'", s.replace('\'', "''")),
                    Operand::Bool(true) => "$true".into(),
                    Operand::Bool(false) => "$false".into(),
                    Operand::Null => "$null".into(),
                };
                write!(f, "{property} {} {v}", op.text())
            }
            Filter::Not(inner) => write!(f, "-not ({inner})"),
            Filter::And(a, b) => write!(f, "({a}) -and ({b})"),
            Filter::Or(a, b) => write!(f, "({a}) -or ({b})"),
        }
    }
}

fn ws(i: &str) -> IResult<&str, &str> {
    multispace0(i)
}

/// A keyword operator (`-and`) that is not the start of a longer word.
fn keyword<'a>(
    k: &'static str,
) -> impl Parser<&'a str, Output = &'a str, Error = nom::error::Error<&'a str>> {
    terminated(
        tag_no_case(k),
        not(peek(satisfy(|c: char| c.is_alphanumeric() || c == '_'))),
    )
}

fn property(i: &str) -> IResult<&str, String> {
    map(
        recognize(pair(
            satisfy(|c: char| c.is_ascii_alphabetic() || c == '_'),
            take_while(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.'),
        )),
        |s: &str| s.trim_start_matches("$_.").to_string(),
    )
    .parse(i)
}

fn op(i: &str) -> IResult<&str, Op> {
    alt((
        value(Op::NotLike, keyword("-notlike")),
        value(Op::Like, keyword("-like")),
        value(Op::Eq, keyword("-eq")),
        value(Op::Ne, keyword("-ne")),
    ))
    .parse(i)
}

/// `'it''s'` → `it's`.
fn single_quoted(i: &str) -> IResult<&str, String> {
    delimited(
        char('\''),
        map(
            many0(alt((
                value("'", tag("''")),
                take_while1(|c: char| c != '\''),
            ))),
            |parts: Vec<&str>| parts.concat(),
        ),
        char('\''),
    )
    .parse(i)
}

/// `"say ""hi"""` or with backtick escapes → the text.
fn double_quoted(i: &str) -> IResult<&str, String> {
    delimited(
        char('"'),
        map(
            many0(alt((
                value("\"", tag("\"\"")),
                value("\"", tag("`\"")),
                value("`", tag("``")),
                take_while1(|c: char| c != '"' && c != '`'),
            ))),
            |parts: Vec<&str>| parts.concat(),
        ),
        char('"'),
    )
    .parse(i)
}

fn bareword(i: &str) -> IResult<&str, String> {
    map(
        take_while1(|c: char| {
            !c.is_whitespace() && !matches!(c, '(' | ')' | '\'' | '"' | '{' | '}')
        }),
        String::from,
    )
    .parse(i)
}

fn operand(i: &str) -> IResult<&str, Operand> {
    alt((
        value(Operand::Bool(true), keyword("$true")),
        value(Operand::Bool(false), keyword("$false")),
        value(Operand::Null, keyword("$null")),
        map(single_quoted, Operand::Str),
        map(double_quoted, Operand::Str),
        map(bareword, Operand::Str),
    ))
    .parse(i)
}

fn comparison(i: &str) -> IResult<&str, Filter> {
    map(
        (property, delimited(multispace1, op, multispace1), operand),
        |(property, op, value)| Filter::Cmp {
            property,
            op,
            value,
        },
    )
    .parse(i)
}

fn factor(i: &str) -> IResult<&str, Filter> {
    alt((
        map(
            preceded(alt((keyword("-not"), tag("!"))), preceded(ws, factor)),
            |f| Filter::Not(Box::new(f)),
        ),
        delimited(pair(char('('), ws), expr, pair(ws, char(')'))),
        comparison,
    ))
    .parse(i)
}

fn term(i: &str) -> IResult<&str, Filter> {
    let (i, first) = factor(i)?;
    let (i, rest) = many0(preceded(delimited(ws, keyword("-and"), ws), factor)).parse(i)?;
    Ok((
        i,
        rest.into_iter()
            .fold(first, |a, b| Filter::And(Box::new(a), Box::new(b))),
    ))
}

fn expr(i: &str) -> IResult<&str, Filter> {
    let (i, first) = term(i)?;
    let (i, rest) = many0(preceded(delimited(ws, keyword("-or"), ws), term)).parse(i)?;
    Ok((
        i,
        rest.into_iter()
            .fold(first, |a, b| Filter::Or(Box::new(a), Box::new(b))),
    ))
}

fn syntax_error(text: &str, position: usize) -> CmdletError {
    CmdletError::invalid(
        "Filter",
        format!("Cannot bind parameter 'Filter' to the target. Exception setting \"Filter\": \"Invalid filter syntax. For a description of the filter parameter syntax see the command help.\n\"{text}\" at position {position}.\""),
    )
}

/// Parse a filter in string form, or the text of a script block (`{ Alias -eq 'x' }`).
pub fn parse(text: &str) -> Result<Filter, CmdletError> {
    let t = text.trim();
    let inner = t
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or(t);
    match all_consuming(delimited(ws, expr, ws)).parse(inner) {
        Ok((_, f)) => Ok(f),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
            let pos = inner.len() - e.input.len() + 1;
            Err(syntax_error(text, pos))
        }
        Err(nom::Err::Incomplete(_)) => Err(syntax_error(text, inner.len() + 1)),
    }
}

impl Filter {
    /// Every property the filter names.
    pub fn properties(&self) -> Vec<&str> {
        match self {
            Filter::Cmp { property, .. } => vec![property.as_str()],
            Filter::Not(f) => f.properties(),
            Filter::And(a, b) | Filter::Or(a, b) => {
                let mut v = a.properties();
                v.extend(b.properties());
                v
            }
        }
    }

    /// Refuse a filter on a property the objects don't have (as Exchange does).
    pub fn check_properties(&self, known: &[String]) -> Result<(), CmdletError> {
        for p in self.properties() {
            if !known.iter().any(|k| k.eq_ignore_ascii_case(p)) {
                return Err(CmdletError::invalid(
                    "Filter",
                    format!("Cannot bind parameter 'Filter' to the target. Exception setting \"Filter\": \"\"{p}\" is not a recognized filterable property. For a description of the filter parameter syntax see the command help.\""),
                ));
            }
        }
        Ok(())
    }

    /// Does `obj` pass the filter?
    pub fn matches(&self, obj: &Object) -> bool {
        match self {
            Filter::Cmp {
                property,
                op,
                value,
            } => obj.with(property, |v| compare(v.unwrap_or(&Value::Null), *op, value)),
            Filter::Not(f) => !f.matches(obj),
            Filter::And(a, b) => a.matches(obj) && b.matches(obj),
            Filter::Or(a, b) => a.matches(obj) || b.matches(obj),
        }
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.read().iter().all(is_empty),
        _ => false,
    }
}

/// `*` and `?` wildcards, case-insensitive.
pub fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let (mut ti, mut pi) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            ti += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn scalar_matches(v: &Value, op: Op, operand: &Operand) -> bool {
    let text = match v {
        Value::Null => String::new(),
        other => other.to_string(),
    };
    match (op, operand) {
        (_, Operand::Null) => false,
        (Op::Eq | Op::Ne, Operand::Bool(b)) => match v {
            Value::Bool(x) => x == b,
            _ => text.eq_ignore_ascii_case(if *b { "True" } else { "False" }),
        },
        (Op::Eq | Op::Ne, Operand::Str(s)) => {
            let strip = |x: &str| x.split_once(':').map_or(x, |(_, r)| r).to_lowercase();
            text.eq_ignore_ascii_case(s) || (text.contains('@') && strip(&text) == s.to_lowercase())
        }
        (Op::Like | Op::NotLike, Operand::Str(s)) => like(&text, s),
        (Op::Like | Op::NotLike, Operand::Bool(b)) => {
            like(&text, if *b { "True" } else { "False" })
        }
    }
}

fn compare(v: &Value, op: Op, operand: &Operand) -> bool {
    if *operand == Operand::Null {
        return match op {
            Op::Eq | Op::Like => is_empty(v),
            Op::Ne | Op::NotLike => !is_empty(v),
        };
    }
    let any = match v {
        Value::Array(items) => items.read().iter().any(|i| scalar_matches(i, op, operand)),
        other => scalar_matches(other, op, operand),
    };
    match op {
        Op::Eq | Op::Like => any,
        Op::Ne | Op::NotLike => !any,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn obj() -> Object {
        Object {
            type_name: "Mailbox".into(),
            props: vec![
                ("Name".into(), Value::String("baptiste".into())),
                ("Alias".into(), Value::String("bap".into())),
                ("HiddenFromAddressListsEnabled".into(), Value::Bool(false)),
                ("DisplayName".into(), Value::Null),
                (
                    "EmailAddresses".into(),
                    Value::array(vec![
                        Value::String("SMTP:baptiste@contoso.com".into()),
                        Value::String("smtp:b@contoso.com".into()),
                    ]),
                ),
            ]
            .into(),
            default_columns: vec![],
        }
    }

    fn t(f: &str) -> bool {
        parse(f)
            .unwrap_or_else(|e| panic!("{f}: {e}"))
            .matches(&obj())
    }

    #[test]
    fn operators_values_and_grouping() {
        assert!(t("Alias -eq 'bap'"));
        assert!(t("alias -EQ \"BAP\""));
        assert!(t("Alias -eq bap"));
        assert!(t("Name -like 'bapt*'"));
        assert!(t("Name -notlike '*x*'"));
        assert!(t("Alias -ne 'x' -and Name -eq 'baptiste'"));
        assert!(t("Alias -eq 'x' -or Name -eq 'baptiste'"));
        assert!(!t("-not (Name -eq 'baptiste')"));
        assert!(t("!(Name -eq 'x')"));
        assert!(t(
            "(Alias -eq 'x' -or Alias -eq 'bap') -and HiddenFromAddressListsEnabled -eq $false"
        ));
        assert!(t("DisplayName -eq $null"));
        assert!(t("Alias -ne $null"));
        assert!(t("EmailAddresses -eq 'smtp:b@contoso.com'"));
        assert!(t("EmailAddresses -like '*@contoso.com'"));
        assert!(t("{ Alias -eq 'bap' }"));
        assert!(t("Name -eq 'it''s' -or Name -eq 'baptiste'"));
    }

    #[test]
    fn syntax_errors_say_where() {
        let e = parse("Alias -eq").unwrap_err().to_string();
        assert!(e.contains("Invalid filter syntax"), "{e}");
        assert!(e.contains("at position"), "{e}");
        let e = parse("(Alias -eq 'x'").unwrap_err().to_string();
        assert!(e.contains("Invalid filter syntax"), "{e}");
        let f = parse("Office -eq 'Paris'").unwrap();
        let e = f
            .check_properties(&["Name".to_string()])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"Office\" is not a recognized filterable property"),
            "{e}"
        );
    }

    fn arb_filter() -> impl Strategy<Value = Filter> {
        let leaf = (
            "[A-Za-z][A-Za-z0-9]{0,8}",
            prop_oneof![
                Just(Op::Eq),
                Just(Op::Ne),
                Just(Op::Like),
                Just(Op::NotLike)
            ],
            prop_oneof![
                "[ -~]{0,10}".prop_map(Operand::Str),
                any::<bool>().prop_map(Operand::Bool),
                Just(Operand::Null),
            ],
        )
            .prop_map(|(property, op, value)| Filter::Cmp {
                property,
                op,
                value,
            });
        leaf.prop_recursive(4, 24, 2, |inner| {
            prop_oneof![
                inner.clone().prop_map(|f| Filter::Not(Box::new(f))),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Filter::And(Box::new(a), Box::new(b))),
                (inner.clone(), inner).prop_map(|(a, b)| Filter::Or(Box::new(a), Box::new(b))),
            ]
        })
    }

    proptest! {
        #[test]
        fn printed_filters_parse_back(f in arb_filter()) {
            let text = f.to_string();
            prop_assert_eq!(parse(&text).unwrap(), f.clone());
            let block = format!("{{ {text} }}");
            prop_assert_eq!(parse(&block).unwrap(), f);
        }

        #[test]
        fn any_text_parses_or_is_refused_without_panicking(s in "\\PC{0,40}") {
            let _ = parse(&s);
        }

        #[test]
        fn like_agrees_with_equality_without_wildcards(a in "[a-z]{0,6}", b in "[a-z]{0,6}") {
            prop_assert_eq!(like(&a, &b), a == b);
            let star = format!("{a}*");
            let joined = format!("{a}{b}");
            prop_assert!(like(&joined, &star));
        }
    }
}
