//! ASN.1 BER/DER at the byte level: the TLV header reader the format readers share, the BER → DER normaliser
//! (indefinite lengths, constructed strings, long-form lengths) and the DER TLV writer.
//!
//! What the normaliser rewrites, recursively through every constructed element:
//! - indefinite lengths (`0x80` … `00 00`) become definite, and every length is re-encoded in its shortest form;
//! - constructed OCTET STRING, BIT STRING and character strings (UTF8String, PrintableString, IA5String, BMPString,
//!   …) become primitive, their segments concatenated (BIT STRING: only the last segment may have unused bits).
//!
//! What it leaves alone: tag bytes (copied as given), the order of SET OF elements, and the content of primitive
//! elements (BOOLEAN values, INTEGER padding). That is all a PKCS#7 certs-only file needs: its certificates are DER
//! already, and bytes that are DER come out unchanged. Nesting deeper than [`MAX_DEPTH`] is an error, never a stack
//! overflow.

use std::fmt;

/// The deepest nesting of constructed elements the normaliser follows. A certificate inside a PKCS#7 file nests
/// about 12 levels deep.
pub const MAX_DEPTH: usize = 64;

/// Where and why bytes are not valid BER.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("byte {offset}: {what}")]
pub struct BerError {
    /// Offset of the offending byte in the bytes that were given.
    pub offset: usize,
    /// What is wrong there.
    pub what: String,
}

impl BerError {
    fn at(offset: usize, what: impl Into<String>) -> BerError {
        BerError {
            offset,
            what: what.into(),
        }
    }
}

/// The class bits of an identifier octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Universal,
    Application,
    Context,
    Private,
}

/// One decoded TLV header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    /// Where the identifier octets start.
    pub offset: usize,
    pub class: Class,
    pub constructed: bool,
    pub number: u32,
    /// Number of identifier octets.
    pub tag_len: usize,
    /// Identifier plus length octets.
    pub header_len: usize,
    /// Content length; `None` for an indefinite length.
    pub length: Option<usize>,
}

impl Header {
    pub fn content_start(&self) -> usize {
        self.offset + self.header_len
    }

    /// A universal element with this tag number.
    pub fn is_universal(&self, number: u32) -> bool {
        self.class == Class::Universal && self.number == number
    }

    /// The end-of-contents marker `00 00`.
    fn is_eoc(&self) -> bool {
        self.class == Class::Universal && !self.constructed && self.number == 0
    }
}

impl fmt::Display for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.constructed {
            "constructed"
        } else {
            "primitive"
        };
        match (self.class, self.number) {
            (Class::Universal, n) => write!(f, "{} ({kind})", universal_name(n)),
            (Class::Context, n) => write!(f, "[{n}] ({kind})"),
            (Class::Application, n) => write!(f, "[APPLICATION {n}] ({kind})"),
            (Class::Private, n) => write!(f, "[PRIVATE {n}] ({kind})"),
        }
    }
}

pub(crate) const SEQUENCE: u32 = 16;
pub(crate) const SET: u32 = 17;
pub(crate) const INTEGER: u32 = 2;
pub(crate) const OCTET_STRING: u32 = 4;
pub(crate) const OID: u32 = 6;
const BIT_STRING: u32 = 3;

fn universal_name(n: u32) -> String {
    match n {
        0 => "end-of-contents".into(),
        1 => "BOOLEAN".into(),
        2 => "INTEGER".into(),
        3 => "BIT STRING".into(),
        4 => "OCTET STRING".into(),
        5 => "NULL".into(),
        6 => "OBJECT IDENTIFIER".into(),
        16 => "SEQUENCE".into(),
        17 => "SET".into(),
        n => format!("universal tag {n}"),
    }
}

/// Universal types that BER lets a sender split into a constructed sequence of segments.
fn is_string_type(number: u32) -> bool {
    matches!(number, 3 | 4 | 12 | 18..=22 | 25..=30)
}

