//! LDIF (RFC 2849) content-record reader: seeds the embedded directory from a file an admin exported.
//!
//! Only *content* records are read (`dn:` followed by `attr: value` lines); change records
//! (`changetype:`) are rejected with an error, because a seed file describes the state wanted
//! and not a sequence of edits.
//!
//! What is understood:
//! - an optional `version: 1` line at the top of the file;
//! - `#` comment lines anywhere (a folded comment stays a comment);
//! - line folding: a line that starts with one space continues the line before it;
//! - `\n` and `\r\n` line endings, and a leading UTF-8 byte order mark;
//! - `attr: value` (leading spaces dropped, trailing spaces kept), `attr:: base64`,
//!   `dn: ...` and `dn:: base64`; attribute options such as `userCertificate;binary`;
//! - one or more blank lines between records, and a last record without a final newline.
//!
//! `attr:< URL` values are refused: a seed file must carry its values inline.
//!
//! The front end unfolds physical lines into logical lines and remembers where each piece came
//! from, so every error points at the 1-based line and column of the original file. Each
//! logical line is then taken apart with `nom`.

use base64::engine::general_purpose::STANDARD;
use base64::{DecodeError, Engine as _};
use nom::branch::alt;
use nom::bytes::complete::{take_while, take_while1};
use nom::character::complete::{char, satisfy};
use nom::combinator::{recognize, success, value};
use nom::multi::many0_count;
use nom::sequence::preceded;
use nom::{IResult, Parser};

/// One content record of an LDIF file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdifEntry {
    /// The distinguished name, decoded if it was written as `dn::`.
    pub dn: String,
    /// Attribute descriptions as written (type plus any `;options`) with their raw values, in
    /// file order. Base64 values are decoded; plain values are the UTF-8 bytes of the text.
    pub attrs: Vec<(String, Vec<u8>)>,
    /// 1-based line of the `dn:` line in the input.
    pub line: usize,
}

impl LdifEntry {
    /// Values of attribute `name`, in file order.
    ///
    /// The match ignores ASCII case and also covers descriptions carrying options:
    /// `values("userCertificate")` yields the values of `usercertificate;binary` too.
    /// A `name` that itself carries options (`"userCertificate;binary"`) matches that
    /// description and longer ones that start with it.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.attrs
            .iter()
            .filter(move |(desc, _)| description_matches(desc, name))
            .map(|(_, v)| v.as_slice())
    }

    /// The first value of attribute `name` (matched as in [`LdifEntry::values`]) as text.
    ///
    /// `None` when the attribute is absent or its first value is not valid UTF-8.
    pub fn first_str(&self, name: &str) -> Option<String> {
        self.values(name)
            .next()
            .and_then(|v| std::str::from_utf8(v).ok())
            .map(str::to_owned)
    }
}

fn description_matches(desc: &str, name: &str) -> bool {
    let (d, n) = (desc.as_bytes(), name.as_bytes());
    d.len() >= n.len()
        && d[..n.len()].eq_ignore_ascii_case(n)
        && (d.len() == n.len() || d[n.len()] == b';')
}

/// An LDIF file that could not be read, with the place (1-based line and column, columns
/// counted in characters) where the problem was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {kind}")]
pub struct LdifError {
    /// 1-based line in the input.
    pub line: usize,
    /// 1-based column (in characters) in that line.
    pub column: usize,
    /// What is wrong.
    pub kind: LdifErrorKind,
}

/// What is wrong in an LDIF file; the message also says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LdifErrorKind {
    /// A line that is neither blank, a comment, a continuation nor `name: value`.
    #[error(
        "attribute line without ':' — each line must be 'name: value', 'name:: base64' or 'name:< file://path'"
    )]
    MissingColon,
    /// A line that starts with `:`.
    #[error("line starts with ':' but has no attribute name — write 'name: value'")]
    EmptyAttributeName,
    /// A character that cannot appear in an attribute description before the `:`.
    #[error(
        "invalid character {found:?} in attribute name — names are letters, digits and '-', options follow ';' (as in 'userCertificate;binary'), and ':' must follow the name directly"
    )]
    InvalidAttributeName {
        /// The offending character.
        found: char,
    },
    /// An `attr:< URL` value.
    #[error(
        "attribute '{attribute}' uses a URL value (':<'), which is not supported in a seed file — put the content inline instead, as '{attribute}:: <base64 of the content>'"
    )]
    UrlValueUnsupported {
        /// The attribute description as written.
        attribute: String,
    },
    /// A record with a `changetype:` line.
    #[error(
        "change records ('changetype: {changetype}') are not supported in a seed file — export plain content records (dn: followed by attribute lines, as ldapsearch, slapcat or ldifde -f write them) without 'changetype:' lines"
    )]
    ChangeRecord {
        /// The change type given (`add`, `modify`, ...).
        changetype: String,
    },
    /// An `attr::` value that is not valid standard base64.
    #[error(
        "invalid base64 in attribute '{attribute}': {detail} — re-encode the value with standard base64 (A-Z, a-z, 0-9, '+', '/', padded with '=')"
    )]
    InvalidBase64 {
        /// The attribute description as written (`dn` for a `dn::` line).
        attribute: String,
        /// What the decoder found.
        detail: String,
    },
    /// A `dn::` value whose bytes are not UTF-8.
    #[error(
        "the base64 'dn::' value does not decode to UTF-8 text — a DN must be UTF-8; re-export the entry or fix the encoding of the name"
    )]
    DnNotUtf8,
    /// A record whose first line is not `dn:`.
    #[error(
        "record must start with 'dn:' but starts with '{found}' — begin every record with 'dn: <distinguished name>' and separate records with a blank line"
    )]
    MissingDn {
        /// The attribute description the record starts with.
        found: String,
    },
    /// A second `dn:` inside one record, usually a missing blank line.
    #[error("second 'dn:' inside one record — separate records with a blank line")]
    DuplicateDn,
    /// A `version:` other than 1.
    #[error("unsupported LDIF version '{found}' — only 'version: 1' is supported")]
    UnsupportedVersion {
        /// The version given.
        found: String,
    },
    /// A NUL or carriage return in a plain value.
    #[error(
        "attribute '{attribute}' contains the control character {found:?}, which a plain value may not hold — write the value as '{attribute}:: <base64>'"
    )]
    UnsafeChar {
        /// The attribute description as written.
        attribute: String,
        /// The offending character.
        found: char,
    },
    /// A line starting with a space where no line precedes it to be continued.
    #[error(
        "continuation line (starting with a space) has no line to continue — remove the leading space, or the blank line before it"
    )]
    OrphanContinuation,
}

