//! One search result entry taken apart in place: its DN and its values by attribute, moved out of the
//! decoded LDAP message instead of copied (a bulk read brings 100,000 entries with their certificates).

use ldap3::asn1::{StructureTag, PL};
use ldap3::ResultEntry;

/// A search result entry: the DN, and every value by attribute (base name, ASCII-lowercased: the
/// `;binary` option and the server's spelling of the name do not matter), in the server's order.
#[derive(Debug, Default, PartialEq)]
pub struct Entry {
    pub dn: String,
    attrs: Vec<(String, Vec<Vec<u8>>)>,
}

/// Why a server's answer is not a search result entry (RFC 4511 4.5.2); the message is shown with
/// the entry's DN when it is known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("the server sent a search result that is not an entry")]
    NotAnEntry,
    #[error("the server sent an entry whose {0} is malformed")]
    Malformed(&'static str),
    #[error("the server sent an entry whose DN is not UTF-8")]
    DnNotUtf8,
}

/// The base name of an attribute description, lowercased: `userCertificate;binary` → `usercertificate`.
fn base_name(desc: &[u8]) -> String {
    String::from_utf8_lossy(base_of(desc)).to_ascii_lowercase()
}

/// An attribute description without its options: `userCertificate;binary` → `userCertificate`.
fn base_of(desc: &[u8]) -> &[u8] {
    let end = desc.iter().position(|&b| b == b';').unwrap_or(desc.len());
    &desc[..end]
}

/// Is `stored` (a [`base_name`]) the base name of `attr`? Compared in place: a bulk read looks up
/// a dozen attributes in each of 100,000 entries.
fn names(stored: &str, attr: &str) -> bool {
    stored
        .as_bytes()
        .eq_ignore_ascii_case(base_of(attr.as_bytes()))
}

fn primitive(t: StructureTag, what: &'static str) -> Result<Vec<u8>, EntryError> {
    match t.payload {
        PL::P(bytes) => Ok(bytes),
        PL::C(_) => Err(EntryError::Malformed(what)),
    }
}

fn constructed(t: StructureTag, what: &'static str) -> Result<Vec<StructureTag>, EntryError> {
    match t.payload {
        PL::C(inner) => Ok(inner),
        PL::P(_) => Err(EntryError::Malformed(what)),
    }
}

impl Entry {
    /// Take a `SearchResultEntry` apart (what ldap3's `SearchEntry::construct` reads, without its
    /// panics on a malformed answer and without copying or UTF-8-checking each value).
    pub fn from_result(re: ResultEntry) -> Result<Entry, EntryError> {
        Entry::from_tag(re.0)
    }

    /// [`Entry::from_result`] on the decoded message's body.
    fn from_tag(tag: StructureTag) -> Result<Entry, EntryError> {
        if tag.id != 4 {
            return Err(EntryError::NotAnEntry);
        }
        let mut parts = constructed(tag, "body")?.into_iter();
        let dn = primitive(parts.next().ok_or(EntryError::Malformed("DN"))?, "DN")?;
        let dn = String::from_utf8(dn).map_err(|_| EntryError::DnNotUtf8)?;
        let list = match parts.next() {
            Some(t) => constructed(t, "attribute list")?,
            None => Vec::new(),
        };
        let mut attrs: Vec<(String, Vec<Vec<u8>>)> = Vec::with_capacity(list.len());
        for partial in list {
            let mut pa = constructed(partial, "attribute")?.into_iter();
            let desc = primitive(
                pa.next().ok_or(EntryError::Malformed("attribute"))?,
                "attribute type",
            )?;
            let vals = match pa.next() {
                Some(t) => constructed(t, "attribute values")?,
                None => Vec::new(),
            };
            let mut values = Vec::with_capacity(vals.len());
            for v in vals {
                values.push(primitive(v, "attribute value")?);
            }
            let name = base_name(&desc);
            match attrs.iter_mut().find(|(n, _)| *n == name) {
                Some((_, existing)) => existing.extend(values),
                None => attrs.push((name, values)),
            }
        }
        Ok(Entry { dn, attrs })
    }

