//! Resolving an LDAP target: the state file's `targets.directory` overlaid by `MAILSEC_LDAP_*`, the
//! password fetched from where it is named (never stored, never printed), and the safety checks.

use std::fmt;
use std::path::Path;

use crate::model::{DirectoryTarget, LdapProfile, LdapTarget};

/// A bind password. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingsError {
    #[error("{0} is set but MAILSEC_LDAP_BASE is not, and the state file has no LDAP target to take the base from; set MAILSEC_LDAP_BASE (e.g. dc=example,dc=org)")]
    MissingBase(&'static str),
    #[error("LDAP URL '{url}': {why}; use ldap://host[:port], ldaps://host[:port] or ldapi://<url-encoded socket path>")]
    BadUrl { url: String, why: String },
    #[error("MAILSEC_LDAP_PROFILE '{0}' is not a profile: use openldap or active-directory")]
    BadProfile(String),
    #[error("a bind DN ({dn}) is configured but no password: set MAILSEC_LDAP_PASSWORD or MAILSEC_LDAP_PASSWORD_FILE, or passwordEnv/passwordFile in the state file's LDAP target")]
    NoPassword { dn: String },
    #[error("the password variable {0} named by the LDAP target is not set")]
    PasswordEnvUnset(String),
    #[error("cannot read the password file {path}: {message}")]
    PasswordFile { path: String, message: String },
    #[error("refusing a simple bind to {host} without TLS: the password would cross the network in clear. Use ldaps:// or startTls: true, or set allowPlaintextBind: true (MAILSEC_LDAP_ALLOW_PLAINTEXT=1) if you accept that")]
    Plaintext { host: String },
    #[error("{name} '{value}' is not a number of {what}")]
    BadNumber {
        name: &'static str,
        value: String,
        what: &'static str,
    },
}

/// Everything needed to talk to one LDAP directory.
#[derive(Debug, Clone, PartialEq)]
pub struct LdapSettings {
    pub url: String,
    pub base: String,
    pub profile: LdapProfile,
    pub bind_dn: Option<String>,
    pub password: Option<Secret>,
    pub start_tls: bool,
    /// Absolute path of the CA PEM file.
    pub ca_file: Option<std::path::PathBuf>,
    pub mailbox_bases: Vec<String>,
    pub contacts_base: String,
    pub config_dn: String,
    pub filter: Option<String>,
    pub exclude: Vec<String>,
    pub ignored_properties: Vec<String>,
    pub page_size: i32,
    pub concurrency: usize,
}

