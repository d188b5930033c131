//! Times the phases of a no-op `mailsec plan` (load, backend read, diff, health, coverage) and an export save,
//! one by one, on the state named by `MAILSEC_STATE` and the backends it (or `MAILSEC_LDAP_*`) names.
//!
//! For profiling the `ldap_reconcile` benchmark's work by phase: keep its state and slapd with
//! `MAILSEC_BENCH_HOLD`, source the env file it writes, and run
//! `cargo run --release -p mailsec-state --example plan_phases [EXPORT_DIR]`.

use std::path::PathBuf;
use std::time::Instant;

use mailsec_state::backend::{open_backends, read_all};
use mailsec_state::engine::export_state;
use mailsec_state::health::plan_warnings;
use mailsec_state::plan::{plan_for, PlanOptions};
use mailsec_state::store::Store;

fn main() -> Result<(), String> {
    let path = std::env::var("MAILSEC_STATE").map_err(|_| "set MAILSEC_STATE".to_string())?;
    let store = Store::new(PathBuf::from(path));
    let t = Instant::now();
    let lap = |what: &str, t: &mut Instant| {
        eprintln!("{what:>8}: {:>7.3} s", t.elapsed().as_secs_f64());
        *t = Instant::now();
    };
    let mut t0 = t;
    let loaded = store.load().map_err(|e| e.to_string())?;
    lap("load", &mut t0);
    let backends = open_backends(&loaded.state, &store.dir()).map_err(|e| e.to_string())?;
    let live = read_all(&backends).map_err(|e| e.to_string())?;
    lap("read", &mut t0);
    let plan = plan_for(&loaded.state, &live, &backends, PlanOptions::default())
        .map_err(|e| format!("{e:?}"))?;
    lap("diff", &mut t0);
    let at = mailsec_state::clock::now().map_err(|e| e.to_string())?;
    let warnings = plan_warnings(&loaded.state, &live, at);
    lap("health", &mut t0);
    let not_applied = mailsec_state::plan::not_applied_warnings(&loaded.state, &backends);
    lap("coverage", &mut t0);
    eprintln!(
        "plan: {} change(s), {} warning(s); total {:.3} s",
        plan.changes.len(),
        warnings.len() + not_applied.len(),
        t.elapsed().as_secs_f64()
    );
    if let Some(dir) = std::env::args().nth(1) {
        let exported = export_state(&live, &loaded.state);
        lap("export", &mut t0);
        Store::new(PathBuf::from(dir).join("mailsec.yaml"))
            .save(&exported, None)
            .map_err(|e| e.to_string())?;
        lap("save", &mut t0);
    }
    Ok(())
}
