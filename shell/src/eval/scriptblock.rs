//! Script blocks as values, calling them and functions, and binding their parameters
//! (named with unique prefixes and aliases, positional, pipeline input, defaults, types,
//! `[Parameter(Mandatory)]`, `[ValidateSet]`-style checks, `$args`, `$PSBoundParameters`).
//!
//! A script block value is a `Value::Object` of type `System.Management.Automation.ScriptBlock`
//! whose `Id` finds the parsed block in the evaluator and whose `Ast` is its source text (what
//! it turns into as a string).

use std::sync::Arc;

use mailsec_cmdlets::{Object, Value};

use super::control::{Eval, Flow};
use super::operators::{self, text, SCRIPTBLOCK};
use super::{collapse, Evaluator, Io, RuntimeError, Scope, MAX_CALL_DEPTH};
use crate::binder::Arg;
use crate::syntax::ast::{Attribute, FunctionDef, Parameter, Script, ScriptBlock, Span};

/// Common parameters an advanced function accepts without declaring them (name, aliases).
const COMMON: &[(&str, &[&str])] = &[
    ("ErrorAction", &["ea"]),
    ("WarningAction", &["wa"]),
    ("Verbose", &["vb"]),
    ("Debug", &["db"]),
    ("ErrorVariable", &["ev"]),
    ("WarningVariable", &["wv"]),
    ("OutVariable", &["ov"]),
    ("OutBuffer", &["ob"]),
    ("PipelineVariable", &["pv"]),
    ("InformationAction", &["infa"]),
    ("InformationVariable", &["iv"]),
    ("WhatIf", &["wi"]),
    ("Confirm", &["cf"]),
];

/// What binding found out about the pipeline parameters, for binding each input object.
pub(super) struct PipelineParams {
    by_value: Vec<(String, Option<String>)>,
    by_property: Vec<(String, Vec<String>, Option<String>)>,
}

fn attr<'a>(attrs: &'a [Attribute], name: &str) -> Option<&'a Attribute> {
    attrs.iter().find(|a| {
        let n = a.name.to_lowercase();
        n == name || n.strip_suffix("attribute") == Some(name)
    })
}

/// `[Parameter(...)]` argument `key` (e.g. Mandatory, Position), unevaluated.
fn parameter_arg<'a>(p: &'a Parameter, key: &str) -> Option<&'a crate::syntax::ast::Expr> {
    attr(&p.attributes, "parameter").and_then(|a| {
        a.args
            .iter()
            .find(|(k, _)| k.as_deref().is_some_and(|k| k.eq_ignore_ascii_case(key)))
            .map(|(_, e)| e)
    })
}

fn is_switch(p: &Parameter) -> bool {
    p.type_name.as_deref().is_some_and(|t| {
        let t = operators::short_type(t);
        t == "switch" || t == "management.automation.switchparameter"
    })
}

/// The name a parameter is bound under (without `$`), as written.
fn pname(p: &Parameter) -> &str {
    &p.name.name
}

/// `mailsec run FILE.ps1 -Name x y`: `-Name` becomes a named argument, the rest positional.
pub(super) fn script_args_to_args(args: &[Value]) -> Vec<Arg> {
    args.iter()
        .map(|v| {
            let s = text(v);
            match s.strip_prefix('-') {
                Some(name) if name.starts_with(|c: char| c.is_alphabetic()) => {
                    match name.split_once(':') {
                        Some((n, value)) => Arg::Param {
                            name: n.to_string(),
                            span: Span::default(),
                            value: Some((Value::String(value.to_string()), Span::default())),
                        },
                        None => Arg::Param {
                            name: name.to_string(),
                            span: Span::default(),
                            value: None,
                        },
                    }
                }
                _ => Arg::Value(v.clone(), Span::default()),
            }
        })
        .collect()
}

