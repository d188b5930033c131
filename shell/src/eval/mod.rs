//! The evaluator: runs statements, evaluates expressions, binds and invokes cmdlets against the working desired state.

mod builtins;
pub mod dotnet;
pub mod error;
pub mod objects;

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use mailsec_cmdlets::{Bound, ConfirmImpact, Context, Message, Value};
use mailsec_state::backend::LiveState;
use mailsec_state::model::DesiredState;

use crate::binder::{bind, Arg, Binding, Common};
use crate::format;
use crate::syntax::ast::{
    Command, CommandArg, Expr, Pipeline, PipelineElement, Script, Span, Statement, StringPart,
};
pub use error::RuntimeError;

/// Where output and diagnostics go, and whether a person is there to answer prompts.
pub struct Io<'a> {
    pub out: &'a mut dyn Write,
    /// Called for each non-terminating error (the caller renders it with the source).
    pub report: &'a mut dyn FnMut(&RuntimeError),
    pub warn: &'a mut dyn FnMut(&str),
    /// Asks a yes/no question; `None` when nobody can answer (not a terminal).
    pub confirm: Option<&'a mut dyn FnMut(&str) -> bool>,
}

pub struct Evaluator<'s> {
    pub state: &'s mut DesiredState,
    pub live: &'s LiveState,
    /// Names the backends in not-found messages.
    pub location: String,
    /// Relative paths in scripts resolve here first.
    pub base_dir: PathBuf,
    vars: HashMap<String, Value>,
    /// A non-terminating error happened: the run exits 1.
    pub had_error: bool,
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
            live,
            location,
            base_dir,
            vars: HashMap::new(),
            had_error: false,
        }
    }

    /// Run every statement; non-terminating errors are reported and skipped, a terminating one is returned.
    pub fn run(&mut self, script: &Script, io: &mut Io) -> Result<(), RuntimeError> {
        for st in &script.statements {
            match self.statement(st, io) {
                Ok(values) => format::print(io.out, &values),
                Err(e) if !e.terminating => {
                    self.had_error = true;
                    (io.report)(&e);
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn statement(&mut self, st: &Statement, io: &mut Io) -> Result<Vec<Value>, RuntimeError> {
        match st {
            Statement::Assignment { target, value, .. } => {
                let v = collapse(self.pipeline(value, io)?);
                self.vars.insert(target.name.to_lowercase(), v);
                Ok(Vec::new())
            }
            Statement::Pipeline(p) => self.pipeline(p, io),
        }
    }

    fn pipeline(&mut self, p: &Pipeline, io: &mut Io) -> Result<Vec<Value>, RuntimeError> {
        let mut input: Option<Vec<Value>> = None;
        for el in &p.elements {
            let out = match el {
                PipelineElement::Expression(e) => {
                    if input.is_some() {
                        return Err(RuntimeError::new(
                            "Expressions are only allowed as the first element of a pipeline.",
                            e.span(),
                        ));
                    }
                    unroll(self.expr(e, io)?)
                }
                PipelineElement::Command(c) => self.command(c, input.take(), io)?,
            };
            input = Some(out);
        }
        Ok(input.unwrap_or_default())
    }

    fn command(
        &mut self,
        c: &Command,
        input: Option<Vec<Value>>,
        io: &mut Io,
    ) -> Result<Vec<Value>, RuntimeError> {
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
                CommandArg::Value(e) => args.push(Arg::Value(self.expr(e, io)?, e.span())),
            }
        }
        if let Some(result) =
            builtins::run(&c.name, c.span, &args, input.as_deref(), io, &self.base_dir)
        {
            return result;
        }
        let Some(def) = mailsec_cmdlets::find(&c.name) else {
            let mut e = RuntimeError::new(
                format!(
                    "The term '{}' is not recognized as a name of a cmdlet, function, script file, or executable program.",
                    c.name
                ),
                c.name_span,
            );
            e.category = Some("ObjectNotFound");
            let hints = mailsec_cmdlets::suggest(&c.name);
            return Err(match hints.first() {
                Some(h) => e.help(format!("did you mean {h}?")),
                None => e.help("`mailsec help` lists the cmdlets mailsec has"),
            });
        };
        let sig = &def.signature;
        // Pipeline input binds to -Identity by property name (Guid, else Identity, else Name).
        let runs: Vec<Vec<Arg>> = match input {
            Some(objs) if !objs.is_empty() && sig.param("Identity").is_some() => objs
                .into_iter()
                .map(|o| {
                    let mut a = args.clone();
                    let id = ["Guid", "Identity", "Name"]
                        .iter()
                        .find_map(|k| o.property(k).cloned())
                        .unwrap_or(o);
                    a.push(Arg::Param {
                        name: "Identity".into(),
                        span: c.name_span,
                        value: Some((id, c.name_span)),
                    });
                    a
                })
                .collect(),
            _ => vec![args],
        };
        let mut out = Vec::new();
        for args in runs {
            let Binding {
                bound,
                common,
                spans,
            } = bind(sig, args, c.span).map_err(|b| {
                let mut e = RuntimeError::new(b.message, b.span);
                e.help = b.help;
                e.command = Some(sig.name.to_string());
                e.category = Some("InvalidArgument");
                e
            })?;
            out.extend(self.invoke(def, c, bound, common, &spans, io)?);
        }
        Ok(out)
    }

    fn invoke(
        &mut self,
        def: &mailsec_cmdlets::CmdletDef,
        c: &Command,
        bound: Bound,
        common: Common,
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
                if let Some(confirm) = io.confirm.as_mut() {
                    let target = bound
                        .get("Identity")
                        .or_else(|| bound.get("Name"))
                        .map(|v| v.to_string())
                        .unwrap_or_default();
                    if !confirm(&format!("Are you sure you want to perform this action?\nPerforming the operation \"{}\" on target \"{target}\".", sig.name)) {
                        return Ok(Vec::new());
                    }
                }
            }
        }
        let mut ctx = Context::new(self.state, self.live, self.location.clone());
        ctx.what_if = what_if;
        let result = (def.run)(&bound, &mut ctx);
        let quiet_warnings = matches!(
            common.warning_action.as_deref(),
            Some("SilentlyContinue" | "Ignore")
        );
        for m in std::mem::take(&mut ctx.messages) {
            match m {
                Message::WhatIf(t) => {
                    let _ = writeln!(io.out, "What if: {t}");
                }
                Message::Warning(w) if !quiet_warnings => (io.warn)(&w),
                Message::Warning(_) => {}
            }
        }
        match result {
            Ok(v) => Ok(v),
            Err(err) => {
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
                match common.error_action.as_deref() {
                    Some("Stop") => e.terminating = true,
                    Some("SilentlyContinue" | "Ignore") => return Ok(Vec::new()),
                    _ => {}
                }
                Err(e)
            }
        }
    }

    fn expr(&mut self, e: &Expr, io: &mut Io) -> Result<Value, RuntimeError> {
        Ok(match e {
            Expr::SingleQuoted(s, _) | Expr::Bareword(s, _) => Value::String(s.clone()),
            Expr::DoubleQuoted(parts, _) => {
                let mut s = String::new();
                for p in parts {
                    match p {
                        StringPart::Literal(t) => s.push_str(t),
                        StringPart::Variable(v) => s.push_str(&self.var(&v.name).to_string()),
                        StringPart::SubExpression(script, _) => {
                            let vals = self.sub(script, io)?;
                            let parts: Vec<String> = vals.iter().map(|v| v.to_string()).collect();
                            s.push_str(&parts.join(" "));
                        }
                    }
                }
                Value::String(s)
            }
            Expr::Number(n, _) => {
                if n.fract() == 0.0 && n.abs() < 9.0e15 {
                    Value::Int(*n as i64)
                } else {
                    Value::Double(*n)
                }
            }
            Expr::Variable(v) => self.var(&v.name),
            Expr::Array(items, _) => {
                let mut out = Vec::new();
                for i in items {
                    match i {
                        // `@( ... )`: the statements' outputs, flattened.
                        Expr::SubExpression(script, _) => out.extend(self.sub(script, io)?),
                        other => out.push(self.expr(other, io)?),
                    }
                }
                Value::Array(out)
            }
            Expr::Paren(p, _) => collapse(self.pipeline(p, io)?),
            Expr::SubExpression(script, _) => collapse(self.sub(script, io)?),
            Expr::TypeLiteral(t, span) => {
                return Err(RuntimeError::new(
                    format!("The type [{t}] can't be used as a value in mailsec"),
                    *span,
                ))
            }
            Expr::StaticMember {
                type_name,
                member,
                args,
                span,
            } => {
                let mut vals = Vec::new();
                for a in args.iter().flatten() {
                    vals.push(self.expr(a, io)?);
                }
                dotnet::call_static(type_name, member, &vals, &self.base_dir, *span)?
            }
            Expr::Member {
                target,
                member,
                args,
                span,
            } => {
                let t = self.expr(target, io)?;
                let Some(args) = args else {
                    return Ok(member_of(&t, member));
                };
                let mut vals = Vec::new();
                for a in args {
                    vals.push(self.expr(a, io)?);
                }
                let called = objects::call_method(&t, member, &vals, &self.base_dir, *span)?;
                if let (Some(updated), Expr::Variable(v)) = (called.updated_target, target.as_ref())
                {
                    self.vars.insert(v.name.to_lowercase(), updated);
                }
                called.result
            }
            Expr::Index {
                target,
                index,
                span,
            } => {
                let t = self.expr(target, io)?;
                let i = self.expr(index, io)?;
                index_of(&t, &i, *span)?
            }
            Expr::Hashtable(entries, _) => {
                let mut out = Vec::new();
                for (k, v) in entries {
                    let key = self.expr(k, io)?.to_string();
                    out.push((key, self.expr(v, io)?));
                }
                Value::Hashtable(out)
            }
            Expr::Unary { op, operand, span } => {
                let v = self.expr(operand, io)?;
                match op.as_str() {
                    "-not" | "!" => Value::Bool(!v.is_truthy()),
                    "," => Value::Array(vec![v]),
                    "-" => match v {
                        Value::Int(i) => Value::Int(-i),
                        Value::Double(d) => Value::Double(-d),
                        other => {
                            return Err(RuntimeError::new(
                                format!("Cannot negate a value of type {}", other.type_name()),
                                *span,
                            ))
                        }
                    },
                    other => {
                        return Err(RuntimeError::new(
                            format!("The operator '{other}' is not supported in mailsec yet"),
                            *span,
                        ))
                    }
                }
            }
            Expr::Binary {
                op,
                left,
                right,
                span,
            } => {
                if let (true, Expr::TypeLiteral(t, _)) = (op == "[cast]", left.as_ref()) {
                    let v = self.expr(right, io)?;
                    return cast(t, v, *span);
                }
                let l = self.expr(left, io)?;
                let r = self.expr(right, io)?;
                binary(op, l, r, *span)?
            }
        })
    }

    fn sub(&mut self, script: &Script, io: &mut Io) -> Result<Vec<Value>, RuntimeError> {
        let mut out = Vec::new();
        for st in &script.statements {
            out.extend(self.statement(st, io)?);
        }
        Ok(out)
    }

    fn var(&self, name: &str) -> Value {
        match name.to_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "null" => Value::Null,
            n => self.vars.get(n).cloned().unwrap_or(Value::Null),
        }
    }
}

