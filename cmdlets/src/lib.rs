//! mailsec-cmdlets: the cmdlet registry. Signatures (parameters, types, help, examples) and the mapping
//! from bound parameters to typed `mailsec-state` operations. Knows no syntax: the shell binds, this runs.

pub mod certificate_health;
pub mod checks;
pub mod connector_common;
pub mod connector_tls_probe;
pub mod context;
pub mod convert;
mod error;
pub mod identity;
pub mod inbound_connector;
pub mod mail_contact;
pub mod mailbox;
pub mod objects;
pub mod opath;
pub mod outbound_connector;
pub mod query;
pub mod receive_connector;
mod recipient_certs;
mod recipient_common;
pub mod recipients;
pub mod registry;
pub mod send_connector;
pub mod shared;
pub mod signature;
pub mod smime_config;
pub mod to_value;
pub mod transport_config;
pub mod value;

pub use context::{Bound, Context, Message};
pub use error::CmdletError;
pub use registry::{find, registry, suggest, CmdletDef};
pub use signature::{Check, ConfirmImpact, Destination, ParamSpec, ParamType, Signature};
pub use value::{Object, Value};
