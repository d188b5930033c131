//! Get-Help and Get-Command, generated from the cmdlet registry and the built-in tables: what they show is
//! what binds. A cmdlet's full help is `mailsec help NAME`'s text (`commands::help::text`), with its syntax.

use std::fmt::Write;

use mailsec_cmdlets::{Object, ParamType, Signature, Value};

use super::args::{at, named, switch, Kind, Param};
use super::{all, find, has_wildcard, like, verb_noun, Builtin, Call};
use crate::eval::RuntimeError;

pub const BUILTINS: &[Builtin] = &[
    Builtin::new("Get-Help", "Shows a command's help: syntax, parameters (with where each value goes) and examples.", get_help)
        .aliases(&["help", "man"])
        .params(&[
            at(0, "Name", "String", "The command (or a pattern such as *Mailbox*)."),
            switch("Examples", "Only the examples."),
            switch("Full", "Everything: syntax, every parameter, examples."),
            switch("Detailed", "Like -Full."),
            named("Parameter", "String[]", "Only these parameters (wildcards allowed)."),
            switch("Online", "mailsec's help is all local: use -Full."),
            named("Category", "String[]", "Accepted (Cmdlet, Alias)."),
        ])
        .examples(&[
            ("A cmdlet's examples", "Get-Help Set-Mailbox -Examples"),
            ("One parameter", "Get-Help Set-SmimeConfig -Parameter SMIMECertificateIssuingCA"),
        ]),
    Builtin::new("Get-Command", "Lists the commands mailsec has: the Exchange cmdlets and the built-ins.", get_command)
        .aliases(&["gcm"])
        .params(&[
            at(0, "Name", "String[]", "Names or patterns (Get-*, *Contact*)."),
            named("Verb", "String[]", "Only commands with this verb (Get, Set, New, Remove...)."),
            named("Noun", "String[]", "Only commands with this noun (Mailbox, MailContact...)."),
            named("Module", "String[]", "Only commands from this module: mailsec (the Exchange cmdlets) or mailsec.Utility (the built-ins).")
                .aliases(&["PSSnapin"]),
            named("CommandType", "CommandTypes", "Cmdlet, Alias, or All.").aliases(&["Type"]),
            switch("Syntax", "Show each command's syntax instead."),
            named("TotalCount", "Int32", "At most this many."),
            switch("All", "Accepted."),
            switch("ListImported", "Accepted."),
        ])
        .examples(&[
            ("Every mail contact cmdlet", "Get-Command -Noun MailContact"),
            ("Every Get- command", "Get-Command Get-*"),
        ]),
];

/// The module a command comes from, as Get-Command's Source shows it.
const EXCHANGE: &str = "mailsec";
const UTILITY: &str = "mailsec.Utility";

/// A .NET type name short enough for a syntax line.
fn short_type(t: &str) -> &str {
    let head = t.split('`').next().unwrap_or(t);
    let name = head.rsplit('.').next().unwrap_or(head);
    if t.contains('`') || !t.contains('.') {
        name
    } else {
        // `System.Byte[]` → `Byte[]`: cut the namespace, keep the brackets.
        t.rsplit_once('.').map(|(_, n)| n).unwrap_or(t)
    }
}

/// PowerShell's syntax line for a cmdlet.
pub fn cmdlet_syntax(s: &Signature) -> String {
    let mut out = s.name.to_string();
    let mut params: Vec<_> = s.params.iter().collect();
    params.sort_by_key(|p| (p.position.is_none(), p.position));
    for p in params {
        let ty = short_type(p.ty.dotnet());
        let name = match p.position {
            Some(_) => format!("[-{}]", p.name),
            None => format!("-{}", p.name),
        };
        let part = if p.ty == ParamType::Switch {
            format!("-{}", p.name)
        } else {
            format!("{name} <{ty}>")
        };
        if p.mandatory {
            let _ = write!(out, " {part}");
        } else {
            let _ = write!(out, " [{part}]");
        }
    }
    out.push_str(" [<CommonParameters>]");
    out
}