// ---------------------------------------------------------------------------------------------
// Front end: physical lines -> logical (unfolded) lines -> records.

/// A piece of a logical line: `phys[off..]` of physical line `line` starts at byte `start` of
/// the logical text.
struct Segment<'a> {
    start: usize,
    line: usize,
    phys: &'a str,
    off: usize,
}

/// A line after unfolding, with where each piece came from.
struct Logical<'a> {
    text: String,
    segs: Vec<Segment<'a>>,
}

impl<'a> Logical<'a> {
    fn new(phys: &'a str, line: usize) -> Self {
        Logical {
            text: phys.to_owned(),
            segs: vec![Segment {
                start: 0,
                line,
                phys,
                off: 0,
            }],
        }
    }

    /// Appends `phys[off..]` (a continuation line without its leading space).
    fn continue_with(&mut self, phys: &'a str, line: usize, off: usize) {
        self.segs.push(Segment {
            start: self.text.len(),
            line,
            phys,
            off,
        });
        self.text.push_str(&phys[off..]);
    }

    fn first_line(&self) -> usize {
        self.segs.first().map_or(1, |s| s.line)
    }

    /// 1-based (line, column) of byte `at` of the logical text.
    fn position(&self, at: usize) -> (usize, usize) {
        let seg = self
            .segs
            .iter()
            .find(|s| at < s.start + (s.phys.len() - s.off))
            .or_else(|| self.segs.last());
        let Some(seg) = seg else {
            return (1, 1);
        };
        let rel = at.saturating_sub(seg.start).min(seg.phys.len() - seg.off);
        let byte = seg.off + rel;
        let column = seg
            .phys
            .get(..byte)
            .map_or(byte, |prefix| prefix.chars().count())
            + 1;
        (seg.line, column)
    }

    fn error(&self, at: usize, kind: LdifErrorKind) -> LdifError {
        let (line, column) = self.position(at);
        LdifError { line, column, kind }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Last {
    /// Start of input or after a blank line: nothing to continue.
    Nothing,
    /// After a content line: a continuation extends it.
    Line,
    /// After a comment line: a continuation belongs to the comment.
    Comment,
}

/// Parses LDIF content records.
///
/// Returns the entries in file order; empty input (or only comments and `version: 1`)
/// gives an empty list.
pub fn parse_ldif(text: &str) -> Result<Vec<LdifEntry>, LdifError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut entries = Vec::new();
    let mut record: Vec<Logical<'_>> = Vec::new();
    let mut last = Last::Nothing;
    let mut first_record = true;

    for (idx, raw) in text.split('\n').enumerate() {
        let line_no = idx + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let blank = line.bytes().all(|b| b == b' ' || b == b'\t');

        if line.starts_with(' ') {
            match (last, record.last_mut()) {
                (Last::Line, Some(logical)) => {
                    logical.continue_with(line, line_no, 1);
                    continue;
                }
                (Last::Comment, _) => continue,
                // A whitespace-only line with nothing to continue is taken as blank.
                _ if blank => {}
                _ => {
                    return Err(LdifError {
                        line: line_no,
                        column: 1,
                        kind: LdifErrorKind::OrphanContinuation,
                    })
                }
            }
        }
        if blank {
            if !record.is_empty() {
                if let Some(entry) = parse_record(&record, first_record)? {
                    entries.push(entry);
                }
                first_record = false;
                record.clear();
            }
            last = Last::Nothing;
        } else if line.starts_with('#') {
            last = Last::Comment;
        } else {
            record.push(Logical::new(line, line_no));
            last = Last::Line;
        }
    }
    if !record.is_empty() {
        if let Some(entry) = parse_record(&record, first_record)? {
            entries.push(entry);
        }
    }
    Ok(entries)
}

// ---------------------------------------------------------------------------------------------
// One logical line: `description ":" ( FILL value | ":" FILL base64 | "<" FILL url )`.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ValueKind {
    Plain,
    Base64,
    Url,
}

struct AttrLine<'l> {
    /// Attribute description (type and options) as written.
    name: &'l str,
    kind: ValueKind,
    /// Byte offset of the value (after FILL) in the logical text.
    value_at: usize,
    value: &'l str,
}

fn is_type_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_'
}

fn is_option_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// `attributeType *(";" option)`; the type starts with a letter or digit (digits for OIDs).
fn attr_description(i: &str) -> IResult<&str, &str> {
    recognize((
        satisfy(|c| c.is_ascii_alphanumeric()),
        take_while(is_type_char),
        many0_count(preceded(char(';'), take_while1(is_option_char))),
    ))
    .parse(i)
}

/// The separator after the description: `:`, `::` or `:<`.
fn value_kind(i: &str) -> IResult<&str, ValueKind> {
    preceded(
        char(':'),
        alt((
            value(ValueKind::Base64, char(':')),
            value(ValueKind::Url, char('<')),
            success(ValueKind::Plain),
        )),
    )
    .parse(i)
}

/// FILL: any number of spaces.
fn fill(i: &str) -> IResult<&str, &str> {
    take_while(|c| c == ' ').parse(i)
}

fn parse_attr_line<'l>(logical: &'l Logical<'_>) -> Result<AttrLine<'l>, LdifError> {
    let text = logical.text.as_str();
    let offset = |rest: &str| text.len() - rest.len();
    let no_colon = !text.contains(':');

    let (rest, name) = match attr_description(text) {
        Ok(ok) => ok,
        Err(_) => {
            let kind = if no_colon {
                LdifErrorKind::MissingColon
            } else if text.starts_with(':') {
                LdifErrorKind::EmptyAttributeName
            } else {
                LdifErrorKind::InvalidAttributeName {
                    found: text.chars().next().unwrap_or(' '),
                }
            };
            return Err(logical.error(0, kind));
        }
    };
    let (rest, kind) = match value_kind(rest) {
        Ok(ok) => ok,
        Err(_) => {
            if no_colon {
                return Err(logical.error(0, LdifErrorKind::MissingColon));
            }
            let found = rest.chars().next().unwrap_or(' ');
            return Err(logical.error(offset(rest), LdifErrorKind::InvalidAttributeName { found }));
        }
    };
    if kind == ValueKind::Url {
        // Point at the '<'.
        return Err(logical.error(
            offset(rest) - 1,
            LdifErrorKind::UrlValueUnsupported {
                attribute: name.to_owned(),
            },
        ));
    }
    let (value, _) = fill(rest).unwrap_or((rest, ""));
    Ok(AttrLine {
        name,
        kind,
        value_at: offset(value),
        value,
    })
}

