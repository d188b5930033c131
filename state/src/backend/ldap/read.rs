//! Reading the live directory in bulk: one paged search per kind asking only for the managed attributes,
//! each entry turned into the model's typed object. A failed search is an error, never "absent".

use std::collections::HashMap;

use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{Ldap, Scope};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::entry::Entry;
use super::profile::{config_json, Carry, Profile, CONFIG_PREFIX, OWNED_PREFIX};
use super::settings::LdapSettings;
use super::LdapError;
use crate::cert::Cert;
use crate::model::{MailContact, Mailbox, ObjectKind, SmimeConfig};

/// What apply needs to know about a live entry beyond the model object.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryRef {
    pub dn: String,
    /// Carries mailsec's ownership marker.
    pub owned: bool,
}

/// One read of the directory.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub mailboxes: Vec<Mailbox>,
    pub contacts: Vec<MailContact>,
    pub config: Option<SmimeConfig>,
    /// The config entry's settings as stored (so apply can merge a change into them).
    pub config_settings: Map<String, Value>,
    pub config_exists: bool,
    /// The object classes of the config entry's parent when the entry does not exist yet (`None`:
    /// the parent is missing too). Read for the Active Directory profile only, which must create the
    /// entry in a container.
    pub config_parent_classes: Option<Vec<String>>,
    pub contacts_base_exists: bool,
    pub entries: HashMap<(ObjectKind, Uuid), EntryRef>,
}

/// LDAP result code noSuchObject: the search base does not exist.
pub const NO_SUCH_OBJECT: u32 = 32;

pub async fn read(ldap: &mut Ldap, s: &LdapSettings) -> Result<Snapshot, LdapError> {
    let p = Profile::new(s.profile);
    let mut snap = Snapshot::default();

    let (mailboxes, contacts) = match one_search_base(s, &p) {
        // One search brings both (see `one_search_base`): the server reads each entry once.
        Some(base) => {
            let both = read_mailboxes(ldap, s, &p, Some(base)).await?;
            let found = exists(ldap, &s.contacts_base).await?;
            (both.0, (both.1, found))
        }
        // The mailboxes and the contacts are searched at the same time, on a second connection
        // (OpenLDAP keeps one paged search per connection): the server answers both while the
        // entries already here are turned into objects. Each search's error is reported as if
        // they had run one after the other (mailboxes first).
        None => {
            let (mailboxes, contacts) = tokio::join!(read_mailboxes(ldap, s, &p, None), async {
                let mut second = super::connect::connect(s).await?;
                let read = read_contacts(&mut second, s, &p).await;
                let _ = second.unbind().await;
                read
            });
            let (mailboxes, _) = mailboxes?;
            let (contacts, found) = contacts?;
            let found = if contact_base(s, &p) == s.contacts_base {
                found
            } else {
                exists(ldap, &s.contacts_base).await?
            };
            (mailboxes, (contacts, found))
        }
    };
    for (m, entry) in mailboxes {
        snap.entries.insert((ObjectKind::Mailbox, m.guid), entry);
        snap.mailboxes.push(m);
    }
    let (contacts, found) = contacts;
    snap.contacts_base_exists = found;
    for (c, entry) in contacts {
        snap.entries
            .insert((ObjectKind::MailContact, c.guid), entry);
        snap.contacts.push(c);
    }

    read_config(ldap, s, &p, &mut snap).await?;
    Ok(snap)
}

/// Where contacts are searched: the whole directory on Active Directory, their own base elsewhere.
fn contact_base(s: &LdapSettings, p: &Profile) -> String {
    if p.kind == crate::model::LdapProfile::ActiveDirectory {
        s.base.clone()
    } else {
        s.contacts_base.clone()
    }
}

