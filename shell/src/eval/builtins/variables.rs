//! Set-Variable and Get-Variable: PowerShell's variable cmdlets over the evaluator's own scopes
//! (`-Scope Global|Script|Local`, or a number: 0 is the current scope, 1 its parent, ...).

use mailsec_cmdlets::{Object, Value};

use super::args::{at, named, switch};
use super::{has_wildcard, like, Builtin, Call};
use crate::eval::{Evaluator, RuntimeError};

const SCOPE_HELP: &str =
    "Global, Script or Local (mailsec runs one script: Global and Script are the same scope), or a number (0: here, 1: the caller ...).";

pub const BUILTINS: &[Builtin] = &[
    Builtin::with_evaluator(
        "Set-Variable",
        "Sets the value of a variable, creating it if needed (`Set-Variable -Name x -Value 1` is `$x = 1`).",
        set_variable,
    )
    .aliases(&["set", "sv"])
    .params(&[
        at(0, "Name", "String[]", "The variable's name, without '$'."),
        at(1, "Value", "Object", "The value; without it the variable is set to $null."),
        named("Scope", "String", SCOPE_HELP),
        switch("PassThru", "Output the variable (Name and Value)."),
        named("Option", "ScopedItemOptions", "Accepted for None only; mailsec has no read-only or constant variables of your own."),
        named("Description", "String", "Accepted and ignored."),
        named("Visibility", "SessionStateEntryVisibility", "Accepted and ignored."),
        switch("Force", "Accepted."),
    ])
    .should_process()
    .examples(&[
        ("Set a variable by name", "Set-Variable -Name domain -Value 'contoso.com'"),
        ("Set a script-wide variable from a function", "Set-Variable -Name count -Value 0 -Scope Script"),
    ]),
    Builtin::with_evaluator(
        "Get-Variable",
        "Gets variables (Name and Value); -ValueOnly gives the value itself. Names take wildcards.",
        get_variable,
    )
    .aliases(&["gv"])
    .params(&[
        at(0, "Name", "String[]", "The names (wildcards allowed); all variables when left out."),
        named("Exclude", "String[]", "Names to leave out (wildcards allowed)."),
        named("Include", "String[]", "Only these names (wildcards allowed)."),
        named("Scope", "String", SCOPE_HELP),
        switch("ValueOnly", "Output the values instead of Name/Value objects."),
    ])
    .examples(&[
        ("A variable's value", "Get-Variable -Name domain -ValueOnly"),
        ("Every variable whose name starts with cert", "Get-Variable cert*"),
    ]),
];

/// The scope `-Scope` names, as a number of scopes up from the current one (`None`: the script scope).
enum Target {
    Script,
    Up(usize),
}

fn scope(c: &Call) -> Result<Target, RuntimeError> {
    let Some(text) = c.args.text("Scope") else {
        return Ok(Target::Up(0));
    };
    let t = text.trim().to_lowercase();
    match t.as_str() {
        "global" | "script" => Ok(Target::Script),
        "local" | "private" => Ok(Target::Up(0)),
        n => match n.parse::<usize>() {
            Ok(up) => Ok(Target::Up(up)),
            Err(_) => Err(c
                .error_at("Scope", format!("The scope '{text}' could not be found."))
                .help(format!("-Scope takes {SCOPE_HELP}"))),
        },
    }
}

fn variable_object(name: &str, value: Value) -> Value {
    Value::Object(Object {
        type_name: "System.Management.Automation.PSVariable".into(),
        props: vec![
            ("Name".into(), Value::String(name.to_string())),
            ("Value".into(), value),
        ]
        .into(),
        default_columns: vec!["Name", "Value"],
    })
}

/// Names must be plain: `$x` or a wildcard would be a mistake here.
fn check_name(c: &Call, name: &str) -> Result<(), RuntimeError> {
    if name.trim().is_empty() {
        return Err(c
            .error_at(
                "Name",
                "Cannot bind argument to parameter 'Name' because it is an empty string.",
            )
            .help("give the variable's name without '$', for example -Name domain"));
    }
    Ok(())
}

fn set_variable(ev: &mut Evaluator<'_>, c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let names = c.args.strings("Name");
    if names.is_empty() {
        return Err(c
            .error("Set-Variable needs -Name: the variable to set.")
            .help("for example: Set-Variable -Name domain -Value 'contoso.com'"));
    }
    if let Some(option) = c.args.text("Option") {
        if !option.trim().eq_ignore_ascii_case("none") {
            return Err(c
                .error_at(
                    "Option",
                    format!("-Option {option} is not supported in mailsec: variables you set are ordinary ones."),
                )
                .help("leave -Option out (or give None)"));
        }
    }
    let value = c.args.get("Value").cloned().unwrap_or(Value::Null);
    let target = scope(c)?;
    let span = c.args.span("Name").unwrap_or(c.span);
    let mut out = Vec::new();
    for name in names {
        check_name(c, &name)?;
        let name = name.trim_start_matches('$');
        if c.what_if("Set variable", &format!("Name: {name} Value: {value}")) {
            continue;
        }
        match target {
            Target::Script => ev.set_var(&format!("script:{name}"), value.clone(), span)?,
            Target::Up(up) => ev.set_var_up(name, value.clone(), up, span)?,
        }
        if c.args.switch("PassThru") {
            out.push(variable_object(name, value.clone()));
        }
    }
    Ok(out)
}

