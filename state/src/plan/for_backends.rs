//! The plan as the backends will carry it out: only the properties each backend applies are compared,
//! and `--prune` adds the removal of owned objects that are gone from the desired state.

use std::collections::HashSet;

use uuid::Uuid;

use super::{plan, Action, Plan, PlanError, ResourceChange};
use crate::backend::{Backend, LiveState};
use crate::model::{DesiredState, ObjectKind};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Also delete objects mailsec owns (created, and marked as its own) that the desired state no
    /// longer has.
    pub prune: bool,
}

pub fn plan_for(
    desired: &DesiredState,
    live: &LiveState,
    backends: &[Box<dyn Backend>],
    opts: PlanOptions,
) -> Result<Plan, Vec<PlanError>> {
    let refused: Vec<PlanError> = backends
        .iter()
        .flat_map(|b| {
            b.plan_errors(desired)
                .into_iter()
                .map(|message| PlanError::Backend {
                    backend: b.describe(),
                    message,
                })
        })
        .collect();
    if !refused.is_empty() {
        return Err(refused);
    }
    let full = plan(desired, live)?;
    let holder = |kind: ObjectKind| backends.iter().find(|b| b.kinds().contains(&kind));
    let mut changes: Vec<ResourceChange> = Vec::with_capacity(full.changes.len());
    for mut c in full.changes {
        // No backend holds this kind: plan warns that it is recorded, not applied
        // (`not_applied_warnings`); there is nothing to change.
        let Some(b) = holder(c.kind) else {
            continue;
        };
        c.attributes
            .retain(|a| a.name == "Name" || b.applies(c.kind, &a.name));
        let keep = match c.action {
            Action::Update => !c.attributes.is_empty(),
            Action::Rename | Action::Create | Action::Delete => true,
        };
        if keep {
            changes.push(c);
        }
    }
    if opts.prune {
        let wanted = desired_ids(desired);
        let deleting: HashSet<Uuid> = changes
            .iter()
            .filter(|c| c.action == Action::Delete)
            .filter_map(|c| c.guid)
            .collect();
        let mut owned = live.owned.clone();
        owned.sort();
        for (kind, guid) in owned {
            if wanted.contains(&guid) || deleting.contains(&guid) {
                continue;
            }
            if let Some(name) = live.name_of(kind, guid) {
                changes.push(ResourceChange {
                    kind,
                    guid: Some(guid),
                    name,
                    action: Action::Delete,
                    attributes: Vec::new(),
                });
            }
        }
    }
    Ok(Plan::new(changes))
}

fn desired_ids(d: &DesiredState) -> HashSet<Uuid> {
    let mut s = HashSet::new();
    s.extend(d.mailboxes.iter().map(|m| m.guid));
    s.extend(d.mail_contacts.iter().map(|m| m.guid));
    s.extend(d.inbound_connectors.iter().map(|m| m.Guid));
    s.extend(d.outbound_connectors.iter().map(|m| m.Guid));
    s.extend(d.send_connectors.iter().map(|m| m.Guid));
    s.extend(d.receive_connectors.iter().map(|m| m.Guid));
    s
}
