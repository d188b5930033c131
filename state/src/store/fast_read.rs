//! Fast YAML reader for state documents in the block style mailsec writes: what `serde_norway::from_str`
//! gives for them, several times faster; anything it is not sure of is left to `serde_norway`.
//!
//! A 50,000-mailbox state is about 35 MB of YAML, and `serde_norway`'s parser (a port of libyaml)
//! took about two seconds of a no-op plan on it. This reader knows the subset [`super::emit`]
//! writes: block mappings `key: value`, block sequences `- item` (also at their key's
//! indentation), `[]` and `{}`, plain scalars, and single-line quoted scalars; whole-line
//! comments are skipped. It builds a tree of borrowed text and hands it to the same derived
//! `Deserialize` impls, so defaults, unknown fields and duplicate fields behave as they do there.
//!
//! It gives up ([`from_str`] returns `None`, and the caller parses with `serde_norway`) on
//! anything else (tabs, anchors, aliases, tags, flow collections, block scalars, multi-line
//! scalars, comments after a value, document markers, complex keys) and on every plain scalar
//! whose meaning depends on YAML's resolution rules where the answer might differ (anything
//! that could read as null, a boolean or a number, other than the plain forms it is sure of).
//! Any error while deserializing also gives `None`, so every error message (with its line and
//! column) is `serde_norway`'s. The tests compare both readers on written states, on random
//! values, and on randomly damaged documents.

use std::borrow::Cow;
use std::fmt::{self, Display};

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

/// `text` read as `T`, exactly as `serde_norway::from_str` would read it; `None` when this reader
/// is not sure to give the same answer (the caller then uses `serde_norway`).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Option<T> {
    if !printable(text) {
        return None;
    }
    let node = Parser::new(text).document()?;
    T::deserialize(&node).ok()
}

/// Why this reader gave up.
#[derive(Debug)]
pub struct GiveUp;

impl Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a document the fast YAML reader handles")
    }
}
impl std::error::Error for GiveUp {}
impl de::Error for GiveUp {
    fn custom<M: Display>(_msg: M) -> Self {
        GiveUp
    }
}

