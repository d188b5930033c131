//! `mailsec check FILE.ps1 [--json]`: parse and bind every cmdlet invocation without running anything
//! (no state, no backends). Values known only at run time (variables, sub-expressions) bind as
//! placeholders. `--json` prints one object per invocation, and errors in the same stream.

use std::path::{Path, PathBuf};

use mailsec_cmdlets::{ParamType, Signature, Value};
use serde_json::json;

use crate::binder::{bind, bind_args, Arg, Binding};
use crate::diagnostics::{line_col, render};
use crate::syntax::ast::{
    Child, Command, CommandArg, Expr, Pipeline, PipelineElement, Script, Span, Statement,
    StringPart,
};
use crate::syntax::parse_script;

/// The commands mailsec knows besides the registry's cmdlets: canonical name, then the aliases.
pub const BUILTINS: &[(&str, &[&str])] = &[
    ("ConvertFrom-Json", &[]),
    ("ConvertTo-Csv", &[]),
    ("ConvertTo-Json", &[]),
    ("Connect-ExchangeOnline", &[]),
    ("Disconnect-ExchangeOnline", &[]),
    ("Export-Csv", &["epcsv"]),
    ("Export-MailsecSession", &[]),
    ("ForEach-Object", &["foreach", "%"]),
    ("Format-List", &["fl"]),
    ("Format-Table", &["ft"]),
    ("Get-Command", &["gcm"]),
    ("Get-Content", &["gc", "cat", "type"]),
    ("Get-Help", &["help"]),
    ("Get-Variable", &["gv"]),
    ("Import-Csv", &["ipcsv"]),
    ("Import-Module", &["ipmo"]),
    ("Install-Module", &[]),
    ("Measure-Object", &["measure"]),
    ("New-Object", &[]),
    ("Out-File", &[]),
    ("Out-Null", &[]),
    ("Select-Object", &["select"]),
    ("Set-Content", &["sc"]),
    ("Set-Variable", &["set", "sv"]),
    ("Sort-Object", &["sort"]),
    ("Start-Transcript", &[]),
    ("Stop-Transcript", &[]),
    ("Test-Path", &[]),
    ("Where-Object", &["where", "?"]),
    ("Write-Host", &[]),
    ("Write-Output", &["echo", "write"]),
    ("Write-Verbose", &[]),
    ("Write-Warning", &[]),
];

/// The canonical name of a built-in command (`select` → `Select-Object`).
pub fn builtin(name: &str) -> Option<&'static str> {
    BUILTINS
        .iter()
        .find(|(n, aliases)| {
            n.eq_ignore_ascii_case(name) || aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        })
        .map(|(n, _)| *n)
}

/// One bound parameter of an invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundParam {
    /// The canonical name (prefixes and aliases expanded).
    pub name: &'static str,
    /// The `-Name` token as written, `None` for a positional value.
    pub written: Option<String>,
    /// The value's text as written (for a switch: the `-Name` token).
    pub source: String,
    pub span: Span,
}

/// One cmdlet invocation that bound.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub cmdlet: &'static str,
    /// The span of the command name.
    pub span: Span,
    pub parameters: Vec<BoundParam>,
    /// `-Identity` comes from the pipeline.
    pub identity_from_pipeline: bool,
}

/// A syntax, name or binding error.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub message: String,
    pub help: Option<String>,
    pub span: Span,
    pub cmdlet: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Invocation(Invocation),
    Error(Problem),
}

impl Item {
    fn start(&self) -> usize {
        match self {
            Item::Invocation(i) => i.span.start,
            Item::Error(p) => p.span.start,
        }
    }
}

/// Check a script's text: every invocation and every error, in source order.
pub fn check_source(text: &str) -> Vec<Item> {
    let mut items = match parse_script(text) {
        Ok(script) => {
            let mut w = Walker {
                text,
                items: Vec::new(),
                functions: Vec::new(),
            };
            w.functions = functions_of(&script);
            w.script(&script);
            w.items
        }
        Err(errors) => errors
            .into_iter()
            .map(|e| {
                Item::Error(Problem {
                    message: e.message,
                    help: e.help,
                    span: e.span,
                    cmdlet: None,
                })
            })
            .collect(),
    };
    items.sort_by_key(Item::start);
    items
}

