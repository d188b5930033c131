//! Writing a new file into a folder in one directory operation on Linux: the bytes go into an unnamed file (`O_TMPFILE`), which is then linked under its name, so a reader never sees it half-written and no temporary name is created and renamed away.

use std::ffi::CString;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// An open folder to link new files into. Any failure (a file system without `O_TMPFILE`, no
/// `/proc`, a name already taken) is reported as "not written", and the caller writes that file
/// the portable way (a temporary name renamed into place); after a failure other than a taken
/// name the linker stops trying, so an unsupported folder costs one failed attempt.
pub(super) struct Linker {
    dir: File,
    working: bool,
}

impl Linker {
    pub(super) fn open(dir: &Path) -> Option<Linker> {
        let dir = File::open(dir).ok()?;
        Some(Linker { dir, working: true })
    }

    /// Write `bytes` as the new file `name`; `false` when it was not written (nothing is left behind).
    pub(super) fn write(&mut self, name: &str, bytes: &[u8]) -> bool {
        if !self.working {
            return false;
        }
        match self.link_new(name, bytes) {
            Ok(()) => true,
            Err(e) => {
                if e.raw_os_error() != Some(libc::EEXIST) {
                    self.working = false;
                }
                false
            }
        }
    }

    fn link_new(&self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        let name = CString::new(Path::new(name).as_os_str().as_bytes())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
        // SAFETY: openat reads the NUL-terminated path "." and the open folder descriptor, both
        // alive for the call; the descriptor it returns is owned by the File made from it.
        let fd = unsafe {
            libc::openat(
                self.dir.as_raw_fd(),
                c".".as_ptr(),
                libc::O_TMPFILE | libc::O_WRONLY | libc::O_CLOEXEC,
                0o666 as libc::c_uint,
            )
        };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `fd` was just opened above and is owned by nothing else.
        let mut file = unsafe { File::from_raw_fd(fd) };
        file.write_all(bytes)?;
        let proc_path = CString::new(format!("/proc/self/fd/{fd}"))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
        // SAFETY: both paths are NUL-terminated and alive for the call, and both descriptors
        // (the file's, named through /proc, and the folder's) are open.
        let linked = unsafe {
            libc::linkat(
                libc::AT_FDCWD,
                proc_path.as_ptr(),
                self.dir.as_raw_fd(),
                name.as_ptr(),
                libc::AT_SYMLINK_FOLLOW,
            )
        };
        if linked != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_name_is_written_and_a_taken_one_is_left_alone() {
        let d = tempfile::tempdir().unwrap();
        let Some(mut l) = Linker::open(d.path()) else {
            panic!("the folder opens");
        };
        if !l.write("a.cer", b"A") {
            // No O_TMPFILE here (e.g. an old kernel or file system): the caller renames instead.
            return;
        }
        assert_eq!(std::fs::read(d.path().join("a.cer")).unwrap(), b"A");
        // Taken: not written, and the linker keeps working for other names.
        assert!(!l.write("a.cer", b"other"));
        assert_eq!(std::fs::read(d.path().join("a.cer")).unwrap(), b"A");
        assert!(l.write("b.cer", b"B"));
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 2);
    }
}
