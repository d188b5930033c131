//! Benchmark: the `mailsec` binary on a 100,000-line bulk script, and its cold start, against the bounds of issues 4 and 5.
//!
//! Run it with `cargo bench -p mailsec --bench bulk_script` (see `BENCHMARKS.md`).
//!
//! What it does:
//! 1. Generates in-process (rcgen, ECDSA P-256) an issuing CA and one recipient certificate
//!    for a partner (emailProtection EKU, rfc822Name SAN), and writes them as DER files in a
//!    temporary folder.
//! 2. **Bulk script.** Writes `bulk.ps1`: one line
//!    `$bytes = [System.IO.File]::ReadAllBytes('partner.cer')`, then `MAILSEC_BENCH_N` (default
//!    50,000) `New-MailContact -Name contactI -ExternalEmailAddress contactI@partner.example`
//!    lines, then as many `Set-MailContact -Identity contactI -UserCertificate $bytes` lines.
//!    It runs `mailsec --state DIR/mailsec.yaml run bulk.ps1` (the binary cargo built for this
//!    bench, i.e. the release build) against a fresh, empty state folder each time, on the
//!    embedded default backends, stdout to /dev/null. It measures the wall time (spawn to exit)
//!    and the child's peak RSS and CPU time (`wait4`), after one untimed warm-up run, 3 times,
//!    and prints the median with its ratio to the bounds (3 s, 500 MB).
//! 3. Every run is checked: exit status 0, and the state file holds exactly N contacts, each
//!    with exactly the partner's certificate (file `certs/<SHA-256>.cer`, SHA-1 thumbprint),
//!    and that file holds exactly the certificate's bytes. A run whose work failed measures
//!    nothing, so it panics instead. The YAML is read in a child process (this program again):
//!    a spawned child's `ru_maxrss` starts at its parent's peak RSS, so this process stays small.
//! 4. **Cold start.** Against a state with a few objects (the CA published with
//!    `Set-SmimeConfig`, 3 contacts, 2 with the certificate), runs
//!    `mailsec --state … -c 'Get-SmimeConfig'` 50 times (after 5 untimed warm-up runs), checks
//!    each prints the expiry date, and prints the median and p90 wall times with the ratio to
//!    the bound (15 ms).
//!
//! `MAILSEC_BENCH_BIN=/path/to/mailsec` measures another build instead (e.g. before a change);
//! `MAILSEC_BENCH_N` sets the number of contacts.
//!
//! There is no reference tool: the Exchange Management Shell (PowerShell) does not run on this
//! machine, so the numbers are compared with the bounds, not with another program.
//! The load average is printed before and after, so a run on a busy machine can be recognised.
//!
//! Under `cargo test --all-targets` (no `--bench` argument) it only says it is skipped.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType, PKCS_ECDSA_P256_SHA256,
};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::macros::datetime;

/// The `mailsec` binary cargo built for this bench (the bench profile: optimized).
const MAILSEC: &str = env!("CARGO_BIN_EXE_mailsec");

/// The binary to measure: `MAILSEC_BENCH_BIN` (another build, e.g. to compare before and after a
/// change on the same machine and load), else the one cargo built for this bench.
fn mailsec() -> String {
    std::env::var("MAILSEC_BENCH_BIN")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| MAILSEC.to_string())
}

/// Timed runs of the bulk script; the median is reported.
const REPEATS: usize = 3;
/// Timed runs of the cold start.
const COLD_RUNS: usize = 50;

