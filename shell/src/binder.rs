//! Parameter binding as PowerShell does it: named (exact, alias, then unique prefix), then
//! positional, then pipeline input (by value and by property name), then the mandatory check.

use mailsec_cmdlets::{Bound, Destination, ParamSpec, ParamType, Signature, Value};

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
    /// -ErrorVariable NAME (`+NAME` appends): the command's errors are stored there.
    pub error_variable: Option<String>,
    /// -WarningVariable NAME (`+NAME` appends).
    pub warning_variable: Option<String>,
    /// -OutVariable NAME (`+NAME` appends): the command's output is stored there too.
    pub out_variable: Option<String>,
    /// -Verbose / -Debug (accepted; mailsec has no verbose stream to show).
    pub verbose: bool,
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

const COMMON: &[(&str, &[&str])] = &[
    ("ErrorAction", &["ea"]),
    ("WarningAction", &["wa"]),
    ("ErrorVariable", &["ev"]),
    ("WarningVariable", &["wv"]),
    ("OutVariable", &["ov"]),
    ("Verbose", &["vb"]),
    ("Debug", &["db"]),
];
/// Common parameters that are switches.
const COMMON_SWITCHES: &[&str] = &["Verbose", "Debug"];
const ACTIONS: &[&str] = &["Continue", "Stop", "SilentlyContinue", "Ignore"];

enum Found<'a> {
    Param(&'a ParamSpec),
    Common(&'static str),
}

fn lookup<'a>(sig: &'a Signature, name: &str, span: Span) -> Result<Found<'a>, BindError> {
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
    // Not a whole name: a prefix, else a misspelling (lower-cased only now, not for every exact name).
    let lname = name.to_lowercase();
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
    let commons: Vec<&str> = COMMON
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| c.to_lowercase().starts_with(&lname))
        .collect();
    match commons.as_slice() {
        [one] => return Ok(Found::Common(one)),
        [] => {}
        many => {
            return Err(BindError {
                message: format!(
                    "Parameter cannot be processed because the parameter name '{name}' is ambiguous. Possible matches include: {}.",
                    many.iter().map(|p| format!("-{p}")).collect::<Vec<_>>().join(" ")
                ),
                span,
                help: Some("type more of the parameter name".into()),
            })
        }
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
    bind_with_input(sig, args, None, cmd_span)
}

/// Is `v` a plain record (a `[pscustomobject]`, a hashtable, a CSV row, `Select-Object` output)
/// rather than an object a cmdlet returned? Records bind every property whose name matches a
/// parameter; a cmdlet's output objects (which have a default view) bind only their identity,
/// so that `Get-MailContact x | Set-MailContact -UserCertificate $b` changes nothing else.
pub fn is_record(v: &Value) -> bool {
    match v {
        Value::Hashtable(_) => true,
        Value::Object(o) => o.default_columns.is_empty(),
        _ => false,
    }
}

/// The identity an object carries: its Guid, else Identity, else Name; a value without them is its own identity.
fn identity_of(v: &Value) -> Value {
    ["Guid", "Identity", "Name"]
        .iter()
        .find_map(|k| {
            v.property(k)
                .filter(|x| **x != Value::Null)
                .map(|x| x.into_owned())
        })
        .unwrap_or_else(|| v.clone())
}

/// Bind pipeline input `obj` (after the arguments): by property name for records, by value to
/// `-Identity` otherwise. Parameters already bound by the arguments are left alone.
fn bind_input(
    sig: &Signature,
    bound: &mut Bound,
    spans: &mut Vec<(String, Span)>,
    obj: &Value,
    span: Span,
) -> Result<(), BindError> {
    let record = is_record(obj);
    if record {
        for p in &sig.params {
            if bound.has(p.name)
                || p.ty == ParamType::Switch
                || p.destination == Destination::ShouldProcess
            {
                continue;
            }
            let found = std::iter::once(p.name)
                .chain(p.aliases.iter().copied())
                .find_map(|n| obj.property(n));
            if let Some(v) = found {
                bound.values.push((p.name, v.into_owned()));
                spans.push((p.name.to_string(), span));
            }
        }
    }
    if let Some(p) = sig.param("Identity") {
        if !bound.has(p.name) {
            bound.values.push((p.name, identity_of(obj)));
            spans.push((p.name.to_string(), span));
        } else if !record {
            return Err(BindError {
                message: "The input object cannot be bound to any parameters for the command either because the command does not take pipeline input or the input and its properties do not match any of the parameters that take pipeline input.".into(),
                span,
                help: Some("the piped object would be the -Identity, which is given already: remove -Identity or stop piping into the command".into()),
            });
        }
    }
    Ok(())
}