/// The value's bytes: plain text as is, base64 decoded.
fn decode_value(logical: &Logical<'_>, attr: &AttrLine<'_>) -> Result<Vec<u8>, LdifError> {
    match attr.kind {
        ValueKind::Plain => {
            if let Some((i, found)) = attr
                .value
                .char_indices()
                .find(|&(_, c)| c == '\0' || c == '\r')
            {
                return Err(logical.error(
                    attr.value_at + i,
                    LdifErrorKind::UnsafeChar {
                        attribute: attr.name.to_owned(),
                        found,
                    },
                ));
            }
            Ok(attr.value.as_bytes().to_vec())
        }
        ValueKind::Base64 => decode_base64(logical, attr),
        // Rejected while parsing the line; kept total for safety.
        ValueKind::Url => Err(logical.error(
            attr.value_at,
            LdifErrorKind::UrlValueUnsupported {
                attribute: attr.name.to_owned(),
            },
        )),
    }
}

fn decode_base64(logical: &Logical<'_>, attr: &AttrLine<'_>) -> Result<Vec<u8>, LdifError> {
    // Drop whitespace (what folding with extra indentation leaves), remembering where each
    // remaining byte was so that errors point into the original text.
    let mut compact = Vec::with_capacity(attr.value.len());
    let mut origin = Vec::with_capacity(attr.value.len());
    for (i, c) in attr.value.char_indices() {
        if c.is_ascii_whitespace() {
            continue;
        }
        let mut buf = [0u8; 4];
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            compact.push(b);
            origin.push(attr.value_at + i);
        }
    }
    let end = attr.value_at + attr.value.len();
    let at_char = |pos: usize| logical.text[pos..].chars().next().unwrap_or(' ');
    STANDARD.decode(&compact).map_err(|e| {
        let (at, detail) = match e {
            DecodeError::InvalidByte(i, _) => {
                let at = origin.get(i).copied().unwrap_or(end);
                let found = at_char(at);
                let detail = if found == '=' {
                    "'=' padding before the end of the value".to_owned()
                } else {
                    format!("unexpected character {found:?}")
                };
                (at, detail)
            }
            DecodeError::InvalidLastSymbol(i, _) => {
                let at = origin.get(i).copied().unwrap_or(end);
                (
                    at,
                    format!(
                        "the last character {:?} does not end a valid encoding — the value looks truncated or corrupted",
                        at_char(at)
                    ),
                )
            }
            DecodeError::InvalidLength(n) => (
                attr.value_at,
                format!(
                    "{n} base64 characters cannot form complete groups of 4 — the value looks truncated"
                ),
            ),
            DecodeError::InvalidPadding => (
                end,
                "missing or wrong '=' padding at the end of the value".to_owned(),
            ),
        };
        logical.error(
            at,
            LdifErrorKind::InvalidBase64 {
                attribute: attr.name.to_owned(),
                detail,
            },
        )
    })
}

/// The name before the first ':' of a logical line, if it has one.
fn raw_name<'l>(logical: &'l Logical<'_>) -> Option<&'l str> {
    logical.text.split_once(':').map(|(name, _)| name)
}

