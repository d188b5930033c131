//! Benchmark: mailsec's reconcile against a real slapd, next to the OpenLDAP command-line tools doing
//! the same work on the same server settings, in one run.
//!
//! 1. Generates (rcgen, in-process) 2 distinct certificates for each of N mailboxes (default 50,000;
//!    `MAILSEC_BENCH_N`), the N mailboxes as inetOrgPerson entries with fixed entryUUIDs, a desired
//!    state (written with mailsec-state's own store) that adds the 2 certificates to every mailbox and
//!    creates N mail contacts, and the equivalent LDIF (a modify per mailbox, an add per contact).
//! 2. For each run, a fresh slapd is preloaded with the mailboxes by slapadd (the same for both sides).
//!    - **apply**: `mailsec apply --auto-approve` vs `ldapmodify -f mods.ldif` + `ldapadd -f adds.ldif`.
//!    - **no-op plan**: `mailsec plan --detailed-exitcode` (must exit 0) vs one paged `ldapsearch` of the
//!      same attributes (`-E pr=500/noprompt`).
//!    - **export**: `mailsec export` into a new state file vs the same `ldapsearch`.
//! 3. Each measurement runs `MAILSEC_BENCH_RUNS` times (default 3); medians are printed with the ratio
//!    mailsec / reference (under 1 = mailsec faster) and mailsec's peak RSS (wait4 `ru_maxrss`).
//!
//! The work is checked: after each apply, every contact is on the server and a sample mailbox has its 2
//! certificates; the plan after apply shows no changes; the export holds N mailboxes and N contacts.
//! A run whose work failed measures nothing, so it panics.
//!
//! Run: `cargo bench -p mailsec-e2e --bench ldap_reconcile` (needs slapd and ldap-utils:
//! `.ci/install-deps`). Under `cargo test` it is built but only prints that it is skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use mailsec_e2e::ldap_client::LdapClient;
use mailsec_e2e::slapd::{self, Slapd, ADMIN_DN, ADMIN_PW, BASE};
use mailsec_state::cert::Cert;
use mailsec_state::model::{DesiredState, MailContact, Mailbox};
use mailsec_state::store::Store;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, SerialNumber,
    PKCS_ECDSA_P256_SHA256,
};
use uuid::Uuid;

fn main() {
    if !std::env::args().skip(1).any(|a| a == "--bench") {
        eprintln!("ldap_reconcile: skipped (a benchmark; run it with `cargo bench -p mailsec-e2e --bench ldap_reconcile`)");
        return;
    }
    if !slapd::available() {
        return;
    }
    let n: usize = env_num("MAILSEC_BENCH_N", 50_000);
    let runs: usize = env_num("MAILSEC_BENCH_RUNS", 3);
    let bin = release_bin();
    let work = tempfile::tempdir().expect("temp dir");
    let t = Instant::now();
    let data = generate(work.path(), n);
    eprintln!(
        "generated {n} mailboxes, {} certificates, {n} contacts in {:.1} s",
        2 * n,
        t.elapsed().as_secs_f64()
    );
    eprintln!("load average before: {}", load_average());

    let mut apply_ms = Vec::new();
    let mut apply_ref = Vec::new();
    let mut plan_ms = Vec::new();
    let mut export_ms = Vec::new();
    let mut search_ref = Vec::new();
    let mut rss: Vec<(&str, u64)> = Vec::new();
    for run in 0..runs {
        // mailsec
        let ldap = Slapd::start(&data.people);
        let env = ldap.env();
        let (d, peak) = timed(
            &bin,
            &[
                "--state",
                &data.state.display().to_string(),
                "apply",
                "--auto-approve",
            ],
            &env,
            0,
        );
        apply_ms.push(d);
        rss.push(("apply", peak));
        check_applied(&ldap, n, &data);
        if let Ok(hold) = std::env::var("MAILSEC_BENCH_HOLD") {
            hold_for_profiling(&hold, &env, &data.state);
        }
        let (d, peak) = timed(
            &bin,
            &[
                "--state",
                &data.state.display().to_string(),
                "plan",
                "--detailed-exitcode",
            ],
            &env,
            0,
        );
        plan_ms.push(d);
        rss.push(("plan", peak));
        let export_state = work.path().join(format!("export{run}/mailsec.yaml"));
        let (d, peak) = timed(
            &bin,
            &["--state", &export_state.display().to_string(), "export"],
            &env,
            0,
        );
        export_ms.push(d);
        rss.push(("export", peak));
        check_export(&export_state, n);
        search_ref.push(paged_search(&ldap));
        drop(ldap);

        // ldapmodify + ldapadd on a fresh copy
        let ldap = Slapd::start(&data.people);
        let t = Instant::now();
        tool(&ldap, "ldapmodify", &data.mods);
        tool(&ldap, "ldapadd", &data.adds);
        apply_ref.push(t.elapsed());
        check_applied(&ldap, n, &data);
        drop(ldap);
        eprintln!("run {} of {runs} done", run + 1);
    }
    eprintln!("load average after: {}", load_average());
    let peak = |what: &str| {
        rss.iter()
            .filter(|(w, _)| *w == what)
            .map(|(_, k)| *k)
            .max()
            .unwrap_or(0)
    };
    let (a, ar) = (median(apply_ms), median(apply_ref));
    let (p, s) = (median(plan_ms), median(search_ref));
    let e = median(export_ms);
    println!("ldap_reconcile: N = {n} mailboxes (+{} certificates) and {n} new contacts; medians of {runs}", 2 * n);
    println!("  apply   mailsec {:>8.2} s | ldapmodify+ldapadd {:>8.2} s | mailsec/reference {:.2}x (bound 1.5x) | peak RSS {} MB", a.as_secs_f64(), ar.as_secs_f64(), ratio(a, ar), peak("apply") / 1024);
    println!("  plan    mailsec {:>8.2} s | paged ldapsearch   {:>8.2} s | mailsec/reference {:.2}x (bound 3x)   | peak RSS {} MB", p.as_secs_f64(), s.as_secs_f64(), ratio(p, s), peak("plan") / 1024);
    println!("  export  mailsec {:>8.2} s | paged ldapsearch   {:>8.2} s | mailsec/reference {:.2}x (bound 3x)   | peak RSS {} MB", e.as_secs_f64(), s.as_secs_f64(), ratio(e, s), peak("export") / 1024);
}

