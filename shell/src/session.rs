//! One run of a script (`-c`, a file, stdin, or one REPL entry): parse, lock, load, read the backends,
//! evaluate, save once at the end if anything changed. The pieces are public so the REPL runs each
//! entry exactly as a script run does.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use mailsec_state::backend::{open_backends, read_all, LiveState};
use mailsec_state::model::DesiredState;
use mailsec_state::store::{Loaded, LockGuard, Store};

use crate::diagnostics::render;
use crate::eval::{Evaluator, Io, RuntimeError};
use crate::syntax::ast::{Command, Pipeline, PipelineElement, Script as Ast, Statement};
use crate::syntax::{parse_script, ParseError};

pub struct Script {
    /// Shown in diagnostics: the file name, `-c`, `<stdin>` or `repl`.
    pub name: String,
    pub text: String,
    /// Relative paths in the script resolve here first.
    pub base_dir: PathBuf,
}

/// How the results of Get-* commands are printed (`--output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// Tables and lists, as the Exchange shell prints them.
    #[default]
    Table,
    /// One JSON document per statement that returns objects.
    Json,
    /// One YAML document per statement that returns objects.
    Yaml,
}

/// Run `script` against the state at `store` with table output; returns the process exit code.
pub fn run(store: &Store, script: &Script) -> i32 {
    run_with(store, script, OutputFormat::Table)
}

/// Run `script` against the state at `store`; returns the process exit code.
pub fn run_with(store: &Store, script: &Script, output: OutputFormat) -> i32 {
    run_with_args(store, script, output, Vec::new())
}

/// Run `script` with arguments (`mailsec run FILE.ps1 ARGS...`): its `param()` block binds them, or
/// they are `$args`.
pub fn run_with_args(
    store: &Store,
    script: &Script,
    output: OutputFormat,
    args: Vec<String>,
) -> i32 {
    let ast = match parse_script(&script.text) {
        Ok(a) => a,
        Err(errors) => {
            report_parse_errors(script, &errors);
            eprintln!(
                "The script was not run: fix the syntax error{} above. Nothing was changed.",
                if errors.len() > 1 { "s" } else { "" }
            );
            return 1;
        }
    };
    let opened = match open(store, "run") {
        Ok(o) => o,
        Err(code) => return code,
    };
    let mut working = opened.loaded.state.clone();
    let mut ev = Evaluator::new(
        &mut working,
        &opened.live,
        opened.location.clone(),
        script.base_dir.clone(),
    );
    ev.set_script_args(args);
    ev.prober = mailsec_state::backend::exo::service::prober_for(
        &opened.loaded.state.targets,
        &store.dir(),
    );
    let outcome = execute(&mut ev, script, &ast, output);
    drop(ev);
    match outcome {
        Outcome::Stopped => 1,
        Outcome::Completed {
            had_error,
            exit_code,
        } => {
            match save_if_changed(store, &opened.loaded, &working) {
                // `exit N` sets the code; a skipped command still makes it at least 1.
                Ok(_) => exit_code.unwrap_or(0).max(i32::from(had_error)),
                Err(code) => code,
            }
        }
    }
}

