//! The embedded gateway: the connectors' TLS policy in one YAML file beside the state file, zero setup.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{apply_to_list, Backend, BackendError, LiveState};
use crate::model::{InboundConnector, ObjectKind, OutboundConnector};
use crate::plan::ResourceChange;
use crate::store::{read_doc, write_doc};

pub const GATEWAY_VERSION: &str = "mailsec.embedded/v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewayDoc {
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub inbound_connectors: Vec<InboundConnector>,
    #[serde(default)]
    pub outbound_connectors: Vec<OutboundConnector>,
}

impl Default for GatewayDoc {
    fn default() -> Self {
        GatewayDoc {
            api_version: GATEWAY_VERSION.into(),
            kind: "EmbeddedGateway".into(),
            inbound_connectors: Vec::new(),
            outbound_connectors: Vec::new(),
        }
    }
}

pub struct EmbeddedGateway {
    path: PathBuf,
}

impl EmbeddedGateway {
    pub fn new(path: PathBuf) -> Self {
        EmbeddedGateway { path }
    }

    fn load(&self) -> Result<(GatewayDoc, Option<String>), BackendError> {
        Ok(
            match read_doc::<GatewayDoc>(&self.path, Some(GATEWAY_VERSION))? {
                Some(d) => (d.value, Some(d.text)),
                None => (GatewayDoc::default(), None),
            },
        )
    }
}

impl Backend for EmbeddedGateway {
    fn describe(&self) -> String {
        format!("embedded gateway ({})", self.path.display())
    }

    fn kinds(&self) -> &'static [ObjectKind] {
        &[ObjectKind::InboundConnector, ObjectKind::OutboundConnector]
    }

    fn read(&self) -> Result<LiveState, BackendError> {
        let (doc, _) = self.load()?;
        Ok(LiveState {
            inbound_connectors: doc.inbound_connectors,
            outbound_connectors: doc.outbound_connectors,
            ..LiveState::default()
        })
    }

    fn apply(&mut self, changes: &[&ResourceChange]) -> Result<usize, BackendError> {
        if changes.is_empty() {
            return Ok(0);
        }
        let (mut doc, original) = self.load()?;
        let me = self.describe();
        let fresh = |g: uuid::Uuid, n: &str| json!({"Guid": g, "Name": n});
        for c in changes {
            match c.kind {
                ObjectKind::InboundConnector => {
                    apply_to_list(&me, &mut doc.inbound_connectors, c, |x| x.Guid, fresh)?
                }
                ObjectKind::OutboundConnector => {
                    apply_to_list(&me, &mut doc.outbound_connectors, c, |x| x.Guid, fresh)?
                }
                _ => {}
            }
        }
        write_doc(&self.path, &doc, original.as_deref(), false)?;
        Ok(changes.len())
    }
}