impl Evaluator<'_> {
    /// A script block as a value (the same block is always the same value).
    pub(super) fn block_value(&mut self, b: &Arc<ScriptBlock>) -> Value {
        let key = Arc::as_ptr(b) as usize;
        let id = match self.block_ids.get(&key) {
            Some(id) => *id,
            None => {
                self.blocks.push(b.clone());
                let id = self.blocks.len() - 1;
                self.block_ids.insert(key, id);
                id
            }
        };
        Value::Object(Object {
            type_name: SCRIPTBLOCK.to_string(),
            props: vec![
                ("Id".into(), Value::Int(id as i64)),
                ("Ast".into(), Value::String(b.text.clone())),
            ]
            .into(),
            default_columns: Vec::new(),
        })
    }

    /// The parsed block behind a script block value.
    pub(super) fn block_of(&self, v: &Value) -> Option<Arc<ScriptBlock>> {
        let Value::Object(o) = v else { return None };
        if o.type_name != SCRIPTBLOCK {
            return None;
        }
        match o.get("Id") {
            Some(Value::Int(i)) => usize::try_from(i)
                .ok()
                .and_then(|i| self.blocks.get(i).cloned()),
            _ => None,
        }
    }

    /// Run statements as a body: `return` ends it.
    fn body(&mut self, script: &Script, out: &mut Vec<Value>, io: &mut Io) -> Eval<()> {
        match self.exec_list(&script.statements, out, false, io) {
            Err(Flow::Return) => Ok(()),
            other => other,
        }
    }

    /// Run a block's statements in the current scope (ForEach-Object, Where-Object, switch
    /// conditions: `$_` is already set). `return` ends the block.
    pub(super) fn run_block_here(&mut self, block: &ScriptBlock, io: &mut Io) -> Eval<Vec<Value>> {
        let mut out = Vec::new();
        if let Some(s) = block.process.as_ref().or(block.end.as_ref()) {
            self.body(s, &mut out, io)?;
        }
        Ok(out)
    }

    fn enter_scope(&mut self, span: Span) -> Result<(), RuntimeError> {
        if self.call_depth >= MAX_CALL_DEPTH {
            return Err(RuntimeError::new(
                format!("The script failed due to call depth overflow (more than {MAX_CALL_DEPTH} nested calls)."),
                span,
            )
            .help("a function or script block calls itself without end: check the recursion's stop condition")
            .terminating());
        }
        self.call_depth += 1;
        self.scopes.push(Scope::default());
        Ok(())
    }

    fn leave_scope(&mut self) {
        self.call_depth = self.call_depth.saturating_sub(1);
        if self.scopes.len() > 1 {
            self.scopes.pop();
        }
    }

    /// `& { ... } args` (new scope) or `. { ... } args` (the current scope).
    pub(super) fn invoke_block(
        &mut self,
        block: &ScriptBlock,
        args: Vec<Arg>,
        input: Option<Vec<Value>>,
        new_scope: bool,
        span: Span,
        io: &mut Io,
    ) -> Eval<Vec<Value>> {
        if new_scope {
            self.enter_scope(span)?;
        } else if self.call_depth >= MAX_CALL_DEPTH {
            return Err(
                RuntimeError::new("The script failed due to call depth overflow.", span)
                    .terminating()
                    .into(),
            );
        } else {
            self.call_depth += 1;
        }
        let result = self.run_callable(block, false, args, input, span, io);
        if new_scope {
            self.leave_scope();
        } else {
            self.call_depth = self.call_depth.saturating_sub(1);
        }
        result
    }

    /// Call a user-defined function (in a scope of its own).
    pub(super) fn call_function(
        &mut self,
        f: &FunctionDef,
        args: Vec<Arg>,
        input: Option<Vec<Value>>,
        span: Span,
        io: &mut Io,
    ) -> Eval<Vec<Value>> {
        self.enter_scope(span)?;
        let block = f.body.clone();
        let result = self.run_callable(&block, f.filter, args, input, span, io);
        self.leave_scope();
        result
    }

    /// Bind and run a function or script block body in the scope already chosen.
    fn run_callable(
        &mut self,
        block: &ScriptBlock,
        filter: bool,
        args: Vec<Arg>,
        input: Option<Vec<Value>>,
        span: Span,
        io: &mut Io,
    ) -> Eval<Vec<Value>> {
        let pipeline = self.bind_params(
            &block.params,
            &block.attributes,
            args,
            input.is_some(),
            span,
            io,
        )?;
        let mut out = Vec::new();
        let per_item = filter || block.process.is_some();
        if per_item {
            if let Some(b) = &block.begin {
                self.body(b, &mut out, io)?;
            }
            let process = if filter {
                block.process.as_ref().or(block.end.as_ref())
            } else {
                block.process.as_ref()
            };
            match input {
                Some(items) => {
                    for item in items {
                        self.set_local("_", item.clone());
                        self.bind_input(&block.params, &pipeline, &item, span)?;
                        if let Some(p) = process {
                            self.body(p, &mut out, io)?;
                        }
                    }
                }
                None => {
                    if let Some(p) = process {
                        self.body(p, &mut out, io)?;
                    }
                }
            }
            if !filter {
                if let Some(e) = &block.end {
                    self.body(e, &mut out, io)?;
                }
            }
        } else {
            let items = input.unwrap_or_default();
            if let Some(last) = items.last() {
                // without a process block, pipeline parameters get the last object
                self.bind_input(&block.params, &pipeline, last, span)?;
            }
            self.set_local("input", Value::array(items));
            if let Some(b) = &block.begin {
                self.body(b, &mut out, io)?;
            }
            if let Some(e) = &block.end {
                self.body(e, &mut out, io)?;
            }
        }
        Ok(out)
    }

    fn attr_flag(&mut self, p: &Parameter, key: &str, io: &mut Io) -> Eval<bool> {
        match parameter_arg(p, key) {
            Some(e) => {
                let e = e.clone();
                Ok(super::truthy(&self.expr(&e, io)?))
            }
            None => Ok(false),
        }
    }

    fn param_type_default(p: &Parameter) -> Value {
        if is_switch(p) {
            return Value::Bool(false);
        }
        match p.type_name.as_deref().map(operators::short_type).as_deref() {
            Some("string") => Value::String(String::new()),
            Some("int" | "int32" | "int64" | "long" | "uint32" | "byte" | "int16") => Value::Int(0),
            Some("double" | "float" | "decimal" | "single") => Value::Double(0.0),
            Some("bool" | "boolean") => Value::Bool(false),
            _ => Value::Null,
        }
    }

    /// Convert and check a value for parameter `p`.
    fn param_value(&mut self, p: &Parameter, v: Value, span: Span, io: &mut Io) -> Eval<Value> {
        let name = pname(p).to_string();
        let v = match &p.type_name {
            Some(t) if is_switch(p) => {
                let _ = t;
                Value::Bool(v.is_truthy())
            }
            Some(t) => operators::cast(t, v, span).map_err(|e| {
                RuntimeError::new(
                    format!(
                        "Cannot process argument transformation on parameter '{name}'. {}",
                        e.message
                    ),
                    span,
                )
                .help(format!("pass a value of type [{t}] to -{name}"))
            })?,
            None => v,
        };
        self.validate(p, &v, span, io)?;
        Ok(v)
    }

    /// `[ValidateSet]`, `[ValidateNotNull]`, `[ValidateNotNullOrEmpty]`, `[ValidateRange]`,
    /// `[ValidatePattern]`, `[ValidateScript]`, `[ValidateLength]`, `[ValidateCount]`.
    fn validate(&mut self, p: &Parameter, v: &Value, span: Span, io: &mut Io) -> Eval<()> {
        let name = pname(p).to_string();
        let fail = |why: String| -> Flow {
            RuntimeError::new(
                format!("Cannot validate argument on parameter '{name}'. {why}"),
                span,
            )
            .into()
        };
        for a in p.attributes.clone() {
            let an = a.name.to_lowercase();
            let an = an.strip_suffix("attribute").unwrap_or(&an).to_string();
            let mut args = Vec::new();
            for (k, e) in &a.args {
                if k.is_none() {
                    args.push(self.expr(e, io)?);
                }
            }
            let items = super::unroll(v.clone());
            match an.as_str() {
                "validateset" => {
                    let allowed: Vec<String> = args.iter().flat_map(|x| super::unroll(x.clone())).map(|x| text(&x)).collect();
                    for i in &items {
                        let t = text(i);
                        if !allowed.iter().any(|x| x.eq_ignore_ascii_case(&t)) {
                            return Err(fail(format!(
                                "The argument \"{t}\" does not belong to the set \"{}\" specified by the ValidateSet attribute. Supply an argument that is in the set and then try the command again.",
                                allowed.join(",")
                            )));
                        }
                    }
                }
                "validatenotnull" if matches!(v, Value::Null) => {
                    return Err(fail("The argument is null. Provide a valid value for the argument, and then try running the command again.".into()))
                }
                "validatenotnullorempty" => {
                    let empty = match v {
                        Value::Null => true,
                        Value::String(s) => s.is_empty(),
                        Value::Array(a) => a.is_empty(),
                        _ => false,
                    };
                    if empty {
                        return Err(fail("The argument is null or empty. Provide an argument that is not null or empty, and then try the command again.".into()));
                    }
                }
                "validaterange" if args.len() == 2 => {
                    for i in &items {
                        let lo = operators::binary("-lt", i.clone(), args[0].clone(), span)?.value;
                        let hi = operators::binary("-gt", i.clone(), args[1].clone(), span)?.value;
                        if lo.is_truthy() || hi.is_truthy() {
                            return Err(fail(format!(
                                "The {} argument is not in the range {}..{}. Supply an argument that is within that range.",
                                text(i), text(&args[0]), text(&args[1])
                            )));
                        }
                    }
                }
                "validatepattern" if !args.is_empty() => {
                    let re = operators::regex(&text(&args[0]), false, span)?;
                    for i in &items {
                        let t = text(i);
                        if !re.is_match(&t).map_err(|e| RuntimeError::new(e, span))? {
                            return Err(fail(format!(
                                "The argument \"{t}\" does not match the \"{}\" pattern. Supply an argument that matches the pattern and try again.",
                                text(&args[0])
                            )));
                        }
                    }
                }
                "validatelength" if args.len() == 2 => {
                    for i in &items {
                        let n = text(i).chars().count() as i64;
                        let (lo, hi) = (
                            operators::cast("long", args[0].clone(), span)?,
                            operators::cast("long", args[1].clone(), span)?,
                        );
                        if let (Value::Int(lo), Value::Int(hi)) = (lo, hi) {
                            if n < lo || n > hi {
                                return Err(fail(format!("The character length ({n}) of the argument is outside the range {lo}..{hi}.")));
                            }
                        }
                    }
                }
                "validatecount" if args.len() == 2 => {
                    let n = items.len() as i64;
                    if let (Value::Int(lo), Value::Int(hi)) = (
                        operators::cast("long", args[0].clone(), span)?,
                        operators::cast("long", args[1].clone(), span)?,
                    ) {
                        if n < lo || n > hi {
                            return Err(fail(format!("The parameter requires at least {lo} value(s) and no more than {hi} value(s); {n} were supplied.")));
                        }
                    }
                }
                "validatescript" => {
                    if let Some(block) = args.first().and_then(|b| self.block_of(b)) {
                        for i in &items {
                            let saved = self.swap_dollar_underscore(Some(i.clone()));
                            let r = self.run_block_here(&block, io);
                            self.swap_dollar_underscore(saved);
                            if !super::truthy(&collapse(r?)) {
                                return Err(fail(format!(
                                    "The \"{}\" validation script for the argument with value \"{}\" did not return a result of True.",
                                    block.text.trim(),
                                    text(i)
                                )));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Bind `args` to `params` and set them (and `$args`, `$PSBoundParameters`) in the current
    /// scope; the pipeline parameters are returned for binding each input object.
    pub(super) fn bind_params(
        &mut self,
        params: &[Parameter],
        attributes: &[Attribute],
        args: Vec<Arg>,
        has_input: bool,
        span: Span,
        io: &mut Io,
    ) -> Eval<PipelineParams> {
        let advanced = attr(attributes, "cmdletbinding").is_some()
            || params
                .iter()
                .any(|p| attr(&p.attributes, "parameter").is_some());
        let mut bound: Vec<(usize, Value, Span)> = Vec::new();
        let mut extra: Vec<Value> = Vec::new();
        let mut positional: Vec<(Value, Span)> = Vec::new();
        let aliases: Vec<Vec<String>> = params
            .iter()
            .map(|p| {
                let mut names = Vec::new();
                if let Some(a) = attr(&p.attributes, "alias") {
                    for (k, e) in &a.args {
                        if k.is_none() {
                            names.push(e.clone());
                        }
                    }
                }
                names
            })
            .map(|exprs| {
                exprs
                    .iter()
                    .flat_map(|e| match e {
                        crate::syntax::ast::Expr::SingleQuoted(s, _)
                        | crate::syntax::ast::Expr::Bareword(s, _) => vec![s.clone()],
                        crate::syntax::ast::Expr::Array(items, _) => items
                            .iter()
                            .filter_map(|i| match i {
                                crate::syntax::ast::Expr::SingleQuoted(s, _) => Some(s.clone()),
                                _ => None,
                            })
                            .collect(),
                        _ => Vec::new(),
                    })
                    .collect()
            })
            .collect();
        let mut it = args.into_iter().peekable();
        while let Some(arg) = it.next() {
            match arg {
                Arg::Value(v, s) => positional.push((v, s)),
                Arg::Param {
                    name,
                    span: pspan,
                    value,
                } => {
                    let lname = name.to_lowercase();
                    let exact = params
                        .iter()
                        .position(|p| pname(p).eq_ignore_ascii_case(&name));
                    let by_alias = || {
                        aliases
                            .iter()
                            .position(|a| a.iter().any(|x| x.eq_ignore_ascii_case(&name)))
                    };
                    let found = match exact.or_else(by_alias) {
                        Some(i) => Some(i),
                        None => {
                            let prefixed: Vec<usize> = params
                                .iter()
                                .enumerate()
                                .filter(|(_, p)| pname(p).to_lowercase().starts_with(&lname))
                                .map(|(i, _)| i)
                                .collect();
                            match prefixed.as_slice() {
                                [one] => Some(*one),
                                [] => None,
                                many => {
                                    return Err(RuntimeError::new(
                                        format!(
                                            "Parameter cannot be processed because the parameter name '{name}' is ambiguous. Possible matches include: {}.",
                                            many.iter().map(|i| format!("-{}", pname(&params[*i]))).collect::<Vec<_>>().join(" ")
                                        ),
                                        pspan,
                                    )
                                    .help("type more of the parameter name")
                                    .into())
                                }
                            }
                        }
                    };
                    let Some(i) = found else {
                        let common = COMMON.iter().find(|(c, al)| {
                            c.to_lowercase().starts_with(&lname)
                                || al.iter().any(|a| a.eq_ignore_ascii_case(&name))
                        });
                        if let (true, Some((c, _))) = (advanced, common) {
                            let switch = matches!(*c, "Verbose" | "Debug" | "WhatIf" | "Confirm");
                            let v = match value {
                                Some((v, _)) => v,
                                None if switch => Value::Bool(true),
                                None => match it.peek() {
                                    Some(Arg::Value(..)) => match it.next() {
                                        Some(Arg::Value(v, _)) => v,
                                        _ => Value::Null,
                                    },
                                    _ => {
                                        return Err(RuntimeError::new(
                                            format!("Missing an argument for parameter '{c}'."),
                                            pspan,
                                        )
                                        .help(format!("put a value after -{c}"))
                                        .into())
                                    }
                                },
                            };
                            match *c {
                                "ErrorAction" => self.set_local("erroractionpreference", v),
                                "WarningAction" => self.set_local("warningpreference", v),
                                _ => {}
                            }
                            continue;
                        }
                        if !advanced {
                            // a simple function gets unknown parameters in $args
                            extra.push(Value::String(format!("-{name}")));
                            if let Some((v, _)) = value {
                                extra.push(v);
                            }
                            continue;
                        }
                        return Err(RuntimeError::new(
                            format!(
                                "A parameter cannot be found that matches parameter name '{name}'."
                            ),
                            pspan,
                        )
                        .help(format!(
                            "this function's parameters: {}",
                            params
                                .iter()
                                .map(|p| format!("-{}", pname(p)))
                                .collect::<Vec<_>>()
                                .join(" ")
                        ))
                        .into());
                    };
                    let p = &params[i];
                    if bound.iter().any(|(j, _, _)| *j == i) {
                        return Err(RuntimeError::new(
                            format!("Cannot bind parameter because parameter '{}' is specified more than once.", pname(p)),
                            pspan,
                        )
                        .help("give each parameter once; to pass several values use a list: -P a,b")
                        .into());
                    }
                    let (v, vspan) = match value {
                        Some(v) => v,
                        None if is_switch(p) => (Value::Bool(true), pspan),
                        None => match it.peek() {
                            Some(Arg::Value(..)) => match it.next() {
                                Some(Arg::Value(v, s)) => (v, s),
                                _ => (Value::Null, pspan),
                            },
                            _ => {
                                return Err(RuntimeError::new(
                                    format!(
                                        "Missing an argument for parameter '{}'. Specify a parameter of type '{}' and try again.",
                                        pname(p),
                                        p.type_name.as_deref().unwrap_or("System.Object")
                                    ),
                                    pspan,
                                )
                                .help(format!("put a value after -{}", pname(p)))
                                .into())
                            }
                        },
                    };
                    bound.push((i, v, vspan));
                }
            }
        }
        // positional: parameters with Position in that order; if none has one, all in
        // declaration order (switches never bind by position)
        let mut slots: Vec<(i64, usize)> = Vec::new();
        let any_position = params
            .iter()
            .any(|p| parameter_arg(p, "Position").is_some());
        for (i, p) in params.iter().enumerate() {
            if is_switch(p) || bound.iter().any(|(j, _, _)| *j == i) {
                continue;
            }
            match parameter_arg(p, "Position") {
                Some(e) => {
                    let e = e.clone();
                    let pos = match operators::cast("long", self.expr(&e, io)?, span) {
                        Ok(Value::Int(n)) => n,
                        _ => i as i64,
                    };
                    slots.push((pos, i));
                }
                None if !any_position => slots.push((i as i64, i)),
                None => {}
            }
        }
        slots.sort();
        let mut slots = slots.into_iter();
        for (v, s) in positional {
            match slots.next() {
                Some((_, i)) => bound.push((i, v, s)),
                None if !advanced => extra.push(v),
                None => {
                    return Err(RuntimeError::new(
                        format!(
                            "A positional parameter cannot be found that accepts argument '{}'.",
                            text(&v)
                        ),
                        s,
                    )
                    .help("name the parameter (-Name value)")
                    .into())
                }
            }
        }
        // pipeline parameters
        let mut pipeline = PipelineParams {
            by_value: Vec::new(),
            by_property: Vec::new(),
        };
        for (i, p) in params.iter().enumerate() {
            if bound.iter().any(|(j, _, _)| *j == i) {
                continue;
            }
            if self.attr_flag(p, "ValueFromPipeline", io)? {
                pipeline
                    .by_value
                    .push((pname(p).to_string(), p.type_name.clone()));
            } else if self.attr_flag(p, "ValueFromPipelineByPropertyName", io)? {
                let mut names = vec![pname(p).to_string()];
                names.extend(aliases[i].iter().cloned());
                pipeline
                    .by_property
                    .push((pname(p).to_string(), names, p.type_name.clone()));
            }
        }
        // set the bound ones, then defaults (which may use earlier parameters)
        let mut psbound = Vec::new();
        for (i, v, s) in bound.iter().cloned() {
            let p = &params[i];
            let v = self.param_value(p, v, s, io)?;
            psbound.push((pname(p).to_string(), v.clone()));
            self.set_local(&super::var_key(pname(p)), v);
        }
        let mut missing = Vec::new();
        for (i, p) in params.iter().enumerate() {
            if bound.iter().any(|(j, _, _)| *j == i) {
                continue;
            }
            let from_pipeline = has_input
                && (pipeline.by_value.iter().any(|(n, _)| n == pname(p))
                    || pipeline.by_property.iter().any(|(n, _, _)| n == pname(p)));
            if self.attr_flag(p, "Mandatory", io)? && !from_pipeline {
                missing.push(pname(p).to_string());
                continue;
            }
            let v = match &p.default {
                Some(d) => {
                    let v = self.expr(d, io)?;
                    match &p.type_name {
                        Some(t) if !is_switch(p) => operators::cast(t, v, d.span())?,
                        _ => v,
                    }
                }
                None => Self::param_type_default(p),
            };
            self.set_local(&super::var_key(pname(p)), v);
        }
        if !missing.is_empty() {
            return Err(RuntimeError::new(
                format!(
                    "Cannot process command because of one or more missing mandatory parameters: {}.",
                    missing.join(" ")
                ),
                span,
            )
            .help(format!(
                "add {}",
                missing.iter().map(|m| format!("-{m} <value>")).collect::<Vec<_>>().join(" ")
            ))
            .into());
        }
        for p in params {
            if let Some(t) = &p.type_name {
                if !is_switch(p) {
                    let idx = self.scopes.len() - 1;
                    if let Some(scope) = self.scopes.get_mut(idx) {
                        scope.types.insert(super::var_key(pname(p)), t.clone());
                    }
                }
            }
        }
        self.set_local("args", Value::array(extra));
        self.set_local("psboundparameters", Value::hashtable(psbound));
        Ok(pipeline)
    }

    /// Bind one pipeline object to the pipeline parameters.
    fn bind_input(
        &mut self,
        params: &[Parameter],
        pipeline: &PipelineParams,
        item: &Value,
        span: Span,
    ) -> Eval<()> {
        let mut psbound = match self.var("psboundparameters") {
            Value::Hashtable(h) => h.into_inner(),
            _ => Vec::new(),
        };
        let mut set = |this: &mut Self, name: &str, t: &Option<String>, v: Value| -> Eval<()> {
            let v = match t {
                Some(t) => operators::cast(t, v, span)?,
                None => v,
            };
            match psbound
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
            {
                Some((_, slot)) => *slot = v.clone(),
                None => psbound.push((name.to_string(), v.clone())),
            }
            this.set_local(&super::var_key(name), v);
            Ok(())
        };
        for (name, t) in &pipeline.by_value {
            set(self, name, t, item.clone())?;
        }
        for (name, names, t) in &pipeline.by_property {
            if let Some(v) = names
                .iter()
                .find_map(|n| item.property(n).map(|v| v.into_owned()))
            {
                set(self, name, t, v)?;
            } else if params
                .iter()
                .find(|p| pname(p) == name)
                .and_then(|p| parameter_arg(p, "Mandatory"))
                .is_some()
            {
                return Err(RuntimeError::new(
                    format!("The input object has no property '{name}' for the mandatory parameter '{name}'."),
                    span,
                )
                .help(format!("pipe objects that have a {name} property, or pass -{name} explicitly"))
                .into());
            }
        }
        self.set_local("psboundparameters", Value::hashtable(psbound));
        Ok(())
    }
}
