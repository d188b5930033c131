//! Seeding the embedded directory from LDIF: users/persons with mail become mailboxes, `contact` entries become mail contacts.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::ldif::{parse_ldif, LdifEntry, LdifError};
use super::DirectoryDoc;
use crate::cert::Cert;
use crate::model::{MailContact, Mailbox};

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{0}")]
    Ldif(#[from] LdifError),
    #[error("line {line}: entry '{dn}': {message}")]
    Entry {
        line: usize,
        dn: String,
        message: String,
    },
}

/// What a seed read, for the message printed after it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeedReport {
    pub mailboxes: usize,
    pub contacts: usize,
    /// Entries that are neither (OUs, groups, entries without mail): `(line, dn)`.
    pub skipped: Vec<(usize, String)>,
}

/// Build a directory from LDIF text.
pub fn seed_from_ldif(text: &str) -> Result<(DirectoryDoc, SeedReport), SeedError> {
    let mut doc = DirectoryDoc::default();
    let mut report = SeedReport::default();
    for e in parse_ldif(text)? {
        let classes: Vec<String> = e
            .values("objectClass")
            .map(|v| String::from_utf8_lossy(v).to_lowercase())
            .collect();
        let has = |c: &str| classes.iter().any(|x| x == c);
        let contact = has("contact");
        let mailbox = !contact
            && (has("user") || has("inetorgperson") || has("person"))
            && e.first_str("mail").is_some();
        if !contact && !mailbox {
            report.skipped.push((e.line, e.dn.clone()));
            continue;
        }
        let guid = guid_of(&e)?;
        let name = e
            .first_str("cn")
            .or_else(|| e.first_str("name"))
            .or_else(|| e.first_str("uid"))
            .ok_or_else(|| entry_err(&e, "has no cn, name or uid to use as Name"))?;
        if contact {
            let external = e
                .first_str("targetAddress")
                .or_else(|| e.first_str("mail").map(|m| format!("SMTP:{m}")))
                .ok_or_else(|| entry_err(&e, "a contact needs targetAddress or mail"))?;
            doc.mail_contacts.push(MailContact {
                guid,
                name,
                primary_smtp_address: e.first_str("mail"),
                external_email_address: external,
                alias: e.first_str("mailNickname"),
                display_name: e.first_str("displayName"),
                first_name: e.first_str("givenName"),
                last_name: e.first_str("sn"),
                email_addresses: strings(&e, "proxyAddresses"),
                hidden_from_address_lists_enabled: None,
                distinguished_name: Some(e.dn.clone()),
                user_certificate: certs(&e, "userCertificate"),
                user_smime_certificate: certs(&e, "userSMIMECertificate"),
                legacy_exchange_dn: e.first_str("legacyExchangeDN"),
                ..MailContact::default()
            });
            report.contacts += 1;
        } else {
            doc.mailboxes.push(Mailbox {
                guid,
                name,
                alias: e.first_str("mailNickname").or_else(|| e.first_str("uid")),
                display_name: e.first_str("displayName"),
                primary_smtp_address: e.first_str("mail"),
                user_principal_name: e.first_str("userPrincipalName"),
                email_addresses: strings(&e, "proxyAddresses"),
                distinguished_name: Some(e.dn.clone()),
                user_certificate: certs(&e, "userCertificate"),
                user_smime_certificate: certs(&e, "userSMIMECertificate"),
                sam_account_name: e.first_str("sAMAccountName").or_else(|| e.first_str("uid")),
                legacy_exchange_dn: e.first_str("legacyExchangeDN"),
                ..Mailbox::default()
            });
            report.mailboxes += 1;
        }
    }
    Ok((doc, report))
}

fn entry_err(e: &LdifEntry, message: &str) -> SeedError {
    SeedError::Entry {
        line: e.line,
        dn: e.dn.clone(),
        message: message.to_string(),
    }
}

/// objectGUID (16 bytes, AD's little-endian layout), entryUUID (text), or else a stable id derived from the DN.
fn guid_of(e: &LdifEntry) -> Result<Uuid, SeedError> {
    if let Some(raw) = e.values("objectGUID").next() {
        let bytes: [u8; 16] = raw.try_into().map_err(|_| {
            entry_err(
                e,
                &format!("objectGUID has {} bytes, expected 16", raw.len()),
            )
        })?;
        return Ok(Uuid::from_bytes_le(bytes));
    }
    if let Some(text) = e.first_str("entryUUID") {
        return Uuid::parse_str(text.trim())
            .map_err(|err| entry_err(e, &format!("entryUUID '{text}': {err}")));
    }
    let digest = Sha256::digest(e.dn.to_lowercase().as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    Ok(Uuid::new_v8(b))
}

fn strings(e: &LdifEntry, attr: &str) -> Option<Vec<String>> {
    let v: Vec<String> = e
        .values(attr)
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    (!v.is_empty()).then_some(v)
}

fn certs(e: &LdifEntry, attr: &str) -> Option<Vec<Cert>> {
    let v: Vec<Cert> = e
        .values(attr)
        .map(|b| Cert::from_bytes(b.to_vec()))
        .collect();
    (!v.is_empty()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "\
dn: cn=baptiste,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
cn: baptiste
sn: Baptiste
mail: baptiste@example.com
entryUUID: 6f1c1c7e-8a5e-4a43-9a53-0a5b8f0c1d11

dn: ou=people,dc=example,dc=com
objectClass: organizationalUnit

dn: CN=Partner,OU=Contacts,DC=example,DC=com
objectClass: contact
cn: Partner
targetAddress: SMTP:p@partner.example
objectGUID:: AAECAwQFBgcICQoLDA0ODw==
";

    #[test]
    fn mailboxes_contacts_and_skips() {
        let (doc, report) = seed_from_ldif(SEED).unwrap();
        assert_eq!(report.mailboxes, 1);
        assert_eq!(report.contacts, 1);
        assert_eq!(
            report.skipped,
            vec![(8, "ou=people,dc=example,dc=com".to_string())]
        );
        assert_eq!(
            doc.mailboxes[0].guid.to_string(),
            "6f1c1c7e-8a5e-4a43-9a53-0a5b8f0c1d11"
        );
        assert_eq!(
            doc.mail_contacts[0].guid.to_string(),
            "03020100-0504-0706-0809-0a0b0c0d0e0f"
        );
        assert_eq!(
            doc.mail_contacts[0].external_email_address,
            "SMTP:p@partner.example"
        );
    }

    #[test]
    fn bad_guid_names_the_line() {
        let err =
            seed_from_ldif("dn: cn=x\nobjectClass: contact\ncn: x\nmail: x@y\nobjectGUID:: AAE=\n")
                .unwrap_err();
        assert!(err
            .to_string()
            .starts_with("line 1: entry 'cn=x': objectGUID has 2 bytes"));
    }
}
