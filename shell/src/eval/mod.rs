//! The evaluator: runs statements, evaluates expressions, binds and invokes cmdlets against the working desired state.
//!
//! Layout: this file holds the evaluator's state, statements, expressions and variables;
//! `commands.rs` runs commands (functions, `ForEach-Object`/`Where-Object`/`Sort-Object`,
//! built-ins, cmdlets); `scriptblock.rs` script blocks, functions and their parameter binding;
//! `operators.rs` the operators; `control.rs` how `break`/`return`/errors travel; `regex.rs` the
//! regular expressions behind `-match`, `-replace` and `-split`.
//!
//! Values have value semantics: `$a = $b` copies. Changing an object through a variable
//! (`$h.Key = 1`, `$list.Add(x)`, `$obj.Name = 'x'`) writes the changed value back into that
//! variable, wherever (in which scope) it lives.

mod builtins;
mod commands;
mod control;
pub mod dotnet;
pub mod error;
pub mod host;
pub mod objects;
mod operators;
mod regex;
mod scriptblock;

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use mailsec_cmdlets::value::{InUse, Table};
use mailsec_cmdlets::{Object, Value};
use mailsec_state::backend::LiveState;
use mailsec_state::model::DesiredState;

use crate::syntax::ast::{
    Expr, FunctionDef, Pipeline, PipelineElement, Script, ScriptBlock, Span, Statement, StringPart,
};
use control::{for_this_loop, Eval, Flow};
pub use error::RuntimeError;
use operators::{text, ERROR_RECORD, SCRIPTBLOCK};

/// Where output and diagnostics go, and whether a person is there to answer prompts.
pub struct Io<'a> {
    pub out: &'a mut dyn Write,
    /// Called for each non-terminating error (the caller renders it with the source).
    pub report: &'a mut dyn FnMut(&RuntimeError),
    pub warn: &'a mut dyn FnMut(&str),
    /// Asks a yes/no question; `None` when nobody can answer (not a terminal).
    pub confirm: Option<&'a mut dyn FnMut(&str) -> bool>,
    /// The table whose rows are being shown (see `host.rs`); `None` to start with.
    pub table: Option<host::HostTable>,
}

/// How deeply functions and script blocks may call each other.
const MAX_CALL_DEPTH: usize = 100;
/// How many error records `$Error` keeps.
const MAX_ERRORS: usize = 256;

/// One variable scope: the script's, or a function's / script block's.
#[derive(Default)]
struct Scope {
    vars: HashMap<String, Value>,
    /// `[int]$x = ...` constrains later assignments to `$x`.
    types: HashMap<String, String>,
}

pub struct Evaluator<'s> {
    pub state: &'s mut DesiredState,
    /// The backends as read for this run: borrowed for a script run, owned by a REPL session
    /// (which swaps in a fresh read after an apply, see [`Evaluator::set_live`]).
    pub live: std::borrow::Cow<'s, LiveState>,
    /// Names the backends in not-found messages.
    pub location: String,
    /// Relative paths in scripts resolve here first.
    pub base_dir: PathBuf,
    /// scopes[0] is the script scope; a function call pushes one.
    scopes: Vec<Scope>,
    functions: HashMap<String, Arc<FunctionDef>>,
    /// Script blocks that became values, by id (see `scriptblock.rs`).
    blocks: Vec<Arc<ScriptBlock>>,
    block_ids: HashMap<usize, usize>,
    /// A non-terminating error happened: the run exits 1.
    pub had_error: bool,
    /// `exit N` ended the run.
    pub exit_code: Option<i32>,
    /// Inside how many `try` blocks: statement-terminating errors go to their `catch`.
    try_depth: usize,
    call_depth: usize,
    /// `$Error`, newest first.
    errors: Vec<Value>,
    /// The errors the running `catch` blocks handle (a bare `throw` rethrows the innermost).
    catching: Vec<RuntimeError>,
    /// The script's arguments, for a top-level `param(...)` block.
    script_args: Vec<Value>,
    /// `$?`: did the last statement run without an error?
    last_ok: bool,
    /// Errors written so far (to tell whether a statement wrote one, for `$?`).
    error_count: usize,
    /// The source being run and the commands that changed the state (Export-MailsecSession).
    session: builtins::session_log::SessionLog,
    /// What Test-OutboundConnectorTls and Validate-OutboundConnector reach the network through: the
    /// probe, or the Exchange Online service when the gateway is a tenant (see `set_prober`).
    pub prober: Box<dyn mailsec_state::probe::ConnectorProbe>,
}

impl<'s> Evaluator<'s> {
    pub fn new(
        state: &'s mut DesiredState,
        live: &'s LiveState,
        location: String,
        base_dir: PathBuf,
    ) -> Self {
        Evaluator {
            state,
            live: std::borrow::Cow::Borrowed(live),
            location,
            base_dir,
            scopes: vec![Scope::default()],
            functions: HashMap::new(),
            blocks: Vec::new(),
            block_ids: HashMap::new(),
            had_error: false,
            exit_code: None,
            try_depth: 0,
            call_depth: 0,
            errors: Vec::new(),
            catching: Vec::new(),
            script_args: Vec::new(),
            last_ok: true,
            error_count: 0,
            session: Default::default(),
            prober: Box::new(mailsec_state::probe::EnvProbe),
        }
    }

    /// Use `live` as the backends' state from now on (a REPL session after the backends changed).
    pub fn set_live(&mut self, live: LiveState) {
        self.live = std::borrow::Cow::Owned(live);
    }

    /// The arguments `mailsec run FILE.ps1 ARGS...` passes: a top-level `param(...)` binds them
    /// (`-Name value` by name, the rest by position); without one they are `$args`.
    pub fn set_script_args(&mut self, args: Vec<String>) {
        self.script_args = args.into_iter().map(Value::String).collect();
        let all = Value::array(self.script_args.clone());
        if let Some(scope) = self.scopes.first_mut() {
            scope.vars.insert("args".into(), all);
        }
    }