/// Issue 4's bounds for the 100,000-line script on 2 cores.
const BULK_TIME_BOUND: Duration = Duration::from_secs(3);
const BULK_RSS_BOUND_MB: f64 = 500.0;
/// Issue 5's bound for the median cold start.
const COLD_BOUND: Duration = Duration::from_millis(15);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, dir, n, file, thumbprint] = args.as_slice() {
        if flag == CHECK_FLAG {
            let n = n.parse().expect("a contact count");
            check_bulk_state(Path::new(dir), n, file, thumbprint);
            return;
        }
    }
    if !args.iter().any(|a| a == "--bench") {
        eprintln!(
            "bulk_script: skipped (a benchmark; run it with \
             `cargo bench -p mailsec --bench bulk_script`)"
        );
        return;
    }
    let n = match std::env::var("MAILSEC_BENCH_N") {
        Ok(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .expect("MAILSEC_BENCH_N must be a number of contacts, at least 1"),
        Err(_) => 50_000,
    };

    let dir = tempfile::tempdir().expect("create a temporary folder");
    let certs = generate(dir.path());
    let script = dir.path().join("bulk.ps1");
    let lines = write_bulk_script(&script, n);
    eprintln!(
        "bulk_script: wrote {} ({lines} lines) and the certificates in {}",
        script.display(),
        dir.path().display()
    );

    let load_before = load_average();

    // One untimed run: checks the work once before timing and warms the page cache.
    let _ = bulk_run(dir.path(), &script, &certs, n, 0);
    let mut runs: Vec<Run> = (1..=REPEATS)
        .map(|i| bulk_run(dir.path(), &script, &certs, n, i))
        .collect();
    runs.sort_by_key(|r| r.wall);
    let bulk = runs[runs.len() / 2];
    let load_middle = load_average();

    let cold = cold_start(dir.path(), &certs);
    let load_after = load_average();

    let cores = std::thread::available_parallelism().map_or(0, |c| c.get());
    let mb = |kb: u64| kb as f64 / 1024.0;
    println!();
    println!(
        "bulk_script: `mailsec run` of a {lines}-line script ({n} New-MailContact + \
         {n} Set-MailContact -UserCertificate $bytes) on the embedded default, fresh state"
    );
    println!("  binary: {}", mailsec());
    println!("  machine: {cores} cores; median of {REPEATS} runs after 1 warm-up run");
    if let (Some(a), Some(b), Some(c)) = (&load_before, &load_middle, &load_after) {
        println!(
            "  load average (1 min) before / after the bulk runs / after the cold starts: \
             {a} / {b} / {c} (well above 0: something else ran, and wall times are noisy)"
        );
    }
    println!(
        "  no reference tool: the Exchange Management Shell (PowerShell) is not available on \
         this machine; the numbers are compared with the issue's bounds"
    );
    println!();
    let all: Vec<String> = runs
        .iter()
        .map(|r| format!("{:.3} s", r.wall.as_secs_f64()))
        .collect();
    println!(
        "  wall time   {:>9.3} s   bound {:.0} s   ratio {:.2} ({})   all runs: {}",
        bulk.wall.as_secs_f64(),
        BULK_TIME_BOUND.as_secs_f64(),
        bulk.wall.as_secs_f64() / BULK_TIME_BOUND.as_secs_f64(),
        verdict(bulk.wall <= BULK_TIME_BOUND),
        all.join(", ")
    );
    println!(
        "  peak RSS    {:>9.1} MB  bound {BULK_RSS_BOUND_MB:.0} MB ratio {:.2} ({})",
        mb(bulk.max_rss_kb),
        mb(bulk.max_rss_kb) / BULK_RSS_BOUND_MB,
        verdict(mb(bulk.max_rss_kb) <= BULK_RSS_BOUND_MB)
    );
    println!(
        "  CPU time    {:>9.3} s   (user {:.3} s + system {:.3} s)",
        (bulk.user + bulk.system).as_secs_f64(),
        bulk.user.as_secs_f64(),
        bulk.system.as_secs_f64()
    );
    println!(
        "  per line    {:>9.1} µs",
        bulk.wall.as_secs_f64() * 1e6 / lines as f64
    );
    println!();
    println!(
        "cold start: `mailsec -c 'Get-SmimeConfig'` against a state with the issuing CA and \
         3 contacts, {COLD_RUNS} runs after 5 warm-up runs"
    );
    println!(
        "  median      {:>9.2} ms  bound {:.0} ms  ratio {:.2} ({})",
        ms(cold.median),
        ms(COLD_BOUND),
        ms(cold.median) / ms(COLD_BOUND),
        verdict(cold.median <= COLD_BOUND)
    );
    println!(
        "  p90         {:>9.2} ms   min {:.2} ms   max {:.2} ms",
        ms(cold.p90),
        ms(cold.min),
        ms(cold.max),
    );
    println!(
        "  CPU time    {:>9.2} ms   (median; user + system)   peak RSS {:.1} MB",
        ms(cold.cpu_median),
        mb(cold.max_rss_kb)
    );
}

