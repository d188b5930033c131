//! `mailsec apply`: make the backends match the desired state; asks first on a terminal unless `--auto-approve`.

use std::io::{BufRead, IsTerminal, Write};

use mailsec_state::backend::{changes_for, open_backends, read_all};
use mailsec_state::plan::{plan, render_plan, Action};
use mailsec_state::store::Store;

pub fn run(store: &Store, auto_approve: bool) -> i32 {
    let (_lock, notice) = match store.lock("apply") {
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
    let mut backends = open_backends(&loaded.state, &store.dir());
    let live = match read_all(&backends) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: could not read the backends: {e}");
            return 1;
        }
    };
    let p = match plan(&loaded.state, &live) {
        Ok(p) => p,
        Err(errors) => {
            for e in errors {
                eprintln!("error: {e}");
            }
            eprintln!("Nothing was applied.");
            return 1;
        }
    };
    print!("{}", render_plan(&p));
    if let Ok(at) = mailsec_state::clock::now() {
        super::plan::print_warnings(&mailsec_state::health::plan_warnings(
            &loaded.state,
            &live,
            at,
        ));
    }
    if p.is_empty() {
        return 0;
    }
    if !auto_approve && std::io::stdin().is_terminal() {
        print!("\nDo you want to perform these actions? Only 'yes' will be accepted: ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if answer.trim() != "yes" {
            println!("Apply cancelled; nothing was changed.");
            return 1;
        }
    }
    let mut done = Vec::new();
    for b in backends.iter_mut() {
        let mine = changes_for(&p.changes, b.kinds());
        if mine.is_empty() {
            continue;
        }
        match b.apply(&mine) {
            Ok(_) => done.extend(mine),
            Err(e) => {
                eprintln!("error: {e}");
                eprintln!(
                    "Applied before the error: {}. Not applied: the {} change(s) for {} and any after it. Run `mailsec apply` again once the problem is fixed; it continues from what is there.",
                    if done.is_empty() { "nothing".to_string() } else { format!("{} change(s)", done.len()) },
                    mine.len(),
                    b.describe()
                );
                return 1;
            }
        }
    }
    let count = |a: Action| done.iter().filter(|c| c.action == a).count();
    println!(
        "\nApply complete! Resources: {} added, {} changed, {} renamed, {} removed.",
        count(Action::Create),
        count(Action::Update),
        count(Action::Rename),
        count(Action::Delete)
    );
    0
}