/// Read the identifier and length octets at `offset`. The content is not checked against `bytes.len()` when the
/// length is indefinite.
pub(crate) fn read_header(bytes: &[u8], offset: usize) -> Result<Header, BerError> {
    let cut = |at: usize| {
        BerError::at(
            at,
            "the data ends inside an element header (the file is cut short)",
        )
    };
    let first = *bytes.get(offset).ok_or_else(|| cut(offset))?;
    let class = match first >> 6 {
        0 => Class::Universal,
        1 => Class::Application,
        2 => Class::Context,
        _ => Class::Private,
    };
    let constructed = first & 0x20 != 0;
    let mut number = u32::from(first & 0x1f);
    let mut pos = offset + 1;
    if number == 0x1f {
        // High tag number form: base-128 digits, the last one without the top bit.
        number = 0;
        loop {
            let b = *bytes.get(pos).ok_or_else(|| cut(pos))?;
            if number > (u32::MAX >> 7) {
                return Err(BerError::at(offset, "tag number is too large"));
            }
            number = (number << 7) | u32::from(b & 0x7f);
            pos += 1;
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let tag_len = pos - offset;
    let first_len = *bytes.get(pos).ok_or_else(|| cut(pos))?;
    pos += 1;
    let length = match first_len {
        0x80 if constructed => None,
        0x80 => {
            return Err(BerError::at(
                pos - 1,
                "a primitive element has an indefinite length, which BER does not allow",
            ))
        }
        0xff => return Err(BerError::at(pos - 1, "length octet 0xFF is reserved")),
        n if n < 0x80 => Some(usize::from(n)),
        n => {
            let count = usize::from(n & 0x7f);
            let digits = bytes
                .get(pos..pos + count)
                .ok_or_else(|| cut(bytes.len()))?;
            let mut value: u64 = 0;
            for &d in digits {
                if value > (u64::MAX >> 8) {
                    return Err(BerError::at(pos - 1, "length is too large"));
                }
                value = (value << 8) | u64::from(d);
            }
            pos += count;
            Some(usize::try_from(value).map_err(|_| BerError::at(pos - 1, "length is too large"))?)
        }
    };
    Ok(Header {
        offset,
        class,
        constructed,
        number,
        tag_len,
        header_len: pos - offset,
        length,
    })
}

/// A definite-length element inside `bytes` (a DER view).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub header: Header,
    /// The whole element: header and content.
    pub raw: &'a [u8],
    pub content: &'a [u8],
}

impl Tlv<'_> {
    pub fn end(&self) -> usize {
        self.header.offset + self.raw.len()
    }
}

/// Read one definite-length element at `offset` that must end by `limit`.
pub(crate) fn read_tlv(bytes: &[u8], offset: usize, limit: usize) -> Result<Tlv<'_>, BerError> {
    let header = read_header(bytes, offset)?;
    let Some(len) = header.length else {
        return Err(BerError::at(
            offset,
            format!("{header} has an indefinite length where DER was expected"),
        ));
    };
    let start = header.content_start();
    let end = start
        .checked_add(len)
        .filter(|&e| e <= limit.min(bytes.len()))
        .ok_or_else(|| {
            BerError::at(
                offset,
                format!(
                    "{header} says it holds {len} bytes, but only {} remain inside its parent (the data is cut short or damaged)",
                    limit.min(bytes.len()).saturating_sub(start)
                ),
            )
        })?;
    Ok(Tlv {
        header,
        raw: bytes.get(offset..end).unwrap_or_default(),
        content: bytes.get(start..end).unwrap_or_default(),
    })
}

/// The elements directly inside a constructed definite-length element.
pub(crate) fn children<'a>(bytes: &'a [u8], parent: &Tlv<'a>) -> Result<Vec<Tlv<'a>>, BerError> {
    let mut out = Vec::new();
    let mut pos = parent.header.content_start();
    let end = parent.end();
    while pos < end {
        let tlv = read_tlv(bytes, pos, end)?;
        pos = tlv.end();
        out.push(tlv);
    }
    Ok(out)
}

