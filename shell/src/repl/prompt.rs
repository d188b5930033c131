//! The prompt: `mailsec [2 pending] > ` while the desired state differs from the backends
//! (what `mailsec plan` would change), `mailsec > ` when they match.

use mailsec_state::backend::LiveState;
use mailsec_state::model::DesiredState;
use mailsec_state::plan::plan;
use mailsec_state::store::Store;

/// What apply would do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    /// The number of objects plan would create, change, rename or remove.
    Changes(usize),
    /// No plan could be made (a damaged state file, an unreadable backend...).
    Unknown,
}

impl Pending {
    /// The plan of `state` against `live`, counted.
    pub fn compute(state: &DesiredState, live: &LiveState) -> Pending {
        match plan(state, live) {
            Ok(p) => Pending::Changes(p.changes.len()),
            Err(_) => Pending::Unknown,
        }
    }

    /// Read the state and the backends (no lock: this only reads) and count the plan.
    pub fn from_store(store: &Store) -> Pending {
        let Ok(loaded) = store.load() else {
            return Pending::Unknown;
        };
        match crate::session::read_backends(store, &loaded.state) {
            Ok((live, _)) => Pending::compute(&loaded.state, &live),
            Err(_) => Pending::Unknown,
        }
    }
}

/// The prompt as plain text, and with colour (the same width).
pub fn text(pending: &Pending, color: bool) -> (String, String) {
    let tag = match pending {
        Pending::Changes(0) => None,
        Pending::Changes(n) => Some(format!("[{n} pending]")),
        Pending::Unknown => Some("[plan failed]".to_string()),
    };
    match tag {
        None => ("mailsec > ".into(), paint("mailsec > ", "1", color)),
        Some(t) => (
            format!("mailsec {t} > "),
            format!(
                "{} {} {}",
                paint("mailsec", "1", color),
                paint(
                    &t,
                    if *pending == Pending::Unknown {
                        "31"
                    } else {
                        "33"
                    },
                    color
                ),
                paint("> ", "1", color)
            ),
        ),
    }
}

fn paint(s: &str, sgr: &str, color: bool) -> String {
    if color {
        format!("\x1b[{sgr}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_shows_pending_changes() {
        assert_eq!(text(&Pending::Changes(0), false).0, "mailsec > ");
        assert_eq!(
            text(&Pending::Changes(2), false).0,
            "mailsec [2 pending] > "
        );
        assert_eq!(
            text(&Pending::Changes(2), false).1,
            "mailsec [2 pending] > "
        );
        assert!(text(&Pending::Changes(2), true)
            .1
            .contains("\x1b[33m[2 pending]"));
        assert_eq!(text(&Pending::Unknown, false).0, "mailsec [plan failed] > ");
    }

    #[test]
    fn an_empty_state_has_nothing_pending() {
        assert_eq!(
            Pending::compute(&DesiredState::default(), &LiveState::default()),
            Pending::Changes(0)
        );
    }
}
