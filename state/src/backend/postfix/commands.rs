//! Running Postfix's own tools against one config directory: `postconf -c DIR` to read and set main.cf
//! keys, `postmap -c DIR` to build tables, `postfix -c DIR check` to validate, and the reload command.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A Postfix tool that failed, with what it said.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{command} failed{}: {message}", status.map(|s| format!(" (exit status {s})")).unwrap_or_default())]
pub struct CommandError {
    pub command: String,
    pub status: Option<i32>,
    pub message: String,
}

pub struct Tools {
    pub config_dir: PathBuf,
    command_dir: Option<PathBuf>,
}

impl Tools {
    pub fn new(config_dir: PathBuf, command_dir: Option<PathBuf>) -> Tools {
        Tools {
            config_dir,
            command_dir,
        }
    }

    /// The program's path: the configured folder, else /usr/sbin (where Debian puts it, off a normal
    /// user's PATH), else the bare name for PATH.
    fn program(&self, name: &str) -> PathBuf {
        if let Some(d) = &self.command_dir {
            return d.join(name);
        }
        let sbin = Path::new("/usr/sbin").join(name);
        if sbin.exists() {
            sbin
        } else {
            PathBuf::from(name)
        }
    }

    fn run(&self, name: &str, args: &[&str]) -> Result<Output, CommandError> {
        let prog = self.program(name);
        let shown = format!(
            "{} -c {} {}",
            name,
            self.config_dir.display(),
            args.join(" ")
        );
        let out = Command::new(&prog)
            .arg("-c")
            .arg(&self.config_dir)
            .args(args)
            .output()
            .map_err(|e| CommandError {
                command: shown.clone(),
                status: None,
                message: format!(
                    "cannot run {}: {e}; install Postfix or set commandDir in the postfix target",
                    prog.display()
                ),
            })?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
            return Err(CommandError {
                command: shown,
                status: out.status.code(),
                message: if err.is_empty() {
                    "no message (the postfix command needs root)".into()
                } else {
                    err
                },
            });
        }
        Ok(out)
    }

    /// The values of `keys` (defaults included), as written (`$name` not expanded).
    pub fn get(&self, keys: &[&str]) -> Result<Vec<String>, CommandError> {
        self.values(keys, false)
    }

    /// The values of `keys` with `$name` expanded.
    pub fn get_expanded(&self, keys: &[&str]) -> Result<Vec<String>, CommandError> {
        self.values(keys, true)
    }

    fn values(&self, keys: &[&str], expand: bool) -> Result<Vec<String>, CommandError> {
        let mut args = vec!["-h"];
        if expand {
            args.push("-x");
        }
        args.extend_from_slice(keys);
        let out = self.run("postconf", &args)?;
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        if lines.len() != keys.len() {
            return Err(CommandError {
                command: format!("postconf -h {}", keys.join(" ")),
                status: None,
                message: format!("expected {} values, got {}", keys.len(), lines.len()),
            });
        }
        Ok(lines)
    }

    /// Set main.cf keys (`postconf -e`): only these lines of main.cf change.
    pub fn set(&self, pairs: &[(String, String)]) -> Result<(), CommandError> {
        if pairs.is_empty() {
            return Ok(());
        }
        let args: Vec<String> = pairs.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        let mut all = vec!["-e"];
        all.extend(args.iter().map(String::as_str));
        self.run("postconf", &all).map(|_| ())
    }

    /// Build `hash:<file>.db` from the source file.
    pub fn postmap(&self, file: &Path) -> Result<(), CommandError> {
        let arg = format!("hash:{}", file.display());
        self.run("postmap", &[&arg]).map(|_| ())
    }

    /// `postconf -n`, whose warnings name bad main.cf lines.
    pub fn warnings(&self) -> Result<Vec<String>, CommandError> {
        let out = self.run("postconf", &["-n"])?;
        Ok(String::from_utf8_lossy(&out.stderr)
            .lines()
            .map(str::to_string)
            .filter(|l| !l.trim().is_empty())
            .collect())
    }

    /// `postfix check` when it can run (it needs root); `None` when it cannot.
    pub fn check(&self) -> Option<Result<(), CommandError>> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
        if !root {
            return None;
        }
        Some(self.run("postfix", &["check"]).map(|_| ()))
    }
}

/// Run the configured reload command with `sh -c`.
pub fn reload(command: &str, config_dir: &Path) -> Result<(), CommandError> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(command)
        .env("MAILSEC_POSTFIX_DIR", config_dir)
        .output()
        .map_err(|e| CommandError {
            command: command.to_string(),
            status: None,
            message: e.to_string(),
        })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(CommandError {
            command: command.to_string(),
            status: out.status.code(),
            message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}
