//! Control flow: how `break`, `continue`, `return`, `exit` and errors travel up through the
//! evaluator, and the error records `catch` blocks see as `$_`.

use mailsec_cmdlets::{Object, Value};

use super::operators::ERROR_RECORD;
use super::RuntimeError;
use crate::syntax::ast::Span;

/// Why evaluation stopped early.
#[derive(Debug, Clone)]
pub(crate) enum Flow {
    /// An error that ends the current statement (`err.terminating == false`: the enclosing
    /// statement list reports it and goes on, unless a `try` is active) or the whole run
    /// (`err.terminating`: `throw`, `-ErrorAction Stop`).
    Error(RuntimeError),
    Break {
        label: Option<String>,
    },
    Continue {
        label: Option<String>,
    },
    /// `return`: its value was already written to the output.
    Return,
    /// `exit [code]`
    Exit(i32),
}

impl From<RuntimeError> for Flow {
    fn from(e: RuntimeError) -> Self {
        Flow::Error(e)
    }
}

pub(crate) type Eval<T> = Result<T, Flow>;

/// Does a `break`/`continue` with `label` belong to the loop being run (loops have no labels
/// in mailsec, so only an unlabelled one does)?
pub(crate) fn for_this_loop(label: &Option<String>) -> bool {
    label.is_none()
}

/// The .NET exception type PowerShell would report for an error, from what we know about it.
pub(crate) fn exception_type(e: &RuntimeError) -> &'static str {
    match e.category {
        Some("OperationStopped") => "System.Management.Automation.RuntimeException",
        Some("ObjectNotFound") if e.command.is_none() => {
            "System.Management.Automation.CommandNotFoundException"
        }
        Some("ObjectNotFound") => {
            "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
        }
        Some("InvalidArgument") if e.command.is_some() => {
            "System.Management.Automation.ParameterBindingException"
        }
        Some("InvalidArgument") => "System.ArgumentException",
        Some("InvalidOperation") => "System.InvalidOperationException",
        _ => "System.Management.Automation.RuntimeException",
    }
}

/// Does `catch [type_name]` catch `e`? The error's own type or a base of it: every exception
/// derives from System.Exception; PowerShell's own from RuntimeException.
pub(crate) fn catches(type_name: &str, e: &RuntimeError) -> bool {
    let want = type_name.trim().to_lowercase();
    let want = want.strip_prefix("system.").unwrap_or(&want).to_string();
    let own = exception_type(e).to_lowercase();
    let own_short = own.strip_prefix("system.").unwrap_or(&own);
    let last = |s: &str| s.rsplit('.').next().unwrap_or(s).to_string();
    if want == "exception" || want == own_short || last(&want) == last(own_short) {
        return true;
    }
    let is_ps = own.starts_with("system.management.automation.");
    match last(&want).as_str() {
        "runtimeexception" => is_ps,
        "systemexception" => own.starts_with("system."),
        _ => false,
    }
}

/// `$_` in a catch block: an ErrorRecord with `.Exception.Message`, `.CategoryInfo`,
/// `.FullyQualifiedErrorId`, `.TargetObject` and `.InvocationInfo.MyCommand`.
pub(crate) fn error_record(e: &RuntimeError) -> Value {
    let ex_type = exception_type(e);
    let short = ex_type.rsplit('.').next().unwrap_or(ex_type);
    let category = e.category.unwrap_or("NotSpecified");
    let command = e.command.clone().unwrap_or_default();
    let s = |x: &str| Value::String(x.to_string());
    let exception = Value::Object(Object {
        type_name: ex_type.to_string(),
        props: vec![
            ("Message".into(), s(&e.message)),
            ("HelpLink".into(), Value::Null),
            ("Source".into(), s(&command)),
            ("InnerException".into(), Value::Null),
        ]
        .into(),
        default_columns: Vec::new(),
    });
    let category_info = Value::Object(Object {
        type_name: "System.Management.Automation.ErrorCategoryInfo".into(),
        props: vec![
            ("Category".into(), s(category)),
            ("Activity".into(), s(&command)),
            ("Reason".into(), s(short)),
            ("TargetName".into(), s("")),
            ("TargetType".into(), s("")),
        ]
        .into(),
        default_columns: Vec::new(),
    });
    let fqid = if command.is_empty() {
        short.to_string()
    } else {
        format!("{short},{command}")
    };
    Value::Object(Object {
        type_name: ERROR_RECORD.to_string(),
        props: vec![
            ("Exception".into(), exception),
            ("CategoryInfo".into(), category_info),
            ("FullyQualifiedErrorId".into(), Value::String(fqid)),
            ("TargetObject".into(), Value::Null),
            ("ErrorDetails".into(), Value::Null),
            (
                "InvocationInfo".into(),
                Value::Object(Object {
                    type_name: "System.Management.Automation.InvocationInfo".into(),
                    props: vec![("MyCommand".into(), s(&command))].into(),
                    default_columns: Vec::new(),
                }),
            ),
        ]
        .into(),
        default_columns: Vec::new(),
    })
}

/// `throw $value`: the error to raise. An error record or exception rethrows its message.
pub(crate) fn thrown(v: &Value, span: Span) -> RuntimeError {
    // PowerShell says ScriptHalted when there is nothing to say (`throw`, `throw ""`, `throw @()`).
    let message = match v {
        Value::Null => String::new(),
        other => super::operators::text(other),
    };
    let message = if message.is_empty() {
        "ScriptHalted".to_string()
    } else {
        message
    };
    let mut e = RuntimeError::new(message, span).terminating();
    e.category = Some("OperationStopped");
    e
}
