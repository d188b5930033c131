//! One run of a script (`-c` or a file): parse, lock, load, read the backends, evaluate, save once at the end if anything changed.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use mailsec_state::backend::{open_backends, read_all};
use mailsec_state::store::Store;

use crate::diagnostics::render;
use crate::eval::{Evaluator, Io, RuntimeError};
use crate::syntax::parse_script;

pub struct Script {
    /// Shown in diagnostics: the file name, or `-c`.
    pub name: String,
    pub text: String,
    /// Relative paths in the script resolve here first.
    pub base_dir: PathBuf,
}

/// Run `script` against the state at `store`; returns the process exit code.
pub fn run(store: &Store, script: &Script) -> i32 {
    let ast = match parse_script(&script.text) {
        Ok(a) => a,
        Err(errors) => {
            for e in &errors {
                eprint!(
                    "{}",
                    render(
                        &script.name,
                        &script.text,
                        &e.message,
                        e.span,
                        "here",
                        e.help.as_deref()
                    )
                );
            }
            eprintln!(
                "The script was not run: fix the syntax error{} above. Nothing was changed.",
                if errors.len() > 1 { "s" } else { "" }
            );
            return 1;
        }
    };
    let (_lock, notice) = match store.lock("run") {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    if let Some(n) = notice {
        eprintln!("{n}");
    }
    let loaded = match store.load() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let backends = open_backends(&loaded.state, &store.dir());
    let live = match read_all(&backends) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: could not read the backends: {e}");
            return 1;
        }
    };
    let location = backends.first().map(|b| b.describe()).unwrap_or_default();
    let mut working = loaded.state.clone();
    let mut ev = Evaluator::new(&mut working, &live, location, script.base_dir.clone());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut report = |e: &RuntimeError| eprint!("{}", describe(script, e));
    let mut warn = |w: &str| eprintln!("WARNING: {w}");
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let mut ask = |q: &str| -> bool {
        eprint!("{q}\n[Y] Yes  [N] No (default is \"N\"): ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
        matches!(line.trim().to_lowercase().as_str(), "y" | "yes")
    };
    let result = {
        let mut io = Io {
            out: &mut out,
            report: &mut report,
            warn: &mut warn,
            confirm: if interactive { Some(&mut ask) } else { None },
        };
        ev.run(&ast, &mut io)
    };
    let had_error = ev.had_error;
    let _ = out.flush();
    if let Err(e) = result {
        eprint!("{}", describe(script, &e));
        eprintln!("The run stopped at a terminating error; nothing was saved.");
        return 1;
    }
    if working != loaded.state {
        if let Err(e) = store.save(&working, loaded.original.as_deref()) {
            eprintln!("error: {e}");
            return 1;
        }
    }
    i32::from(had_error)
}

fn describe(script: &Script, e: &RuntimeError) -> String {
    let message = match &e.command {
        Some(c) => format!("{c}: {}", e.message),
        None => e.message.clone(),
    };
    render(
        &script.name,
        &script.text,
        &message,
        e.span,
        e.category.unwrap_or("here"),
        e.help.as_deref(),
    )
}
