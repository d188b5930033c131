//! The syntax tree of mailsec's PowerShell subset: every node carries the byte span it came from.

use std::sync::Arc;

/// A byte range into the script text (`start..end`), used for carets and miette labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A whole script or one REPL line: statements separated by newlines or `;`.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `$x = <statement>`, `$x += 1`, `$h.Key = v`, `$a[0] = v`, `[int]$n = '5'`.
    Assignment {
        /// `Expr::Variable`, `Expr::Member` (no call), `Expr::Index`, or a cast of a variable
        /// (`Expr::Binary { op: "[cast]", left: TypeLiteral, right: Variable }`).
        target: Expr,
        /// `=`, `+=`, `-=`, `*=`, `/=`, `%=`
        op: String,
        /// a pipeline, or a statement with a value (`$x = if (...) {...}`, `$y = $x = 1`)
        value: Box<Statement>,
        span: Span,
    },
    Pipeline(Pipeline),
    /// `if (c) { } elseif (c) { } else { }`
    If {
        clauses: Vec<(Statement, Script)>,
        else_body: Option<Script>,
        span: Span,
    },
    /// `foreach ($item in <statement>) { }`
    Foreach {
        variable: Variable,
        collection: Box<Statement>,
        body: Script,
        span: Span,
    },
    /// `while (c) { }`
    While {
        condition: Box<Statement>,
        body: Script,
        span: Span,
    },
    /// `do { } while (c)` / `do { } until (c)`
    DoLoop {
        body: Script,
        condition: Box<Statement>,
        until: bool,
        span: Span,
    },
    /// `for (init; condition; step) { }` (each part optional)
    For {
        init: Option<Box<Statement>>,
        condition: Option<Box<Statement>>,
        step: Option<Box<Statement>>,
        body: Script,
        span: Span,
    },
    /// `switch [-Wildcard|-Regex|-Exact|-CaseSensitive] (value) { pattern { } default { } }`
    Switch {
        value: Box<Statement>,
        /// lower-cased option names: "wildcard", "regex", "exact", "casesensitive"
        options: Vec<String>,
        clauses: Vec<SwitchClause>,
        default: Option<Script>,
        span: Span,
    },
    /// `break` / `continue` (optional label)
    Break {
        label: Option<String>,
        span: Span,
    },
    Continue {
        label: Option<String>,
        span: Span,
    },
    /// `return [value]`
    Return {
        value: Option<Box<Statement>>,
        span: Span,
    },
    /// `throw [value]`
    Throw {
        value: Option<Box<Statement>>,
        span: Span,
    },
    /// `exit [code]`
    Exit {
        value: Option<Box<Statement>>,
        span: Span,
    },
    /// `try { } catch [Type] { } finally { }`
    Try {
        body: Script,
        catches: Vec<CatchClause>,
        finally: Option<Script>,
        span: Span,
    },
    /// `function Name { param(...) ... }`, `function Name($a) { }`, `filter Name { }`
    Function(Arc<FunctionDef>),
    /// `[CmdletBinding()] param(...)` at the start of a script: the script's own parameters
    ParamBlock {
        attributes: Vec<Attribute>,
        params: Vec<Parameter>,
        span: Span,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SwitchClause {
    /// the pattern: a bareword, string, number, variable, `(expr)`, or a script block condition
    pub pattern: Expr,
    pub body: Script,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CatchClause {
    /// `catch [System.Exception], [Other]`; empty = every error
    pub types: Vec<(String, Span)>,
    pub body: Script,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FunctionDef {
    pub name: String,
    pub name_span: Span,
    /// `filter` instead of `function`: the body runs once per pipeline object
    pub filter: bool,
    pub body: Arc<ScriptBlock>,
    pub span: Span,
}

/// `{ param(...) begin { } process { } end { } }` or `{ statements }` (then `end` holds them).
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptBlock {
    pub params: Vec<Parameter>,
    /// attributes before `param(...)`, e.g. `[CmdletBinding()]`
    pub attributes: Vec<Attribute>,
    pub begin: Option<Script>,
    pub process: Option<Script>,
    pub end: Option<Script>,
    /// the source text between the braces (what `ToString()` and string parameters get)
    pub text: String,
    pub span: Span,
}

/// One parameter in `param(...)` or `function f($a, $b)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    pub name: Variable,
    /// `[string]`, `[switch]`, `[string[]]` ...
    pub type_name: Option<String>,
    /// `[Parameter(Mandatory)]`, `[ValidateSet('a','b')]` ...
    pub attributes: Vec<Attribute>,
    pub default: Option<Expr>,
    pub span: Span,
}

/// `[Name(args)]` on a parameter or a param block.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    /// positional arguments (`'a','b'`) and named ones (`Mandatory = $true`, or `Mandatory` alone = $true)
    pub args: Vec<(Option<String>, Expr)>,
    pub span: Span,
}

/// `a | b | c`; a one-element pipeline is a plain command or expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub elements: Vec<PipelineElement>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PipelineElement {
    Command(Command),
    Expression(Expr),
}

