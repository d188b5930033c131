//! Command-line interface: clap definitions and dispatch to a script run, the REPL, or a command.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use clap::{CommandFactory, Parser, Subcommand};
use mailsec_state::store::Store;

use crate::commands;
use crate::session::{self, OutputFormat, Script};

#[derive(Parser, Debug)]
#[command(
    name = "mailsec",
    version,
    disable_help_subcommand = true,
    about = "An admin shell and reconcile engine for S/MIME and TLS mail security",
    long_about = "Run Exchange-style cmdlets against a desired-state YAML file, then plan and apply it to the directory and gateway.\n\nWith no arguments on a terminal, mailsec starts an interactive shell; with a script on stdin (or `mailsec -`), it runs it.\n\nExit codes: 0 success (plan: no changes); 1 error; 2 plan --detailed-exitcode found changes."
)]
pub struct Cli {
    /// The desired-state file.
    #[arg(
        long,
        global = true,
        env = "MAILSEC_STATE",
        default_value = "mailsec.yaml"
    )]
    pub state: PathBuf,

    /// How Get-* results are printed.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// Map a Windows folder in scripts to a local one, e.g. 'C:\\Users\\Gold=/home/gold' (repeatable;
    /// MAILSEC_PATH_MAP takes the same entries separated by ';'). A path that exists as written is used first.
    #[arg(long = "path-map", global = true, value_name = "WINDOWS=LOCAL")]
    pub path_map: Vec<String>,

    /// Run these commands (PowerShell syntax) and save the state once at the end.
    #[arg(
        short = 'c',
        long = "command",
        value_name = "SCRIPT",
        conflicts_with = "script"
    )]
    pub command: Option<String>,

    /// A script file (.ps1) to run; `-` reads the script from stdin.
    #[arg(value_name = "SCRIPT_FILE")]
    pub script: Option<PathBuf>,

    /// Arguments for the script: its param() block binds them (-Name value, or by position); else $args.
    #[arg(
        value_name = "SCRIPT_ARGS",
        requires = "script",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub script_args: Vec<String>,

    #[command(subcommand)]
    pub sub: Option<Sub>,
}

#[derive(Subcommand, Debug)]
pub enum Sub {
    /// Run a script file (the same as `mailsec FILE`; `-` reads stdin), with arguments for its param() block.
    Run {
        file: PathBuf,
        /// Arguments for the script: its param() block binds them (-Name value, or by position); else $args.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Show what apply would change (per attribute).
    Plan {
        /// Print the plan as JSON.
        #[arg(long)]
        json: bool,
        /// Exit 0 when there are no changes, 2 when there are, 1 on error.
        #[arg(long)]
        detailed_exitcode: bool,
        /// Fail (exit 1) when a published certificate will not work.
        #[arg(long)]
        strict: bool,
        /// Validation time for the certificate checks (RFC 3339; default MAILSEC_NOW, else now).
        #[arg(long, value_parser = parse_time)]
        at: Option<time::OffsetDateTime>,
        /// Save the plan to FILE; `mailsec apply FILE` applies exactly it (and refuses if anything changed).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Also remove objects mailsec created that are gone from the desired state.
        #[arg(long)]
        prune: bool,
        /// Show changes made outside mailsec and offer to write them into the desired state.
        #[arg(long, conflicts_with_all = ["out", "prune", "json"])]
        refresh_only: bool,
        /// With --refresh-only: write without asking.
        #[arg(long, requires = "refresh_only")]
        auto_approve: bool,
    },
    /// Make the backends match the desired state, or carry out a plan saved with `plan --out`.
    Apply {
        /// A plan saved by `mailsec plan --out FILE`.
        plan_file: Option<PathBuf>,
        /// Do not ask for confirmation (it is asked only on a terminal).
        #[arg(long)]
        auto_approve: bool,
        /// Also remove objects mailsec created that are gone from the desired state.
        #[arg(long, conflicts_with = "plan_file")]
        prune: bool,
    },
    /// Write what the directory and gateway hold into the desired-state file (one bulk read).
    Export {
        /// Replace a desired state that already has objects (its targets are kept).
        #[arg(long)]
        force: bool,
    },
    /// List the apply journals, or show one (each change with the values it replaced).
    Journal { file: Option<PathBuf> },
    /// Print the LDAP rights the configured directory target needs (for a least-privilege account).
    Permissions,
    /// Parse and bind scripts without running them (no state or backends needed); exit 1 on any error.
    Check {
        /// Script files (`-` reads stdin).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// One JSON object per line: each cmdlet invocation (with its bound parameters) and each error.
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schema of the state file.
    Schema,
    /// Remove a lock left by a run that is gone (give the lock ID the error showed).
    ForceUnlock { id: String },
    /// Fill the embedded directory from an LDIF file.
    Seed {
        file: PathBuf,
        /// Replace an existing embedded directory.
        #[arg(long)]
        force: bool,
    },
    /// List the cmdlets, or show one cmdlet's parameters and examples.
    Help { cmdlet: Option<String> },
    /// Print a shell completion script for mailsec.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    Man,
}

fn parse_time(s: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("'{s}' is not an RFC 3339 time such as 2030-01-01T00:00:00Z: {e}"))
}

fn cwd() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}