fn verdict(within: bool) -> &'static str {
    if within {
        "within the bound"
    } else {
        "OVER the bound"
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The generated certificates, as the files the scripts read.
struct Certs {
    /// The partner's certificate (DER): what every Set-MailContact publishes.
    partner: Vec<u8>,
    /// Its file name in a state's `certs/` folder: `<SHA-256 hex>.cer`.
    partner_file: String,
    /// Its SHA-1 thumbprint, upper-case hex.
    partner_thumbprint: String,
}

fn key() -> KeyPair {
    KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("generate a P-256 key")
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02X}");
        s
    })
}

/// An issuing CA (`ca.cer`) and the partner's certificate it issued (`partner.cer`), in `dir`.
fn generate(dir: &Path) -> Certs {
    let ca_key = key();
    let mut ca = CertificateParams::default();
    ca.distinguished_name = DistinguishedName::new();
    ca.distinguished_name
        .push(DnType::OrganizationName, "mailsec bench");
    ca.distinguished_name
        .push(DnType::CommonName, "Bench S/MIME Issuing CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = datetime!(2025-01-01 00:00:00 UTC);
    ca.not_after = datetime!(2085-01-01 00:00:00 UTC);
    let ca = ca.self_signed(&ca_key).expect("self-sign the CA");

    let mut p = CertificateParams::default();
    p.distinguished_name = DistinguishedName::new();
    p.distinguished_name
        .push(DnType::OrganizationName, "Partner");
    p.distinguished_name
        .push(DnType::CommonName, "Partner S/MIME");
    p.subject_alt_names = vec![SanType::Rfc822Name(
        "smime@partner.example"
            .try_into()
            .expect("an ASCII address"),
    )];
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyAgreement,
    ];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::EmailProtection];
    p.not_before = datetime!(2025-01-01 00:00:00 UTC);
    p.not_after = datetime!(2084-01-01 00:00:00 UTC);
    let partner = p
        .signed_by(&key(), &ca, &ca_key)
        .expect("sign the partner's certificate");

    std::fs::write(dir.join("ca.cer"), ca.der()).expect("write ca.cer");
    let partner = partner.der().to_vec();
    std::fs::write(dir.join("partner.cer"), &partner).expect("write partner.cer");
    Certs {
        partner_file: format!(
            "{}.cer",
            hex_upper(&Sha256::digest(&partner)).to_lowercase()
        ),
        partner_thumbprint: hex_upper(&Sha1::digest(&partner)),
        partner,
    }
}

/// Write the bulk script; returns its line count. (Written as it goes: this process stays small.)
fn write_bulk_script(path: &Path, n: usize) -> usize {
    use std::io::Write as _;
    let file = std::fs::File::create(path).expect("create the bulk script");
    let mut w = std::io::BufWriter::new(file);
    let mut write = || -> std::io::Result<()> {
        writeln!(w, "$bytes = [System.IO.File]::ReadAllBytes('partner.cer')")?;
        for i in 0..n {
            writeln!(
                w,
                "New-MailContact -Name contact{i} -ExternalEmailAddress contact{i}@partner.example"
            )?;
        }
        for i in 0..n {
            writeln!(
                w,
                "Set-MailContact -Identity contact{i} -UserCertificate $bytes"
            )?;
        }
        w.flush()
    };
    write().expect("write the bulk script");
    1 + 2 * n
}

/// What one child run cost.
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    wall: Duration,
    user: Duration,
    system: Duration,
    /// Peak resident set size, in KiB (Linux `ru_maxrss`).
    max_rss_kb: u64,
}

