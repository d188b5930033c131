//! Resolving an Exchange Online target: the state file's `targets.directory` / `targets.gateway` of
//! kind `exchangeOnline` overlaid by `MAILSEC_EXO_*`, the endpoint checked (no token in clear over the
//! network), and the access token read from its file or command (never stored, never printed).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::model::{DirectoryTarget, ExchangeOnlineTarget, GatewayTarget, Targets};

/// The default InvokeCommand endpoint (cmdlets.md 8.1); `{tenant}` is replaced.
pub const DEFAULT_URL: &str = "https://outlook.office365.com/adminapi/beta/{tenant}/InvokeCommand";

/// An access token. `Debug` never shows it, and nothing formats it but the Authorization header.
#[derive(Clone, PartialEq)]
pub struct Token(String);

impl Token {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// Where the token comes from: read again each time the service answers 401 (tokens expire).
#[derive(Debug, Clone, PartialEq)]
pub enum TokenSource {
    /// First line of this file.
    File(PathBuf),
    /// First line this shell command prints.
    Command(String),
}

impl fmt::Display for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::File(p) => write!(f, "the token file {}", p.display()),
            TokenSource::Command(c) => write!(f, "the token command `{c}`"),
        }
    }
}

impl TokenSource {
    /// Read the token now.
    pub fn read(&self) -> Result<Token, SettingsError> {
        let text = match self {
            TokenSource::File(p) => {
                std::fs::read_to_string(p).map_err(|e| SettingsError::TokenUnreadable {
                    source_name: self.to_string(),
                    message: e.to_string(),
                })?
            }
            TokenSource::Command(c) => {
                let out = std::process::Command::new("sh")
                    .arg("-c")
                    .arg(c)
                    .stdin(std::process::Stdio::null())
                    .output()
                    .map_err(|e| SettingsError::TokenUnreadable {
                        source_name: self.to_string(),
                        message: e.to_string(),
                    })?;
                if !out.status.success() {
                    // Its stderr is not echoed: a token helper may print secrets there.
                    return Err(SettingsError::TokenUnreadable {
                        source_name: self.to_string(),
                        message: format!("it exited with {}", out.status),
                    });
                }
                String::from_utf8_lossy(&out.stdout).into_owned()
            }
        };
        let token = text.lines().next().unwrap_or_default().trim().to_string();
        let token = token.strip_prefix("Bearer ").unwrap_or(&token).trim();
        if token.is_empty() {
            return Err(SettingsError::TokenEmpty(self.to_string()));
        }
        if token.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(SettingsError::TokenUnreadable {
                source_name: self.to_string(),
                message: "its first line is not a token (it holds spaces or control characters)"
                    .into(),
            });
        }
        Ok(Token(token.to_string()))
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingsError {
    #[error("the Exchange Online target has no tenant: set `tenant` in the state file's target or MAILSEC_EXO_TENANT (e.g. contoso.onmicrosoft.com)")]
    NoTenant,
    #[error("the tenant '{0}' cannot go in a URL path: give the tenant's domain (contoso.onmicrosoft.com) or its id (a GUID)")]
    BadTenant(String),
    #[error("the Exchange Online endpoint '{url}': {why}; give the InvokeCommand URL, e.g. {DEFAULT_URL}")]
    BadUrl { url: String, why: String },
    #[error("refusing to send the access token to {host} over plain http: it would cross the network in clear. Use https:// (plain http is accepted only to the loopback, for tests)")]
    Plaintext { host: String },
    #[error("the Exchange Online target names no access token: set tokenFile or tokenCommand in the state file's target, or MAILSEC_EXO_TOKEN_FILE or MAILSEC_EXO_TOKEN_COMMAND")]
    NoToken,
    #[error("cannot read the access token from {source_name}: {message}")]
    TokenUnreadable {
        source_name: String,
        message: String,
    },
    #[error("{0} gave an empty access token; get a token for https://outlook.office365.com (see `mailsec permissions`)")]
    TokenEmpty(String),
    #[error("MAILSEC_EXO_PAGE_SIZE '{0}' is not a number of objects from 1 to 1000")]
    BadPageSize(String),
    #[error("both MAILSEC_EXO_TENANT and MAILSEC_LDAP_URL are set: the directory can be Exchange Online or an LDAP directory, not both. Unset one of them")]
    BothEnvironments,
}

/// How long mailsec waits when the service asks it to (bounded: it never waits without end).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries of a request answered 429 (or 502/503/504) before giving up.
    pub throttle_retries: u32,
    /// The longest single wait mailsec accepts; a longer Retry-After is reported, not waited.
    pub max_wait: Duration,
    /// Retries of a "not found" on an object created moments before (directory replication).
    pub replication_retries: u32,
    /// The first replication wait; each next one doubles.
    pub replication_first_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            throttle_retries: 5,
            max_wait: Duration::from_secs(60),
            replication_retries: 6,
            replication_first_wait: Duration::from_millis(250),
        }
    }
}

