//! Fast YAML writer for documents written from scratch: the exact text `serde_norway::to_string` gives, for the shapes state documents have, several times faster; anything else is left to `serde_norway`.
//!
//! A fresh 50,000-contact state is about 30 MB of YAML; `serde_norway`'s emitter (a port of
//! libyaml) spent most of a bulk script's save time on it. This writer streams the same block
//! style straight into a `String`: mappings `key: value` indented by 2, sequences `- item` at
//! the indentation of their key (libyaml's indentless sequences in mappings), `[]` and `{}` for
//! empty collections, `null`, `true`/`false`, integers, and strings.
//!
//! A string is written here only when its text is certain: as a plain scalar when libyaml would
//! choose plain style for it and `serde_norway` would not quote it (it quotes strings that would
//! read back as null, a boolean or a number). A single-line string outside that safe set is
//! rendered by `serde_norway` itself, on its own. Whatever else this writer does not know
//! (floats, enums with data, multi-line strings, control characters, non-string keys, ...)
//! makes [`to_string`] return `None`, and the caller uses `serde_norway::to_string` for the whole
//! document. The tests compare both writers on every shape the state has and on random values.

use std::collections::HashMap;
use std::fmt::{self, Display};

use serde::ser::{self, Serialize};

/// `value` as `serde_norway::to_string(value)` writes it, or `None` when this writer cannot be
/// sure to write the same text.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    let mut e = Emitter {
        out: String::with_capacity(4096),
        stack: Vec::new(),
        next: Slot::Root,
        references: HashMap::new(),
    };
    value.serialize(&mut e).ok()?;
    Some(e.out)
}

/// Why this writer gave up (the document is then written by `serde_norway`).
#[derive(Debug)]
pub struct Unsupported;

impl Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a shape the fast YAML writer handles")
    }
}
impl std::error::Error for Unsupported {}
impl ser::Error for Unsupported {
    fn custom<M: Display>(_msg: M) -> Self {
        Unsupported
    }
}

/// Where the next node goes: what is already on the current line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Slot {
    /// The document itself.
    Root,
    /// After `key:` (no space yet); `indent` is the key's column.
    Value { indent: usize },
    /// After `- `; `indent` is the dash's column.
    Item { indent: usize },
}

/// An open mapping or sequence.
#[derive(Debug)]
struct Frame {
    /// Where the collection itself goes.
    slot: Slot,
    /// Entries or items written so far.
    count: usize,
    /// For a certificate reference: whether its text is being written or was copied (see [`References`]).
    reference: Reference,
}

/// A certificate reference's text, by what decides it: its `file` (the SHA-256 of the bytes, which every other
/// field is derived from: see `CertRef`), its field count and its slot. A bulk-created state holds the same
/// certificate on thousands of recipients; its reference is written once and copied after that.
type References = HashMap<(String, usize, Slot), String>;

#[derive(Debug)]
enum Reference {
    /// Not a certificate reference.
    No,
    /// A reference with `fields` fields, starting at `start` in the output; its `file` is not written yet.
    Open { start: usize, fields: usize },
    /// Being written: stored under this key when it closes.
    Writing {
        start: usize,
        key: (String, usize, Slot),
    },
    /// Copied whole when its `file` was written: its other fields are skipped.
    Copied,
}

struct Emitter {
    out: String,
    stack: Vec<Frame>,
    /// The slot of the next node.
    next: Slot,
    references: References,
}

type R = Result<(), Unsupported>;

impl Emitter {
    fn spaces(&mut self, n: usize) {
        self.out.extend(std::iter::repeat_n(' ', n));
    }

    /// Write a scalar's text in the current slot.
    fn scalar(&mut self, text: &str) -> R {
        match self.next {
            Slot::Root => return Err(Unsupported),
            Slot::Value { .. } => {
                self.out.push(' ');
                self.out.push_str(text);
            }
            Slot::Item { .. } => self.out.push_str(text),
        }
        self.out.push('\n');
        Ok(())
    }

    fn string(&mut self, s: &str) -> R {
        match classify(s) {
            Style::Plain => self.scalar(s),
            Style::AskSerde => {
                let rendered = serde_norway::to_string(s).map_err(|_| Unsupported)?;
                let one_line = rendered.strip_suffix('\n').ok_or(Unsupported)?;
                if one_line.contains('\n') {
                    return Err(Unsupported);
                }
                self.scalar(one_line)
            }
            Style::GiveUp => Err(Unsupported),
        }
    }