/// The mailbox base whose one search can also bring every contact, if there is one.
///
/// On OpenLDAP both kinds are inetOrgPerson entries, told apart by where they are: a contact is
/// any entry under the contacts' base, a mailbox any other one with a `mail`. When the contacts'
/// base lies under a mailbox base, searching that base for `(objectClass=inetOrgPerson)` brings
/// exactly the entries the two searches bring (the mailbox filter's `(mail=*)` is checked here,
/// on the values read), but the server reads and sends the contacts once instead of twice. A
/// configured `filter` applies to mailboxes only and cannot be checked here: then the searches
/// stay apart.
fn one_search_base(s: &LdapSettings, p: &Profile) -> Option<usize> {
    if p.kind != crate::model::LdapProfile::Openldap || s.filter.is_some() {
        return None;
    }
    s.mailbox_bases
        .iter()
        .position(|base| under(&s.contacts_base, base))
}

type Read<T> = Vec<(T, EntryRef)>;

/// Every mailbox under the mailbox bases (each once, when bases overlap), with its entry; with
/// `with_contacts` (a [`one_search_base`]), that base's search also brings the contacts.
async fn read_mailboxes(
    ldap: &mut Ldap,
    s: &LdapSettings,
    p: &Profile,
    with_contacts: Option<usize>,
) -> Result<(Read<Mailbox>, Read<MailContact>), LdapError> {
    let filter = match &s.filter {
        Some(f) => format!("(&{}{f})", p.mailbox_filter()),
        None => p.mailbox_filter().to_string(),
    };
    let attrs = p.read_attrs(ObjectKind::Mailbox);
    let mut both = attrs.clone();
    for a in p.read_attrs(ObjectKind::MailContact) {
        if !both.contains(&a) {
            both.push(a);
        }
    }
    let bases = Bases::of(s);
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut contacts = Vec::new();
    for (i, base) in s.mailbox_bases.iter().enumerate() {
        let together = with_contacts == Some(i);
        let search = if together {
            Search::new(s, base, p.contact_filter(), &both)
        } else {
            Search::new(s, base, &filter, &attrs)
        };
        search
            .run(ldap, |mut e| {
                if bases.excluded(&e.dn) {
                    return Ok(());
                }
                // Contacts live under their own base on OpenLDAP, where both are inetOrgPerson.
                if bases.in_contacts(&e.dn) {
                    if together {
                        let (guid, owned) = guid_of(p, &e)?;
                        let c = contact(p, &mut e, guid)?;
                        contacts.push((c, EntryRef { dn: e.dn, owned }));
                    }
                    return Ok(());
                }
                if together && e.all("mail").is_empty() {
                    return Ok(()); // the mailbox filter's (mail=*)
                }
                let (guid, owned) = guid_of(p, &e)?;
                if !seen.insert(guid) {
                    return Ok(()); // overlapping mailbox bases
                }
                let m = mailbox(p, &mut e, guid)?;
                out.push((m, EntryRef { dn: e.dn, owned }));
                Ok(())
            })
            .await?;
    }
    Ok((out, contacts))
}

/// Every contact, with its entry, and whether the search base exists.
async fn read_contacts(
    ldap: &mut Ldap,
    s: &LdapSettings,
    p: &Profile,
) -> Result<(Read<MailContact>, bool), LdapError> {
    let attrs = p.read_attrs(ObjectKind::MailContact);
    let bases = Bases::of(s);
    let mut out = Vec::new();
    let found = Search::new(s, &contact_base(s, p), p.contact_filter(), &attrs)
        .run(ldap, |mut e| {
            if bases.excluded(&e.dn) {
                return Ok(());
            }
            let (guid, owned) = guid_of(p, &e)?;
            let c = contact(p, &mut e, guid)?;
            out.push((c, EntryRef { dn: e.dn, owned }));
            Ok(())
        })
        .await?;
    Ok((out, found))
}