/// Everything needed to talk to one tenant's admin API.
#[derive(Debug, Clone, PartialEq)]
pub struct ExoSettings {
    pub tenant: String,
    /// The InvokeCommand URL, `{tenant}` replaced.
    pub url: String,
    pub token: TokenSource,
    /// `Prefer: odata.maxpagesize` (1..=1000).
    pub page_size: u32,
    pub retry: RetryPolicy,
}

/// Which slot of the state's targets a backend fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Directory,
    Gateway,
}

impl ExoSettings {
    /// The settings for `slot`, or `None` when neither the state file's target for that slot nor
    /// `MAILSEC_EXO_TENANT` names Exchange Online. With `MAILSEC_EXO_TENANT` set, both slots are
    /// Exchange Online (the state file's EXO target of either slot gives the other settings).
    pub fn resolve(
        targets: &Targets,
        slot: Slot,
        state_dir: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<ExoSettings>, SettingsError> {
        let get = |k: &str| env(k).filter(|s| !s.trim().is_empty());
        let dir = match &targets.directory {
            DirectoryTarget::ExchangeOnline(t) => Some(t),
            _ => None,
        };
        let gw = match &targets.gateway {
            GatewayTarget::ExchangeOnline(t) => Some(t),
            _ => None,
        };
        let (own, other) = match slot {
            Slot::Directory => (dir, gw),
            Slot::Gateway => (gw, dir),
        };
        let env_tenant = get("MAILSEC_EXO_TENANT");
        if env_tenant.is_some() && get("MAILSEC_LDAP_URL").is_some() {
            return Err(SettingsError::BothEnvironments);
        }
        let mut t: ExchangeOnlineTarget = match (own, &env_tenant) {
            (Some(t), _) => t.clone(),
            (None, Some(_)) => other.cloned().unwrap_or_default(),
            (None, None) => return Ok(None),
        };
        if let Some(x) = env_tenant {
            t.tenant = x.trim().to_string();
        }
        if let Some(u) = get("MAILSEC_EXO_URL") {
            t.url = Some(u.trim().to_string());
        }
        let token = match (
            get("MAILSEC_EXO_TOKEN_FILE"),
            get("MAILSEC_EXO_TOKEN_COMMAND"),
        ) {
            (Some(f), _) => TokenSource::File(PathBuf::from(f)),
            (None, Some(c)) => TokenSource::Command(c),
            (None, None) => match (&t.token_file, &t.token_command) {
                (Some(f), _) => TokenSource::File(state_dir.join(f)),
                (None, Some(c)) => TokenSource::Command(c.clone()),
                (None, None) => return Err(SettingsError::NoToken),
            },
        };
        let page_size = match get("MAILSEC_EXO_PAGE_SIZE") {
            Some(v) => v
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or(SettingsError::BadPageSize(v))?,
            None => t.page_size.unwrap_or(1000).clamp(1, 1000),
        };
        if t.tenant.trim().is_empty() {
            return Err(SettingsError::NoTenant);
        }
        if t.tenant
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "/?#%\\{}".contains(c))
        {
            return Err(SettingsError::BadTenant(t.tenant));
        }
        let url = t
            .url
            .clone()
            .unwrap_or_else(|| DEFAULT_URL.to_string())
            .replace("{tenant}", &t.tenant);
        check_url(&url)?;
        Ok(Some(ExoSettings {
            tenant: t.tenant,
            url,
            token,
            page_size,
            retry: RetryPolicy::default(),
        }))
    }

    /// For messages: `Exchange Online (tenant contoso.onmicrosoft.com at https://…)`.
    pub fn describe(&self) -> String {
        format!("Exchange Online (tenant {} at {})", self.tenant, self.url)
    }
}

fn check_url(url: &str) -> Result<(), SettingsError> {
    let bad = |why: &str| SettingsError::BadUrl {
        url: url.to_string(),
        why: why.to_string(),
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
    let host = parsed
        .host_str()
        .ok_or_else(|| bad("it names no host"))?
        .to_string();
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("it carries a user name or password"));
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(&host) => Ok(()),
        "http" => Err(SettingsError::Plaintext { host }),
        other => Err(bad(&format!("the scheme '{other}' is not https"))),
    }
}

