//! The state lock: one writer at a time; the lock file names its holder (id, pid, host, time, operation).
//! A lock whose process is gone on this same host is taken over with a notice; any other needs `mailsec force-unlock ID`.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockInfo {
    pub id: Uuid,
    pub pid: u32,
    pub host: String,
    /// RFC 3339, when the lock was taken.
    pub created: String,
    pub operation: String,
}

impl std::fmt::Display for LockInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "lock ID {}, held by pid {} on host '{}' for '{}' since {}",
            self.id, self.pid, self.host, self.operation, self.created
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("the state is locked ({info}).\nWait for that run to finish. If you are sure it is gone, run: mailsec force-unlock {}", .info.id)]
    Held { info: LockInfo },
    #[error("{}: the lock file is unreadable ({message}); if no mailsec is running, delete it by hand", .path.display())]
    Unreadable { path: PathBuf, message: String },
    #[error("{}: cannot create the lock: {source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("there is no lock on this state (nothing to unlock)")]
    NotLocked,
    #[error("the lock ID does not match: the state is locked with {}; pass that ID to force-unlock", .info.id)]
    WrongId { info: LockInfo },
}

/// Removes the lock file when dropped.
#[derive(Debug)]
pub struct LockGuard {
    path: PathBuf,
    id: Uuid,
}

impl LockGuard {
    pub fn id(&self) -> Uuid {
        self.id
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Only remove the file if it is still ours (a force-unlock may have replaced it).
        if read_info(&self.path).is_ok_and(|i| i.id == self.id) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn this_host() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

fn read_info(path: &Path) -> Result<LockInfo, LockError> {
    let text = fs::read_to_string(path).map_err(|e| LockError::Unreadable {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    serde_json::from_str(&text).map_err(|e| LockError::Unreadable {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Is process `pid` alive on this host?
fn alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: kill with signal 0 only checks for existence and permission.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Take the lock at `path`. Returns a notice when a dead holder's lock was taken over.
pub fn acquire(path: &Path, operation: &str) -> Result<(LockGuard, Option<String>), LockError> {
    let mut notice = None;
    // A state file in a folder that does not exist yet: the folder is made for it.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| LockError::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
    }
    for _ in 0..3 {
        let info = LockInfo {
            id: Uuid::new_v4(),
            pid: std::process::id(),
            host: this_host(),
            created: crate::clock::now_rfc3339(),
            operation: operation.to_string(),
        };
        match OpenOptions::new().write(true).create_new(true).open(path) {
            Ok(mut f) => {
                let body = serde_json::to_string_pretty(&info).unwrap_or_default();
                f.write_all(body.as_bytes())
                    .and_then(|_| f.sync_all())
                    .map_err(|e| LockError::Io {
                        path: path.to_path_buf(),
                        source: e,
                    })?;
                return Ok((
                    LockGuard {
                        path: path.to_path_buf(),
                        id: info.id,
                    },
                    notice,
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let held = read_info(path)?;
                if held.host == this_host() && !alive(held.pid) {
                    fs::remove_file(path).map_err(|e| LockError::Io {
                        path: path.to_path_buf(),
                        source: e,
                    })?;
                    notice = Some(format!(
                        "notice: took over a stale lock ({held}): that process is no longer running"
                    ));
                    continue;
                }
                return Err(LockError::Held { info: held });
            }
            Err(e) => {
                return Err(LockError::Io {
                    path: path.to_path_buf(),
                    source: e,
                })
            }
        }
    }
    Err(LockError::Unreadable {
        path: path.to_path_buf(),
        message: "the lock kept changing while mailsec tried to take it".into(),
    })
}

/// Remove the lock at `path` if its ID is `id`.
pub fn force_unlock(path: &Path, id: &str) -> Result<LockInfo, LockError> {
    if !path.exists() {
        return Err(LockError::NotLocked);
    }
    let info = read_info(path)?;
    if info.id.to_string() != id.trim() {
        return Err(LockError::WrongId { info });
    }
    fs::remove_file(path).map_err(|e| LockError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_is_refused_and_named() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s.lock");
        let (g, _) = acquire(&p, "apply").unwrap();
        match acquire(&p, "apply") {
            Err(LockError::Held { info }) => {
                assert_eq!(info.pid, std::process::id());
                assert_eq!(info.id, g.id());
            }
            other => panic!("expected Held, got {other:?}"),
        }
        drop(g);
        assert!(!p.exists());
    }

    #[test]
    fn dead_holder_on_this_host_is_taken_over() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s.lock");
        let dead = LockInfo {
            id: Uuid::new_v4(),
            pid: u32::MAX - 7,
            host: this_host(),
            created: "2026-01-01T00:00:00Z".into(),
            operation: "apply".into(),
        };
        fs::write(&p, serde_json::to_string(&dead).unwrap()).unwrap();
        let (_g, notice) = acquire(&p, "run").unwrap();
        assert!(notice.unwrap().contains("stale lock"));
    }

    #[test]
    fn other_host_needs_force_unlock_with_the_right_id() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s.lock");
        let other = LockInfo {
            id: Uuid::new_v4(),
            pid: 1,
            host: "elsewhere.example".into(),
            created: "2026-01-01T00:00:00Z".into(),
            operation: "apply".into(),
        };
        fs::write(&p, serde_json::to_string(&other).unwrap()).unwrap();
        assert!(matches!(acquire(&p, "run"), Err(LockError::Held { .. })));
        assert!(matches!(
            force_unlock(&p, "nope"),
            Err(LockError::WrongId { .. })
        ));
        force_unlock(&p, &other.id.to_string()).unwrap();
        assert!(acquire(&p, "run").is_ok());
    }
}