/// Run the binary with `args` in `cwd` and wait for it with `wait4`, which reports this child's
/// own resource use (peak RSS, CPU time). Stdout goes to `stdout`; stderr is returned.
// The child is waited for with `wait4` (which std does not offer), not `Child::wait`.
#[allow(clippy::zombie_processes)]
fn measure(cwd: &Path, args: &[&str], stdout: Stdio) -> (Run, i32, String) {
    let stderr_path = cwd.join("stderr.txt");
    let stderr = std::fs::File::create(&stderr_path).expect("create stderr.txt");
    let started = Instant::now();
    let child = Command::new(mailsec())
        .args(args)
        .current_dir(cwd)
        .env_remove("MAILSEC_STATE")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("start the mailsec binary");
    let pid = libc::pid_t::try_from(child.id()).expect("a pid fits pid_t");
    let mut status: libc::c_int = 0;
    // SAFETY: all-zero bytes are a valid rusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `status` and `usage` are valid and writable; `pid` is our child, not yet waited for
    // (`child` is never waited on through std after this).
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(waited, pid, "wait4 on the mailsec child failed");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let tv = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    let run = Run {
        wall,
        user: tv(usage.ru_utime),
        system: tv(usage.ru_stime),
        max_rss_kb: u64::try_from(usage.ru_maxrss).unwrap_or(0),
    };
    let err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    (run, code, err)
}

/// One run of the bulk script against a fresh state folder, checked.
fn bulk_run(dir: &Path, script: &Path, certs: &Certs, n: usize, i: usize) -> Run {
    let state_dir = dir.join(format!("state{i}"));
    std::fs::create_dir(&state_dir).expect("create a state folder");
    let state = state_dir.join("mailsec.yaml");
    let (state_arg, script_arg) = (path_arg(&state), path_arg(script));
    let (run, code, err) = measure(
        dir,
        &["--state", &state_arg, "run", &script_arg],
        Stdio::null(),
    );
    assert_eq!(code, 0, "mailsec run failed (exit {code}):\n{err}");
    check_in_child(&state_dir, certs, n);
    // Each run leaves about 30 MB of YAML; only the last one is needed for a look afterwards.
    if i > 0 {
        let _ = std::fs::remove_dir_all(dir.join(format!("state{}", i - 1)));
    }
    eprintln!(
        "  bulk run {i}{}: {:.3} s, peak RSS {:.1} MB",
        if i == 0 { " (warm-up)" } else { "" },
        run.wall.as_secs_f64(),
        run.max_rss_kb as f64 / 1024.0
    );
    run
}

fn path_arg(p: &Path) -> String {
    p.to_str().expect("a UTF-8 temporary path").to_string()
}

/// The argument that makes this program check a bulk run's state instead of benchmarking.
const CHECK_FLAG: &str = "--check-bulk-state";

/// Check the state of a bulk run in a child process (this program again, with [`CHECK_FLAG`]).
///
/// Why a child: reading the 30 MB state file takes a few hundred MB, and a child that is spawned
/// (vfork + exec) starts with its parent's peak RSS as its own `ru_maxrss`. This process must
/// stay small, or the next mailsec run's peak RSS would report this process's peak.
fn check_in_child(state_dir: &Path, certs: &Certs, n: usize) {
    let stored = std::fs::read(state_dir.join("certs").join(&certs.partner_file))
        .expect("the certificate file is in certs/");
    assert!(
        stored == certs.partner,
        "certs/{} does not hold the certificate's bytes",
        certs.partner_file
    );
    let me = std::env::current_exe().expect("the path of this benchmark");
    let status = Command::new(me)
        .args([
            CHECK_FLAG,
            &path_arg(state_dir),
            &n.to_string(),
            &certs.partner_file,
            &certs.partner_thumbprint,
        ])
        .status()
        .expect("run the state check");
    assert!(status.success(), "the state check failed: {status}");
}