    /// The variables set so far (script scope), sorted: for completion in the REPL.
    pub fn variable_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .scopes
            .first()
            .map(|s| s.vars.keys().cloned().collect())
            .unwrap_or_default();
        names.sort();
        names
    }

    /// The functions defined so far, by the names they were defined with, sorted.
    pub fn function_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.functions.values().map(|f| f.name.clone()).collect();
        names.sort();
        names
    }

    /// Run every statement; non-terminating errors are reported and skipped, a terminating one is returned.
    pub fn run(&mut self, script: &Script, io: &mut Io) -> Result<(), RuntimeError> {
        let mut sink = Vec::new();
        let mark = self.session.mark();
        let mut result = Ok(());
        for st in &script.statements {
            self.transcribe(st);
            result = self.exec_list(std::slice::from_ref(st), &mut sink, true, io);
            if result.is_err() {
                break;
            }
        }
        self.print(io, sink);
        match result {
            Ok(()) | Err(Flow::Return | Flow::Break { .. } | Flow::Continue { .. }) => Ok(()),
            Err(Flow::Error(e)) => {
                // nothing of this run is saved: neither are its commands logged
                self.session.rollback(mark);
                Err(e)
            }
            Err(Flow::Exit(code)) => {
                self.exit_code = Some(code);
                if code != 0 {
                    self.had_error = true;
                }
                Ok(())
            }
        }
    }

    /// Show values on the host the way PowerShell's default formatter would.
    fn print(&self, io: &mut Io, values: Vec<Value>) {
        if values.is_empty() {
            return;
        }
        let shown: Vec<Value> = values
            .into_iter()
            .map(|v| match &v {
                Value::Object(o) if o.type_name == SCRIPTBLOCK || o.type_name == ERROR_RECORD => {
                    Value::String(text(&v))
                }
                _ => v,
            })
            .collect();
        io.show(&shown);
    }

    // ----- statements -----

    /// Run statements in order. `host`: output goes straight to the host after each statement
    /// (the script's top level and the blocks of its loops and ifs); otherwise into `out`.
    fn exec_list(
        &mut self,
        statements: &[Statement],
        out: &mut Vec<Value>,
        host: bool,
        io: &mut Io,
    ) -> Eval<()> {
        for st in statements {
            let result = if host && !is_compound(st) {
                let mut values = Vec::new();
                let r = self.exec(st, &mut values, false, io);
                self.print(io, values);
                r
            } else {
                self.exec(st, out, host, io)
            };
            match result {
                Ok(()) => {}
                Err(Flow::Error(e)) if !e.terminating && self.try_depth == 0 => {
                    self.statement_error(e, io)?
                }
                Err(f) => return Err(f),
            }
        }
        Ok(())
    }

    /// A statement failed: report it and go on, unless `$ErrorActionPreference` says otherwise.
    fn statement_error(&mut self, e: RuntimeError, io: &mut Io) -> Eval<()> {
        self.last_ok = false;
        match self.preference("ErrorActionPreference").as_str() {
            "stop" => Err(Flow::Error(e.terminating())),
            "ignore" => Ok(()),
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

    fn record_error(&mut self, e: &RuntimeError) {
        self.error_count += 1;
        self.last_ok = false;
        self.errors.insert(0, control::error_record(e));
        self.errors.truncate(MAX_ERRORS);
    }

    /// A preference variable's value, lower-cased (`Continue` when unset).
    fn preference(&self, name: &str) -> String {
        match self.var(name) {
            Value::Null => "continue".into(),
            v => text(&v).trim().to_lowercase(),
        }
    }

    /// Run a statement, collecting its output.
    fn collect(&mut self, st: &Statement, io: &mut Io) -> Eval<Vec<Value>> {
        let mut out = Vec::new();
        self.exec(st, &mut out, false, io)?;
        Ok(out)
    }

    /// A statement's value: its output collapsed (one value stays itself, several an array).
    /// An expression alone keeps its value as is (`$a = @()` is an empty array, `$a = @(1)`
    /// a one-element one); a pipeline with commands collects its output.
    fn value_of(&mut self, st: &Statement, io: &mut Io) -> Eval<Value> {
        match st {
            Statement::Assignment {
                target, op, value, ..
            } => self.assign_statement(target, op, value, io),
            Statement::Pipeline(p) => match p.elements.as_slice() {
                [PipelineElement::Expression(e)] => self.expr(e, io),
                _ => Ok(collapse(self.pipeline(p, io)?)),
            },
            other => Ok(collapse(self.collect(other, io)?)),
        }
    }

    fn exec(&mut self, st: &Statement, out: &mut Vec<Value>, host: bool, io: &mut Io) -> Eval<()> {
        // Each kind of statement runs in a function of its own, so that the recursion through
        // nested statements and calls keeps small stack frames.
        match st {
            Statement::Pipeline(p) => self.exec_pipeline(p, out, io),
            Statement::Assignment {
                target, op, value, ..
            } => self.assign_statement(target, op, value, io).map(drop),
            Statement::If {
                clauses, else_body, ..
            } => self.exec_if(clauses, else_body.as_ref(), out, host, io),
            Statement::Foreach {
                variable,
                collection,
                body,
                ..
            } => self.exec_foreach(variable, collection, body, out, host, io),
            Statement::While {
                condition, body, ..
            } => self.exec_for(None, Some(condition), None, body, out, host, io),
            Statement::DoLoop {
                body,
                condition,
                until,
                ..
            } => self.exec_do(body, condition, *until, out, host, io),
            Statement::For {
                init,
                condition,
                step,
                body,
                ..
            } => self.exec_for(
                init.as_deref(),
                condition.as_deref(),
                step.as_deref(),
                body,
                out,
                host,
                io,
            ),
            Statement::Switch {
                value,
                options,
                clauses,
                default,
                ..
            } => self.switch(value, options, clauses, default.as_ref(), out, host, io),
            Statement::Break { label, .. } => Err(Flow::Break {
                label: label.clone(),
            }),
            Statement::Continue { label, .. } => Err(Flow::Continue {
                label: label.clone(),
            }),
            Statement::Return { value, .. } => self.exec_return(value.as_deref(), out, io),
            Statement::Throw { value, span } => Err(self.exec_throw(value.as_deref(), *span, io)),
            Statement::Exit { value, span } => Err(self.exec_exit(value.as_deref(), *span, io)),
            Statement::Try {
                body,
                catches,
                finally,
                ..
            } => self.exec_try(body, catches, finally.as_ref(), out, host, io),
            Statement::Function(f) => {
                self.functions.insert(f.name.to_lowercase(), f.clone());
                Ok(())
            }
            Statement::ParamBlock {
                attributes,
                params,
                span,
            } => self.exec_param_block(attributes, params, *span, io),
        }
    }

    #[inline(never)]
    fn exec_pipeline(&mut self, p: &Pipeline, out: &mut Vec<Value>, io: &mut Io) -> Eval<()> {
        if let [PipelineElement::Expression(e @ Expr::Unary { op, .. })] = p.elements.as_slice() {
            if matches!(op.as_str(), "++" | "--" | "post++" | "post--") {
                // `$i++` as a statement outputs nothing
                self.expr(e, io)?;
                return Ok(());
            }
        }
        let before = self.error_count;
        let values = self.pipeline(p, io)?;
        out.extend(values);
        self.last_ok = self.error_count == before;
        Ok(())
    }

    #[inline(never)]
    fn exec_if(
        &mut self,
        clauses: &[(Statement, Script)],
        else_body: Option<&Script>,
        out: &mut Vec<Value>,
        host: bool,
        io: &mut Io,
    ) -> Eval<()> {
        for (condition, body) in clauses {
            let v = self.value_of(condition, io)?;
            if truthy(&v) {
                return self.exec_list(&body.statements, out, host, io);
            }
        }
        match else_body {
            Some(body) => self.exec_list(&body.statements, out, host, io),
            None => Ok(()),
        }
    }

    /// Run a loop body once: Ok(true) to go on, Ok(false) after a `break`.
    fn loop_body(
        &mut self,
        body: &Script,
        out: &mut Vec<Value>,
        host: bool,
        io: &mut Io,
    ) -> Eval<bool> {
        match self.exec_list(&body.statements, out, host, io) {
            Ok(()) => Ok(true),
            Err(Flow::Break { label }) if for_this_loop(&label) => Ok(false),
            Err(Flow::Continue { label }) if for_this_loop(&label) => Ok(true),
            Err(f) => Err(f),
        }
    }

    #[inline(never)]
    fn exec_foreach(
        &mut self,
        variable: &crate::syntax::ast::Variable,
        collection: &Statement,
        body: &Script,
        out: &mut Vec<Value>,
        host: bool,
        io: &mut Io,
    ) -> Eval<()> {
        let items = self.collect(collection, io)?;
        for item in items {
            self.set_var(&variable.name, item, variable.span)?;
            if !self.loop_body(body, out, host, io)? {
                break;
            }
        }
        Ok(())
    }

    /// `for (init; condition; step) { }`; `while (condition) { }` is one without init and step.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn exec_for(
        &mut self,
        init: Option<&Statement>,
        condition: Option<&Statement>,
        step: Option<&Statement>,
        body: &Script,
        out: &mut Vec<Value>,
        host: bool,
        io: &mut Io,
    ) -> Eval<()> {
        if let Some(init) = init {
            self.collect(init, io)?;
        }
        loop {
            if let Some(c) = condition {
                let v = self.value_of(c, io)?;
                if !truthy(&v) {
                    return Ok(());
                }
            }
            if !self.loop_body(body, out, host, io)? {
                return Ok(());
            }
            if let Some(s) = step {
                self.collect(s, io)?;
            }
        }
    }

    #[inline(never)]
    fn exec_do(
        &mut self,
        body: &Script,
        condition: &Statement,
        until: bool,
        out: &mut Vec<Value>,
        host: bool,
        io: &mut Io,
    ) -> Eval<()> {
        loop {
            if !self.loop_body(body, out, host, io)? {
                return Ok(());
            }
            let v = self.value_of(condition, io)?;
            if truthy(&v) == until {
                return Ok(());
            }
        }
    }

    #[inline(never)]
    fn exec_return(
        &mut self,
        value: Option<&Statement>,
        out: &mut Vec<Value>,
        io: &mut Io,
    ) -> Eval<()> {
        if let Some(v) = value {
            let values = self.collect(v, io)?;
            out.extend(values);
        }
        Err(Flow::Return)
    }

    /// `throw [value]`: the error to raise (or another flow if evaluating the value failed).
    #[inline(never)]
    fn exec_throw(&mut self, value: Option<&Statement>, span: Span, io: &mut Io) -> Flow {
        let Some(v) = value else {
            // a bare `throw` in a catch block rethrows the error being handled
            if let Some(e) = self.catching.last() {
                return Flow::Error(e.clone().terminating());
            }
            return Flow::Error(control::thrown(&Value::Null, span));
        };
        let v = match self.value_of(v, io) {
            Ok(v) => v,
            Err(f) => return f,
        };
        if let (Value::Object(o), Some(current)) = (&v, self.catching.last()) {
            if o.type_name == ERROR_RECORD && v == control::error_record(current) {
                return Flow::Error(current.clone().terminating());
            }
        }
        Flow::Error(control::thrown(&v, span))
    }

    #[inline(never)]
    fn exec_exit(&mut self, value: Option<&Statement>, span: Span, io: &mut Io) -> Flow {
        let code = match value {
            Some(v) => {
                let v = match self.value_of(v, io) {
                    Ok(v) => v,
                    Err(f) => return f,
                };
                match operators::cast("int", v, span) {
                    Ok(Value::Int(i)) => i32::try_from(i).unwrap_or(1),
                    Ok(_) => 0,
                    Err(e) => return Flow::Error(e),
                }
            }
            None => 0,
        };
        Flow::Exit(code)
    }

    #[inline(never)]
    fn exec_try(
        &mut self,
        body: &Script,
        catches: &[crate::syntax::ast::CatchClause],
        finally: Option<&Script>,
        out: &mut Vec<Value>,
        host: bool,
        io: &mut Io,
    ) -> Eval<()> {
        self.try_depth += 1;
        let result = self.exec_list(&body.statements, out, host, io);
        self.try_depth -= 1;
        let result = match result {
            Err(Flow::Error(e)) => {
                let clause = catches.iter().find(|c| {
                    c.types.is_empty() || c.types.iter().any(|(t, _)| control::catches(t, &e))
                });
                match clause {
                    Some(c) => {
                        let record = control::error_record(&e);
                        self.record_error(&e);
                        let saved = self.swap_dollar_underscore(Some(record));
                        self.catching.push(e);
                        let r = self.exec_list(&c.body.statements, out, host, io);
                        self.catching.pop();
                        self.swap_dollar_underscore(saved);
                        r
                    }
                    None => Err(Flow::Error(e)),
                }
            }
            other => other,
        };
        if let Some(f) = finally {
            self.exec_list(&f.statements, out, host, io)?;
        }
        result
    }

    #[inline(never)]
    fn exec_param_block(
        &mut self,
        attributes: &[crate::syntax::ast::Attribute],
        params: &[crate::syntax::ast::Parameter],
        span: Span,
        io: &mut Io,
    ) -> Eval<()> {
        let args = scriptblock::script_args_to_args(&self.script_args);
        // a script whose arguments do not bind does not start (as in PowerShell)
        self.bind_params(params, attributes, args, false, span, io)
            .map(drop)
            .map_err(|f| match f {
                Flow::Error(e) => Flow::Error(e.terminating()),
                other => other,
            })
    }

    #[allow(clippy::too_many_arguments)]
    fn switch(
        &mut self,
        value: &Statement,
        options: &[String],
        clauses: &[crate::syntax::ast::SwitchClause],
        default: Option<&Script>,
        out: &mut Vec<Value>,
        host: bool,
        io: &mut Io,
    ) -> Eval<()> {
        let items = self.collect(value, io)?;
        let case = options.iter().any(|o| o == "casesensitive");
        let regex = options.iter().any(|o| o == "regex");
        let wildcard = options.iter().any(|o| o == "wildcard");
        let saved = self.swap_dollar_underscore(None);
        let result = (|| -> Eval<()> {
            'items: for item in items {
                self.set_local("_", item.clone());
                let mut matched = false;
                for clause in clauses {
                    let hit = match &clause.pattern {
                        Expr::ScriptBlock(b) => {
                            let block = b.clone();
                            let v = self.run_block_here(&block, io)?;
                            truthy(&collapse(v))
                        }
                        pattern => {
                            let p = self.expr(pattern, io)?;
                            let span = pattern.span();
                            if regex {
                                let re = operators::regex(&text(&p), case, span)?;
                                let s = text(&item);
                                let chars: Vec<char> = s.chars().collect();
                                match re
                                    .captures_from(&chars, 0)
                                    .map_err(|e| RuntimeError::new(e, span))?
                                {
                                    Some(_) => {
                                        let r = operators::binary(
                                            if case { "-cmatch" } else { "-match" },
                                            item.clone(),
                                            p,
                                            span,
                                        )?;
                                        if let Some(m) = r.matches {
                                            self.set_local("matches", m);
                                        }
                                        true
                                    }
                                    None => false,
                                }
                            } else if wildcard {
                                operators::wildcard_match(&text(&p), &text(&item), case)
                            } else {
                                operators::equals(&item, &p, case)
                            }
                        }
                    };
                    if !hit {
                        continue;
                    }
                    matched = true;
                    match self.exec_list(&clause.body.statements, out, host, io) {
                        Ok(()) => {}
                        Err(Flow::Break { label, .. }) if for_this_loop(&label) => break 'items,
                        Err(Flow::Continue { label, .. }) if for_this_loop(&label) => {
                            continue 'items
                        }
                        Err(f) => return Err(f),
                    }
                }
                if !matched {
                    if let Some(d) = default {
                        match self.exec_list(&d.statements, out, host, io) {
                            Ok(()) => {}
                            Err(Flow::Break { label, .. }) if for_this_loop(&label) => break 'items,
                            Err(Flow::Continue { label, .. }) if for_this_loop(&label) => {}
                            Err(f) => return Err(f),
                        }
                    }
                }
            }
            Ok(())
        })();
        self.swap_dollar_underscore(saved);
        result
    }

    fn pipeline(&mut self, p: &Pipeline, io: &mut Io) -> Eval<Vec<Value>> {
        let mut input: Option<Vec<Value>> = None;
        for el in &p.elements {
            let out = match el {
                PipelineElement::Expression(e) => {
                    if input.is_some() {
                        return Err(RuntimeError::new(
                            "Expressions are only allowed as the first element of a pipeline.",
                            e.span(),
                        )
                        .help("pipe into a command instead (for example: | ForEach-Object { ... })")
                        .into());
                    }
                    unroll(self.expr(e, io)?)
                }
                PipelineElement::Command(c) => self.command(c, input.take(), io)?,
            };
            input = Some(out);
        }
        Ok(input.unwrap_or_default())
    }

    // ----- assignment -----

    /// `target op= value`; returns the value assigned.
    fn assign_statement(
        &mut self,
        target: &Expr,
        op: &str,
        value: &Statement,
        io: &mut Io,
    ) -> Eval<Value> {
        let v = self.value_of(value, io)?;
        let v = if op == "=" {
            v
        } else {
            let current = self.expr(target, io)?;
            let bin = op.trim_end_matches('=');
            operators::binary(bin, current, v, target.span())?.value
        };
        self.assign(target, v.clone(), io)?;
        Ok(v)
    }

    /// Store `v` into an assignable expression.
    fn assign(&mut self, target: &Expr, v: Value, io: &mut Io) -> Eval<()> {
        match target {
            Expr::Variable(var) => Ok(self.set_var(&var.name, v, var.span)?),
            Expr::Binary {
                op,
                left,
                right,
                span,
            } if op == "[cast]" => {
                let Expr::TypeLiteral(t, _) = left.as_ref() else {
                    return Err(not_assignable(*span));
                };
                let v = operators::cast(t, v, *span)?;
                if let Expr::Variable(var) = right.as_ref() {
                    let key = var_key(&var.name);
                    let idx = self.scopes.len() - 1;
                    if let Some(scope) = self.scopes.get_mut(idx) {
                        scope.types.insert(key, t.clone());
                    }
                    return Ok(self.set_var(&var.name, v, var.span)?);
                }
                self.assign(right, v, io)
            }
            Expr::Array(items, span) => {
                // `$a, $b = 1, 2, 3`: $a = 1, $b = @(2, 3)
                let mut values = unroll(v);
                for (i, item) in items.iter().enumerate() {
                    let v = if i + 1 == items.len() {
                        collapse(std::mem::take(&mut values))
                    } else if values.is_empty() {
                        Value::Null
                    } else {
                        values.remove(0)
                    };
                    if !matches!(item, Expr::Variable(_)) {
                        return Err(not_assignable(*span));
                    }
                    self.assign(item, v, io)?;
                }
                Ok(())
            }
            Expr::Member {
                target: inner,
                member,
                args: None,
                span,
            } => {
                // Hashtables and objects are shared: setting the member changes every holder, and
                // the target is evaluated once (`$a[$i++].x = 1` moves `$i` by one).
                let current = self.expr(inner, io)?;
                set_member(current, member, v, *span)?;
                Ok(())
            }
            Expr::Index {
                target: inner,
                index,
                span,
            } => {
                let current = self.expr(inner, io)?;
                let i = self.expr(index, io)?;
                set_index(current, &i, v, *span)?;
                Ok(())
            }
            other => Err(not_assignable(other.span())),
        }
    }

    // ----- variables -----

    /// `$name` → its value (`$true`, `$null`, automatic variables, `$env:X`, scope qualifiers).
    fn var(&self, name: &str) -> Value {
        // Lower-cased without a copy when it already is (most variable names are, e.g. `$bytes`).
        let lower = if name
            .bytes()
            .any(|b| !b.is_ascii() || b.is_ascii_uppercase())
        {
            std::borrow::Cow::Owned(name.to_lowercase())
        } else {
            std::borrow::Cow::Borrowed(name)
        };
        if let Some(env) = lower.strip_prefix("env:") {
            return std::env::vars()
                .find(|(k, _)| k.eq_ignore_ascii_case(env))
                .map(|(_, v)| Value::String(v))
                .unwrap_or(Value::Null);
        }
        let (global, key) = split_scope(&lower);
        match key {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            "null" => return Value::Null,
            "error" => return Value::array(self.errors.clone()),
            "?" => return Value::Bool(self.last_ok),
            "psscriptroot" => return Value::String(self.base_dir.display().to_string()),
            "pwd" => {
                return std::env::current_dir()
                    .map(|d| Value::String(d.display().to_string()))
                    .unwrap_or(Value::Null)
            }
            "home" => {
                return std::env::var("HOME")
                    .map(Value::String)
                    .unwrap_or(Value::Null)
            }
            _ => {}
        }
        // A `$script:` / `$global:` name looks only in the script scope; others from the innermost out.
        let searched = if global {
            &self.scopes[..self.scopes.len().min(1)]
        } else {
            &self.scopes[..]
        };
        for s in searched.iter().rev() {
            if let Some(v) = s.vars.get(key) {
                return v.clone();
            }
        }
        match key {
            "erroractionpreference" | "warningpreference" => Value::String("Continue".into()),
            _ => Value::Null,
        }
    }

    fn check_writable(key: &str, span: Span) -> Result<(), RuntimeError> {
        if matches!(
            key,
            "true" | "false" | "error" | "?" | "psscriptroot" | "pwd" | "home"
        ) {
            return Err(RuntimeError::new(
                format!("Cannot overwrite variable {key} because it is read-only or constant."),
                span,
            )
            .help("choose another variable name"));
        }
        Ok(())
    }

    /// The scope index a (qualified) variable name refers to for writing, with its key.
    fn write_target(&self, name: &str) -> (usize, String) {
        let lower = name.to_lowercase();
        let (global, key) = split_scope(&lower);
        let idx = if global { 0 } else { self.scopes.len() - 1 };
        (idx, key.to_string())
    }

    /// `$name = v` in the current scope (or the script scope for `$script:`/`$global:`),
    /// honouring a type constraint from `[type]$name = ...`.
    fn set_var(&mut self, name: &str, v: Value, span: Span) -> Result<(), RuntimeError> {
        if name.to_lowercase().starts_with("env:") {
            return Err(RuntimeError::new(
                "Setting environment variables is not supported in mailsec.",
                span,
            )
            .help("keep the value in an ordinary variable"));
        }
        let (idx, key) = self.write_target(name);
        if key == "null" {
            return Ok(());
        }
        Self::check_writable(&key, span)?;
        let constraint = self
            .scopes
            .iter()
            .rev()
            .find_map(|s| s.types.get(&key).cloned());
        let v = match constraint {
            Some(t) => operators::cast(&t, v, span)?,
            None => v,
        };
        if let Some(scope) = self.scopes.get_mut(idx) {
            scope.vars.insert(key, v);
        }
        Ok(())
    }

    /// Set a variable in the current scope, no checks (automatic variables: `$_`, `$Matches` ...).
    fn set_local(&mut self, key: &str, v: Value) {
        let idx = self.scopes.len() - 1;
        if let Some(scope) = self.scopes.get_mut(idx) {
            scope.vars.insert(key.to_string(), v);
        }
    }

    /// Replace `$_` in the current scope; returns the previous one (restore it with this too).
    fn swap_dollar_underscore(&mut self, v: Option<Value>) -> Option<Value> {
        let idx = self.scopes.len() - 1;
        let scope = self.scopes.get_mut(idx)?;
        match v {
            Some(v) => scope.vars.insert("_".into(), v),
            None => scope.vars.remove("_"),
        }
    }

    // ----- expressions -----

    fn expr(&mut self, e: &Expr, io: &mut Io) -> Eval<Value> {
        // Like `exec`: the work for each kind of expression is in a function of its own.
        match e {
            Expr::SingleQuoted(s, _) | Expr::Bareword(s, _) => Ok(Value::String(s.clone())),
            Expr::DoubleQuoted(parts, _) => self.expr_string(parts, io),
            Expr::Number(n, _) => Ok(if n.fract() == 0.0 && n.abs() < 9.0e15 {
                Value::Int(*n as i64)
            } else {
                Value::Double(*n)
            }),
            Expr::Variable(v) => Ok(self.var(&v.name)),
            Expr::Array(items, _) => self.expr_array(items, io),
            Expr::Paren(p, _) => self.expr_paren(p, io),
            Expr::SubExpression(script, _) => self.sub(script, io).map(collapse),
            Expr::TypeLiteral(t, span) => Err(type_as_value(t, *span)),
            Expr::StaticMember {
                type_name,
                member,
                args,
                span,
            } => self.expr_static(type_name, member, args.as_deref(), *span, io),
            Expr::Member {
                target,
                member,
                args,
                span,
            } => self.expr_member(target, member, args.as_deref(), *span, io),
            Expr::Index {
                target,
                index,
                span,
            } => self.expr_index(target, index, *span, io),
            Expr::Hashtable(entries, _) => self.expr_hashtable(entries, io),
            Expr::Unary { op, operand, span } => self.expr_unary(op, operand, *span, io),
            Expr::Binary {
                op,
                left,
                right,
                span,
            } => self.expr_binary(op, left, right, *span, io),
            Expr::ScriptBlock(b) => Ok(self.block_value(b)),
            Expr::Splat(v) => Err(splat_as_value(v)),
        }
    }

    #[inline(never)]
    fn expr_string(&mut self, parts: &[StringPart], io: &mut Io) -> Eval<Value> {
        let mut s = String::new();
        for p in parts {
            match p {
                StringPart::Literal(t) => s.push_str(t),
                StringPart::Variable(v) => s.push_str(&text(&self.var(&v.name))),
                StringPart::SubExpression(script, _) => {
                    let vals = self.sub(script, io)?;
                    let parts: Vec<String> = vals.iter().map(text).collect();
                    s.push_str(&parts.join(" "));
                }
            }
        }
        Ok(Value::String(s))
    }

    #[inline(never)]
    fn expr_array(&mut self, items: &[Expr], io: &mut Io) -> Eval<Value> {
        let mut out = Vec::new();
        for i in items {
            match i {
                // `@( ... )`: the statements' outputs, flattened.
                Expr::SubExpression(script, _) => out.extend(self.sub(script, io)?),
                other => out.push(self.expr(other, io)?),
            }
        }
        Ok(Value::array(out))
    }

    #[inline(never)]
    fn expr_paren(&mut self, p: &Pipeline, io: &mut Io) -> Eval<Value> {
        Ok(collapse(self.pipeline(p, io)?))
    }

    #[inline(never)]
    fn expr_static(
        &mut self,
        type_name: &str,
        member: &str,
        args: Option<&[Expr]>,
        span: Span,
        io: &mut Io,
    ) -> Eval<Value> {
        let mut vals = Vec::new();
        for a in args.into_iter().flatten() {
            vals.push(self.expr(a, io)?);
        }
        if let Some(v) = self.static_member(type_name, member, args.is_some(), &vals, span)? {
            return Ok(v);
        }
        Ok(dotnet::call_static(
            type_name,
            member,
            &vals,
            &self.base_dir,
            span,
        )?)
    }

    #[inline(never)]
    fn expr_member(
        &mut self,
        target: &Expr,
        member: &str,
        args: Option<&[Expr]>,
        span: Span,
        io: &mut Io,
    ) -> Eval<Value> {
        let t = self.expr(target, io)?;
        let Some(args) = args else {
            return Ok(member_of(&t, member));
        };
        let mut vals = Vec::new();
        for a in args {
            vals.push(self.expr(a, io)?);
        }
        self.call_method(t, member, vals, span, io)
    }

    #[inline(never)]
    fn expr_index(&mut self, target: &Expr, index: &Expr, span: Span, io: &mut Io) -> Eval<Value> {
        let t = self.expr(target, io)?;
        let i = self.expr(index, io)?;
        Ok(index_of(&t, &i, span)?)
    }

    #[inline(never)]
    fn expr_hashtable(&mut self, entries: &[(Expr, Expr)], io: &mut Io) -> Eval<Value> {
        let mut out: Vec<(String, Value)> = Vec::new();
        for (k, v) in entries {
            let key = text(&self.expr(k, io)?);
            if out.iter().any(|(x, _)| x.eq_ignore_ascii_case(&key)) {
                return Err(RuntimeError::new(
                    format!("Duplicate keys '{key}' are not allowed in hash literals."),
                    k.span(),
                )
                .help("give each key once")
                .into());
            }
            out.push((key, self.expr(v, io)?));
        }
        Ok(Value::hashtable(out))
    }

    #[inline(never)]
    fn expr_unary(&mut self, op: &str, operand: &Expr, span: Span, io: &mut Io) -> Eval<Value> {
        match op {
            "++" | "--" | "post++" | "post--" => {
                let old = self.expr(operand, io)?;
                let delta = if op.ends_with("++") { "+" } else { "-" };
                let base = if matches!(old, Value::Null) {
                    Value::Int(0)
                } else {
                    old.clone()
                };
                let new = operators::binary(delta, base, Value::Int(1), span)?.value;
                self.assign(operand, new.clone(), io)?;
                Ok(if op.starts_with("post") { old } else { new })
            }
            _ => {
                let v = self.expr(operand, io)?;
                Ok(operators::unary(op, v, span)?)
            }
        }
    }

    #[inline(never)]
    fn expr_binary(
        &mut self,
        op: &str,
        left: &Expr,
        right: &Expr,
        span: Span,
        io: &mut Io,
    ) -> Eval<Value> {
        if let (true, Expr::TypeLiteral(t, _)) = (op == "[cast]", left) {
            let v = self.expr(right, io)?;
            return Ok(operators::cast(t, v, span)?);
        }
        match op {
            "-and" => {
                let l = self.expr(left, io)?;
                if !truthy(&l) {
                    return Ok(Value::Bool(false));
                }
                let r = self.expr(right, io)?;
                return Ok(Value::Bool(truthy(&r)));
            }
            "-or" => {
                let l = self.expr(left, io)?;
                if truthy(&l) {
                    return Ok(Value::Bool(true));
                }
                let r = self.expr(right, io)?;
                return Ok(Value::Bool(truthy(&r)));
            }
            "-is" | "-isnot" | "-as" => {
                let l = self.expr(left, io)?;
                let t = match right {
                    Expr::TypeLiteral(t, _) => t.clone(),
                    other => text(&self.expr(other, io)?),
                };
                return Ok(match op {
                    "-is" => Value::Bool(operators::is_type(&l, &t)),
                    "-isnot" => Value::Bool(!operators::is_type(&l, &t)),
                    _ => operators::try_cast(&t, l, span),
                });
            }
            _ => {}
        }
        let l = self.expr(left, io)?;
        let r = self.expr(right, io)?;
        let outcome = operators::binary(op, l, r, span)?;
        if let Some(m) = outcome.matches {
            self.set_local("matches", m);
        }
        Ok(outcome.value)
    }

    fn sub(&mut self, script: &Script, io: &mut Io) -> Eval<Vec<Value>> {
        let mut out = Vec::new();
        self.exec_list(&script.statements, &mut out, false, io)?;
        Ok(out)
    }

    /// `[regex]::...` and `[scriptblock]::Create(...)`; None for everything else (→ dotnet).
    fn static_member(
        &mut self,
        type_name: &str,
        member: &str,
        call: bool,
        args: &[Value],
        span: Span,
    ) -> Eval<Option<Value>> {
        let t = operators::short_type(type_name);
        let m = member.to_lowercase();
        let arg = |i: usize| -> Result<String, RuntimeError> {
            args.get(i).map(text).ok_or_else(|| {
                RuntimeError::new(
                    format!(
                        "Cannot find an overload for \"{member}\" and the argument count: \"{}\".",
                        args.len()
                    ),
                    span,
                )
                .help(format!(
                    "check the arguments of [{type_name}]::{member}(...)"
                ))
            })
        };
        match (t.as_str(), m.as_str(), call) {
            ("text.regularexpressions.regex" | "regex", "escape", true) => {
                let s = arg(0)?;
                let mut out = String::new();
                for c in s.chars() {
                    if "\\*+?|{[()^$.#".contains(c) || c.is_whitespace() {
                        out.push('\\');
                    }
                    match c {
                        '\n' => out.push('n'),
                        '\t' => out.push('t'),
                        '\r' => out.push('r'),
                        other => out.push(other),
                    }
                }
                Ok(Some(Value::String(out)))
            }
            ("text.regularexpressions.regex" | "regex", "ismatch", true) => {
                let re = operators::regex(&arg(1)?, true, span)?;
                Ok(Some(Value::Bool(
                    re.is_match(&arg(0)?)
                        .map_err(|e| RuntimeError::new(e, span))?,
                )))
            }
            ("text.regularexpressions.regex" | "regex", "replace", true) => {
                let r = operators::binary(
                    "-creplace",
                    Value::String(arg(0)?),
                    Value::array(vec![Value::String(arg(1)?), Value::String(arg(2)?)]),
                    span,
                )?;
                Ok(Some(r.value))
            }
            ("scriptblock" | "management.automation.scriptblock", "create", true) => {
                let src = arg(0)?;
                let script =
                    crate::syntax::parse_script(&format!("{{{src}}}")).map_err(|errs| {
                        let first = errs.first().map(|e| e.message.clone()).unwrap_or_default();
                        RuntimeError::new(
                            format!("[scriptblock]::Create: the text does not parse: {first}"),
                            span,
                        )
                        .help("check the script text; `mailsec check` shows where it goes wrong")
                    })?;
                match script.statements.first() {
                    Some(Statement::Pipeline(p)) => match p.elements.first() {
                        Some(PipelineElement::Expression(Expr::ScriptBlock(b))) => {
                            Ok(Some(self.block_value(b)))
                        }
                        _ => Ok(None),
                    },
                    _ => Ok(None),
                }
            }
            _ => Ok(None),
        }
    }

    /// `target.method(args)`: script blocks, hashtables, `GetType()` and the intrinsic
    /// `.Where()`/`.ForEach()` here; everything else in `objects.rs`.
    fn call_method(
        &mut self,
        t: Value,
        member: &str,
        args: Vec<Value>,
        span: Span,
        io: &mut Io,
    ) -> Eval<Value> {
        let m = member.to_lowercase();
        if matches!(t, Value::Null) {
            return Err(RuntimeError::new(
                "You cannot call a method on a null-valued expression.",
                span,
            )
            .help(format!(
                "the value before .{member}() is $null: check that the variable is set"
            ))
            .into());
        }
        if let Some(block) = self.block_of(&t) {
            return match m.as_str() {
                "invoke" | "invokereturnasis" => {
                    let args = args
                        .into_iter()
                        .map(|v| crate::binder::Arg::Value(v, span))
                        .collect();
                    Ok(collapse(
                        self.invoke_block(&block, args, None, true, span, io)?,
                    ))
                }
                "tostring" => Ok(Value::String(block.text.clone())),
                "getnewclosure" => Ok(t),
                _ => Err(RuntimeError::new(
                    format!("The method '{member}' of [ScriptBlock] is not supported in mailsec"),
                    span,
                )
                .help("supported: Invoke(), InvokeReturnAsIs(), ToString(), GetNewClosure(); or run it with & $block")
                .into()),
            };
        }
        if m == "gettype" && args.is_empty() {
            let full = match &t {
                Value::Int(_) => "System.Int32".to_string(),
                other => other.type_name().to_string(),
            };
            let name = full.rsplit('.').next().unwrap_or(&full).to_string();
            return Ok(Value::Object(Object {
                type_name: "System.RuntimeType".into(),
                props: vec![
                    ("Name".into(), Value::String(name)),
                    ("FullName".into(), Value::String(full)),
                ]
                .into(),
                default_columns: vec!["Name", "FullName"],
            }));
        }
        if let (Value::Array(items), "where" | "foreach") = (&t, m.as_str()) {
            let Some(block) = args.first().and_then(|a| self.block_of(a)) else {
                return Err(RuntimeError::new(
                    format!(".{member}() needs a script block (for example: $list.{member}({{ $_.Name -like 'a*' }}))"),
                    span,
                )
                .into());
            };
            let mut out = Vec::new();
            // A copy: the block may change the list it walks.
            for item in items.to_vec() {
                let saved = self.swap_dollar_underscore(Some(item.clone()));
                let r = self.run_block_here(&block, io);
                self.swap_dollar_underscore(saved);
                let r = r?;
                if m == "where" {
                    if truthy(&collapse(r)) {
                        out.push(item);
                    }
                } else {
                    out.extend(r);
                }
            }
            return Ok(Value::array(out));
        }
        if let Value::Hashtable(h) = &t {
            if let Some(result) = hashtable_method(h, &m, &args, span)? {
                return Ok(result);
            }
        }
        Ok(objects::call_method(
            &t,
            member,
            &args,
            &self.base_dir,
            span,
        )?)
    }
}