/// Rewrite one BER element, spanning all of `bytes`, as DER (see the module documentation for what is rewritten).
pub fn ber_to_der(bytes: &[u8]) -> Result<Vec<u8>, BerError> {
    let mut out = Vec::with_capacity(bytes.len());
    let end = normalise(bytes, 0, bytes.len(), 0, &mut out)?;
    if end != bytes.len() {
        return Err(BerError::at(
            end,
            format!(
                "{} bytes follow the end of the outer element (two files joined together, or padding?)",
                bytes.len() - end
            ),
        ));
    }
    Ok(out)
}

/// Does this look like one BER/DER element that spans all of `bytes`? Only the outer header is checked.
pub(crate) fn spans_all(bytes: &[u8]) -> bool {
    match read_header(bytes, 0) {
        Ok(h) => match h.length {
            Some(len) => h.content_start().checked_add(len) == Some(bytes.len()),
            None => true,
        },
        Err(_) => false,
    }
}

/// Normalise the element at `offset`, which must end by `limit`; append its DER to `out` and return where it ends.
fn normalise(
    bytes: &[u8],
    offset: usize,
    limit: usize,
    depth: usize,
    out: &mut Vec<u8>,
) -> Result<usize, BerError> {
    if depth > MAX_DEPTH {
        return Err(too_deep(offset));
    }
    let bytes = bytes.get(..limit).unwrap_or(bytes);
    let h = read_header(bytes, offset)?;
    if h.is_eoc() {
        return Err(BerError::at(
            offset,
            "an end-of-contents marker (00 00) appears outside an indefinite-length element",
        ));
    }
    let tag = bytes.get(offset..offset + h.tag_len).unwrap_or_default();
    if !h.constructed {
        let content = definite_content(bytes, &h)?;
        out.extend_from_slice(tag);
        write_length(out, content.len());
        out.extend_from_slice(content);
        return Ok(h.content_start() + content.len());
    }
    if h.class == Class::Universal && is_string_type(h.number) {
        let mut segments = StringSegments::new(h.number);
        let end = collect_segments(bytes, &h, depth, &mut segments)?;
        segments.write(out);
        return Ok(end);
    }
    let mut content = Vec::new();
    let end = for_each_child(bytes, &h, |pos, limit| {
        normalise(bytes, pos, limit, depth + 1, &mut content)
    })?;
    out.extend_from_slice(tag);
    write_length(out, content.len());
    out.extend_from_slice(&content);
    Ok(end)
}

fn too_deep(offset: usize) -> BerError {
    BerError::at(
        offset,
        format!("elements nest more than {MAX_DEPTH} levels deep; this is not a certificate file"),
    )
}

/// The content of a definite-length element, checked to lie inside `bytes`.
fn definite_content<'a>(bytes: &'a [u8], h: &Header) -> Result<&'a [u8], BerError> {
    let start = h.content_start();
    let len = h.length.unwrap_or(0);
    start
        .checked_add(len)
        .and_then(|end| bytes.get(start..end))
        .ok_or_else(|| {
            BerError::at(
                h.offset,
                format!(
                    "{h} says it holds {len} bytes, but only {} remain (the file is cut short or damaged)",
                    bytes.len().saturating_sub(start)
                ),
            )
        })
}

/// Call `child(offset, limit)` for each element inside the constructed element `h` (definite or indefinite length);
/// `child` returns where that element ends, which must be by `limit`. Returns where `h` ends.
fn for_each_child(
    bytes: &[u8],
    h: &Header,
    mut child: impl FnMut(usize, usize) -> Result<usize, BerError>,
) -> Result<usize, BerError> {
    let mut pos = h.content_start();
    if h.length.is_some() {
        let end = pos + definite_content(bytes, h)?.len();
        while pos < end {
            pos = child(pos, end)?;
        }
        return Ok(end);
    }
    loop {
        if pos >= bytes.len() {
            return Err(BerError::at(
                h.offset,
                format!(
                    "{h} with an indefinite length has no end-of-contents marker (the file is cut short or damaged)"
                ),
            ));
        }
        let next = read_header(bytes, pos)?;
        if next.is_eoc() {
            if next.length != Some(0) || next.constructed {
                return Err(BerError::at(pos, "an end-of-contents marker must be 00 00"));
            }
            return Ok(pos + next.header_len);
        }
        pos = child(pos, bytes.len())?;
    }
}

