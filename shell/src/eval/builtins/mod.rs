//! Built-in utility commands that are not Exchange cmdlets (Write-*, Select-Object, Sort-Object, Format-*,
//! ConvertTo-/From-Json and Csv, Get-/Set-Content, Get-Help, Get-Command, transcripts, session plumbing).
//!
//! Each family lives in its own file and lists its commands in a `BUILTINS` table: name, aliases, synopsis,
//! parameters (with types and help), examples and the function that runs it. The dispatcher here finds the
//! command, parses its arguments with the shared parser in [`args`] (cmdlet-style prefixes, PowerShell's
//! errors), applies the common parameters (-ErrorAction, -WarningAction, -Verbose) and runs it. Get-Help and
//! Get-Command read the same tables, so what help shows is what binds.
//!
//! Output a built-in prints itself goes through [`Call::print`], which also records it in a running
//! transcript (`crate::format::transcript`); values it returns are printed (and recorded) by `format::print`.
//! Paths are read beside the script first, then in the working directory; files are written beside the script.

pub(crate) mod args;
mod content;
mod convert;
mod format;
mod help;
mod literal;
mod new_object;
mod output;
mod plumbing;
mod select_sort;
pub(super) mod session_log;
mod transcript;
mod variables;

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

use mailsec_cmdlets::Value;

use super::{Evaluator, Io, RuntimeError};
use crate::binder::Arg;
use crate::syntax::ast::Span;
use args::{Param, Parsed};

/// How a built-in runs.
pub type RunFn = fn(&mut Call) -> Result<Vec<Value>, RuntimeError>;

/// How a built-in that reads or changes the evaluator's own state (variables, the session's log) runs.
pub type EvalRunFn = fn(&mut Evaluator<'_>, &mut Call) -> Result<Vec<Value>, RuntimeError>;

/// One built-in command: what help and Get-Command show, and how it runs.
pub struct Builtin {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub synopsis: &'static str,
    pub params: &'static [Param],
    /// Takes -WhatIf/-Confirm (commands that write files).
    pub should_process: bool,
    /// (description, script)
    pub examples: &'static [(&'static str, &'static str)],
    /// `None`: the evaluator runs it (Where-Object, ForEach-Object); listed for Get-Command and Get-Help.
    pub run: Option<RunFn>,
    /// Runs with the evaluator (Set-Variable, Export-MailsecSession); `run` is then `None`.
    pub eval_run: Option<EvalRunFn>,
    /// Takes any arguments without checking them (session plumbing from other shells).
    pub any_args: bool,
}

impl Builtin {
    pub const fn new(name: &'static str, synopsis: &'static str, run: RunFn) -> Builtin {
        Builtin {
            name,
            aliases: &[],
            synopsis,
            params: &[],
            should_process: false,
            examples: &[],
            run: Some(run),
            eval_run: None,
            any_args: false,
        }
    }
    /// A built-in that runs with the evaluator (see [`EvalRunFn`]).
    pub const fn with_evaluator(
        name: &'static str,
        synopsis: &'static str,
        run: EvalRunFn,
    ) -> Builtin {
        Builtin {
            name,
            aliases: &[],
            synopsis,
            params: &[],
            should_process: false,
            examples: &[],
            run: None,
            eval_run: Some(run),
            any_args: false,
        }
    }
    pub const fn aliases(mut self, a: &'static [&'static str]) -> Builtin {
        self.aliases = a;
        self
    }
    pub const fn params(mut self, p: &'static [Param]) -> Builtin {
        self.params = p;
        self
    }
    pub const fn should_process(mut self) -> Builtin {
        self.should_process = true;
        self
    }
    pub const fn examples(mut self, e: &'static [(&'static str, &'static str)]) -> Builtin {
        self.examples = e;
        self
    }
    pub const fn any_args(mut self) -> Builtin {
        self.any_args = true;
        self
    }
}

