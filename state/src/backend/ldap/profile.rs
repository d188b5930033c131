//! What each LDAP profile calls things: the attribute every managed property lives in, object classes,
//! search filters, the id attribute and how mailsec marks the entries it owns.

use crate::model::{LdapProfile, ObjectKind};

/// How a property's value is carried in its attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carry {
    /// One string (single-valued, or the first value when the attribute is multi-valued).
    Text,
    /// A set of strings (e.g. proxyAddresses): changed with add/delete of single values.
    TextSet,
    /// An address the model keeps as `SMTP:addr` and the attribute as a bare `addr` (OpenLDAP `mail`).
    BareAddress,
    /// Certificates or S/MIME blobs: binary values compared by their bytes.
    Certs,
    /// Binary values on an attribute without an equality rule: always written with replace.
    CertsReplaceOnly,
}

/// One managed property and where it lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttrMap {
    pub property: &'static str,
    pub attribute: &'static str,
    pub carry: Carry,
}

const fn map(property: &'static str, attribute: &'static str, carry: Carry) -> AttrMap {
    AttrMap {
        property,
        attribute,
        carry,
    }
}

/// The marker mailsec writes on entries it creates: `mailsec-owned:<Guid>`. The Guid in it is the
/// object's id in the desired state; entries without it are never deleted or pruned.
pub const OWNED_PREFIX: &str = "mailsec-owned:";
/// The value prefix of the S/MIME config entry's settings (one JSON object).
pub const CONFIG_PREFIX: &str = "mailsec-smime-config:";

/// The most characters (UTF-16 units) AD takes in one `description` value (its rangeUpper; Samba
/// answers "Invalid syntax (21)" to a longer one).
const DESCRIPTION_MAX: usize = 1024;

/// The config entry's settings JSON as `description` values: `mailsec-smime-config:{...}` when that
/// fits in one value AD takes, else parts `mailsec-smime-config:<i>/<n>:<part>` (the attribute is
/// multi-valued and unordered, so each part says where it goes).
pub fn config_values(json: &str) -> Vec<String> {
    let units = |s: &str| s.encode_utf16().count();
    let whole = format!("{CONFIG_PREFIX}{json}");
    if units(&whole) <= DESCRIPTION_MAX {
        return vec![whole];
    }
    // Room for the prefix and an `<i>/<n>:` of up to 999 parts.
    let room = DESCRIPTION_MAX - units(CONFIG_PREFIX) - 8;
    let mut parts = vec![String::new()];
    let mut used = 0;
    for ch in json.chars() {
        if used + ch.len_utf16() > room {
            parts.push(String::new());
            used = 0;
        }
        used += ch.len_utf16();
        if let Some(last) = parts.last_mut() {
            last.push(ch);
        }
    }
    let n = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, part)| format!("{CONFIG_PREFIX}{}/{n}:{part}", i + 1))
        .collect()
}

