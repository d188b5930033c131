//! The front ends: the interactive shell on a real pseudo-terminal (tmux with a private socket, a
//! fixed size and a temporary HOME; the screen is polled, never waited for a fixed time), a script
//! on stdin, `--output json|yaml`, shell completions and the man page.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use mailsec_e2e::{mailsec_bin, require_tool, Workspace};

/// A tmux server of our own (its own socket), running one mailsec session.
struct Tmux {
    socket: PathBuf,
}

const DEADLINE: Duration = Duration::from_secs(30);

impl Tmux {
    /// Start `mailsec` (no arguments) in `dir`, 120x40, with `home` as HOME.
    fn start(dir: &Path, home: &Path) -> Tmux {
        let t = Tmux {
            socket: dir.join("tmux.sock"),
        };
        let out = t.run(&[
            "new-session",
            "-d",
            "-s",
            "repl",
            "-x",
            "120",
            "-y",
            "40",
            "-c",
            &dir.display().to_string(),
            "env",
            "-u",
            "MAILSEC_STATE",
            "-u",
            "MAILSEC_HISTORY",
            "-u",
            "XDG_DATA_HOME",
            &format!("HOME={}", home.display()),
            "NO_COLOR=1",
            &mailsec_bin().display().to_string(),
        ]);
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-u")
            .arg("-S")
            .arg(&self.socket)
            .arg("-f")
            .arg("/dev/null")
            .args(args)
            .output()
            .expect("run tmux")
    }

