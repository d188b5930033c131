//! `mailsec plan`: what apply would change, per attribute; `--json`; `--detailed-exitcode` (0 none, 2 changes, 1 error).

use mailsec_state::backend::{open_backends, read_all};
use mailsec_state::plan::{plan, render_plan, Plan};
use mailsec_state::store::Store;

pub struct PlanArgs {
    pub json: bool,
    pub detailed_exitcode: bool,
}

/// Compute the plan for the state at `store`; errors are printed and give `Err(1)`.
pub fn compute(store: &Store) -> Result<Plan, i32> {
    let loaded = store.load().map_err(|e| {
        eprintln!("error: {e}");
        1
    })?;
    let backends = open_backends(&loaded.state, &store.dir());
    let live = read_all(&backends).map_err(|e| {
        eprintln!("error: could not read the backends: {e}");
        1
    })?;
    plan(&loaded.state, &live).map_err(|errors| {
        for e in errors {
            eprintln!("error: {e}");
        }
        eprintln!("No plan was made.");
        1
    })
}

pub fn run(store: &Store, args: &PlanArgs) -> i32 {
    let p = match compute(store) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if args.json {
        match serde_json::to_string_pretty(&p) {
            Ok(j) => println!("{j}"),
            Err(e) => {
                eprintln!("error: cannot encode the plan: {e}");
                return 1;
            }
        }
    } else {
        print!("{}", render_plan(&p));
    }
    if args.detailed_exitcode && !p.is_empty() {
        2
    } else {
        0
    }
}