pub(crate) fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn resolve(
        targets: &Targets,
        slot: Slot,
        vars: &[(&str, &str)],
    ) -> Result<Option<ExoSettings>, SettingsError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ExoSettings::resolve(targets, slot, Path::new("/s"), &|k| map.get(k).cloned())
    }

    fn exo(tenant: &str) -> ExchangeOnlineTarget {
        ExchangeOnlineTarget {
            tenant: tenant.into(),
            token_file: Some("token".into()),
            ..ExchangeOnlineTarget::default()
        }
    }

    #[test]
    fn embedded_targets_without_env_are_not_exchange_online() {
        let t = Targets::default();
        assert_eq!(resolve(&t, Slot::Directory, &[]).unwrap(), None);
        assert_eq!(resolve(&t, Slot::Gateway, &[]).unwrap(), None);
    }

    #[test]
    fn file_target_gives_the_default_url_and_a_relative_token_file() {
        let t = Targets {
            directory: DirectoryTarget::ExchangeOnline(exo("contoso.onmicrosoft.com")),
            ..Targets::default()
        };
        let s = resolve(&t, Slot::Directory, &[]).unwrap().unwrap();
        assert_eq!(
            s.url,
            "https://outlook.office365.com/adminapi/beta/contoso.onmicrosoft.com/InvokeCommand"
        );
        assert_eq!(s.token, TokenSource::File(PathBuf::from("/s/token")));
        assert_eq!(s.page_size, 1000);
        assert_eq!(resolve(&t, Slot::Gateway, &[]).unwrap(), None);
        assert!(s
            .describe()
            .contains("tenant contoso.onmicrosoft.com at https://"));
    }

    #[test]
    fn env_tenant_makes_both_slots_exchange_online() {
        let env = [
            ("MAILSEC_EXO_TENANT", "t.onmicrosoft.com"),
            (
                "MAILSEC_EXO_URL",
                "http://127.0.0.1:8080/adminapi/beta/{tenant}/InvokeCommand",
            ),
            ("MAILSEC_EXO_TOKEN_COMMAND", "cat tok"),
            ("MAILSEC_EXO_PAGE_SIZE", "250"),
        ];
        for slot in [Slot::Directory, Slot::Gateway] {
            let s = resolve(&Targets::default(), slot, &env).unwrap().unwrap();
            assert_eq!(
                s.url,
                "http://127.0.0.1:8080/adminapi/beta/t.onmicrosoft.com/InvokeCommand"
            );
            assert_eq!(s.token, TokenSource::Command("cat tok".into()));
            assert_eq!(s.page_size, 250);
        }
    }

    #[test]
    fn plain_http_to_a_remote_host_is_refused() {
        let err = resolve(
            &Targets::default(),
            Slot::Directory,
            &[
                ("MAILSEC_EXO_TENANT", "t"),
                ("MAILSEC_EXO_URL", "http://exo.example.com/InvokeCommand"),
                ("MAILSEC_EXO_TOKEN_FILE", "/tok"),
            ],
        )
        .unwrap_err();
        assert!(matches!(err, SettingsError::Plaintext { .. }), "{err}");
        assert!(err.to_string().contains("in clear"));
        for ok in [
            "http://localhost:1/x",
            "http://[::1]:1/x",
            "https://exo.example.com/x",
        ] {
            resolve(
                &Targets::default(),
                Slot::Directory,
                &[
                    ("MAILSEC_EXO_TENANT", "t"),
                    ("MAILSEC_EXO_URL", ok),
                    ("MAILSEC_EXO_TOKEN_FILE", "/tok"),
                ],
            )
            .unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
    }

    #[test]
    fn missing_token_bad_tenant_and_both_environments_say_what_to_do() {
        let err = resolve(
            &Targets::default(),
            Slot::Gateway,
            &[("MAILSEC_EXO_TENANT", "t")],
        )
        .unwrap_err();
        assert!(err.to_string().contains("MAILSEC_EXO_TOKEN_FILE"), "{err}");
        let err = resolve(
            &Targets::default(),
            Slot::Gateway,
            &[
                ("MAILSEC_EXO_TENANT", "a/b"),
                ("MAILSEC_EXO_TOKEN_FILE", "/t"),
            ],
        )
        .unwrap_err();
        assert!(matches!(err, SettingsError::BadTenant(_)));
        let err = resolve(
            &Targets::default(),
            Slot::Directory,
            &[
                ("MAILSEC_EXO_TENANT", "t"),
                ("MAILSEC_EXO_TOKEN_FILE", "/t"),
                ("MAILSEC_LDAP_URL", "ldap://127.0.0.1/"),
            ],
        )
        .unwrap_err();
        assert_eq!(err, SettingsError::BothEnvironments);
        assert!(err.to_string().contains("Unset one"));
    }

    #[test]
    fn tokens_are_read_fresh_and_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("tok");
        std::fs::write(&f, "eyJ0eXAi.secret-one\n").unwrap();
        let src = TokenSource::File(f.clone());
        let t = src.read().unwrap();
        assert_eq!(t.expose(), "eyJ0eXAi.secret-one");
        assert!(!format!("{t:?}").contains("secret"));
        std::fs::write(&f, "Bearer secret-two\n").unwrap();
        assert_eq!(src.read().unwrap().expose(), "secret-two");
        std::fs::write(&f, "\n").unwrap();
        assert!(matches!(src.read(), Err(SettingsError::TokenEmpty(_))));
        let cmd = TokenSource::Command("printf 'abc.def\\n'".into());
        assert_eq!(cmd.read().unwrap().expose(), "abc.def");
        let failing = TokenSource::Command("echo secret-thr\"\"ee >&2; exit 3".into());
        let err = failing.read().unwrap_err().to_string();
        assert!(!err.contains("secret-three"), "{err}");
    }
}
