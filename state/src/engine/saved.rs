//! Saved plans (`plan --out plan.json`): the changes plus a fingerprint of each live object they touch
//! and of the desired state, so `apply plan.json` applies exactly that plan or refuses when either changed.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::backend::LiveState;
use crate::model::ObjectKind;
use crate::plan::{Plan, ResourceChange};

pub const SAVED_PLAN_VERSION: &str = "mailsec.plan/v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedPlan {
    pub api_version: String,
    /// SHA-256 of the desired-state file the plan was made from.
    pub state_sha256: String,
    /// The targets, as `describe()` named them.
    pub targets: Vec<String>,
    /// SHA-256 of each touched live object (JSON form), in the order of `plan.changes`.
    pub live: Vec<String>,
    pub plan: Plan,
}

#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    #[error("cannot read the saved plan {path}: {message}")]
    Read { path: String, message: String },
    #[error("{path} is not a mailsec plan (apiVersion '{found}', expected {SAVED_PLAN_VERSION})")]
    Version { path: String, found: String },
    #[error("the desired state changed since the plan was made: make a new plan")]
    StateChanged,
    #[error("the plan was made for {planned}, but the targets now are {now}: make a new plan")]
    TargetsChanged { planned: String, now: String },
    #[error("the live state changed since the plan was made, for: {}. Nothing was applied; make a new plan", .0.join(", "))]
    LiveChanged(Vec<String>),
}

/// A fingerprint of the live object each change touches (or of its absence), in order.
pub fn live_fingerprint(live: &LiveState, changes: &[ResourceChange]) -> Vec<String> {
    let mut objects: HashMap<(ObjectKind, Uuid), serde_json::Value> = HashMap::new();
    let mut put = |kind: ObjectKind, g: Uuid, v: Option<serde_json::Value>| {
        objects.insert((kind, g), v.unwrap_or_default());
    };
    let wanted: std::collections::HashSet<Uuid> = changes.iter().filter_map(|c| c.guid).collect();
    macro_rules! index {
        ($list:expr, $kind:expr, $g:ident) => {
            for o in &$list {
                if wanted.contains(&o.$g) {
                    put($kind, o.$g, serde_json::to_value(o).ok());
                }
            }
        };
    }
    index!(live.mailboxes, ObjectKind::Mailbox, guid);
    index!(live.mail_contacts, ObjectKind::MailContact, guid);
    index!(live.inbound_connectors, ObjectKind::InboundConnector, Guid);
    index!(
        live.outbound_connectors,
        ObjectKind::OutboundConnector,
        Guid
    );
    index!(live.send_connectors, ObjectKind::SendConnector, Guid);
    index!(live.receive_connectors, ObjectKind::ReceiveConnector, Guid);
    changes
        .iter()
        .map(|c| {
            let v = match (c.kind, c.guid) {
                (ObjectKind::SmimeConfig, _) => serde_json::to_value(&live.smime_config).ok(),
                (ObjectKind::TransportConfig, _) => {
                    serde_json::to_value(&live.transport_config).ok()
                }
                (kind, Some(g)) => objects.get(&(kind, g)).cloned(),
                (_, None) => None,
            }
            .unwrap_or(serde_json::Value::Null);
            hex::encode(Sha256::digest(v.to_string().as_bytes()))
        })
        .collect()
}

impl SavedPlan {
    pub fn new(plan: Plan, state_text: &str, targets: Vec<String>, live: &LiveState) -> SavedPlan {
        SavedPlan {
            api_version: SAVED_PLAN_VERSION.into(),
            state_sha256: hex::encode(Sha256::digest(state_text.as_bytes())),
            targets,
            live: live_fingerprint(live, &plan.changes),
            plan,
        }
    }

    pub fn read(path: &std::path::Path) -> Result<SavedPlan, SavedPlanError> {
        let fail = |message: String| SavedPlanError::Read {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
        let found = v.get("apiVersion").and_then(|a| a.as_str()).unwrap_or("");
        if found != SAVED_PLAN_VERSION {
            return Err(SavedPlanError::Version {
                path: path.display().to_string(),
                found: found.to_string(),
            });
        }
        serde_json::from_value(v).map_err(|e| fail(e.to_string()))
    }

    /// Refuse unless the desired state, the targets and every touched live object are as planned.
    pub fn check(
        &self,
        state_text: &str,
        targets: &[String],
        live: &LiveState,
    ) -> Result<(), SavedPlanError> {
        if hex::encode(Sha256::digest(state_text.as_bytes())) != self.state_sha256 {
            return Err(SavedPlanError::StateChanged);
        }
        if targets != self.targets.as_slice() {
            return Err(SavedPlanError::TargetsChanged {
                planned: self.targets.join(", "),
                now: targets.join(", "),
            });
        }
        let now = live_fingerprint(live, &self.plan.changes);
        let changed: Vec<String> = self
            .plan
            .changes
            .iter()
            .zip(self.live.iter().zip(&now))
            .filter(|(_, (then, now))| then != now)
            .map(|(c, _)| format!("{} '{}'", c.kind.noun(), c.name))
            .collect();
        if changed.is_empty() {
            Ok(())
        } else {
            Err(SavedPlanError::LiveChanged(changed))
        }
    }
}