fn type_as_value(t: &str, span: Span) -> Flow {
    RuntimeError::new(format!("The type [{t}] can't be used as a value in mailsec"), span)
        .help("use a type with -is, -as, a cast ([int]$x) or a static member ([IO.File]::ReadAllBytes(...))")
        .into()
}

fn splat_as_value(v: &crate::syntax::ast::Variable) -> Flow {
    RuntimeError::new(
        format!("The splatting operator '@' cannot be used to reference variables in an expression. '@{}' can be used only as an argument to a command.", v.name),
        v.span,
    )
    .help(format!("write ${} to use the value", v.name))
    .into()
}

fn not_assignable(span: Span) -> Flow {
    RuntimeError::new(
        "The assignment expression is not valid: the left side cannot be assigned to.",
        span,
    )
    .help("assign to a variable ($x = ...), a property ($x.Name = ...) or an element ($h['key'] = ...)")
    .into()
}

/// Statements that run blocks of statements (their blocks print as they go at the top level).
fn is_compound(st: &Statement) -> bool {
    matches!(
        st,
        Statement::If { .. }
            | Statement::Foreach { .. }
            | Statement::While { .. }
            | Statement::DoLoop { .. }
            | Statement::For { .. }
            | Statement::Switch { .. }
            | Statement::Try { .. }
    )
}