impl LdapSettings {
    /// Resolve the target for a state whose directory target is `target`, with `env` (normally
    /// `std::env::var`) overriding it. `None` when neither the file nor the environment names LDAP.
    pub fn resolve(
        target: &DirectoryTarget,
        state_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<LdapSettings>, SettingsError> {
        let file = match target {
            DirectoryTarget::Ldap(t) => Some((**t).clone()),
            DirectoryTarget::Embedded { .. } | DirectoryTarget::ExchangeOnline(_) => None,
        };
        let env_url = env("MAILSEC_LDAP_URL").filter(|s| !s.is_empty());
        let mut t: LdapTarget = match (file, &env_url) {
            (None, None) => return Ok(None),
            (Some(t), _) => t,
            (None, Some(_)) => LdapTarget::default(),
        };
        if let Some(u) = env_url {
            t.url = u;
        }
        if let Some(b) = env("MAILSEC_LDAP_BASE").filter(|s| !s.is_empty()) {
            t.base = b;
        }
        if t.base.is_empty() {
            return Err(SettingsError::MissingBase("MAILSEC_LDAP_URL"));
        }
        if let Some(d) = env("MAILSEC_LDAP_BIND_DN").filter(|s| !s.is_empty()) {
            t.bind_dn = Some(d);
        }
        if let Some(p) = env("MAILSEC_LDAP_PROFILE").filter(|s| !s.is_empty()) {
            t.profile = match p.to_ascii_lowercase().as_str() {
                "openldap" => LdapProfile::Openldap,
                "active-directory" | "ad" | "activedirectory" => LdapProfile::ActiveDirectory,
                _ => return Err(SettingsError::BadProfile(p)),
            };
        }
        if let Some(c) = env("MAILSEC_LDAP_CA_FILE").filter(|s| !s.is_empty()) {
            t.ca_file = Some(c);
        }
        if env("MAILSEC_LDAP_STARTTLS").is_some_and(|v| truthy(&v)) {
            t.start_tls = true;
        }
        if env("MAILSEC_LDAP_ALLOW_PLAINTEXT").is_some_and(|v| truthy(&v)) {
            t.allow_plaintext_bind = true;
        }
        let password = password(&t, state_dir, env)?;
        if t.bind_dn.is_some() && password.is_none() {
            return Err(SettingsError::NoPassword {
                dn: t.bind_dn.clone().unwrap_or_default(),
            });
        }
        let scheme = check_url(&t.url)?;
        if t.bind_dn.is_some() && scheme == "ldap" && !t.start_tls && !t.allow_plaintext_bind {
            let host = host_of(&t.url);
            if !is_loopback(&host) {
                return Err(SettingsError::Plaintext { host });
            }
        }
        let page_size = match env("MAILSEC_LDAP_PAGE_SIZE") {
            Some(v) => v.parse().map_err(|_| SettingsError::BadNumber {
                name: "MAILSEC_LDAP_PAGE_SIZE",
                value: v,
                what: "entries",
            })?,
            None => t.page_size.unwrap_or(500),
        };
        let concurrency = match env("MAILSEC_LDAP_CONCURRENCY") {
            Some(v) => v.parse().map_err(|_| SettingsError::BadNumber {
                name: "MAILSEC_LDAP_CONCURRENCY",
                value: v,
                what: "operations",
            })?,
            None => t.concurrency.unwrap_or(16),
        };
        let ad = t.profile == LdapProfile::ActiveDirectory;
        Ok(Some(LdapSettings {
            contacts_base: t.contacts_base.clone().unwrap_or_else(|| {
                if ad {
                    format!("OU=Contacts,{}", t.base)
                } else {
                    format!("ou=contacts,{}", t.base)
                }
            }),
            config_dn: t.config_dn.clone().unwrap_or_else(|| {
                if ad {
                    // AD keeps certificationAuthority objects only in containers, never directly
                    // under a domain or an OU: mailsec creates this container if it is missing.
                    format!("CN=mailsec-smime-config,CN=mailsec,{}", t.base)
                } else {
                    format!("cn=mailsec-smime-config,{}", t.base)
                }
            }),
            mailbox_bases: if t.mailbox_bases.is_empty() {
                vec![t.base.clone()]
            } else {
                t.mailbox_bases.clone()
            },
            ca_file: t.ca_file.as_ref().map(|c| state_dir.join(c)),
            url: t.url,
            base: t.base,
            profile: t.profile,
            bind_dn: t.bind_dn,
            password,
            start_tls: t.start_tls,
            filter: t.filter,
            exclude: t.exclude,
            ignored_properties: t.ignored_properties,
            page_size: page_size.max(1) as i32,
            concurrency: concurrency.max(1) as usize,
        }))
    }

    /// For messages: `ldap://127.0.0.1:389/ (openldap, base dc=example,dc=org, as cn=admin,...)`.
    pub fn describe(&self) -> String {
        format!(
            "LDAP {} ({}, base {}{})",
            self.url,
            self.profile.as_str(),
            self.base,
            match &self.bind_dn {
                Some(d) => format!(", bound as {d}"),
                None if self.url.starts_with("ldapi:") => ", SASL EXTERNAL".to_string(),
                None => ", anonymous".to_string(),
            }
        )
    }
}

fn truthy(v: &str) -> bool {
    matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes")
}

fn password(
    t: &LdapTarget,
    state_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Secret>, SettingsError> {
    if let Some(p) = env("MAILSEC_LDAP_PASSWORD") {
        return Ok(Some(Secret(p)));
    }
    let from_file = |path: &Path| {
        std::fs::read_to_string(path)
            .map(|s| Secret(s.lines().next().unwrap_or_default().to_string()))
            .map_err(|e| SettingsError::PasswordFile {
                path: path.display().to_string(),
                message: e.to_string(),
            })
    };
    if let Some(f) = env("MAILSEC_LDAP_PASSWORD_FILE").filter(|s| !s.is_empty()) {
        return from_file(Path::new(&f)).map(Some);
    }
    if let Some(var) = &t.password_env {
        return env(var)
            .map(|p| Some(Secret(p)))
            .ok_or_else(|| SettingsError::PasswordEnvUnset(var.clone()));
    }
    if let Some(f) = &t.password_file {
        return from_file(&state_dir.join(f)).map(Some);
    }
    Ok(None)
}

fn check_url(url: &str) -> Result<&'static str, SettingsError> {
    let bad = |why: &str| SettingsError::BadUrl {
        url: url.to_string(),
        why: why.to_string(),
    };
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("it has no scheme"))?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "ldap" => "ldap",
        "ldaps" => "ldaps",
        "ldapi" => "ldapi",
        other => return Err(bad(&format!("the scheme '{other}' is not LDAP"))),
    };
    if scheme != "ldapi" && rest.trim_end_matches('/').is_empty() {
        return Err(bad("it names no host"));
    }
    Ok(scheme)
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let hostport = rest.split('/').next().unwrap_or_default();
    if let Some(v6) = hostport.strip_prefix('[') {
        return v6.split(']').next().unwrap_or_default().to_string();
    }
    hostport.split(':').next().unwrap_or_default().to_string()
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn resolve(
        target: DirectoryTarget,
        vars: &[(&str, &str)],
    ) -> Result<Option<LdapSettings>, SettingsError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        LdapSettings::resolve(&target, Path::new("/s"), &|k| map.get(k).cloned())
    }

    #[test]
    fn embedded_without_env_is_not_ldap() {
        assert_eq!(resolve(DirectoryTarget::default(), &[]).unwrap(), None);
    }

    #[test]
    fn env_makes_an_ldap_target_and_hides_the_password() {
        let s = resolve(
            DirectoryTarget::default(),
            &[
                ("MAILSEC_LDAP_URL", "ldap://127.0.0.1:3890/"),
                ("MAILSEC_LDAP_BASE", "dc=example,dc=org"),
                ("MAILSEC_LDAP_BIND_DN", "cn=admin,dc=example,dc=org"),
                ("MAILSEC_LDAP_PASSWORD", "hunter2"),
            ],
        )
        .unwrap()
        .unwrap();
        assert_eq!(s.contacts_base, "ou=contacts,dc=example,dc=org");
        assert_eq!(s.password.as_ref().map(Secret::expose), Some("hunter2"));
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!s.describe().contains("hunter2"));
    }

    #[test]
    fn plaintext_bind_to_a_remote_host_is_refused() {
        let err = resolve(
            DirectoryTarget::default(),
            &[
                ("MAILSEC_LDAP_URL", "ldap://ldap.example.org/"),
                ("MAILSEC_LDAP_BASE", "dc=example,dc=org"),
                ("MAILSEC_LDAP_BIND_DN", "cn=admin,dc=example,dc=org"),
                ("MAILSEC_LDAP_PASSWORD", "x"),
            ],
        )
        .unwrap_err();
        assert!(matches!(err, SettingsError::Plaintext { .. }), "{err}");
        let ok = resolve(
            DirectoryTarget::default(),
            &[
                ("MAILSEC_LDAP_URL", "ldap://ldap.example.org/"),
                ("MAILSEC_LDAP_BASE", "dc=example,dc=org"),
                ("MAILSEC_LDAP_BIND_DN", "cn=admin,dc=example,dc=org"),
                ("MAILSEC_LDAP_PASSWORD", "x"),
                ("MAILSEC_LDAP_STARTTLS", "1"),
            ],
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn bind_dn_without_password_and_bad_urls_say_what_to_do() {
        let err = resolve(
            DirectoryTarget::default(),
            &[
                ("MAILSEC_LDAP_URL", "ldapi:///"),
                ("MAILSEC_LDAP_BASE", "dc=x"),
                ("MAILSEC_LDAP_BIND_DN", "cn=admin,dc=x"),
            ],
        )
        .unwrap_err();
        assert!(err.to_string().contains("MAILSEC_LDAP_PASSWORD"));
        let err = resolve(
            DirectoryTarget::default(),
            &[
                ("MAILSEC_LDAP_URL", "http://x/"),
                ("MAILSEC_LDAP_BASE", "dc=x"),
            ],
        )
        .unwrap_err();
        assert!(err.to_string().contains("'http' is not LDAP"));
    }
}
