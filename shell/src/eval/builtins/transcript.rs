//! Start-Transcript and Stop-Transcript: a log of the session's commands and output, in PowerShell's format
//! (a header with the start time, user and host; `PS>command` lines and their output; a footer).
//!
//! The recording itself is `crate::format::transcript`: `format::print` and the built-ins that print
//! record their output there; the front ends add each command's text and what they show on stderr.

use std::io::Write;
use std::path::PathBuf;

use mailsec_cmdlets::Value;

use super::args::{at, named, switch};
use super::{Builtin, Call};
use crate::eval::RuntimeError;
use crate::format::timestamp;
use crate::format::transcript::{self, STARS};

pub const BUILTINS: &[Builtin] = &[
    Builtin::new("Start-Transcript", "Records the session's commands and output in a text file, as PowerShell's transcripts do.", start_transcript)
        .should_process()
        .params(&[
            at(0, "Path", "String", "The file (relative: beside the script). Default: PowerShell_transcript.HOST.RANDOM.TIME.txt in your home folder.")
                .aliases(&["Transcript"]),
            named("LiteralPath", "String", "The file, with no wildcards.").aliases(&["PSPath", "LP"]),
            named("OutputDirectory", "String", "The folder for a transcript with the default name."),
            switch("Append", "Add to the end of an existing file."),
            switch("Force", "Accepted."),
            switch("NoClobber", "Fail if the file exists."),
            switch("IncludeInvocationHeader", "Put the time before each command."),
            switch("UseMinimalHeader", "A short header: the start time only."),
        ])
        .examples(&[("Keep a log of a change", "Start-Transcript -Path change-4711.log -Append")]),
    Builtin::new("Stop-Transcript", "Stops the transcript Start-Transcript started and writes its footer.", stop_transcript)
        .examples(&[("Stop recording", "Stop-Transcript")]),
];

fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into buf.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if r != 0 {
        return "localhost".into();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

fn user_name() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

/// Eight random letters and digits, for the default file name.
fn random_part() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    let mut n = h.finish();
    let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..8)
        .map(|_| {
            let c = alphabet[(n % 36) as usize] as char;
            n /= 36;
            c
        })
        .collect()
}

fn header(minimal: bool) -> String {
    let host = host_name();
    let user = user_name();
    if minimal {
        return format!(
            "{STARS}\nPowerShell transcript start\nStart time: {}\n{STARS}\n",
            timestamp()
        );
    }
    format!(
        "{STARS}\nPowerShell transcript start\nStart time: {}\nUsername: {host}\\{user}\nRunAs User: {host}\\{user}\nConfiguration Name: \nMachine: {host} ({})\nHost Application: mailsec\nProcess ID: {}\nPSVersion: mailsec {}\n{STARS}\n",
        timestamp(),
        std::env::consts::OS,
        std::process::id(),
        env!("CARGO_PKG_VERSION"),
    )
}

fn start_transcript(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    // Rows shown before this command belong before the transcript starts (and, below, before it stops).
    c.io.end_table();
    let given = match (c.args.text("Path"), c.args.text("LiteralPath")) {
        (Some(p), _) => Some(("Path", p)),
        (None, Some(p)) => Some(("LiteralPath", p)),
        (None, None) => None,
    };
    let (param, path) = match given {
        Some((param, p)) => (param, super::content::write_target(c, param, &p)?),
        None => {
            let dir = match c.args.text("OutputDirectory") {
                Some(d) => {
                    let p = PathBuf::from(&d);
                    let dir = if p.is_absolute() {
                        p
                    } else {
                        c.base_dir.join(p)
                    };
                    if !dir.is_dir() {
                        return Err(c
                            .error_at(
                                "OutputDirectory",
                                format!("Could not find a part of the path '{}'.", dir.display()),
                            )
                            .help("create the folder first, or give -Path"));
                    }
                    dir
                }
                None => std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| c.base_dir.to_path_buf()),
            };
            let name = format!(
                "PowerShell_transcript.{}.{}.{}.txt",
                host_name(),
                random_part(),
                timestamp()
            );
            ("Path", dir.join(name))
        }
    };
    if transcript::running_to(&path) {
        return Err(c
            .error_at(
                param,
                format!("Transcription is already running to '{}'.", path.display()),
            )
            .help("Stop-Transcript first"));
    }
    let append = c.args.switch("Append");
    if c.args.switch("NoClobber") && path.exists() && !append {
        return Err(c
            .error_at(
                param,
                format!("The file '{}' already exists.", path.display()),
            )
            .help("remove -NoClobber to replace it, add -Append, or choose another name"));
    }
    if c.what_if("Start-Transcript", &path.display().to_string()) {
        return Ok(Vec::new());
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(&path)
        .map_err(|e| {
            c.error_at(param, format!("Cannot write '{}': {e}", path.display()))
                .help("check that you may write in that folder, or give another -Path")
        })?;
    file.write_all(header(c.args.switch("UseMinimalHeader")).as_bytes())
        .map_err(|e| {
            c.error_at(param, format!("Cannot write '{}': {e}", path.display()))
                .help("check that you may write in that folder, or give another -Path")
        })?;
    let message = format!("Transcript started, output file is {}", path.display());
    transcript::start(path, file, c.args.switch("IncludeInvocationHeader"));
    Ok(vec![Value::String(message)])
}

impl crate::eval::Evaluator<'_> {
    /// A top-level statement is about to run: a running transcript records it as typed (`PS>text`).
    pub(in crate::eval) fn transcribe(&self, st: &crate::syntax::ast::Statement) {
        if !transcript::active() {
            return;
        }
        let span = st.span();
        if let Some(text) = self.session.source().get(span.start..span.end) {
            transcript::command(text);
        }
    }
}