/// `script:x` / `global:x` → (true, "x"); `local:x`, `private:x`, `using:x`, `variable:x` → (false, "x");
/// `psitem` is `_`.
fn split_scope(lower: &str) -> (bool, &str) {
    let (global, key) = if let Some(k) = lower
        .strip_prefix("script:")
        .or_else(|| lower.strip_prefix("global:"))
    {
        (true, k)
    } else if let Some(k) = lower
        .strip_prefix("local:")
        .or_else(|| lower.strip_prefix("private:"))
        .or_else(|| lower.strip_prefix("using:"))
        .or_else(|| lower.strip_prefix("variable:"))
    {
        (false, k)
    } else {
        (false, lower)
    };
    let key = if key == "psitem" { "_" } else { key };
    (global, key)
}

fn var_key(name: &str) -> String {
    split_scope(&name.to_lowercase()).1.to_string()
}

/// PowerShell truthiness, with a one-element array judged by its element.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Array(a) if a.len() == 1 => a.read().first().is_some_and(truthy),
        other => other.is_truthy(),
    }
}

/// One value stays itself; several become an array; none is $null (PowerShell's assignment rule).
fn collapse(mut v: Vec<Value>) -> Value {
    match v.len() {
        0 => Value::Null,
        1 => v.remove(0),
        _ => Value::array(v),
    }
}