fn run_stdin(store: &Store, output: OutputFormat, args: &[String]) -> i32 {
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("error: cannot read the script from stdin: {e}");
        return 1;
    }
    session::run_with_args(
        store,
        &Script {
            name: "<stdin>".into(),
            text,
            base_dir: cwd(),
        },
        output,
        args.to_vec(),
    )
}

/// Run a script file (`-`: stdin) with `args` for its param() block / `$args`.
fn run_file(store: &Store, file: &Path, output: OutputFormat, args: &[String]) -> i32 {
    if file.as_os_str() == "-" {
        return run_stdin(store, output, args);
    }
    match std::fs::read_to_string(file) {
        Ok(text) => session::run_with_args(
            store,
            &Script {
                name: file.display().to_string(),
                text,
                base_dir: file
                    .parent()
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from(".")),
            },
            output,
            args.to_vec(),
        ),
        Err(e) => {
            eprintln!("error: cannot read script {}: {e}", file.display());
            1
        }
    }
}

/// Run a subcommand; the same code serves the command line and the REPL.
fn dispatch(store: &Store, sub: &Sub, output: OutputFormat) -> i32 {
    match sub {
        Sub::Run { file, args } => run_file(store, file, output, args),
        Sub::Plan {
            json,
            detailed_exitcode,
            strict,
            at,
            out,
            prune,
            refresh_only,
            auto_approve,
        } => commands::plan::run(
            store,
            &commands::plan::PlanArgs {
                json: *json,
                detailed_exitcode: *detailed_exitcode,
                strict: *strict,
                at: *at,
                out: out.clone(),
                prune: *prune,
                refresh_only: *refresh_only,
                auto_approve: *auto_approve,
            },
        ),
        Sub::Apply {
            plan_file,
            auto_approve,
            prune,
        } => commands::apply::run(
            store,
            &commands::apply::ApplyArgs {
                auto_approve: *auto_approve,
                prune: *prune,
                plan_file: plan_file.clone(),
            },
        ),
        Sub::Export { force } => commands::export::run(store, *force),
        Sub::Journal { file } => commands::journal::run(store, file.as_deref()),
        Sub::Permissions => commands::permissions::run(store),
        Sub::Check { files, json } => commands::check::run(files, *json),
        Sub::Schema => commands::schema::run(),
        Sub::ForceUnlock { id } => commands::unlock::run(store, id),
        Sub::Seed { file, force } => commands::seed::run(store, file, *force),
        Sub::Help { cmdlet } => commands::help::run(cmdlet.as_deref()),
        Sub::Completions { shell } => commands::completions::completions(*shell),
        Sub::Man => commands::completions::man(),
    }
}

