//! Values that flow through the shell and into cmdlet parameters (PowerShell's object model, the part mailsec needs).

use std::fmt;

use mailsec_state::cert::Cert;

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
    Array(Vec<Value>),
    /// `@{ Add = ...; Remove = ... }`; keys keep their order.
    Hashtable(Vec<(String, Value)>),
    Object(Object),
}

/// A property bag with a type name, like a PSObject.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub type_name: String,
    pub props: Vec<(String, Value)>,
    /// Properties a table shows by default.
    pub default_columns: Vec<&'static str>,
}

impl Object {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.props
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
}

impl Value {
    pub fn type_name(&self) -> &str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "System.Boolean",
            Value::Int(_) => "System.Int64",
            Value::Double(_) => "System.Double",
            Value::String(_) => "System.String",
            Value::Bytes(_) => "System.Byte[]",
            Value::Cert(_) => "System.Byte[]",
            Value::Array(_) => "System.Object[]",
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

    /// Look up a property (objects and hashtables).
    pub fn property(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(o) => o.get(name),
            Value::Hashtable(h) => h
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    /// The text a table cell or `Write-Output` shows.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
            Value::Array(a) => {
                let parts: Vec<String> = a.iter().map(|v| v.to_string()).collect();
                write!(f, "{{{}}}", parts.join(", "))
            }
            Value::Hashtable(h) => {
                let parts: Vec<String> = h.iter().map(|(k, v)| format!("{k}={v}")).collect();
                write!(f, "@{{{}}}", parts.join("; "))
            }
            Value::Object(o) => write!(f, "{}", o.type_name),
        }
    }
}
