//! Helpers for mailsec's end-to-end tests: the real binary, a scratch workspace, and prerequisite checks.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub mod exo_mock;
pub mod fault_proxy;
pub mod ldap_client;
pub mod postfix;
pub mod samba;
pub mod slapd;
pub mod smtp_tls_server;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Build the `mailsec` binary once per test process and return its path.
pub fn mailsec_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        // The variables cargo sets for this test would reach build scripts (ring's reads
        // CARGO_MANIFEST_DIR) and make the nested build redo them, and the next `cargo test` again.
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy().into_owned();
            if k == "CARGO_MANIFEST_DIR"
                || k == "CARGO_MANIFEST_PATH"
                || k == "CARGO_CRATE_NAME"
                || k == "CARGO_PRIMARY_PACKAGE"
                || k == "CARGO_TARGET_TMPDIR"
                || k.starts_with("CARGO_PKG_")
                || k.starts_with("CARGO_BIN_")
            {
                cmd.env_remove(&k);
            }
        }
        let status = cmd
            .args(["build", "--quiet", "-p", "mailsec", "--bin", "mailsec"])
            .current_dir(root())
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build -p mailsec failed");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join("target"));
        target
            .join("debug")
            .join(format!("mailsec{}", std::env::consts::EXE_SUFFIX))
    })
}

/// Is this external tool available? With `MAILSEC_E2E=required` a missing tool fails the test
/// instead of skipping it.
pub fn require_tool(tool: &str) -> bool {
    let found = Command::new(tool).arg("version").output().is_ok();
    if !found {
        if std::env::var("MAILSEC_E2E").as_deref() == Ok("required") {
            panic!("{tool} is required (MAILSEC_E2E=required) but is not installed; run .ci/install-deps");
        }
        eprintln!(
            "skipping: {tool} is not installed (set MAILSEC_E2E=required to make this an error)"
        );
    }
    found
}

/// A scratch folder holding a state file, with helpers to run mailsec in it.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

/// The result of one mailsec run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Fail the test unless `r` exited 0, showing what it printed.
#[track_caller]
pub fn ok(r: &Run, what: &str) {
    assert_eq!(
        r.code, 0,
        "{what} failed:\nstdout:\n{}\nstderr:\n{}",
        r.stdout, r.stderr
    );
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}

impl Workspace {
    pub fn new() -> Self {
        Workspace {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Run `mailsec ARGS` in the workspace (no terminal: nothing prompts).
    pub fn mailsec(&self, args: &[&str]) -> Run {
        Command::new(mailsec_bin())
            .args(args)
            .current_dir(self.path())
            .env_remove("MAILSEC_STATE")
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run mailsec")
            .into()
    }

    /// Run `mailsec ARGS` in the workspace with extra environment variables.
    pub fn mailsec_env(&self, args: &[&str], env: &[(String, String)]) -> Run {
        Command::new(mailsec_bin())
            .args(args)
            .current_dir(self.path())
            .env_remove("MAILSEC_STATE")
            .env("NO_COLOR", "1")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run mailsec")
            .into()
    }

    /// Run `mailsec ARGS` in the workspace with `input` on stdin (a pipe: not a terminal).
    pub fn mailsec_stdin(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write;
        let mut child = Command::new(mailsec_bin())
            .args(args)
            .current_dir(self.path())
            .env_remove("MAILSEC_STATE")
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run mailsec");
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(input.as_bytes()).expect("write stdin");
        }
        child.wait_with_output().expect("wait for mailsec").into()
    }

    /// Make the quickstart's certificates under `input/` with the example's openssl script.
    pub fn make_certs(&self) {
        let script = root().join("examples/quickstart/make-certs.sh");
        let out = Command::new("bash")
            .arg(script)
            .arg("input")
            .current_dir(self.path())
            .output()
            .expect("run make-certs.sh");
        assert!(
            out.status.success(),
            "make-certs.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Seed the embedded directory with the quickstart's mailboxes.
    pub fn seed(&self) {
        let ldif = root().join("examples/quickstart/directory.ldif");
        let r = self.mailsec(&["seed", &ldif.display().to_string()]);
        assert_eq!(r.code, 0, "seed failed: {r:?}");
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap_or_default()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::write(p, text).expect("write");
    }
}

/// Replace run-specific values (GUIDs, hex digests, dates, temp paths) so output can be snapshotted.
pub fn redact(text: &str, dir: &Path) -> String {
    let mut s = text.replace(&dir.display().to_string(), "[WORK]");
    let patterns: &[(&str, &str)] = &[
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[GUID]",
        ),
        (r"\b[0-9a-f]{64}\b", "[SHA256]"),
        (r"\b[0-9A-F]{40}\b", "[THUMBPRINT]"),
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "[TIME]"),
    ];
    for (pat, rep) in patterns {
        s = regex_lite::Regex::new(pat)
            .map(|re| re.replace_all(&s, *rep).into_owned())
            .unwrap_or(s);
    }
    s
}