#[derive(Debug, PartialEq)]
enum Node<'a> {
    Map(Vec<(&'a str, Node<'a>)>),
    Seq(Vec<Node<'a>>),
    /// A plain scalar (its meaning depends on the type asked for).
    Plain(&'a str),
    /// A quoted scalar: always a string.
    Quoted(Cow<'a, str>),
}

/// One line of the document: its indentation and its text after it (never empty, never a comment).
#[derive(Clone, Copy)]
struct Line<'a> {
    indent: usize,
    text: &'a str,
}

struct Parser<'a> {
    lines: Vec<Line<'a>>,
    at: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Parser<'a> {
        Parser {
            lines: Vec::new(),
            at: 0,
        }
        .with_lines(text)
    }

    fn with_lines(mut self, text: &'a str) -> Parser<'a> {
        for raw in text.split('\n') {
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            let text = raw.trim_start_matches(' ');
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            self.lines.push(Line {
                indent: raw.len() - text.len(),
                text,
            });
        }
        self
    }

    fn peek(&self) -> Option<Line<'a>> {
        self.lines.get(self.at).copied()
    }

    /// The whole document: a mapping at column 0 (a state document always is one).
    fn document(mut self) -> Option<Node<'a>> {
        let first = self.peek()?;
        if first.indent != 0 {
            return None;
        }
        let node = self.block(0)?;
        (self.at == self.lines.len()).then_some(node)
    }

    /// The block node starting at the current line, whose indentation is `indent`.
    fn block(&mut self, indent: usize) -> Option<Node<'a>> {
        let line = self.peek()?;
        if line.indent != indent {
            return None;
        }
        if is_item(line.text) {
            self.sequence(indent)
        } else {
            self.mapping(indent, None)
        }
    }

    /// A block sequence whose dashes are at column `indent`.
    fn sequence(&mut self, indent: usize) -> Option<Node<'a>> {
        let mut items = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent != indent || !is_item(line.text) {
                break;
            }
            let rest = line.text[1..].trim_start_matches(' ');
            let column = indent + (line.text.len() - rest.len());
            if rest.is_empty() {
                // `-` alone: the item is the block below, or null.
                self.at += 1;
                items.push(match self.peek() {
                    Some(next) if next.indent > indent => self.block(next.indent)?,
                    _ => Node::Plain(""),
                });
            } else if is_item(rest) {
                return None; // `- - x`: nested on one line
            } else if key_of(rest)?.is_some() {
                // `- key: value`: a mapping whose keys are at the column after the dash.
                items.push(self.mapping(
                    column,
                    Some(Line {
                        indent: column,
                        text: rest,
                    }),
                )?);
            } else {
                self.at += 1;
                items.push(self.inline_scalar(rest, indent)?);
            }
        }
        Some(Node::Seq(items))
    }

    /// A block mapping whose keys are at column `indent`; `first` is its first line when that
    /// line began with a dash (already consumed up to the key).
    fn mapping(&mut self, indent: usize, mut first: Option<Line<'a>>) -> Option<Node<'a>> {
        let mut entries = Vec::new();
        loop {
            let line = match first.take() {
                Some(l) => l,
                None => match self.peek() {
                    Some(l) if l.indent == indent && !is_item(l.text) => l,
                    Some(l) if l.indent > indent => return None, // a continuation
                    _ => break,
                },
            };
            self.at += 1;
            let (key, value) = key_of(line.text)?
                .map(|k| (k, line.text[k.len() + 1..].trim_start_matches(' ')))?;
            let node = if value.is_empty() {
                match self.peek() {
                    Some(next) if next.indent > indent => self.block(next.indent)?,
                    // An indentless sequence: `key:` then `- item` at the key's column.
                    Some(next) if next.indent == indent && is_item(next.text) => {
                        self.sequence(indent)?
                    }
                    _ => Node::Plain(""),
                }
            } else {
                self.inline_scalar(value, indent)?
            };
            entries.push((key, node));
        }
        Some(Node::Map(entries))
    }

    /// A value on the same line as its key or dash: a scalar, `[]` or `{}`. The next line must not
    /// continue it (deeper than `indent`).
    fn inline_scalar(&mut self, text: &'a str, indent: usize) -> Option<Node<'a>> {
        if self.peek().is_some_and(|next| next.indent > indent) {
            return None;
        }
        let text = text.trim_end_matches(' ');
        match text {
            "[]" => return Some(Node::Seq(Vec::new())),
            "{}" => return Some(Node::Map(Vec::new())),
            _ => {}
        }
        if text.starts_with(['\'', '"']) && text.chars().any(|c| c.is_control() && c != '\t') {
            return None;
        }
        if let Some(body) = text.strip_prefix('\'') {
            let inner = body.strip_suffix('\'')?;
            // `''` is a quote; a lone quote inside would end the scalar early.
            if inner.replace("''", "").contains('\'') {
                return None;
            }
            return Some(Node::Quoted(if inner.contains("''") {
                Cow::Owned(inner.replace("''", "'"))
            } else {
                Cow::Borrowed(inner)
            }));
        }
        if let Some(body) = text.strip_prefix('"') {
            return double_quoted(body).map(Node::Quoted);
        }
        plain(text).then_some(Node::Plain(text))
    }
}

/// Is every character one YAML allows in a document (libyaml refuses the others)?
fn printable(text: &str) -> bool {
    let ascii_ok = |b: u8| (b >= 0x20 && b != 0x7f) || matches!(b, b'\t' | b'\n' | b'\r');
    if text.is_ascii() {
        return text.bytes().all(ascii_ok);
    }
    text.chars().all(|c| match c {
        '\u{0}'..='\u{7f}' => ascii_ok(c as u8),
        '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' => c != '\u{feff}',
        c => c >= '\u{10000}',
    })
}

/// Does this line start a sequence item (`- x` or `-` alone)?
fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// The key of a `key: value` / `key:` line: `Some(None)` when the line is not one (a scalar),
/// `None` when it cannot be read here.
fn key_of(text: &str) -> Option<Option<&str>> {
    let end = match text.find(": ") {
        Some(i) => i,
        None if text.ends_with(':') => text.len() - 1,
        None => {
            return if text.contains(':') && !plain(text) {
                None
            } else {
                Some(None)
            }
        }
    };
    let key = &text[..end];
    (plain(key) && !key.is_empty()).then_some(Some(key))
}

/// Can `text` be a plain scalar here, read as exactly its characters? Indicators, comments,
/// `: ` inside, and trailing or leading spaces are left to `serde_norway`.
fn plain(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return true;
    };
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) || first == ' ' {
        return false;
    }
    !(text.contains(": ")
        || text.contains(" #")
        || text.ends_with(':')
        || text.ends_with(' ')
        || text.contains('\t')
        || text.chars().any(|c| c.is_control()))
}

