//! mailsec-state: the core of mailsec. The desired-state model, typed operations on it, the store,
//! certificate values, plan/apply and the backends. It knows nothing of the shell.

pub mod backend;
pub mod cert;
pub mod clock;
pub mod engine;
pub mod health;
pub mod model;
pub mod ops;
mod parallel;
pub mod patch;
pub mod plan;
pub mod probe;
pub mod schema;
pub mod store;
pub mod validate;

pub use uuid::Uuid;
