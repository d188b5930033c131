//! Carrying out a plan: each backend gets its changes; every change done is journaled as it completes;
//! at the first failure the apply stops and reports what was and was not applied.

use std::collections::{HashMap, HashSet};

use super::Journal;
use crate::backend::{changes_for, Backend};
use crate::plan::{Plan, ResourceChange};

#[derive(Debug, Default)]
pub struct ApplyOutcome {
    /// The changes carried out, in the order they completed.
    pub applied: Vec<ResourceChange>,
    /// The changes not carried out (after a failure).
    pub not_applied: Vec<ResourceChange>,
    /// The failure that stopped the apply: `(backend, message)`.
    pub error: Option<(String, String)>,
    /// A journal line that could not be written (the apply itself went on).
    pub journal_error: Option<String>,
}

/// Apply `plan` to `backends`. `progress(done, total)` is called after each change.
pub fn apply_plan(
    plan: &Plan,
    backends: &mut [Box<dyn Backend>],
    mut journal: Option<&mut Journal>,
    progress: &mut dyn FnMut(usize, usize),
) -> ApplyOutcome {
    let total = plan.changes.len();
    let mut out = ApplyOutcome::default();
    let mut done_keys: HashSet<usize> = HashSet::new();
    // Backends hand back references into `plan.changes`: their address finds their index.
    let positions: HashMap<usize, usize> = plan
        .changes
        .iter()
        .enumerate()
        .map(|(i, c)| (c as *const ResourceChange as usize, i))
        .collect();
    let index_of = |c: &ResourceChange| {
        positions
            .get(&(c as *const ResourceChange as usize))
            .copied()
            .unwrap_or(usize::MAX)
    };
    for b in backends.iter_mut() {
        let mine = changes_for(&plan.changes, b.kinds());
        if mine.is_empty() {
            continue;
        }
        let mut on_done = |c: &ResourceChange| {
            done_keys.insert(index_of(c));
            out.applied.push(c.clone());
            if let Some(j) = journal.as_deref_mut() {
                if let Err(e) = j.applied(c) {
                    out.journal_error.get_or_insert(e.to_string());
                }
            }
            progress(out.applied.len(), total);
        };
        if let Err(e) = b.apply(&mine, &mut on_done) {
            out.error = Some((b.describe(), e.to_string()));
            break;
        }
    }
    out.not_applied = plan
        .changes
        .iter()
        .enumerate()
        .filter(|(i, _)| !done_keys.contains(i))
        .map(|(_, c)| c.clone())
        .collect();
    if let Some(j) = journal {
        let err = out.error.as_ref().map(|(b, m)| format!("{b}: {m}"));
        if let Err(e) = j.finish(out.applied.len(), err.as_deref()) {
            out.journal_error.get_or_insert(e.to_string());
        }
    }
    out
}