    fn open(&mut self) {
        self.stack.push(Frame {
            slot: self.next,
            count: 0,
            reference: Reference::No,
        });
    }

    /// A certificate reference's first field, when it is `file`: if a reference with that file, field count and
    /// slot was written before, its text is copied and `true` returned (the other fields are then skipped);
    /// else the reference is written and remembered when it closes.
    fn copy_reference(&mut self, key: &str, file: &str) -> bool {
        let Some(frame) = self.stack.last_mut() else {
            return false;
        };
        let Reference::Open { start, fields } = frame.reference else {
            return false;
        };
        if key != "file" || frame.count != 0 {
            frame.reference = Reference::No;
            return false;
        }
        let memo_key = (file.to_string(), fields, frame.slot);
        match self.references.get(&memo_key) {
            Some(text) => {
                self.out.truncate(start);
                self.out.push_str(text);
                frame.count = 1;
                frame.reference = Reference::Copied;
                true
            }
            None => {
                frame.reference = Reference::Writing {
                    start,
                    key: memo_key,
                };
                false
            }
        }
    }

    /// The column of a mapping's keys, given the slot the mapping was opened in.
    fn key_indent(slot: Slot) -> usize {
        match slot {
            Slot::Root => 0,
            Slot::Value { indent } => indent + 2,
            Slot::Item { indent } => indent + 2,
        }
    }

    /// The column of a sequence's dashes, given the slot the sequence was opened in.
    fn dash_indent(slot: Slot) -> usize {
        match slot {
            Slot::Root => 0,
            Slot::Value { indent } => indent,
            Slot::Item { indent } => indent + 2,
        }
    }

    /// Start the next mapping entry: write `key:`; the value goes in `Slot::Value`.
    fn key(&mut self, key: &str) -> R {
        if classify(key) != Style::Plain || key.len() > 100 {
            return Err(Unsupported);
        }
        let frame = self.stack.last_mut().ok_or(Unsupported)?;
        let indent = Self::key_indent(frame.slot);
        let first = frame.count == 0;
        let slot = frame.slot;
        frame.count += 1;
        match (first, slot) {
            (true, Slot::Value { .. }) => {
                self.out.push('\n');
                self.spaces(indent);
            }
            (true, Slot::Item { .. } | Slot::Root) => {}
            (false, _) => self.spaces(indent),
        }
        self.out.push_str(key);
        self.out.push(':');
        self.next = Slot::Value { indent };
        Ok(())
    }

    /// Start the next sequence item: write `- `; the item goes in `Slot::Item`.
    fn item(&mut self) -> R {
        let frame = self.stack.last_mut().ok_or(Unsupported)?;
        let indent = Self::dash_indent(frame.slot);
        let first = frame.count == 0;
        let slot = frame.slot;
        frame.count += 1;
        match (first, slot) {
            (true, Slot::Value { .. }) => {
                self.out.push('\n');
                self.spaces(indent);
            }
            (true, Slot::Item { .. } | Slot::Root) => {}
            (false, _) => self.spaces(indent),
        }
        self.out.push_str("- ");
        self.next = Slot::Item { indent };
        Ok(())
    }

    /// Close a collection: an empty one is written in flow style (`[]`, `{}`).
    fn close(&mut self, empty: &str) -> R {
        let frame = self.stack.pop().ok_or(Unsupported)?;
        if frame.count == 0 {
            self.next = frame.slot;
            match frame.slot {
                Slot::Root => {
                    self.out.push_str(empty);
                    self.out.push('\n');
                }
                _ => self.scalar(empty)?,
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// Certainly written plain by `serde_norway`.
    Plain,
    /// One line, but its style is `serde_norway`'s to decide.
    AskSerde,
    /// Multi-line or with characters whose rendering depends on the context.
    GiveUp,
}

/// The bytes a plain scalar may hold in libyaml's block context, as far as this writer is concerned: ASCII
/// letters and digits and ` _.@/+=,()-:`. No indicator but `:` and `-` (allowed inside, not first), and no `#`.
const PLAIN_SAFE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric();
        b += 1;
    }
    let extra = b" _.@/+=,()-:";
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] = true;
        i += 1;
    }
    t
};

