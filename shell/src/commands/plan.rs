//! `mailsec plan`: what apply would change, per attribute; `--json`; `--detailed-exitcode` (0 none, 2 changes,
//! 1 error); `--out` saves the plan for `apply FILE`; `--prune`; `--refresh-only` takes outside changes into
//! the desired state; warnings for published certificates that will not work (`--strict` makes them errors).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use mailsec_state::engine::{refresh_state, SavedPlan};
use mailsec_state::health::plan_warnings;
use mailsec_state::plan::{plan_for, render_plan, Plan, PlanOptions};
use mailsec_state::store::Store;
use time::OffsetDateTime;

use super::reconcile::{self, Opened};

#[derive(Default)]
pub struct PlanArgs {
    pub json: bool,
    pub detailed_exitcode: bool,
    pub strict: bool,
    /// Validation time for the certificate checks (`--at`, else MAILSEC_NOW, else now).
    pub at: Option<OffsetDateTime>,
    pub out: Option<PathBuf>,
    pub prune: bool,
    pub refresh_only: bool,
    pub auto_approve: bool,
}

/// A plan, the warnings that go with it, and what it was made from.
pub struct Planned {
    pub plan: Plan,
    pub warnings: Vec<String>,
    /// Changes backends make beside the objects' own (e.g. Postfix main.cf keys).
    pub notes: Vec<String>,
    pub opened: Opened,
}

/// The validation time: `--at`, else `MAILSEC_NOW`, else now.
pub fn validation_time(at: Option<OffsetDateTime>) -> Result<OffsetDateTime, i32> {
    match at {
        Some(t) => Ok(t),
        None => mailsec_state::clock::now().map_err(|e| {
            eprintln!("error: {e}");
            1
        }),
    }
}

/// Compute the plan for the state at `store`; errors are printed and give `Err(1)`.
pub fn compute(
    store: &Store,
    at: Option<OffsetDateTime>,
    opts: PlanOptions,
    announce: bool,
) -> Result<Planned, i32> {
    let at = validation_time(at)?;
    let opened = reconcile::open(store, announce)?;
    // The certificate checks need only the two states: they run on the other core while the
    // plan and the not-applied check are worked out (each takes about a second for 100,000
    // certificates). The warnings keep their order: the certificates', then the not-applied ones.
    let (plan, mut warnings, not_applied) = std::thread::scope(|scope| {
        let health = scope.spawn(|| plan_warnings(&opened.loaded.state, &opened.live, at));
        let plan = plan_for(&opened.loaded.state, &opened.live, &opened.backends, opts);
        let not_applied =
            mailsec_state::plan::not_applied_warnings(&opened.loaded.state, &opened.backends);
        let warnings = health
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (plan, warnings, not_applied)
    });
    let plan = plan.map_err(|errors| {
        for e in errors {
            eprintln!("error: {e}");
        }
        eprintln!("No plan was made.");
        1
    })?;
    warnings.extend(not_applied);
    let mut notes = Vec::new();
    for b in &opened.backends {
        warnings.extend(b.plan_warnings(&opened.loaded.state));
        notes.extend(b.plan_notes(&opened.loaded.state));
    }
    Ok(Planned {
        plan,
        warnings,
        notes,
        opened,
    })
}

/// The backend changes beside the objects' own, under the plan.
pub fn print_notes(notes: &[String]) {
    if notes.is_empty() {
        return;
    }
    println!("\nApply also changes:");
    for n in notes {
        println!("  ~ {n}");
    }
}

/// The warnings on stderr, written in large blocks: stderr is unbuffered, and a plan of a large state
/// may warn 100,000 times (a write per line cost a third of a second).
pub fn print_warnings(warnings: &[String]) {
    let mut err = std::io::BufWriter::with_capacity(1 << 16, std::io::stderr().lock());
    for w in warnings {
        let _ = writeln!(err, "Warning: {w}");
    }
    let _ = err.flush();
}

pub fn run(store: &Store, args: &PlanArgs) -> i32 {
    if args.refresh_only {
        return refresh_only(store, args);
    }
    let planned = match compute(
        store,
        args.at,
        PlanOptions { prune: args.prune },
        !args.json,
    ) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let code = report(&planned, args);
    crate::teardown::release(planned);
    code
}

/// Print, check and save the plan as `args` ask; returns the exit code.
fn report(planned: &Planned, args: &PlanArgs) -> i32 {
    let Planned {
        plan: p,
        warnings,
        notes,
        opened,
    } = planned;
    if args.json {
        let doc = serde_json::json!({ "targets": opened.targets, "changes": p.changes, "summary": p.summary, "warnings": warnings, "notes": notes });
        match serde_json::to_string_pretty(&doc) {
            Ok(j) => println!("{j}"),
            Err(e) => {
                eprintln!("error: cannot encode the plan: {e}");
                return 1;
            }
        }
    } else {
        print!("{}", render_plan(p));
        print_notes(notes);
        print_warnings(warnings);
    }
    if args.strict && !warnings.is_empty() {
        eprintln!(
            "error: --strict: {} certificate warning(s) above.",
            warnings.len()
        );
        return 1;
    }
    if let Some(out) = &args.out {
        let saved = SavedPlan::new(
            p.clone(),
            opened.loaded.original.as_deref().unwrap_or_default(),
            opened.targets.clone(),
            &opened.live,
        );
        let text = match serde_json::to_string_pretty(&saved) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot encode the plan: {e}");
                return 1;
            }
        };
        if let Err(e) = mailsec_state::store::atomic_write(out, text.as_bytes()) {
            eprintln!("error: cannot write {}: {e}", out.display());
            return 1;
        }
        if !args.json {
            println!(
                "\nSaved this plan to {}. `mailsec apply {}` applies exactly these changes, and refuses if the desired or live state changed meanwhile.",
                out.display(),
                out.display()
            );
        }
    }
    if args.detailed_exitcode && !p.is_empty() {
        2
    } else {
        0
    }
}

/// Show the changes made outside mailsec and offer to write them into the desired state.
fn refresh_only(store: &Store, args: &PlanArgs) -> i32 {
    let _lock = match super::reconcile::lock(store, "plan --refresh-only") {
        Ok(l) => l,
        Err(code) => return code,
    };
    let planned = match compute(store, args.at, PlanOptions::default(), true) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let (next, notes) = match refresh_state(&planned.opened.loaded.state, &planned.plan) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    if notes.is_empty() {
        println!("No changes. The desired state matches what the backends hold for every object they have.");
        return 0;
    }
    println!("Changes made outside mailsec (the live values would replace the desired ones):\n");
    for n in &notes {
        println!("  ~ {n}");
    }
    if !args.auto_approve {
        if !std::io::stdin().is_terminal() {
            println!("\nNothing was written. Run `mailsec plan --refresh-only --auto-approve` to write them into {}.", store.path().display());
            return if args.detailed_exitcode { 2 } else { 0 };
        }
        print!(
            "\nWrite them into {}? Only 'yes' will be accepted: ",
            store.path().display()
        );
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if answer.trim() != "yes" {
            println!("Nothing was written.");
            return 1;
        }
    }
    if let Err(e) = store.save(&next, planned.opened.loaded.original.as_deref()) {
        eprintln!("error: {e}");
        return 1;
    }
    println!(
        "Wrote {} object(s) into {}.",
        notes.len(),
        store.path().display()
    );
    0
}