/// A pipeline sends an array's elements one by one.
pub(crate) fn unroll(v: Value) -> Vec<Value> {
    v.unrolled()
}

fn member_of(t: &Value, member: &str) -> Value {
    member_at(t, member, 0)
}

/// How deep member enumeration goes into lists of lists (a list may hold itself).
const MEMBER_DEPTH: usize = 8;

fn member_at(t: &Value, member: &str, depth: usize) -> Value {
    let m = member.to_lowercase();
    match (t, m.as_str()) {
        (Value::Array(a), "count" | "length") => Value::Int(a.len() as i64),
        (Value::Bytes(b), "count" | "length") => Value::Int(b.len() as i64),
        (Value::String(s), "length") => Value::Int(s.chars().count() as i64),
        (Value::Cert(c), "rawdata") => Value::Bytes(c.bytes().to_vec()),
        (Value::Hashtable(h), "count")
            if !h
                .read()
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("count")) =>
        {
            Value::Int(h.read().len() as i64)
        }
        (Value::Hashtable(h), "keys")
            if !h.read().iter().any(|(k, _)| k.eq_ignore_ascii_case("keys")) =>
        {
            Value::array(
                h.read()
                    .iter()
                    .map(|(k, _)| Value::String(k.clone()))
                    .collect(),
            )
        }
        (Value::Hashtable(h), "values")
            if !h
                .read()
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("values")) =>
        {
            Value::array(h.read().iter().map(|(_, v)| v.clone()).collect())
        }
        (Value::Array(a), _) => Value::array(
            a.read()
                .iter()
                .filter(|_| depth < MEMBER_DEPTH)
                .map(|x| member_at(x, member, depth + 1))
                .filter(|v| *v != Value::Null)
                .collect(),
        ),
        (Value::Null, "count" | "length") => Value::Int(0),
        (other, _) => match other.property(member) {
            Some(v) => v.into_owned(),
            // PowerShell gives every single value a Count of 1
            None if m == "count" || m == "length" && !matches!(other, Value::Object(_)) => {
                Value::Int(1)
            }
            None => Value::Null,
        },
    }
}