/// One value stays itself; several become an array; none is $null (PowerShell's assignment rule).
fn collapse(mut v: Vec<Value>) -> Value {
    match v.len() {
        0 => Value::Null,
        1 => v.remove(0),
        _ => Value::Array(v),
    }
}

/// A pipeline sends an array's elements one by one.
pub(crate) fn unroll(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

fn member_of(t: &Value, member: &str) -> Value {
    let m = member.to_lowercase();
    match (t, m.as_str()) {
        (Value::Array(a), "count" | "length") => Value::Int(a.len() as i64),
        (Value::Bytes(b), "count" | "length") => Value::Int(b.len() as i64),
        (Value::String(s), "length") => Value::Int(s.chars().count() as i64),
        (Value::Cert(c), "rawdata") => Value::Bytes(c.bytes().to_vec()),
        (Value::Array(a), _) => Value::Array(
            a.iter()
                .map(|x| member_of(x, member))
                .filter(|v| *v != Value::Null)
                .collect(),
        ),
        (other, _) => other.property(member).cloned().unwrap_or(Value::Null),
    }
}

fn index_of(t: &Value, i: &Value, span: Span) -> Result<Value, RuntimeError> {
    let idx = match i {
        Value::Int(n) => *n,
        other => {
            return Err(RuntimeError::new(
                format!("Index must be a number, not {}", other.type_name()),
                span,
            ))
        }
    };
    let get = |len: usize| -> Option<usize> {
        let n = if idx < 0 { len as i64 + idx } else { idx };
        (0..len as i64).contains(&n).then_some(n as usize)
    };
    Ok(match t {
        Value::Array(a) => get(a.len()).map(|n| a[n].clone()).unwrap_or(Value::Null),
        Value::Bytes(b) => get(b.len())
            .map(|n| Value::Int(b[n] as i64))
            .unwrap_or(Value::Null),
        Value::Null => return Err(RuntimeError::new("Cannot index into a null array.", span)),
        other => {
            if idx == 0 || idx == -1 {
                other.clone()
            } else {
                Value::Null
            }
        }
    })
}

fn binary(op: &str, l: Value, r: Value, span: Span) -> Result<Value, RuntimeError> {
    let eq = |a: &Value, b: &Value| match (a, b) {
        (Value::String(x), Value::String(y)) => x.eq_ignore_ascii_case(y),
        (Value::String(x), y) | (y, Value::String(x)) => x.eq_ignore_ascii_case(&y.to_string()),
        _ => a == b,
    };
    Ok(match op {
        "-eq" | "-ieq" => Value::Bool(eq(&l, &r)),
        "-ne" | "-ine" => Value::Bool(!eq(&l, &r)),
        "-ceq" => Value::Bool(l == r),
        "-and" => Value::Bool(l.is_truthy() && r.is_truthy()),
        "-or" => Value::Bool(l.is_truthy() || r.is_truthy()),
        "-contains" => Value::Bool(unroll(l).iter().any(|x| eq(x, &r))),
        "-in" => Value::Bool(unroll(r).iter().any(|x| eq(x, &l))),
        "," => {
            let mut a = match l {
                Value::Array(a) => a,
                other => vec![other],
            };
            a.push(r);
            Value::Array(a)
        }
        "+" => match (l, r) {
            (Value::Int(a), Value::Int(b)) => Value::Int(a.saturating_add(b)),
            (Value::String(a), b) => Value::String(format!("{a}{b}")),
            (Value::Array(mut a), b) => {
                a.extend(unroll(b));
                Value::Array(a)
            }
            (a, b) => {
                return Err(RuntimeError::new(
                    format!("Cannot add {} and {}", a.type_name(), b.type_name()),
                    span,
                ))
            }
        },
        other => {
            return Err(RuntimeError::new(
                format!("The operator '{other}' is not supported in mailsec yet"),
                span,
            )
            .help("this slice supports -eq -ne -and -or -contains -in +"))
        }
    })
}

/// `[type]value` for the types scripts cast to.
fn cast(type_name: &str, v: Value, span: Span) -> Result<Value, RuntimeError> {
    let t = type_name.trim().to_lowercase();
    let t = t.strip_prefix("system.").unwrap_or(&t);
    Ok(match t {
        "void" => Value::Null,
        "string" => Value::String(v.to_string()),
        "bool" | "boolean" => Value::Bool(v.is_truthy()),
        "int" | "int32" | "int64" | "long" => match &v {
            Value::Int(_) => v,
            Value::Double(d) => Value::Int(d.round() as i64),
            Value::String(s) => s.trim().parse::<i64>().map(Value::Int).map_err(|_| {
                RuntimeError::new(
                    format!("Cannot convert value \"{s}\" to type \"System.Int32\"."),
                    span,
                )
            })?,
            other => {
                return Err(RuntimeError::new(
                    format!("Cannot convert {} to System.Int32.", other.type_name()),
                    span,
                ))
            }
        },
        "byte[]" => Value::Bytes(
            mailsec_cmdlets::convert::to_bytes("value", &v)
                .map_err(|e| RuntimeError::new(e.to_string(), span))?,
        ),
        "array" | "object[]" => Value::Array(unroll(v)),
        _ => {
            return Err(RuntimeError::new(
                format!("Casting to [{type_name}] is not supported in mailsec"),
                span,
            )
            .help("supported: [void], [string], [bool], [int], [byte[]], [array]"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_script;

    /// Run `src` against an empty state; returns (printed output, reported errors).
    fn run(src: &str) -> (String, Vec<String>) {
        let mut state = DesiredState::default();
        let live = LiveState::default();
        let mut ev = Evaluator::new(&mut state, &live, "test".into(), PathBuf::from("."));
        let mut out = Vec::new();
        let mut errors = Vec::new();
        let mut report = |e: &RuntimeError| errors.push(e.message.clone());
        let mut warn = |_: &str| {};
        let script = parse_script(src).expect("parses");
        let mut io = Io {
            out: &mut out,
            report: &mut report,
            warn: &mut warn,
            confirm: None,
        };
        if let Err(e) = ev.run(&script, &mut io) {
            errors.push(format!("terminating: {}", e.message));
        }
        (String::from_utf8_lossy(&out).into_owned(), errors)
    }

    #[test]
    fn arraylist_methods_change_the_variable() {
        let (out, errs) = run("$a = New-Object System.Collections.ArrayList\n$a.Add('x')\n[void]$a.Add('y')\n$a.Insert(0, 'w')\n$a.Count\n$a[0]");
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(out, "0\n3\nw\n");
    }

    #[test]
    fn arrays_index_and_members() {
        let (out, errs) = run("$x = 1,2,3\n$x[-1]\n$x.Count\n'abc'.Length\n$null -eq $y");
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(out, "3\n3\n3\nTrue\n");
    }

    #[test]
    fn unsupported_things_are_named_never_a_crash() {
        let (_, errs) = run("New-Object System.Net.WebClient\n'a'.Frobnicate()\n[System.Math]::Sqrt(4)\n[xml]'<a/>'");
        assert_eq!(errs.len(), 4, "{errs:?}");
        assert!(errs[0].contains("[System.Net.WebClient] is not supported"));
        assert!(errs[1].contains("method 'Frobnicate'"));
        assert!(errs[2].contains("[System.Math]::Sqrt is not supported"));
        assert!(errs[3].contains("Casting to [xml] is not supported"));
    }

    #[test]
    fn strings_expand_variables_and_subexpressions() {
        let (out, errs) = run("$n = 'jo'\n\"hi $n $(1 + 2)\"");
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(out, "hi jo 3\n");
    }

    #[test]
    fn a_missing_file_names_every_path_tried() {
        let (_, errs) = run("[System.IO.File]::ReadAllBytes('no/such.cer')");
        assert!(
            errs[0].starts_with("Could not find file 'no/such.cer'. Tried: "),
            "{errs:?}"
        );
    }
}
