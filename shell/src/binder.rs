//! Parameter binding as PowerShell does it: named (exact, alias, then unique prefix), then positional, then the mandatory check.

use mailsec_cmdlets::{Bound, ParamSpec, ParamType, Signature, Value};

use crate::syntax::ast::Span;

/// One argument as the evaluator hands it over: a `-Name` token (maybe with a `:value`) or a value.
#[derive(Debug, Clone)]
pub enum Arg {
    Param {
        name: String,
        span: Span,
        value: Option<(Value, Span)>,
    },
    Value(Value, Span),
}

/// PowerShell's common parameters that change how the command runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Common {
    /// -ErrorAction: `Stop` makes this command's errors terminating; `SilentlyContinue`/`Ignore` hide them.
    pub error_action: Option<String>,
    /// -WarningAction `SilentlyContinue`/`Ignore` hides warnings.
    pub warning_action: Option<String>,
}

/// The result of binding: the cmdlet's parameters, the common ones, and where each value came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Binding {
    pub bound: Bound,
    pub common: Common,
    /// Span of each bound parameter's value, for pointing errors at it.
    pub spans: Vec<(String, Span)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BindError {
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
}

const COMMON: &[(&str, &[&str])] = &[("ErrorAction", &["ea"]), ("WarningAction", &["wa"])];
const ACTIONS: &[&str] = &["Continue", "Stop", "SilentlyContinue", "Ignore"];

enum Found<'a> {
    Param(&'a ParamSpec),
    Common(&'static str),
}

fn lookup<'a>(sig: &'a Signature, name: &str, span: Span) -> Result<Found<'a>, BindError> {
    let lname = name.to_lowercase();
    if let Some(p) = sig.params.iter().find(|p| {
        p.name.eq_ignore_ascii_case(name) || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }) {
        return Ok(Found::Param(p));
    }
    if let Some((c, _)) = COMMON.iter().find(|(c, aliases)| {
        c.eq_ignore_ascii_case(name) || aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }) {
        return Ok(Found::Common(c));
    }
    let prefixed: Vec<&ParamSpec> = sig
        .params
        .iter()
        .filter(|p| p.name.to_lowercase().starts_with(&lname))
        .collect();
    match prefixed.as_slice() {
        [one] => return Ok(Found::Param(one)),
        [] => {}
        many => {
            return Err(BindError {
                message: format!(
                    "Parameter cannot be processed because the parameter name '{name}' is ambiguous. Possible matches include: {}.",
                    many.iter().map(|p| format!("-{}", p.name)).collect::<Vec<_>>().join(" ")
                ),
                span,
                help: Some("type more of the parameter name".into()),
            })
        }
    }
    // Common parameters never win a prefix tie against the cmdlet's own; they match only when nothing else does.
    if let Some((c, _)) = COMMON
        .iter()
        .find(|(c, _)| c.to_lowercase().starts_with(&lname))
    {
        return Ok(Found::Common(c));
    }
    let mut names: Vec<(f64, &str)> = sig
        .params
        .iter()
        .map(|p| (strsim::jaro_winkler(&lname, &p.name.to_lowercase()), p.name))
        .filter(|(s, _)| *s > 0.75)
        .collect();
    names.sort_by(|a, b| b.0.total_cmp(&a.0));
    Err(BindError {
        message: format!("A parameter cannot be found that matches parameter name '{name}'."),
        span,
        help: Some(match names.first() {
            Some((_, best)) => format!(
                "did you mean -{best}? `Get-Help {}` lists its parameters",
                sig.name
            ),
            None => format!("`Get-Help {}` lists its parameters", sig.name),
        }),
    })
}

