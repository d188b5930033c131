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
        assert!(!same_attr("userCertificateX", "userCertificate"));
    }
}