/// `Set-Mailbox -Identity jo -UserCertificate $bytes`
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub name: String,
    pub name_span: Span,
    pub args: Vec<CommandArg>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CommandArg {
    /// `-Name`, `-Name:value` (value set only with the colon form; otherwise the binder
    /// decides whether the next argument is this parameter's value).
    Parameter {
        name: String,
        /// span of `-Name` (without the colon value)
        span: Span,
        colon_value: Option<Expr>,
    },
    /// A bare word, literal, variable, sub-expression, array ... in argument position.
    Value(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// name without `$`, as written (`true`, `null`, `certArray`, `_`)
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `'x'` (no expansion)
    SingleQuoted(String, Span),
    /// `"a $b $($c)"` split into literal text and expansions
    DoubleQuoted(Vec<StringPart>, Span),
    /// an unquoted word in argument mode: `baptiste`, `C:\certs\a.cer`, `baptiste@cravaterouge.com`
    Bareword(String, Span),
    /// `42`, `0x10`, `1.5`, `1KB` (value already multiplied)
    Number(f64, Span),
    /// `$name` (including `$true`, `$false`, `$null`)
    Variable(Variable),
    /// `a, b, c` (comma operator) or `@(...)`
    Array(Vec<Expr>, Span),
    /// `( <pipeline> )`
    Paren(Box<Pipeline>, Span),
    /// `$( <statements> )`
    SubExpression(Box<Script>, Span),
    /// `[System.IO.File]` — a type literal
    TypeLiteral(String, Span),
    /// `[Type]::Member` or `[Type]::Method(args)`
    StaticMember {
        type_name: String,
        member: String,
        args: Option<Vec<Expr>>,
        span: Span,
    },
    /// `expr.Member` or `expr.Method(args)`
    Member {
        target: Box<Expr>,
        member: String,
        args: Option<Vec<Expr>>,
        span: Span,
    },
    /// `expr[index]`
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
        span: Span,
    },
    /// `@{ Add = 'x'; Remove = 'y' }`
    Hashtable(Vec<(Expr, Expr)>, Span),
    /// `-not x`, `!x`, `-x` (numeric negation), `++x` / `--x` (op "++" / "--") and `x++` / `x--`
    /// (op "post++" / "post--") on an assignable operand
    Unary {
        op: String,
        operand: Box<Expr>,
        span: Span,
    },
    /// `a -eq b`, `a + b`, ... (operator text lower-cased: "-eq", "+", "-and")
    Binary {
        op: String,
        left: Box<Expr>,
        right: Box<Expr>,
        span: Span,
    },
    /// `{ ... }` as a value
    ScriptBlock(Arc<ScriptBlock>),
    /// `@params` in argument mode: a hashtable's entries become named parameters, an array's
    /// elements positional ones
    Splat(Variable),
}

#[derive(Debug, Clone, PartialEq)]
pub enum StringPart {
    Literal(String),
    Variable(Variable),
    SubExpression(Box<Script>, Span),
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::SingleQuoted(_, s)
            | Expr::DoubleQuoted(_, s)
            | Expr::Bareword(_, s)
            | Expr::Number(_, s)
            | Expr::Array(_, s)
            | Expr::Paren(_, s)
            | Expr::SubExpression(_, s)
            | Expr::TypeLiteral(_, s)
            | Expr::Hashtable(_, s) => *s,
            Expr::Variable(v) | Expr::Splat(v) => v.span,
            Expr::ScriptBlock(b) => b.span,
            Expr::StaticMember { span, .. }
            | Expr::Member { span, .. }
            | Expr::Index { span, .. }
            | Expr::Unary { span, .. }
            | Expr::Binary { span, .. } => *span,
        }
    }
}

