//! Postfix for tests: a private config directory read with `postconf -c`/`postmap -c` (no root needed),
//! and, as root, a private Postfix instance on loopback (own queue, data and log, no port 25 listener)
//! that tests inject mail into with `sendmail -C` and watch with `postqueue -p`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub const POSTCONF: &str = "/usr/sbin/postconf";
pub const POSTMAP: &str = "/usr/sbin/postmap";
pub const POSTFIX: &str = "/usr/sbin/postfix";
pub const SENDMAIL: &str = "/usr/sbin/sendmail";
pub const POSTQUEUE: &str = "/usr/sbin/postqueue";

/// Are postconf and postmap installed? With `MAILSEC_E2E=required` a missing Postfix fails the test.
pub fn available() -> bool {
    let found = Path::new(POSTCONF).exists() && Path::new(POSTMAP).exists();
    if !found {
        if std::env::var("MAILSEC_E2E").as_deref() == Ok("required") {
            panic!("postfix is required (MAILSEC_E2E=required) but is not installed; run .ci/install-deps");
        }
        eprintln!(
            "skipping: postfix is not installed (set MAILSEC_E2E=required to make this an error)"
        );
    }
    found
}

/// Running as root (a Postfix instance needs it)? With `MAILSEC_E2E=required` not being root fails.
pub fn root_available() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        if std::env::var("MAILSEC_E2E").as_deref() == Ok("required") {
            panic!("the Postfix delivery test needs root (MAILSEC_E2E=required): run the tests as root, as CI does");
        }
        eprintln!("skipping: a Postfix instance needs root");
    }
    root && available()
}

/// A Postfix config directory as a new install has it: an empty main.cf and the package's master.cf.
pub fn new_config_dir(parent: &Path) -> PathBuf {
    let dir = parent.join("postfix");
    std::fs::create_dir_all(&dir).expect("create the postfix config dir");
    std::fs::write(dir.join("main.cf"), "").expect("write main.cf");
    std::fs::copy("/etc/postfix/master.cf", dir.join("master.cf"))
        .expect("copy /etc/postfix/master.cf");
    dir
}