fn index_of(t: &Value, i: &Value, span: Span) -> Result<Value, RuntimeError> {
    if let Value::Hashtable(h) = t {
        // `$h['a']`, `$h['a','b']`
        let lookup = |k: &Value| {
            let key = text(k);
            h.read()
                .iter()
                .find(|(x, _)| x.eq_ignore_ascii_case(&key))
                .map(|(_, v)| v.clone())
                .unwrap_or(Value::Null)
        };
        return Ok(match i {
            Value::Array(keys) => Value::array(keys.read().iter().map(lookup).collect()),
            k => lookup(k),
        });
    }
    if let Value::Array(indices) = i {
        // `$a[0, 2]`, `$a[1..3]`: a slice (missing elements left out)
        let mut out = Vec::new();
        for ix in indices.to_vec() {
            match index_of(t, &ix, span)? {
                Value::Null => {}
                v => out.push(v),
            }
        }
        return Ok(Value::array(out));
    }
    let idx = match operators::to_number(i) {
        Some(operators::Num::Int(n)) if !matches!(i, Value::Null | Value::Bool(_)) => n,
        Some(operators::Num::Double(d)) if d.is_finite() => d.round() as i64,
        _ => return Err(RuntimeError::new(
            format!("Index must be a number, not {}", i.type_name()),
            span,
        )
        .help(
            "index arrays with whole numbers ($a[0], $a[-1]); hashtables take keys ($h['name'])",
        )),
    };
    let get = |len: usize| -> Option<usize> {
        let n = if idx < 0 { len as i64 + idx } else { idx };
        (0..len as i64).contains(&n).then_some(n as usize)
    };
    Ok(match t {
        Value::Array(a) => {
            let items = a.read();
            get(items.len())
                .and_then(|n| items.get(n).cloned())
                .unwrap_or(Value::Null)
        }
        Value::Bytes(b) => get(b.len())
            .map(|n| Value::Int(b[n] as i64))
            .unwrap_or(Value::Null),
        Value::String(s) => {
            let chars: Vec<char> = s.chars().collect();
            get(chars.len())
                .map(|n| Value::String(chars[n].to_string()))
                .unwrap_or(Value::Null)
        }
        Value::Null => {
            return Err(RuntimeError::new("Cannot index into a null array.", span)
                .help("the value before [ ] is $null: check that the variable is set"))
        }
        other => {
            if idx == 0 || idx == -1 {
                other.clone()
            } else {
                Value::Null
            }
        }
    })
}