async fn read_config(
    ldap: &mut Ldap,
    s: &LdapSettings,
    p: &Profile,
    snap: &mut Snapshot,
) -> Result<(), LdapError> {
    let attrs = vec![p.ca_attr(), "description"];
    let res = ldap
        .search(&s.config_dn, Scope::Base, "(objectClass=*)", attrs)
        .await
        .map_err(|e| LdapError::io(&s.config_dn, e))?;
    let missing = res.1.rc == NO_SUCH_OBJECT;
    let raw = if missing {
        None
    } else {
        let (entries, _) = res.success().map_err(|e| LdapError::io(&s.config_dn, e))?;
        entries.into_iter().next()
    };
    let Some(raw) = raw else {
        if p.kind == crate::model::LdapProfile::ActiveDirectory {
            snap.config_parent_classes = classes_of(ldap, split_rdn(&s.config_dn).1).await?;
        }
        return Ok(());
    };
    let e = Entry::from_result(raw).map_err(|err| LdapError::Entry {
        dn: s.config_dn.clone(),
        message: err.to_string(),
    })?;
    snap.config_exists = true;
    let descriptions: Vec<String> = e
        .all("description")
        .iter()
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect();
    let bad = |message: String| LdapError::Entry {
        dn: e.dn.clone(),
        message,
    };
    let json = config_json(&descriptions)
        .map_err(|m| bad(format!("{m}; fix or delete those description values")))?;
    let settings = match json.map(|text| serde_json::from_str::<Value>(&text)) {
        None => Map::new(),
        Some(Ok(Value::Object(m))) => m,
        Some(_) => {
            return Err(bad(format!(
                "its description value '{CONFIG_PREFIX}…' is not a JSON object; fix or delete that value"
            )))
        }
    };
    let cas = e.all(p.ca_attr());
    let mut all = settings.clone();
    if !cas.is_empty() {
        let p7 = crate::cert::write_pkcs7(cas).map_err(|err| LdapError::Entry {
            dn: e.dn.clone(),
            message: format!("its CA certificates cannot be collected: {err}"),
        })?;
        all.insert(
            "SMIMECertificateIssuingCA".into(),
            json!(Cert::from_bytes(p7)),
        );
    }
    let config: SmimeConfig =
        serde_json::from_value(Value::Object(all)).map_err(|err| LdapError::Entry {
            dn: e.dn.clone(),
            message: format!("its S/MIME settings do not read back: {err}"),
        })?;
    snap.config = Some(config);
    snap.config_settings = settings;
    Ok(())
}

/// A prepared paged search.
struct Search {
    base: String,
    filter: String,
    attrs: Vec<String>,
    page: i32,
}

impl Search {
    fn new(s: &LdapSettings, base: &str, filter: &str, attrs: &[&str]) -> Search {
        Search {
            base: base.to_string(),
            filter: filter.to_string(),
            attrs: attrs.iter().map(|a| a.to_string()).collect(),
            page: s.page_size,
        }
    }

    /// Hand every entry to `each` as it arrives (so a 100,000-entry read is never held twice);
    /// `false` when the base does not exist.
    async fn run(
        self,
        ldap: &mut Ldap,
        mut each: impl FnMut(Entry) -> Result<(), LdapError>,
    ) -> Result<bool, LdapError> {
        let adapters: Vec<Box<dyn Adapter<_, _>>> = vec![
            Box::new(EntriesOnly::new()),
            Box::new(PagedResults::new(self.page)),
        ];
        let mut stream = ldap
            .streaming_search_with(
                adapters,
                &self.base,
                Scope::Subtree,
                &self.filter,
                self.attrs.clone(),
            )
            .await
            .map_err(|e| LdapError::io(&self.base, e))?;
        while let Some(entry) = stream
            .next()
            .await
            .map_err(|e| LdapError::io(&self.base, e))?
        {
            let entry = Entry::from_result(entry).map_err(|err| LdapError::Entry {
                dn: self.base.clone(),
                message: err.to_string(),
            })?;
            each(entry)?;
        }
        let res = stream.finish().await;
        match res.rc {
            0 => Ok(true),
            NO_SUCH_OBJECT => Ok(false),
            rc => Err(LdapError::Search {
                base: self.base,
                rc,
                text: res.text,
            }),
        }
    }
}

async fn exists(ldap: &mut Ldap, dn: &str) -> Result<bool, LdapError> {
    let res = ldap
        .search(dn, Scope::Base, "(objectClass=*)", vec!["1.1"])
        .await
        .map_err(|e| LdapError::io(dn, e))?;
    match res.1.rc {
        0 => Ok(true),
        NO_SUCH_OBJECT => Ok(false),
        rc => Err(LdapError::Search {
            base: dn.to_string(),
            rc,
            text: res.1.text,
        }),
    }
}