fn run(prog: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(prog)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {prog}: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// `postmap -q KEY hash:DIR/TABLE`: the value Postfix finds, or `None` when the key is not there.
pub fn query(dir: &Path, table: &str, key: &str) -> Option<String> {
    let d = dir.display().to_string();
    let t = format!("hash:{}", dir.join(table).display());
    let (ok, out, err) = run(POSTMAP, &["-c", &d, "-q", key, &t]);
    assert!(ok || err.trim().is_empty(), "postmap -q {key} {t}: {err}");
    ok.then(|| out.trim_end().to_string())
}

/// `postconf -c DIR -n`: main.cf's settings.
pub fn settings(dir: &Path) -> String {
    let d = dir.display().to_string();
    let (ok, out, err) = run(POSTCONF, &["-c", &d, "-n"]);
    assert!(ok, "postconf -n: {err}");
    out
}

/// Set main.cf keys the way an admin would (`postconf -e`).
pub fn set(dir: &Path, pairs: &[&str]) {
    let d = dir.display().to_string();
    let mut args = vec!["-c", d.as_str(), "-e"];
    args.extend_from_slice(pairs);
    let (ok, _, err) = run(POSTCONF, &args);
    assert!(ok, "postconf -e: {err}");
}

/// `postmap hash:FILE`.
pub fn postmap(dir: &Path, file: &Path) {
    let d = dir.display().to_string();
    let t = format!("hash:{}", file.display());
    let (ok, _, err) = run(POSTMAP, &["-c", &d, &t]);
    assert!(ok, "postmap {t}: {err}");
}

/// A private Postfix instance (root only): its own queue, data dir and log file; master.cf has no
/// `smtpd` listener, so it never takes port 25. Stopped on drop.
pub struct Instance {
    pub dir: PathBuf,
    pub log: PathBuf,
    _base: tempfile::TempDir,
}

impl Instance {
    /// Set up (not start) an instance; `main` holds extra main.cf lines.
    pub fn new(main: &[&str]) -> Instance {
        let base = tempfile::Builder::new()
            .prefix("mailsec-postfix-")
            .tempdir()
            .expect("temp dir");
        let dir = base.path().join("etc");
        let queue = base.path().join("spool");
        let data = base.path().join("lib");
        std::fs::create_dir_all(&dir).expect("etc");
        std::fs::create_dir_all(&queue).expect("spool");
        std::fs::create_dir_all(&data).expect("lib");
        // The queue's parent must be traversable by the postfix user.
        for p in [base.path(), queue.as_path(), data.as_path()] {
            set_mode(p, 0o755);
        }
        // The data directory belongs to the mail owner (master's lock, TLS session caches).
        let chown = Command::new("chown")
            .arg("postfix:")
            .arg(&data)
            .status()
            .expect("run chown");
        assert!(chown.success(), "chown postfix: {}", data.display());
        let log = base.path().join("maillog");
        let master = "\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
";
        std::fs::write(dir.join("master.cf"), master).expect("master.cf");
        let mut lines = vec![
            "compatibility_level = 3.6".to_string(),
            format!("queue_directory = {}", queue.display()),
            format!("data_directory = {}", data.display()),
            format!("maillog_file = {}", log.display()),
            // Postfix logs only under these prefixes (default /var): a fatal error otherwise goes to
            // syslog, which a test machine may not have.
            format!("maillog_file_prefixes = {}", base.path().display()),
            "myhostname = mailsec-test.localdomain".into(),
            "mydestination =".into(),
            "inet_interfaces = loopback-only".into(),
            "inet_protocols = ipv4".into(),
            "smtp_dns_support_level = disabled".into(),
            "smtp_tls_security_level = may".into(),
            // Deliveries that fail are retried soon; the test reads the queue, not the retry.
            "minimal_backoff_time = 300s".into(),
            "queue_run_delay = 300s".into(),
            "smtp_connect_timeout = 5s".into(),
        ];
        lines.extend(main.iter().map(|s| s.to_string()));
        std::fs::write(dir.join("main.cf"), lines.join("\n") + "\n").expect("main.cf");
        Instance {
            dir,
            log,
            _base: base,
        }
    }

    fn postfix(&self, cmd: &str) -> (bool, String, String) {
        let d = self.dir.display().to_string();
        run(POSTFIX, &["-c", &d, cmd])
    }

    /// Start the instance and wait (polling `postfix status`) until its master runs.
    pub fn start(&self) {
        let (ok, out, err) = self.postfix("start");
        assert!(ok, "postfix start: {out}{err}\nlog:\n{}", self.log_text());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if self.postfix("status").0 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "postfix did not start; log:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Hand a message to the instance (`sendmail -C DIR`).
    pub fn send(&self, from: &str, to: &str, subject: &str) {
        use std::io::Write;
        let mut child = Command::new(SENDMAIL)
            .arg("-C")
            .arg(&self.dir)
            .args(["-f", from, to])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run sendmail");
        let msg = format!(
            "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\n\r\nmailsec test message\r\n"
        );
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(msg.as_bytes())
            .expect("write the message");
        let out = child.wait_with_output().expect("sendmail");
        assert!(
            out.status.success(),
            "sendmail: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `postqueue -p`: the queue listing.
    pub fn queue(&self) -> String {
        let d = self.dir.display().to_string();
        let (_, out, err) = run(POSTQUEUE, &["-c", &d, "-p"]);
        format!("{out}{err}")
    }

    /// Ask for a queue run now (`postqueue -f`).
    pub fn flush(&self) {
        let d = self.dir.display().to_string();
        let _ = run(POSTQUEUE, &["-c", &d, "-f"]);
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Poll until `pred(log)` holds or the deadline passes; returns whether it held.
    pub fn wait_log(&self, within: Duration, pred: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + within;
        loop {
            if pred(&self.log_text()) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.postfix("stop");
    }
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
}