struct Walker<'a> {
    text: &'a str,
    items: Vec<Item>,
    /// The functions the script defines (lower-cased): called like commands, not checked.
    functions: Vec<String>,
}

/// The names of every function the script defines, anywhere in it (lower-cased).
fn functions_of(script: &Script) -> Vec<String> {
    fn walk(c: Child<'_>, out: &mut Vec<String>) {
        match c {
            Child::Statement(Statement::Function(f)) => {
                out.push(f.name.to_lowercase());
                f.body.children().into_iter().for_each(|c| walk(c, out));
            }
            Child::Statement(s) => s.children().into_iter().for_each(|c| walk(c, out)),
            Child::Script(s) => s
                .statements
                .iter()
                .for_each(|s| walk(Child::Statement(s), out)),
            Child::Pipeline(p) => {
                for el in &p.elements {
                    match el {
                        PipelineElement::Command(c) => {
                            for a in &c.args {
                                match a {
                                    CommandArg::Parameter {
                                        colon_value: Some(e),
                                        ..
                                    }
                                    | CommandArg::Value(e) => walk(Child::Expr(e), out),
                                    CommandArg::Parameter { .. } => {}
                                }
                            }
                        }
                        PipelineElement::Expression(e) => walk(Child::Expr(e), out),
                    }
                }
            }
            Child::Expr(e) => e.children().into_iter().for_each(|c| walk(c, out)),
        }
    }
    let mut out = Vec::new();
    walk(Child::Script(script), &mut out);
    out
}