/// The object classes of the entry `dn`, or `None` when it does not exist.
async fn classes_of(ldap: &mut Ldap, dn: &str) -> Result<Option<Vec<String>>, LdapError> {
    let res = ldap
        .search(dn, Scope::Base, "(objectClass=*)", vec!["objectClass"])
        .await
        .map_err(|e| LdapError::io(dn, e))?;
    if res.1.rc == NO_SUCH_OBJECT {
        return Ok(None);
    }
    let (entries, _) = res.success().map_err(|e| LdapError::io(dn, e))?;
    let Some(raw) = entries.into_iter().next() else {
        return Ok(None);
    };
    let e = Entry::from_result(raw).map_err(|err| LdapError::Entry {
        dn: dn.to_string(),
        message: err.to_string(),
    })?;
    Ok(Some(
        e.all("objectClass")
            .iter()
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect(),
    ))
}

/// The object's id: the Guid in mailsec's marker when the entry is mailsec's, else the server's id.
fn guid_of(p: &Profile, e: &Entry) -> Result<(Uuid, bool), LdapError> {
    for v in e.all(p.marker_attr()) {
        if let Some(g) = std::str::from_utf8(v)
            .ok()
            .and_then(|t| t.strip_prefix(OWNED_PREFIX))
        {
            let guid = Uuid::parse_str(g.trim()).map_err(|err| LdapError::Entry {
                dn: e.dn.clone(),
                message: format!("its ownership marker '{OWNED_PREFIX}{g}' has a bad Guid: {err}"),
            })?;
            return Ok((guid, true));
        }
    }
    let raw = e.all(p.id_attr()).first().ok_or_else(|| LdapError::Entry {
        dn: e.dn.clone(),
        message: format!(
            "the server returned no {}; the bind account must be allowed to read it",
            p.id_attr()
        ),
    })?;
    let guid = if p.id_attr() == "objectGUID" {
        let b: [u8; 16] = raw.as_slice().try_into().map_err(|_| LdapError::Entry {
            dn: e.dn.clone(),
            message: format!("objectGUID has {} bytes, expected 16", raw.len()),
        })?;
        Uuid::from_bytes_le(b)
    } else {
        let t = String::from_utf8_lossy(raw);
        Uuid::parse_str(t.trim()).map_err(|err| LdapError::Entry {
            dn: e.dn.clone(),
            message: format!("entryUUID '{t}': {err}"),
        })?
    };
    Ok((guid, false))
}

/// A managed property's value as read.
enum Prop {
    Text(String),
    Texts(Vec<String>),
    Certs(Vec<Cert>),
}

impl Prop {
    fn text(self) -> Option<String> {
        match self {
            Prop::Text(t) => Some(t),
            Prop::Texts(v) => v.into_iter().next(),
            Prop::Certs(_) => None,
        }
    }
    fn texts(self) -> Option<Vec<String>> {
        match self {
            Prop::Texts(v) => Some(v),
            Prop::Text(t) => Some(vec![t]),
            Prop::Certs(_) => None,
        }
    }
    fn certs(self) -> Option<Vec<Cert>> {
        match self {
            Prop::Certs(v) => Some(v),
            _ => None,
        }
    }
}

/// The entry's managed properties, by the profile's mapping. Certificate values are moved out of
/// the entry (each is held once); text values are copied, so one attribute may carry two properties.
fn props(p: &Profile, kind: ObjectKind, e: &mut Entry) -> Vec<(&'static str, Prop)> {
    let mut out = Vec::new();
    for a in p.attrs(kind) {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let prop = match a.carry {
            Carry::Certs | Carry::CertsReplaceOnly => {
                let vals = e.take(a.attribute);
                if vals.is_empty() {
                    continue;
                }
                Prop::Certs(vals.into_iter().map(Cert::from_bytes).collect())
            }
            carry => {
                let vals = e.all(a.attribute);
                let Some(first) = vals.first() else {
                    continue;
                };
                match carry {
                    Carry::BareAddress => Prop::Text(format!("SMTP:{}", text(first))),
                    Carry::TextSet => Prop::Texts(vals.iter().map(|b| text(b)).collect()),
                    _ => Prop::Text(text(first)),
                }
            }
        };
        out.push((a.property, prop));
    }
    out
}