/// A REPL command (`plan [--json ...]`, `apply [--auto-approve]`, `help [CMDLET]`), parsed with the
/// command line's own definitions and run by the same code. Other subcommands are refused.
pub fn run_in_session(store: &Store, words: &[&str]) -> i32 {
    let args = std::iter::once("mailsec").chain(words.iter().copied());
    match Cli::try_parse_from(args) {
        Ok(Cli {
            sub: Some(sub @ (Sub::Plan { .. } | Sub::Apply { .. } | Sub::Help { .. })),
            output,
            ..
        }) => dispatch(store, &sub, output),
        Ok(_) => {
            eprintln!("error: in the shell, only plan, apply, help and exit are commands; the rest is PowerShell");
            1
        }
        Err(e) => {
            let _ = e.print();
            1
        }
    }
}

/// Parse the arguments and run; returns the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let mut path_map = cli.path_map.clone();
    if let Ok(env) = std::env::var("MAILSEC_PATH_MAP") {
        path_map.extend(
            env.split(';')
                .filter(|e| !e.trim().is_empty())
                .map(str::to_string),
        );
    }
    if let Err(e) = crate::eval::dotnet::set_path_map(&path_map) {
        eprintln!("error: {e}");
        return 2;
    }
    let store = Store::new(&cli.state);
    match (&cli.sub, &cli.command, &cli.script) {
        (Some(sub), _, _) => {
            crate::teardown::set_one_shot();
            dispatch(&store, sub, cli.output)
        }
        (None, Some(text), _) => session::run_with(
            &store,
            &Script {
                name: "-c".into(),
                text: text.clone(),
                base_dir: cwd(),
            },
            cli.output,
        ),
        (None, None, Some(file)) => run_file(&store, file, cli.output, &cli.script_args),
        (None, None, None) if std::io::stdin().is_terminal() => {
            crate::repl::run(&store, cli.output)
        }
        (None, None, None) => run_stdin(&store, cli.output, &[]),
    }
}

/// The clap command (for completions and the man page).
pub fn command() -> clap::Command {
    Cli::command()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn dash_is_the_stdin_script_and_output_is_global() {
        let cli = Cli::try_parse_from(["mailsec", "-"]).expect("parses");
        assert_eq!(cli.script, Some(PathBuf::from("-")));
        let cli =
            Cli::try_parse_from(["mailsec", "run", "x.ps1", "--output", "yaml"]).expect("parses");
        assert_eq!(cli.output, OutputFormat::Yaml);
        let cli =
            Cli::try_parse_from(["mailsec", "check", "a.ps1", "b.ps1", "--json"]).expect("parses");
        assert!(matches!(cli.sub, Some(Sub::Check { ref files, json: true }) if files.len() == 2));
    }

    #[test]
    fn script_arguments_follow_the_file_hyphens_and_all() {
        let cli = Cli::try_parse_from(["mailsec", "x.ps1", "-Domain", "contoso.com", "5"])
            .expect("parses");
        assert_eq!(cli.script, Some(PathBuf::from("x.ps1")));
        assert_eq!(cli.script_args, ["-Domain", "contoso.com", "5"]);
        let cli = Cli::try_parse_from([
            "mailsec", "--state", "s.yaml", "run", "x.ps1", "-Count", "2", "--output", "json",
        ])
        .expect("parses");
        assert!(
            matches!(cli.sub, Some(Sub::Run { ref args, .. }) if args == &["-Count", "2", "--output", "json"]),
            "{cli:?}"
        );
        assert_eq!(cli.state, PathBuf::from("s.yaml"));
        let cli = Cli::try_parse_from(["mailsec", "plan", "--json"]).expect("parses");
        assert!(matches!(cli.sub, Some(Sub::Plan { json: true, .. })));
    }
}
