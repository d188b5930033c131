//! `mailsec plan`: what apply would change, per attribute; `--json`; `--detailed-exitcode` (0 none, 2 changes, 1 error);
//! warnings for published certificates that will not work (`--strict` makes them errors).

use mailsec_state::backend::{open_backends, read_all};
use mailsec_state::health::plan_warnings;
use mailsec_state::plan::{plan, render_plan, Plan};
use mailsec_state::store::Store;
use time::OffsetDateTime;

pub struct PlanArgs {
    pub json: bool,
    pub detailed_exitcode: bool,
    pub strict: bool,
    /// Validation time for the certificate checks (`--at`, else MAILSEC_NOW, else now).
    pub at: Option<OffsetDateTime>,
}

/// A plan and the certificate warnings that go with it.
pub struct Planned {
    pub plan: Plan,
    pub warnings: Vec<String>,
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
pub fn compute(store: &Store, at: Option<OffsetDateTime>) -> Result<Planned, i32> {
    let at = validation_time(at)?;
    let loaded = store.load().map_err(|e| {
        eprintln!("error: {e}");
        1
    })?;
    let backends = open_backends(&loaded.state, &store.dir());
    let live = read_all(&backends).map_err(|e| {
        eprintln!("error: could not read the backends: {e}");
        1
    })?;
    let plan = plan(&loaded.state, &live).map_err(|errors| {
        for e in errors {
            eprintln!("error: {e}");
        }
        eprintln!("No plan was made.");
        1
    })?;
    let mut warnings = plan_warnings(&loaded.state, &live, at);
    warnings.extend(mailsec_state::plan::not_applied_warnings(
        &loaded.state,
        &backends,
    ));
    Ok(Planned { plan, warnings })
}

pub fn print_warnings(warnings: &[String]) {
    for w in warnings {
        eprintln!("Warning: {w}");
    }
}

pub fn run(store: &Store, args: &PlanArgs) -> i32 {
    let Planned { plan: p, warnings } = match compute(store, args.at) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if args.json {
        let doc =
            serde_json::json!({ "changes": p.changes, "summary": p.summary, "warnings": warnings });
        match serde_json::to_string_pretty(&doc) {
            Ok(j) => println!("{j}"),
            Err(e) => {
                eprintln!("error: cannot encode the plan: {e}");
                return 1;
            }
        }
    } else {
        print!("{}", render_plan(&p));
        print_warnings(&warnings);
    }
    if args.strict && !warnings.is_empty() {
        eprintln!(
            "error: --strict: {} certificate warning(s) above.",
            warnings.len()
        );
        return 1;
    }
    if args.detailed_exitcode && !p.is_empty() {
        2
    } else {
        0
    }
}