fn parse_record(lines: &[Logical<'_>], first_record: bool) -> Result<Option<LdifEntry>, LdifError> {
    // A change record is the most likely cause of any other oddity in it: say so first.
    for logical in lines {
        if raw_name(logical).is_some_and(|n| n.eq_ignore_ascii_case("changetype")) {
            let changetype = logical
                .text
                .split_once(':')
                .map_or("", |(_, v)| v.trim_start_matches([':', '<']).trim())
                .to_owned();
            return Err(logical.error(0, LdifErrorKind::ChangeRecord { changetype }));
        }
    }

    let mut lines = lines;
    if first_record {
        if let Some((head, tail)) = lines.split_first() {
            if raw_name(head).is_some_and(|n| n.eq_ignore_ascii_case("version")) {
                let attr = parse_attr_line(head)?;
                let version = decode_value(head, &attr)?;
                if version.trim_ascii() != b"1" {
                    return Err(head.error(
                        attr.value_at,
                        LdifErrorKind::UnsupportedVersion {
                            found: String::from_utf8_lossy(&version).into_owned(),
                        },
                    ));
                }
                lines = tail;
            }
        }
    }
    let Some((head, tail)) = lines.split_first() else {
        return Ok(None);
    };

    let dn_line = parse_attr_line(head)?;
    if !dn_line.name.eq_ignore_ascii_case("dn") {
        return Err(head.error(
            0,
            LdifErrorKind::MissingDn {
                found: dn_line.name.to_owned(),
            },
        ));
    }
    let dn_bytes = decode_value(head, &dn_line)?;
    let dn = String::from_utf8(dn_bytes)
        .map_err(|_| head.error(dn_line.value_at, LdifErrorKind::DnNotUtf8))?;

    let mut attrs = Vec::with_capacity(tail.len());
    for logical in tail {
        let attr = parse_attr_line(logical)?;
        if attr.name.eq_ignore_ascii_case("dn") {
            return Err(logical.error(0, LdifErrorKind::DuplicateDn));
        }
        let value = decode_value(logical, &attr)?;
        attrs.push((attr.name.to_owned(), value));
    }
    Ok(Some(LdifEntry {
        dn,
        attrs,
        line: head.first_line(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse_ok(text: &str) -> Vec<LdifEntry> {
        match parse_ldif(text) {
            Ok(entries) => entries,
            Err(e) => panic!("unexpected error: {e}\n--- input ---\n{text}"),
        }
    }

    fn parse_err(text: &str) -> LdifError {
        match parse_ldif(text) {
            Ok(entries) => panic!("expected an error, got {entries:?}\n--- input ---\n{text}"),
            Err(e) => e,
        }
    }

    fn attr(name: &str, value: &[u8]) -> (String, Vec<u8>) {
        (name.to_owned(), value.to_vec())
    }

    // ----- basics ---------------------------------------------------------------------------

    #[test]
    fn empty_input_is_no_entries() {
        assert_eq!(parse_ok(""), vec![]);
        assert_eq!(parse_ok("\n\n\r\n"), vec![]);
        assert_eq!(parse_ok("# only a comment\n"), vec![]);
        assert_eq!(parse_ok("version: 1\n"), vec![]);
        assert_eq!(parse_ok("version: 1"), vec![]);
        assert_eq!(parse_ok("\u{feff}"), vec![]);
    }

    #[test]
    fn single_record() {
        let entries = parse_ok("dn: cn=a,dc=example\ncn: a\nmail: a@example.org\n");
        assert_eq!(
            entries,
            vec![LdifEntry {
                dn: "cn=a,dc=example".into(),
                attrs: vec![attr("cn", b"a"), attr("mail", b"a@example.org")],
                line: 1,
            }]
        );
    }

    #[test]
    fn version_line_with_and_without_blank_line() {
        let a = parse_ok("version: 1\n\ndn: cn=a\ncn: a\n");
        let b = parse_ok("version: 1\ndn: cn=a\ncn: a\n");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].dn, "cn=a");
        assert_eq!(a[0].line, 3);
        assert_eq!(b[0].dn, "cn=a");
        assert_eq!(b[0].line, 2);
        assert_eq!(a[0].attrs, b[0].attrs);
        // Case-insensitive keywords, as in RFC 2849's ABNF.
        assert_eq!(parse_ok("VERSION: 1\nDN: cn=a\n")[0].dn, "cn=a");
    }

    #[test]
    fn unsupported_version() {
        let e = parse_err("version: 2\n\ndn: cn=a\n");
        assert_eq!((e.line, e.column), (1, 10));
        assert_eq!(
            e.kind,
            LdifErrorKind::UnsupportedVersion { found: "2".into() }
        );
        assert!(e.to_string().contains("only 'version: 1' is supported"));
    }

    #[test]
    fn version_only_counts_on_first_record() {
        let e = parse_err("dn: cn=a\n\nversion: 1\n");
        assert_eq!((e.line, e.column), (3, 1));
        assert_eq!(
            e.kind,
            LdifErrorKind::MissingDn {
                found: "version".into()
            }
        );
    }

    #[test]
    fn comments_including_folded_ones() {
        let text = "# exported by hand\n\
                    # a long comment that\n  is folded onto a second line: still a comment\n\
                    dn: cn=a\n\
                    # a comment inside a record\n folded too\n\
                    cn: a\n\
                    #no space after hash\n\
                    sn: b\n";
        let entries = parse_ok(text);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].line, 4);
        assert_eq!(entries[0].attrs, vec![attr("cn", b"a"), attr("sn", b"b")]);
    }

    #[test]
    fn folding_removes_newline_and_one_space() {
        let text = "dn: cn=Some\n  Person,dc=exa\n mple\ndescri\n ption: one\n  two\n";
        let entries = parse_ok(text);
        assert_eq!(entries[0].dn, "cn=Some Person,dc=example");
        assert_eq!(entries[0].attrs, vec![attr("description", b"one two")]);
    }

    #[test]
    fn folding_with_crlf_and_whitespace_only_continuation() {
        let text = "dn: cn=a\r\ndescription: x\r\n  \r\n y\r\n";
        let entries = parse_ok(text);
        assert_eq!(entries[0].attrs, vec![attr("description", b"x y")]);
    }

    #[test]
    fn crlf_line_endings() {
        let text = "version: 1\r\n\r\ndn: cn=a\r\ncn: a\r\n\r\ndn: cn=b\r\ncn: b\r\n";
        let entries = parse_ok(text);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].attrs, vec![attr("cn", b"a")]);
        assert_eq!(entries[1].dn, "cn=b");
        assert_eq!(entries[1].line, 6);
    }

    #[test]
    fn plain_value_leading_spaces_trimmed_trailing_kept() {
        let entries = parse_ok("dn:    cn=a\ncn:   a b  \nempty:\nalsoEmpty:   \n");
        assert_eq!(entries[0].dn, "cn=a");
        assert_eq!(
            entries[0].attrs,
            vec![
                attr("cn", b"a b  "),
                attr("empty", b""),
                attr("alsoEmpty", b"")
            ]
        );
    }

    #[test]
    fn utf8_plain_values_are_accepted() {
        let entries = parse_ok("dn: cn=Jürgen Müller,dc=example\ncn: Jürgen Müller\n");
        assert_eq!(entries[0].dn, "cn=Jürgen Müller,dc=example");
        assert_eq!(entries[0].first_str("cn").as_deref(), Some("Jürgen Müller"));
    }

    #[test]
    fn base64_values() {
        let entries = parse_ok(
            "dn: cn=a\n\
             description:: V2hhdCBhIGNhcmVmdWwgcmVhZGVyIQ==\n\
             bytes:: AP/+\n\
             emptyB64::\n\
             spaced::   SGVs bG8=\n\
             folded:: SGVsbG8sIH\n dvcmxk\n\
             indented:: SGVsbG8sIH\n   dvcmxk\n",
        );
        assert_eq!(
            entries[0].attrs,
            vec![
                attr("description", b"What a careful reader!"),
                attr("bytes", &[0x00, 0xff, 0xfe]),
                attr("emptyB64", b""),
                attr("spaced", b"Hello"),
                attr("folded", b"Hello, world"),
                attr("indented", b"Hello, world"),
            ]
        );
    }

    #[test]
    fn base64_dn() {
        // "cn=Jürgen,dc=example"
        let entries = parse_ok("dn:: Y249SsO8cmdlbixkYz1leGFtcGxl\ncn: x\n");
        assert_eq!(entries[0].dn, "cn=Jürgen,dc=example");
    }

    #[test]
    fn non_utf8_base64_dn_is_an_error() {
        let e = parse_err("# header\ndn:: /w==\ncn: x\n");
        assert_eq!(e.kind, LdifErrorKind::DnNotUtf8);
        assert_eq!((e.line, e.column), (2, 6));
    }

    #[test]
    fn url_values_are_refused() {
        let e = parse_err("dn: cn=a\ncn: a\njpegPhoto:< file:///tmp/photo.jpg\n");
        assert_eq!(
            e.kind,
            LdifErrorKind::UrlValueUnsupported {
                attribute: "jpegPhoto".into()
            }
        );
        assert_eq!((e.line, e.column), (3, 11));
        let msg = e.to_string();
        assert!(msg.starts_with("line 3, column 11: attribute 'jpegPhoto' uses a URL value"));
        assert!(msg.contains("not supported"));

        let e = parse_err("dn:< file:///dn.txt\n");
        assert_eq!(
            e.kind,
            LdifErrorKind::UrlValueUnsupported {
                attribute: "dn".into()
            }
        );
    }

    #[test]
    fn attribute_options() {
        let entries = parse_ok(
            "dn: cn=a\n\
             userCertificate;binary:: AQID\n\
             description;lang-en: hello\n\
             description;lang-de: hallo\n\
             description: plain\n\
             userCertificateX: not me\n",
        );
        let e = &entries[0];
        assert_eq!(e.attrs[0], attr("userCertificate;binary", &[1, 2, 3]));
        let certs: Vec<&[u8]> = e.values("usercertificate").collect();
        assert_eq!(certs, vec![&[1u8, 2, 3][..]]);
        let certs: Vec<&[u8]> = e.values("UserCertificate;Binary").collect();
        assert_eq!(certs, vec![&[1u8, 2, 3][..]]);
        let descs: Vec<&[u8]> = e.values("DESCRIPTION").collect();
        assert_eq!(descs, vec![&b"hello"[..], b"hallo", b"plain"]);
        let de: Vec<&[u8]> = e.values("description;lang-de").collect();
        assert_eq!(de, vec![&b"hallo"[..]]);
        assert_eq!(e.values("user").count(), 0);
        assert_eq!(e.values("descriptions").count(), 0);
        assert_eq!(e.first_str("description").as_deref(), Some("hello"));
        assert_eq!(e.first_str("missing"), None);
    }

    #[test]
    fn first_str_of_binary_value_is_none() {
        let entries = parse_ok("dn: cn=a\nphoto:: /9j/\nphoto: text\n");
        assert_eq!(entries[0].first_str("photo"), None);
    }

    #[test]
    fn blank_lines_separate_records() {
        let text = "\n\n# lead\n\ndn: cn=a\ncn: a\n\n\n\n   \n\t\ndn: cn=b\ncn: b\n\n\n";
        let entries = parse_ok(text);
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[0].line, entries[1].line), (5, 12));
        assert_eq!(entries[1].attrs, vec![attr("cn", b"b")]);
    }

    #[test]
    fn trailing_record_without_final_newline() {
        let entries = parse_ok("dn: cn=a\ncn: a\n\ndn: cn=b\ncn: b");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].attrs, vec![attr("cn", b"b")]);
        let entries = parse_ok("dn: cn=a\r\ncn: a\r\n fold");
        assert_eq!(entries[0].attrs, vec![attr("cn", b"afold")]);
    }

    #[test]
    fn record_with_only_a_dn() {
        let entries = parse_ok("dn: cn=a\n\ndn: cn=b\n");
        assert_eq!(entries.len(), 2);
        assert!(entries[0].attrs.is_empty());
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let entries = parse_ok("\u{feff}dn: cn=a\ncn: a\n");
        assert_eq!(entries[0].dn, "cn=a");
    }

    // ----- errors ---------------------------------------------------------------------------

    #[test]
    fn change_records_are_refused() {
        let text = "version: 1\n\ndn: cn=a\ncn: a\n\ndn: cn=b\nchangetype: modify\nreplace: mail\nmail: b@x\n-\n";
        let e = parse_err(text);
        assert_eq!((e.line, e.column), (7, 1));
        assert_eq!(
            e.kind,
            LdifErrorKind::ChangeRecord {
                changetype: "modify".into()
            }
        );
        assert!(e.to_string().contains("not supported in a seed file"));

        let e = parse_err("dn: cn=a\nChangeType: add\ncn: a\n");
        assert_eq!(
            e.kind,
            LdifErrorKind::ChangeRecord {
                changetype: "add".into()
            }
        );
        // Even a delete, which has nothing but the changetype line.
        let e = parse_err("dn: cn=a\nchangetype: delete");
        assert_eq!((e.line, e.column), (2, 1));
    }

    #[test]
    fn missing_colon_message() {
        let text = "version: 1\n\n# people\ndn: cn=a\ncn: a\nmail: a@x\nthis line is wrong\n";
        let e = parse_err(text);
        assert_eq!((e.line, e.column), (7, 1));
        assert_eq!(e.kind, LdifErrorKind::MissingColon);
        assert_eq!(
            e.to_string(),
            "line 7, column 1: attribute line without ':' — each line must be 'name: value', 'name:: base64' or 'name:< file://path'"
        );
    }

    #[test]
    fn invalid_base64_points_at_the_character() {
        let e = parse_err("dn: cn=a\ncn: a\nobjectGUID:: AAAA*AAA\n");
        assert_eq!((e.line, e.column), (3, 18));
        match &e.kind {
            LdifErrorKind::InvalidBase64 { attribute, detail } => {
                assert_eq!(attribute, "objectGUID");
                assert!(detail.contains("'*'"), "{detail}");
            }
            other => panic!("wrong kind {other:?}"),
        }
        // On a folded continuation line, the column is that of the continuation line.
        let e = parse_err("dn: cn=a\ncert:: AAAA\n BBBB\n CC!C\n");
        assert_eq!((e.line, e.column), (4, 4));
        // Bad padding in the middle.
        let e = parse_err("dn: cn=a\nx:: QQ==QUJD\n");
        assert_eq!((e.line, e.column), (2, 7));
        assert!(e.to_string().contains("padding"), "{e}");
        // Truncated value.
        let e = parse_err("dn: cn=a\nx:: QUJDR\n");
        assert_eq!(e.line, 2);
        assert!(matches!(e.kind, LdifErrorKind::InvalidBase64 { .. }), "{e}");
        // Missing padding.
        let e = parse_err("dn: cn=a\nx:: QQ\n");
        assert_eq!((e.line, e.column), (2, 7));
        assert!(e.to_string().contains("padding"), "{e}");
        // Non-ASCII inside base64.
        let e = parse_err("dn: cn=a\nx:: QUé=\n");
        assert_eq!((e.line, e.column), (2, 7));
        // Invalid base64 in the dn.
        let e = parse_err("dn:: %%%%\n");
        assert_eq!((e.line, e.column), (1, 6));
    }

    #[test]
    fn record_must_start_with_dn() {
        let e = parse_err("cn: a\ndn: cn=a\n");
        assert_eq!((e.line, e.column), (1, 1));
        assert_eq!(e.kind, LdifErrorKind::MissingDn { found: "cn".into() });
    }

    #[test]
    fn second_dn_without_blank_line() {
        let e = parse_err("dn: cn=a\ncn: a\ndn: cn=b\ncn: b\n");
        assert_eq!((e.line, e.column), (3, 1));
        assert_eq!(e.kind, LdifErrorKind::DuplicateDn);
        assert!(e.to_string().contains("blank line"));
    }

    #[test]
    fn orphan_continuation() {
        let e = parse_err(" dn: cn=a\n");
        assert_eq!((e.line, e.column), (1, 1));
        assert_eq!(e.kind, LdifErrorKind::OrphanContinuation);
        let e = parse_err("dn: cn=a\n\n continued?\n");
        assert_eq!((e.line, e.column), (3, 1));
    }

    #[test]
    fn bad_attribute_names() {
        let e = parse_err("dn: cn=a\ncn : a\n");
        assert_eq!((e.line, e.column), (2, 3));
        assert_eq!(e.kind, LdifErrorKind::InvalidAttributeName { found: ' ' });
        let e = parse_err("dn: cn=a\n: a\n");
        assert_eq!((e.line, e.column), (2, 1));
        assert_eq!(e.kind, LdifErrorKind::EmptyAttributeName);
        let e = parse_err("dn: cn=a\nfoo;: a\n");
        assert_eq!((e.line, e.column), (2, 4));
        let e = parse_err("dn: cn=a\n\tcn: a\n");
        assert_eq!((e.line, e.column), (2, 1));
        let e = parse_err("dn: cn=a\nnäme: a\n");
        assert_eq!((e.line, e.column), (2, 2));
        assert_eq!(e.kind, LdifErrorKind::InvalidAttributeName { found: 'ä' });
        // Columns count characters, not bytes.
        let e = parse_err("dn: cn=a\nx: ü\rü\n");
        assert_eq!((e.line, e.column), (2, 5));
    }

    #[test]
    fn control_characters_in_plain_values() {
        let e = parse_err("dn: cn=a\ncn: a\0b\n");
        assert_eq!((e.line, e.column), (2, 6));
        assert_eq!(
            e.kind,
            LdifErrorKind::UnsafeChar {
                attribute: "cn".into(),
                found: '\0'
            }
        );
        // A bare CR (not part of a CRLF line ending).
        let e = parse_err("dn: cn=a\r\ncn: a\rb\r\n");
        assert_eq!((e.line, e.column), (2, 6));
    }

    #[test]
    fn errors_are_reported_in_file_order() {
        // The first record is bad; a later orphan continuation must not win.
        let e = parse_err("dn: cn=a\nbroken\n\n oops\n");
        assert_eq!((e.line, e.kind), (2, LdifErrorKind::MissingColon));
    }

    // ----- realistic exports ----------------------------------------------------------------

    const AD_EXPORT: &str = "\
# ldifde -f export.ldf -d \"DC=corp,DC=example\"\r
dn: CN=Jane Contact,OU=Contacts,DC=corp,DC=example\r
changeType: add\r
";

    #[test]
    fn ldifde_default_output_is_a_change_file() {
        let e = parse_err(AD_EXPORT);
        assert_eq!((e.line, e.column), (3, 1));
        assert_eq!(
            e.kind,
            LdifErrorKind::ChangeRecord {
                changetype: "add".into()
            }
        );
    }

    const AD_CONTENT: &str = "\
version: 1\r
\r
dn: CN=Jane Contact,OU=Contacts,DC=corp,DC=example\r
objectClass: top\r
objectClass: person\r
objectClass: organizationalPerson\r
objectClass: contact\r
cn: Jane Contact\r
displayName: Jane Contact (Partner)\r
mail: jane@partner.example\r
proxyAddresses: SMTP:jane@partner.example\r
proxyAddresses: smtp:jane.c@partner.example\r
targetAddress: SMTP:jane@partner.example\r
objectGUID:: eWaefCV03kCUS+B/wfkK5w==\r
\r
dn: CN=Bob User,CN=Users,DC=corp,DC=example\r
objectClass: top\r
objectClass: person\r
objectClass: organizationalPerson\r
objectClass: user\r
cn: Bob User\r
sAMAccountName: bob\r
userPrincipalName: bob@corp.example\r
mail: bob@corp.example\r
proxyAddresses: SMTP:bob@corp.example\r
proxyAddresses: smtp:bob.user@corp.example\r
proxyAddresses: smtp:b.user@corp.example\r
proxyAddresses: X500:/o=Corp/ou=Exchange Administrative Group (FYDIBOHF23SPDLT\r
 )/cn=Recipients/cn=bob\r