/// Bind `args` to `sig`. `cmd_span` is where to point for missing mandatory parameters.
pub fn bind(sig: &Signature, args: Vec<Arg>, cmd_span: Span) -> Result<Binding, BindError> {
    let mut bound = Bound::default();
    let mut spans: Vec<(String, Span)> = Vec::new();
    let mut common = Common::default();
    let mut positional: Vec<(Value, Span)> = Vec::new();
    let mut it = args.into_iter().peekable();
    while let Some(arg) = it.next() {
        match arg {
            Arg::Value(v, s) => positional.push((v, s)),
            Arg::Param { name, span, value } => {
                let found = lookup(sig, &name, span)?;
                let takes_value = match &found {
                    Found::Param(p) => p.ty != ParamType::Switch,
                    Found::Common(_) => true,
                };
                let value = match value {
                    Some(v) => v,
                    None if !takes_value => (Value::Bool(true), span),
                    None => match it.peek() {
                        Some(Arg::Value(..)) => match it.next() {
                            Some(Arg::Value(v, s)) => (v, s),
                            _ => unreachable!("peeked a value"),
                        },
                        _ => {
                            let (pname, ty) = match &found {
                                Found::Param(p) => (p.name, p.ty.dotnet()),
                                Found::Common(c) => (*c, "ActionPreference"),
                            };
                            return Err(BindError {
                                message: format!(
                                    "Missing an argument for parameter '{pname}'. Specify a parameter of type '{ty}' and try again."
                                ),
                                span,
                                help: Some(format!("put a value after -{pname}")),
                            });
                        }
                    },
                };
                match found {
                    Found::Common(c) => {
                        let text = value.0.to_string();
                        let Some(action) =
                            ACTIONS.iter().find(|a| a.eq_ignore_ascii_case(text.trim()))
                        else {
                            return Err(BindError {
                                message: format!(
                                    "Cannot bind parameter '{c}': '{text}' is not one of {}.",
                                    ACTIONS.join(", ")
                                ),
                                span: value.1,
                                help: None,
                            });
                        };
                        match c {
                            "ErrorAction" => common.error_action = Some(action.to_string()),
                            _ => common.warning_action = Some(action.to_string()),
                        }
                    }
                    Found::Param(p) => {
                        if bound.has(p.name) {
                            return Err(BindError {
                                message: format!("Cannot bind parameter because parameter '{}' is specified more than once.", p.name),
                                span,
                                help: Some("give each parameter once; to pass several values use a list: -P a,b".into()),
                            });
                        }
                        bound.values.push((p.name, value.0));
                        spans.push((p.name.to_string(), value.1));
                    }
                }
            }
        }
    }
    let mut slots: Vec<&ParamSpec> = sig
        .params
        .iter()
        .filter(|p| p.position.is_some() && !bound.has(p.name))
        .collect();
    slots.sort_by_key(|p| p.position);
    let mut slots = slots.into_iter();
    for (v, s) in positional {
        match slots.next() {
            Some(p) => {
                bound.values.push((p.name, v));
                spans.push((p.name.to_string(), s));
            }
            None => {
                return Err(BindError {
                    message: format!(
                        "A positional parameter cannot be found that accepts argument '{v}'."
                    ),
                    span: s,
                    help: Some(
                        "name the parameter (-Name value), or quote a value that has spaces".into(),
                    ),
                })
            }
        }
    }
    let missing: Vec<&str> = sig
        .params
        .iter()
        .filter(|p| p.mandatory && !bound.has(p.name))
        .map(|p| p.name)
        .collect();
    if !missing.is_empty() {
        return Err(BindError {
            message: format!(
                "Cannot process command because of one or more missing mandatory parameters: {}.",
                missing.join(" ")
            ),
            span: cmd_span,
            help: Some(format!(
                "add {}",
                missing
                    .iter()
                    .map(|m| format!("-{m} <value>"))
                    .collect::<Vec<_>>()
                    .join(" ")
            )),
        });
    }
    Ok(Binding {
        bound,
        common,
        spans,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig() -> Signature {
        mailsec_cmdlets::find("Set-MailContact")
            .map(|c| c.signature.clone())
            .unwrap()
    }
    fn p(name: &str) -> Arg {
        Arg::Param {
            name: name.into(),
            span: Span::new(0, 1),
            value: None,
        }
    }
    fn v(s: &str) -> Arg {
        Arg::Value(Value::String(s.into()), Span::new(2, 3))
    }

    #[test]
    fn named_positional_and_prefix() {
        let Binding { bound: b, .. } =
            bind(&sig(), vec![v("jo"), p("Disp"), v("Jo J")], Span::default()).unwrap();
        assert_eq!(b.get("Identity"), Some(&Value::String("jo".into())));
        assert_eq!(b.get("DisplayName"), Some(&Value::String("Jo J".into())));
    }

    #[test]
    fn ambiguous_prefix_lists_candidates() {
        let e = bind(&sig(), vec![v("jo"), p("User"), v("x")], Span::default()).unwrap_err();
        assert!(
            e.message.contains("-UserCertificate -UserSMimeCertificate"),
            "{}",
            e.message
        );
    }

    #[test]
    fn unknown_parameter_suggests() {
        let e = bind(
            &sig(),
            vec![v("jo"), p("DisplayNam3"), v("x")],
            Span::default(),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "A parameter cannot be found that matches parameter name 'DisplayNam3'."
        );
        assert!(e.help.unwrap().contains("did you mean -DisplayName?"));
    }

    #[test]
    fn switches_common_and_extra_positionals() {
        let Binding {
            bound: b,
            common: c,
            ..
        } = bind(
            &sig(),
            vec![v("jo"), p("WhatIf"), p("ea"), v("stop")],
            Span::default(),
        )
        .unwrap();
        assert_eq!(b.get("WhatIf"), Some(&Value::Bool(true)));
        assert_eq!(c.error_action.as_deref(), Some("Stop"));
        let e = bind(&sig(), vec![v("jo"), v("Receive")], Span::default()).unwrap_err();
        assert_eq!(
            e.message,
            "A positional parameter cannot be found that accepts argument 'Receive'."
        );
    }

    #[test]
    fn mandatory_and_missing_argument() {
        let e = bind(&sig(), vec![], Span::default()).unwrap_err();
        assert!(e
            .message
            .ends_with("missing mandatory parameters: Identity."));
        let e = bind(&sig(), vec![v("jo"), p("Alias")], Span::default()).unwrap_err();
        assert!(e
            .message
            .starts_with("Missing an argument for parameter 'Alias'."));
    }
}