/// How `serde_norway` writes `s` (see the module documentation). Called for every string of the state, so it
/// reads the bytes once.
fn classify(s: &str) -> Style {
    let bytes = s.as_bytes();
    let mut all_safe = true;
    let mut ascii = true;
    for &b in bytes {
        // Control characters: literal or escaped styles whose text depends on the surroundings.
        if b < 0x20 || b == 0x7f {
            return Style::GiveUp;
        }
        ascii &= b < 0x80;
        all_safe &= PLAIN_SAFE[usize::from(b)];
    }
    // libyaml also breaks lines at NEL, LS and PS.
    if !ascii && s.contains(['\u{85}', '\u{2028}', '\u{2029}', '\u{feff}']) {
        return Style::GiveUp;
    }
    let Some(&first) = bytes.first() else {
        return Style::AskSerde;
    };
    // Plain in libyaml's block context: no indicator first, no `: ` or ` #`, no space at either end.
    if !first.is_ascii_alphanumeric()
        || !all_safe
        || bytes.last() == Some(&b' ')
        || bytes.last() == Some(&b':')
        || s.contains(": ")
    {
        return Style::AskSerde;
    }
    // serde_norway quotes what would read back as null, a boolean or a number.
    if first.is_ascii_alphabetic() {
        // A letter first is never a number (`inf` and `nan` are not finite, so not floats).
        return match s {
            "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => {
                Style::AskSerde
            }
            _ => Style::Plain,
        };
    }
    // A digit first: a number (decimal, `0x`/`0o`/`0b`, or a float with an exponent) uses only digits, `.`,
    // signs, `e`/`E` and, after a radix prefix, hex digits; any other letter, or the shape of a GUID, makes it a
    // string. That keeps thumbprints such as `0404F6BF…` out of serde_norway.
    let radix = bytes.len() > 1 && first == b'0' && b"xXoObB".contains(&bytes[1]);
    let letter_outside_numbers = |b: &u8| b.is_ascii_alphabetic() && !matches!(b, b'e' | b'E');
    let numeric = |b: &u8| b.is_ascii_hexdigit() || b".+-xXoO".contains(b);
    if (!radix && bytes.iter().any(letter_outside_numbers))
        || !bytes.iter().all(numeric)
        || is_guid(bytes)
    {
        Style::Plain
    } else {
        Style::AskSerde
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex digits.
fn is_guid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

impl ser::Serializer for &mut Emitter {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = ser::Impossible<(), Unsupported>;
    type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = ser::Impossible<(), Unsupported>;

    fn serialize_bool(self, v: bool) -> R {
        self.scalar(if v { "true" } else { "false" })
    }
    fn serialize_i8(self, v: i8) -> R {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> R {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> R {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> R {
        self.scalar(&v.to_string())
    }
    fn serialize_u8(self, v: u8) -> R {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> R {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> R {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> R {
        self.scalar(&v.to_string())
    }
    fn serialize_f32(self, _v: f32) -> R {
        Err(Unsupported)
    }
    fn serialize_f64(self, _v: f64) -> R {
        Err(Unsupported)
    }
    fn serialize_char(self, _v: char) -> R {
        // serde_norway always single-quotes a char.
        Err(Unsupported)
    }
    fn serialize_str(self, v: &str) -> R {
        self.string(v)
    }
    fn serialize_bytes(self, _v: &[u8]) -> R {
        Err(Unsupported)
    }
    fn serialize_none(self) -> R {
        self.scalar("null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> R {
        value.serialize(self)
    }
    fn serialize_unit(self) -> R {
        self.scalar("null")
    }
    fn serialize_unit_struct(self, _name: &'static str) -> R {
        Err(Unsupported)
    }
    fn serialize_unit_variant(self, _name: &'static str, _i: u32, variant: &'static str) -> R {
        self.string(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> R {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _i: u32,
        _variant: &'static str,
        _value: &T,
    ) -> R {
        Err(Unsupported)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self, Unsupported> {
        self.open();
        Ok(self)
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self, Unsupported> {
        self.open();
        Ok(self)
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _i: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self, Unsupported> {
        self.open();
        Ok(self)
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Self, Unsupported> {
        let start = self.out.len();
        self.open();
        if name == "CertRef" {
            if let Some(frame) = self.stack.last_mut() {
                frame.reference = Reference::Open { start, fields: len };
            }
        }
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _i: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
}

impl ser::SerializeSeq for &mut Emitter {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        self.item()?;
        value.serialize(&mut **self)
    }
    fn end(self) -> R {
        self.close("[]")
    }
}

impl ser::SerializeTuple for &mut Emitter {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        self.item()?;
        value.serialize(&mut **self)
    }
    fn end(self) -> R {
        self.close("[]")
    }
}

impl ser::SerializeStruct for &mut Emitter {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> R {
        let reference = self.stack.last().map(|f| &f.reference);
        if matches!(reference, Some(Reference::Copied)) {
            return Ok(());
        }
        if matches!(reference, Some(Reference::Open { .. })) {
            // A reference's `file` is text; a reference whose first field is not is written as it comes.
            match value.serialize(KeyText) {
                Ok(file) => {
                    if self.copy_reference(key, &file) {
                        return Ok(());
                    }
                }
                Err(_) => {
                    if let Some(frame) = self.stack.last_mut() {
                        frame.reference = Reference::No;
                    }
                }
            }
        }
        self.key(key)?;
        value.serialize(&mut **self)
    }
    fn end(self) -> R {
        let reference = self
            .stack
            .last_mut()
            .map(|f| std::mem::replace(&mut f.reference, Reference::No));
        self.close("{}")?;
        if let Some(Reference::Writing { start, key }) = reference {
            let text = self.out[start..].to_string();
            self.references.insert(key, text);
        }
        Ok(())
    }
}

impl ser::SerializeMap for &mut Emitter {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> R {
        let key = key.serialize(KeyText)?;
        self.key(&key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> R {
        value.serialize(&mut **self)
    }
    fn end(self) -> R {
        self.close("{}")
    }
}

/// A mapping key's text: only string keys are written here.
struct KeyText;

impl ser::Serializer for KeyText {
    type Ok = String;
    type Error = Unsupported;
    type SerializeSeq = ser::Impossible<String, Unsupported>;
    type SerializeTuple = ser::Impossible<String, Unsupported>;
    type SerializeTupleStruct = ser::Impossible<String, Unsupported>;
    type SerializeTupleVariant = ser::Impossible<String, Unsupported>;
    type SerializeMap = ser::Impossible<String, Unsupported>;
    type SerializeStruct = ser::Impossible<String, Unsupported>;
    type SerializeStructVariant = ser::Impossible<String, Unsupported>;

    fn serialize_str(self, v: &str) -> Result<String, Unsupported> {
        Ok(v.to_string())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _i: u32,
        variant: &'static str,
    ) -> Result<String, Unsupported> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, Unsupported> {
        value.serialize(self)
    }
    fn serialize_bool(self, _v: bool) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i8(self, _v: i8) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i16(self, _v: i16) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i32(self, _v: i32) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i64(self, _v: i64) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u8(self, _v: u8) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u16(self, _v: u16) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u32(self, _v: u32) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_u64(self, _v: u64) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f32(self, _v: f32) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f64(self, _v: f64) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_char(self, _v: char) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit(self) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _i: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _i: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _i: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde::Serialize;

    use super::*;

    /// This writer gives `serde_norway`'s text, or gives up.
    fn same<T: Serialize>(v: &T) -> Option<String> {
        let reference = serde_norway::to_string(v).expect("serde_norway writes it");
        let fast = to_string(v);
        if let Some(f) = &fast {
            assert_eq!(f, &reference, "the fast writer differs");
        }
        fast
    }

    const TRICKY: &[&str] = &[
        "",
        " ",
        "a",
        "contact0",
        "SMTP:contact0@partner.example",
        "certs/dd69db81fcd1d0ba1dcfef8f076685a8ae1df310e9c2fb051aacf1b12581d997.cer",
        "EMAIL=baptiste@cravaterouge.com,CN=Baptiste (Cravate Rouge),O=Cravate Rouge",
        "2086-11-23T17:51:19Z",
        "d546173c-2f9a-4151-8d81-41b625180ccb",
        "1234567e-2f9a-4151-8d81-41b625180ccb",
        "00000000-0000-0000-0000-000000000001",
        "123",
        "0123",
        "-5",
        "+5",
        "1e5",
        "1e-5",
        "1.5",
        ".5",
        "0x1F",
        "0o17",
        "0b101",
        "0x-5",
        "1_000",
        "inf",
        ".inf",
        "nan",
        ".nan",
        "true",
        "True",
        "FALSE",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "null",
        "Null",
        "~",
        "a: b",
        "a:b",
        "a:",
        "a #b",
        "a#b",
        "#a",
        "-a",
        "- a",
        "---",
        "...",
        "?a",
        "? a",
        "@a",
        "`a",
        "'a'",
        "\"a\"",
        "a'b",
        "[a]",
        "{a}",
        "a,b",
        "a b",
        " a",
        "a ",
        "a  b",
        "*a",
        "&a",
        "!a",
        "%a",
        "|a",
        ">a",
        "ünï",
        "日本",
        "a\tb",
        "a\nb",
        "a\n",
        "a\r\nb",
        "a\u{85}b",
        "DomainValidation",
        "O=Contoso,CN=Contoso S-MIME Issuing CA",
        "mail.cravaterouge.com",
        "CN=Jo,OU=Users,DC=contoso,DC=example",
        "X500:/o=Contoso/ou=Exchange Administrative Group/cn=Recipients/cn=jo",
        "contoso\\jo",
        "0404F6BF514EC973CCD694AD4E1BEE25D10BEBA4",
        "9F",
        "12ab",
        "1E5",
        "1e5x",
        "1.5e3",
        "0e5",
        "0X1F",
        "0x1G",
        "0B1",
        "0b12",
        "0O7",
        "0o8",
    ];

    #[test]
    fn every_tricky_string_is_written_as_serde_norway_writes_it() {
        for s in TRICKY {
            same(&BTreeMap::from([("k", *s)]));
            same(&vec![*s]);
            same(&BTreeMap::from([("k", vec![*s, *s])]));
            // as a key too
            same(&BTreeMap::from([(*s, 1)]));
        }
    }

    #[test]
    fn plain_strings_are_really_written_here() {
        for s in [
            "contact0",
            "SMTP:contact0@partner.example",
            "2086-11-23T17:51:19Z",
            "d546173c-2f9a-4151-8d81-41b625180ccb",
            "EMAIL=baptiste@cravaterouge.com,CN=Baptiste (Cravate Rouge),O=Cravate Rouge",
            "0404F6BF514EC973CCD694AD4E1BEE25D10BEBA4",
        ] {
            assert_eq!(classify(s), Style::Plain, "{s}");
        }
        assert!(same(&BTreeMap::from([("k", "true")])).is_some());
        assert!(same(&BTreeMap::from([("k", "a\nb")])).is_none());
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Inner {
        file: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        size: Option<usize>,
        list: Vec<Vec<String>>,
        empty: BTreeMap<String, String>,
        flag: bool,
        n: i64,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Outer {
        api_version: String,
        items: Vec<Inner>,
        maybe: Option<Vec<String>>,
        none: Option<String>,
        nested: Option<Inner>,
        tuple: (u8, String),
        unit: (),
    }

    fn inner(s: &str, k: usize) -> Inner {
        Inner {
            file: s.to_string(),
            size: (k & 1 == 0).then_some(k),
            list: (0..k % 3)
                .map(|i| (0..i).map(|j| format!("{s}{j}")).collect())
                .collect(),
            empty: if k & 1 == 0 {
                BTreeMap::new()
            } else {
                BTreeMap::from([(format!("k{k}"), s.to_string())])
            },
            flag: k % 2 == 1,
            n: -(k as i64),
        }
    }

    #[test]
    fn nested_shapes_are_written_as_serde_norway_writes_them() {
        for k in 0..6 {
            let v = Outer {
                api_version: "mailsec/v1".into(),
                items: (0..k)
                    .map(|i| inner(TRICKY[i * 7 % TRICKY.len()], i))
                    .collect(),
                maybe: (k % 2 == 0).then(|| vec!["x".into(); k]),
                none: None,
                nested: (k % 3 == 0).then(|| inner("deep", k)),
                tuple: (k as u8, "t".into()),
                unit: (),
            };
            same(&v);
        }
        assert_eq!(same(&Vec::<String>::new()).as_deref(), Some("[]\n"));
        assert_eq!(
            same(&BTreeMap::<String, String>::new()).as_deref(),
            Some("{}\n")
        );
        assert!(to_string("a scalar document").is_none());
        assert!(to_string(&BTreeMap::from([("f", 1.5)])).is_none());
    }

    #[test]
    fn a_whole_state_is_written_as_serde_norway_writes_it() {
        use crate::cert::Cert;
        use crate::model::{DesiredState, MailContact, Mailbox};
        let mut s = DesiredState::default();
        for i in 0..4u128 {
            s.mail_contacts.push(MailContact {
                guid: uuid::Uuid::from_u128(i + 1),
                name: format!("c{i}"),
                external_email_address: format!("SMTP:c{i}@x.example"),
                user_certificate: Some(vec![Cert::from_bytes(vec![i as u8, 1, 2])]),
                ..Default::default()
            });
            s.mailboxes.push(Mailbox {
                guid: uuid::Uuid::from_u128(100 + i),
                name: TRICKY[i as usize * 5].to_string(),
                user_certificate: (i % 2 == 0).then(Vec::new),
                ..Default::default()
            });
        }
        assert!(same(&s).is_some());
    }

    #[test]
    fn a_certificate_set_on_many_recipients_is_written_as_serde_norway_writes_it() {
        use crate::cert::Cert;
        use crate::model::{DesiredState, MailContact, Mailbox};
        let shared = Cert::from_bytes(vec![9, 9, 9]);
        let mut s = DesiredState::default();
        for i in 0..5u128 {
            s.mail_contacts.push(MailContact {
                guid: uuid::Uuid::from_u128(i + 1),
                name: format!("c{i}"),
                external_email_address: format!("SMTP:c{i}@x.example"),
                // the shared one first, then also after another value (a different position in its list)
                user_certificate: Some(if i % 2 == 0 {
                    vec![shared.clone()]
                } else {
                    vec![Cert::from_bytes(vec![i as u8]), shared.clone()]
                }),
                user_smime_certificate: (i == 3).then(|| vec![shared.clone()]),
                ..Default::default()
            });
            s.mailboxes.push(Mailbox {
                guid: uuid::Uuid::from_u128(100 + i),
                name: format!("m{i}"),
                user_certificate: Some(vec![shared.clone()]),
                ..Default::default()
            });
        }
        let text = same(&s).expect("written by the fast writer");
        assert_eq!(text.matches("certs/").count(), 5 + 2 + 1 + 5, "{text}");
        // The shared certificate's reference was written once per slot it appears in, then copied.
        let mut e = Emitter {
            out: String::new(),
            stack: Vec::new(),
            next: Slot::Root,
            references: HashMap::new(),
        };
        s.serialize(&mut e).expect("written");
        assert_eq!(e.out, text);
        let distinct_slots = e
            .references
            .keys()
            .filter(|(file, _, _)| file.contains(&shared.sha256_hex()))
            .count();
        assert!(
            distinct_slots <= 2,
            "{:?}",
            e.references.keys().collect::<Vec<_>>()
        );
    }

    proptest! {
        /// Strings that start with a digit and look more or less like numbers: quoted exactly when serde_norway
        /// quotes them (radix prefixes, exponents, hex letters such as thumbprints').
        #[test]
        fn number_like_strings_are_written_as_serde_norway_writes_them(
            s in "[0-9][0-9a-fA-FxXoObBeE.+\\-]{0,8}"
        ) {
            same(&BTreeMap::from([("k", s.as_str())]));
        }

        /// Random strings from characters that matter to YAML, in every position.
        #[test]
        fn random_values_are_written_as_serde_norway_writes_them(
            items in proptest::collection::vec(
                (
                    "[a-zA-Z0-9 :#\\-.,'\"@/+=()_\\[\\]{}?*&!|>%`~ü]{0,12}",
                    proptest::collection::vec("[a-z0-9: #.\\-]{0,6}", 0..3),
                    proptest::option::of(0i64..1000),
                ),
                0..6,
            )
        ) {
            let doc: Vec<BTreeMap<String, serde_json::Value>> = items
                .iter()
                .map(|(a, list, n)| {
                    BTreeMap::from([
                        ("Name".to_string(), serde_json::json!(a)),
                        ("List".to_string(), serde_json::json!(list)),
                        ("N".to_string(), serde_json::json!(n)),
                        ("Nested".to_string(), serde_json::json!({ "Inner": list, "Empty": [] })),
                    ])
                })
                .collect();
            same(&doc);
        }
    }
}
