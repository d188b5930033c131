//! The argument parser every built-in shares: named parameters matched as cmdlets match them (exact name or
//! alias, then a unique case-insensitive prefix; common parameters never win a tie), switches, `-Name:value`,
//! then positional values in order. Errors use PowerShell's wording and point at the argument.

use mailsec_cmdlets::Value;

use super::super::RuntimeError;
use crate::binder::Arg;
use crate::syntax::ast::Span;

/// What a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Present = `$true`; `-Name:$false` turns it off. Never takes the next argument.
    Switch,
    /// One value (which may be a list: `-Property a,b`).
    Value,
    /// Takes every positional argument left over (like `Write-Host a b c`).
    Rest,
}

/// One parameter of a built-in.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    /// 0-based position for positional binding.
    pub position: Option<usize>,
    /// The .NET type help shows.
    pub ty: &'static str,
    pub help: &'static str,
}

/// A switch parameter.
pub const fn switch(name: &'static str, help: &'static str) -> Param {
    Param {
        name,
        aliases: &[],
        kind: Kind::Switch,
        position: None,
        ty: "SwitchParameter",
        help,
    }
}

/// A named parameter that takes a value.
pub const fn named(name: &'static str, ty: &'static str, help: &'static str) -> Param {
    Param {
        name,
        aliases: &[],
        kind: Kind::Value,
        position: None,
        ty,
        help,
    }
}

/// A parameter that also binds by position.
pub const fn at(pos: usize, name: &'static str, ty: &'static str, help: &'static str) -> Param {
    Param {
        name,
        aliases: &[],
        kind: Kind::Value,
        position: Some(pos),
        ty,
        help,
    }
}

impl Param {
    pub const fn aliases(mut self, aliases: &'static [&'static str]) -> Param {
        self.aliases = aliases;
        self
    }
    pub const fn rest(mut self) -> Param {
        self.kind = Kind::Rest;
        self
    }
}

/// PowerShell's common parameters: accepted by every built-in.
pub const COMMON: &[(&str, &[&str], Kind)] = &[
    ("Verbose", &["vb"], Kind::Switch),
    ("Debug", &["db"], Kind::Switch),
    ("ErrorAction", &["ea"], Kind::Value),
    ("WarningAction", &["wa"], Kind::Value),
    ("InformationAction", &["infa"], Kind::Value),
    ("ProgressAction", &["proga"], Kind::Value),
    ("ErrorVariable", &["ev"], Kind::Value),
    ("WarningVariable", &["wv"], Kind::Value),
    ("InformationVariable", &["iv"], Kind::Value),
    ("OutVariable", &["ov"], Kind::Value),
    ("OutBuffer", &["ob"], Kind::Value),
    ("PipelineVariable", &["pv"], Kind::Value),
];

/// -WhatIf and -Confirm, for built-ins that write files.
pub const SHOULD_PROCESS: &[(&str, &[&str], Kind)] = &[
    ("WhatIf", &["wi"], Kind::Switch),
    ("Confirm", &["cf"], Kind::Switch),
];

const ACTIONS: &[&str] = &[
    "SilentlyContinue",
    "Stop",
    "Continue",
    "Inquire",
    "Ignore",
    "Suspend",
    "Break",
];