objectGUID:: hS7gvmM6R0+jIHwTC+2Qlw==\r
userCertificate;binary:: MIIBvjCCAWOgAwIBAgIUEn1utner7v1vAHyOr8yoKMaSYlQwCgYIK\r
 oZIzj0EAwIwNDERMA8GA1UEAwwIQm9iIFVzZXIxHzAdBgkqhkiG9w0BCQEWEGJvYkBjb3JwLmV4YW\r
 1wbGUwHhcNMjYxMTIzMTUyNTI5WhcNMzYxMTIwMTUyNTI5WjA0MREwDwYDVQQDDAhCb2IgVXNlcjE\r
 fMB0GCSqGSIb3DQEJARYQYm9iQGNvcnAuZXhhbXBsZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IA\r
 BEHzVEE5tnekQxtxDCPitOaoLWCMstSGrtLtj+6wWOwlKdQ2hAfMw0cS7Aae3aWGXqD319djimjFT\r
 oyK4JpkF++jUzBRMB0GA1UdDgQWBBRL4Ct+VoB/YKFHHt8HFsWpdJkwIzAfBgNVHSMEGDAWgBRL4C\r
 t+VoB/YKFHHt8HFsWpdJkwIzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQDfMED\r
 N5jfwGVSPw1ep5U00BlAWKngxP/68j/xbUKjPQwIhAIwDAQW55kdleNxE6+k1brfNm+zZslcwbjLV\r
 cvLT4erO\r