/// Print every syntax error with a caret under its span.
pub fn report_parse_errors(script: &Script, errors: &[ParseError]) {
    for e in errors {
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
}

/// The state under the lock, with what the backends hold now.
pub struct Opened {
    /// Held until this value is dropped.
    pub lock: LockGuard,
    pub loaded: Loaded,
    pub live: LiveState,
    /// Names the backends in not-found messages.
    pub location: String,
}

/// Take the lock, load the state and read the backends. Errors are printed and give `Err(1)`.
pub fn open(store: &Store, operation: &str) -> Result<Opened, i32> {
    let (lock, notice) = store.lock(operation).map_err(|e| {
        eprintln!("error: {e}");
        1
    })?;
    if let Some(n) = notice {
        eprintln!("{n}");
    }
    let loaded = store.load().map_err(|e| {
        eprintln!("error: {e}");
        1
    })?;
    let (live, location) = read_backends(store, &loaded.state).map_err(|e| {
        eprintln!("error: {e}");
        1
    })?;
    Ok(Opened {
        lock,
        loaded,
        live,
        location,
    })
}

/// What the backends of `state` hold now, and how to name them. Needs no lock (reads only).
pub fn read_backends(store: &Store, state: &DesiredState) -> Result<(LiveState, String), String> {
    let backends = open_backends(state, &store.dir()).map_err(|e| e.to_string())?;
    let live = read_all(&backends).map_err(|e| format!("could not read the backends: {e}"))?;
    let location = backends.first().map(|b| b.describe()).unwrap_or_default();
    Ok((live, location))
}

/// Save `working` if it differs from what was loaded; `Ok(true)` when something was written.
pub fn save_if_changed(
    store: &Store,
    loaded: &Loaded,
    working: &DesiredState,
) -> Result<bool, i32> {
    if *working == loaded.state {
        return Ok(false);
    }
    store
        .save(working, loaded.original.as_deref())
        .map(|()| true)
        .map_err(|e| {
            eprintln!("error: {e}");
            1
        })
}

/// How an evaluation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every statement ran (or `exit N` ended the script); `had_error` when a non-terminating
    /// error was reported (exit 1).
    Completed {
        had_error: bool,
        exit_code: Option<i32>,
    },
    /// A terminating error stopped the run (already reported): nothing may be saved.
    Stopped,
}

/// Evaluate `ast` with `ev`: output to stdout, errors rendered with the source on stderr, prompts
/// only when a person is at a terminal.
pub fn execute(ev: &mut Evaluator, script: &Script, ast: &Ast, output: OutputFormat) -> Outcome {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    ev.set_source(&script.text);
    let mut report = |e: &RuntimeError| {
        let text = describe(script, e);
        crate::format::transcript::record(&text);
        eprint!("{text}");
    };
    let mut warn = |w: &str| {
        let line = format!("WARNING: {w}\n");
        crate::format::transcript::record(&line);
        eprint!("{line}");
    };
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let mut ask = |q: &str| -> bool {
        eprint!("{q}\n[Y] Yes  [N] No (default is \"N\"): ");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
        matches!(line.trim().to_lowercase().as_str(), "y" | "yes")
    };
    let result = if output == OutputFormat::Table {
        let mut io = Io::new(
            &mut out,
            &mut report,
            &mut warn,
            if interactive { Some(&mut ask) } else { None },
        );
        ev.run(ast, &mut io)
    } else {
        let mut result = Ok(());
        // Statement by statement, so that the ones returning objects can be printed as data.
        for st in &ast.statements {
            let convert = returns_objects(st);
            let one = Ast {
                statements: vec![if convert {
                    to_json_statement(st)
                } else {
                    st.clone()
                }],
            };
            let mut buffer = Vec::new();
            let step = {
                let sink: &mut dyn Write = if convert && output == OutputFormat::Yaml {
                    &mut buffer
                } else {
                    &mut out
                };
                let mut io = Io::new(
                    sink,
                    &mut report,
                    &mut warn,
                    if interactive { Some(&mut ask) } else { None },
                );
                ev.run(&one, &mut io)
            };
            if !buffer.is_empty() {
                let _ = out.write_all(json_text_to_yaml(&buffer).as_bytes());
            }
            if let Err(e) = step {
                result = Err(e);
                break;
            }
        }
        result
    };
    let _ = out.flush();
    match result {
        Ok(()) => Outcome::Completed {
            had_error: ev.had_error,
            exit_code: ev.exit_code,
        },
        Err(e) => {
            eprint!("{}", describe(script, &e));
            eprintln!("The run stopped at a terminating error; nothing was saved.");
            Outcome::Stopped
        }
    }
}

