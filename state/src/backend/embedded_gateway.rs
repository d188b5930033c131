//! The embedded gateway: the connectors' TLS policy (Exchange Online connectors, on-premises send and receive
//! connectors, the Domain Secure lists) in one YAML file beside the state file, zero setup.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{apply_to_list, Backend, BackendError, LiveState};
use crate::model::{
    InboundConnector, ObjectKind, OutboundConnector, ReceiveConnector, SendConnector,
    TransportConfig,
};
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_config: Option<TransportConfig>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub send_connectors: Vec<SendConnector>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub receive_connectors: Vec<ReceiveConnector>,
}

impl Default for GatewayDoc {
    fn default() -> Self {
        GatewayDoc {
            api_version: GATEWAY_VERSION.into(),
            kind: "EmbeddedGateway".into(),
            inbound_connectors: Vec::new(),
            outbound_connectors: Vec::new(),
            transport_config: None,
            send_connectors: Vec::new(),
            receive_connectors: Vec::new(),
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
        &[
            ObjectKind::InboundConnector,
            ObjectKind::OutboundConnector,
            ObjectKind::TransportConfig,
            ObjectKind::SendConnector,
            ObjectKind::ReceiveConnector,
        ]
    }

    fn read(&self) -> Result<LiveState, BackendError> {
        let (doc, _) = self.load()?;
        Ok(LiveState {
            inbound_connectors: doc.inbound_connectors,
            outbound_connectors: doc.outbound_connectors,
            transport_config: doc.transport_config,
            send_connectors: doc.send_connectors,
            receive_connectors: doc.receive_connectors,
            ..LiveState::default()
        })
    }

    fn apply(
        &mut self,
        changes: &[&ResourceChange],
        done: &mut dyn FnMut(&ResourceChange),
    ) -> Result<(), BackendError> {
        if changes.is_empty() {
            return Ok(());
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
                ObjectKind::SendConnector => {
                    apply_to_list(&me, &mut doc.send_connectors, c, |x| x.Guid, fresh)?
                }
                ObjectKind::ReceiveConnector => {
                    apply_to_list(&me, &mut doc.receive_connectors, c, |x| x.Guid, fresh)?
                }
                ObjectKind::TransportConfig => {
                    let current = doc.transport_config.take().unwrap_or_default();
                    let props = c.attributes.iter().map(|a| (a.name.clone(), a.new.clone()));
                    let next =
                        crate::patch::set_properties(&current, props).map_err(|message| {
                            BackendError::Change {
                                backend: me.clone(),
                                object: "TransportConfig".into(),
                                message,
                            }
                        })?;
                    doc.transport_config = Some(next);
                }
                _ => {}
            }
        }
        // One atomic write: every change is applied, or none.
        write_doc(&self.path, &doc, original.as_deref(), false)?;
        changes.iter().for_each(|c| done(c));
        Ok(())
    }
}