userAccountControl: 512\r
";

    #[test]
    fn active_directory_contact_and_user() {
        let entries = parse_ok(AD_CONTENT);
        assert_eq!(entries.len(), 2);

        let contact = &entries[0];
        assert_eq!(contact.dn, "CN=Jane Contact,OU=Contacts,DC=corp,DC=example");
        assert_eq!(contact.line, 3);
        let classes: Vec<&[u8]> = contact.values("objectclass").collect();
        assert_eq!(
            classes,
            vec![&b"top"[..], b"person", b"organizationalPerson", b"contact"]
        );
        let proxies: Vec<&[u8]> = contact.values("proxyAddresses").collect();
        assert_eq!(
            proxies,
            vec![
                &b"SMTP:jane@partner.example"[..],
                b"smtp:jane.c@partner.example"
            ]
        );
        assert_eq!(
            contact.first_str("targetAddress").as_deref(),
            Some("SMTP:jane@partner.example")
        );
        let guid = contact.values("objectGUID").next().expect("objectGUID");
        assert_eq!(guid.len(), 16);
        // 7c9e6679-7425-40de-944b-e07fc1f90ae7 in AD's mixed-endian byte order.
        assert_eq!(
            guid,
            &[
                0x79, 0x66, 0x9e, 0x7c, 0x25, 0x74, 0xde, 0x40, 0x94, 0x4b, 0xe0, 0x7f, 0xc1, 0xf9,
                0x0a, 0xe7
            ]
        );

        let user = &entries[1];
        assert_eq!(user.dn, "CN=Bob User,CN=Users,DC=corp,DC=example");
        assert_eq!(user.line, 16);
        assert_eq!(user.values("objectGUID").next().map(<[u8]>::len), Some(16));
        let proxies: Vec<String> = user
            .values("proxyaddresses")
            .map(|v| String::from_utf8(v.to_vec()).unwrap())
            .collect();
        assert_eq!(
            proxies,
            vec![
                "SMTP:bob@corp.example",
                "smtp:bob.user@corp.example",
                "smtp:b.user@corp.example",
                "X500:/o=Corp/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=bob",
            ]
        );
        let cert = user.values("userCertificate").next().expect("certificate");
        assert_eq!(cert.len(), 450);
        // A DER SEQUENCE with a two-byte length covering the rest of the blob.
        assert_eq!(cert[0], 0x30);
        assert_eq!(cert[1], 0x82);
        assert_eq!(
            usize::from(cert[2]) << 8 | usize::from(cert[3]),
            cert.len() - 4
        );
        // The same bytes as decoding the unfolded text in one go.
        let unfolded: String = AD_CONTENT
            .lines()
            .skip_while(|l| !l.starts_with("userCertificate"))
            .take_while(|l| !l.starts_with("userAccountControl"))
            .map(|l| l.trim_end_matches('\r'))
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<String>();
        let b64 = unfolded.trim_start_matches("userCertificate;binary:: ");
        assert_eq!(cert, STANDARD.decode(b64).unwrap().as_slice());
        assert_eq!(user.first_str("userAccountControl").as_deref(), Some("512"));
    }

    const OPENLDAP_SLAPCAT: &str = "\
dn: dc=example,dc=org
objectClass: top
objectClass: dcObject
objectClass: organization
o: Example Org
dc: example
structuralObjectClass: organization
entryUUID: 2b0e6f3c-8f1e-103e-8a3b-3b0a7a2c6d11
creatorsName: cn=admin,dc=example,dc=org
createTimestamp: 20240101000000Z