impl Walker<'_> {
    fn script(&mut self, s: &Script) {
        for st in &s.statements {
            self.statement(st);
        }
    }

    /// A statement: pipelines are checked; the blocks, conditions and values of `if`,
    /// `foreach`, `function`, `try` ... are walked into.
    fn statement(&mut self, st: &Statement) {
        match st {
            Statement::Pipeline(p) => self.pipeline(p),
            other => other.children().into_iter().for_each(|c| self.child(c)),
        }
    }

    fn child(&mut self, c: Child<'_>) {
        match c {
            Child::Statement(s) => self.statement(s),
            Child::Script(s) => self.script(s),
            Child::Pipeline(p) => self.pipeline(p),
            Child::Expr(e) => self.expr(e),
        }
    }

    fn pipeline(&mut self, p: &Pipeline) {
        for (i, el) in p.elements.iter().enumerate() {
            match el {
                PipelineElement::Command(c) => {
                    self.command(c, i > 0);
                    for a in &c.args {
                        match a {
                            CommandArg::Parameter {
                                colon_value: Some(e),
                                ..
                            }
                            | CommandArg::Value(e) => self.expr(e),
                            CommandArg::Parameter { .. } => {}
                        }
                    }
                }
                PipelineElement::Expression(e) => self.expr(e),
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        // Sub-expressions, parentheses, hashtable values, script blocks ... may hold commands.
        e.children().into_iter().for_each(|c| self.child(c));
    }

    fn source(&self, span: Span) -> String {
        self.text
            .get(span.start..span.end)
            .unwrap_or("")
            .to_string()
    }

    fn command(&mut self, c: &Command, has_input: bool) {
        // `& $block`, `. { }` and the script's own functions are not cmdlets to bind.
        if c.name == "&" || c.name == "." || self.functions.contains(&c.name.to_lowercase()) {
            return;
        }
        let Some(def) = mailsec_cmdlets::find(&c.name) else {
            if builtin(&c.name).is_none() {
                self.items.push(Item::Error(unknown_command(c)));
            }
            return;
        };
        let sig = &def.signature;
        let args = args_of(sig, c);
        // Pipeline input binds when the script runs (-Identity by value, any parameter by
        // property name from a record such as an Import-Csv row), so with input the mandatory
        // parameters are not checked here.
        let attempt = if has_input {
            bind_args(sig, args.clone(), c.span).map(|(b, _)| {
                let piped = sig.param("Identity").is_some() && !b.bound.has("Identity");
                (b, piped)
            })
        } else {
            bind(sig, args.clone(), c.span).map(|b| (b, false))
        };
        match attempt {
            Ok((Binding { spans, .. }, piped)) => {
                let bound: Vec<Span> = spans.iter().map(|(_, s)| *s).collect();
                let tokens = self.source_of_args(c);
                let mut parameters = Vec::new();
                for (name, span) in spans {
                    if piped && span == c.name_span && name == "Identity" {
                        continue;
                    }
                    let Some(p) = sig.param(&name) else { continue };
                    parameters.push(BoundParam {
                        name: p.name,
                        written: written_token(&args, span, &bound, &tokens),
                        source: self.source(span),
                        span,
                    });
                }
                let problems: Vec<Problem> = parameters
                    .iter()
                    .filter_map(|p| enum_problem(sig, c, p))
                    .collect();
                self.items.push(Item::Invocation(Invocation {
                    cmdlet: sig.name,
                    span: c.name_span,
                    parameters,
                    identity_from_pipeline: piped,
                }));
                self.items.extend(problems.into_iter().map(Item::Error));
            }
            Err(e) => self.items.push(Item::Error(Problem {
                message: e.message,
                help: e.help,
                span: e.span,
                cmdlet: Some(sig.name),
            })),
        }
    }

    /// The text of each `-Name` token of `c`, keyed by its span.
    fn source_of_args(&self, c: &Command) -> Vec<(Span, String)> {
        c.args
            .iter()
            .filter_map(|a| match a {
                CommandArg::Parameter { span, .. } => Some((*span, self.source(*span))),
                CommandArg::Value(_) => None,
            })
            .collect()
    }
}

/// A literal enum value that is not one of the names (the cmdlet would refuse it when it runs).
fn enum_problem(sig: &Signature, c: &Command, p: &BoundParam) -> Option<Problem> {
    let spec = sig.param(p.name)?;
    let ParamType::Enum(_, allowed) = spec.ty else {
        return None;
    };
    let expr = c.args.iter().find_map(|a| match a {
        CommandArg::Parameter {
            colon_value: Some(e),
            ..
        }
        | CommandArg::Value(e)
            if e.span() == p.span =>
        {
            Some(e)
        }
        _ => None,
    })?;
    let Some(Value::String(text)) = literal(expr) else {
        return None;
    };
    if allowed.iter().any(|a| a.eq_ignore_ascii_case(text.trim())) {
        return None;
    }
    Some(Problem {
        message: format!(
            "Cannot process argument transformation on parameter '{}'. Cannot convert value \"{text}\". Error: \"Unable to match the identifier name {text} to a valid enumerator name. Specify one of the following enumerator names and try again: {}\"",
            spec.name,
            allowed.join(", ")
        ),
        help: Some(format!("-{} takes one of: {}", spec.name, allowed.join(", "))),
        span: p.span,
        cmdlet: Some(sig.name),
    })
}

fn unknown_command(c: &Command) -> Problem {
    let hints = mailsec_cmdlets::suggest(&c.name);
    Problem {
        message: format!(
            "The term '{}' is not recognized as a name of a cmdlet, function, script file, or executable program.",
            c.name
        ),
        help: Some(match hints.first() {
            Some(h) => format!("did you mean {h}?"),
            None => "`mailsec help` lists the cmdlets mailsec has".into(),
        }),
        span: c.name_span,
        cmdlet: None,
    }
}

/// The `-Name` token a bound value at `value_span` belongs to, if it was bound by name.
fn written_token(
    args: &[Arg],
    value_span: Span,
    bound: &[Span],
    tokens: &[(Span, String)],
) -> Option<String> {
    let text_of = |s: Span| {
        tokens
            .iter()
            .find(|(t, _)| *t == s)
            .map(|(_, text)| text.clone())
    };
    for (i, a) in args.iter().enumerate() {
        match a {
            // A switch (its span is the token's) or a `-Name:value`.
            Arg::Param { span, value, .. } => {
                if *span == value_span || value.as_ref().is_some_and(|(_, s)| *s == value_span) {
                    return text_of(*span).map(|t| strip_colon(&t));
                }
            }
            Arg::Value(_, s) if *s == value_span => {
                // A value right after a `-Name` that took no colon value and is not itself bound
                // as a switch belongs to that name.
                return match i.checked_sub(1).and_then(|j| args.get(j)) {
                    Some(Arg::Param {
                        span, value: None, ..
                    }) if !bound.contains(span) => text_of(*span).map(|t| strip_colon(&t)),
                    _ => None,
                };
            }
            Arg::Value(..) => {}
        }
    }
    None
}

fn strip_colon(token: &str) -> String {
    token.trim_end_matches(':').to_string()
}

/// The binder's arguments for `c`: literals as their values, anything known only at run time as a
/// placeholder.
fn args_of(sig: &Signature, c: &Command) -> Vec<Arg> {
    let mut out = Vec::new();
    let mut common_pending = false;
    for a in &c.args {
        match a {
            CommandArg::Parameter {
                name,
                span,
                colon_value,
            } => {
                let common = is_common_action(sig, name);
                out.push(Arg::Param {
                    name: name.clone(),
                    span: *span,
                    value: colon_value
                        .as_ref()
                        .map(|e| (value_of(e, common), e.span())),
                });
                common_pending = common && colon_value.is_none();
            }
            CommandArg::Value(e) => {
                out.push(Arg::Value(value_of(e, common_pending), e.span()));
                common_pending = false;
            }
        }
    }
    out
}

/// Does `-name` resolve to -ErrorAction/-WarningAction (whose values the binder checks)?
fn is_common_action(sig: &Signature, name: &str) -> bool {
    let lname = name.to_ascii_lowercase();
    let own = sig.params.iter().any(|p| {
        p.name.eq_ignore_ascii_case(name)
            || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
            || p.name.to_ascii_lowercase().starts_with(&lname)
    });
    !own && ["erroraction", "warningaction", "ea", "wa"]
        .iter()
        .any(|c| c.starts_with(&lname))
}

/// A literal's value; otherwise a placeholder (`Continue` for the action parameters, whose value
/// the binder checks, `$null` elsewhere).
fn value_of(e: &Expr, common: bool) -> Value {
    literal(e).unwrap_or_else(|| {
        if common {
            Value::String("Continue".into())
        } else {
            Value::Null
        }
    })
}

fn literal(e: &Expr) -> Option<Value> {
    Some(match e {
        Expr::SingleQuoted(s, _) | Expr::Bareword(s, _) => Value::String(s.clone()),
        Expr::Number(n, _) => {
            if n.fract() == 0.0 && n.abs() < 9.0e15 {
                Value::Int(*n as i64)
            } else {
                Value::Double(*n)
            }
        }
        Expr::Variable(v) => match v.name.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            _ => return None,
        },
        Expr::DoubleQuoted(parts, _) => {
            let mut s = String::new();
            for p in parts {
                match p {
                    StringPart::Literal(t) => s.push_str(t),
                    _ => return None,
                }
            }
            Value::String(s)
        }
        Expr::Array(items, _) => Value::array(items.iter().map(literal).collect::<Option<_>>()?),
        _ => return None,
    })
}

