//! One evaluator for the whole session, so that variables set by one entry are there in the next.
//!
//! `Evaluator` keeps its variables, functions and script blocks privately and borrows the working
//! state for its whole life. The session keeps one evaluator and points it, entry by entry, at the
//! state just loaded (written through its `&mut` slot) and at the backends just read (owned, swapped
//! in with `Evaluator::set_live` when they changed).

use std::path::PathBuf;

use mailsec_state::backend::LiveState;
use mailsec_state::model::DesiredState;

use crate::eval::Evaluator;

/// What the evaluator starts from before the first entry reads the backends.
static EMPTY: LiveState = LiveState::empty();

pub struct Persistent<'s> {
    ev: Evaluator<'s>,
}

impl<'s> Persistent<'s> {
    /// An evaluator writing into `slot` (the session's working state).
    pub fn new(slot: &'s mut DesiredState, base_dir: PathBuf) -> Self {
        let mut ev = Evaluator::new(slot, &EMPTY, String::new(), base_dir);
        ev.set_live(LiveState::default());
        Persistent { ev }
    }

    /// Start an entry on `state` (just loaded) and `live` (just read). Returns whether the backends
    /// changed since the last entry.
    pub fn begin(
        &mut self,
        state: DesiredState,
        live: LiveState,
        location: String,
        base_dir: PathBuf,
    ) -> bool {
        *self.ev.state = state;
        let changed = *self.ev.live != live;
        if changed {
            self.ev.set_live(live);
        }
        self.ev.location = location;
        self.ev.base_dir = base_dir;
        self.ev.had_error = false;
        changed
    }

    pub fn evaluator(&mut self) -> &mut Evaluator<'s> {
        &mut self.ev
    }

    /// The working state as the last entry left it.
    pub fn state(&self) -> &DesiredState {
        self.ev.state
    }

    pub fn live(&self) -> &LiveState {
        &self.ev.live
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{Io, RuntimeError};
    use crate::syntax::parse_script;

    fn run(p: &mut Persistent, src: &str) -> String {
        let mut out = Vec::new();
        let mut report = |_: &RuntimeError| {};
        let mut warn = |_: &str| {};
        let script = parse_script(src).expect("parses");
        let mut io = Io::new(&mut out, &mut report, &mut warn, None);
        let _ = p.evaluator().run(&script, &mut io);
        drop(io);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn variables_survive_entries_and_reloads() {
        let mut slot = DesiredState::default();
        let mut p = Persistent::new(&mut slot, PathBuf::from("."));
        assert!(!p.begin(
            DesiredState::default(),
            LiveState::default(),
            "x".into(),
            ".".into()
        ));
        run(&mut p, "$who = 'jo'");
        assert!(!p.begin(
            DesiredState::default(),
            LiveState::default(),
            "x".into(),
            ".".into()
        ));
        assert_eq!(run(&mut p, "\"hi $who\""), "hi jo\n");
    }
}