/// Commands the evaluator itself runs (script blocks); listed here so Get-Command and Get-Help know them.
const EVALUATOR: &[Builtin] = &[
    Builtin {
        name: "Where-Object",
        aliases: &["where", "?"],
        synopsis: "Selects objects from the pipeline: `where { $_.Name -like 'a*' }` or `where Name -eq 'x'`.",
        params: &[
            args::at(0, "FilterScript", "ScriptBlock", "The test each object must pass ($_ is the object)."),
            args::at(0, "Property", "String", "The property to compare (with -EQ, -Like, ...)."),
            args::at(1, "Value", "Object", "The value to compare the property with."),
        ],
        should_process: false,
        examples: &[("Mailboxes whose name starts with b", "Get-Mailbox | Where-Object Name -like 'b*'")],
        run: None,
        eval_run: None,
        any_args: false,
    },
    Builtin {
        name: "ForEach-Object",
        aliases: &["foreach", "%"],
        synopsis: "Runs a script block for each object in the pipeline ($_ is the object).",
        params: &[
            args::at(0, "Process", "ScriptBlock[]", "The script block run for each object."),
            args::named("Begin", "ScriptBlock", "Run once before the first object."),
            args::named("End", "ScriptBlock", "Run once after the last object."),
            args::at(0, "MemberName", "String", "The property to read, or the method to call, on each object."),
        ],
        should_process: false,
        examples: &[("Every contact's name", "Get-MailContact | ForEach-Object Name")],
        run: None,
        eval_run: None,
        any_args: false,
    },
];

/// Every built-in, family by family.
pub fn all() -> impl Iterator<Item = &'static Builtin> {
    output::BUILTINS
        .iter()
        .chain(select_sort::BUILTINS)
        .chain(format::BUILTINS)
        .chain(convert::BUILTINS)
        .chain(content::BUILTINS)
        .chain(help::BUILTINS)
        .chain(transcript::BUILTINS)
        .chain(new_object::BUILTINS)
        .chain(plumbing::BUILTINS)
        .chain(variables::BUILTINS)
        .chain(session_log::BUILTINS)
        .chain(EVALUATOR)
}

/// The built-in called `name` (its name or an alias, case-insensitive). Every command of a script asks this
/// before the cmdlet registry, so it is one hash lookup, not a scan of every name and alias.
pub fn find(name: &str) -> Option<&'static Builtin> {
    static BY_NAME: LazyLock<HashMap<String, &'static Builtin, foldhash::fast::RandomState>> =
        LazyLock::new(|| {
            let mut map = HashMap::default();
            for b in all() {
                for n in std::iter::once(b.name).chain(b.aliases.iter().copied()) {
                    // The first built-in with a name keeps it, as the scan this replaces did.
                    map.entry(n.to_ascii_lowercase()).or_insert(b);
                }
            }
            map
        });
    // Lower-cased on the stack: every name and alias is short (a longer name is no built-in).
    let mut buf = [0u8; 32];
    let lower = buf.get_mut(..name.len())?;
    lower.copy_from_slice(name.as_bytes());
    lower.make_ascii_lowercase();
    std::str::from_utf8(lower)
        .ok()
        .and_then(|k| BY_NAME.get(k).copied())
}

/// One call of a built-in: its parsed arguments, pipeline input and where output goes.
pub struct Call<'c, 'io> {
    pub builtin: &'static Builtin,
    /// The whole command, for errors that are not about one argument.
    pub span: Span,
    pub args: Parsed,
    /// The arguments as given (for commands that take any arguments).
    pub raw: &'c [Arg],
    pub input: Option<&'c [Value]>,
    pub io: &'c mut Io<'io>,
    pub base_dir: &'c Path,
}

impl Call<'_, '_> {
    pub fn name(&self) -> &'static str {
        self.builtin.name
    }
    /// Pipeline input (empty when there is none).
    pub fn input(&self) -> &[Value] {
        self.input.unwrap_or_default()
    }
    /// An error about the whole command.
    pub fn error(&self, message: impl Into<String>) -> RuntimeError {
        let mut e = RuntimeError::new(message, self.span);
        e.command = Some(self.name().to_string());
        e
    }
    /// An error about one parameter: points at its value when it was given.
    pub fn error_at(&self, param: &str, message: impl Into<String>) -> RuntimeError {
        let mut e = RuntimeError::new(message, self.args.span(param).unwrap_or(self.span));
        e.command = Some(self.name().to_string());
        e
    }
    /// A warning, unless -WarningAction SilentlyContinue/Ignore.
    pub fn warn(&mut self, text: &str) {
        if !matches!(
            self.args.action("WarningAction"),
            Some("SilentlyContinue" | "Ignore")
        ) {
            self.io.warning(text);
        }
    }
    /// -WhatIf and -Confirm: true when the caller must do nothing (-WhatIf, said what would happen; or
    /// -Confirm, and the person answered no).
    pub fn what_if(&mut self, operation: &str, target: &str) -> bool {
        if self.args.switch("WhatIf") {
            self.print(&format!(
                "What if: Performing the operation \"{operation}\" on target \"{target}\".\n"
            ));
            return true;
        }
        if self.args.switch("Confirm") {
            if let Some(confirm) = self.io.confirm.as_mut() {
                return !confirm(&format!(
                    "Are you sure you want to perform this action?\nPerforming the operation \"{operation}\" on target \"{target}\"."
                ));
            }
        }
        false
    }
    /// Output text as the console shows it (and as a transcript records it).
    pub fn print(&mut self, text: &str) {
        self.io.write_text(text);
    }
}

