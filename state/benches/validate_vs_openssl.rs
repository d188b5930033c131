//! Benchmark: mailsec's S/MIME validation against `openssl verify`, on the same files, in one run.
//!
//! Run it with `cargo bench -p mailsec-state --bench validate_vs_openssl` (see `BENCHMARKS.md`).
//!
//! What it does:
//! 1. Generates, in-process with rcgen, a 3-level chain (root → intermediate → issuing CA) and
//!    `MAILSEC_BENCH_N` (default 10,000) recipient certificates issued by the issuing CA, and
//!    writes them as PEM files in a temporary folder (`openssl verify` needs files).
//! 2. Times mailsec: read each file, parse the PEM (`cert::read_collection`), validate it with
//!    one [`Validator`] (anchors = root, intermediates = intermediate + issuing CA, parsed once
//!    per run), at a fixed time inside the validity, for the recipient's own address and
//!    [`Purpose::Any`]. Once on 1 thread, once on 2 threads (the list split in two halves,
//!    `std::thread::scope`, one shared `Validator`).
//! 3. Times `openssl verify -CAfile root.pem -untrusted chain.pem -purpose smimesign -attime T`
//!    over the same files, with as few invocations as the OS argument limit allows: once as
//!    1 process, once as 2 processes running side by side (each takes half the files).
//! 4. Repeats each of the four measurements 3 times, interleaved, after one untimed warm-up
//!    pass of each, and prints the medians: wall time, certificates per second, CPU time
//!    (`getrusage`: this process for mailsec, the waited-for children for openssl), the ratios
//!    `openssl time / mailsec time` (over 1 = mailsec is faster), and the load average, so a
//!    run on a busy machine can be told from a quiet one.
//!
//! Every verdict is checked (mailsec: `Verdict::is_valid`; openssl: one `: OK` line per file and
//! exit status 0): a benchmark whose work fails measures nothing, so it panics instead.
//!
//! Keys: every certificate, CAs and recipients, has its own **ECDSA P-256** key, and every
//! signature is ECDSA with SHA-256. Why: ring generates P-256 keys and signs in microseconds, so
//! the 10,003 certificates are made in a second or two (RSA key generation through the openssl
//! CLI would take minutes), and each validation still verifies three real signatures (recipient,
//! issuing CA, intermediate), which is where both tools spend their time. The recipients'
//! key usage is what RFC 8551 gives an EC key: digitalSignature + keyAgreement. openssl's
//! `smimeencrypt` purpose wants keyEncipherment whatever the key (see
//! `src/validate/openssl_disagreements.tsv`), so openssl checks `smimesign` and mailsec checks
//! `Purpose::Any` (signing or encryption): both check the emailProtection EKU and the key usage
//! of the recipient on top of the path.
//!
//! Under `cargo test --all-targets` (no `--bench` argument) it only says it is skipped. Without
//! the openssl CLI it says why and exits 0, unless `MAILSEC_E2E=required`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use mailsec_state::cert::read_collection;
use mailsec_state::validate::{Purpose, Validator};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType, SerialNumber, PKCS_ECDSA_P256_SHA256,
};
use time::macros::datetime;
use time::OffsetDateTime;

/// How often each measurement is repeated; the median is reported.
const REPEATS: usize = 3;

/// The validation time: inside every generated certificate's validity (2025-01-01 .. 2035-01-01).
const AT: OffsetDateTime = datetime!(2030-01-01 00:00:00 UTC);

