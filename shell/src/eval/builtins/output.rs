//! Write-Host, Write-Output, Write-Warning, Write-Verbose, Write-Error, Out-Null, Out-String and Out-File.

use mailsec_cmdlets::Value;

use super::args::{at, named, switch};
use super::content::{encode, parse_encoding, write_target, Encoding};
use super::{Builtin, Call};
use crate::eval::RuntimeError;

pub const BUILTINS: &[Builtin] = &[
    Builtin::new(
        "Write-Host",
        "Writes text to the console (not to the pipeline).",
        write_host,
    )
    .params(&[
        at(
            0,
            "Object",
            "Object",
            "What to write; several values are joined by -Separator.",
        )
        .rest()
        .aliases(&["Msg", "Message"]),
        switch("NoNewline", "Do not end with a new line."),
        named(
            "Separator",
            "Object",
            "Put between the values (default: a space).",
        ),
        named(
            "ForegroundColor",
            "ConsoleColor",
            "Accepted; mailsec writes plain text.",
        )
        .aliases(&["fg"]),
        named(
            "BackgroundColor",
            "ConsoleColor",
            "Accepted; mailsec writes plain text.",
        )
        .aliases(&["bg"]),
    ])
    .examples(&[(
        "Say what the script does",
        "Write-Host 'Publishing certificates...' -ForegroundColor Cyan",
    )]),
    Builtin::new(
        "Write-Output",
        "Sends values down the pipeline (what a bare value does).",
        write_output,
    )
    .aliases(&["echo", "write"])
    .params(&[
        at(0, "InputObject", "PSObject[]", "The values to send.").rest(),
        switch(
            "NoEnumerate",
            "Send a list as one value instead of element by element.",
        ),
    ])
    .examples(&[("Output a value", "Write-Output 'done'")]),
    Builtin::new(
        "Write-Warning",
        "Writes `WARNING: text` to the warning stream (stderr).",
        write_warning,
    )
    .params(&[at(0, "Message", "String", "The warning text.").aliases(&["Msg"])])
    .examples(&[(
        "Warn about a missing certificate",
        "Write-Warning 'baptiste has no certificate'",
    )]),
    Builtin::new(
        "Write-Verbose",
        "Writes `VERBOSE: text` to stderr, only when -Verbose is given.",
        write_verbose,
    )
    .params(&[at(0, "Message", "String", "The text.").aliases(&["Msg"])])
    .examples(&[(
        "Explain a step when asked",
        "Write-Verbose 'Reading the chain' -Verbose",
    )]),
    Builtin::new(
        "Write-Error",
        "Reports an error: the command fails, the run goes on and exits 1.",
        write_error,
    )
    .params(&[
        at(0, "Message", "String", "The error text.").aliases(&["Msg"]),
        named(
            "Category",
            "ErrorCategory",
            "The error category shown with the error.",
        ),
        named("ErrorId", "String", "Accepted; shown nowhere."),
        named("TargetObject", "Object", "Accepted; shown nowhere."),
        named("RecommendedAction", "String", "Shown as the error's help."),
    ])
    .examples(&[("Fail a step", "Write-Error 'The chain file is missing'")]),
    Builtin::new("Out-Null", "Discards its input.", out_null)
        .params(&[named("InputObject", "PSObject", "The value to discard.")])
        .examples(&[(
            "Run for the side effect only",
            "New-MailContact -Name x -ExternalEmailAddress x@example.com | Out-Null",
        )]),
    Builtin::new(
        "Out-String",
        "Returns the input formatted as text, as the console would show it.",
        out_string,
    )
    .params(&[
        named(
            "InputObject",
            "PSObject",
            "The value to format (instead of pipeline input).",
        ),
        switch("Stream", "Return one string per line."),
        named(
            "Width",
            "Int32",
            "The width to lay tables out for (default: the terminal's).",
        ),
        switch("NoNewline", "Do not end with a new line."),
    ])
    .examples(&[("A table as a string", "$t = Get-Mailbox | Out-String")]),
    Builtin::new(
        "Out-File",
        "Writes the input, formatted as the console shows it, to a file.",
        out_file,
    )
    .should_process()
    .params(&[
        at(
            0,
            "FilePath",
            "String",
            "The file to write (relative: beside the script).",
        )
        .aliases(&["Path"]),
        named(
            "LiteralPath",
            "String",
            "The file to write, with no wildcards.",
        )
        .aliases(&["PSPath", "LP"]),
        at(
            1,
            "Encoding",
            "Encoding",
            "utf8 (default), utf8BOM, unicode, bigendianunicode, ascii, latin1, utf32.",
        ),
        switch("Append", "Add to the end of the file."),
        switch("Force", "Overwrite a read-only file."),
        switch("NoClobber", "Fail if the file exists."),
        switch(
            "NoNewline",
            "Do not add new lines (values are written back to back).",
        ),
        named(
            "Width",
            "Int32",
            "The width to lay tables out for (default: the terminal's).",
        ),
        named(
            "InputObject",
            "PSObject",
            "The value to write (instead of pipeline input).",
        ),
    ])
    .examples(&[(
        "Save a report",
        "Get-SmimeCertificateReport | Out-File report.txt",
    )]),
];

