//! mailsec-cmdlets: the cmdlet registry. Signatures (parameters, types, help, examples) and the mapping
//! from bound parameters to typed `mailsec-state` operations. Knows no syntax: the shell binds, this runs.

pub mod certificate_health;
pub mod connector_common;
pub mod context;
pub mod convert;
mod error;
pub mod identity;
pub mod inbound_connector;
pub mod mail_contact;
pub mod mailbox;
pub mod objects;
pub mod outbound_connector;
mod recipient_certs;
pub mod registry;
pub mod signature;
pub mod smime_config;
pub mod value;

pub use context::{Bound, Context, Message};
pub use error::CmdletError;
pub use registry::{find, registry, suggest, CmdletDef};
pub use signature::{ConfirmImpact, Destination, ParamSpec, ParamType, Signature};
pub use value::{Object, Value};