fn main() {
    if !std::env::args().skip(1).any(|a| a == "--bench") {
        eprintln!(
            "validate_vs_openssl: skipped (a benchmark; run it with \
             `cargo bench -p mailsec-state --bench validate_vs_openssl`)"
        );
        return;
    }
    if let Err(why) = openssl_version() {
        if std::env::var("MAILSEC_E2E").is_ok_and(|v| v.trim() == "required") {
            panic!("MAILSEC_E2E=required, but {why}");
        }
        eprintln!("validate_vs_openssl: SKIPPED: {why}");
        return;
    }
    let n = match std::env::var("MAILSEC_BENCH_N") {
        Ok(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 2)
            .expect("MAILSEC_BENCH_N must be a number of certificates, at least 2"),
        Err(_) => 10_000,
    };

    let dir = tempfile::tempdir().expect("create a temporary folder");
    let started = Instant::now();
    let pki = generate(dir.path(), n);
    eprintln!(
        "generated a 3-level chain and {n} recipient certificates (P-256) in {:.2} s, in {}",
        started.elapsed().as_secs_f64(),
        dir.path().display()
    );

    let load_before = load_average();
    let batches = openssl_batches(&pki.files, 1);
    let batches_2 = openssl_batches(&pki.files, 2);

    // One untimed pass of each: checks every verdict once before timing and warms the caches.
    let _ = mailsec_run(&pki, 2);
    let _ = openssl_run(dir.path(), &batches_2);

    let mut runs: [Vec<Run>; 4] = Default::default();
    for _ in 0..REPEATS {
        runs[0].push(mailsec_run(&pki, 1));
        runs[1].push(mailsec_run(&pki, 2));
        runs[2].push(openssl_run(dir.path(), &batches));
        runs[3].push(openssl_run(dir.path(), &batches_2));
    }
    let [m1, m2, o1, o2] = runs.map(median);

    let version = openssl_version().unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |c| c.get());
    let invocations = |b: &[Vec<Vec<String>>]| b.iter().map(Vec::len).sum::<usize>();
    println!();
    println!(
        "validate_vs_openssl: {n} recipient certificates (ECDSA P-256), \
         root -> intermediate -> issuing CA -> recipient"
    );
    println!("  machine: {cores} cores; {version}; median of {REPEATS} runs each");
    if let (Some(before), Some(after)) = (load_before, load_average()) {
        println!(
            "  load average (1 min) before/after: {before}/{after} \
             (well above 0: something else ran, and wall times are noisy; CPU times less so)"
        );
    }
    println!(
        "  mailsec: read + parse + Validator::validate(Purpose::Any, own address), one Validator"
    );
    println!(
        "  openssl: verify -CAfile root.pem -untrusted chain.pem -purpose smimesign -attime {} \
         ({} invocation(s) as 1 process, {} as 2 processes)",
        AT.unix_timestamp(),
        invocations(&batches),
        invocations(&batches_2)
    );
    println!();
    println!(
        "  {:<28} {:>10} {:>10} {:>10}",
        "", "wall time", "certs/s", "CPU time"
    );
    for (label, r) in [
        ("mailsec, 1 thread", m1),
        ("mailsec, 2 threads", m2),
        ("openssl verify, 1 process", o1),
        ("openssl verify, 2 processes", o2),
    ] {
        let cpu = r
            .cpu
            .map_or("n/a".to_string(), |c| format!("{:.3} s", c.as_secs_f64()));
        println!(
            "  {label:<28} {:>8.3} s {:>10.0} {cpu:>10}",
            r.wall.as_secs_f64(),
            n as f64 / r.wall.as_secs_f64()
        );
    }
    println!();
    println!("  ratio = openssl wall time / mailsec wall time (above 1: mailsec is faster)");
    for (label, o, m) in [
        ("1 process   / 1 thread  (one core each)", o1, m1),
        ("2 processes / 2 threads (both cores each)", o2, m2),
        ("1 process   / 2 threads (openssl as usually run)", o1, m2),
    ] {
        println!(
            "  ratio {label:<49} {:>6.2}x",
            o.wall.as_secs_f64() / m.wall.as_secs_f64()
        );
    }
    if let (Some(o), Some(m)) = (o1.cpu, m1.cpu) {
        println!(
            "  ratio of CPU time, 1 process / 1 thread (work per certificate) {:>6.2}x",
            o.as_secs_f64() / m.as_secs_f64()
        );
    }
}

/// One timed run: wall-clock time, and the CPU time (user + system) it used where known.
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    wall: Duration,
    cpu: Option<Duration>,
}

/// CPU time (user + system) used so far by this process (`children == false`) or by its
/// children that have been waited for (`children == true`).
#[cfg(unix)]
fn cpu_time(children: bool) -> Option<Duration> {
    let who = if children {
        libc::RUSAGE_CHILDREN
    } else {
        libc::RUSAGE_SELF
    };
    // SAFETY: getrusage only writes the rusage struct it is given; all-zero bytes are a valid one.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage.
    if unsafe { libc::getrusage(who, &mut usage) } != 0 {
        return None;
    }
    let tv = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    Some(tv(usage.ru_utime) + tv(usage.ru_stime))
}

#[cfg(not(unix))]
fn cpu_time(_children: bool) -> Option<Duration> {
    None
}

/// The generated files: the chain, and each recipient's file with its address.
struct Pki {
    root: Vec<u8>,
    intermediates: Vec<Vec<u8>>,
    /// (file name relative to the folder, its full path, the recipient's address)
    files: Vec<(String, PathBuf, String)>,
}

