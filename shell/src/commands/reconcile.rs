//! What plan, apply and export share: load the desired state, open the backends it names (or
//! `MAILSEC_LDAP_*` name), say which targets they are, and read the live state in bulk.

use mailsec_state::backend::{open_backends, read_all, Backend, LiveState};
use mailsec_state::store::{Loaded, LockGuard, Store};

pub struct Opened {
    pub loaded: Loaded,
    pub backends: Vec<Box<dyn Backend>>,
    pub live: LiveState,
    /// The targets as their backends name them.
    pub targets: Vec<String>,
}

/// Take the state's lock for `operation`, printing the takeover notice if there is one; errors are
/// printed and give `Err(1)`.
pub fn lock(store: &Store, operation: &str) -> Result<LockGuard, i32> {
    match store.lock(operation) {
        Ok((guard, notice)) => {
            if let Some(n) = notice {
                eprintln!("{n}");
            }
            Ok(guard)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(1)
        }
    }
}

/// Load, open and read; errors are printed and give `Err(1)`.
pub fn open(store: &Store, announce: bool) -> Result<Opened, i32> {
    let loaded = store.load().map_err(|e| {
        eprintln!("error: {e}");
        1
    })?;
    let backends = open_backends(&loaded.state, &store.dir()).map_err(|e| {
        eprintln!("error: {e}");
        1
    })?;
    let targets: Vec<String> = backends.iter().map(|b| b.describe()).collect();
    if announce {
        for t in &targets {
            eprintln!("Target: {t}");
        }
    }
    let live = read_all(&backends).map_err(|e| {
        eprintln!("error: could not read the backends: {e}");
        eprintln!("Nothing was compared: a read that fails is never taken as \"absent\".");
        1
    })?;
    Ok(Opened {
        loaded,
        backends,
        live,
        targets,
    })
}