/// The text of a single-line double-quoted scalar (`body` is what follows the opening quote).
fn double_quoted(body: &str) -> Option<Cow<'_, str>> {
    let inner = body.strip_suffix('"')?;
    if !inner.contains(['\\', '"']) {
        return Some(Cow::Borrowed(inner));
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return None,
            '\\' => {
                let escaped = match chars.next()? {
                    '\\' => '\\',
                    '"' => '"',
                    '/' => '/',
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '0' => '\0',
                    'x' => hex_char(&mut chars, 2)?,
                    'u' => hex_char(&mut chars, 4)?,
                    'U' => hex_char(&mut chars, 8)?,
                    _ => return None,
                };
                out.push(escaped);
            }
            c => out.push(c),
        }
    }
    Some(Cow::Owned(out))
}

fn hex_char(chars: &mut std::str::Chars<'_>, digits: usize) -> Option<char> {
    let text: String = chars.by_ref().take(digits).collect();
    if text.len() != digits || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    char::from_u32(u32::from_str_radix(&text, 16).ok()?)
}

/// Plain scalars YAML reads as null.
fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// Could YAML's resolution read this plain scalar as something other than a string (null, a
/// boolean, a number, a special float)? A generous test: `true` means "do not trust a string
/// reading", never the reverse.
fn maybe_not_a_string(text: &str) -> bool {
    if is_null(text) {
        return true;
    }
    let lower = text.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
    ) {
        return true;
    }
    let t = lower.strip_prefix(['+', '-']).unwrap_or(&lower);
    let t = t.strip_prefix('.').unwrap_or(t);
    if matches!(t, "inf" | "nan" | "infinity") {
        return true;
    }
    // A radix prefix makes a number only when every digit after it is one of that radix's
    // (`0BD2…`, a thumbprint, is a string).
    let radix_digits = |rest: &str, ok: fn(u8) -> bool| {
        !rest.is_empty() && rest.bytes().all(|c| ok(c) || c == b'_')
    };
    if let Some(rest) = t.strip_prefix("0x") {
        if radix_digits(rest, |c| c.is_ascii_hexdigit()) {
            return true;
        }
    } else if let Some(rest) = t.strip_prefix("0o") {
        if radix_digits(rest, |c| (b'0'..=b'7').contains(&c)) {
            return true;
        }
    } else if let Some(rest) = t.strip_prefix("0b") {
        if radix_digits(rest, |c| c == b'0' || c == b'1') {
            return true;
        }
    }
    // Digits (with `_`), an optional fraction, an optional exponent: a number.
    let b = t.as_bytes();
    let mut i = 0;
    let mut digits = 0;
    let run = |i: &mut usize, digits: &mut usize| {
        while *i < b.len() && (b[*i].is_ascii_digit() || b[*i] == b'_') {
            *digits += usize::from(b[*i].is_ascii_digit());
            *i += 1;
        }
    };
    run(&mut i, &mut digits);
    if i < b.len() && b[i] == b'.' {
        i += 1;
        run(&mut i, &mut digits);
    }
    if digits == 0 {
        return t.is_empty();
    }
    if i < b.len() && b[i] == b'e' {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let mut exp = 0;
        run(&mut i, &mut exp);
    }
    // A whole number, or YAML 1.1's base-60 form (`1:30`).
    i == b.len() || (lower.contains(':') && lower.bytes().all(|c| b"0123456789:._+-".contains(&c)))
}

