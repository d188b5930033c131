//! One shared Samba AD DC for the `active-directory` end-to-end tests: provisioned once per test process
//! into a temp dir behind a file lock (it binds the fixed port 389), its schema extended with Exchange's
//! `mailNickname` and `targetAddress`, one OU per test (seeded with the quickstart's mailboxes as AD
//! `user` objects), stopped by its pid when the process exits.
//!
//! Lifetime: the first [`SambaAd::lease`] of a process takes `/tmp/mailsec-samba.lock` (flock; another
//! process waits for it), stops a Samba an earlier crashed run left behind (its pid and dir are recorded
//! in the lock file), provisions, starts `samba -i` with its stdin on a pipe and extends the schema. Leases
//! are taken one at a time within the process; each has its own OU, deleted when the lease is dropped.
//! At process exit an `atexit` handler stops Samba by its pid (SIGTERM, then SIGKILL) and removes its dir;
//! if the process dies without running it, the pipe closes and `samba -i` terminates itself on EOF.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, Once, TryLockError};
use std::time::{Duration, Instant};

use crate::ldap_client::LdapClient;

pub const REALM: &str = "CONTOSO.EXAMPLE";
pub const DOMAIN: &str = "CONTOSO";
/// The domain's root DN.
pub const DOMAIN_DN: &str = "DC=contoso,DC=example";
pub const ADMIN: &str = "Administrator@contoso.example";
pub const ADMIN_PW: &str = "Mailsec-Samba-Pw1!";
pub const URL: &str = "ldap://127.0.0.1:389/";
/// The mail domain of the seeded mailboxes (the quickstart's).
const MAIL_DOMAIN: &str = "contoso.example";

const LOCK_PATH: &str = "/tmp/mailsec-samba.lock";
const DIR_PREFIX: &str = "mailsec-samba-";
/// The prefix of every test's OU under the domain.
const OU_PREFIX: &str = "mailsec-test-";
/// Without it, provisioning fails ("Please install samba-ad-provision").
const AD_SCHEMA_FILE: &str =
    "/usr/share/samba/setup/ad-schema/AD_DS_Attributes__Windows_Server_2012_R2.ldf";
/// The ports Samba's LDAP service binds on loopback (LDAP and the global catalog).
const PORTS: [u16; 2] = [389, 3268];

fn required() -> bool {
    std::env::var("MAILSEC_E2E").as_deref() == Ok("required")
}

/// Skip (with a message) or, with `MAILSEC_E2E=required`, fail.
fn missing(why: &str) -> bool {
    if required() {
        panic!("the Samba AD tests need: {why} (MAILSEC_E2E=required)");
    }
    eprintln!("skipping: {why} (set MAILSEC_E2E=required to make this an error)");
    false
}

/// What is missing to run a Samba AD DC here, if anything.
fn missing_prerequisite() -> Option<String> {
    for tool in ["samba", "samba-tool"] {
        let ok = Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Some(format!(
                "{tool} is not installed (apt-get install samba samba-ad-dc samba-ad-provision)"
            ));
        }
    }
    if !Path::new(AD_SCHEMA_FILE).exists() {
        return Some("samba-ad-provision is not installed (the AD schema files)".into());
    }
    for tool in ["ldapsearch", "ldapadd", "ldapmodify", "ldapdelete"] {
        if Command::new(tool)
            .arg("-VV")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            return Some(format!(
                "{tool} is not installed (apt-get install ldap-utils)"
            ));
        }
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some("root: Samba AD binds port 389".into());
    }
    None
}

/// Are Samba AD DC and ldap-utils installed, and are we root? With `MAILSEC_E2E=required` a missing
/// prerequisite fails the test instead of skipping it.
pub fn available() -> bool {
    match missing_prerequisite() {
        None => true,
        Some(why) => missing(&why),
    }
}

/// The process-wide instance.
enum Shared {
    NotStarted,
    Running(Instance),
    /// A prerequisite found only when starting (e.g. port 389 taken by another server).
    Unavailable(String),
    Failed(String),
    Stopped,
}

static SHARED: Mutex<Shared> = Mutex::new(Shared::NotStarted);
static AT_EXIT: Once = Once::new();

fn shared() -> MutexGuard<'static, Shared> {
    // A test that panicked while holding a lease poisons the mutex; the instance itself is fine.
    SHARED.lock().unwrap_or_else(|p| p.into_inner())
}

struct Instance {
    dir: PathBuf,
    child: Child,
    /// Holds the flock for as long as this process runs Samba.
    lock: File,
    leases: u32,
}