/// PowerShell's syntax line for a built-in.
pub fn builtin_syntax(b: &Builtin) -> String {
    let mut out = b.name.to_string();
    let mut params: Vec<&Param> = b.params.iter().collect();
    params.sort_by_key(|p| (p.position.is_none(), p.position));
    for p in params {
        let part = match (p.kind, p.position) {
            (Kind::Switch, _) => format!("-{}", p.name),
            (_, Some(_)) => format!("[-{}] <{}>", p.name, p.ty),
            (_, None) => format!("-{} <{}>", p.name, p.ty),
        };
        let _ = write!(out, " [{part}]");
    }
    if b.should_process {
        out.push_str(" [-WhatIf] [-Confirm]");
    }
    if !b.any_args {
        out.push_str(" [<CommonParameters>]");
    }
    out
}

fn builtin_parameter(p: &Param) -> String {
    let pos = p
        .position
        .map(|n| format!(", position {}", n + 1))
        .unwrap_or_default();
    let aliases = if p.aliases.is_empty() {
        String::new()
    } else {
        format!(", alias {}", p.aliases.join(", "))
    };
    format!(
        "    -{} <{}>{pos}{aliases}\n        {}\n",
        p.name, p.ty, p.help
    )
}

/// What Get-Help shows for a built-in.
fn builtin_help(b: &Builtin, full: bool, examples_only: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "NAME\n    {}\n\nSYNOPSIS\n    {}\n",
        b.name, b.synopsis
    );
    if !examples_only {
        let _ = writeln!(out, "SYNTAX\n    {}\n", builtin_syntax(b));
        if !b.aliases.is_empty() {
            let _ = writeln!(out, "ALIASES\n    {}\n", b.aliases.join(", "));
        }
        if b.run.is_none() && b.eval_run.is_none() {
            let _ = writeln!(
                out,
                "NOTE\n    The shell itself runs this command (it takes script blocks).\n"
            );
        }
    }
    if full && !b.params.is_empty() {
        out.push_str("PARAMETERS\n");
        for p in b.params {
            out.push_str(&builtin_parameter(p));
        }
        out.push('\n');
    }
    if (full || examples_only) && !b.examples.is_empty() {
        out.push_str("EXAMPLES\n");
        for (d, s) in b.examples {
            let _ = writeln!(out, "    # {d}\n    {s}\n");
        }
    }
    if !full && !examples_only {
        let _ = writeln!(
            out,
            "REMARKS\n    To see the examples, type: \"Get-Help {0} -Examples\".\n    For every parameter, type: \"Get-Help {0} -Full\".",
            b.name
        );
    }
    out
}

/// What Get-Help shows for a cmdlet: `mailsec help`'s text with the syntax added.
fn cmdlet_help(s: &Signature, full: bool, examples_only: bool) -> String {
    let text = crate::commands::help::text(s);
    let syntax = format!("SYNTAX\n    {}\n\n", cmdlet_syntax(s));
    let (head, rest) = text.split_once("PARAMETERS").unwrap_or((&text, ""));
    if full {
        return format!("{head}{syntax}PARAMETERS{rest}");
    }
    let examples = rest
        .split_once("\nEXAMPLES")
        .map(|(_, e)| format!("EXAMPLES{e}"));
    if examples_only {
        return format!("{head}{}", examples.unwrap_or_default());
    }
    format!(
        "{head}{syntax}REMARKS\n    To see the examples, type: \"Get-Help {0} -Examples\".\n    For every parameter and where its value goes, type: \"Get-Help {0} -Full\".\n",
        s.name
    )
}

/// `-Parameter X` of a cmdlet: its blocks from the full help text.
fn cmdlet_parameter_blocks(s: &Signature, pattern: &str) -> Vec<String> {
    let text = crate::commands::help::text(s);
    let section = text
        .split_once("PARAMETERS\n")
        .map(|(_, r)| r.split("\nEXAMPLES").next().unwrap_or(r))
        .unwrap_or("");
    let mut blocks: Vec<String> = Vec::new();
    for line in section.lines() {
        if line.starts_with("    -") {
            blocks.push(format!("{line}\n"));
        } else if let Some(b) = blocks.last_mut() {
            if !line.trim().is_empty() {
                b.push_str(line);
                b.push('\n');
            }
        }
    }
    blocks
        .into_iter()
        .filter(|b| {
            let name = b.trim_start().trim_start_matches('-');
            let name = name.split([' ', '<']).next().unwrap_or("");
            like(pattern, name)
        })
        .collect()
}