/// The state must hold exactly `n` contacts named contact0.., each with exactly one certificate:
/// `certs/<file>` with this thumbprint.
fn check_bulk_state(state_dir: &Path, n: usize, file: &str, thumbprint: &str) {
    let text =
        std::fs::read_to_string(state_dir.join("mailsec.yaml")).expect("read the state file");
    let doc: serde_norway::Value = serde_norway::from_str(&text).expect("the state file is YAML");
    let contacts = doc
        .get("mailContacts")
        .and_then(serde_norway::Value::as_sequence)
        .expect("the state has mailContacts");
    assert_eq!(contacts.len(), n, "the state does not hold {n} contacts");
    let expected_file = format!("certs/{file}");
    for (i, c) in contacts.iter().enumerate() {
        let name = c.get("Name").and_then(serde_norway::Value::as_str);
        assert_eq!(name, Some(format!("contact{i}").as_str()), "contact {i}");
        let list = c
            .get("UserCertificate")
            .and_then(serde_norway::Value::as_sequence)
            .unwrap_or_else(|| panic!("contact{i} has no UserCertificate"));
        assert_eq!(
            list.len(),
            1,
            "contact{i} must have exactly one certificate"
        );
        let f = list[0].get("file").and_then(serde_norway::Value::as_str);
        let t = list[0]
            .get("thumbprint")
            .and_then(serde_norway::Value::as_str);
        assert_eq!(f, Some(expected_file.as_str()), "contact{i}'s certificate");
        assert_eq!(t, Some(thumbprint), "contact{i}'s thumbprint");
    }
}

struct Cold {
    median: Duration,
    /// The median CPU time (user + system) of one run: steadier than wall time on a busy machine.
    cpu_median: Duration,
    p90: Duration,
    min: Duration,
    max: Duration,
    max_rss_kb: u64,
}

/// `mailsec -c 'Get-SmimeConfig'`, many times, against a small state.
fn cold_start(dir: &Path, certs: &Certs) -> Cold {
    let state_dir = dir.join("cold");
    std::fs::create_dir(&state_dir).expect("create the cold-start state folder");
    let state = path_arg(&state_dir.join("mailsec.yaml"));
    let setup = "Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('ca.cer'))\n\
                 New-MailContact -Name a -ExternalEmailAddress a@partner.example\n\
                 New-MailContact -Name b -ExternalEmailAddress b@partner.example\n\
                 New-MailContact -Name c -ExternalEmailAddress c@partner.example\n\
                 Set-MailContact -Identity a -UserCertificate ([System.IO.File]::ReadAllBytes('partner.cer'))\n\
                 Set-MailContact -Identity b -UserCertificate ([System.IO.File]::ReadAllBytes('partner.cer'))\n";
    let setup_path = dir.join("cold-setup.ps1");
    std::fs::write(&setup_path, setup).expect("write the cold-start setup script");
    let (_, code, err) = measure(
        dir,
        &["--state", &state, "run", &path_arg(&setup_path)],
        Stdio::null(),
    );
    assert_eq!(code, 0, "the cold-start setup failed (exit {code}):\n{err}");
    assert!(
        state_dir.join("certs").join(&certs.partner_file).exists(),
        "the cold-start setup did not store the certificate"
    );

    let out_path = dir.join("cold-stdout.txt");
    let mut times = Vec::with_capacity(COLD_RUNS);
    let mut cpu = Vec::with_capacity(COLD_RUNS);
    let mut max_rss_kb = 0;
    for i in 0..COLD_RUNS + 5 {
        let out = std::fs::File::create(&out_path).expect("create cold-stdout.txt");
        let (run, code, err) = measure(
            dir,
            &["--state", &state, "-c", "Get-SmimeConfig"],
            Stdio::from(out),
        );
        assert_eq!(code, 0, "Get-SmimeConfig failed (exit {code}):\n{err}");
        let printed = std::fs::read_to_string(&out_path).unwrap_or_default();
        assert!(
            printed.contains("SMIMECertificatesExpiryDate") && printed.contains("2085-01-01"),
            "Get-SmimeConfig did not print the issuing CA's expiry:\n{printed}"
        );
        if i >= 5 {
            times.push(run.wall);
            cpu.push(run.user + run.system);
            max_rss_kb = max_rss_kb.max(run.max_rss_kb);
        }
    }
    times.sort();
    cpu.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    Cold {
        median: at(0.5),
        cpu_median: cpu[cpu.len() / 2],
        p90: at(0.9),
        min: times[0],
        max: times[times.len() - 1],
        max_rss_kb,
    }
}

/// The 1-minute load average (Linux), to tell a quiet machine from a busy one.
fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next().map(str::to_string)
}
