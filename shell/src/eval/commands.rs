//! Running a command: argument evaluation and splatting, the `&`/`.` call operators, user
//! functions, the script-block commands (`ForEach-Object`, `Where-Object`, `Sort-Object`), the
//! built-ins, and the cmdlets (pipeline binding, -WhatIf/-Confirm, errors by -ErrorAction).

use mailsec_cmdlets::{Bound, ConfirmImpact, Context, Message, Value};

use super::control::{Eval, Flow};
use super::operators::{self, text};
use super::{builtins, collapse, member_of, truthy, unroll, Evaluator, Io, RuntimeError};
use crate::binder::{bind_with_input, Arg, Binding, Common};
use crate::syntax::ast::{Command, CommandArg, Expr, Span};

/// Where-Object's comparison switches (besides -Not).
const WHERE_OPS: &[&str] = &[
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "like",
    "notlike",
    "match",
    "notmatch",
    "contains",
    "notcontains",
    "in",
    "notin",
];

/// `-Name` matches `param` by unique prefix (the caller checks ambiguity where it matters).
fn is_param(name: &str, param: &str) -> bool {
    !name.is_empty() && param.to_lowercase().starts_with(&name.to_lowercase())
}

impl Evaluator<'_> {
    pub(super) fn command(
        &mut self,
        c: &Command,
        input: Option<Vec<Value>>,
        io: &mut Io,
    ) -> Eval<Vec<Value>> {
        let args = self.command_args(c, io)?;
        self.dispatch(&c.name, c, args, input, io)
    }

    /// Evaluate the arguments; `@splat` becomes named (hashtable) or positional (array) ones.
    fn command_args(&mut self, c: &Command, io: &mut Io) -> Eval<Vec<Arg>> {
        let mut args = Vec::new();
        for a in &c.args {
            match a {
                CommandArg::Parameter {
                    name,
                    span,
                    colon_value,
                } => {
                    let value = match colon_value {
                        Some(e) => Some((self.expr(e, io)?, e.span())),
                        None => None,
                    };
                    args.push(Arg::Param {
                        name: name.clone(),
                        span: *span,
                        value,
                    });
                }
                CommandArg::Value(Expr::Splat(v)) => match self.var(&v.name) {
                    Value::Hashtable(entries) => {
                        for (k, value) in entries.snapshot() {
                            args.push(Arg::Param {
                                name: k,
                                span: v.span,
                                value: Some((value, v.span)),
                            });
                        }
                    }
                    Value::Null => {}
                    other => {
                        for value in unroll(other) {
                            args.push(Arg::Value(value, v.span));
                        }
                    }
                },
                CommandArg::Value(e) => args.push(Arg::Value(self.expr(e, io)?, e.span())),
            }
        }
        Ok(args)
    }

    /// Script block values become their text for commands that cannot run them.
    fn plain_args(&self, args: Vec<Arg>) -> Vec<Arg> {
        let plain = |v: Value| match self.block_of(&v) {
            Some(b) => Value::String(b.text.clone()),
            None => v,
        };
        args.into_iter()
            .map(|a| match a {
                Arg::Value(v, s) => Arg::Value(plain(v), s),
                Arg::Param { name, span, value } => Arg::Param {
                    name,
                    span,
                    value: value.map(|(v, s)| (plain(v), s)),
                },
            })
            .collect()
    }

    fn dispatch(
        &mut self,
        name: &str,
        c: &Command,
        args: Vec<Arg>,
        input: Option<Vec<Value>>,
        io: &mut Io,
    ) -> Eval<Vec<Value>> {
        if name == "&" || name == "." {
            return self.call_operator(name, c, args, input, io);
        }
        let lname = name.to_lowercase();
        if let Some(f) = self.functions.get(&lname).cloned() {
            return self.call_function(&f, args, input, c.name_span, io);
        }
        match lname.as_str() {
            "foreach-object" | "%" | "foreach" => return self.foreach_object(c, args, input, io),
            "where-object" | "where" | "?" => return self.where_object(c, args, input, io),
            "sort-object" | "sort" if self.has_block(&args) => {
                return self.sort_object(c, args, input, io)
            }
            "select-object" | "select" if self.has_block(&args) => {
                return self.select_object(c, args, input, io)
            }
            _ => {}
        }
        let args = self.plain_args(args);
        if let Some(result) = self.evaluator_builtin(name, c.span, &args, input.as_deref(), io) {
            return result.map_err(Flow::from);
        }
        if let Some(result) =
            builtins::run(name, c.span, &args, input.as_deref(), io, &self.base_dir)
        {
            return result.map_err(Flow::from);
        }
        if matches!(lname.as_str(), "sort-object" | "sort") {
            return self.sort_object(c, args, input, io);
        }
        self.cmdlet(name, c, args, input, io)
    }

    fn has_block(&self, args: &[Arg]) -> bool {
        args.iter().any(|a| match a {
            Arg::Value(v, _) | Arg::Param { value: Some((v, _)), .. } => {
                unroll(v.clone()).iter().any(|x| {
                    self.block_of(x).is_some()
                        || matches!(x, Value::Hashtable(h) if h.read().iter().any(|(k, _)| is_param(k, "expression")))
                })
            }
            _ => false,
        })
    }

    /// `& { } args`, `& $block`, `& 'Get-Mailbox' args`, `. { }`.
    fn call_operator(
        &mut self,
        op: &str,
        c: &Command,
        args: Vec<Arg>,
        input: Option<Vec<Value>>,
        io: &mut Io,
    ) -> Eval<Vec<Value>> {
        let mut it = args.into_iter();
        let (target, span) = match it.next() {
            Some(Arg::Value(v, s)) => (v, s),
            Some(Arg::Param { name, span, .. }) => (Value::String(format!("-{name}")), span),
            None => {
                return Err(RuntimeError::new(
                    format!("Missing what to run after '{op}'."),
                    c.name_span,
                )
                .help(format!(
                    "write {op} {{ ... }}, {op} $block or {op} 'Command-Name'"
                ))
                .into())
            }
        };
        let rest: Vec<Arg> = it.collect();
        if let Some(block) = self.block_of(&target) {
            return self.invoke_block(&block, rest, input, op == "&", span, io);
        }
        match target {
            Value::String(name) => {
                if name.contains(['/', '\\']) || name.to_lowercase().ends_with(".ps1") {
                    return Err(RuntimeError::new(
                        format!("Running script files ('{name}') is not supported in mailsec."),
                        span,
                    )
                    .help("put the script's commands in this script, or define them as a function and call it by name")
                    .into());
                }
                self.dispatch(&name, c, rest, input, io)
            }
            other => Err(RuntimeError::new(
                format!(
                    "The expression after '{op}' in a pipeline element produced an object that was not valid. It must result in a command name or a script block, not {}.",
                    other.type_name()
                ),
                span,
            )
            .help("put a script block ({ ... }) or a command name in the variable")
            .into()),
        }
    }

    /// The value of a named argument given as `-Name value` or `-Name:value`.
    fn take_value(
        name: &str,
        span: Span,
        value: Option<(Value, Span)>,
        it: &mut std::iter::Peekable<std::vec::IntoIter<Arg>>,
        command: &str,
    ) -> Result<(Value, Span), RuntimeError> {
        if let Some(v) = value {
            return Ok(v);
        }
        match it.peek() {
            Some(Arg::Value(..)) => match it.next() {
                Some(Arg::Value(v, s)) => Ok((v, s)),
                _ => Err(RuntimeError::new("Missing an argument.", span)),
            },
            _ => Err(RuntimeError::new(
                format!("Missing an argument for parameter '{name}'."),
                span,
            )
            .help(format!("put a value after -{name} ({command})"))),
        }
    }

    fn unknown_param(command: &str, name: &str, span: Span, known: &str) -> Flow {
        RuntimeError::new(
            format!("A parameter cannot be found that matches parameter name '{name}'."),
            span,
        )
        .help(format!("{command} takes {known}"))
        .into()
    }

    /// Run `block` with `$_` = `item` in the current scope.
    fn with_item(
        &mut self,
        block: &crate::syntax::ast::ScriptBlock,
        item: Value,
        io: &mut Io,
    ) -> Eval<Vec<Value>> {
        let saved = self.swap_dollar_underscore(Some(item));
        let r = self.run_block_here(block, io);
        self.swap_dollar_underscore(saved);
        r
    }

    /// `ForEach-Object { ... }`, `-Begin/-Process/-End`, `ForEach-Object Name` (member name).
    fn foreach_object(
        &mut self,
        _c: &Command,
        args: Vec<Arg>,
        input: Option<Vec<Value>>,
        io: &mut Io,
    ) -> Eval<Vec<Value>> {
        const KNOWN: &str =
            "a script block, -Process, -Begin, -End, -MemberName, -ArgumentList or -InputObject";
        let mut begin = None;
        let mut process = Vec::new();
        let mut end = None;
        let mut positional_blocks = Vec::new();
        let mut member: Option<(String, Span)> = None;
        let mut member_args: Vec<Value> = Vec::new();
        let mut input = input;
        let mut it = args.into_iter().peekable();
        while let Some(a) = it.next() {
            match a {
                Arg::Value(v, s) => match self.block_of(&v) {
                    Some(b) => positional_blocks.push(b),
                    None if member.is_none() => member = Some((text(&v), s)),
                    None => member_args.extend(unroll(v)),
                },
                Arg::Param { name, span, value } => {
                    let n = name.to_lowercase();
                    let (v, vspan) =
                        Self::take_value(&name, span, value, &mut it, "ForEach-Object")?;
                    let blocks = || -> Result<Vec<_>, RuntimeError> {
                        unroll(v.clone())
                            .iter()
                            .map(|x| {
                                self.block_of(x).ok_or_else(|| {
                                    RuntimeError::new(
                                        format!("-{name} needs a script block, like {{ $_.Name }}"),
                                        vspan,
                                    )
                                })
                            })
                            .collect()
                    };
                    if is_param(&n, "process") {
                        process.extend(blocks()?);
                    } else if is_param(&n, "begin") {
                        begin = blocks()?.into_iter().next();
                    } else if is_param(&n, "end") {
                        end = blocks()?.into_iter().next();
                    } else if is_param(&n, "membername") {
                        member = Some((text(&v), vspan));
                    } else if is_param(&n, "argumentlist") || n == "args" {
                        member_args.extend(unroll(v));
                    } else if is_param(&n, "inputobject") {
                        input = Some(vec![v]);
                    } else if matches!(n.as_str(), "ea" | "erroraction" | "wa" | "warningaction") {
                    } else {
                        return Err(Self::unknown_param("ForEach-Object", &name, span, KNOWN));
                    }
                }
            }
        }
        match positional_blocks.len() {
            0 => {}
            1 => process.extend(positional_blocks),
            2 if begin.is_none() => {
                let mut b = positional_blocks.into_iter();
                begin = b.next();
                process.extend(b);
            }
            _ if begin.is_none() && end.is_none() => {
                let mut b = positional_blocks;
                end = b.pop();
                begin = Some(b.remove(0));
                process.extend(b);
            }
            _ => process.extend(positional_blocks),
        }
        let mut out = Vec::new();
        if let Some(b) = &begin {
            out.extend(self.run_block_here(b, io)?);
        }
        let items = input.unwrap_or_else(|| vec![Value::Null]);
        if let Some((m, span)) = &member {
            if !process.is_empty() {
                return Err(RuntimeError::new(
                    "ForEach-Object takes a script block or a member name, not both.",
                    *span,
                )
                .help("write ForEach-Object { $_.Name } or ForEach-Object Name")
                .into());
            }
            for item in items {
                let prop = item.property(m).is_some()
                    || matches!(
                        (&item, m.to_lowercase().as_str()),
                        (
                            Value::Array(_) | Value::String(_) | Value::Bytes(_),
                            "count" | "length"
                        )
                    );
                if prop && member_args.is_empty() {
                    out.extend(unroll(member_of(&item, m)));
                } else {
                    let r = self.call_method(item, m, member_args.clone(), *span, io)?;
                    out.extend(unroll(r));
                }
            }
        } else {
            for item in items {
                for b in &process {
                    out.extend(self.with_item(b, item.clone(), io)?);
                }
            }
        }
        if let Some(b) = &end {
            out.extend(self.run_block_here(b, io)?);
        }
        Ok(out)
    }

    /// `Where-Object { ... }` / `-FilterScript`, and the simplified forms
    /// `Where-Object Name -eq x`, `Where-Object -Property Name -Value x`, `Where-Object Enabled`.
    fn where_object(
        &mut self,
        c: &Command,
        args: Vec<Arg>,
        input: Option<Vec<Value>>,
        io: &mut Io,
    ) -> Eval<Vec<Value>> {
        const KNOWN: &str = "a script block, or -Property NAME with -EQ/-NE/-GT/-GE/-LT/-LE/-Like/-NotLike/-Match/-NotMatch/-Contains/-NotContains/-In/-NotIn/-Is/-IsNot/-Not (c- variants too) and -Value";
        let mut filter = None;
        let mut property: Option<String> = None;
        let mut value: Option<Value> = None;
        let mut op: Option<String> = None;
        let mut not = false;
        let mut input = input;
        let mut it = args.into_iter().peekable();
        while let Some(a) = it.next() {
            match a {
                Arg::Value(v, s) => match self.block_of(&v) {
                    Some(b) if filter.is_none() => filter = Some(b),
                    Some(_) => {
                        return Err(RuntimeError::new("Where-Object takes one script block.", s)
                            .help(
                                "join the conditions in one block: Where-Object { $_.A -and $_.B }",
                            )
                            .into())
                    }
                    None if property.is_none() => property = Some(text(&v)),
                    None if value.is_none() => value = Some(v),
                    None => return Err(RuntimeError::new(
                        format!(
                            "A positional parameter cannot be found that accepts argument '{}'.",
                            text(&v)
                        ),
                        s,
                    )
                    .help(
                        "write Where-Object Name -eq value, or Where-Object { $_.Name -eq value }",
                    )
                    .into()),
                },
                Arg::Param {
                    name,
                    span,
                    value: v,
                } => {
                    let n = name.to_lowercase();
                    let base = n
                        .strip_prefix('c')
                        .filter(|b| WHERE_OPS.contains(b) || *b == "is")
                        .unwrap_or(&n);
                    if WHERE_OPS.contains(&base) || n == "is" || n == "isnot" {
                        if op.is_some() {
                            return Err(RuntimeError::new(
                                "Where-Object takes one comparison operator.",
                                span,
                            )
                            .into());
                        }
                        op = Some(format!("-{n}"));
                        if let Some((x, _)) = v {
                            if !matches!(x, Value::Bool(_)) {
                                value = Some(x);
                            }
                        }
                        continue;
                    }
                    if n == "not" {
                        not = true;
                        continue;
                    }
                    let (x, _) = Self::take_value(&name, span, v, &mut it, "Where-Object")?;
                    if is_param(&n, "filterscript") {
                        filter = self.block_of(&x);
                        if filter.is_none() {
                            return Err(RuntimeError::new(
                                "-FilterScript needs a script block.",
                                span,
                            )
                            .into());
                        }
                    } else if is_param(&n, "property") {
                        property = Some(text(&x));
                    } else if is_param(&n, "value") {
                        value = Some(x);
                    } else if is_param(&n, "inputobject") {
                        input = Some(vec![x]);
                    } else if matches!(n.as_str(), "ea" | "erroraction" | "wa" | "warningaction") {
                    } else {
                        return Err(Self::unknown_param("Where-Object", &name, span, KNOWN));
                    }
                }
            }
        }
        let items = input.unwrap_or_default();
        let mut out = Vec::new();
        if let Some(block) = filter {
            if property.is_some() || op.is_some() {
                return Err(RuntimeError::new(
                    "Where-Object takes a script block or -Property with an operator, not both.",
                    c.name_span,
                )
                .help("write Where-Object { $_.Name -eq 'x' } or Where-Object Name -eq 'x'")
                .into());
            }
            for item in items {
                let r = self.with_item(&block, item.clone(), io)?;
                if truthy(&collapse(r)) {
                    out.push(item);
                }
            }
            return Ok(out);
        }
        let Some(property) = property else {
            return Err(RuntimeError::new(
                "Where-Object needs a condition: a script block or a property name.",
                c.name_span,
            )
            .help("write Where-Object { $_.Name -like 'a*' } or Where-Object Name -like 'a*'")
            .into());
        };
        if op.is_none() && value.is_some() {
            // -Property with -Value and no operator: -EQ, Where-Object's default
            op = Some("-eq".into());
        }
        for item in items {
            let pv = member_of(&item, &property);
            let keep = match &op {
                None => truthy(&pv) != not,
                Some(o) if o == "-is" || o == "-isnot" => {
                    let t = value.as_ref().map(text).unwrap_or_default();
                    operators::is_type(&pv, &t) == (o == "-is")
                }
                Some(o) => {
                    let v = value.clone().unwrap_or(Value::Null);
                    let r = operators::binary(o, pv, v, c.span)?;
                    if let Some(m) = r.matches {
                        self.set_local("matches", m);
                    }
                    truthy(&r.value)
                }
            };
            if keep {
                out.push(item);
            }
        }
        Ok(out)
    }

    /// `Sort-Object [-Property] names|{ block }|@{Expression=...; Descending=$true} [-Descending] [-Unique]`.
    fn sort_object(
        &mut self,
        _c: &Command,
        args: Vec<Arg>,
        input: Option<Vec<Value>>,
        io: &mut Io,
    ) -> Eval<Vec<Value>> {
        let mut keys: Vec<Value> = Vec::new();
        let mut descending = false;
        let mut unique = false;
        let mut case = false;
        let mut it = args.into_iter().peekable();
        while let Some(a) = it.next() {
            match a {
                Arg::Value(v, _) => keys.extend(unroll(v)),
                Arg::Param { name, span, value } => {
                    let n = name.to_lowercase();
                    if is_param(&n, "descending") {
                        descending = value.is_none_or(|(v, _)| v.is_truthy());
                    } else if is_param(&n, "unique") {
                        unique = value.is_none_or(|(v, _)| v.is_truthy());
                    } else if is_param(&n, "casesensitive") {
                        case = value.is_none_or(|(v, _)| v.is_truthy());
                    } else if is_param(&n, "property") {
                        let (v, _) = Self::take_value(&name, span, value, &mut it, "Sort-Object")?;
                        keys.extend(unroll(v));
                    } else {
                        return Err(Self::unknown_param(
                            "Sort-Object",
                            &name,
                            span,
                            "-Property (names, script blocks or @{Expression=...; Descending=$true}), -Descending, -Unique, -CaseSensitive",
                        ));
                    }
                }
            }
        }
        let items = input.unwrap_or_default();
        // each key: how to compute it and whether it sorts descending
        let mut specs: Vec<(Value, bool)> = Vec::new();
        for k in keys {
            match &k {
                Value::Hashtable(h) => {
                    let expr = h
                        .read()
                        .iter()
                        .find(|(n, _)| is_param(n, "expression"))
                        .map(|(_, v)| v.clone())
                        .unwrap_or(Value::Null);
                    let desc = h
                        .read()
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case("descending"))
                        .map(|(_, v)| v.is_truthy())
                        .or_else(|| {
                            h.read()
                                .iter()
                                .find(|(n, _)| n.eq_ignore_ascii_case("ascending"))
                                .map(|(_, v)| !v.is_truthy())
                        })
                        .unwrap_or(descending);
                    specs.push((expr, desc));
                }
                _ => specs.push((k, descending)),
            }
        }
        let mut keyed: Vec<(Vec<Value>, Value)> = Vec::new();
        for item in items {
            let mut ks = Vec::new();
            if specs.is_empty() {
                ks.push(item.clone());
            }
            for (spec, _) in &specs {
                let k = match self.block_of(spec) {
                    Some(b) => collapse(self.with_item(&b, item.clone(), io)?),
                    None => member_of(&item, &text(spec)),
                };
                ks.push(k);
            }
            keyed.push((ks, item));
        }
        let dirs: Vec<bool> = if specs.is_empty() {
            vec![descending]
        } else {
            specs.iter().map(|(_, d)| *d).collect()
        };
        let cmp = |a: &Value, b: &Value| -> std::cmp::Ordering {
            if case {
                if let (Value::String(x), Value::String(y)) = (a, b) {
                    return x.cmp(y);
                }
            }
            operators::sort_order(a, b)
        };
        keyed.sort_by(|(a, _), (b, _)| {
            for (i, d) in dirs.iter().enumerate() {
                let o = match (a.get(i), b.get(i)) {
                    (Some(x), Some(y)) => cmp(x, y),
                    _ => std::cmp::Ordering::Equal,
                };
                let o = if *d { o.reverse() } else { o };
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
            std::cmp::Ordering::Equal
        });
        if unique {
            keyed.dedup_by(|(a, _), (b, _)| {
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|(x, y)| operators::equals(x, y, case))
            });
        }
        Ok(keyed.into_iter().map(|(_, v)| v).collect())
    }

    /// `Select-Object` with calculated properties (`@{Name='Mail'; Expression={ $_.Email }}`)
    /// or script blocks; the plain forms are the built-in's.
    fn select_object(
        &mut self,
        c: &Command,
        args: Vec<Arg>,
        input: Option<Vec<Value>>,
        io: &mut Io,
    ) -> Eval<Vec<Value>> {
        let mut props: Vec<Value> = Vec::new();
        let mut first: Option<usize> = None;
        let mut last: Option<usize> = None;
        let mut skip = 0usize;
        let mut it = args.into_iter().peekable();
        let count = |v: &Value, span: Span| -> Result<usize, RuntimeError> {
            match operators::cast("long", v.clone(), span)? {
                Value::Int(n) if n >= 0 => Ok(n as usize),
                _ => Err(
                    RuntimeError::new("The count must be a whole number, 0 or more.", span)
                        .help("for example: Select-Object -First 10"),
                ),
            }
        };
        while let Some(a) = it.next() {
            match a {
                Arg::Value(v, _) => props.extend(unroll(v)),
                Arg::Param { name, span, value } => {
                    let n = name.to_lowercase();
                    let (v, vspan) =
                        Self::take_value(&name, span, value, &mut it, "Select-Object")?;
                    if is_param(&n, "property") {
                        props.extend(unroll(v));
                    } else if is_param(&n, "first") {
                        first = Some(count(&v, vspan)?);
                    } else if is_param(&n, "last") {
                        last = Some(count(&v, vspan)?);
                    } else if is_param(&n, "skip") {
                        skip = count(&v, vspan)?;
                    } else {
                        return Err(Self::unknown_param(
                            "Select-Object",
                            &name,
                            span,
                            "-Property (names and @{Name=...; Expression={...}}), -First, -Last, -Skip",
                        ));
                    }
                }
            }
        }
        // each column: its name and how to compute it
        let mut columns: Vec<(String, Value)> = Vec::new();
        for p in props {
            match &p {
                Value::Hashtable(h) => {
                    let get = |keys: &[&str]| {
                        h.read()
                            .iter()
                            .find(|(k, _)| keys.iter().any(|w| is_param(k, w)))
                            .map(|(_, v)| v.clone())
                    };
                    let Some(expr) = get(&["expression"]) else {
                        return Err(RuntimeError::new(
                            "A calculated property needs an Expression key: @{Name='X'; Expression={ ... }}.",
                            c.name_span,
                        )
                        .into());
                    };
                    let name = match get(&["name", "label"]) {
                        Some(n) => text(&n),
                        None => match self.block_of(&expr) {
                            Some(b) => b.text.trim().to_string(),
                            None => text(&expr),
                        },
                    };
                    columns.push((name, expr));
                }
                other => {
                    let name = match self.block_of(other) {
                        Some(b) => b.text.trim().to_string(),
                        None => text(other),
                    };
                    columns.push((name, other.clone()));
                }
            }
        }
        let mut items: Vec<Value> = input.unwrap_or_default().into_iter().skip(skip).collect();
        if let Some(n) = first {
            items.truncate(n);
        }
        if let Some(n) = last {
            let drop = items.len().saturating_sub(n);
            items.drain(..drop);
        }
        let mut out = Vec::new();
        for item in items {
            let mut row = Vec::new();
            for (name, how) in &columns {
                let v = match self.block_of(how) {
                    Some(b) => collapse(self.with_item(&b, item.clone(), io)?),
                    None => member_of(&item, &text(how)),
                };
                row.push((name.clone(), v));
            }
            out.push(Value::Object(mailsec_cmdlets::Object {
                type_name: "Selected".into(),
                props: row.into(),
                default_columns: Vec::new(),
            }));
        }
        Ok(out)
    }

    /// A non-terminating error from a command: stop, hide or report it as -ErrorAction /
    /// `$ErrorActionPreference` says; -ErrorVariable keeps it.
    pub(super) fn write_error(
        &mut self,
        e: RuntimeError,
        common: &Common,
        io: &mut Io,
    ) -> Eval<()> {
        if let Some(name) = &common.error_variable {
            let record = super::control::error_record(&e);
            self.store_variable(name, vec![record]);
        }
        let action = match &common.error_action {
            Some(a) => a.to_lowercase(),
            None => self.preference("ErrorActionPreference"),
        };
        match action.as_str() {
            "stop" => Err(Flow::Error(e.terminating())),
            "ignore" => {
                self.last_ok = false;
                Ok(())
            }
            "silentlycontinue" => {
                self.record_error(&e);
                Ok(())
            }
            _ => {
                self.record_error(&e);
                self.had_error = true;
                io.report_error(&e);
                Ok(())
            }
        }
    }

    /// -ErrorVariable / -OutVariable NAME (replace) or +NAME (append).
    fn store_variable(&mut self, name: &str, values: Vec<Value>) {
        let (append, name) = match name.strip_prefix('+') {
            Some(n) => (true, n),
            None => (false, name),
        };
        let mut all = if append {
            unroll(self.var(name))
        } else {
            Vec::new()
        };
        all.extend(values);
        let _ = self.set_var(name, Value::array(all), Span::default());
    }

    /// An Exchange cmdlet: bind (per pipeline object), confirm, run, report.
    fn cmdlet(
        &mut self,
        name: &str,
        c: &Command,
        args: Vec<Arg>,
        input: Option<Vec<Value>>,
        io: &mut Io,
    ) -> Eval<Vec<Value>> {
        let Some(def) = mailsec_cmdlets::find(name) else {
            let mut e = RuntimeError::new(
                format!(
                    "The term '{name}' is not recognized as a name of a cmdlet, function, script file, or executable program."
                ),
                c.name_span,
            );
            e.category = Some("ObjectNotFound");
            let hints = mailsec_cmdlets::suggest(name);
            return Err(match hints.first() {
                Some(h) => e.help(format!("did you mean {h}?")),
                None => e.help("`mailsec help` lists the cmdlets mailsec has; define your own with function Name { ... }"),
            }
            .into());
        };
        let sig = &def.signature;
        let piped = input.is_some();
        let runs: Vec<Option<Value>> = match input {
            Some(objs) => objs.into_iter().map(Some).collect(),
            None => vec![None],
        };
        let mut out = Vec::new();
        let mut args = args;
        let last = runs.len().saturating_sub(1);
        for (i, obj) in runs.into_iter().enumerate() {
            // the last run takes the arguments (a certificate's bytes are not copied for nothing)
            let these = if i == last {
                std::mem::take(&mut args)
            } else {
                args.clone()
            };
            let binding =
                bind_with_input(sig, these, obj.as_ref().map(|o| (o, c.name_span)), c.span);
            let Binding {
                bound,
                common,
                spans,
            } = match binding {
                Ok(b) => b,
                Err(b) => {
                    let mut e = RuntimeError::new(b.message, b.span);
                    e.help = b.help;
                    e.command = Some(sig.name.to_string());
                    e.category = Some("InvalidArgument");
                    if piped {
                        // one object that does not bind is skipped; the others still run
                        self.write_error(e, &Common::default(), io)?;
                        continue;
                    }
                    return Err(e.into());
                }
            };
            match self.invoke(def, c, bound, &common, &spans, io) {
                Ok(values) => {
                    if let Some(name) = &common.out_variable {
                        self.store_variable(name, values.clone());
                    }
                    out.extend(values);
                }
                Err(e) => self.write_error(e, &common, io)?,
            }
        }
        Ok(out)
    }

    /// Run a bound cmdlet; its error (not yet classified by -ErrorAction) is returned as is.
    fn invoke(
        &mut self,
        def: &mailsec_cmdlets::CmdletDef,
        c: &Command,
        bound: Bound,
        common: &Common,
        spans: &[(String, Span)],
        io: &mut Io,
    ) -> Result<Vec<Value>, RuntimeError> {
        let sig = &def.signature;
        let what_if = bound.switch("WhatIf");
        if let (Some(impact), false) = (sig.should_process, what_if) {
            let asked = bound.get("Confirm");
            let ask = match impact {
                ConfirmImpact::High => asked.is_none_or(Value::is_truthy),
                ConfirmImpact::Medium => asked.is_some_and(Value::is_truthy),
            };
            if ask {
                let target = bound
                    .get("Identity")
                    .or_else(|| bound.get("Name"))
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                match io.confirm.as_mut() {
                    Some(confirm) => {
                        if !confirm(&format!("Are you sure you want to perform this action?\nPerforming the operation \"{}\" on target \"{target}\".", sig.name)) {
                            return Ok(Vec::new());
                        }
                    }
                    // PowerShell's ConfirmImpact High: with nobody to answer, the command is refused.
                    None => {
                        let mut e = RuntimeError::new(
                            format!(
                                "{} asks for confirmation before changing \"{target}\", and nobody can answer in a non-interactive run.",
                                sig.name
                            ),
                            c.name_span,
                        )
                        .help("add -Confirm:$false to go ahead without asking (or -WhatIf to see what it would do)");
                        e.command = Some(sig.name.to_string());
                        e.category = Some("InvalidOperation");
                        return Err(e);
                    }
                }
            }
        }
        let warning_action = match &common.warning_action {
            Some(a) => a.to_lowercase(),
            None => self.preference("WarningPreference"),
        };
        let mut ctx = Context::new(self.state, &self.live, self.location.clone());
        ctx.what_if = what_if;
        // The connector TLS probe reaches the network (or the Exchange Online service, for a tenant).
        ctx.prober = Some(&*self.prober);
        let result = (def.run)(&bound, &mut ctx);
        let applied = !ctx.applied.is_empty();
        let quiet_warnings = matches!(warning_action.as_str(), "silentlycontinue" | "ignore");
        let mut warnings = Vec::new();
        for m in std::mem::take(&mut ctx.messages) {
            match m {
                Message::WhatIf(t) => {
                    io.write_text(&format!("What if: {t}\n"));
                }
                Message::Warning(w) => {
                    if !quiet_warnings {
                        io.warning(&w);
                    }
                    warnings.push(Value::String(w));
                }
            }
        }
        if let Some(name) = &common.warning_variable {
            self.store_variable(name, warnings);
        }
        if applied {
            self.log_command(sig, c, &bound, spans);
        }
        result.map_err(|err| {
            let span = err
                .param()
                .and_then(|p| {
                    spans
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(p))
                        .map(|(_, s)| *s)
                })
                .unwrap_or(c.name_span);
            let mut e = RuntimeError::new(err.to_string(), span);
            e.category = Some(err.category());
            e.command = Some(sig.name.to_string());
            e
        })
    }
}
