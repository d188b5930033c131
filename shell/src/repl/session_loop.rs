//! The session loop: read an entry, run it as one script run (lock, load, evaluate with the
//! session's variables, save once if changed, unlock), then refresh the prompt and the completion
//! caches. `plan`, `apply`, `help`, `exit`/`quit` and Ctrl-D are handled here.

use std::io::IsTerminal;
use std::path::PathBuf;

use mailsec_state::model::DesiredState;
use mailsec_state::store::Store;
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{CompletionType, Config, Editor};

use super::helper::ReplHelper;
use super::highlight::is_repl_command;
use super::history;
use super::identities::Identities;
use super::prompt::{self, Pending};
use super::vars::Persistent;
use crate::session::{self, Outcome, OutputFormat, Script};
use crate::syntax::ast::Statement;
use crate::syntax::parse_script;

/// What the loop does after an entry.
enum Flow {
    Continue,
    Exit,
}

struct Repl<'s> {
    store: &'s Store,
    output: OutputFormat,
    persistent: Persistent<'s>,
    pending: Pending,
    /// The state the pending count was computed on (to skip recomputing when nothing changed).
    planned: Option<DesiredState>,
}

/// Run the interactive shell until `exit`, `quit` or Ctrl-D; returns the exit code.
pub fn run(store: &Store, output: OutputFormat) -> i32 {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let config = match Config::builder()
        .max_history_size(10_000)
        .and_then(|b| b.history_ignore_dups(true))
    {
        Ok(b) => b
            .history_ignore_space(true)
            .auto_add_history(false)
            .completion_type(CompletionType::List)
            .build(),
        Err(e) => {
            eprintln!("error: cannot start the interactive shell: {e}");
            return 1;
        }
    };
    let mut rl: Editor<ReplHelper, FileHistory> = match Editor::with_config(config) {
        Ok(rl) => rl,
        Err(e) => {
            eprintln!("error: cannot start the interactive shell: {e}");
            return 1;
        }
    };
    rl.set_helper(Some(ReplHelper::new(store.clone(), color)));
    let history = history::path();
    if let Some(h) = &history {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if h.exists() {
            if let Err(e) = rl.load_history(h) {
                eprintln!("warning: could not read the history {}: {e}", h.display());
            }
        }
    }
    let cwd = current_dir();
    let mut slot = DesiredState::default();
    let mut repl = Repl {
        store,
        output,
        persistent: Persistent::new(&mut slot, cwd),
        pending: Pending::from_store(store),
        planned: None,
    };
    println!(
        "mailsec {} (state: {}). Tab completes; plan, apply, help, exit (or Ctrl-D).",
        env!("CARGO_PKG_VERSION"),
        store.path().display()
    );
    let mut history_warned = false;
    loop {
        let p = prompt::text(&repl.pending, color);
        match rl.readline(&p) {
            Ok(entry) => {
                if entry.trim().is_empty() {
                    continue;
                }
                let _ = rl.add_history_entry(entry.as_str());
                if let Some(h) = &history {
                    if let Err(e) = rl.append_history(h) {
                        if !history_warned {
                            eprintln!("warning: could not write the history {}: {e}", h.display());
                            history_warned = true;
                        }
                    }
                }
                let helper = rl.helper_mut();
                match repl.entry(&entry, helper) {
                    Flow::Continue => {}
                    Flow::Exit => break,
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        }
    }
    0
}

fn current_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}

impl Repl<'_> {
    fn entry(&mut self, entry: &str, helper: Option<&mut ReplHelper>) -> Flow {
        if is_repl_command(entry) {
            let words: Vec<&str> = entry.split_whitespace().collect();
            if matches!(
                words.first().map(|w| w.to_ascii_lowercase()).as_deref(),
                Some("exit" | "quit")
            ) {
                return Flow::Exit;
            }
            let _ = crate::cli::run_in_session(self.store, &words);
            // apply changes the backends; anything may have changed the state file meanwhile.
            self.pending = Pending::from_store(self.store);
            self.planned = None;
            if let Some(h) = helper {
                h.invalidate_identities();
            }
            return Flow::Continue;
        }
        self.script(entry, helper);
        Flow::Continue
    }

    /// One entry, run as a script run is.
    fn script(&mut self, text: &str, helper: Option<&mut ReplHelper>) {
        let script = Script {
            name: "repl".into(),
            text: text.to_string(),
            base_dir: current_dir(),
        };
        let ast = match parse_script(text) {
            Ok(a) => a,
            Err(errors) => {
                session::report_parse_errors(&script, &errors);
                return;
            }
        };
        let assigned: Vec<String> = ast
            .statements
            .iter()
            .flat_map(Statement::assigned_variables)
            .map(|v| v.name.clone())
            .collect();
        let Ok(opened) = session::open(self.store, "repl") else {
            return;
        };
        let session::Opened {
            lock,
            loaded,
            live,
            location,
        } = opened;
        let targets = loaded.state.targets.clone();
        let live_changed = self.persistent.begin(
            loaded.state.clone(),
            live,
            location,
            script.base_dir.clone(),
        );
        // The gateway as the state names it now (its targets may have been edited since).
        self.persistent.evaluator().prober =
            mailsec_state::backend::exo::service::prober_for(&targets, &self.store.dir());
        let outcome = session::execute(self.persistent.evaluator(), &script, &ast, self.output);
        let saved = match outcome {
            Outcome::Completed { .. } => {
                session::save_if_changed(self.store, &loaded, self.persistent.state())
                    .unwrap_or(false)
            }
            Outcome::Stopped => false,
        };
        drop(lock);
        let on_disk = if saved {
            self.persistent.state().clone()
        } else {
            loaded.state
        };
        if saved || live_changed || self.planned.as_ref() != Some(&on_disk) {
            self.pending = Pending::compute(&on_disk, self.persistent.live());
        }
        if let Some(h) = helper {
            h.set_identities(Identities::from_states(&on_disk, self.persistent.live()));
            h.add_variables(assigned);
        }
        self.planned = Some(on_disk);
    }
}