fn ca_params(cn: &str, serial: u8, path_len: Option<u8>) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = DistinguishedName::new();
    p.distinguished_name
        .push(DnType::OrganizationName, "mailsec bench");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.serial_number = Some(SerialNumber::from(vec![serial]));
    p.not_before = datetime!(2025-01-01 00:00:00 UTC);
    p.not_after = datetime!(2035-01-01 00:00:00 UTC);
    p.is_ca = IsCa::Ca(path_len.map_or(BasicConstraints::Unconstrained, |n| {
        BasicConstraints::Constrained(n)
    }));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.use_authority_key_identifier_extension = true;
    p
}

fn key() -> KeyPair {
    KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("generate a P-256 key")
}

/// Write `root.pem`, `chain.pem` (intermediate + issuing CA) and `ee/user{i}.pem` in `dir`.
fn generate(dir: &Path, n: usize) -> Pki {
    let root_key = key();
    let mut root_params = ca_params("Bench Root CA", 1, None);
    root_params.use_authority_key_identifier_extension = false;
    let root = root_params
        .self_signed(&root_key)
        .expect("self-sign the root");

    let int_key = key();
    let int = ca_params("Bench Intermediate CA", 2, Some(1))
        .signed_by(&int_key, &root, &root_key)
        .expect("sign the intermediate");

    let issuing_key = key();
    let issuing = ca_params("Bench S/MIME Issuing CA", 3, Some(0))
        .signed_by(&issuing_key, &int, &int_key)
        .expect("sign the issuing CA");

    std::fs::write(dir.join("root.pem"), root.pem()).expect("write root.pem");
    std::fs::write(
        dir.join("chain.pem"),
        format!("{}{}", int.pem(), issuing.pem()),
    )
    .expect("write chain.pem");
    std::fs::create_dir(dir.join("ee")).expect("create ee/");

    let files = (0..n)
        .map(|i| {
            let address = format!("user{i}@bench.example");
            let mut p = CertificateParams::default();
            p.distinguished_name = DistinguishedName::new();
            p.distinguished_name
                .push(DnType::OrganizationName, "mailsec bench");
            p.distinguished_name
                .push(DnType::CommonName, format!("User {i}"));
            p.subject_alt_names = vec![SanType::Rfc822Name(
                address.as_str().try_into().expect("an ASCII address"),
            )];
            // Positive and minimal: a non-zero first byte under 0x80.
            let i32 = u32::try_from(i).expect("fewer than 2^32 certificates");
            let mut serial = vec![0x10];
            serial.extend_from_slice(&i32.to_be_bytes());
            p.serial_number = Some(SerialNumber::from(serial));
            p.not_before = datetime!(2025-06-01 00:00:00 UTC);
            p.not_after = datetime!(2034-06-01 00:00:00 UTC);
            p.is_ca = IsCa::ExplicitNoCa;
            p.key_usages = vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::KeyAgreement,
            ];
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::EmailProtection];
            p.use_authority_key_identifier_extension = true;
            let cert = p
                .signed_by(&key(), &issuing, &issuing_key)
                .expect("sign a recipient certificate");
            let name = format!("ee/user{i}.pem");
            let path = dir.join(&name);
            std::fs::write(&path, cert.pem()).expect("write a recipient certificate");
            (name, path, address)
        })
        .collect();

    Pki {
        root: root.der().to_vec(),
        intermediates: vec![int.der().to_vec(), issuing.der().to_vec()],
        files,
    }
}