/// For profiling by hand: write the environment and state path to `<hold>/env`, then wait (polling)
/// until `<hold>/go` exists, with the applied directory still running.
fn hold_for_profiling(hold: &str, env: &[(String, String)], state: &Path) {
    let dir = Path::new(hold);
    std::fs::create_dir_all(dir).expect("mkdir hold");
    let mut text: String = env
        .iter()
        .map(|(k, v)| format!("export {k}='{v}'\n"))
        .collect();
    text.push_str(&format!("export MAILSEC_STATE='{}'\n", state.display()));
    std::fs::write(dir.join("env"), text).expect("write env");
    eprintln!("holding: source {}/env; touch {}/go to go on", hold, hold);
    while !dir.join("go").exists() {
        std::thread::sleep(Duration::from_millis(500));
    }
}

struct Data {
    people: String,
    state: PathBuf,
    mods: PathBuf,
    adds: PathBuf,
    sample_uid: String,
    sample_certs: Vec<Vec<u8>>,
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.trim()
                .parse()
                .unwrap_or_else(|_| panic!("{name} must be a number"))
        })
        .unwrap_or(default)
}

fn release_bin() -> PathBuf {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--quiet",
            "--release",
            "-p",
            "mailsec",
            "--bin",
            "mailsec",
        ])
        .env_remove("CARGO_MANIFEST_DIR")
        .current_dir(mailsec_e2e::root())
        .status()
        .expect("cargo build --release");
    assert!(status.success(), "building the release mailsec failed");
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| mailsec_e2e::root().join("target"))
        .join("release/mailsec")
}

fn generate(dir: &Path, n: usize) -> Data {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
    let mut ca_params = CertificateParams::default();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Bench CA");
    ca_params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&key).expect("CA");
    let cert = |i: usize, k: usize| -> Vec<u8> {
        let mut p = CertificateParams::default();
        p.distinguished_name = DistinguishedName::new();
        p.distinguished_name
            .push(DnType::CommonName, format!("user{i} cert {k}"));
        let mut serial = vec![0x10];
        serial.extend_from_slice(&(u32::try_from(i * 2 + k).expect("serial")).to_be_bytes());
        p.serial_number = Some(SerialNumber::from(serial));
        p.signed_by(&key, &ca, &key).expect("sign").der().to_vec()
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut people = String::with_capacity(n * 200);
    let mut mods = String::with_capacity(n * 1400);
    let mut adds =
        format!("dn: ou=contacts,{BASE}\nobjectClass: organizationalUnit\nou: contacts\n\n");
    let mut state = DesiredState::default();
    let mut sample_certs = Vec::new();
    for i in 0..n {
        let guid = Uuid::from_u128(0x5eed_0000_0000_4000_8000_0000_0000_0000 | i as u128);
        let dn = format!("uid=user{i},ou=people,{BASE}");
        people.push_str(&format!(
            "dn: {dn}\nobjectClass: inetOrgPerson\nuid: user{i}\ncn: User {i}\nsn: {i}\nmail: user{i}@bench.example\nentryUUID: {guid}\n\n"
        ));
        let (c1, c2) = (cert(i, 0), cert(i, 1));
        mods.push_str(&format!(
            "dn: {dn}\nchangetype: modify\nadd: userCertificate;binary\nuserCertificate;binary:: {}\nuserCertificate;binary:: {}\n-\n\n",
            b64.encode(&c1),
            b64.encode(&c2)
        ));
        if i == n / 2 {
            sample_certs = vec![c1.clone(), c2.clone()];
        }
        state.mailboxes.push(Mailbox {
            guid,
            name: format!("User {i}"),
            user_certificate: Some(vec![Cert::from_bytes(c1), Cert::from_bytes(c2)]),
            ..Mailbox::default()
        });
        let cguid = Uuid::from_u128(0xc0de_0000_0000_4000_8000_0000_0000_0000 | i as u128);
        let name = format!("Partner {i}");
        adds.push_str(&format!(
            "dn: cn={name},ou=contacts,{BASE}\nobjectClass: inetOrgPerson\ncn: {name}\nsn: {name}\nmail: p{i}@partner.example\ndisplayName: {name}\nuid: Partner{i}\ndescription: mailsec-owned:{cguid}\n\n"
        ));
        state.mail_contacts.push(MailContact {
            guid: cguid,
            name: name.clone(),
            external_email_address: format!("SMTP:p{i}@partner.example"),
            display_name: Some(name.clone()),
            alias: Some(format!("Partner{i}")),
            ..MailContact::default()
        });
    }
    let state_path = dir.join("state/mailsec.yaml");
    std::fs::create_dir_all(dir.join("state")).expect("mkdir state");
    Store::new(&state_path)
        .save(&state, None)
        .expect("save the desired state");
    let (m, a) = (dir.join("mods.ldif"), dir.join("adds.ldif"));
    std::fs::write(&m, mods).expect("write mods");
    std::fs::write(&a, adds).expect("write adds");
    Data {
        people,
        state: state_path,
        mods: m,
        adds: a,
        sample_uid: format!("user{}", n / 2),
        sample_certs,
    }
}

