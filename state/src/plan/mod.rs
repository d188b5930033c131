//! Plan: compare the desired state with what the backends hold, attribute by attribute, by type.

mod compare;
mod coverage;
mod diff;
mod for_backends;
mod render;

pub use compare::same_value;
pub use coverage::not_applied_warnings;
pub use diff::{plan, PlanError};
pub use for_backends::{plan_for, PlanOptions};
pub use render::{render_json_value, render_plan};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::ObjectKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Rename,
    Delete,
}

impl Action {
    pub fn symbol(self) -> char {
        match self {
            Action::Create => '+',
            Action::Update => '~',
            Action::Rename => '>',
            Action::Delete => '-',
        }
    }
}

/// One attribute's change; `old`/`new` are the JSON form of the values (certificates as references).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttrChange {
    pub name: String,
    pub old: serde_json::Value,
    pub new: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    pub kind: ObjectKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guid: Option<Uuid>,
    pub name: String,
    pub action: Action,
    pub attributes: Vec<AttrChange>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub rename: usize,
    pub delete: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub changes: Vec<ResourceChange>,
    pub summary: Summary,
}

impl Plan {
    pub fn new(changes: Vec<ResourceChange>) -> Plan {
        let mut summary = Summary::default();
        for c in &changes {
            match c.action {
                Action::Create => summary.create += 1,
                Action::Update => summary.update += 1,
                Action::Rename => summary.rename += 1,
                Action::Delete => summary.delete += 1,
            }
        }
        Plan { changes, summary }
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

#[cfg(test)]
mod tests;