impl Statement {
    pub fn span(&self) -> Span {
        match self {
            Statement::Pipeline(p) => p.span,
            Statement::Function(f) => f.span,
            Statement::Assignment { span, .. }
            | Statement::If { span, .. }
            | Statement::Foreach { span, .. }
            | Statement::While { span, .. }
            | Statement::DoLoop { span, .. }
            | Statement::For { span, .. }
            | Statement::Switch { span, .. }
            | Statement::Break { span, .. }
            | Statement::Continue { span, .. }
            | Statement::Return { span, .. }
            | Statement::Throw { span, .. }
            | Statement::Exit { span, .. }
            | Statement::Try { span, .. }
            | Statement::ParamBlock { span, .. } => *span,
        }
    }
}

/// A node directly inside a statement or an expression, for walkers that visit every command
/// (`mailsec check`, completion): see [`Statement::children`] and [`Expr::children`].
#[derive(Debug, Clone, Copy)]
pub enum Child<'a> {
    Statement(&'a Statement),
    Script(&'a Script),
    Pipeline(&'a Pipeline),
    Expr(&'a Expr),
}

impl ScriptBlock {
    /// Its parameters' defaults and attribute arguments, then its begin, process and end blocks.
    pub fn children(&self) -> Vec<Child<'_>> {
        let mut out = Vec::new();
        for a in &self.attributes {
            out.extend(a.args.iter().map(|(_, e)| Child::Expr(e)));
        }
        for p in &self.params {
            for a in &p.attributes {
                out.extend(a.args.iter().map(|(_, e)| Child::Expr(e)));
            }
            out.extend(p.default.iter().map(Child::Expr));
        }
        for s in [&self.begin, &self.process, &self.end]
            .into_iter()
            .flatten()
        {
            out.push(Child::Script(s));
        }
        out
    }
}

impl Statement {
    /// The statements, blocks, pipelines and expressions this statement holds directly, in
    /// source order.
    pub fn children(&self) -> Vec<Child<'_>> {
        fn opt(s: &Option<Box<Statement>>) -> Option<Child<'_>> {
            s.as_deref().map(Child::Statement)
        }
        match self {
            Statement::Pipeline(p) => vec![Child::Pipeline(p)],
            Statement::Assignment { target, value, .. } => {
                vec![Child::Expr(target), Child::Statement(value)]
            }
            Statement::If {
                clauses, else_body, ..
            } => {
                let mut out = Vec::new();
                for (c, b) in clauses {
                    out.push(Child::Statement(c));
                    out.push(Child::Script(b));
                }
                out.extend(else_body.iter().map(Child::Script));
                out
            }
            Statement::Foreach {
                collection, body, ..
            } => vec![Child::Statement(collection), Child::Script(body)],
            Statement::While {
                condition, body, ..
            } => vec![Child::Statement(condition), Child::Script(body)],
            Statement::DoLoop {
                body, condition, ..
            } => vec![Child::Script(body), Child::Statement(condition)],
            Statement::For {
                init,
                condition,
                step,
                body,
                ..
            } => [
                opt(init),
                opt(condition),
                opt(step),
                Some(Child::Script(body)),
            ]
            .into_iter()
            .flatten()
            .collect(),
            Statement::Switch {
                value,
                clauses,
                default,
                ..
            } => {
                let mut out = vec![Child::Statement(value)];
                for c in clauses {
                    out.push(Child::Expr(&c.pattern));
                    out.push(Child::Script(&c.body));
                }
                out.extend(default.iter().map(Child::Script));
                out
            }
            Statement::Return { value, .. }
            | Statement::Throw { value, .. }
            | Statement::Exit { value, .. } => opt(value).into_iter().collect(),
            Statement::Try {
                body,
                catches,
                finally,
                ..
            } => {
                let mut out = vec![Child::Script(body)];
                out.extend(catches.iter().map(|c| Child::Script(&c.body)));
                out.extend(finally.iter().map(Child::Script));
                out
            }
            Statement::Function(f) => f.body.children(),
            Statement::ParamBlock {
                attributes, params, ..
            } => {
                let mut out = Vec::new();
                for a in attributes {
                    out.extend(a.args.iter().map(|(_, e)| Child::Expr(e)));
                }
                for p in params {
                    for a in &p.attributes {
                        out.extend(a.args.iter().map(|(_, e)| Child::Expr(e)));
                    }
                    out.extend(p.default.iter().map(Child::Expr));
                }
                out
            }
            Statement::Break { .. } | Statement::Continue { .. } => Vec::new(),
        }
    }

    /// The variables an assignment sets: `$x = ...`, `[int]$x = ...`, `$x += ...`, `$a, $b = ...`
    /// (not `$h.Key = ...`, which changes `$h`).
    pub fn assigned_variables(&self) -> Vec<&Variable> {
        fn of(e: &Expr) -> Vec<&Variable> {
            match e {
                Expr::Variable(v) => vec![v],
                Expr::Binary { op, right, .. } if op == "[cast]" => of(right),
                Expr::Array(items, _) => items.iter().flat_map(of).collect(),
                _ => Vec::new(),
            }
        }
        match self {
            Statement::Assignment { target, value, .. } => {
                let mut out = of(target);
                out.extend(value.assigned_variables());
                out
            }
            Statement::Foreach { variable, .. } => vec![variable],
            _ => Vec::new(),
        }
    }
}