/// Run mailsec, check its exit code, return the wall time and peak RSS (KiB) of that process.
///
/// The peak comes from GNU time (`/usr/bin/time -f %M`): this process holds every generated
/// certificate, and a child forked from it starts with its peak in `ru_maxrss`; GNU time's own child
/// does not.
fn timed(bin: &Path, args: &[&str], env: &[(String, String)], expect: i32) -> (Duration, u64) {
    // stderr goes to a file: a pipe nobody reads until the end would block a chatty child.
    let log = tempfile::NamedTempFile::new().expect("stderr file");
    let rss = tempfile::NamedTempFile::new().expect("rss file");
    let t = Instant::now();
    let status = Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o"])
        .arg(rss.path())
        .arg(bin)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log.reopen().expect("reopen stderr file"))
        .status()
        .expect("run mailsec under /usr/bin/time (Debian package `time`)");
    let d = t.elapsed();
    let stderr = std::fs::read_to_string(log.path()).unwrap_or_default();
    let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    assert_eq!(
        status.code(),
        Some(expect),
        "mailsec {args:?}: {}",
        tail.join("\n")
    );
    let peak = std::fs::read_to_string(rss.path())
        .ok()
        .and_then(|t| t.lines().last().and_then(|l| l.trim().parse().ok()))
        .expect("GNU time's peak RSS");
    (d, peak)
}

fn tool(ldap: &Slapd, tool: &str, file: &Path) {
    let out = Command::new(tool)
        .args([
            "-x",
            "-H",
            &ldap.ldapi_url(),
            "-D",
            ADMIN_DN,
            "-w",
            ADMIN_PW,
            "-f",
        ])
        .arg(file)
        .stdout(Stdio::null())
        .output()
        .expect("run ldap tool");
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn paged_search(ldap: &Slapd) -> Duration {
    let t = Instant::now();
    let out = Command::new("ldapsearch")
        .args([
            "-x",
            "-H",
            &ldap.ldapi_url(),
            "-D",
            ADMIN_DN,
            "-w",
            ADMIN_PW,
            "-LLL",
            "-E",
            "pr=500/noprompt",
            "-b",
            BASE,
            "(objectClass=inetOrgPerson)",
        ])
        .args([
            "entryUUID",
            "cn",
            "mail",
            "uid",
            "displayName",
            "sn",
            "description",
            "userCertificate;binary",
            "userSMIMECertificate",
        ])
        .stdout(Stdio::null())
        .output()
        .expect("ldapsearch");
    assert!(
        out.status.success(),
        "ldapsearch failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.elapsed()
}

fn check_applied(ldap: &Slapd, n: usize, data: &Data) {
    let dns = ldap.tool(
        "ldapsearch",
        &[
            "-LLL",
            "-E",
            "pr=1000/noprompt",
            "-b",
            &format!("ou=contacts,{BASE}"),
            "-s",
            "one",
            "(objectClass=*)",
            "1.1",
        ],
        None,
    );
    let contacts = dns.lines().filter(|l| l.starts_with("dn:")).count();
    assert_eq!(contacts, n, "every contact must be on the server");
    let mut got = ldap.values(
        &format!("(uid={})", data.sample_uid),
        "userCertificate;binary",
    );
    got.sort();
    let mut want = data.sample_certs.clone();
    want.sort();
    assert_eq!(
        got, want,
        "the sample mailbox must hold its two certificates"
    );
}

fn check_export(state: &Path, n: usize) {
    let loaded = Store::new(state).load().expect("load the export");
    assert_eq!(loaded.state.mailboxes.len(), n, "export: mailboxes");
    assert_eq!(loaded.state.mail_contacts.len(), n, "export: contacts");
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}