/// The pieces of a string type sent in constructed form.
struct StringSegments {
    number: u32,
    data: Vec<u8>,
    /// Unused bits of the last BIT STRING segment read.
    unused: u8,
    /// Offset of a BIT STRING segment with unused bits, which must be the last one.
    partial_at: Option<usize>,
}

impl StringSegments {
    fn new(number: u32) -> Self {
        StringSegments {
            number,
            data: Vec::new(),
            unused: 0,
            partial_at: None,
        }
    }

    fn push(&mut self, offset: usize, content: &[u8]) -> Result<(), BerError> {
        if self.number != BIT_STRING {
            self.data.extend_from_slice(content);
            return Ok(());
        }
        if let Some(at) = self.partial_at {
            return Err(BerError::at(
                at,
                "a BIT STRING segment with unused bits is followed by another segment",
            ));
        }
        let Some((&unused, bits)) = content.split_first() else {
            return Err(BerError::at(
                offset,
                "a BIT STRING segment is empty (it needs its unused-bits octet)",
            ));
        };
        if unused > 7 || (unused > 0 && bits.is_empty()) {
            return Err(BerError::at(
                offset,
                format!("a BIT STRING segment says {unused} bits are unused"),
            ));
        }
        if unused > 0 {
            self.partial_at = Some(offset);
        }
        self.unused = unused;
        self.data.extend_from_slice(bits);
        Ok(())
    }

    fn write(self, out: &mut Vec<u8>) {
        // String types are universal tags below 31, so one identifier octet.
        out.push(self.number as u8);
        if self.number == BIT_STRING {
            write_length(out, self.data.len() + 1);
            out.push(self.unused);
        } else {
            write_length(out, self.data.len());
        }
        out.extend_from_slice(&self.data);
    }
}

/// Gather the segments of the constructed string `h`; return where it ends.
fn collect_segments(
    bytes: &[u8],
    h: &Header,
    depth: usize,
    segments: &mut StringSegments,
) -> Result<usize, BerError> {
    if depth > MAX_DEPTH {
        return Err(too_deep(h.offset));
    }
    for_each_child(bytes, h, |pos, limit| {
        let inner = bytes.get(..limit).unwrap_or(bytes);
        let seg = read_header(inner, pos)?;
        if !seg.is_universal(segments.number) {
            return Err(BerError::at(
                pos,
                format!(
                    "a segment of a constructed {} is a {seg}",
                    universal_name(segments.number)
                ),
            ));
        }
        if seg.constructed {
            collect_segments(inner, &seg, depth + 1, segments)
        } else {
            let content = definite_content(inner, &seg)?;
            segments.push(pos, content)?;
            Ok(seg.content_start() + content.len())
        }
    })
}

/// Append a DER length.
pub(crate) fn write_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        // Fits in the short form.
        out.push(len as u8);
        return;
    }
    let be = (len as u64).to_be_bytes();
    let skip = be.iter().take_while(|&&b| b == 0).count();
    let digits = be.get(skip..).unwrap_or_default();
    out.push(0x80 | digits.len() as u8);
    out.extend_from_slice(digits);
}