dn: uid=jdoe,ou=People,dc=example,dc=org
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: inetOrgPerson
uid: jdoe
cn: John Doe
sn: Doe
givenName: John
displayName:: Sm9obiBEw7Zl
mail: jdoe@example.org
mail: john.doe@example.org
telephoneNumber: +1 555 0100
userPassword:: e1NTSEF9YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4
description: A rather long description that slapcat folds at seventy-six co
 lumns, continued here.
structuralObjectClass: inetOrgPerson
entryUUID: 2b0e7a4a-8f1e-103e-8a3c-3b0a7a2c6d11
creatorsName: cn=admin,dc=example,dc=org
createTimestamp: 20240101000000Z
entryCSN: 20240101000000.000000Z#000000#000#000000
modifiersName: cn=admin,dc=example,dc=org
modifyTimestamp: 20240101000000Z
";

    #[test]
    fn openldap_inet_org_person() {
        let entries = parse_ok(OPENLDAP_SLAPCAT);
        assert_eq!(entries.len(), 2);
        let p = &entries[1];
        assert_eq!(p.dn, "uid=jdoe,ou=People,dc=example,dc=org");
        assert_eq!(p.line, 12);
        assert!(p.values("objectClass").any(|v| v == b"inetOrgPerson"));
        assert_eq!(p.first_str("displayname").as_deref(), Some("John Döe"));
        let mails: Vec<&[u8]> = p.values("mail").collect();
        assert_eq!(
            mails,
            vec![&b"jdoe@example.org"[..], b"john.doe@example.org"]
        );
        assert_eq!(
            p.first_str("userPassword").as_deref(),
            Some("{SSHA}abcdefghijklmnopqrstuvwx")
        );
        assert_eq!(
            p.first_str("description").as_deref(),
            Some("A rather long description that slapcat folds at seventy-six columns, continued here.")
        );
        assert_eq!(
            p.first_str("entryCSN").as_deref(),
            Some("20240101000000.000000Z#000000#000#000000")
        );
    }

    // ----- property tests -------------------------------------------------------------------

    /// RFC 2849 SAFE-STRING: ASCII without NUL, LF, CR, not starting with space, ':' or '<'.
    fn is_safe_string(v: &[u8]) -> bool {
        let safe_char = |b: u8| b != 0 && b != b'\n' && b != b'\r' && b < 0x80;
        match v.first() {
            None => true,
            Some(&first) => {
                first != b' ' && first != b':' && first != b'<' && v.iter().all(|&b| safe_char(b))
            }
        }
    }

    /// Text written plainly in the lenient mode: any UTF-8 without NUL, LF, CR and without a
    /// leading space, ':' or '<'.
    fn is_plain_utf8(v: &[u8]) -> bool {
        match std::str::from_utf8(v) {
            Ok(s) => !s.starts_with([' ', ':', '<']) && !s.contains(['\0', '\n', '\r']),
            Err(_) => false,
        }
    }

    #[derive(Debug, Clone)]
    struct Style {
        crlf: bool,
        version: Option<bool>, // Some(blank line after it?)
        fold_width: Option<usize>,
        comments: bool,
        utf8_plain: bool,
        extra_blank_lines: usize,
        final_newline: bool,
    }

    /// Writes `entries` as LDIF; returns the text and the 1-based line of each `dn:`.
    fn write_ldif(entries: &[LdifEntry], style: &Style) -> (String, Vec<usize>) {
        let nl = if style.crlf { "\r\n" } else { "\n" };
        let mut lines: Vec<String> = Vec::new();
        let mut dn_lines = Vec::new();
        let fold = |logical: String, out: &mut Vec<String>| match style.fold_width {
            None => out.push(logical),
            Some(width) => {
                let chars: Vec<char> = logical.chars().collect();
                let first = width.min(chars.len());
                out.push(chars[..first].iter().collect());
                for chunk in chars[first..].chunks(width - 1) {
                    out.push(format!(" {}", chunk.iter().collect::<String>()));
                }
            }
        };
        let spec = |name: &str, value: &[u8]| {
            if is_safe_string(value) || (style.utf8_plain && is_plain_utf8(value)) {
                format!("{name}: {}", std::str::from_utf8(value).unwrap())
            } else {
                format!("{name}:: {}", STANDARD.encode(value))
            }
        };
        if let Some(blank_after) = style.version {
            lines.push("version: 1".into());
            if blank_after {
                lines.push(String::new());
            }
        }
        for (i, entry) in entries.iter().enumerate() {
            if i > 0 {
                for _ in 0..=style.extra_blank_lines {
                    lines.push(String::new());
                }
            }
            dn_lines.push(lines.len() + 1);
            fold(spec("dn", entry.dn.as_bytes()), &mut lines);
            if style.comments {
                fold(
                    format!("# entry {i}: a comment that is long enough to be folded"),
                    &mut lines,
                );
            }
            for (name, value) in &entry.attrs {
                fold(spec(name, value), &mut lines);
            }
        }
        let mut text = lines.join(nl);
        if style.final_newline && !lines.is_empty() {
            text.push_str(nl);
        }
        (text, dn_lines)
    }

    fn value_strategy() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..40),
            "[ -~]{0,40}".prop_map(String::into_bytes),
            any::<String>().prop_map(String::into_bytes),
            (
                prop_oneof![
                    Just(" "),
                    Just(":"),
                    Just("<"),
                    Just("::"),
                    Just(" :"),
                    Just(":< "),
                    Just("#"),
                    Just("  ")
                ],
                "[ -~]{0,20}"
            )
                .prop_map(|(p, s)| format!("{p}{s}").into_bytes()),
            "[ -~]{0,10}[\r\n\0][ -~]{0,10}".prop_map(String::into_bytes),
        ]
    }

    fn name_strategy() -> impl Strategy<Value = String> {
        "[a-zA-Z][a-zA-Z0-9-]{0,12}(;[a-zA-Z0-9-]{1,8}){0,2}".prop_filter("reserved names", |n| {
            let base = n.split(';').next().unwrap_or("");
            !n.eq_ignore_ascii_case("dn") && !base.eq_ignore_ascii_case("changetype")
        })
    }

    fn dn_strategy() -> impl Strategy<Value = String> {
        prop_oneof![
            "(cn|uid|ou|dc)=[a-zA-Z0-9 .+-]{0,20}(,(ou|dc)=[a-z0-9]{1,10}){0,3}",
            any::<String>(),
            (prop_oneof![Just(" "), Just(":"), Just("<")], "[ -~]{0,20}")
                .prop_map(|(p, s)| format!("{p}{s}")),
        ]
    }

    fn entry_strategy() -> impl Strategy<Value = LdifEntry> {
        (
            dn_strategy(),
            proptest::collection::vec((name_strategy(), value_strategy()), 0..6),
        )
            .prop_map(|(dn, attrs)| LdifEntry { dn, attrs, line: 0 })
    }

    fn style_strategy() -> impl Strategy<Value = Style> {
        (
            any::<bool>(),
            proptest::option::of(any::<bool>()),
            proptest::option::of(2usize..80),
            any::<bool>(),
            any::<bool>(),
            0usize..3,
            any::<bool>(),
        )
            .prop_map(
                |(
                    crlf,
                    version,
                    fold_width,
                    comments,
                    utf8_plain,
                    extra_blank_lines,
                    final_newline,
                )| {
                    Style {
                        crlf,
                        version,
                        fold_width,
                        comments,
                        utf8_plain,
                        extra_blank_lines,
                        final_newline,
                    }
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_strings_never_panic(text in any::<String>()) {
            if let Err(e) = parse_ldif(&text) {
                prop_assert!(e.line >= 1 && e.column >= 1);
                prop_assert!(e.line <= text.split('\n').count());
                let _ = e.to_string();
            }
        }

        #[test]
        fn ldif_like_strings_never_panic(
            text in "([a-zA-Z;:<#= \t\r/+0-9é\0-]{0,12}(\n|\r\n)?){0,30}"
        ) {
            if let Err(e) = parse_ldif(&text) {
                prop_assert!(e.line >= 1 && e.column >= 1);
                prop_assert!(e.line <= text.split('\n').count());
                let line = text.split('\n').nth(e.line - 1).unwrap_or("");
                prop_assert!(e.column <= line.chars().count() + 1, "{} in {:?}", e, line);
            }
        }

        #[test]
        fn round_trip(
            entries in proptest::collection::vec(entry_strategy(), 0..5),
            style in style_strategy(),
        ) {
            let (text, dn_lines) = write_ldif(&entries, &style);
            let parsed = parse_ldif(&text);
            prop_assert!(parsed.is_ok(), "{:?}\n--- input ---\n{}", parsed, text);
            let parsed = parsed.unwrap();
            let expected: Vec<LdifEntry> = entries
                .into_iter()
                .zip(dn_lines)
                .map(|(e, line)| LdifEntry { line, ..e })
                .collect();
            prop_assert_eq!(parsed, expected, "\n--- input ---\n{}", text);
        }
    }
}
