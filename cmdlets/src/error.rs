//! Cmdlet errors, worded as Exchange words them so admins recognise them; each may name the parameter at fault.

use mailsec_state::ops::OpError;
use mailsec_state::Uuid;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CmdletError {
    #[error("The operation couldn't be performed because object '{identity}' couldn't be found on '{location}'.")]
    NotFound { identity: String, location: String },
    #[error("The operation couldn't be performed because '{identity}' matches multiple entries:\n{}\nUse a more specific identity, such as the Guid.", list(.candidates))]
    Ambiguous {
        identity: String,
        candidates: Vec<(String, Uuid)>,
    },
    #[error("Cannot process argument transformation on parameter '{param}'. {message}")]
    Transform { param: String, message: String },
    #[error("{message}")]
    Invalid {
        param: Option<String>,
        message: String,
    },
    #[error("The operation couldn't be performed because object '{identity}' couldn't be found on '{location}'. (it is a {found}, not a {wanted}.)")]
    WrongType {
        identity: String,
        location: String,
        found: &'static str,
        wanted: &'static str,
    },
    /// A Name, Alias or address another object already has (the message names that object).
    #[error("{message}")]
    Duplicate { param: String, message: String },
    #[error("The parameter '{param}' {why}.")]
    Refused { param: String, why: String },
    #[error("{0}")]
    Op(#[from] OpError),
    #[error("{what} exists only in the backend, so it is read-only here: mailsec changes only objects in the desired state. {hint}")]
    ReadOnly { what: String, hint: String },
}

fn list(c: &[(String, Uuid)]) -> String {
    c.iter()
        .map(|(n, g)| format!("  {n}  (Guid {g})"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl CmdletError {
    /// PowerShell's error category, shown in `CategoryInfo`.
    pub fn category(&self) -> &'static str {
        match self {
            CmdletError::NotFound { .. } | CmdletError::WrongType { .. } => "ObjectNotFound",
            CmdletError::Refused { .. } => "InvalidArgument",
            CmdletError::Duplicate { .. } => "ResourceExists",
            CmdletError::Ambiguous { .. } => "InvalidArgument",
            CmdletError::Transform { .. } => "InvalidData",
            CmdletError::Invalid { .. } => "InvalidArgument",
            CmdletError::Op(OpError::AlreadyExists { .. }) => "ResourceExists",
            CmdletError::Op(_) => "InvalidOperation",
            CmdletError::ReadOnly { .. } => "PermissionDenied",
        }
    }

    /// The parameter the error is about, so the shell can point at it.
    pub fn param(&self) -> Option<&str> {
        match self {
            CmdletError::NotFound { .. }
            | CmdletError::WrongType { .. }
            | CmdletError::Ambiguous { .. }
            | CmdletError::ReadOnly { .. } => Some("Identity"),
            CmdletError::Refused { param, .. } | CmdletError::Duplicate { param, .. } => {
                Some(param)
            }
            CmdletError::Transform { param, .. } => Some(param),
            CmdletError::Invalid { param, .. } => param.as_deref(),
            CmdletError::Op(OpError::InvalidValue { property, .. }) if !property.contains(',') => {
                Some(property)
            }
            CmdletError::Op(_) => None,
        }
    }

    pub fn invalid(param: &str, message: impl Into<String>) -> Self {
        CmdletError::Invalid {
            param: Some(param.to_string()),
            message: message.into(),
        }
    }
}
