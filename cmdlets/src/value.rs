//! Values that flow through the shell and into cmdlet parameters (PowerShell's object model, the part mailsec needs).

use std::borrow::Cow;
use std::fmt;

use mailsec_state::cert::Cert;

pub use crate::shared::{InUse, List, ListKind, Shared, Table};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Double(f64),
    String(String),
    /// `byte[]`, e.g. from `[System.IO.File]::ReadAllBytes`.
    Bytes(Vec<u8>),
    /// A certificate value as a cmdlet returns it (binds wherever `byte[]` does).
    Cert(Cert),
    /// An array, ArrayList or certificate collection: a reference type, shared by every copy.
    Array(List),
    /// `@{ Add = ...; Remove = ... }`; keys keep their order. A reference type, shared by every copy.
    Hashtable(Table),
    Object(Object),
}

/// A property bag with a type name, like a PSObject. Its properties are a reference type, as in
/// PowerShell: every copy of the object sees a property set through another.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub type_name: String,
    pub props: Table,
    /// Properties a table shows by default.
    pub default_columns: Vec<&'static str>,
}

impl Object {
    /// A property's value (copied out of the shared properties).
    pub fn get(&self, name: &str) -> Option<Value> {
        self.props
            .read()
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    /// Look at a property without copying it (`f` must not change this object).
    pub fn with<R>(&self, name: &str, f: impl FnOnce(Option<&Value>) -> R) -> R {
        let props = self.props.read();
        f(props
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v))
    }
}

impl Value {
    /// A new `System.Object[]`.
    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(List::new(ListKind::Array, items))
    }

    /// A new hashtable.
    pub fn hashtable(entries: Vec<(String, Value)>) -> Value {
        Value::Hashtable(Shared::new(entries))
    }

    pub fn type_name(&self) -> &str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "System.Boolean",
            Value::Int(_) => "System.Int64",
            Value::Double(_) => "System.Double",
            Value::String(_) => "System.String",
            Value::Bytes(_) => "System.Byte[]",
            Value::Cert(_) => "System.Byte[]",
            Value::Array(l) => l.kind().type_name(),
            Value::Hashtable(_) => "System.Collections.Hashtable",
            Value::Object(o) => &o.type_name,
        }
    }

    /// PowerShell truthiness.
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Double(d) => *d != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::Array(a) => !a.is_empty(),
            _ => true,
        }
    }

    /// Look up a property (objects and hashtables; a hashtable's entry is copied out of it).
    pub fn property(&self, name: &str) -> Option<Cow<'_, Value>> {
        match self {
            Value::Object(o) => o.get(name).map(Cow::Owned),
            Value::Hashtable(h) => h
                .read()
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| Cow::Owned(v.clone())),
            _ => None,
        }
    }

    /// The elements of an array value, copied; a single value for anything else, none for `$null`
    /// (how a pipeline or `foreach` sees a value).
    pub fn unrolled(self) -> Vec<Value> {
        match self {
            Value::Array(a) => a.into_vec(),
            Value::Null => Vec::new(),
            other => vec![other],
        }
    }
}

/// How deep [`fmt::Display`] goes into nested arrays and hashtables: a list can hold itself.
const DISPLAY_DEPTH: usize = 8;

fn display(v: &Value, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
    match v {
        Value::Array(a) if depth < DISPLAY_DEPTH => {
            f.write_str("{")?;
            for (i, x) in a.read().iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                display(x, f, depth + 1)?;
            }
            f.write_str("}")
        }
        Value::Hashtable(h) if depth < DISPLAY_DEPTH => {
            f.write_str("@{")?;
            for (i, (k, x)) in h.read().iter().enumerate() {
                if i > 0 {
                    f.write_str("; ")?;
                }
                write!(f, "{k}=")?;
                display(x, f, depth + 1)?;
            }
            f.write_str("}")
        }
        Value::Array(_) | Value::Hashtable(_) => f.write_str(v.type_name()),
        other => other.fmt_scalar(f),
    }
}

impl fmt::Display for Value {
    /// The text a table cell or `Write-Output` shows.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        display(self, f, 0)
    }
}

impl Value {
    fn fmt_scalar(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Double(d) => write!(f, "{d}"),
            Value::String(s) => f.write_str(s),
            Value::Bytes(b) => {
                let head: Vec<String> = b.iter().take(8).map(|x| x.to_string()).collect();
                write!(
                    f,
                    "{{{}{}}}",
                    head.join(", "),
                    if b.len() > 8 { "..." } else { "" }
                )
            }
            Value::Cert(c) => f.write_str(&c.summary()),
            Value::Object(o) => write!(f, "{}", o.type_name),
            Value::Array(_) | Value::Hashtable(_) => f.write_str(self.type_name()),
        }
    }
}