/// A short type name for people (completion lists, check output).
pub fn short_type(t: &ParamType) -> &'static str {
    t.short()
}

fn json_of(file: &str, text: &str, item: &Item) -> serde_json::Value {
    match item {
        Item::Invocation(i) => {
            let (line, column) = line_col(text, i.span.start);
            let params: Vec<serde_json::Value> = i
                .parameters
                .iter()
                .map(|p| {
                    json!({
                        "name": p.name,
                        "source": p.source,
                        "span": [p.span.start, p.span.end],
                        "written": p.written,
                    })
                })
                .collect();
            json!({
                "file": file,
                "cmdlet": i.cmdlet,
                "line": line,
                "column": column,
                "span": [i.span.start, i.span.end],
                "parameters": params,
                "identityFromPipeline": i.identity_from_pipeline,
            })
        }
        Item::Error(p) => {
            let (line, column) = line_col(text, p.span.start);
            json!({
                "file": file,
                "error": p.message,
                "line": line,
                "column": column,
                "span": [p.span.start, p.span.end],
                "help": p.help,
                "cmdlet": p.cmdlet,
            })
        }
    }
}

/// Check each file; returns 0 when every invocation binds, 1 on any error.
pub fn run(files: &[PathBuf], json: bool) -> i32 {
    let mut failed = false;
    for file in files {
        failed |= !check_file(file, json);
    }
    i32::from(failed)
}

