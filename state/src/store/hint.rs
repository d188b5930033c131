//! A cheap guess of a state file's `targets` section, read before the whole file is: so plan, apply and
//! export can open and read the backends while the (large) state loads. Only a guess: the caller must
//! compare it with the loaded state's targets and redo the read when they differ.

use std::path::Path;

use serde::Deserialize;

use crate::model::Targets;

#[derive(Deserialize)]
struct OnlyTargets {
    #[serde(default)]
    targets: Targets,
}

/// The targets the state file at `path` most likely names: its top-level `targets:` block parsed on
/// its own, or the default targets when no line starts with `targets:`. `None` when there is no file,
/// or the block is not simple enough to read alone (then nothing is guessed).
pub fn targets_hint(path: &Path) -> Option<Targets> {
    let text = std::fs::read_to_string(path).ok()?;
    targets_of_text(&text)
}

/// [`targets_hint`] on the file's text.
fn targets_of_text(text: &str) -> Option<Targets> {
    let mut block: Option<String> = None;
    let mut inside = false;
    for line in text.split('\n') {
        if inside {
            // The block goes on while its lines are indented, blank or comments.
            if line.is_empty() || line.starts_with([' ', '\t', '#']) {
                if let Some(b) = block.as_mut() {
                    b.push_str(line);
                    b.push('\n');
                }
                continue;
            }
            inside = false;
        }
        if line.starts_with("targets:") {
            if block.is_some() {
                return None; // twice: the load refuses it; guess nothing
            }
            inside = true;
            block = Some(format!("{line}\n"));
        }
    }
    match block {
        None => Some(Targets::default()),
        Some(b) => serde_norway::from_str::<OnlyTargets>(&b)
            .ok()
            .map(|t| t.targets),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DesiredState;
    use crate::store::Store;

    #[test]
    fn the_guess_is_the_loaded_targets_for_files_mailsec_writes() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::new(d.path().join("mailsec.yaml"));
        let mut s = DesiredState::default();
        s.mailboxes.push(crate::model::Mailbox {
            guid: uuid::Uuid::from_u128(1),
            name: "targets: not this one".into(),
            ..Default::default()
        });
        store.save(&s, None).unwrap();
        assert_eq!(targets_hint(store.path()), Some(Targets::default()));

        s.targets = serde_norway::from_str(
            "directory:\n  kind: ldap\n  url: ldap://dc.example.org\n  base: dc=example,dc=org\n",
        )
        .unwrap();
        store.save(&s, None).unwrap();
        let loaded = store.load().unwrap();
        assert_ne!(loaded.state.targets, Targets::default());
        assert_eq!(targets_hint(store.path()), Some(loaded.state.targets));
    }

    #[test]
    fn an_unusual_block_gives_no_guess_or_a_guess_that_may_be_wrong() {
        assert_eq!(targets_of_text("targets: [\n"), None);
        assert_eq!(targets_of_text("targets: {}\ntargets: {}\n"), None);
        // A guess is only a guess: `"targets": ...` is not seen, and the caller's comparison
        // with the loaded targets catches that.
        assert_eq!(
            targets_of_text("\"targets\":\n  directory:\n    kind: ldap\n"),
            Some(Targets::default())
        );
        assert_eq!(
            targets_of_text("apiVersion: mailsec/v1\ntargets: {}\n# c\nmailboxes: []\n"),
            Some(Targets::default())
        );
        assert_eq!(targets_hint(Path::new("/nonexistent/mailsec.yaml")), None);
    }
}
