//! What plan, apply and export share: load the desired state, open the backends it names (or
//! `MAILSEC_LDAP_*` name), say which targets they are, and read the live state in bulk.

use mailsec_state::backend::{open_backends, read_all, Backend, BackendError, LiveState};
use mailsec_state::model::{DesiredState, Targets};
use mailsec_state::store::{targets_hint, Loaded, LockGuard, Store};

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
///
/// The backends a state names are in its `targets` section: when a quick look at the file can tell
/// which they are, they are opened and read while the whole state loads (a 50,000-mailbox state
/// takes seconds to load, as long as the read). That read is used only if the loaded state names
/// the same targets; otherwise it is dropped and the backends are opened and read again. Errors are
/// reported in the same order as one after the other: the load's, then the open's, then the read's.
pub fn open(store: &Store, announce: bool) -> Result<Opened, i32> {
    let (loaded, early) = match targets_hint(store.path()) {
        None => (store.load(), None),
        Some(targets) => std::thread::scope(|scope| {
            let loading = scope.spawn(|| store.load());
            let early = early_read(store, &targets);
            let loaded = loading
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (loaded, Some((targets, early)))
        }),
    };
    let loaded = loaded.map_err(|e| {
        eprintln!("error: {e}");
        1
    })?;
    let early = match early {
        Some((targets, early)) if targets == loaded.state.targets => early,
        _ => open_and_read(&loaded.state, store),
    };
    let (backends, read) = early.map_err(|e| {
        eprintln!("error: {e}");
        1
    })?;
    let targets: Vec<String> = backends.iter().map(|b| b.describe()).collect();
    if announce {
        for t in &targets {
            eprintln!("Target: {t}");
        }
    }
    let live = read.map_err(|e| {
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

/// The backends a state names, opened, and what reading them gave.
type OpenedAndRead = Result<(Vec<Box<dyn Backend>>, Result<LiveState, BackendError>), BackendError>;

/// Open the backends `state` names and read them.
fn open_and_read(state: &DesiredState, store: &Store) -> OpenedAndRead {
    let backends = open_backends(state, &store.dir())?;
    let read = read_all(&backends);
    Ok((backends, read))
}

/// [`open_and_read`] for a state naming `targets` (only the targets matter to the backends).
fn early_read(store: &Store, targets: &Targets) -> OpenedAndRead {
    let probe = DesiredState {
        targets: targets.clone(),
        ..DesiredState::default()
    };
    open_and_read(&probe, store)
}