impl<'de, 'a> de::Deserializer<'de> for &'a Node<'a> {
    type Error = GiveUp;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self {
            Node::Map(_) => self.deserialize_map(v),
            Node::Seq(_) => self.deserialize_seq(v),
            Node::Quoted(s) => v.visit_str(s),
            Node::Plain(s) => match *s {
                "" | "~" | "null" => v.visit_unit(),
                "true" => v.visit_bool(true),
                "false" => v.visit_bool(false),
                s if !maybe_not_a_string(s) => v.visit_str(s),
                s if is_decimal(s) => v.visit_u64(s.parse().map_err(|_| GiveUp)?),
                _ => Err(GiveUp),
            },
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self {
            Node::Plain("true") => v.visit_bool(true),
            Node::Plain("false") => v.visit_bool(false),
            _ => Err(GiveUp),
        }
    }

    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self {
            Node::Plain(s) if is_decimal(s) => v.visit_u64(s.parse().map_err(|_| GiveUp)?),
            _ => Err(GiveUp),
        }
    }

    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        self.deserialize_u64(v)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        self.deserialize_u64(v)
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self {
            Node::Quoted(s) => v.visit_str(s),
            Node::Plain(s) if !maybe_not_a_string(s) => v.visit_str(s),
            _ => Err(GiveUp),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        self.deserialize_str(v)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self {
            Node::Plain(s) if is_null(s) => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self {
            Node::Seq(items) => {
                let mut access = Items(items.iter());
                let value = v.visit_seq(&mut access)?;
                match access.0.next() {
                    None => Ok(value),
                    Some(_) => Err(GiveUp),
                }
            }
            _ => Err(GiveUp),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, GiveUp> {
        match self {
            Node::Map(entries) => {
                let mut access = Entries {
                    entries: entries.iter(),
                    value: None,
                };
                let value = v.visit_map(&mut access)?;
                match access.entries.next() {
                    None => Ok(value),
                    Some(_) => Err(GiveUp),
                }
            }
            _ => Err(GiveUp),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, GiveUp> {
        self.deserialize_map(v)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, GiveUp> {
        // Unit variants only: a plain or quoted name.
        match self {
            Node::Plain(s) if !maybe_not_a_string(s) => {
                v.visit_enum(IntoDeserializer::<GiveUp>::into_deserializer(*s))
            }
            Node::Quoted(s) => {
                v.visit_enum(IntoDeserializer::<GiveUp>::into_deserializer(s.as_ref()))
            }
            _ => Err(GiveUp),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, GiveUp> {
        v.visit_newtype_struct(self)
    }

    // Everything else the state does not use: give up, and let serde_norway read it.
    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u128 f32 f64 char bytes byte_buf unit unit_struct
        tuple tuple_struct ignored_any
    }
}

/// A plain decimal number without sign or leading zero: what both readers take as that integer.
fn is_decimal(s: &str) -> bool {
    !s.is_empty()
        && s.len() < 20
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'))
}

struct Items<'a>(std::slice::Iter<'a, Node<'a>>);

impl<'de, 'a> SeqAccess<'de> for Items<'a> {
    type Error = GiveUp;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, GiveUp> {
        match self.0.next() {
            Some(node) => seed.deserialize(node).map(Some),
            None => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Entries<'a> {
    entries: std::slice::Iter<'a, (&'a str, Node<'a>)>,
    value: Option<&'a Node<'a>>,
}

impl<'de, 'a> MapAccess<'de> for Entries<'a> {
    type Error = GiveUp;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, GiveUp> {
        match self.entries.next() {
            Some((key, value)) => {
                if maybe_not_a_string(key) {
                    return Err(GiveUp);
                }
                self.value = Some(value);
                seed.deserialize(IntoDeserializer::<GiveUp>::into_deserializer(*key))
                    .map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, GiveUp> {
        seed.deserialize(self.value.take().ok_or(GiveUp)?)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::Cert;
    use crate::model::{DesiredState, MailContact, Mailbox, SmimeConfig};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// Both readers on `text` as `T`: whenever this one answers, serde_norway gives the same.
    fn agrees<T: DeserializeOwned + PartialEq + fmt::Debug>(text: &str) -> Option<T> {
        let ours = from_str::<T>(text);
        if let Some(v) = &ours {
            let theirs = serde_norway::from_str::<T>(text);
            assert_eq!(Some(v), theirs.as_ref().ok(), "{text:?}");
        }
        ours
    }

    fn state(names: &[String], addresses: &[String]) -> DesiredState {
        let cert = |i: usize| Cert::from_bytes(format!("\x00fast read {i}").into_bytes());
        DesiredState {
            smime_config: Some(SmimeConfig {
                SMIMECertificateIssuingCA: Some(None),
                ..SmimeConfig::default()
            }),
            mailboxes: names
                .iter()
                .enumerate()
                .map(|(i, n)| Mailbox {
                    guid: uuid::Uuid::from_u128(i as u128 + 1),
                    name: n.clone(),
                    display_name: Some(format!("{n} (display)")),
                    email_addresses: Some(addresses.to_vec()),
                    email_address_policy_enabled: Some(i % 2 == 0),
                    user_certificate: Some(vec![cert(i), cert(i + 1)]),
                    user_smime_certificate: (i % 3 == 0).then(Vec::new),
                    ..Mailbox::default()
                })
                .collect(),
            mail_contacts: names
                .iter()
                .enumerate()
                .map(|(i, n)| MailContact {
                    guid: uuid::Uuid::from_u128(1000 + i as u128),
                    name: n.clone(),
                    external_email_address: format!("SMTP:{i}@partner.example"),
                    ..MailContact::default()
                })
                .collect(),
            ..DesiredState::default()
        }
    }

    #[test]
    fn written_states_read_back_the_fast_way() {
        let names: Vec<String> = ["alice", "Bob Smith", "o'brien", "x: y", "123", "null", "ü"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let s = state(&names, &["SMTP:a@b.example".into(), "smtp:c@d".into()]);
        for text in [
            super::super::emit::to_string(&s).expect("the fast writer writes it"),
            serde_norway::to_string(&s).unwrap(),
        ] {
            let back: DesiredState = agrees(&text).expect("the fast reader reads it");
            assert_eq!(back, s);
        }
        // Whole-line comments and a CRLF file are read too.
        let text = super::super::emit::to_string(&s).unwrap();
        let commented = format!(
            "# ours\n{}",
            text.replacen("mailboxes:\n", "mailboxes:\n  # the people\n", 1)
        );
        assert_eq!(agrees::<DesiredState>(&commented), Some(s.clone()));
        assert_eq!(agrees::<DesiredState>(&text.replace('\n', "\r\n")), Some(s));
    }

    #[test]
    fn what_it_is_not_sure_of_is_left_to_serde_norway() {
        let cases = [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: [1, 2]\n",
            "a: {b: 1}\n",
            "a: |\n  text\n",
            "a: one\n  two\n",
            "a: 1 # note\n",
            "---\na: 1\n",
            "a:\n\t- 1\n",
            "? a\n: 1\n",
            "a: 'x\n  y'\n",
            "a: \"\\a\"\n",
            "a: 0x10\n",
            "a: 0b101\n",
            "a: 0o17\n",
            "a: 1e3\n",
            "a: .inf\n",
            "a: True\n",
            "a: 1:30\n",
            "a: 007\n",
            "- - 1\n",
            "a: b: c\n",
            "a: \u{feff}\n",
            "a: \u{85}x\n",
        ];
        for text in cases {
            assert_eq!(from_str::<serde_json::Value>(text), None, "{text:?}");
        }
        // What it does read, as serde_norway does.
        for text in [
            "a: 1\nb: true\nc: null\nd: ~\ne:\nf: x y\ng: 'it''s'\nh: \"tab\\tand \\u00fc\"\n",
            "a:\n- 1\n- x\n-\n- []\n- {}\nb:\n  - c: 1\n    d: 2\n",
            "a: 4096-01-01T00:00:00Z\nb: 6E7FB7EF8DCA6ADCF0E4433D6F73EC6CEA598A70\nc: 5eed0000-0000-4000-8000-000000000000\n",
            "a: 0BD2C4D81127724CB2F4CA89DB0307436551A0FE\nb: 0x1G\nc: 0o9\n",
        ] {
            assert!(agrees::<serde_json::Value>(text).is_some(), "{text:?}");
        }
    }

    /// Characters that matter to YAML, for random text.
    const YAML_CHARS: &str = "[a-z0-9 :#\\-.,'\"@/+=_\\[\\]{}?*&!|>%`~\\\\\t\nü]";

    proptest! {
        #[test]
        fn random_states_read_back_as_serde_norway_reads_them(
            names in proptest::collection::vec("[a-zA-Z0-9 :#\\-.,'\"@/+=()_ü]{0,10}", 0..4),
            addresses in proptest::collection::vec("[a-zA-Z0-9:@.\\- ]{0,12}", 0..3),
        ) {
            let s = state(&names, &addresses);
            let text = super::super::emit::to_string(&s)
                .unwrap_or_else(|| serde_norway::to_string(&s).unwrap());
            if let Some(back) = agrees::<DesiredState>(&text) {
                prop_assert_eq!(back, s);
            }
        }

        #[test]
        fn damaged_states_read_as_serde_norway_reads_them_or_not_at_all(
            at in 0usize..2000,
            cut in 0usize..40,
            insert in proptest::collection::vec(YAML_CHARS, 0..4),
        ) {
            let s = state(&["alice".into(), "bob".into()], &["SMTP:a@b.example".into()]);
            let text = super::super::emit::to_string(&s).unwrap();
            let mut at = at.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + cut).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let damaged = format!("{}{}{}", &text[..at], insert.concat(), &text[end..]);
            let _ = agrees::<DesiredState>(&damaged);
            let _ = agrees::<serde_json::Value>(&damaged);
        }

        #[test]
        fn random_scalars_read_as_serde_norway_reads_them_or_not_at_all(
            value in prop_oneof![
                "'[a-z0-9 :#\\-'\"\\\\ü\t]{0,6}'",
                "\"[a-z0-9 :#\\-'\"\\\\ü\tnux]{0,6}\"",
                "[a-zA-Z0-9 :#\\-.,'\"@/+=_~\t]{0,8}",
                // Number-like: radix prefixes, exponents, hex letters (thumbprints), base 60.
                "[0-9+\\-.][0-9a-fA-FxXoObBeEnNiI.+\\-_:]{0,8}",
            ]
        ) {
            for text in [format!("a: {value}\n"), format!("a:\n- {value}\n"), format!("- {value}\n")] {
                let _ = agrees::<serde_json::Value>(&text);
                let _ = agrees::<BTreeMap<String, String>>(&text);
                let _ = agrees::<BTreeMap<String, Option<Vec<String>>>>(&text);
                let _ = agrees::<Vec<Option<String>>>(&text);
            }
        }

        #[test]
        fn random_text_reads_as_serde_norway_reads_it_or_not_at_all(
            lines in proptest::collection::vec(
                ("( {0,4})", "(- )?", "[a-c]{1,2}", "(: )?", proptest::collection::vec(YAML_CHARS, 0..6)),
                1..8,
            )
        ) {
            let text: String = lines
                .iter()
                .map(|(indent, dash, key, colon, rest)| format!("{indent}{dash}{key}{colon}{}\n", rest.concat()))
                .collect();
            let _ = agrees::<serde_json::Value>(&text);
            let _ = agrees::<BTreeMap<String, Option<Vec<String>>>>(&text);
            let _ = agrees::<BTreeMap<String, String>>(&text);
        }
    }
}