/// The commands whose name or alias is close to `name`, for "did you mean".
fn suggest(name: &str) -> Option<String> {
    let lower = name.to_lowercase();
    let names = mailsec_cmdlets::registry()
        .iter()
        .map(|c| c.signature.name)
        .chain(all().map(|b| b.name));
    names
        .map(|n| (strsim::jaro_winkler(&lower, &n.to_lowercase()), n))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n.to_string())
}

fn overview() -> String {
    let mut out = String::from(
        "mailsec runs the PowerShell Exchange admins type, on a desired state (mailsec.yaml) that\n`mailsec plan` and `mailsec apply` bring the backends to.\n\n  Get-Command                 lists every command\n  Get-Command -Noun Mailbox   the commands on mailboxes\n  Get-Help NAME               a command's syntax\n  Get-Help NAME -Examples     its examples\n  Get-Help NAME -Full         every parameter and where its value goes\n",
    );
    out.push_str("\nCmdlets:\n");
    for c in mailsec_cmdlets::registry() {
        let _ = writeln!(out, "  {:<28} {}", c.signature.name, c.signature.synopsis);
    }
    out
}

fn get_help(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let Some(name) = c.args.text("Name") else {
        return Ok(vec![Value::String(overview().trim_end().to_string())]);
    };
    if c.args.switch("Online") {
        return Err(c
            .error_at("Online", "mailsec has no online help; all of it is here.")
            .help(format!("type Get-Help {name} -Full")));
    }
    if has_wildcard(&name) {
        return Ok(command_infos(c, &[name], &[], &[], None)
            .into_iter()
            .map(|mut v| {
                if let Value::Object(o) = &mut v {
                    o.default_columns = vec!["Name", "CommandType", "Synopsis"];
                }
                v
            })
            .collect());
    }
    let full = c.args.switch("Full") || c.args.switch("Detailed");
    let examples_only = c.args.switch("Examples");
    let patterns = c.args.strings("Parameter");
    let text = if let Some(def) = mailsec_cmdlets::find(&name) {
        if patterns.is_empty() {
            cmdlet_help(&def.signature, full, examples_only)
        } else {
            let blocks: Vec<String> = patterns
                .iter()
                .flat_map(|p| cmdlet_parameter_blocks(&def.signature, p))
                .collect();
            if blocks.is_empty() {
                return Err(no_parameter(c, &patterns, def.signature.name));
            }
            blocks.join("\n")
        }
    } else if let Some(b) = find(&name) {
        if patterns.is_empty() {
            builtin_help(b, full, examples_only)
        } else {
            let blocks: Vec<String> = b
                .params
                .iter()
                .filter(|p| patterns.iter().any(|pat| like(pat, p.name)))
                .map(builtin_parameter)
                .collect();
            if blocks.is_empty() {
                return Err(no_parameter(c, &patterns, b.name));
            }
            blocks.join("\n")
        }
    } else {
        let mut e = c.error_at(
            "Name",
            format!("Get-Help could not find {name} in a help file in this session."),
        );
        e.category = Some("ResourceUnavailable");
        return Err(match suggest(&name) {
            Some(s) => e.help(format!(
                "did you mean {s}? `Get-Command` lists every command"
            )),
            None => e.help("`Get-Command` lists every command"),
        });
    };
    Ok(vec![Value::String(text.trim_end().to_string())])
}

fn no_parameter(c: &Call, patterns: &[String], command: &str) -> RuntimeError {
    let mut e = c.error_at(
        "Parameter",
        format!("No parameter matches criteria {}.", patterns.join(", ")),
    );
    e.category = Some("ObjectNotFound");
    e.help(format!("`Get-Help {command} -Full` lists its parameters"))
}

/// One Get-Command row.
fn info(kind: &str, name: String, source: &str, synopsis: &str, syntax: String) -> Value {
    Value::Object(Object {
        type_name: "System.Management.Automation.CommandInfo".into(),
        props: vec![
            ("CommandType".into(), Value::String(kind.into())),
            ("Name".into(), Value::String(name)),
            (
                "Version".into(),
                Value::String(env!("CARGO_PKG_VERSION").into()),
            ),
            ("Source".into(), Value::String(source.into())),
            ("Synopsis".into(), Value::String(synopsis.into())),
            ("Definition".into(), Value::String(syntax)),
        ]
        .into(),
        default_columns: vec!["CommandType", "Name", "Version", "Source"],
    })
}