/// The error for mandatory parameters that nothing bound.
pub fn missing_mandatory(missing: &[&str], cmd_span: Span) -> BindError {
    BindError {
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
    }
}

/// Bind the arguments only (named, then positional) and list the mandatory parameters still
/// unbound, without failing on them: for `mailsec check`, which cannot know what pipeline
/// input will bind until the script runs.
pub fn bind_args(
    sig: &Signature,
    args: Vec<Arg>,
    cmd_span: Span,
) -> Result<(Binding, Vec<&'static str>), BindError> {
    let mut missing = Vec::new();
    let binding = bind_inner(sig, args, None, cmd_span, Some(&mut missing))?;
    Ok((binding, missing))
}

/// Bind `args`, then the pipeline object `input` (if any; `input.1` is where to point for it),
/// then check the mandatory parameters.
pub fn bind_with_input(
    sig: &Signature,
    args: Vec<Arg>,
    input: Option<(&Value, Span)>,
    cmd_span: Span,
) -> Result<Binding, BindError> {
    bind_inner(sig, args, input, cmd_span, None)
}

fn bind_inner(
    sig: &Signature,
    args: Vec<Arg>,
    input: Option<(&Value, Span)>,
    cmd_span: Span,
    report_missing: Option<&mut Vec<&'static str>>,
) -> Result<Binding, BindError> {
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
                    Found::Common(c) => !COMMON_SWITCHES.contains(c),
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
                    Found::Common(c @ ("Verbose" | "Debug")) => {
                        let _ = c;
                        common.verbose = value.0.is_truthy();
                    }
                    Found::Common(c @ ("ErrorVariable" | "WarningVariable" | "OutVariable")) => {
                        let name = value.0.to_string();
                        let name = name.trim().trim_start_matches('$').to_string();
                        if name.trim_start_matches('+').is_empty() {
                            return Err(BindError {
                                message: format!(
                                    "Cannot bind parameter '{c}': a variable name is needed."
                                ),
                                span: value.1,
                                help: Some(format!(
                                    "write the name without '$' (for example: -{c} errs)"
                                )),
                            });
                        }
                        match c {
                            "ErrorVariable" => common.error_variable = Some(name),
                            "WarningVariable" => common.warning_variable = Some(name),
                            _ => common.out_variable = Some(name),
                        }
                    }
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
    if let Some((obj, span)) = input {
        bind_input(sig, &mut bound, &mut spans, obj, span)?;
    }
    // An object given for an identity (`Set-MailContact $contact ...`) stands for its identity.
    for (name, v) in bound.values.iter_mut() {
        let is_identity = sig.param(name).is_some_and(|p| p.ty.is_identity());
        if is_identity && matches!(v, Value::Object(_)) {
            *v = identity_of(v);
        }
    }
    let missing: Vec<&'static str> = sig
        .params
        .iter()
        .filter(|p| p.mandatory && !bound.has(p.name))
        .map(|p| p.name)
        .collect();
    match report_missing {
        Some(out) => *out = missing,
        None if !missing.is_empty() => return Err(missing_mandatory(&missing, cmd_span)),
        None => {}
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

    fn new_contact() -> Signature {
        mailsec_cmdlets::find("New-MailContact")
            .map(|c| c.signature.clone())
            .unwrap()
    }

    fn record(props: &[(&str, &str)]) -> Value {
        Value::Object(mailsec_cmdlets::Object {
            type_name: "System.Management.Automation.PSCustomObject".into(),
            props: props
                .iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect(),
            default_columns: Vec::new(),
        })
    }

    #[test]
    fn piped_records_bind_by_property_name() {
        let row = record(&[
            ("name", "jo"),
            ("ExternalEmailAddress", "jo@example.com"),
            ("Unrelated", "x"),
            ("WhatIf", "True"),
        ]);
        let b = bind_with_input(
            &new_contact(),
            vec![],
            Some((&row, Span::new(0, 3))),
            Span::default(),
        )
        .unwrap();
        assert_eq!(b.bound.get("Name"), Some(&Value::String("jo".into())));
        assert_eq!(
            b.bound.get("ExternalEmailAddress"),
            Some(&Value::String("jo@example.com".into()))
        );
        // switches are never bound from a property
        assert_eq!(b.bound.get("WhatIf"), None);
        assert!(b
            .spans
            .iter()
            .any(|(n, s)| n == "Name" && *s == Span::new(0, 3)));
        // arguments win over properties; a hashtable is a record too
        let h = Value::hashtable(vec![
            ("Name".into(), Value::String("jo".into())),
            ("ExternalEmailAddress".into(), Value::String("a@b.c".into())),
        ]);
        let b = bind_with_input(
            &new_contact(),
            vec![v("ann")],
            Some((&h, Span::default())),
            Span::default(),
        )
        .unwrap();
        assert_eq!(b.bound.get("Name"), Some(&Value::String("ann".into())));
        // the mandatory check runs after the pipeline binding
        let e = bind_with_input(
            &new_contact(),
            vec![],
            Some((&record(&[("Name", "x")]), Span::default())),
            Span::default(),
        )
        .unwrap_err();
        assert!(e
            .message
            .ends_with("missing mandatory parameters: ExternalEmailAddress."));
    }

    #[test]
    fn piped_cmdlet_objects_bind_their_identity_by_value() {
        let contact = Value::Object(mailsec_cmdlets::Object {
            type_name: "MailContact".into(),
            props: vec![
                (
                    "Guid".into(),
                    Value::String("6f1c1c7e-8a5e-4a43-9a53-0a5b8f0c1d11".into()),
                ),
                ("Name".into(), Value::String("jo".into())),
                ("DisplayName".into(), Value::String("Jo".into())),
                ("Alias".into(), Value::String("jo".into())),
            ]
            .into(),
            default_columns: vec!["Name"],
        });
        let b = bind_with_input(
            &sig(),
            vec![p("UserCertificate"), v("x")],
            Some((&contact, Span::default())),
            Span::default(),
        )
        .unwrap();
        let names: Vec<&str> = b.bound.values.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["UserCertificate", "Identity"]);
        assert_eq!(
            b.bound.get("Identity"),
            Some(&Value::String(
                "6f1c1c7e-8a5e-4a43-9a53-0a5b8f0c1d11".into()
            ))
        );
        // a string is its own identity
        let b = bind_with_input(
            &sig(),
            vec![],
            Some((&Value::String("ann".into()), Span::default())),
            Span::default(),
        )
        .unwrap();
        assert_eq!(b.bound.get("Identity"), Some(&Value::String("ann".into())));
        // -Identity given and an object piped: the object cannot bind
        let e = bind_with_input(
            &sig(),
            vec![v("jo")],
            Some((&contact, Span::default())),
            Span::default(),
        )
        .unwrap_err();
        assert!(
            e.message.starts_with("The input object cannot be bound"),
            "{}",
            e.message
        );
    }

    #[test]
    fn more_common_parameters() {
        let b = bind(
            &sig(),
            vec![
                v("jo"),
                p("ErrorVariable"),
                v("errs"),
                p("ov"),
                v("+out"),
                p("Verbose"),
            ],
            Span::default(),
        )
        .unwrap();
        assert_eq!(b.common.error_variable.as_deref(), Some("errs"));
        assert_eq!(b.common.out_variable.as_deref(), Some("+out"));
        assert!(b.common.verbose);
        // a prefix shared by two common parameters is ambiguous; the cmdlet's own still win ties
        let e = bind(&sig(), vec![v("jo"), p("Err"), v("x")], Span::default()).unwrap_err();
        assert!(
            e.message.contains("-ErrorAction -ErrorVariable"),
            "{}",
            e.message
        );
        let b = bind(&sig(), vec![v("jo"), p("Disp"), v("x")], Span::default()).unwrap();
        assert!(b.bound.has("DisplayName"));
    }

    #[test]
    fn bind_args_lists_missing_mandatory_parameters() {
        let (b, missing) = bind_args(&new_contact(), vec![v("jo")], Span::default()).unwrap();
        assert!(b.bound.has("Name"));
        assert_eq!(missing, ["ExternalEmailAddress"]);
        assert!(bind_args(&new_contact(), vec![p("Nope")], Span::default()).is_err());
        assert_eq!(
            missing_mandatory(&["A", "B"], Span::default()).message,
            "Cannot process command because of one or more missing mandatory parameters: A B."
        );
    }
}