/// The settings JSON from the config entry's `description` values (other values are ignored):
/// `None` when there is none; an error when parts are missing or disagree.
pub fn config_json(values: &[String]) -> Result<Option<String>, String> {
    let mut parts: Vec<(usize, usize, &str)> = Vec::new();
    for v in values {
        let Some(rest) = v.strip_prefix(CONFIG_PREFIX) else {
            continue;
        };
        if rest.starts_with('{') {
            return Ok(Some(rest.to_string()));
        }
        let part = rest.split_once(':').and_then(|(pos, part)| {
            let (i, n) = pos.split_once('/')?;
            Some((i.parse().ok()?, n.parse().ok()?, part))
        });
        match part {
            Some(p) => parts.push(p),
            None => {
                return Err(format!(
                    "the value '{CONFIG_PREFIX}{}…' is neither JSON nor a numbered part",
                    rest.chars().take(12).collect::<String>()
                ))
            }
        }
    }
    if parts.is_empty() {
        return Ok(None);
    }
    parts.sort_by_key(|p| p.0);
    let n = parts[0].1;
    let complete = parts.len() == n
        && parts
            .iter()
            .enumerate()
            .all(|(k, &(i, count, _))| i == k + 1 && count == n);
    if !complete {
        return Err(format!(
            "its settings are split into {n} parts, but the parts present are {:?}",
            parts
                .iter()
                .map(|p| format!("{}/{}", p.0, p.1))
                .collect::<Vec<_>>()
        ));
    }
    Ok(Some(parts.iter().map(|p| p.2).collect()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    pub kind: LdapProfile,
}

const OPENLDAP_MAILBOX: &[AttrMap] = &[
    map("Name", "cn", Carry::Text),
    map("DisplayName", "displayName", Carry::Text),
    map("PrimarySmtpAddress", "mail", Carry::Text),
    map("UserCertificate", "userCertificate;binary", Carry::Certs),
    map(
        "UserSMimeCertificate",
        "userSMIMECertificate",
        Carry::CertsReplaceOnly,
    ),
];

const OPENLDAP_CONTACT: &[AttrMap] = &[
    map("Name", "cn", Carry::Text),
    map("ExternalEmailAddress", "mail", Carry::BareAddress),
    map("DisplayName", "displayName", Carry::Text),
    map("FirstName", "givenName", Carry::Text),
    map("LastName", "sn", Carry::Text),
    map("Initials", "initials", Carry::Text),
    map("Alias", "uid", Carry::Text),
    map("UserCertificate", "userCertificate;binary", Carry::Certs),
    map(
        "UserSMimeCertificate",
        "userSMIMECertificate",
        Carry::CertsReplaceOnly,
    ),
];

const AD_MAILBOX: &[AttrMap] = &[
    map("Name", "cn", Carry::Text),
    map("DisplayName", "displayName", Carry::Text),
    map("PrimarySmtpAddress", "mail", Carry::Text),
    map("Alias", "mailNickname", Carry::Text),
    map("EmailAddresses", "proxyAddresses", Carry::TextSet),
    map("UserCertificate", "userCertificate", Carry::Certs),
    map("UserSMimeCertificate", "userSMIMECertificate", Carry::Certs),
];

const AD_CONTACT: &[AttrMap] = &[
    map("Name", "cn", Carry::Text),
    map("ExternalEmailAddress", "targetAddress", Carry::Text),
    map("PrimarySmtpAddress", "mail", Carry::Text),
    map("DisplayName", "displayName", Carry::Text),
    map("FirstName", "givenName", Carry::Text),
    map("LastName", "sn", Carry::Text),
    map("Initials", "initials", Carry::Text),
    map("Alias", "mailNickname", Carry::Text),
    map("EmailAddresses", "proxyAddresses", Carry::TextSet),
    map("UserCertificate", "userCertificate", Carry::Certs),
    map("UserSMimeCertificate", "userSMIMECertificate", Carry::Certs),
];

impl Profile {
    pub fn new(kind: LdapProfile) -> Profile {
        Profile { kind }
    }

    fn ad(&self) -> bool {
        self.kind == LdapProfile::ActiveDirectory
    }

    /// The managed properties of `kind` objects and their attributes.
    pub fn attrs(&self, kind: ObjectKind) -> &'static [AttrMap] {
        match (kind, self.ad()) {
            (ObjectKind::Mailbox, false) => OPENLDAP_MAILBOX,
            (ObjectKind::Mailbox, true) => AD_MAILBOX,
            (ObjectKind::MailContact, false) => OPENLDAP_CONTACT,
            (ObjectKind::MailContact, true) => AD_CONTACT,
            _ => &[],
        }
    }

    pub fn attr_of(&self, kind: ObjectKind, property: &str) -> Option<AttrMap> {
        self.attrs(kind)
            .iter()
            .find(|m| m.property == property)
            .copied()
    }

    /// The attribute holding the server's id of an entry.
    pub fn id_attr(&self) -> &'static str {
        if self.ad() {
            "objectGUID"
        } else {
            "entryUUID"
        }
    }

    /// The attribute carrying mailsec's ownership marker.
    pub fn marker_attr(&self) -> &'static str {
        if self.ad() {
            "adminDescription"
        } else {
            "description"
        }
    }

    /// The attribute the S/MIME issuing CAs are published in.
    pub fn ca_attr(&self) -> &'static str {
        if self.ad() {
            "cACertificate"
        } else {
            "cACertificate;binary"
        }
    }

    pub fn mailbox_filter(&self) -> &'static str {
        if self.ad() {
            // objectCategory=person leaves out computer accounts (objectClass user too) and is indexed.
            "(&(objectCategory=person)(objectClass=user)(mail=*))"
        } else {
            "(&(objectClass=inetOrgPerson)(mail=*))"
        }
    }

    pub fn contact_filter(&self) -> &'static str {
        if self.ad() {
            // Mail contacts only: a contact with neither address is an address-book entry, not a
            // recipient, and export must not turn it into a MailContact.
            "(&(objectClass=contact)(|(targetAddress=*)(mail=*)))"
        } else {
            "(objectClass=inetOrgPerson)"
        }
    }

    pub fn contact_classes(&self) -> &'static [&'static str] {
        if self.ad() {
            &["top", "person", "organizationalPerson", "contact"]
        } else {
            &["top", "person", "organizationalPerson", "inetOrgPerson"]
        }
    }

    pub fn config_classes(&self) -> &'static [&'static str] {
        if self.ad() {
            &["top", "certificationAuthority"]
        } else {
            &["top", "applicationProcess", "pkiCA"]
        }
    }

    pub fn ou_classes(&self) -> &'static [&'static str] {
        &["top", "organizationalUnit"]
    }

    /// Every attribute plan reads for `kind` (only the managed ones, plus ids and names).
    pub fn read_attrs(&self, kind: ObjectKind) -> Vec<&'static str> {
        let mut v = vec![self.id_attr(), self.marker_attr(), "cn"];
        for m in self.attrs(kind) {
            if !v.contains(&m.attribute) {
                v.push(m.attribute);
            }
        }
        let extra: &[&str] = if self.ad() {
            &["sAMAccountName", "userPrincipalName"]
        } else {
            &["uid", "mail"]
        };
        for a in extra {
            if !v.contains(a) {
                v.push(a);
            }
        }
        v
    }
}