/// Every command (and alias, when asked or named) that matches the filters, sorted by name.
fn command_infos(
    c: &Call,
    names: &[String],
    verbs: &[String],
    nouns: &[String],
    kind: Option<&str>,
) -> Vec<Value> {
    let modules = c.args.strings("Module");
    let matches_name = |n: &str| names.is_empty() || names.iter().any(|p| like(p, n));
    let keep = |n: &str, source: &str| {
        let (v, no) = verb_noun(n);
        matches_name(n)
            && (verbs.is_empty() || verbs.iter().any(|p| like(p, v)))
            && (nouns.is_empty() || nouns.iter().any(|p| like(p, no)))
            && (modules.is_empty() || modules.iter().any(|m| like(m, source)))
    };
    let want =
        |k: &str| kind.is_none_or(|x| x.eq_ignore_ascii_case(k) || x.eq_ignore_ascii_case("all"));
    let mut out: Vec<(String, Value)> = Vec::new();
    if want("Cmdlet") {
        for d in mailsec_cmdlets::registry() {
            let s = &d.signature;
            if keep(s.name, EXCHANGE) {
                out.push((
                    s.name.to_string(),
                    info(
                        "Cmdlet",
                        s.name.into(),
                        EXCHANGE,
                        s.synopsis,
                        cmdlet_syntax(s),
                    ),
                ));
            }
        }
        for b in all() {
            if keep(b.name, UTILITY) {
                out.push((
                    b.name.to_string(),
                    info(
                        "Cmdlet",
                        b.name.into(),
                        UTILITY,
                        b.synopsis,
                        builtin_syntax(b),
                    ),
                ));
            }
        }
    }
    // Aliases: when asked for, or when a name given matches one (`Get-Command ft`).
    let aliases_named = !names.is_empty() && verbs.is_empty() && nouns.is_empty();
    if kind.is_some_and(|k| k.eq_ignore_ascii_case("alias") || k.eq_ignore_ascii_case("all"))
        || (aliases_named && kind.is_none())
    {
        for b in all() {
            for a in b.aliases {
                if matches_name(a)
                    && (modules.is_empty() || modules.iter().any(|m| like(m, UTILITY)))
                {
                    out.push((
                        a.to_string(),
                        info(
                            "Alias",
                            format!("{a} -> {}", b.name),
                            UTILITY,
                            b.synopsis,
                            b.name.to_string(),
                        ),
                    ));
                }
            }
        }
    }
    out.sort_by_key(|a| a.0.to_lowercase());
    out.into_iter().map(|(_, v)| v).collect()
}

