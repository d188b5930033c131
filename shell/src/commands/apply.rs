//! `mailsec apply [PLAN.json]`: make the backends match the desired state (or carry out a saved plan
//! exactly); asks first on a terminal unless `--auto-approve`; a progress bar on a terminal; a journal
//! of every change with its old values; on a failure, what was and was not applied.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use mailsec_state::engine::{apply_plan, Journal, SavedPlan};
use mailsec_state::plan::{render_plan, Action, PlanOptions};
use mailsec_state::store::Store;

use super::plan::{compute, print_notes, print_warnings, Planned};
use super::reconcile;

#[derive(Default)]
pub struct ApplyArgs {
    pub auto_approve: bool,
    pub prune: bool,
    /// A plan saved by `plan --out`.
    pub plan_file: Option<PathBuf>,
}

pub fn run(store: &Store, args: &ApplyArgs) -> i32 {
    let _lock = match super::reconcile::lock(store, "apply") {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (p, mut backends, from_file) = match &args.plan_file {
        Some(file) => {
            let saved = match SavedPlan::read(file) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e}");
                    return 1;
                }
            };
            let opened = match reconcile::open(store, true) {
                Ok(o) => o,
                Err(code) => return code,
            };
            let text = opened.loaded.original.as_deref().unwrap_or_default();
            if let Err(e) = saved.check(text, &opened.targets, &opened.live) {
                eprintln!("error: {e}");
                return 1;
            }
            (saved.plan, opened.backends, true)
        }
        None => {
            let Planned {
                plan,
                warnings,
                notes,
                opened,
            } = match compute(store, None, PlanOptions { prune: args.prune }, true) {
                Ok(p) => p,
                Err(code) => return code,
            };
            print!("{}", render_plan(&plan));
            print_notes(&notes);
            print_warnings(&warnings);
            (plan, opened.backends, false)
        }
    };
    if p.is_empty() {
        return 0;
    }
    if from_file {
        print!("{}", render_plan(&p));
    }
    if !args.auto_approve && std::io::stdin().is_terminal() {
        print!("\nDo you want to perform these actions? Only 'yes' will be accepted: ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if answer.trim() != "yes" {
            println!("Apply cancelled; nothing was changed.");
            return 1;
        }
    }
    let targets: Vec<String> = backends.iter().map(|b| b.describe()).collect();
    let mut journal = match Journal::start(&store.dir(), &targets) {
        Ok(j) => Some(j),
        Err(e) => {
            eprintln!("error: {e}; nothing was applied");
            return 1;
        }
    };
    let bar = progress_bar(p.changes.len());
    let outcome = apply_plan(&p, &mut backends, journal.as_mut(), &mut |done, _| {
        if let Some(b) = &bar {
            b.set_position(done as u64);
        }
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let journal_path = journal.as_ref().map(|j| j.path().display().to_string());
    if let Some(e) = &outcome.journal_error {
        eprintln!("warning: {e}");
    }
    if let Some((backend, message)) = &outcome.error {
        eprintln!("error: {backend}: {message}");
        eprintln!(
            "Applied before the error: {}. Not applied: {} change(s){}.",
            summary(&outcome.applied),
            outcome.not_applied.len(),
            list_some(&outcome.not_applied)
        );
        eprintln!(
            "Run `mailsec apply` again once the problem is fixed: it plans from what is there now, so nothing is done twice."
        );
        if let Some(j) = journal_path {
            eprintln!("Journal of what was applied: {j}");
        }
        return 1;
    }
    let count = |a: Action| outcome.applied.iter().filter(|c| c.action == a).count();
    println!(
        "\nApply complete! Resources: {} added, {} changed, {} renamed, {} removed.",
        count(Action::Create),
        count(Action::Update),
        count(Action::Rename),
        count(Action::Delete)
    );
    if let Some(j) = journal_path {
        println!("Journal: {j}");
    }
    0
}

fn progress_bar(total: usize) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() || total < 2 {
        return None;
    }
    let bar = ProgressBar::new(total as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} changes ({per_sec}, {eta} left)")
    {
        bar.set_style(style);
    }
    Some(bar)
}

fn summary(changes: &[mailsec_state::plan::ResourceChange]) -> String {
    if changes.is_empty() {
        "nothing".into()
    } else {
        format!("{} change(s)", changes.len())
    }
}

/// The first few not-applied changes, by name.
fn list_some(changes: &[mailsec_state::plan::ResourceChange]) -> String {
    if changes.is_empty() {
        return String::new();
    }
    let names: Vec<String> = changes
        .iter()
        .take(5)
        .map(|c| format!("{} '{}'", c.kind.noun(), c.name))
        .collect();
    let more = if changes.len() > 5 {
        format!(" and {} more", changes.len() - 5)
    } else {
        String::new()
    };
    format!(": {}{more}", names.join(", "))
}