/// Run `name` if it is a built-in; `None` hands it to the cmdlet registry.
pub fn run(
    name: &str,
    span: Span,
    args: &[Arg],
    input: Option<&[Value]>,
    io: &mut Io,
    base_dir: &Path,
) -> Option<Result<Vec<Value>, RuntimeError>> {
    let builtin = find(name)?;
    let run = builtin.run?;
    Some(invoke(
        builtin,
        Runner::Plain(run),
        span,
        args,
        input,
        io,
        base_dir,
    ))
}

impl Evaluator<'_> {
    /// Run `name` if it is a built-in that needs the evaluator (Set-Variable, Get-Variable,
    /// Export-MailsecSession, ...); `None` for everything else.
    pub(super) fn evaluator_builtin(
        &mut self,
        name: &str,
        span: Span,
        args: &[Arg],
        input: Option<&[Value]>,
        io: &mut Io,
    ) -> Option<Result<Vec<Value>, RuntimeError>> {
        let builtin = find(name)?;
        let run = builtin.eval_run?;
        let base_dir = self.base_dir.clone();
        Some(invoke(
            builtin,
            Runner::Evaluator(self, run),
            span,
            args,
            input,
            io,
            &base_dir,
        ))
    }
}

/// What runs a built-in: on its own, or with the evaluator.
enum Runner<'e, 's> {
    Plain(RunFn),
    Evaluator(&'e mut Evaluator<'s>, EvalRunFn),
}

fn invoke(
    builtin: &'static Builtin,
    run: Runner,
    span: Span,
    raw: &[Arg],
    input: Option<&[Value]>,
    io: &mut Io,
    base_dir: &Path,
) -> Result<Vec<Value>, RuntimeError> {
    let parsed = if builtin.any_args {
        Parsed::default()
    } else {
        args::parse(builtin.name, builtin.params, builtin.should_process, raw).map_err(
            |mut e| {
                e.command = Some(builtin.name.to_string());
                e.category = Some("InvalidArgument");
                e
            },
        )?
    };
    let mut call = Call {
        builtin,
        span,
        args: parsed,
        raw,
        input,
        io,
        base_dir,
    };
    for (c, _, _) in &call.args.common {
        if c.ends_with("Variable") {
            let text = format!(
                "{}: -{c} is not supported by mailsec's built-in commands yet; it was ignored.",
                builtin.name
            );
            call.io.warning(&text);
        }
    }
    let error_action = call.args.action("ErrorAction");
    let result = match run {
        Runner::Plain(f) => f(&mut call),
        Runner::Evaluator(ev, f) => f(ev, &mut call),
    };
    match result {
        Ok(v) => Ok(v),
        Err(mut e) => {
            e.command.get_or_insert_with(|| builtin.name.to_string());
            match error_action {
                Some("Stop") => Err(e.terminating()),
                Some("SilentlyContinue" | "Ignore") => Ok(Vec::new()),
                _ => Err(e),
            }
        }
    }
}

/// The words of a command name for Get-Command -Verb/-Noun.
pub fn verb_noun(name: &str) -> (&str, &str) {
    name.split_once('-').unwrap_or(("", name))
}