/// The parsed arguments of one call.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// (canonical name, value, span of the value or of the switch)
    pub values: Vec<(&'static str, Value, Span)>,
    /// Common parameters given, by canonical name.
    pub common: Vec<(&'static str, Value, Span)>,
}

impl Parsed {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v, _)| v)
    }
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
    pub fn span(&self, name: &str) -> Option<Span> {
        self.values
            .iter()
            .chain(&self.common)
            .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, _, s)| *s)
    }
    /// A switch (or any value) that is set and true.
    pub fn switch(&self, name: &str) -> bool {
        self.get(name)
            .or_else(|| self.common(name))
            .is_some_and(Value::is_truthy)
    }
    pub fn common(&self, name: &str) -> Option<&Value> {
        self.common
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v, _)| v)
    }
    /// -ErrorAction / -WarningAction as their canonical names.
    pub fn action(&self, name: &str) -> Option<&'static str> {
        let v = self.common(name)?;
        action_name(v)
    }
    /// The value as text (`None` when absent).
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| v.to_string())
    }
    /// The value as a list of strings (a list value gives one per element).
    pub fn strings(&self, name: &str) -> Vec<String> {
        match self.get(name) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.read().iter().map(|v| v.to_string()).collect(),
            Some(v) => vec![v.to_string()],
        }
    }
    /// The value as a list of values.
    pub fn list(&self, name: &str) -> Vec<Value> {
        match self.get(name) {
            None => Vec::new(),
            Some(Value::Array(a)) => a.to_vec(),
            Some(v) => vec![v.clone()],
        }
    }
    /// The value as a whole number (`Cannot convert value ... to type "System.Int32"` otherwise).
    pub fn int(&self, name: &str, at: Span) -> Result<Option<i64>, RuntimeError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        let span = self.span(name).unwrap_or(at);
        to_int(v).map(Some).ok_or_else(|| {
            RuntimeError::new(
                format!("Cannot bind parameter '{name}'. Cannot convert value \"{v}\" to type \"System.Int32\"."),
                span,
            )
            .help(format!("give a whole number, for example -{name} 5"))
        })
    }
    /// A whole number that must not be negative.
    pub fn count(&self, name: &str, at: Span) -> Result<Option<usize>, RuntimeError> {
        match self.int(name, at)? {
            None => Ok(None),
            Some(n) if n >= 0 => Ok(Some(n as usize)),
            Some(n) => Err(RuntimeError::new(
                format!("Cannot validate argument on parameter '{name}'. The {n} argument is less than the minimum allowed range of 0."),
                self.span(name).unwrap_or(at),
            )
            .help(format!("give 0 or more to -{name}"))),
        }
    }
}

pub fn to_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Double(d) if d.fract() == 0.0 && d.abs() < 9.0e15 => Some(*d as i64),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn action_name(v: &Value) -> Option<&'static str> {
    let text = v.to_string();
    let t = text.trim();
    if let Ok(n) = t.parse::<usize>() {
        return [
            "SilentlyContinue",
            "Stop",
            "Continue",
            "Inquire",
            "Ignore",
            "Suspend",
            "Break",
        ]
        .get(n)
        .copied();
    }
    ACTIONS.iter().find(|a| a.eq_ignore_ascii_case(t)).copied()
}