/// `$obj.Name = v`, in place: hashtables and objects are shared, so every holder sees it.
fn set_member(current: Value, member: &str, v: Value, span: Span) -> Result<Value, RuntimeError> {
    let missing = || {
        RuntimeError::new(
            format!("The property '{member}' cannot be found on this object. Verify that the property exists and can be set."),
            span,
        )
    };
    match current {
        Value::Hashtable(h) => {
            {
                let mut entries = h.write().map_err(|e| in_use(e, span))?;
                match entries
                    .iter_mut()
                    .find(|(k, _)| k.eq_ignore_ascii_case(member))
                {
                    Some((_, slot)) => *slot = v,
                    None => entries.push((member.to_string(), v)),
                }
            }
            Ok(Value::Hashtable(h))
        }
        Value::Object(o) => {
            match o
                .props
                .write()
                .map_err(|e| in_use(e, span))?
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(member))
            {
                Some((_, slot)) => *slot = v,
                None => {
                    return Err(missing().help(format!(
                        "this {} has no property '{member}'; to add one, build a new object: [pscustomobject]@{{ ... }}",
                        o.type_name
                    )))
                }
            }
            Ok(Value::Object(o))
        }
        Value::Null => {
            Err(missing().help("the value before the '.' is $null: check that the variable is set"))
        }
        other => Err(missing().help(format!(
            "a {} has no settable properties",
            other.type_name()
        ))),
    }
}