/// PowerShell's `-like` wildcards (`*`, `?`, `[abc]`), case-insensitive.
pub fn like(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('*') => (0..=t.len()).any(|i| go(&p[1..], &t[i..])),
            Some('?') => !t.is_empty() && go(&p[1..], &t[1..]),
            Some('[') => match p.iter().position(|c| *c == ']') {
                Some(end) if end > 1 && !t.is_empty() => {
                    let set = &p[1..end];
                    let c = t[0];
                    let mut hit = false;
                    let mut i = 0;
                    while i < set.len() {
                        if i + 2 < set.len() && set[i + 1] == '-' {
                            hit |= set[i] <= c && c <= set[i + 2];
                            i += 3;
                        } else {
                            hit |= set[i] == c;
                            i += 1;
                        }
                    }
                    hit && go(&p[end + 1..], &t[1..])
                }
                _ => !t.is_empty() && t[0] == '[' && go(&p[1..], &t[1..]),
            },
            Some(c) => t.first() == Some(c) && go(&p[1..], &t[1..]),
        }
    }
    // Collapse runs of `*` so the matcher stays linear-ish on patterns like `**a**`.
    let mut p: Vec<char> = Vec::new();
    for c in pattern.to_lowercase().chars() {
        if !(c == '*' && p.last() == Some(&'*')) {
            p.push(c);
        }
    }
    let t: Vec<char> = text.to_lowercase().chars().collect();
    go(&p, &t)
}

pub fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

#[cfg(test)]
pub(crate) mod testing {
    //! Run snippets through the real evaluator and collect what they print, report and warn.

    use std::path::{Path, PathBuf};

    use mailsec_state::backend::LiveState;
    use mailsec_state::model::DesiredState;

    use crate::eval::{Evaluator, Io, RuntimeError};
    use crate::syntax::parse_script;

    #[derive(Debug, Default)]
    pub struct Outcome {
        pub out: String,
        pub errors: Vec<RuntimeError>,
        pub warnings: Vec<String>,
        pub terminated: Option<RuntimeError>,
    }

    impl Outcome {
        pub fn messages(&self) -> Vec<String> {
            self.errors.iter().map(|e| e.message.clone()).collect()
        }
        #[track_caller]
        pub fn ok(&self) -> &str {
            assert!(
                self.errors.is_empty() && self.terminated.is_none(),
                "{:?}\n{:?}",
                self.errors,
                self.terminated
            );
            &self.out
        }
    }

    pub fn run(src: &str) -> Outcome {
        run_in(src, &PathBuf::from("."))
    }

    pub fn run_in(src: &str, dir: &Path) -> Outcome {
        run_answering(src, dir, None)
    }