enum Found {
    Own(Param),
    Common(&'static str, Kind),
}

fn lookup(
    command: &str,
    params: &[Param],
    should_process: bool,
    name: &str,
    span: Span,
) -> Result<Found, RuntimeError> {
    let common: Vec<(&'static str, &'static [&'static str], Kind)> = COMMON
        .iter()
        .chain(if should_process { SHOULD_PROCESS } else { &[] })
        .copied()
        .collect();
    if let Some(p) = params.iter().find(|p| {
        p.name.eq_ignore_ascii_case(name) || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }) {
        return Ok(Found::Own(*p));
    }
    if let Some((c, _, k)) = common.iter().find(|(c, aliases, _)| {
        c.eq_ignore_ascii_case(name) || aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }) {
        return Ok(Found::Common(c, *k));
    }
    let lname = name.to_lowercase();
    let prefixed: Vec<&Param> = params
        .iter()
        .filter(|p| p.name.to_lowercase().starts_with(&lname))
        .collect();
    match prefixed.as_slice() {
        [one] => return Ok(Found::Own(**one)),
        [] => {}
        many => {
            return Err(RuntimeError::new(
                format!(
                    "Parameter cannot be processed because the parameter name '{name}' is ambiguous. Possible matches include: {}.",
                    many.iter().map(|p| format!("-{}", p.name)).collect::<Vec<_>>().join(" ")
                ),
                span,
            )
            .help("type more of the parameter name"))
        }
    }
    let common_hits: Vec<_> = common
        .iter()
        .filter(|(c, _, _)| c.to_lowercase().starts_with(&lname))
        .collect();
    if let [(c, _, k)] = common_hits.as_slice() {
        return Ok(Found::Common(c, *k));
    }
    let mut close: Vec<(f64, &str)> = params
        .iter()
        .map(|p| (strsim::jaro_winkler(&lname, &p.name.to_lowercase()), p.name))
        .filter(|(s, _)| *s > 0.75)
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0));
    let help = match close.first() {
        Some((_, best)) => {
            format!("did you mean -{best}? `Get-Help {command}` lists its parameters")
        }
        None => format!("`Get-Help {command}` lists its parameters"),
    };
    Err(RuntimeError::new(
        format!("A parameter cannot be found that matches parameter name '{name}'."),
        span,
    )
    .help(help))
}

/// Parse `args` against `params`.
pub fn parse(
    command: &str,
    params: &[Param],
    should_process: bool,
    args: &[Arg],
) -> Result<Parsed, RuntimeError> {
    let mut out = Parsed::default();
    let mut positional: Vec<(Value, Span)> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        let (name, span, value) = match arg {
            Arg::Value(v, s) => {
                positional.push((v.clone(), *s));
                continue;
            }
            Arg::Param { name, span, value } => (name, *span, value),
        };
        let found = lookup(command, params, should_process, name, span)?;
        let (canonical, kind, ty) = match &found {
            Found::Own(p) => (p.name, p.kind, p.ty),
            Found::Common(c, k) => (*c, *k, "ActionPreference"),
        };
        let (v, vspan) = match (value, kind) {
            (Some((v, s)), _) => (v.clone(), *s),
            (None, Kind::Switch) => (Value::Bool(true), span),
            (None, _) => match args.get(i) {
                Some(Arg::Value(v, s)) => {
                    i += 1;
                    (v.clone(), *s)
                }
                _ => {
                    return Err(RuntimeError::new(
                        format!("Missing an argument for parameter '{canonical}'. Specify a parameter of type '{ty}' and try again."),
                        span,
                    )
                    .help(format!("put a value after -{canonical}")))
                }
            },
        };
        let already = out
            .values
            .iter()
            .chain(&out.common)
            .any(|(n, _, _)| *n == canonical);
        if already {
            return Err(RuntimeError::new(
                format!("Cannot bind parameter because parameter '{canonical}' is specified more than once."),
                span,
            )
            .help("give each parameter once; to pass several values use a list: -P a,b"));
        }
        match found {
            Found::Own(_) => out.values.push((canonical, v, vspan)),
            Found::Common(c, _) => {
                if c.ends_with("Action") && action_name(&v).is_none() {
                    return Err(RuntimeError::new(
                        format!(
                            "Cannot bind parameter '{c}'. Cannot convert value \"{v}\" to type \"System.Management.Automation.ActionPreference\"."
                        ),
                        vspan,
                    )
                    .help(format!("use one of {}", ACTIONS[..5].join(", "))));
                }
                out.common.push((c, v, vspan));
            }
        }
    }
    let mut slots: Vec<&Param> = params
        .iter()
        .filter(|p| p.position.is_some() && !out.values.iter().any(|(n, _, _)| *n == p.name))
        .collect();
    slots.sort_by_key(|p| p.position);
    let mut slots = slots.into_iter().peekable();
    let mut rest: Option<(&'static str, Vec<Value>, Span)> = None;
    for (v, s) in positional {
        if let Some((_, items, span)) = rest.as_mut() {
            items.push(v);
            *span = span.to(s);
            continue;
        }
        match slots.next() {
            Some(p) if p.kind == Kind::Rest => rest = Some((p.name, vec![v], s)),
            Some(p) => out.values.push((p.name, v, s)),
            None => {
                return Err(RuntimeError::new(
                    format!("A positional parameter cannot be found that accepts argument '{v}'."),
                    s,
                )
                .help(format!(
                    "name the parameter (-Name value), or quote a value that has spaces; `Get-Help {command}` lists the parameters"
                )))
            }
        }
    }
    if let Some((name, mut items, span)) = rest {
        let v = if items.len() == 1 {
            items.remove(0)
        } else {
            Value::array(items)
        };
        out.values.push((name, v, span));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARAMS: &[Param] = &[
        at(0, "Path", "String[]", "").aliases(&["PSPath"]),
        switch("Raw", ""),
        named("TotalCount", "Int64", "").aliases(&["First", "Head"]),
        named("Tail", "Int32", ""),
    ];

    fn p(name: &str) -> Arg {
        Arg::Param {
            name: name.into(),
            span: Span::new(1, 2),
            value: None,
        }
    }
    fn v(x: Value) -> Arg {
        Arg::Value(x, Span::new(3, 4))
    }

    #[test]
    fn prefixes_aliases_switches_and_positions() {
        let a = parse(
            "Get-Content",
            PARAMS,
            false,
            &[
                p("ra"),
                v(Value::String("x".into())),
                p("first"),
                v(Value::Int(2)),
                p("ea"),
                v(Value::Int(0)),
            ],
        )
        .unwrap();
        assert!(a.switch("Raw"));
        assert_eq!(a.text("Path").as_deref(), Some("x"));
        assert_eq!(a.int("TotalCount", Span::default()).unwrap(), Some(2));
        assert_eq!(a.action("ErrorAction"), Some("SilentlyContinue"));
    }

    #[test]
    fn unknown_ambiguous_missing_and_repeated() {
        let e = parse("Get-Content", PARAMS, false, &[p("Frob")]).unwrap_err();
        assert_eq!(
            e.message,
            "A parameter cannot be found that matches parameter name 'Frob'."
        );
        assert!(e.help.unwrap().contains("Get-Help Get-Content"));
        let e = parse("Get-Content", PARAMS, false, &[p("T")]).unwrap_err();
        assert!(e.message.contains("-TotalCount -Tail"), "{}", e.message);
        let e = parse("Get-Content", PARAMS, false, &[p("Tail")]).unwrap_err();
        assert!(e
            .message
            .starts_with("Missing an argument for parameter 'Tail'."));
        let e = parse("Get-Content", PARAMS, false, &[p("Raw"), p("Raw")]).unwrap_err();
        assert!(e.message.contains("specified more than once"));
        let e = parse(
            "Get-Content",
            PARAMS,
            false,
            &[v(Value::Int(1)), v(Value::Int(2))],
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "A positional parameter cannot be found that accepts argument '2'."
        );
        let e = parse("Get-Content", PARAMS, false, &[p("WhatIf")]).unwrap_err();
        assert!(e.message.contains("'WhatIf'"));
        assert!(parse("Set-Content", PARAMS, true, &[p("WhatIf")]).is_ok());
        let e = parse(
            "X",
            PARAMS,
            false,
            &[p("ea"), v(Value::String("nope".into()))],
        )
        .unwrap_err();
        assert!(e.message.contains("ActionPreference"), "{}", e.message);
    }

    #[test]
    fn rest_takes_every_leftover_positional() {
        const W: &[Param] = &[
            at(0, "Object", "Object", "").rest(),
            switch("NoNewline", ""),
        ];
        let a = parse(
            "Write-Host",
            W,
            false,
            &[v(Value::Int(1)), p("NoNewline"), v(Value::Int(2))],
        )
        .unwrap();
        assert_eq!(
            a.get("Object"),
            Some(&Value::array(vec![Value::Int(1), Value::Int(2)]))
        );
        assert!(a.switch("NoNewline"));
    }
}
