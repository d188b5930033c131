//! Values written back as PowerShell source text that evaluates to the same value, exactly: strings
//! single-quoted, byte arrays (certificates) as `[Convert]::FromBase64String('...')`, arrays with `@(...)`
//! (a one-element array as `@(,x)`), hashtables as `@{...}`. Export-MailsecSession writes these.

use base64::Engine;
use mailsec_cmdlets::Value;

use crate::eval::objects::X509_TYPE;
use crate::syntax::ast::{Expr, StringPart};

/// `v` as PowerShell source text.
pub fn literal(v: &Value) -> String {
    match v {
        Value::Null => "$null".into(),
        Value::Bool(true) => "$true".into(),
        Value::Bool(false) => "$false".into(),
        Value::Int(i) => i.to_string(),
        // a whole number written as `3.0` would read back as an integer
        Value::Double(d) if d.is_finite() && d.fract() == 0.0 => format!("[double]'{d}'"),
        Value::Double(d) if d.is_finite() => format!("{d:?}"),
        Value::Double(d) => format!("[double]'{d}'"),
        Value::String(s) => quote(s),
        Value::Bytes(b) => bytes(b),
        Value::Cert(c) => bytes(c.bytes()),
        Value::Array(items) => match items.read().as_slice() {
            [] => "@()".into(),
            [one] => format!("@(,{})", literal(one)),
            many => format!(
                "@({})",
                many.iter().map(literal).collect::<Vec<_>>().join(", ")
            ),
        },
        Value::Hashtable(entries) => format!(
            "@{{{}}}",
            entries
                .read()
                .iter()
                .map(|(k, v)| format!("{} = {}", quote(k), literal(v)))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Value::Object(o) if o.type_name == X509_TYPE => match o.get("RawData") {
            Some(raw) => literal(&raw),
            None => "$null".into(),
        },
        Value::Object(o) => format!(
            "[pscustomobject]@{{{}}}",
            o.props
                .read()
                .iter()
                .map(|(k, v)| format!("{} = {}", quote(k), literal(v)))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// A single-quoted string; every quote character PowerShell ends a single-quoted string with
/// (`'` and the typographic ones) is doubled.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

fn bytes(b: &[u8]) -> String {
    format!(
        "([Convert]::FromBase64String('{}'))",
        base64::engine::general_purpose::STANDARD.encode(b)
    )
}

/// Does `e` mean the same thing wherever it is written (no variables, calls or sub-expressions)?
pub fn is_literal(e: &Expr) -> bool {
    match e {
        Expr::SingleQuoted(..) | Expr::Bareword(..) | Expr::Number(..) => true,
        Expr::DoubleQuoted(parts, _) => parts.iter().all(|p| matches!(p, StringPart::Literal(_))),
        Expr::Variable(v) => matches!(v.name.to_lowercase().as_str(), "true" | "false" | "null"),
        Expr::Array(items, _) => items.iter().all(is_literal),
        Expr::Hashtable(entries, _) => entries.iter().all(|(k, v)| is_literal(k) && is_literal(v)),
        Expr::Unary { op, operand, .. } => op == "-" && matches!(**operand, Expr::Number(..)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::builtins::testing::run;

    /// Each literal, run through the real parser and evaluator, gives back the value it was written for.
    #[test]
    fn literals_evaluate_to_the_same_value() {
        let values = vec![
            Value::Null,
            Value::Bool(true),
            Value::Bool(false),
            Value::Int(-42),
            Value::Double(1.5),
            Value::Double(3.0),
            Value::String("it's ‘quoted’ $x `n".into()),
            Value::Bytes(vec![0, 1, 2, 255]),
            Value::array(vec![]),
            Value::array(vec![Value::Bytes(vec![9, 8])]),
            Value::array(vec![Value::Bytes(vec![1]), Value::Bytes(vec![2, 3])]),
            Value::array(vec![Value::String("a".into()), Value::Int(2)]),
            Value::hashtable(vec![
                ("Add".into(), Value::String("x@contoso.com".into())),
                (
                    "Remove".into(),
                    Value::array(vec![Value::String("y".into())]),
                ),
            ]),
        ];
        for v in values {
            let src = format!("$r = {}", literal(&v));
            assert_eq!(evaluate(&src), v, "{src}");
        }
    }

    /// Run `src` and give back `$r`.
    fn evaluate(src: &str) -> Value {
        use mailsec_state::backend::LiveState;
        use mailsec_state::model::DesiredState;
        let mut state = DesiredState::default();
        let live = LiveState::default();
        let mut ev = crate::eval::Evaluator::new(&mut state, &live, "test".into(), ".".into());
        let script = crate::syntax::parse_script(src).unwrap_or_else(|e| panic!("{src}: {e:?}"));
        let mut out = Vec::new();
        let mut report = |e: &crate::eval::RuntimeError| panic!("{src}: {e:?}");
        let mut warn = |_: &str| {};
        let mut io = crate::eval::Io::new(&mut out, &mut report, &mut warn, None);
        ev.run(&script, &mut io)
            .unwrap_or_else(|e| panic!("{src}: {e:?}"));
        ev.var("r")
    }

    #[test]
    fn one_element_arrays_keep_their_element_whole() {
        let v = Value::array(vec![Value::Bytes(vec![1, 2, 3])]);
        let o = run(&format!("$v = {}\n$v.Count\n$v[0].Count", literal(&v)));
        assert_eq!(o.ok(), "1\n3\n");
    }

    #[test]
    fn which_expressions_are_literal() {
        let lit = |src: &str| {
            let s = crate::syntax::parse_script(&format!("Set-X {src}")).expect("parses");
            match &s.statements[0] {
                crate::syntax::ast::Statement::Pipeline(p) => match &p.elements[0] {
                    crate::syntax::ast::PipelineElement::Command(c) => match &c.args[0] {
                        crate::syntax::ast::CommandArg::Value(e) => is_literal(e),
                        other => panic!("{other:?}"),
                    },
                    other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            }
        };
        assert!(lit("baptiste"));
        assert!(lit("'a b'"));
        assert!(lit("\"plain\""));
        assert!(lit("a,b,c"));
        assert!(lit("$false"));
        assert!(lit("@{Add='x'}"));
        assert!(!lit("$cert"));
        assert!(!lit("\"$name@contoso.com\""));
        assert!(!lit("(Get-Date)"));
        assert!(!lit("@{Add=$x}"));
    }
}
