//! Where the REPL keeps its history: `MAILSEC_HISTORY`, else the user's data dir
//! (`$XDG_DATA_HOME/mailsec/history`, else `~/.local/share/mailsec/history`).

use std::ffi::OsString;
use std::path::PathBuf;

/// The history file for this user, `None` when no location is known (history is then kept in memory).
pub fn path() -> Option<PathBuf> {
    location(|k| std::env::var_os(k))
}

fn location(env: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let var = |k: &str| env(k).filter(|v| !v.is_empty());
    if let Some(p) = var("MAILSEC_HISTORY") {
        return Some(PathBuf::from(p));
    }
    // The XDG spec: a relative XDG_DATA_HOME is invalid and is ignored.
    if let Some(x) = var("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
    {
        return Some(x.join("mailsec").join("history"));
    }
    if cfg!(windows) {
        if let Some(a) = var("APPDATA") {
            return Some(PathBuf::from(a).join("mailsec").join("history"));
        }
    }
    let home = PathBuf::from(var("HOME")?);
    Some(if cfg!(target_os = "macos") {
        home.join("Library/Application Support/mailsec/history")
    } else {
        home.join(".local/share/mailsec/history")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> Option<PathBuf> {
        location(|k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn override_then_xdg_then_home() {
        assert_eq!(
            with(&[("MAILSEC_HISTORY", "/tmp/h"), ("HOME", "/home/jo")]),
            Some(PathBuf::from("/tmp/h"))
        );
        assert_eq!(
            with(&[("XDG_DATA_HOME", "/data"), ("HOME", "/home/jo")]),
            Some(PathBuf::from("/data/mailsec/history"))
        );
        if !cfg!(any(windows, target_os = "macos")) {
            assert_eq!(
                with(&[("XDG_DATA_HOME", "relative"), ("HOME", "/home/jo")]),
                Some(PathBuf::from("/home/jo/.local/share/mailsec/history"))
            );
            assert_eq!(
                with(&[("MAILSEC_HISTORY", ""), ("HOME", "/home/jo")]),
                Some(PathBuf::from("/home/jo/.local/share/mailsec/history"))
            );
            assert_eq!(with(&[]), None);
        }
    }
}