/// Append a DER element with a one-byte tag.
pub(crate) fn write_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    write_length(out, content.len());
    out.extend_from_slice(content);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_is_unchanged() {
        let der = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa];
        assert_eq!(ber_to_der(&der), Ok(der.to_vec()));
    }

    #[test]
    fn indefinite_lengths_become_definite_recursively() {
        // SEQUENCE(indef) { SEQUENCE(indef) { INTEGER 5 } OCTET STRING 'aa' }
        let ber = [
            0x30, 0x80, 0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0x04, 0x01, 0xaa, 0x00, 0x00,
        ];
        assert_eq!(
            ber_to_der(&ber),
            Ok(vec![
                0x30, 0x08, 0x30, 0x03, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa
            ])
        );
    }

    #[test]
    fn long_form_lengths_are_shortened() {
        let ber = [0x30, 0x82, 0x00, 0x04, 0x02, 0x81, 0x01, 0x07];
        assert_eq!(ber_to_der(&ber), Ok(vec![0x30, 0x03, 0x02, 0x01, 0x07]));
    }

    #[test]
    fn constructed_octet_strings_are_joined() {
        // [0] { OCTET STRING(constructed, indef) { 'ab' , OCTET STRING(constructed) { 'c' } } }
        let ber = [
            0xa0, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x24, 0x03, 0x04, 0x01, b'c', 0x00,
            0x00, 0x00, 0x00,
        ];
        assert_eq!(
            ber_to_der(&ber),
            Ok(vec![0xa0, 0x05, 0x04, 0x03, b'a', b'b', b'c'])
        );
        // The empty content of a certs-only PKCS#7 as some tools write it.
        assert_eq!(
            ber_to_der(&[0xa0, 0x80, 0x24, 0x80, 0x00, 0x00, 0x00, 0x00]),
            Ok(vec![0xa0, 0x02, 0x04, 0x00])
        );
    }

    #[test]
    fn constructed_bit_strings_keep_the_last_unused_bits() {
        let ber = [0x23, 0x08, 0x03, 0x02, 0x00, 0xf0, 0x03, 0x02, 0x04, 0xa0];
        assert_eq!(ber_to_der(&ber), Ok(vec![0x03, 0x03, 0x04, 0xf0, 0xa0]));
        let bad = [0x23, 0x08, 0x03, 0x02, 0x04, 0xf0, 0x03, 0x02, 0x00, 0xa0];
        assert!(ber_to_der(&bad).is_err());
    }

    #[test]
    fn high_tag_numbers_are_copied() {
        let ber = [0xbf, 0x81, 0x00, 0x80, 0x05, 0x00, 0x00, 0x00];
        assert_eq!(
            ber_to_der(&ber),
            Ok(vec![0xbf, 0x81, 0x00, 0x02, 0x05, 0x00])
        );
    }

    #[test]
    fn errors_name_the_byte() {
        let cases: &[(&[u8], usize)] = &[
            (&[0x30, 0x80, 0x02, 0x01, 0x05], 0), // no end-of-contents
            (&[0x30, 0x05, 0x02, 0x01], 0),       // cut short
            (&[0x30, 0x03, 0x02, 0x05, 0x01], 2), // child longer than parent
            (&[0x30, 0x02, 0x00, 0x00], 2),       // stray end-of-contents
            (&[0x04, 0x80, 0x00, 0x00], 1),       // primitive indefinite
            (&[0x30, 0x00, 0x00], 2),             // trailing bytes
            (&[0x30, 0x80, 0x04, 0x01, 0xaa, 0x00, 0x01], 5), // bad end-of-contents
            (&[0x30, 0xff], 1),                   // reserved length octet
            (&[0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9], 1), // length too large
        ];
        for (bytes, offset) in cases {
            let err = ber_to_der(bytes).expect_err("must fail");
            assert_eq!(err.offset, *offset, "{bytes:02x?}: {err}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let mut ber = Vec::new();
        for _ in 0..100_000 {
            ber.extend_from_slice(&[0x30, 0x80]);
        }
        let err = ber_to_der(&ber).expect_err("too deep");
        assert!(err.what.contains("nest more than"), "{err}");
        let mut strings = Vec::new();
        for _ in 0..100_000 {
            strings.extend_from_slice(&[0x24, 0x80]);
        }
        assert!(ber_to_der(&strings).is_err());
    }

    #[test]
    fn nesting_up_to_the_limit_is_read() {
        let mut ber = Vec::new();
        for _ in 0..MAX_DEPTH {
            ber.extend_from_slice(&[0x30, 0x80]);
        }
        ber.extend_from_slice(&[0x05, 0x00]);
        for _ in 0..MAX_DEPTH {
            ber.extend_from_slice(&[0x00, 0x00]);
        }
        assert!(ber_to_der(&ber).is_ok());
    }

    #[test]
    fn long_lengths_are_written_in_the_shortest_form() {
        let mut out = Vec::new();
        write_length(&mut out, 0x7f);
        write_length(&mut out, 0x80);
        write_length(&mut out, 0x1234);
        assert_eq!(out, vec![0x7f, 0x81, 0x80, 0x82, 0x12, 0x34]);
    }
}
