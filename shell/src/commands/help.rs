//! `mailsec help [CMDLET]`: the cmdlets and their parameters, generated from the registry.

use std::fmt::Write;

pub fn run(name: Option<&str>) -> i32 {
    match name {
        None => {
            println!("Cmdlets (run `mailsec help NAME` for parameters and examples):");
            for c in mailsec_cmdlets::registry() {
                println!("  {:<26} {}", c.signature.name, c.signature.synopsis);
            }
            0
        }
        Some(n) => match mailsec_cmdlets::find(n) {
            Some(c) => {
                print!("{}", text(&c.signature));
                0
            }
            None => {
                let hint = mailsec_cmdlets::suggest(n);
                eprintln!(
                    "error: no cmdlet named '{n}'{}",
                    hint.first()
                        .map(|h| format!("; did you mean {h}?"))
                        .unwrap_or_default()
                );
                1
            }
        },
    }
}

pub fn text(s: &mailsec_cmdlets::Signature) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "NAME\n    {}\n\nSYNOPSIS\n    {}\n\nPARAMETERS",
        s.name, s.synopsis
    );
    for p in &s.params {
        let pos = p
            .position
            .map(|n| format!(", position {}", n + 1))
            .unwrap_or_default();
        let req = if p.mandatory { ", required" } else { "" };
        let _ = writeln!(
            out,
            "    -{} <{}>{req}{pos}\n        {}",
            p.name,
            p.ty.dotnet(),
            p.help
        );
    }
    if !s.examples.is_empty() {
        let _ = writeln!(out, "\nEXAMPLES");
        for e in &s.examples {
            let _ = writeln!(out, "    # {}\n    {}\n", e.description, e.script);
        }
    }
    out
}
