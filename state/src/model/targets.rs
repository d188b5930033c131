//! Backend targets named in the state file: where plan/apply read and write. Never holds a secret.

use serde::{Deserialize, Serialize};

/// Default embedded backend files, relative to the state file's folder.
pub const DEFAULT_DIRECTORY_PATH: &str = "embedded/directory.yaml";
pub const DEFAULT_GATEWAY_PATH: &str = "embedded/gateway.yaml";

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Targets {
    /// Holds mailboxes, mail contacts and the organization S/MIME config.
    #[serde(default, skip_serializing_if = "DirectoryTarget::is_default")]
    pub directory: DirectoryTarget,
    /// Holds the connectors' TLS policy.
    #[serde(default, skip_serializing_if = "GatewayTarget::is_default")]
    pub gateway: GatewayTarget,
}

impl Targets {
    pub fn is_default(&self) -> bool {
        *self == Targets::default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum DirectoryTarget {
    /// A directory kept in a plain file beside the state file: zero setup.
    Embedded {
        /// Path of the directory file, relative to the state file's folder.
        #[serde(default = "default_directory_path")]
        path: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum GatewayTarget {
    /// A gateway TLS policy kept in a plain file beside the state file: zero setup.
    Embedded {
        #[serde(default = "default_gateway_path")]
        path: String,
    },
}

fn default_directory_path() -> String {
    DEFAULT_DIRECTORY_PATH.to_string()
}
fn default_gateway_path() -> String {
    DEFAULT_GATEWAY_PATH.to_string()
}

impl Default for DirectoryTarget {
    fn default() -> Self {
        DirectoryTarget::Embedded {
            path: default_directory_path(),
        }
    }
}
impl DirectoryTarget {
    fn is_default(&self) -> bool {
        *self == DirectoryTarget::default()
    }
}
impl Default for GatewayTarget {
    fn default() -> Self {
        GatewayTarget::Embedded {
            path: default_gateway_path(),
        }
    }
}
impl GatewayTarget {
    fn is_default(&self) -> bool {
        *self == GatewayTarget::default()
    }
}
