//! Resolving a Postfix target: the state file's `targets.gateway` overlaid by `MAILSEC_POSTFIX_DIR` and
//! `MAILSEC_POSTFIX_RELOAD`, paths made absolute against the state file's folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::model::{GatewayTarget, PostfixTarget};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostfixSettingsError {
    #[error("the Postfix target has no configDir: name the Postfix config directory (as for `postconf -c`), or set MAILSEC_POSTFIX_DIR")]
    NoConfigDir,
    #[error("the Postfix config directory {dir} has no main.cf: is it a Postfix config directory? (an empty main.cf is enough for a new one)")]
    NoMainCf { dir: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct PostfixSettings {
    pub config_dir: PathBuf,
    pub reload_command: Option<String>,
    pub command_dir: Option<PathBuf>,
    /// Certificate files by TlsSenderCertificateName.
    pub client_certificates: BTreeMap<String, Vec<PathBuf>>,
}

impl PostfixSettings {
    /// `None` when neither the state file nor the environment names a Postfix gateway.
    pub fn resolve(
        target: &GatewayTarget,
        state_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<PostfixSettings>, PostfixSettingsError> {
        let file = match target {
            GatewayTarget::Postfix(t) => Some((**t).clone()),
            GatewayTarget::Embedded { .. } | GatewayTarget::ExchangeOnline(_) => None,
        };
        let env_dir = env("MAILSEC_POSTFIX_DIR").filter(|s| !s.is_empty());
        let mut t: PostfixTarget = match (file, &env_dir) {
            (None, None) => return Ok(None),
            (Some(t), _) => t,
            (None, Some(_)) => PostfixTarget::default(),
        };
        if let Some(d) = env_dir {
            t.config_dir = d;
        }
        if let Some(r) = env("MAILSEC_POSTFIX_RELOAD").filter(|s| !s.is_empty()) {
            t.reload_command = Some(r);
        }
        if t.config_dir.trim().is_empty() {
            return Err(PostfixSettingsError::NoConfigDir);
        }
        let config_dir = state_dir.join(&t.config_dir);
        if !config_dir.join("main.cf").is_file() {
            return Err(PostfixSettingsError::NoMainCf {
                dir: config_dir.display().to_string(),
            });
        }
        Ok(Some(PostfixSettings {
            config_dir,
            reload_command: t.reload_command,
            command_dir: t.command_dir.map(|d| state_dir.join(d)),
            client_certificates: t
                .client_certificates
                .into_iter()
                .map(|(name, files)| {
                    (
                        name.to_ascii_lowercase(),
                        files.iter().map(|f| state_dir.join(f)).collect(),
                    )
                })
                .collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn environment_selects_and_overrides() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("main.cf"), "").expect("main.cf");
        let d = dir.path().display().to_string();
        let leaked: &'static str = Box::leak(d.into_boxed_str());
        let pairs: &'static [(&str, &str)] = Box::leak(Box::new([
            ("MAILSEC_POSTFIX_DIR", leaked),
            ("MAILSEC_POSTFIX_RELOAD", "postfix reload"),
        ]));
        let s = PostfixSettings::resolve(&GatewayTarget::default(), Path::new("/x"), &env(pairs))
            .expect("ok")
            .expect("postfix");
        assert_eq!(s.config_dir, dir.path());
        assert_eq!(s.reload_command.as_deref(), Some("postfix reload"));
        assert_eq!(
            PostfixSettings::resolve(&GatewayTarget::default(), Path::new("/x"), &env(&[])),
            Ok(None)
        );
    }

    #[test]
    fn a_dir_without_main_cf_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let t = GatewayTarget::Postfix(Box::new(PostfixTarget {
            config_dir: "conf".into(),
            ..PostfixTarget::default()
        }));
        let e = PostfixSettings::resolve(&t, dir.path(), &env(&[])).expect_err("no main.cf");
        assert!(e.to_string().contains("has no main.cf"), "{e}");
    }
}