/// Commands that shape a Get-* result without printing it themselves.
const SHAPING: &[&str] = &[
    "select-object",
    "select",
    "sort-object",
    "sort",
    "where-object",
    "where",
    "?",
];

fn is_query(c: &Command) -> bool {
    mailsec_cmdlets::find(&c.name).is_some_and(|d| {
        let n = d.signature.name.to_ascii_lowercase();
        n.starts_with("get-") || n.starts_with("test-")
    })
}

/// A pipeline whose result is the objects a Get-*/Test-* cmdlet returned (maybe selected or sorted):
/// with `--output json|yaml` those are printed as data instead of a table.
fn returns_objects(st: &Statement) -> bool {
    let Statement::Pipeline(p) = st else {
        return false;
    };
    let commands: Vec<&Command> = p
        .elements
        .iter()
        .filter_map(|e| match e {
            PipelineElement::Command(c) => Some(c),
            PipelineElement::Expression(_) => None,
        })
        .collect();
    let Some(PipelineElement::Command(last)) = p.elements.last() else {
        return false;
    };
    commands.iter().any(|c| is_query(c))
        && (is_query(last) || SHAPING.contains(&last.name.to_ascii_lowercase().as_str()))
}

/// `<pipeline> | ConvertTo-Json` (ConvertTo-Json is a built-in of the evaluator).
fn to_json_statement(st: &Statement) -> Statement {
    let Statement::Pipeline(p) = st else {
        return st.clone();
    };
    let end = crate::syntax::ast::Span::new(p.span.end, p.span.end);
    let mut elements = p.elements.clone();
    elements.push(PipelineElement::Command(Command {
        name: "ConvertTo-Json".into(),
        name_span: end,
        args: Vec::new(),
        span: end,
    }));
    Statement::Pipeline(Pipeline {
        elements,
        span: p.span,
    })
}

/// The JSON document(s) a converted statement printed, as YAML; text that is not JSON passes through.
fn json_text_to_yaml(printed: &[u8]) -> String {
    let text = String::from_utf8_lossy(printed);
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v) => match serde_norway::to_string(&v) {
            Ok(y) if y.ends_with('\n') => y,
            Ok(y) => format!("{y}\n"),
            Err(_) => text.into_owned(),
        },
        Err(_) => text.into_owned(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(src: &str) -> Statement {
        parse_script(src)
            .ok()
            .and_then(|s| s.statements.into_iter().next())
            .expect("one statement")
    }

    #[test]
    fn only_query_results_are_converted() {
        assert!(returns_objects(&statement("Get-Mailbox")));
        assert!(returns_objects(&statement(
            "Get-MailContact -Identity x | select UserCertificate"
        )));
        assert!(!returns_objects(&statement(
            "Set-Mailbox jo -UserCertificate $null"
        )));
        assert!(!returns_objects(&statement(
            "Get-Mailbox | Set-Mailbox -UserCertificate $null"
        )));
        assert!(!returns_objects(&statement("$x = Get-Mailbox")));
        assert!(!returns_objects(&statement("Get-Mailbox | Format-List")));
        assert!(!returns_objects(&statement("'text'")));
    }

    #[test]
    fn converted_statement_ends_with_convertto_json() {
        let Statement::Pipeline(p) = to_json_statement(&statement("Get-Mailbox")) else {
            panic!("a pipeline");
        };
        assert!(
            matches!(p.elements.last(), Some(PipelineElement::Command(c)) if c.name == "ConvertTo-Json")
        );
    }

    #[test]
    fn json_becomes_yaml_and_other_text_passes() {
        assert_eq!(
            json_text_to_yaml(b"{\"Name\": \"jo\", \"Certs\": [1, 2]}\n"),
            "Name: jo\nCerts:\n- 1\n- 2\n"
        );
        assert_eq!(json_text_to_yaml(b"hello\n"), "hello\n");
    }
}