/// The mailbox an entry holds: built field by field (no JSON round trip: 50,000 of them are read at once).
fn mailbox(p: &Profile, e: &mut Entry, guid: Uuid) -> Result<Mailbox, LdapError> {
    let mut m = Mailbox {
        guid,
        name: rdn_value(&e.dn),
        distinguished_name: Some(e.dn.clone()),
        ..Mailbox::default()
    };
    for (prop, val) in props(p, ObjectKind::Mailbox, e) {
        match prop {
            "Name" => m.name = val.text().unwrap_or_default(),
            "DisplayName" => m.display_name = val.text(),
            "PrimarySmtpAddress" => m.primary_smtp_address = val.text(),
            "Alias" => m.alias = val.text(),
            "EmailAddresses" => m.email_addresses = val.texts(),
            "UserCertificate" => m.user_certificate = val.certs(),
            "UserSMimeCertificate" => m.user_smime_certificate = val.certs(),
            other => return Err(unmapped(e, other)),
        }
    }
    match p.kind {
        crate::model::LdapProfile::Openldap => {
            if let Some(uid) = e.first("uid") {
                m.alias = Some(uid.clone());
                m.sam_account_name = Some(uid);
            }
        }
        crate::model::LdapProfile::ActiveDirectory => {
            m.sam_account_name = e.first("sAMAccountName");
            m.user_principal_name = e.first("userPrincipalName");
        }
    }
    Ok(m)
}

/// The mail contact an entry holds.
fn contact(p: &Profile, e: &mut Entry, guid: Uuid) -> Result<MailContact, LdapError> {
    let mut c = MailContact {
        guid,
        name: rdn_value(&e.dn),
        distinguished_name: Some(e.dn.clone()),
        ..MailContact::default()
    };
    for (prop, val) in props(p, ObjectKind::MailContact, e) {
        match prop {
            "Name" => c.name = val.text().unwrap_or_default(),
            "ExternalEmailAddress" => c.external_email_address = val.text().unwrap_or_default(),
            "PrimarySmtpAddress" => c.primary_smtp_address = val.text(),
            "DisplayName" => c.display_name = val.text(),
            "FirstName" => c.first_name = val.text(),
            "LastName" => c.last_name = val.text(),
            "Initials" => c.initials = val.text(),
            "Alias" => c.alias = val.text(),
            "EmailAddresses" => c.email_addresses = val.texts(),
            "UserCertificate" => c.user_certificate = val.certs(),
            "UserSMimeCertificate" => c.user_smime_certificate = val.certs(),
            other => return Err(unmapped(e, other)),
        }
    }
    if p.kind == crate::model::LdapProfile::Openldap {
        // The contact's one address is its mail: the primary SMTP address is the same.
        if let Some(mail) = e.first("mail") {
            c.email_addresses = Some(vec![format!("SMTP:{mail}")]);
            c.primary_smtp_address = Some(mail);
        }
    }
    Ok(c)
}

fn unmapped(e: &Entry, property: &str) -> LdapError {
    LdapError::Entry {
        dn: e.dn.clone(),
        message: format!(
            "the profile maps {property}, which mailsec cannot read back (a bug: please report it)"
        ),
    }
}

/// The value of a DN's first RDN (`cn=Alice Smith,ou=x` → `Alice Smith`), unescaped.
pub fn rdn_value(dn: &str) -> String {
    let first = split_rdn(dn).0;
    let v = first.split_once('=').map(|(_, v)| v).unwrap_or(first);
    unescape_dn_value(v.trim())
}

