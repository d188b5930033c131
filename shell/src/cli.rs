//! Command-line interface: clap definitions and dispatch to a script run or a reconcile command.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use mailsec_state::store::Store;

use crate::commands;
use crate::session::{self, Script};

#[derive(Parser, Debug)]
#[command(
    name = "mailsec",
    version,
    disable_help_subcommand = true,
    about = "An admin shell and reconcile engine for S/MIME and TLS mail security",
    long_about = "Run Exchange-style cmdlets against a desired-state YAML file, then plan and apply it to the directory and gateway.\n\nExit codes: 0 success (plan: no changes); 1 error; 2 plan --detailed-exitcode found changes."
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

    /// Run these commands (PowerShell syntax) and save the state once at the end.
    #[arg(
        short = 'c',
        long = "command",
        value_name = "SCRIPT",
        conflicts_with = "script"
    )]
    pub command: Option<String>,

    /// A script file (.ps1) to run.
    #[arg(value_name = "SCRIPT_FILE")]
    pub script: Option<PathBuf>,

    #[command(subcommand)]
    pub sub: Option<Sub>,
}

#[derive(Subcommand, Debug)]
pub enum Sub {
    /// Run a script file (the same as `mailsec FILE`).
    Run { file: PathBuf },
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
    },
    /// Make the backends match the desired state.
    Apply {
        /// Do not ask for confirmation (it is asked only on a terminal).
        #[arg(long)]
        auto_approve: bool,
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
}

fn parse_time(s: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("'{s}' is not an RFC 3339 time such as 2030-01-01T00:00:00Z: {e}"))
}

fn run_file(store: &Store, file: &PathBuf) -> i32 {
    match std::fs::read_to_string(file) {
        Ok(text) => session::run(
            store,
            &Script {
                name: file.display().to_string(),
                text,
                base_dir: file
                    .parent()
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from(".")),
            },
        ),
        Err(e) => {
            eprintln!("error: cannot read script {}: {e}", file.display());
            1
        }
    }
}

/// Parse the arguments and run; returns the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let store = Store::new(&cli.state);
    match (&cli.sub, &cli.command, &cli.script) {
        (Some(Sub::Run { file }), _, _) => run_file(&store, file),
        (
            Some(Sub::Plan {
                json,
                detailed_exitcode,
                strict,
                at,
            }),
            _,
            _,
        ) => commands::plan::run(
            &store,
            &commands::plan::PlanArgs {
                json: *json,
                detailed_exitcode: *detailed_exitcode,
                strict: *strict,
                at: *at,
            },
        ),
        (Some(Sub::Apply { auto_approve }), _, _) => commands::apply::run(&store, *auto_approve),
        (Some(Sub::Schema), _, _) => commands::schema::run(),
        (Some(Sub::ForceUnlock { id }), _, _) => commands::unlock::run(&store, id),
        (Some(Sub::Seed { file, force }), _, _) => commands::seed::run(&store, file, *force),
        (Some(Sub::Help { cmdlet }), _, _) => commands::help::run(cmdlet.as_deref()),
        (None, Some(text), _) => session::run(
            &store,
            &Script {
                name: "-c".into(),
                text: text.clone(),
                base_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            },
        ),
        (None, None, Some(file)) => run_file(&store, file),
        (None, None, None) => {
            use clap::CommandFactory;
            let _ = Cli::command().print_help();
            2
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