    /// Type `text` literally.
    fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", "repl", "-l", "--", text]);
    }

    /// Press keys by name (`Tab`, `Enter`, `C-c`).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "repl"];
        args.extend(keys);
        self.run(&args);
    }

    /// The screen and its scrollback.
    fn screen(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-J", "-t", "repl", "-S", "-500"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Poll the screen until `pred` holds; fail with the screen at the deadline.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > DEADLINE {
                panic!("timed out waiting for {what}; the screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_text(&self, text: &str) -> String {
        self.wait_for(&format!("{text:?}"), |s| s.contains(text))
    }

    /// The last non-empty line (where the cursor's entry is).
    fn last_line(&self) -> String {
        self.screen()
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default()
            .to_string()
    }

    fn wait_last_line(&self, text: &str) {
        let start = Instant::now();
        loop {
            let l = self.last_line();
            if l.trim_end() == text {
                return;
            }
            if start.elapsed() > DEADLINE {
                panic!(
                    "timed out waiting for the line {text:?}; the screen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn alive(&self) -> bool {
        self.run(&["has-session", "-t", "repl"]).status.success()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn ready() -> Option<Workspace> {
    if !require_tool("tmux") || !require_tool("openssl") {
        return None;
    }
    let ws = Workspace::new();
    ws.make_certs();
    ws.seed();
    std::fs::create_dir_all(ws.path().join("home")).expect("mkdir home");
    Some(ws)
}

#[test]
fn interactive_shell_completes_runs_multiline_shows_errors_and_plans() {
    let Some(ws) = ready() else { return };
    let home = ws.path().join("home");
    let t = Tmux::start(ws.path(), &home);
    t.wait_last_line("mailsec >");

    // A path inside ReadAllBytes('...'), into a variable the next entries use.
    t.type_text("$c = [System.IO.File]::ReadAllBytes('input/bap");
    t.keys(&["Tab"]);
    t.wait_last_line("mailsec > $c = [System.IO.File]::ReadAllBytes('input/baptiste.cer'");
    t.type_text(")");
    t.keys(&["Enter"]);
    t.wait_last_line("mailsec >");

    // A cmdlet name, an identity (positional), a parameter.
    t.type_text("set-mailb");
    t.keys(&["Tab"]);
    t.wait_last_line("mailsec > Set-Mailbox");
    t.type_text("bap");
    t.keys(&["Tab"]);
    t.wait_last_line("mailsec > Set-Mailbox baptiste");
    t.type_text("-UserC");
    t.keys(&["Tab"]);
    t.wait_last_line("mailsec > Set-Mailbox baptiste -UserCertificate");
    t.type_text("$c");
    t.keys(&["Enter"]);
    // The desired state now differs from the directory: the prompt says so.
    t.wait_last_line("mailsec [1 pending] >");
    assert!(ws.read("mailsec.yaml").contains("UserCertificate"));

    // Two Tabs on an ambiguous parameter list the candidates with their types.
    t.type_text("Set-Mailbox alice -User");
    t.keys(&["Tab"]);
    t.keys(&["Tab"]);
    t.wait_text("-UserSMimeCertificate <byte[][]>");
    t.keys(&["C-c"]);
    t.wait_last_line("mailsec [1 pending] >");

    // An enum value.
    t.type_text("New-OutboundConnector -Name T -TlsSettings domainv");
    t.keys(&["Tab"]);
    t.wait_last_line(
        "mailsec [1 pending] > New-OutboundConnector -Name T -TlsSettings DomainValidation",
    );
    t.keys(&["C-c"]);
    t.wait_last_line("mailsec [1 pending] >");

    // A pipeline over two lines: the parser says the first line is incomplete.
    t.type_text("Get-Mailbox |");
    t.keys(&["Enter"]);
    t.type_text("  select Name, PrimarySmtpAddress");
    t.keys(&["Enter"]);
    t.wait_text("alice@contoso.example");
    t.wait_last_line("mailsec [1 pending] >");

    // An error shows where it is, with a caret under the parameter.
    t.type_text("Set-Mailbox -Identity alice -Bogus 1");
    t.keys(&["Enter"]);
    let s = t.wait_for("the error and its help", |s| {
        s.contains("matches parameter name 'Bogus'") && s.contains("help: `Get-Help Set-Mailbox`")
    });
    assert!(s.contains("repl:1:29"), "{s}");
    let source_line = s
        .lines()
        .position(|l| l.contains("│ Set-Mailbox -Identity alice -Bogus 1"))
        .expect("the source line");
    let caret_line = s.lines().nth(source_line + 1).unwrap_or_default();
    let col = |l: &str, pat: &str| l.find(pat).map(|b| l[..b].chars().count());
    assert_eq!(
        col(caret_line, "─"),
        col(s.lines().nth(source_line).unwrap_or_default(), "-Bogus"),
        "the caret is under -Bogus:\n{s}"
    );
    t.wait_last_line("mailsec [1 pending] >");

    // plan runs the same code as `mailsec plan`.
    t.type_text("plan");
    t.keys(&["Enter"]);
    t.wait_text("Plan: 0 to add, 1 to change, 0 to rename, 0 to remove.");
    t.wait_last_line("mailsec [1 pending] >");

    t.type_text("exit");
    t.keys(&["Enter"]);
    let start = Instant::now();
    while t.alive() {
        assert!(start.elapsed() < DEADLINE, "mailsec did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
    let history = std::fs::read_to_string(home.join(".local/share/mailsec/history"))
        .expect("history in the data dir");
    assert!(
        history.contains("Set-Mailbox baptiste -UserCertificate $c"),
        "{history}"
    );
}

#[test]
fn identities_complete_from_the_state_and_ctrl_d_leaves() {
    let Some(ws) = ready() else { return };
    let r = ws.mailsec(&[
        "-c",
        "New-OutboundConnector -Name 'Cravate Rouge TLS' -RecipientDomains cravaterouge.com",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let home = ws.path().join("home");
    let t = Tmux::start(ws.path(), &home);
    t.wait_last_line("mailsec [1 pending] >");
    t.type_text("Get-OutboundConnector -Identity cra");
    t.keys(&["Tab"]);
    t.wait_last_line("mailsec [1 pending] > Get-OutboundConnector -Identity 'Cravate Rouge TLS'");
    t.keys(&["Enter"]);
    t.wait_text("cravaterouge.com");
    t.wait_last_line("mailsec [1 pending] >");
    t.keys(&["C-d"]);
    let start = Instant::now();
    while t.alive() {
        assert!(start.elapsed() < DEADLINE, "Ctrl-D did not leave");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_script_on_stdin_runs_like_dash_c() {
    let ws = Workspace::new();
    ws.seed();
    let script = "New-MailContact -Name P -ExternalEmailAddress p@partner.example\nGet-MailContact P | select Name\n";
    let r = ws.mailsec_stdin(&[], script);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("P"), "{}", r.stdout);
    assert!(ws.read("mailsec.yaml").contains("Name: P"));
    let r = ws.mailsec_stdin(&["-"], "Set-Mailbx jo\n");
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("<stdin>:1:1"), "{}", r.stderr);
    assert!(
        r.stderr.contains("did you mean Set-Mailbox?"),
        "{}",
        r.stderr
    );
}

#[test]
fn output_json_and_yaml_print_get_results_as_data() {
    let ws = Workspace::new();
    ws.seed();
    let r = ws.mailsec(&[
        "--output",
        "json",
        "-c",
        "Get-Mailbox -Identity baptiste | select Name, PrimarySmtpAddress",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(v["Name"], "baptiste");
    assert_eq!(v["PrimarySmtpAddress"], "baptiste@contoso.example");
    let r = ws.mailsec(&["-c", "Get-Mailbox", "--output", "yaml"]);
    assert_eq!(r.code, 0, "{r:?}");
    let v: serde_norway::Value = serde_norway::from_str(&r.stdout).expect("YAML");
    let names: Vec<&str> = v
        .as_sequence()
        .expect("a list of mailboxes")
        .iter()
        .filter_map(|m| m.get("Name").and_then(|n| n.as_str()))
        .collect();
    assert_eq!(names.len(), 2, "{}", r.stdout);
    assert!(names.contains(&"alice") && names.contains(&"baptiste"));
    // Commands that return nothing print nothing; other output is unchanged.
    let r = ws.mailsec(&[
        "--output",
        "json",
        "-c",
        "Set-Mailbox alice -UserCertificate $null\n'done'",
    ]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "done\n"), "{r:?}");
}

#[test]
fn completions_and_man_page() {
    let ws = Workspace::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let r = ws.mailsec(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}: {r:?}");
        assert!(r.stdout.contains("check"), "{shell}: {}", r.stdout);
    }
    assert_ne!(ws.mailsec(&["completions", "tcsh"]).code, 0);
    let r = ws.mailsec(&["man"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains(".TH mailsec 1"), "{}", r.stdout);
}