enum StartError {
    Unavailable(String),
    Failed(String),
}

impl Instance {
    fn start() -> Result<Instance, StartError> {
        let failed = StartError::Failed;
        let mut lock = take_lock().map_err(failed)?;
        let mut record = String::new();
        lock.read_to_string(&mut record)
            .map_err(|e| StartError::Failed(format!("read {LOCK_PATH}: {e}")))?;
        stop_leftover(&record);
        // Say who holds the lock while provisioning (the full record follows once Samba runs).
        let owner = format!("owner {} (provisioning)\n", std::process::id());
        lock.set_len(0)
            .and_then(|_| lock.rewind())
            .and_then(|_| lock.write_all(owner.as_bytes()))
            .map_err(|e| StartError::Failed(format!("write {LOCK_PATH}: {e}")))?;
        wait_ports_free().map_err(StartError::Unavailable)?;

        let dir = tempfile::Builder::new()
            .prefix(DIR_PREFIX)
            .tempdir()
            .map_err(|e| StartError::Failed(format!("temp dir: {e}")))?
            .keep();
        let t0 = Instant::now();
        provision(&dir).map_err(StartError::Failed)?;
        let provisioned = t0.elapsed();

        let t1 = Instant::now();
        let log = File::create(dir.join("samba.log"))
            .map_err(|e| StartError::Failed(format!("create samba.log: {e}")))?;
        let log2 = log
            .try_clone()
            .map_err(|e| StartError::Failed(format!("samba.log: {e}")))?;
        // -i: foreground, and terminate when stdin closes, so Samba cannot outlive this process.
        // -M single: one process for all services (only LDAP runs) and one pid to stop.
        let child = Command::new("samba")
            .args(["-i", "-M", "single", "-s"])
            .arg(dir.join("etc/smb.conf"))
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| StartError::Failed(format!("start samba: {e}")))?;
        let mut inst = Instance {
            dir,
            child,
            lock,
            leases: 0,
        };
        AT_EXIT.call_once(|| {
            // SAFETY: registering a plain extern "C" fn with no captured state.
            unsafe {
                libc::atexit(stop_at_exit);
            }
        });
        inst.record().map_err(StartError::Failed)?;
        if let Err(e) = inst.wait_ready() {
            inst.stop();
            return Err(StartError::Failed(e));
        }
        let ready = t1.elapsed();
        let t2 = Instant::now();
        if let Err(e) = tool("ldapmodify", &[], Some(&schema_ldif())) {
            inst.stop();
            return Err(StartError::Failed(format!("extending the schema: {e}")));
        }
        eprintln!(
            "samba AD DC: provisioned in {:.1}s, ready {:.2}s after start, schema extended in {:.2}s (pid {}, {})",
            provisioned.as_secs_f64(),
            ready.as_secs_f64(),
            t2.elapsed().as_secs_f64(),
            inst.child.id(),
            inst.dir.display()
        );
        Ok(inst)
    }

    /// Write Samba's pid and dir into the lock file, for the next run to find if this one crashes.
    fn record(&mut self) -> Result<(), String> {
        let text = format!(
            "pid {}\ndir {}\nowner {}\n",
            self.child.id(),
            self.dir.display(),
            std::process::id()
        );
        self.lock
            .set_len(0)
            .and_then(|_| self.lock.rewind())
            .and_then(|_| self.lock.write_all(text.as_bytes()))
            .map_err(|e| format!("write {LOCK_PATH}: {e}"))
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "samba exited ({status}) before it was ready:\n{}",
                    log_tail(&self.dir)
                ));
            }
            let ok = Command::new("ldapsearch")
                .args(["-x", "-H", URL, "-D", ADMIN, "-w", ADMIN_PW])
                .args(["-b", DOMAIN_DN, "-s", "base", "1.1"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "samba did not accept a bind within 60 s:\n{}",
                    log_tail(&self.dir)
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stop Samba by its pid (SIGTERM, then SIGKILL), remove its dir, clear the lock file's record.
    /// The flock itself goes when `lock` is dropped.
    fn stop(&mut self) {
        let pid = self.child.id() as libc::pid_t;
        if matches!(self.child.try_wait(), Ok(None)) {
            // SAFETY: a plain signal to our own child.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(10);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if matches!(self.child.try_wait(), Ok(None)) {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = self.lock.set_len(0);
    }
}

extern "C" fn stop_at_exit() {
    let mut g = match SHARED.try_lock() {
        Ok(g) => g,
        Err(TryLockError::Poisoned(p)) => p.into_inner(),
        Err(TryLockError::WouldBlock) => return,
    };
    if let Shared::Running(mut inst) = std::mem::replace(&mut *g, Shared::Stopped) {
        inst.stop();
    }
}

/// Take the machine-wide lock, waiting (polled, up to 15 minutes) while another process holds it.
fn take_lock() -> Result<File, String> {
    let f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(LOCK_PATH)
        .map_err(|e| format!("open {LOCK_PATH}: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(900);
    let mut told = false;
    loop {
        // SAFETY: flock on a descriptor we own.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(f);
        }
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EWOULDBLOCK) {
            return Err(format!("flock {LOCK_PATH}: {err}"));
        }
        if !told {
            let holder = std::fs::read_to_string(LOCK_PATH).unwrap_or_default();
            eprintln!(
                "waiting for {LOCK_PATH}: another test process uses the shared Samba AD DC ({})",
                holder.replace('\n', " ").trim()
            );
            told = true;
        }
        if Instant::now() > deadline {
            return Err(format!("{LOCK_PATH} was still held after 15 minutes"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn is_gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // A zombie has stopped already; its parent will reap it.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// Stop the Samba an earlier run left behind (its pid is in the lock file, and it is a `samba` running in
/// the dir recorded with it: nothing else is killed), and remove earlier runs' dirs. Only called with
/// the lock held, so no other process is using any of them.
fn stop_leftover(record: &str) {
    let field = |name: &str| {
        record.lines().find_map(|l| {
            l.strip_prefix(name)
                .and_then(|v| v.strip_prefix(' '))
                .map(str::to_string)
        })
    };
    if let (Some(pid), Some(dir)) = (
        field("pid").and_then(|p| p.parse::<i32>().ok()),
        field("dir"),
    ) {
        // Samba rewrites its command line ("samba: root process"): it is known by its executable
        // and its working directory, which the harness sets to the instance's dir.
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
        let cwd = std::fs::read_link(format!("/proc/{pid}/cwd")).unwrap_or_default();
        let ours = exe.file_name().is_some_and(|n| n == "samba") && cwd == Path::new(&dir);
        if !is_gone(pid) && ours {
            eprintln!("stopping a Samba left over by an earlier run (pid {pid}, {dir})");
            // SAFETY: a signal to the process identified above.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
            let deadline = Instant::now() + Duration::from_secs(10);
            while !is_gone(pid) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if !is_gone(pid) {
                // SAFETY: as above.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(DIR_PREFIX) && e.path().is_dir() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Wait (polled, up to 15 s: a stopped leftover may still be closing) until nothing listens on
/// Samba's loopback ports.
fn wait_ports_free() -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    for port in PORTS {
        loop {
            match std::net::TcpListener::bind(("127.0.0.1", port)) {
                Ok(_) => break,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => {
                    let why = format!("port {port} on 127.0.0.1 is taken by another server ({e})");
                    return Err(format!("{why}; Samba AD needs it"));
                }
            }
        }
    }
    Ok(())
}

fn provision(dir: &Path) -> Result<(), String> {
    let out = Command::new("samba-tool")
        .args(["domain", "provision"])
        .arg(format!("--targetdir={}", dir.display()))
        .arg(format!("--realm={REALM}"))
        .arg(format!("--domain={DOMAIN}"))
        .args(["--server-role=dc", "--dns-backend=NONE"])
        .arg(format!("--adminpass={ADMIN_PW}"))
        .args([
            "--option=interfaces=lo",
            "--option=bind interfaces only=yes",
        ])
        .output()
        .map_err(|e| format!("run samba-tool: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "samba-tool domain provision failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let conf = dir.join("etc/smb.conf");
    let text = std::fs::read_to_string(&conf).map_err(|e| format!("read smb.conf: {e}"))?;
    std::fs::write(&conf, configure(&text, dir)).map_err(|e| format!("write smb.conf: {e}"))
}

/// The provisioned smb.conf made fit for a test: only the LDAP service, simple binds on plain LDAP,
/// schema updates allowed, no TLS key generation, pid and log files in the instance's dir.
fn configure(conf: &str, dir: &Path) -> String {
    let ours = [
        "server services = ldap".to_string(),
        "ldap server require strong auth = no".to_string(),
        "dsdb:schema update allowed = true".to_string(),
        "tls enabled = no".to_string(),
        format!("pid directory = {}", dir.join("pid").display()),
        format!("log file = {}", dir.join("log.%m").display()),
    ];
    let key = |line: &str| {
        line.split_once('=')
            .map(|(k, _)| k.trim().to_ascii_lowercase())
    };
    let replaced: Vec<String> = ours.iter().filter_map(|l| key(l)).collect();
    let mut out = String::new();
    for line in conf.lines() {
        if key(line).is_some_and(|k| replaced.contains(&k)) {
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if line.trim() == "[global]" {
            for l in &ours {
                out.push('\t');
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    out
}

/// Exchange's `mailNickname` and `targetAddress` (Samba has no Exchange schema), made mayContain of
/// `mailRecipient` (the auxiliary class of `user` and `contact`).
fn schema_ldif() -> String {
    let s = format!("CN=Schema,CN=Configuration,{DOMAIN_DN}");
    let attr = |cn: &str, name: &str, oid: &str, upper: u32| {
        format!(
            "dn: CN={cn},{s}\nchangetype: add\nobjectClass: top\nobjectClass: attributeSchema\ncn: {cn}\n\
             lDAPDisplayName: {name}\nattributeID: {oid}\nattributeSyntax: 2.5.5.12\noMSyntax: 64\n\
             isSingleValued: TRUE\nrangeLower: 1\nrangeUpper: {upper}\nsearchFlags: 1\n\n"
        )
    };
    let update = "dn:\nchangetype: modify\nadd: schemaUpdateNow\nschemaUpdateNow: 1\n-\n\n";
    format!(
        "{}{}{update}dn: CN=Mail-Recipient,{s}\nchangetype: modify\nadd: mayContain\nmayContain: mailNickname\nmayContain: targetAddress\n-\n\n{update}",
        attr("ms-Exch-Mail-Nickname", "mailNickname", "1.2.840.113556.1.2.447", 64),
        attr("ms-Exch-Target-Address", "targetAddress", "1.2.840.113556.1.2.352", 1123),
    )
}

fn log_tail(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("samba.log")).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// Run an ldap-utils tool against the DC as Administrator; stdout, or the error output.
fn tool(tool: &str, args: &[&str], stdin: Option<&str>) -> Result<String, String> {
    let mut child = Command::new(tool)
        .args(["-x", "-H", URL, "-D", ADMIN, "-w", ADMIN_PW])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("run {tool}: {e}"))?;
    if let Some(mut i) = child.stdin.take() {
        if let Some(text) = stdin {
            i.write_all(text.as_bytes())
                .map_err(|e| format!("{tool} stdin: {e}"))?;
        }
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("wait for {tool}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{tool} {args:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The quickstart's mailboxes (examples/quickstart/directory.ldif, inetOrgPerson) as AD `user` objects
/// under `OU=people,<base>`: cn, sn, displayName; uid as sAMAccountName and mailNickname; mail also as
/// the userPrincipalName and the primary proxy address, as Exchange would have them.
fn seed_ldif(base: &str) -> String {
    let text = std::fs::read_to_string(crate::root().join("examples/quickstart/directory.ldif"))
        .expect("read examples/quickstart/directory.ldif");
    let mut out = format!(
        "dn: {base}\nobjectClass: organizationalUnit\n\ndn: OU=people,{base}\nobjectClass: organizationalUnit\n\n"
    );
    for record in text.split("\n\n") {
        let get = |key: &str| {
            record.lines().find_map(|l| {
                l.strip_prefix(key)
                    .and_then(|v| v.strip_prefix(": "))
                    .map(str::trim)
            })
        };
        let (Some(cn), Some(uid), Some(mail)) = (get("cn"), get("uid"), get("mail")) else {
            continue;
        };
        out.push_str(&format!(
            "dn: CN={cn},OU=people,{base}\nobjectClass: user\ncn: {cn}\nsAMAccountName: {uid}\n\
             userPrincipalName: {uid}@{MAIL_DOMAIN}\nmail: {mail}\nmailNickname: {uid}\nproxyAddresses: SMTP:{mail}\n"
        ));
        for key in ["sn", "displayName"] {
            if let Some(v) = get(key) {
                out.push_str(&format!("{key}: {v}\n"));
            }
        }
        out.push('\n');
    }
    out
}

/// One test's use of the shared DC: its own OU (the base mailsec is pointed at) holding the quickstart's
/// mailboxes. Only one lease exists at a time in a process; dropping it deletes the OU.
pub struct SambaAd {
    /// The test's OU: `OU=mailsec-test-<n>-<tag>,DC=contoso,DC=example`.
    pub base: String,
    _guard: MutexGuard<'static, Shared>,
}

impl SambaAd {
    /// The shared DC (started on first use) with a fresh OU for this test, or `None` (after saying why)
    /// when a prerequisite is missing and `MAILSEC_E2E` is not `required`.
    pub fn lease(tag: &str) -> Option<SambaAd> {
        if !available() {
            return None;
        }
        let mut guard = shared();
        if matches!(*guard, Shared::NotStarted) {
            *guard = match Instance::start() {
                Ok(i) => Shared::Running(i),
                Err(StartError::Unavailable(why)) => Shared::Unavailable(why),
                Err(StartError::Failed(why)) => Shared::Failed(why),
            };
        }
        let n = match &mut *guard {
            Shared::Running(inst) => {
                inst.leases += 1;
                inst.leases
            }
            Shared::Unavailable(why) => {
                let why = why.clone();
                drop(guard);
                missing(&why);
                return None;
            }
            Shared::Failed(why) => panic!("the shared Samba AD DC could not be started: {why}"),
            Shared::NotStarted | Shared::Stopped => panic!("the shared Samba AD DC is stopped"),
        };
        let ad = SambaAd {
            base: format!("OU={OU_PREFIX}{n}-{tag},{DOMAIN_DN}"),
            _guard: guard,
        };
        ad.remove_test_ous();
        ad.tool("ldapadd", &[], Some(&seed_ldif(&ad.base)));
        Some(ad)
    }

    /// The environment that points mailsec at this test's OU with the `active-directory` profile.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("MAILSEC_LDAP_URL".into(), URL.into()),
            ("MAILSEC_LDAP_BASE".into(), self.base.clone()),
            ("MAILSEC_LDAP_BIND_DN".into(), ADMIN.into()),
            ("MAILSEC_LDAP_PASSWORD".into(), ADMIN_PW.into()),
            ("MAILSEC_LDAP_PROFILE".into(), "active-directory".into()),
        ]
    }

    /// Delete the test OUs earlier leases of this process failed to delete (their accounts'
    /// sAMAccountNames would clash with this lease's).
    fn remove_test_ous(&self) {
        let filter = format!("(ou={OU_PREFIX}*)");
        let found = self.tool(
            "ldapsearch",
            &[
                "-LLL",
                "-o",
                "ldif-wrap=no",
                "-s",
                "one",
                "-b",
                DOMAIN_DN,
                &filter,
                "1.1",
            ],
            None,
        );
        for dn in found.lines().filter_map(|l| l.strip_prefix("dn: ")) {
            self.tool("ldapdelete", &["-r", dn], None);
        }
    }
}

impl LdapClient for SambaAd {
    /// Run an ldap-utils tool as Administrator; returns stdout, panics on failure.
    fn tool(&self, tool_name: &str, args: &[&str], stdin: Option<&str>) -> String {
        tool(tool_name, args, stdin).unwrap_or_else(|e| panic!("{e}"))
    }
    /// This test's OU.
    fn search_base(&self) -> &str {
        &self.base
    }
}

impl Drop for SambaAd {
    fn drop(&mut self) {
        if let Err(e) = tool("ldapdelete", &["-r", &self.base], None) {
            eprintln!("could not delete the test OU {}: {e}", self.base);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configure_replaces_services_and_logs_and_adds_ours() {
        let conf = "# Global parameters\n[global]\n\tlog file = /var/log/samba/log.%m\n\tserver services = s3fs, rpc, ldap\n\trealm = X\n\n[sysvol]\n\tpath = /x\n";
        let out = configure(conf, Path::new("/d"));
        assert!(out.contains("\tserver services = ldap\n"), "{out}");
        assert!(!out.contains("s3fs"), "{out}");
        assert!(out.contains("\tlog file = /d/log.%m\n"), "{out}");
        assert!(!out.contains("/var/log/samba"), "{out}");
        assert!(
            out.contains("\tldap server require strong auth = no\n"),
            "{out}"
        );
        assert!(out.contains("\trealm = X\n"), "{out}");
        assert!(out.contains("[sysvol]\n\tpath = /x\n"), "{out}");
    }

    #[test]
    fn seed_has_the_quickstart_mailboxes_as_users() {
        let ldif = seed_ldif("OU=t,DC=x");
        assert!(ldif.contains("dn: CN=baptiste,OU=people,OU=t,DC=x\nobjectClass: user\n"));
        assert!(ldif.contains("sAMAccountName: alice\n"));
        assert!(ldif.contains("proxyAddresses: SMTP:baptiste@contoso.example\n"));
        assert!(!ldif.contains("entryUUID"));
    }
}
