//! Backend targets named in the state file: where plan/apply read and write. Never holds a secret.

use serde::{Deserialize, Serialize};

/// Default embedded backend files, relative to the state file's folder.
pub const DEFAULT_DIRECTORY_PATH: &str = "embedded/directory.yaml";
pub const DEFAULT_GATEWAY_PATH: &str = "embedded/gateway.yaml";

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Targets {
    /// Holds mailboxes, mail contacts and the organization S/MIME config.
    #[serde(default, skip_serializing_if = "DirectoryTarget::is_default")]
    pub directory: DirectoryTarget,
    /// Holds the connectors' TLS policy.
    #[serde(default, skip_serializing_if = "GatewayTarget::is_default")]
    pub gateway: GatewayTarget,
}

impl Targets {
    pub fn is_default(&self) -> bool {
        *self == Targets::default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum DirectoryTarget {
    /// A directory kept in a plain file beside the state file: zero setup.
    Embedded {
        /// Path of the directory file, relative to the state file's folder.
        #[serde(default = "default_directory_path")]
        path: String,
    },
    /// A real LDAP directory: OpenLDAP or Active Directory (incl. Samba AD).
    Ldap(Box<LdapTarget>),
    /// An Exchange Online tenant's mailboxes, mail contacts and S/MIME config, through its admin API.
    ExchangeOnline(ExchangeOnlineTarget),
}

/// Which schema the directory speaks.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum LdapProfile {
    /// inetOrgPerson, `userCertificate;binary`, `userSMIMECertificate`; contacts are entries mailsec owns.
    #[default]
    Openldap,
    /// user/contact objects, `mail`, `proxyAddresses`, `targetAddress`, `mailNickname`, `userCertificate`.
    ActiveDirectory,
}

impl LdapProfile {
    pub fn as_str(self) -> &'static str {
        match self {
            LdapProfile::Openldap => "openldap",
            LdapProfile::ActiveDirectory => "active-directory",
        }
    }
}

/// Where an LDAP directory is and how mailsec binds to it. The password is never stored here: it comes
/// from an environment variable or a file named below (or `MAILSEC_LDAP_PASSWORD[_FILE]`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LdapTarget {
    /// `ldap://host[:port]`, `ldaps://host[:port]` or `ldapi://<url-encoded socket path>`.
    pub url: String,
    /// The naming context mailsec reads and writes under, e.g. `dc=example,dc=org`.
    pub base: String,
    #[serde(default)]
    pub profile: LdapProfile,
    /// Simple bind DN (AD also takes `user@realm`). Without it, ldapi:// binds with SASL EXTERNAL
    /// and other URLs bind anonymously.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_dn: Option<String>,
    /// Name of the environment variable holding the bind password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
    /// File holding the bind password (first line), relative to the state file's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_file: Option<String>,
    /// Upgrade an `ldap://` connection with StartTLS.
    #[serde(default, skip_serializing_if = "is_false")]
    pub start_tls: bool,
    /// PEM file of the CA that issued the server's certificate (else the system roots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
    /// Allow a simple bind without TLS to a host that is not the loopback. Off by default.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_plaintext_bind: bool,
    /// Subtrees mailboxes are read from (default: the base). Scopes what plan reads and touches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mailbox_bases: Vec<String>,
    /// Where mailsec creates mail contacts (default `ou=contacts,<base>` / `OU=Contacts,<base>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts_base: Option<String>,
    /// The entry holding the organization S/MIME config (default `cn=mailsec-smime-config,<base>`;
    /// on AD `CN=mailsec-smime-config,CN=mailsec,<base>`, since AD puts a certificationAuthority only
    /// under a container).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_dn: Option<String>,
    /// An extra LDAP filter mailboxes must match, e.g. `(departmentNumber=42)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Subtrees never read or touched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// Properties (Exchange names, e.g. `DisplayName`) mailsec neither compares nor writes here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored_properties: Vec<String>,
    /// Entries per page of a paged search (default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    /// Write operations in flight at once (default 16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum GatewayTarget {
    /// A gateway TLS policy kept in a plain file beside the state file: zero setup.
    Embedded {
        #[serde(default = "default_gateway_path")]
        path: String,
    },
    /// A Postfix mail gateway: mailsec writes its own lookup tables in the config directory and the
    /// few main.cf keys that use them (with `postconf -c DIR -e`), then `postmap`s and reloads.
    Postfix(Box<PostfixTarget>),
    /// An Exchange Online tenant's inbound and outbound connectors, through its admin API.
    ExchangeOnline(ExchangeOnlineTarget),
}