/// `$x[i] = v`, in place: arrays and hashtables are shared, so every holder sees it.
fn set_index(current: Value, i: &Value, v: Value, span: Span) -> Result<Value, RuntimeError> {
    match current {
        Value::Hashtable(h) => {
            let key = text(i);
            {
                let mut entries = h.write().map_err(|e| in_use(e, span))?;
                match entries
                    .iter_mut()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&key))
                {
                    Some((_, slot)) => *slot = v,
                    None => entries.push((key, v)),
                }
            }
            Ok(Value::Hashtable(h))
        }
        Value::Array(list) => {
            let idx = match operators::to_number(i) {
                Some(operators::Num::Int(n)) => n,
                _ => {
                    return Err(RuntimeError::new(
                        format!("Index must be a number, not {}", i.type_name()),
                        span,
                    )
                    .help("index arrays with whole numbers ($a[0] = ...)"))
                }
            };
            let mut a = list.write().map_err(|e| in_use(e, span))?;
            let n = if idx < 0 { a.len() as i64 + idx } else { idx };
            match usize::try_from(n).ok().filter(|n| *n < a.len()) {
                Some(n) => {
                    a[n] = v;
                    drop(a);
                    Ok(Value::Array(list))
                }
                None => Err(RuntimeError::new(
                    format!(
                        "Index was outside the bounds of the array (index {idx}, {} elements).",
                        a.len()
                    ),
                    span,
                )
                .help("an array does not grow by assignment: use $a += $value to append")),
            }
        }
        Value::Null => Err(RuntimeError::new("Cannot index into a null array.", span)
            .help("create it first: $h = @{} or $a = @()")),
        other => Err(RuntimeError::new(
            format!(
                "Unable to index into an object of type {}.",
                other.type_name()
            ),
            span,
        )),
    }
}

/// Hashtable methods, changing the hashtable in place (every variable that holds it sees the change);
/// None when `m` is not one of them.
fn hashtable_method(
    table: &Table,
    m: &str,
    args: &[Value],
    span: Span,
) -> Result<Option<Value>, RuntimeError> {
    let arg = |i: usize| -> Result<&Value, RuntimeError> {
        args.get(i).ok_or_else(|| {
            RuntimeError::new(
                format!(
                    "Cannot find an overload for \"{m}\" and the argument count: \"{}\".",
                    args.len()
                ),
                span,
            )
            .help("hashtable methods: Add(key, value), Remove(key), ContainsKey(key), ContainsValue(value), Clear(), Clone(), GetEnumerator()")
        })
    };
    let find = |h: &[(String, Value)], k: &Value| {
        let key = text(k);
        h.iter().position(|(x, _)| x.eq_ignore_ascii_case(&key))
    };
    Ok(Some(match m {
        "containskey" | "contains" => Value::Bool(find(&table.read(), arg(0)?).is_some()),
        "containsvalue" => {
            let v = arg(0)?;
            let found = table
                .read()
                .iter()
                .any(|(_, x)| operators::equals(x, v, false));
            Value::Bool(found)
        }
        "add" => {
            let (k, v) = (arg(0)?, arg(1)?);
            let mut h = table.write().map_err(|e| in_use(e, span))?;
            if find(&h, k).is_some() {
                return Err(RuntimeError::new(
                    format!(
                        "Exception calling \"Add\" with \"2\" argument(s): \"Item has already been added. Key in dictionary: '{0}'  Key being added: '{0}'\"",
                        text(k)
                    ),
                    span,
                )
                .help("use $h[key] = value to replace an existing entry"));
            }
            h.push((text(k), v.clone()));
            Value::Null
        }
        "remove" => {
            let k = arg(0)?;
            let mut h = table.write().map_err(|e| in_use(e, span))?;
            if let Some(i) = find(&h, k) {
                h.remove(i);
            }
            Value::Null
        }
        "clear" => {
            table.write().map_err(|e| in_use(e, span))?.clear();
            Value::Null
        }
        "clone" => Value::hashtable(table.snapshot()),
        "getenumerator" => Value::array(
            table
                .read()
                .iter()
                .map(|(k, v)| {
                    Value::Object(Object {
                        type_name: "System.Collections.DictionaryEntry".into(),
                        props: vec![
                            ("Name".into(), Value::String(k.clone())),
                            ("Key".into(), Value::String(k.clone())),
                            ("Value".into(), v.clone()),
                        ]
                        .into(),
                        default_columns: vec!["Name", "Value"],
                    })
                })
                .collect(),
        ),
        _ => return Ok(None),
    }))
}

/// A change to a list or hashtable while a loop walks it (PowerShell's own message).
pub(crate) fn in_use(e: InUse, span: Span) -> RuntimeError {
    RuntimeError::new(e.to_string(), span)
        .help("walk a copy instead: foreach ($x in @($list)) { ... }")
}

#[cfg(test)]
mod reference_tests;
#[cfg(test)]
mod tests;