/// Does the attribute description `desc` the server returned (e.g. `userCertificate;binary`) name `attr`?
/// Names compare case-insensitively; an option the request had is allowed to be present or absent.
pub fn same_attr(desc: &str, attr: &str) -> bool {
    let base = |s: &str| s.split(';').next().unwrap_or_default().to_ascii_lowercase();
    base(desc) == base(attr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_names_differ_by_profile() {
        let o = Profile::new(LdapProfile::Openldap);
        let a = Profile::new(LdapProfile::ActiveDirectory);
        assert_eq!(
            o.attr_of(ObjectKind::Mailbox, "UserCertificate")
                .map(|m| m.attribute),
            Some("userCertificate;binary")
        );
        assert_eq!(
            a.attr_of(ObjectKind::Mailbox, "UserCertificate")
                .map(|m| m.attribute),
            Some("userCertificate")
        );
        assert_eq!(
            o.attr_of(ObjectKind::MailContact, "UserSMimeCertificate")
                .map(|m| m.carry),
            Some(Carry::CertsReplaceOnly)
        );
        assert!(same_attr("userCertificate;binary", "usercertificate"));
    }

    #[test]
    fn config_settings_fit_ad_description_values() {
        let small = r#"{"OWAAlwaysSign":true}"#;
        assert_eq!(
            config_values(small),
            vec![format!("{CONFIG_PREFIX}{small}")]
        );
        assert_eq!(
            config_json(&config_values(small)).unwrap().as_deref(),
            Some(small)
        );
        // Long enough for three parts, with characters of two UTF-16 units at the part edges.
        let big = format!(
            r#"{{"OWASenderCertificateAttributesToDisplay":"{}"}}"#,
            "é𝄞".repeat(900)
        );
        let mut values = config_values(&big);
        assert_eq!(values.len(), 3, "{values:?}");
        for v in &values {
            assert!(v.encode_utf16().count() <= 1024, "{}", v.len());
        }
        values.reverse();
        values.insert(1, "someone else's description".into());
        assert_eq!(config_json(&values).unwrap(), Some(big));
        values.retain(|v| !v.contains(":2/3:"));
        let err = config_json(&values).unwrap_err();
        assert!(err.contains("split into 3 parts"), "{err}");
        assert_eq!(config_json(&["other".to_string()]).unwrap(), None);
        assert!(!same_attr("userCertificateX", "userCertificate"));
    }
}
