//! The reconcile engine's steps shared by every front end: carrying out a plan on the backends with a
//! journal, saved plans that refuse a changed directory, export of the live state into a desired state,
//! and refresh of the desired state from changes made outside mailsec.

mod apply;
mod export;
pub mod journal;
mod refresh;
mod saved;

pub use apply::{apply_plan, ApplyOutcome};
pub use export::export_state;
pub use journal::Journal;
pub use refresh::refresh_state;
pub use saved::{live_fingerprint, SavedPlan, SavedPlanError};
