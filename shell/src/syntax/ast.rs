//! The syntax tree of mailsec's PowerShell subset: every node carries the byte span it came from.

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
    /// `$x = <pipeline>`
    Assignment {
        target: Variable,
        value: Pipeline,
        span: Span,
    },
    Pipeline(Pipeline),
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
    /// `-not x`, `!x`, `-x` (numeric negation)
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
            Expr::Variable(v) => v.span,
            Expr::StaticMember { span, .. }
            | Expr::Member { span, .. }
            | Expr::Index { span, .. }
            | Expr::Unary { span, .. }
            | Expr::Binary { span, .. } => *span,
        }
    }
}