impl Expr {
    /// The pipelines, scripts and expressions this expression holds directly.
    pub fn children(&self) -> Vec<Child<'_>> {
        match self {
            Expr::SingleQuoted(..)
            | Expr::Bareword(..)
            | Expr::Number(..)
            | Expr::Variable(_)
            | Expr::TypeLiteral(..)
            | Expr::Splat(_) => Vec::new(),
            Expr::DoubleQuoted(parts, _) => parts
                .iter()
                .filter_map(|p| match p {
                    StringPart::SubExpression(s, _) => Some(Child::Script(s)),
                    _ => None,
                })
                .collect(),
            Expr::Array(items, _) => items.iter().map(Child::Expr).collect(),
            Expr::Paren(p, _) => vec![Child::Pipeline(p)],
            Expr::SubExpression(s, _) => vec![Child::Script(s)],
            Expr::StaticMember { args, .. } => args.iter().flatten().map(Child::Expr).collect(),
            Expr::Member { target, args, .. } => std::iter::once(Child::Expr(target))
                .chain(args.iter().flatten().map(Child::Expr))
                .collect(),
            Expr::Index { target, index, .. } => vec![Child::Expr(target), Child::Expr(index)],
            Expr::Hashtable(entries, _) => entries
                .iter()
                .flat_map(|(k, v)| [Child::Expr(k), Child::Expr(v)])
                .collect(),
            Expr::Unary { operand, .. } => vec![Child::Expr(operand)],
            Expr::Binary { left, right, .. } => vec![Child::Expr(left), Child::Expr(right)],
            Expr::ScriptBlock(b) => b.children(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_script;

    /// Every command name reachable through `children`, in source order.
    fn commands(src: &str) -> Vec<String> {
        fn walk(c: Child<'_>, out: &mut Vec<String>) {
            match c {
                Child::Statement(s) => s.children().into_iter().for_each(|c| walk(c, out)),
                Child::Script(s) => s
                    .statements
                    .iter()
                    .for_each(|s| walk(Child::Statement(s), out)),
                Child::Pipeline(p) => {
                    for el in &p.elements {
                        match el {
                            PipelineElement::Command(c) => {
                                out.push(c.name.clone());
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
        let script = parse_script(src).unwrap();
        let mut out = Vec::new();
        walk(Child::Script(&script), &mut out);
        out
    }

    #[test]
    fn children_reach_every_command() {
        let src = "function F($a = (A1)) { B1 }\nif (C1) { D1 } elseif ($x) { } else { E1 }\nforeach ($i in F1) { G1 | % { H1 } }\nwhile (I1) { }\ndo { J1 } until (K1)\nfor ($i = (L1); M1; N1) { O1 }\nswitch (P1) { 'a' { Q1 } default { R1 } }\ntry { S1 } catch { T1 } finally { U1 }\n$v = V1\nreturn \"$(W1)\"\nthrow (X1)";
        let names = commands(src);
        let expected: Vec<String> = [
            "A1", "B1", "C1", "D1", "E1", "F1", "G1", "%", "H1", "I1", "J1", "K1", "L1", "M1",
            "N1", "O1", "P1", "Q1", "R1", "S1", "T1", "U1", "V1", "W1", "X1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn assigned_variables() {
        let script = parse_script(
            "$a = 1; [int]$b = 2; $c, $d = 1, 2; $h.k = 1; $e = $f = 3; foreach ($g in 1) {}",
        )
        .unwrap();
        let names: Vec<&str> = script
            .statements
            .iter()
            .flat_map(|s| s.assigned_variables())
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(names, ["a", "b", "c", "d", "e", "f", "g"]);
    }
}