/// Validate every file with mailsec on `threads` threads; panics on any verdict but valid.
fn mailsec_run(pki: &Pki, threads: usize) -> Run {
    let cpu_before = cpu_time(false);
    let started = Instant::now();
    let anchors = vec![pki.root.clone()];
    let validator = Validator::new(&anchors, &pki.intermediates, &[]);
    assert!(
        validator.input_problems().is_empty(),
        "the generated chain has problems: {:?}",
        validator.input_problems()
    );
    let chunk = pki.files.len().div_ceil(threads);
    let validated: usize = std::thread::scope(|s| {
        let workers: Vec<_> = pki
            .files
            .chunks(chunk)
            .map(|files| {
                let validator = &validator;
                s.spawn(move || {
                    for (name, path, address) in files {
                        let bytes = std::fs::read(path).expect("read a recipient certificate");
                        let ders = read_collection(&bytes).expect("parse a recipient PEM file");
                        let [ee] = ders.as_slice() else {
                            panic!("{name} should hold one certificate, not {}", ders.len());
                        };
                        let verdict =
                            validator.validate(ee, AT, std::slice::from_ref(address), Purpose::Any);
                        assert!(
                            verdict.is_valid(),
                            "mailsec: {name} is not valid:\n{verdict}"
                        );
                    }
                    files.len()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a mailsec worker panicked"))
            .sum()
    });
    let wall = started.elapsed();
    assert_eq!(validated, pki.files.len());
    Run {
        wall,
        cpu: cpu_time(false)
            .zip(cpu_before)
            .map(|(a, b)| a.saturating_sub(b)),
    }
}

/// The file names split into `processes` parts, each cut into argument lists that fit the OS limit.
fn openssl_batches(files: &[(String, PathBuf, String)], processes: usize) -> Vec<Vec<Vec<String>>> {
    let budget = arg_budget();
    let chunk = files.len().div_ceil(processes);
    files
        .chunks(chunk)
        .map(|part| {
            let mut batches: Vec<Vec<String>> = Vec::new();
            let mut used = usize::MAX;
            for (name, _, _) in part {
                // Each argument costs its bytes, a NUL and a pointer in argv.
                let cost = name.len() + 1 + std::mem::size_of::<usize>();
                if used.saturating_add(cost) > budget {
                    batches.push(Vec::new());
                    used = 0;
                }
                used += cost;
                batches
                    .last_mut()
                    .expect("a batch was just pushed")
                    .push(name.clone());
            }
            batches
        })
        .collect()
}

/// Bytes left for file names on one command line: half of ARG_MAX, less the environment and
/// the fixed arguments (a generous margin: the kernel counts a few more things).
fn arg_budget() -> usize {
    #[cfg(unix)]
    // SAFETY: sysconf only reads a system constant.
    let arg_max = usize::try_from(unsafe { libc::sysconf(libc::_SC_ARG_MAX) }).unwrap_or(0);
    #[cfg(not(unix))]
    let arg_max = 32 * 1024;
    let env: usize = std::env::vars_os()
        .map(|(k, v)| k.len() + v.len() + 2 + std::mem::size_of::<usize>())
        .sum();
    (arg_max / 2).saturating_sub(env + 4096).max(16 * 1024)
}

/// Run `openssl verify` over every batch (the parts side by side, each part's batches in turn).
fn openssl_run(dir: &Path, parts: &[Vec<Vec<String>>]) -> Run {
    let at = AT.unix_timestamp().to_string();
    let cpu_before = cpu_time(true);
    let started = Instant::now();
    std::thread::scope(|s| {
        let workers: Vec<_> = parts
            .iter()
            .map(|batches| {
                let at = &at;
                s.spawn(move || {
                    for batch in batches {
                        let out = Command::new("openssl")
                            .args(["verify", "-CAfile", "root.pem", "-untrusted", "chain.pem"])
                            .args(["-purpose", "smimesign", "-attime", at])
                            .args(batch)
                            .current_dir(dir)
                            .output()
                            .expect("run openssl verify");
                        let stdout = String::from_utf8_lossy(&out.stdout);
                        let ok = stdout.lines().filter(|l| l.ends_with(": OK")).count();
                        assert!(
                            out.status.success() && ok == batch.len(),
                            "openssl verify accepted {ok} of {} files ({}):\n{}",
                            batch.len(),
                            out.status,
                            String::from_utf8_lossy(&out.stderr)
                                .lines()
                                .take(20)
                                .collect::<Vec<_>>()
                                .join("\n")
                        );
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().expect("an openssl worker panicked");
        }
    });
    Run {
        wall: started.elapsed(),
        cpu: cpu_time(true)
            .zip(cpu_before)
            .map(|(a, b)| a.saturating_sub(b)),
    }
}

fn openssl_version() -> Result<String, String> {
    match Command::new("openssl").arg("version").output() {
        Ok(out) if out.status.success() => {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        }
        Ok(out) => Err(format!("`openssl version` failed ({})", out.status)),
        Err(e) => Err(format!(
            "the openssl command cannot be run ({e}); .ci/install-deps installs it"
        )),
    }
}

/// The 1-minute load average (Linux), to tell a quiet machine from a busy one.
fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next().map(str::to_string)
}

/// The run with the median wall time.
fn median(mut runs: Vec<Run>) -> Run {
    runs.sort_by_key(|r| r.wall);
    runs.get(runs.len() / 2).copied().unwrap_or_default()
}