fn check_file(file: &Path, json: bool) -> bool {
    let name = file.display().to_string();
    let text = match read(file) {
        Ok(t) => t,
        Err(e) => {
            if json {
                println!(
                    "{}",
                    json!({"file": name, "error": format!("cannot read {name}: {e}"), "line": null, "column": null, "help": null})
                );
            } else {
                eprintln!("error: cannot read {name}: {e}");
            }
            return false;
        }
    };
    let items = check_source(&text);
    let errors = items.iter().filter(|i| matches!(i, Item::Error(_))).count();
    if json {
        for item in &items {
            println!("{}", json_of(&name, &text, item));
        }
    } else {
        for item in &items {
            if let Item::Error(p) = item {
                let message = match p.cmdlet {
                    Some(c) => format!("{c}: {}", p.message),
                    None => p.message.clone(),
                };
                eprint!(
                    "{}",
                    render(&name, &text, &message, p.span, "here", p.help.as_deref())
                );
            }
        }
        let invocations = items.len() - errors;
        println!(
            "{name}: {invocations} cmdlet invocation{} bound, {errors} error{}",
            if invocations == 1 { "" } else { "s" },
            if errors == 1 { "" } else { "s" }
        );
    }
    errors == 0
}

fn read(file: &Path) -> std::io::Result<String> {
    if file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
        Ok(s)
    } else {
        std::fs::read_to_string(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invocations(src: &str) -> Vec<Invocation> {
        check_source(src)
            .into_iter()
            .map(|i| match i {
                Item::Invocation(i) => i,
                Item::Error(p) => panic!("unexpected error: {p:?}"),
            })
            .collect()
    }

    #[test]
    fn commands_inside_blocks_and_functions_are_checked() {
        let src = "function Add-Partner($n) { New-MailContact -Name $n -ExternalEmailAddress x@y.com }\nforeach ($r in $rows) {\n  if ($r.Ok) { Add-Partner $r.Name } else { Set-MailContact $r.Name -Disp x }\n}\ntry { Get-MailContact jo -ErrorAction Stop } catch { & { Remove-MailContact jo -Confirm:$false } }\n$rows | ForEach-Object { Set-MailContact $_.Name -Comment $_.Note }";
        let items = check_source(src);
        let cmdlets: Vec<&str> = items
            .iter()
            .map(|i| match i {
                Item::Invocation(i) => i.cmdlet,
                Item::Error(p) => p.message.as_str(),
            })
            .collect();
        assert_eq!(
            cmdlets,
            [
                "New-MailContact",
                "Set-MailContact",
                "Get-MailContact",
                "Remove-MailContact",
                "A parameter cannot be found that matches parameter name 'Comment'.",
            ]
        );
        // records piped in may bind the mandatory parameters when the script runs
        let inv =
            invocations("Import-Csv c.csv | New-MailContact\n$x | Set-MailContact -DisplayName d");
        assert_eq!(inv.len(), 2);
        assert!(inv[1].identity_from_pipeline);
    }

    #[test]
    fn prefixes_and_positionals_are_expanded() {
        let src = "Set-MailContact jo -Disp 'Jo J' -UserCert $certs";
        let inv = invocations(src);
        assert_eq!(inv.len(), 1);
        let names: Vec<_> = inv[0].parameters.iter().map(|p| p.name).collect();
        assert_eq!(names, ["DisplayName", "UserCertificate", "Identity"]);
        let disp = &inv[0].parameters[0];
        assert_eq!(disp.written.as_deref(), Some("-Disp"));
        assert_eq!(disp.source, "'Jo J'");
        assert_eq!(&src[disp.span.start..disp.span.end], "'Jo J'");
        assert_eq!(inv[0].parameters[2].written, None);
        assert_eq!(inv[0].parameters[2].source, "jo");
    }

    #[test]
    fn nested_invocations_in_source_order() {
        let inv = invocations(
            "Set-Mailbox -Identity jo -UserCertificate (Get-Mailbox -Identity ann).UserCertificate -WhatIf",
        );
        let names: Vec<_> = inv.iter().map(|i| i.cmdlet).collect();
        assert_eq!(names, ["Set-Mailbox", "Get-Mailbox"]);
        let whatif = inv[0].parameters.iter().find(|p| p.name == "WhatIf");
        assert_eq!(whatif.map(|p| p.source.as_str()), Some("-WhatIf"));
    }

    #[test]
    fn pipeline_input_gives_the_identity() {
        let inv = invocations("Get-MailContact | Set-MailContact -UserCertificate $null");
        assert_eq!(inv.len(), 2);
        assert!(inv[1].identity_from_pipeline);
        assert!(inv[1].parameters.iter().all(|p| p.name != "Identity"));
    }

    #[test]
    fn builtins_are_accepted_and_unknown_commands_suggest() {
        assert!(invocations("Get-Mailbox | select Name | Write-Host").len() == 1);
        let items = check_source("Set-Mailbx jo");
        let [Item::Error(p)] = items.as_slice() else {
            panic!("{items:?}")
        };
        assert_eq!(p.help.as_deref(), Some("did you mean Set-Mailbox?"));
        assert_eq!(p.span, Span::new(0, 10));
    }

    #[test]
    fn binding_errors_point_at_the_parameter() {
        let src = "Set-Mailbox jo -Bogus 1";
        let items = check_source(src);
        let [Item::Error(p)] = items.as_slice() else {
            panic!("{items:?}")
        };
        assert_eq!(&src[p.span.start..p.span.end], "-Bogus");
        assert_eq!(p.cmdlet, Some("Set-Mailbox"));
        let items = check_source("New-MailContact -ExternalEmailAddress a@b.c");
        assert!(
            matches!(items.as_slice(), [Item::Error(p)] if p.message.contains("missing mandatory")),
            "{items:?}"
        );
    }

    #[test]
    fn literal_enum_values_are_checked() {
        let src = "New-OutboundConnector -Name x -TlsSettings bogus -ConnectorType partner";
        let items = check_source(src);
        let errors: Vec<&Problem> = items
            .iter()
            .filter_map(|i| match i {
                Item::Error(p) => Some(p),
                Item::Invocation(_) => None,
            })
            .collect();
        assert_eq!(errors.len(), 1, "{items:?}");
        assert_eq!(&src[errors[0].span.start..errors[0].span.end], "bogus");
        assert!(errors[0].message.contains("DomainValidation"));
        assert!(
            check_source("New-OutboundConnector -Name x -TlsSettings $t")
                .iter()
                .all(|i| matches!(i, Item::Invocation(_)))
        );
    }

    #[test]
    fn runtime_values_are_placeholders() {
        let inv = invocations("Set-Mailbox $who -UserCertificate $c -ErrorAction $pref");
        assert_eq!(inv[0].parameters.len(), 2);
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_checked_without_panicking(src in "\\PC{0,60}") {
            let _ = check_source(&src);
        }

        #[test]
        fn cmdlet_like_token_soup_is_checked_without_panicking(
            words in proptest::collection::vec(
                proptest::sample::select(vec![
                    "Set-Mailbox", "Get-MailContact", "-Identity", "-Us", "-wi", "-WhatIf:$false",
                    "-ea", "Stop", "$x", "'a b'", "(", ")", "|", ";", "\n", "@{Add='x'}", "1,2",
                    "select", "-TlsSettings", "bogus", "$(", "New-OutboundConnector", "-",
                ]),
                0..16,
            )
        ) {
            let _ = check_source(&words.join(" "));
        }
    }

    #[test]
    fn syntax_errors_are_reported_not_panicked() {
        for src in [
            "Set-Mailbox (",
            "'unclosed",
            "@{",
            "\u{0}\u{ffff}",
            "-",
            "|",
            "$(",
        ] {
            let items = check_source(src);
            assert!(
                items.iter().any(|i| matches!(i, Item::Error(_))),
                "{src:?}: {items:?}"
            );
        }
    }
}