fn get_command(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let names = c.args.strings("Name");
    let verbs = c.args.strings("Verb");
    let nouns = c.args.strings("Noun");
    let kind = c.args.text("CommandType");
    if let Some(k) = &kind {
        if !["cmdlet", "alias", "all", "function"].contains(&k.to_lowercase().as_str()) {
            return Err(c
                .error_at("CommandType", format!("Cannot bind parameter 'CommandType'. '{k}' is not one of Cmdlet, Alias, Function, All."))
                .help("mailsec's commands are cmdlets and aliases"));
        }
    }
    let mut rows = command_infos(c, &names, &verbs, &nouns, kind.as_deref());
    // A name without wildcards that matches nothing is an error, as in PowerShell.
    for n in names.iter().filter(|n| !has_wildcard(n)) {
        let found = rows.iter().any(|r| {
            r.property("Name").is_some_and(|v| {
                let s = v.to_string();
                s.eq_ignore_ascii_case(n)
                    || s.split(" -> ")
                        .next()
                        .is_some_and(|a| a.eq_ignore_ascii_case(n))
            })
        });
        if !found && verbs.is_empty() && nouns.is_empty() {
            let mut e = c.error_at(
                "Name",
                format!("The term '{n}' is not recognized as a name of a cmdlet, function, script file, or executable program."),
            );
            e.category = Some("ObjectNotFound");
            return Err(match suggest(n) {
                Some(s) => e.help(format!("did you mean {s}?")),
                None => e.help("`Get-Command` lists every command"),
            });
        }
    }
    if let Some(n) = c.args.count("TotalCount", c.span)? {
        rows.truncate(n);
    }
    if c.args.switch("Syntax") {
        return Ok(rows
            .iter()
            .filter_map(|r| r.property("Definition").map(|d| d.into_owned()))
            .collect());
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::super::testing::run;

    #[test]
    fn get_command_lists_cmdlets_and_builtins() {
        let o = run("Get-Command -Noun MailContact | Select-Object -ExpandProperty Name");
        assert_eq!(
            o.ok(),
            "Get-MailContact\nNew-MailContact\nRemove-MailContact\nSet-MailContact\n"
        );
        let o = run("(Get-Command).Count\nGet-Command -Verb Write | select -ExpandProperty Name");
        let out = o.ok();
        let (count, rest) = out.split_once('\n').unwrap();
        assert!(count.parse::<usize>().unwrap() > 40, "{out}");
        assert_eq!(
            rest,
            "Write-Error\nWrite-Host\nWrite-Output\nWrite-Verbose\nWrite-Warning\n"
        );
        let o =
            run("Get-Command ft | select -ExpandProperty Name\nGet-Command Get-Content -Syntax");
        assert!(
            o.ok()
                .starts_with("ft -> Format-Table\nGet-Content [[-Path] <String[]>]"),
            "{}",
            o.out
        );
        let o = run("Get-Command Get-Mailbx");
        assert_eq!(
            o.errors[0].help.as_deref(),
            Some("did you mean Get-Mailbox?")
        );
        let o = run("Get-Command -Module mailsec -Verb Set | select -ExpandProperty Name");
        assert!(
            o.ok().contains("Set-Mailbox\n") && !o.out.contains("Set-Content"),
            "{}",
            o.out
        );
        let o = run("Get-Command -Noun Mailbox");
        assert!(o.ok().contains("CommandType Name"), "{}", o.out);
    }

    #[test]
    fn get_help_for_cmdlets_and_builtins() {
        let o = run("Get-Help Set-Mailbox");
        let out = o.ok();
        assert!(
            out.contains("SYNTAX\n    Set-Mailbox [-Identity] <MailboxIdParameter>"),
            "{out}"
        );
        assert!(out.contains("Get-Help Set-Mailbox -Examples"), "{out}");
        assert!(!out.contains("PARAMETERS"), "{out}");
        let o = run("Get-Help Set-Mailbox -Full");
        assert!(o.ok().contains("PARAMETERS\n    -Identity <"), "{}", o.out);
        let o = run("Get-Help set-mailbox -Examples");
        assert!(
            o.ok().contains("EXAMPLES") && !o.out.contains("PARAMETERS"),
            "{}",
            o.out
        );
        let o = run("Get-Help Set-Mailbox -Parameter UserCert*");
        assert!(o.ok().starts_with("    -UserCertificate <"), "{}", o.out);
        assert!(
            o.out
                .contains("stored in the desired state as UserCertificate"),
            "{}",
            o.out
        );
        let o = run("help gc -Full");
        let out = o.ok();
        assert!(out.contains("NAME\n    Get-Content"), "{out}");
        assert!(out.contains("ALIASES\n    gc, cat, type"), "{out}");
        assert!(out.contains("    -AsByteStream <SwitchParameter>"), "{out}");
        let o = run("Get-Help Get-Content -Parameter Raw");
        assert!(
            o.ok().starts_with("    -Raw <SwitchParameter>"),
            "{}",
            o.out
        );
        let o = run("Get-Help Where-Object");
        assert!(
            o.ok().contains("The shell itself runs this command"),
            "{}",
            o.out
        );
    }

    #[test]
    fn get_help_lists_patterns_and_names_what_is_missing() {
        let o = run("Get-Help *MailContact | select -ExpandProperty Name");
        assert_eq!(
            o.ok(),
            "Get-MailContact\nNew-MailContact\nRemove-MailContact\nSet-MailContact\n"
        );
        let o = run("Get-Help Set-Mailbx\nGet-Help Set-Mailbox -Parameter Nope\nGet-Help Set-Mailbox -Online");
        let m = o.messages();
        assert_eq!(
            m[0],
            "Get-Help could not find Set-Mailbx in a help file in this session."
        );
        assert_eq!(
            o.errors[0].help.as_deref(),
            Some("did you mean Set-Mailbox? `Get-Command` lists every command")
        );
        assert_eq!(m[1], "No parameter matches criteria Nope.");
        assert!(m[2].contains("no online help"), "{m:?}");
        let o = run("Get-Help");
        assert!(o.ok().contains("Set-SmimeConfig"), "{}", o.out);
    }
}
