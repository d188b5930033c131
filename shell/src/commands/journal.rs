//! `mailsec journal [FILE]`: list the apply journals, or show one: each change an apply made, with the
//! values it replaced, so an admin can see what happened and put old values back.

use std::path::Path;

use mailsec_state::engine::journal;
use mailsec_state::store::Store;

pub fn run(store: &Store, file: Option<&Path>) -> i32 {
    let Some(file) = file else {
        let all = journal::list(&store.dir());
        if all.is_empty() {
            println!(
                "No applies have been journaled next to {}.",
                store.path().display()
            );
        }
        for p in all {
            println!("{}", p.display());
        }
        return 0;
    };
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", file.display());
            return 1;
        }
    };
    for (n, line) in text.lines().enumerate() {
        let v: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!(
                    "error: {}:{}: not a journal line: {e}",
                    file.display(),
                    n + 1
                );
                return 1;
            }
        };
        match v.get("event").and_then(|e| e.as_str()) {
            Some("start") => println!(
                "Apply started {} on {}",
                v["at"].as_str().unwrap_or("?"),
                v["targets"]
            ),
            Some("applied") => {
                let c = &v["change"];
                println!(
                    "  {} {} '{}'",
                    c["action"].as_str().unwrap_or("?"),
                    c["kind"].as_str().unwrap_or("?"),
                    c["name"].as_str().unwrap_or("?")
                );
                for a in c["attributes"].as_array().into_iter().flatten() {
                    println!(
                        "      {}: {} -> {}",
                        a["name"].as_str().unwrap_or("?"),
                        a["old"],
                        a["new"]
                    );
                }
            }
            Some("finish") => println!(
                "Finished {}: {} change(s) applied{}",
                v["at"].as_str().unwrap_or("?"),
                v["applied"],
                v["error"]
                    .as_str()
                    .map(|e| format!("; stopped by: {e}"))
                    .unwrap_or_default()
            ),
            _ => {
                eprintln!("error: {}:{}: unknown journal event", file.display(), n + 1);
                return 1;
            }
        }
    }
    0
}
