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
        let dest = p.destination.describe();
        let _ = writeln!(
            out,
            "    -{} <{}>{req}{pos}\n        {}\n        ({dest})",
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

#[cfg(test)]
mod tests {
    use crate::binder::{bind, Arg};
    use crate::syntax::ast::{CommandArg, PipelineElement, Statement};
    use crate::syntax::parse_script;

    /// Every example in every signature parses, names a real cmdlet, and binds to its parameters.
    #[test]
    fn every_help_example_parses_and_binds() {
        for c in mailsec_cmdlets::registry() {
            assert!(
                !c.signature.examples.is_empty(),
                "{} has no example",
                c.signature.name
            );
            for e in &c.signature.examples {
                let script =
                    parse_script(e.script).unwrap_or_else(|errs| panic!("{}: {errs:?}", e.script));
                for st in &script.statements {
                    let Statement::Pipeline(p) = st else { continue };
                    for el in &p.elements {
                        let PipelineElement::Command(cmd) = el else {
                            continue;
                        };
                        let def = mailsec_cmdlets::find(&cmd.name)
                            .unwrap_or_else(|| panic!("unknown cmdlet in example: {}", e.script));
                        let args = cmd
                            .args
                            .iter()
                            .map(|a| match a {
                                CommandArg::Parameter {
                                    name,
                                    span,
                                    colon_value,
                                } => Arg::Param {
                                    name: name.clone(),
                                    span: *span,
                                    value: colon_value
                                        .as_ref()
                                        .map(|v| (mailsec_cmdlets::Value::Null, v.span())),
                                },
                                CommandArg::Value(v) => {
                                    Arg::Value(mailsec_cmdlets::Value::Null, v.span())
                                }
                            })
                            .collect();
                        if let Err(b) = bind(&def.signature, args, cmd.span) {
                            panic!("example `{}` does not bind: {}", e.script, b.message);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn help_lists_parameters_and_examples() {
        let s = mailsec_cmdlets::find("Set-Mailbox")
            .map(|c| super::text(&c.signature))
            .unwrap_or_default();
        assert!(s.contains("-UserCertificate <"), "{s}");
        assert!(s.contains("EXAMPLES"), "{s}");
    }
}