    /// Run with someone at the terminal who answers every question with `answer` (`None`: nobody there).
    pub fn run_answering(src: &str, dir: &Path, answer: Option<bool>) -> Outcome {
        let mut state = DesiredState::default();
        let live = LiveState::default();
        let mut ev = Evaluator::new(&mut state, &live, "test".into(), dir.to_path_buf());
        let mut out = Vec::new();
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let mut report = |e: &RuntimeError| errors.push(e.clone());
        let mut warn = |w: &str| warnings.push(w.to_string());
        let script = parse_script(src).unwrap_or_else(|e| panic!("{src}: {e:?}"));
        ev.set_source(src);
        let terminated = {
            let mut ask = |_: &str| answer.unwrap_or(false);
            let mut io = Io::new(
                &mut out,
                &mut report,
                &mut warn,
                if answer.is_some() {
                    Some(&mut ask)
                } else {
                    None
                },
            );
            ev.run(&script, &mut io).err()
        };
        Outcome {
            out: String::from_utf8_lossy(&out).into_owned(),
            errors,
            warnings,
            terminated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::run;
    use super::*;

    #[test]
    fn every_builtin_has_a_unique_name_synopsis_and_known_aliases() {
        let mut seen = std::collections::HashSet::new();
        for b in all() {
            assert!(!b.synopsis.is_empty(), "{}", b.name);
            for n in std::iter::once(b.name).chain(b.aliases.iter().copied()) {
                assert!(seen.insert(n.to_lowercase()), "{n} is defined twice");
                assert!(mailsec_cmdlets::find(n).is_none(), "{n} shadows a cmdlet");
            }
            for p in b.params {
                assert!(!p.help.is_empty(), "{} -{} has no help", b.name, p.name);
            }
        }
    }

    #[test]
    fn find_knows_every_name_and_alias_in_any_case() {
        for b in all() {
            for n in std::iter::once(b.name).chain(b.aliases.iter().copied()) {
                assert!(n.len() <= 32, "{n} is longer than find's buffer");
                for spelled in [n.to_string(), n.to_uppercase(), n.to_lowercase()] {
                    let found = find(&spelled).map(|f| f.name);
                    assert_eq!(found, Some(b.name), "{spelled}");
                }
            }
        }
        assert!(find("Get-Contnet").is_none());
        assert!(find("").is_none());
    }

    #[test]
    fn every_builtin_example_parses() {
        for b in all() {
            for (_, script) in b.examples {
                crate::syntax::parse_script(script)
                    .unwrap_or_else(|e| panic!("{}: `{script}`: {e:?}", b.name));
            }
        }
    }

    #[test]
    fn errors_name_the_command_and_error_action_applies() {
        let o = run("Get-Content -Frob x");
        assert_eq!(o.errors[0].command.as_deref(), Some("Get-Content"));
        assert_eq!(o.errors[0].span, crate::syntax::ast::Span::new(12, 17));
        let o = run("Get-Content no/such/file -ErrorAction SilentlyContinue\n'after'");
        assert_eq!(o.ok(), "after\n");
        let o = run("Get-Content no/such/file -ea Stop\n'after'");
        assert!(o.terminated.is_some(), "{o:?}");
        assert_eq!(o.out, "");
    }

    #[test]
    fn unsupported_common_parameters_warn() {
        let o = run("Write-Output 1 -OutVariable x");
        assert_eq!(o.ok(), "1\n");
        assert!(o.warnings[0].contains("-OutVariable"), "{:?}", o.warnings);
    }

    fn arb_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-3i64..300).prop_map(Value::Int),
            any::<f64>().prop_map(Value::Double),
            "[a-zA-Z0-9*?.,;\\[\\] \"'-]{0,8}".prop_map(Value::String),
            proptest::collection::vec(any::<u8>(), 0..8).prop_map(Value::Bytes),
        ];
        leaf.prop_recursive(2, 8, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::array),
                proptest::collection::vec(("[a-zA-Z]{1,6}", inner.clone()), 0..3)
                    .prop_map(Value::hashtable),
                proptest::collection::vec(("[a-zA-Z]{1,6}", inner), 0..6).prop_map(|props| {
                    Value::Object(mailsec_cmdlets::Object {
                        type_name: "T".into(),
                        props: props.into(),
                        default_columns: Vec::new(),
                    })
                }),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Any built-in, any parameters (by exact name or a prefix), any values, any input: an answer, never a panic.
        #[test]
        fn no_builtin_panics_on_any_arguments(
            picks in proptest::collection::vec((0usize..64, 0usize..3, arb_value()), 0..5),
            positional in proptest::collection::vec(arb_value(), 0..3),
            input in proptest::option::of(proptest::collection::vec(arb_value(), 0..4)),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let span = Span::new(0, 1);
            for b in all().filter(|b| b.run.is_some()) {
                let mut args: Vec<Arg> = positional.iter().map(|v| Arg::Value(v.clone(), span)).collect();
                for (i, form, v) in &picks {
                    let Some(p) = b.params.get(i % b.params.len().max(1)) else { continue };
                    let name = match form {
                        0 => p.name.to_string(),
                        1 => p.name[..1.max(p.name.len() / 2)].to_string(),
                        _ => p.name.to_lowercase(),
                    };
                    let value = if *form == 2 { Some((v.clone(), span)) } else { None };
                    args.push(Arg::Param { name, span, value });
                    if *form != 2 {
                        args.push(Arg::Value(v.clone(), span));
                    }
                }
                if b.name == "Start-Transcript" {
                    // Never the default folder (the home folder) from a test.
                    args.push(Arg::Param { name: "OutputDirectory".into(), span, value: Some((Value::String(dir.path().display().to_string()), span)) });
                }
                let mut out = Vec::new();
                let mut report = |_: &RuntimeError| {};
                let mut warn = |_: &str| {};
                let mut io = Io::new(&mut out, &mut report, &mut warn, None);
                let _ = super::run(b.name, span, &args, input.as_deref(), &mut io, dir.path());
            }
            crate::format::transcript::stop_all();
        }
    }

    #[test]
    fn wildcards() {
        assert!(like("get-*", "Get-Mailbox"));
        assert!(like("*mail*", "Set-MailContact"));
        assert!(!like("get-?", "Get-Mailbox"));
        assert!(like("[gs]et-x", "Set-X"));
        assert!(like("**a**", "bab"));
    }
}