/// A value's elements for Write-Host (lists and byte arrays are written element by element).
fn flatten(v: &Value, out: &mut Vec<String>) {
    flatten_at(v, out, 0)
}

/// How deep lists of lists are written element by element (a list may hold itself).
const FLATTEN_DEPTH: usize = 8;

fn flatten_at(v: &Value, out: &mut Vec<String>, depth: usize) {
    match v {
        Value::Array(a) if depth < FLATTEN_DEPTH => {
            a.read().iter().for_each(|x| flatten_at(x, out, depth + 1))
        }
        Value::Bytes(b) => out.extend(b.iter().map(|x| x.to_string())),
        other => out.push(other.to_string()),
    }
}

fn write_host(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let mut parts = Vec::new();
    match c.args.get("Object") {
        Some(v) => flatten(v, &mut parts),
        None => c.input().iter().for_each(|v| flatten(v, &mut parts)),
    }
    let sep = c.args.text("Separator").unwrap_or_else(|| " ".into());
    let mut text = parts.join(&sep);
    if !c.args.switch("NoNewline") {
        text.push('\n');
    }
    c.print(&text);
    Ok(Vec::new())
}

fn write_output(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let no_enumerate = c.args.switch("NoEnumerate");
    let mut out = Vec::new();
    let given = c.args.get("InputObject").cloned();
    let values: Vec<Value> = match given {
        Some(v) if no_enumerate => vec![v],
        Some(v) => crate::eval::unroll(v),
        None if no_enumerate && c.input.is_some() => vec![Value::array(c.input().to_vec())],
        None => c.input().to_vec(),
    };
    out.extend(values);
    Ok(out)
}

