//! The reconcile and housekeeping commands of the `mailsec` binary (one per file).

pub mod apply;
pub mod check;
pub mod completions;
pub mod export;
pub mod help;
pub mod journal;
pub mod permissions;
pub mod plan;
pub mod reconcile;
pub mod schema;
pub mod seed;
pub mod unlock;