/// RFC 4514 value unescaping: `\,` and the other special characters, and `\XX` hex pairs (UTF-8).
fn unescape_dn_value(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(x) => {
                    out.push(x);
                    i += 3;
                }
                None => {
                    out.push(b[i + 1]);
                    i += 2;
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `(first RDN, rest)`, honouring `\,` escapes.
pub fn split_rdn(dn: &str) -> (&str, &str) {
    let bytes = dn.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b',' => return (&dn[..i], &dn[i + 1..]),
            _ => i += 1,
        }
    }
    (dn, "")
}

/// A comparable form of a DN: attribute types lowercased, spaces around separators dropped.
pub fn canonical_dn(dn: &str) -> String {
    let mut out = Vec::new();
    let mut rest = dn.trim();
    while !rest.is_empty() {
        let (rdn, tail) = split_rdn(rest);
        let rdn = rdn.trim();
        out.push(match rdn.split_once('=') {
            Some((t, v)) => format!(
                "{}={}",
                t.trim().to_ascii_lowercase(),
                v.trim().to_lowercase()
            ),
            None => rdn.to_lowercase(),
        });
        rest = tail;
    }
    out.join(",")
}

/// Is `dn` at or below `base`?
pub fn under(dn: &str, base: &str) -> bool {
    under_canonical(&canonical_dn(dn), &canonical_dn(base))
}

/// [`under`] on DNs already in their [`canonical_dn`] form.
fn under_canonical(d: &str, b: &str) -> bool {
    d == b
        || (d.len() > b.len()
            && d.ends_with(b)
            && d.as_bytes().get(d.len() - b.len() - 1) == Some(&b','))
}

/// The bases a read sorts entries by, in their comparable form: worked out once per read instead
/// of once per entry (a read may bring 100,000 entries).
struct Bases {
    contacts: String,
    exclude: Vec<String>,
}

impl Bases {
    fn of(s: &LdapSettings) -> Bases {
        Bases::new(&s.contacts_base, &s.exclude)
    }

    fn new(contacts_base: &str, exclude: &[String]) -> Bases {
        Bases {
            contacts: canonical_dn(contacts_base),
            exclude: exclude.iter().map(|x| canonical_dn(x)).collect(),
        }
    }

    /// Is the entry `dn` under the contacts' base?
    fn in_contacts(&self, dn: &str) -> bool {
        under_canonical(&canonical_dn(dn), &self.contacts)
    }

    /// Is the entry `dn` under an excluded base?
    fn excluded(&self, dn: &str) -> bool {
        if self.exclude.is_empty() {
            return false;
        }
        let d = canonical_dn(dn);
        self.exclude.iter().any(|x| under_canonical(&d, x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_sort_entries_as_under_does() {
        let contacts = "OU=Contacts, dc=example,dc=org";
        let exclude = vec!["ou=Old,dc=example,dc=org".to_string()];
        let b = Bases::new(contacts, &exclude);
        for dn in [
            "cn=a,ou=contacts,dc=example,dc=org",
            "cn=a,ou=contacts2,dc=example,dc=org",
            "ou=contacts,dc=example,dc=org",
            "cn=x,OU=old,DC=example,DC=org",
            "cn=x,ou=older,dc=example,dc=org",
            "dc=org",
        ] {
            assert_eq!(b.in_contacts(dn), under(dn, contacts), "{dn}");
            assert_eq!(b.excluded(dn), under(dn, &exclude[0]), "{dn}");
        }
    }

    #[test]
    fn dn_helpers() {
        assert_eq!(rdn_value("cn=Smith\\, Alice,ou=x,dc=y"), "Smith, Alice");
        assert_eq!(rdn_value("cn=caf\\c3\\a9,ou=x"), "café");
        assert!(under(
            "CN=A, OU=Contacts,DC=Example,DC=org",
            "ou=contacts,dc=example,dc=org"
        ));
        assert!(!under(
            "cn=a,ou=contacts2,dc=example,dc=org",
            "ou=contacts,dc=example,dc=org"
        ));
        assert!(under(
            "ou=contacts,dc=example,dc=org",
            "ou=contacts,dc=example,dc=org"
        ));
    }
}