/// The message: -Message, else the pipeline input.
fn message(c: &Call) -> String {
    match c.args.get("Message") {
        Some(v) => v.to_string(),
        None => c
            .input()
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn write_warning(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let text = message(c);
    c.warn(&text);
    Ok(Vec::new())
}

fn write_verbose(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    if c.args.switch("Verbose") {
        let line = format!("VERBOSE: {}", message(c));
        eprintln!("{line}");
        crate::format::transcript::record(&format!("{line}\n"));
    }
    Ok(Vec::new())
}

fn write_error(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let mut e = c.error(message(c));
    e.category = Some("NotSpecified");
    if let Some(h) = c.args.text("RecommendedAction") {
        e = e.help(h);
    }
    Err(e)
}

fn out_null(_: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    Ok(Vec::new())
}

/// The values to format: -InputObject, else the pipeline input.
fn inputs(c: &Call) -> Vec<Value> {
    match c.args.get("InputObject") {
        Some(v) => crate::eval::unroll(v.clone()),
        None => c.input().to_vec(),
    }
}

fn layout_width(c: &Call) -> Result<usize, RuntimeError> {
    Ok(match c.args.count("Width", c.span)? {
        Some(w) if w >= 10 => w,
        Some(_) => {
            return Err(c
                .error_at("Width", "The width must be 10 or more.")
                .help("for example -Width 200"))
        }
        None => crate::format::width(),
    })
}

fn out_string(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let text = crate::format::render(&inputs(c), layout_width(c)?);
    if c.args.switch("Stream") {
        return Ok(text.lines().map(|l| Value::String(l.to_string())).collect());
    }
    Ok(vec![Value::String(if c.args.switch("NoNewline") {
        text.replace('\n', "")
    } else {
        text
    })])
}

fn out_file(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let (param, path) = match (c.args.text("FilePath"), c.args.text("LiteralPath")) {
        (Some(p), _) => ("FilePath", p),
        (None, Some(p)) => ("LiteralPath", p),
        (None, None) => {
            return Err(c
                .error("Cannot process command because of one or more missing mandatory parameters: FilePath.")
                .help("add -FilePath <file>"))
        }
    };
    let encoding = match c.args.get("Encoding") {
        Some(v) => parse_encoding(c, v)?,
        None => Encoding::Utf8,
    };
    if encoding == Encoding::Byte {
        return Err(c
            .error_at(
                "Encoding",
                "Out-File writes text; 'Byte' is not a text encoding.",
            )
            .help("to write bytes use Set-Content -Path FILE -Value $bytes -AsByteStream"));
    }
    let values = inputs(c);
    let text = if c.args.switch("NoNewline") {
        values.iter().map(|v| v.to_string()).collect::<String>()
    } else {
        crate::format::render(&values, layout_width(c)?)
    };
    let target = write_target(c, param, &path)?;
    if c.what_if("Output to File", &target.display().to_string()) {
        return Ok(Vec::new());
    }
    let append = c.args.switch("Append");
    let bytes = encode(&text, encoding, !append || !target.exists());
    super::content::write_bytes(c, param, &target, &bytes, append)?;
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{run, run_in};

    #[test]
    fn write_host_joins_with_the_separator() {
        assert_eq!(run("Write-Host a b -Separator ','").ok(), "a,b\n");
        assert_eq!(run("Write-Host 1,2 3").ok(), "1 2 3\n");
        assert_eq!(
            run("Write-Host 'x' -NoNewline -ForegroundColor Red\nWrite-Host y").ok(),
            "xy\n"
        );
        assert_eq!(run("'piped' | Write-Host").ok(), "piped\n");
        assert_eq!(run("Write-Host").ok(), "\n");
    }

    #[test]
    fn write_output_enumerates_unless_told_not_to() {
        assert_eq!(run("Write-Output 1,2").ok(), "1\n2\n");
        assert_eq!(run("echo a b").ok(), "a\nb\n");
        assert_eq!(run("(Write-Output 1,2 -NoEnumerate).Count").ok(), "2\n");
        assert_eq!(run("1,2 | Write-Output").ok(), "1\n2\n");
    }

    #[test]
    fn warnings_go_to_the_warning_stream() {
        let o = run("Write-Warning 'careful'");
        assert_eq!(o.ok(), "");
        assert_eq!(o.warnings, vec!["careful"]);
        let o = run("Write-Warning 'quiet' -WarningAction SilentlyContinue");
        assert!(o.warnings.is_empty());
    }

    #[test]
    fn verbose_only_with_verbose() {
        assert_eq!(run("Write-Verbose 'hidden'").ok(), "");
        assert_eq!(run("Write-Verbose 'shown' -Verbose").ok(), "");
    }

    #[test]
    fn write_error_fails_the_command_and_the_run_goes_on() {
        let o = run("Write-Error 'bad thing'\n'next'");
        assert_eq!(o.out, "next\n");
        assert_eq!(o.messages(), vec!["bad thing"]);
        assert_eq!(o.errors[0].command.as_deref(), Some("Write-Error"));
    }

    #[test]
    fn out_null_and_out_string() {
        assert_eq!(run("1,2 | Out-Null").ok(), "");
        assert_eq!(run("$s = 1,2 | Out-String\n$s.Length").ok(), "4\n");
        assert_eq!(run("1,2 | Out-String -Stream").ok(), "1\n2\n");
    }

    #[test]
    fn out_file_writes_what_the_console_shows() {
        let dir = tempfile::tempdir().unwrap();
        let o = run_in(
            "New-Object PSObject -Property @{Name='jo'; Size=3} | Out-File out.txt\n'more' | Out-File out.txt -Append\n'x' | Out-File -FilePath w.txt -WhatIf",
            dir.path(),
        );
        assert!(
            o.ok()
                .starts_with("What if: Performing the operation \"Output to File\""),
            "{}",
            o.out
        );
        let text = std::fs::read_to_string(dir.path().join("out.txt")).unwrap();
        assert_eq!(text, "\nName Size\n---- ----\njo      3\n\nmore\n");
        assert!(!dir.path().join("w.txt").exists());
        let o = run_in("'é' | Out-File u.txt -Encoding unicode", dir.path());
        o.ok();
        assert_eq!(
            std::fs::read(dir.path().join("u.txt")).unwrap(),
            vec![0xFF, 0xFE, 0xE9, 0, b'\n', 0]
        );
        let o = run_in("'x' | Out-File", dir.path());
        assert!(o.messages()[0].contains("FilePath"), "{o:?}");
        let o = run_in("'x' | Out-File no/such/dir/f.txt", dir.path());
        assert!(
            o.messages()[0].contains("Could not find a part of the path"),
            "{o:?}"
        );
    }
}