/// Where a Postfix configuration is and how mailsec makes Postfix take up a change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PostfixTarget {
    /// The Postfix config directory (as for `postconf -c`), e.g. `/etc/postfix`; relative paths are
    /// taken from the state file's folder.
    pub config_dir: String,
    /// A command run (with `sh -c`) after the tables and main.cf changed, e.g. `postfix reload`.
    /// Without it mailsec does not reload: the plan and apply say so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reload_command: Option<String>,
    /// Folder of the `postconf`/`postmap`/`postfix` programs (default: `/usr/sbin`, then PATH).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_dir: Option<String>,
    /// Certificates inbound partners present, by the inbound connector's TlsSenderCertificateName:
    /// PEM or DER files (relative to the state file's folder). Postfix checks client certificates by
    /// fingerprint only, so a connector naming a certificate needs its file here.
    #[serde(
        default,
        skip_serializing_if = "std::collections::BTreeMap::is_empty",
        deserialize_with = "unique_keys"
    )]
    pub client_certificates: std::collections::BTreeMap<String, Vec<String>>,
}

/// A map that refuses a key given twice, as a YAML mapping read on its own does (the state loader
/// reads a document once, typed, and relies on the typed read refusing what the untyped one would).
fn unique_keys<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<std::collections::BTreeMap<String, Vec<String>>, D::Error> {
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = std::collections::BTreeMap<String, Vec<String>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Self::Value::new();
            while let Some(key) = m.next_key::<String>()? {
                if out.contains_key(&key) {
                    return Err(serde::de::Error::custom(format!(
                        "duplicate entry with key {key:?}"
                    )));
                }
                let value = m.next_value()?;
                out.insert(key, value);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Visitor)
}

/// Where an Exchange Online tenant's admin API is and where its access token comes from. The token
/// itself is never stored here: it is read from the file or printed by the command named below (or
/// `MAILSEC_EXO_TOKEN_FILE` / `MAILSEC_EXO_TOKEN_COMMAND`), and read again when the service answers 401.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExchangeOnlineTarget {
    /// The tenant: its domain (`contoso.onmicrosoft.com`) or its id (a GUID).
    pub tenant: String,
    /// The InvokeCommand endpoint; `{tenant}` in it is replaced by the tenant. Default
    /// `https://outlook.office365.com/adminapi/beta/{tenant}/InvokeCommand`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// File holding an Entra ID access token for `https://outlook.office365.com` (first line),
    /// relative to the state file's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_file: Option<String>,
    /// Shell command printing such a token on its first line (e.g. `az account get-access-token
    /// --resource https://outlook.office365.com --query accessToken -o tsv`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_command: Option<String>,
    /// Objects per page of a Get-* (`Prefer: odata.maxpagesize`, 1 to 1000; default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
}

fn default_directory_path() -> String {
    DEFAULT_DIRECTORY_PATH.to_string()
}
fn default_gateway_path() -> String {
    DEFAULT_GATEWAY_PATH.to_string()
}

impl Default for DirectoryTarget {
    fn default() -> Self {
        DirectoryTarget::Embedded {
            path: default_directory_path(),
        }
    }
}
impl DirectoryTarget {
    fn is_default(&self) -> bool {
        *self == DirectoryTarget::default()
    }
}
impl Default for GatewayTarget {
    fn default() -> Self {
        GatewayTarget::Embedded {
            path: default_gateway_path(),
        }
    }
}
impl GatewayTarget {
    fn is_default(&self) -> bool {
        *self == GatewayTarget::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_certificate_named_twice_is_refused_typed_as_untyped() {
        let yaml = "configDir: /etc/postfix\nclientCertificates:\n  a: [x.pem]\n  a: [y.pem]\n";
        let untyped = serde_norway::from_str::<serde_norway::Value>(yaml).unwrap_err();
        let typed = serde_norway::from_str::<PostfixTarget>(yaml).unwrap_err();
        assert!(untyped
            .to_string()
            .contains("duplicate entry with key \"a\""));
        assert!(typed.to_string().contains("duplicate entry with key \"a\""));
        let once = "configDir: /etc/postfix\nclientCertificates:\n  a: [x.pem]\n  b: []\n";
        let t: PostfixTarget = serde_norway::from_str(once).unwrap();
        assert_eq!(t.client_certificates.len(), 2);
    }
}
