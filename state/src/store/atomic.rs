//! Atomic file replacement (write a temp file in the same folder, fsync it, rename over the target, fsync the folder), and batches of new files made durable together.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

#[cfg(target_os = "linux")]
#[path = "new_file_linux.rs"]
mod new_file;
#[cfg(not(target_os = "linux"))]
#[path = "new_file_other.rs"]
mod new_file;

pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        #[cfg(unix)]
        File::open(dir)?.sync_all()?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Write many new files into one folder (content-addressed certificate files), each complete before it
/// has its name so a reader never sees half a file, and make them all durable with one flush instead of two fsyncs
/// per file: `syncfs` on Linux, else an fsync of each file; then the folder itself.
pub fn write_batch(dir: &Path, files: &[(String, &[u8])]) -> std::io::Result<()> {
    if files.is_empty() {
        return Ok(());
    }
    fs::create_dir_all(dir)?;
    // Creating a file is mostly the kernel's work: 100,000 of them are written from every core.
    crate::parallel::map_chunks(files, |part| write_new_files(dir, part))
        .into_iter()
        .collect::<std::io::Result<()>>()?;
    flush(dir, files)?;
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    Ok(())
}

/// Write each of `files` into `dir` under its name, never leaving a half-written file there: linked
/// in whole where the system can ([`new_file::Linker`]), else written to a temporary name and renamed.
fn write_new_files(dir: &Path, files: &[(String, &[u8])]) -> std::io::Result<()> {
    let mut linker = new_file::Linker::open(dir);
    for (name, bytes) in files {
        if linker.as_mut().is_some_and(|l| l.write(name, bytes)) {
            continue;
        }
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let result = (|| {
            let mut f = File::create(&tmp)?;
            f.write_all(bytes)?;
            drop(f);
            fs::rename(&tmp, dir.join(name))
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result?;
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn flush(dir: &Path, _files: &[(String, &[u8])]) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let d = File::open(dir)?;
    // SAFETY: syncfs only reads the descriptor, which `d` keeps open for the call.
    if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn flush(dir: &Path, files: &[(String, &[u8])]) -> std::io::Result<()> {
    for (name, _) in files {
        File::open(dir.join(name))?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temp_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.yaml");
        atomic_write(&p, b"one").unwrap();
        atomic_write(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn batch_writes_every_file_and_no_temp_file() {
        let d = tempfile::tempdir().unwrap();
        let files = vec![
            ("a.cer".to_string(), &b"A"[..]),
            ("b.cer".to_string(), &b"B"[..]),
        ];
        write_batch(d.path(), &files).unwrap();
        assert_eq!(fs::read(d.path().join("a.cer")).unwrap(), b"A");
        assert_eq!(fs::read(d.path().join("b.cer")).unwrap(), b"B");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_large_batch_is_written_whole_from_every_core_and_replaces_a_taken_name() {
        let d = tempfile::tempdir().unwrap();
        let contents: Vec<(String, Vec<u8>)> = (0..1000)
            .map(|i| (format!("{i:04}.cer"), format!("content {i}").into_bytes()))
            .collect();
        // One name is taken already (by other bytes): it ends up with the batch's bytes, as a rename gives.
        fs::write(d.path().join("0500.cer"), b"stale").unwrap();
        let files: Vec<(String, &[u8])> = contents
            .iter()
            .map(|(n, b)| (n.clone(), b.as_slice()))
            .collect();
        write_batch(d.path(), &files).unwrap();
        for (name, bytes) in &contents {
            assert_eq!(&fs::read(d.path().join(name)).unwrap(), bytes, "{name}");
        }
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1000);
    }
}