    /// Every value of `attr` (any options, any case).
    pub fn all(&self, attr: &str) -> &[Vec<u8>] {
        self.attrs
            .iter()
            .find(|(n, _)| names(n, attr))
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }

    /// The values of `attr`, moved out of the entry (later calls for it see none).
    pub fn take(&mut self, attr: &str) -> Vec<Vec<u8>> {
        self.attrs
            .iter_mut()
            .find(|(n, _)| names(n, attr))
            .map(|(_, v)| std::mem::take(v))
            .unwrap_or_default()
    }

    /// The first value of `attr` as text.
    pub fn first(&self, attr: &str) -> Option<String> {
        self.all(attr)
            .first()
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ldap3::asn1::TagClass;

    fn prim(id: u64, bytes: &[u8]) -> StructureTag {
        StructureTag {
            class: TagClass::Universal,
            id,
            payload: PL::P(bytes.to_vec()),
        }
    }

    fn cons(id: u64, inner: Vec<StructureTag>) -> StructureTag {
        StructureTag {
            class: TagClass::Universal,
            id,
            payload: PL::C(inner),
        }
    }

    fn attr(name: &str, values: &[&[u8]]) -> StructureTag {
        cons(
            16,
            vec![
                prim(4, name.as_bytes()),
                cons(17, values.iter().map(|v| prim(4, v)).collect()),
            ],
        )
    }

    fn entry(dn: &str, attrs: Vec<StructureTag>) -> StructureTag {
        let mut body = cons(4, vec![prim(4, dn.as_bytes()), cons(16, attrs)]);
        body.class = TagClass::Application;
        body
    }

    #[test]
    fn values_are_found_by_base_name_in_the_servers_order() {
        let der: &[u8] = b"\x30\x82\x01\x00\xff";
        let mut e = Entry::from_tag(entry(
            "uid=jo,ou=people,dc=example,dc=org",
            vec![
                attr("entryUUID", &[b"5eed0000-0000-4000-8000-000000000001"]),
                attr("userCertificate;binary", &[der, b"second"]),
                attr("UserCertificate", &[b"third"]),
                attr("mail", &[b"jo@example.org", b"j@example.org"]),
            ],
        ))
        .expect("an entry");
        assert_eq!(e.dn, "uid=jo,ou=people,dc=example,dc=org");
        assert_eq!(e.first("MAIL").as_deref(), Some("jo@example.org"));
        assert_eq!(e.all("usercertificate").len(), 3);
        assert_eq!(e.all("userCertificate;binary")[0], der);
        assert_eq!(
            e.take("userCertificate"),
            vec![der.to_vec(), b"second".to_vec(), b"third".to_vec()]
        );
        assert!(e.all("userCertificate").is_empty());
        assert!(e.all("cn").is_empty());
        assert_eq!(e.first("cn"), None);
    }

    #[test]
    fn a_malformed_answer_is_an_error_not_a_panic() {
        let not_entry = prim(5, b"x");
        assert_eq!(Entry::from_tag(not_entry), Err(EntryError::NotAnEntry));
        let primitive_body = prim(4, b"x");
        assert_eq!(
            Entry::from_tag(primitive_body),
            Err(EntryError::Malformed("body"))
        );
        let bad_dn = entry("x", vec![]);
        let mut bad_dn = bad_dn;
        if let PL::C(parts) = &mut bad_dn.payload {
            parts[0] = prim(4, b"\xff\xfe");
        }
        assert_eq!(Entry::from_tag(bad_dn), Err(EntryError::DnNotUtf8));
        let value_not_primitive = entry(
            "cn=x",
            vec![cons(
                16,
                vec![prim(4, b"cn"), cons(17, vec![cons(16, vec![])])],
            )],
        );
        assert_eq!(
            Entry::from_tag(value_not_primitive),
            Err(EntryError::Malformed("attribute value"))
        );
        // No attribute list at all is an entry without values.
        let bare = cons(4, vec![prim(4, b"cn=x")]);
        let e = Entry::from_tag(bare).expect("an entry");
        assert_eq!(e.dn, "cn=x");
        assert!(e.all("cn").is_empty());
    }
}