fn stop_transcript(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    c.io.end_table();
    let Some((path, written)) = transcript::stop() else {
        let mut e = c.error(
            "An error occurred stopping transcription: The host is not currently transcribing.",
        );
        e.category = Some("InvalidOperation");
        return Err(e.help("Start-Transcript starts one"));
    };
    written.map_err(|e| {
        c.error(format!("Cannot write '{}': {e}", path.display()))
            .help("the transcript is stopped; what was written before is in the file")
    })?;
    Ok(vec![Value::String(format!(
        "Transcript stopped, output file is {}",
        path.display()
    ))])
}

#[cfg(test)]
mod tests {
    use super::super::testing::run_in;
    use super::*;
    use crate::format::transcript::{active, command, record};

    #[test]
    fn a_transcript_has_a_header_the_session_and_a_footer() {
        let dir = tempfile::tempdir().unwrap();
        let o = run_in("Start-Transcript -Path t.log", dir.path());
        let path = dir.path().join("t.log");
        assert_eq!(
            o.ok(),
            format!("Transcript started, output file is {}\n", path.display())
        );
        assert!(active());
        // What the front ends do for each command: record its text; the output is recorded as it is printed.
        command("Write-Output 'hello'");
        let mut sink = Vec::new();
        crate::format::print(&mut sink, &[Value::String("hello".into())]);
        assert_eq!(sink, b"hello\n");
        record("WARNING: careful\n");
        let o = run_in("Stop-Transcript", dir.path());
        assert!(
            o.ok().starts_with("Transcript stopped, output file is "),
            "{}",
            o.out
        );
        assert!(!active());
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], STARS);
        assert_eq!(lines[1], "PowerShell transcript start");
        assert!(
            lines[2].starts_with("Start time: 20") && lines[2].len() == 26,
            "{text}"
        );
        assert!(
            text.contains("\nUsername: ") && text.contains("\nHost Application: mailsec\n"),
            "{text}"
        );
        assert!(
            text.contains("PS>Write-Output 'hello'\nhello\nWARNING: careful\n"),
            "{text}"
        );
        assert!(text.ends_with(&format!("{STARS}\n")), "{text}");
        assert!(
            text.contains("\nPowerShell transcript end\nEnd time: "),
            "{text}"
        );
        // Nothing is recorded once it has stopped.
        record("after\n");
        assert!(!std::fs::read_to_string(&path).unwrap().contains("after"));
    }

    #[test]
    fn a_script_records_its_commands_as_typed_and_whatif_lines() {
        let dir = tempfile::tempdir().unwrap();
        let o = run_in(
            "Start-Transcript -Path s.log\n$n = 'Fabrikam'\nNew-MailContact -Name $n -ExternalEmailAddress `\n  x@fabrikam.com -WhatIf\nWrite-Output   'done'  # comment\nStop-Transcript",
            dir.path(),
        );
        o.ok();
        let text = std::fs::read_to_string(dir.path().join("s.log")).unwrap();
        let body = text.split(&format!("{STARS}\n")).nth(2).unwrap_or_default();
        let body = body
            .split_once('\n')
            .map(|(started, rest)| {
                assert!(started.starts_with("Transcript started, output file is "));
                rest
            })
            .unwrap_or_default();
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(
            lines[..3],
            [
                "PS>$n = 'Fabrikam'",
                "PS>New-MailContact -Name $n -ExternalEmailAddress `",
                "  x@fabrikam.com -WhatIf"
            ],
            "{text}"
        );
        assert!(
            lines[3].starts_with("What if: Create MailContact 'Fabrikam'"),
            "{text}"
        );
        assert_eq!(
            lines[4..],
            ["PS>Write-Output   'done'", "done", "PS>Stop-Transcript"],
            "{text}"
        );
    }

    #[test]
    fn append_noclobber_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.log"), "before\n").unwrap();
        let o = run_in(
            "Start-Transcript t.log -NoClobber\nStart-Transcript t.log -Append -UseMinimalHeader\nStart-Transcript t.log -Append\nStop-Transcript\nStop-Transcript\nStart-Transcript -OutputDirectory nope",
            dir.path(),
        );
        let m = o.messages();
        assert!(m[0].contains("already exists"), "{m:?}");
        assert!(m[1].contains("already running"), "{m:?}");
        assert_eq!(
            m[2],
            "An error occurred stopping transcription: The host is not currently transcribing."
        );
        assert!(m[3].contains("Could not find a part of the path"), "{m:?}");
        let text = std::fs::read_to_string(dir.path().join("t.log")).unwrap();
        assert!(
            text.starts_with(&format!(
                "before\n{STARS}\nPowerShell transcript start\nStart time: "
            )),
            "{text}"
        );
        assert!(!text.contains("Username"), "{text}");
        assert!(!active());
    }

    #[test]
    fn default_name_and_invocation_header() {
        let dir = tempfile::tempdir().unwrap();
        let o = run_in(
            &format!(
                "Start-Transcript -OutputDirectory '{}' -IncludeInvocationHeader",
                dir.path().display()
            ),
            dir.path(),
        );
        assert!(o.ok().contains("PowerShell_transcript."), "{}", o.out);
        command("Get-Mailbox");
        let o = run_in("Stop-Transcript", dir.path());
        o.ok();
        let file = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .next()
            .unwrap()
            .path();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("PowerShell_transcript.") && name.ends_with(".txt"),
            "{name}"
        );
        let text = std::fs::read_to_string(file).unwrap();
        assert!(text.contains("\nCommand start time: "), "{text}");
        assert!(text.contains("PS>Get-Mailbox\n"), "{text}");
    }
}