fn get_variable(ev: &mut Evaluator<'_>, c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let target = scope(c)?;
    let visible = ev.visible_variables(match target {
        Target::Script => None,
        Target::Up(up) => Some(up),
    });
    let patterns = match c.args.strings("Name") {
        p if p.is_empty() => vec!["*".to_string()],
        p => p,
    };
    let include = c.args.strings("Include");
    let exclude = c.args.strings("Exclude");
    let value_only = c.args.switch("ValueOnly");
    let mut out = Vec::new();
    for pattern in &patterns {
        let pattern = pattern.trim_start_matches('$');
        let hits: Vec<&(String, Value)> = visible
            .iter()
            .filter(|(n, _)| like(pattern, n))
            .filter(|(n, _)| include.is_empty() || include.iter().any(|p| like(p, n)))
            .filter(|(n, _)| !exclude.iter().any(|p| like(p, n)))
            .collect();
        if hits.is_empty() && !has_wildcard(pattern) {
            return Err(c
                .error_at(
                    "Name",
                    format!("Cannot find a variable with the name '{pattern}'."),
                )
                .help("set it first ($name = ... or Set-Variable); Get-Variable lists the variables there are"));
        }
        for (name, value) in hits {
            out.push(if value_only {
                value.clone()
            } else {
                variable_object(name, value.clone())
            });
        }
    }
    Ok(out)
}

/// Variables the shell itself provides (shown by Get-Variable unless a script variable hides them).
const AUTOMATIC: &[&str] = &[
    "true",
    "false",
    "null",
    "Error",
    "PSScriptRoot",
    "PWD",
    "HOME",
    "ErrorActionPreference",
    "WarningPreference",
];

impl Evaluator<'_> {
    /// `name = v` in the scope `up` levels above the current one (0: the current scope).
    fn set_var_up(
        &mut self,
        name: &str,
        v: Value,
        up: usize,
        span: crate::syntax::ast::Span,
    ) -> Result<(), RuntimeError> {
        if up == 0 {
            return self.set_var(name, v, span);
        }
        let Some(idx) = self.scopes.len().checked_sub(1 + up) else {
            return Err(RuntimeError::new(
                format!(
                    "The scope number '{up}' exceeds the number of active scopes ({}).",
                    self.scopes.len()
                ),
                span,
            )
            .help(
                "count the scopes from here: 0 is this one, 1 the caller's; or use -Scope Script",
            ));
        };
        let key = name.to_lowercase();
        Self::check_writable(&key, span)?;
        let constraint = self.scopes[..=idx]
            .iter()
            .rev()
            .find_map(|s| s.types.get(&key).cloned());
        let v = match constraint {
            Some(t) => crate::eval::operators::cast(&t, v, span)?,
            None => v,
        };
        self.scopes[idx].vars.insert(key, v);
        Ok(())
    }

    /// The variables seen from the scope `up` levels above the current one (`None`: the script
    /// scope), inner scopes hiding outer ones, then the automatic ones; sorted by name.
    fn visible_variables(&self, up: Option<usize>) -> Vec<(String, Value)> {
        let last = match up {
            None => 0,
            Some(up) => self.scopes.len().saturating_sub(1 + up),
        };
        let mut seen: std::collections::BTreeMap<String, (String, Value)> = Default::default();
        for scope in self.scopes.iter().take(last + 1) {
            for (k, v) in &scope.vars {
                seen.insert(k.to_lowercase(), (k.clone(), v.clone()));
            }
        }
        for name in AUTOMATIC {
            seen.entry(name.to_lowercase())
                .or_insert_with(|| (name.to_string(), self.var(name)));
        }
        seen.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::run;

    #[test]
    fn set_and_get_by_name_with_value_only() {
        let o = run("Set-Variable -Name domain -Value 'contoso.com'\n$domain\nGet-Variable -Name domain -ValueOnly\nsv n 5; (gv n).Value + 1");
        assert_eq!(o.ok(), "contoso.com\ncontoso.com\n6\n");
    }

    #[test]
    fn scopes_global_script_local_and_numbers() {
        let o = run("function f { Set-Variable -Name a -Value 1 -Scope Script; Set-Variable b 2; Set-Variable -Name c -Value 3 -Scope 1; $b }\nf\n\"$a|$b|$c\"\nfunction g { Set-Variable -Name d -Value 4 -Scope Global }\ng; $d");
        assert_eq!(o.ok(), "2\n1||3\n4\n");
        let o = run("Set-Variable x 1 -Scope Nowhere");
        assert!(
            o.messages()[0].contains("The scope 'Nowhere' could not be found."),
            "{o:?}"
        );
    }

    #[test]
    fn wildcards_include_exclude_and_missing_names() {
        let o = run("$certA = 1; $certB = 2; $other = 3\nGet-Variable cert* | ForEach-Object { $_.Name + '=' + $_.Value }\nGet-Variable -Name *her*,cert* -Exclude certb -ValueOnly");
        // names are kept lower-cased by the evaluator
        assert_eq!(o.ok(), "certa=1\ncertb=2\n3\n1\n");
        let o = run("Get-Variable nosuch\nGet-Variable nosuch* ; 'after'");
        assert_eq!(o.out, "after\n");
        assert_eq!(
            o.messages(),
            vec!["Cannot find a variable with the name 'nosuch'.".to_string()]
        );
    }

    #[test]
    fn passthru_whatif_and_refused_options() {
        let o = run("Set-Variable v 7 -PassThru | ForEach-Object Name\nSet-Variable w 1 -WhatIf\n$w -eq $null");
        assert_eq!(
            o.ok(),
            "v\nWhat if: Performing the operation \"Set variable\" on target \"Name: w Value: 1\".\nTrue\n"
        );
        let o = run("Set-Variable k 1 -Option ReadOnly");
        assert!(
            o.messages()[0].contains("-Option ReadOnly is not supported in mailsec"),
            "{o:?}"
        );
        let o = run("Set-Variable true 1");
        assert!(o.messages()[0].contains("read-only"), "{o:?}");
    }
}
