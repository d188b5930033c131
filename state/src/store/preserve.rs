//! Comment-preserving rewrite of the desired-state YAML: keeps a person's comments and layout for every object that did not change.
//!
//! # How it works
//!
//! [`splice`] re-reads the old text with an *event parser that reports positions* and builds a
//! small position tree of it (where every mapping key, its `:`, every sequence `-` and every value
//! starts and ends, and which comment and blank lines lie between them). It then walks that tree
//! side by side with the old value (as `serde_norway` reads it) and the new value, and writes the
//! result out of pieces of the old text:
//!
//! * an unchanged top-level key, mapping key or sequence item is copied byte for byte, together
//!   with the comment lines directly above it and the comments inside it;
//! * a changed mapping is edited key by key (unchanged keys keep their lines, a changed scalar is
//!   replaced in place so its trailing comment and the quoting style stay, new keys are appended
//!   with the mapping's indentation, removed keys go away with the comment lines directly above
//!   them);
//! * a changed sequence matches old and new items by their `Guid` (or, for items without one, by
//!   equal value), keeps the text of unchanged items, edits changed ones key by key, drops removed
//!   ones with the comment lines directly above them and writes new ones in the indentation style
//!   of the existing items;
//! * everything else (a flow `[]` turned into a block sequence, a scalar turned into a mapping, …)
//!   is re-rendered for that value only.
//!
//! Every re-rendered or edited sequence item and top-level key is read back on its own and
//! compared with the value it must hold, and at the end the whole result is read back and
//! compared with `new_doc`. Where a check fails the next coarser unit is re-serialised instead
//! (the sequence item, then the top-level key's value, then the whole document), so the result
//! always reads back as exactly `new_doc`.
//!
//! # YAML crate
//!
//! Positions come from `saphyr-parser = "0.3.4"` (the pure-Rust YAML 1.2 event parser of the
//! saphyr project; its only dependencies are `arraydeque` and `thiserror`, MSRV 1.85). Each event
//! carries a span, which is all this needs: the text itself is never rebuilt from a tree, only cut
//! and joined. `yaml-edit` 0.3 (a lossless rowan tree with editing) was tried too: it edits in
//! place well, but it keeps the comment above a removed sequence item, turns `[]` into `[x]` when
//! pushing, and decides itself where comments belong, while the requirements here need exact
//! control over which comment lines go with which item. Span positions plus our own line rules
//! give that control with a much smaller dependency.
//!
//! `serde_norway` stays the judge of what the text means: the old value is read with it, every
//! check reads back with it, and scalars are rendered with it so quoting is always right.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_norway::{Mapping, Value};

/// Why [`splice`] could not produce the new text.
#[derive(Debug, thiserror::Error)]
pub enum SpliceError {
    /// The old text is not a single valid YAML document.
    #[error("the existing desired-state text is not valid YAML: {0}")]
    InvalidOriginal(#[source] serde_norway::Error),
    /// The new document could not be serialised at all.
    #[error("the new desired state could not be serialised as YAML: {0}")]
    Serialize(#[source] serde_norway::Error),
    /// No YAML text could be found that reads back as the new document (for example a value
    /// that the YAML serialiser itself does not write back losslessly).
    #[error("the new desired state cannot be written as YAML that reads back as the same value")]
    NotRepresentable,
}

/// Writes `new_doc` as YAML, keeping from `original` every comment, blank line, key order and
/// quoting style of the parts that did not change.
///
/// The result always reads back (with `serde_norway`) as a value equal to `new_doc`. When
/// nothing changed, `original` is returned as it is.
///
/// # Errors
///
/// [`SpliceError::InvalidOriginal`] when `original` is not valid YAML (or holds more than one
/// document); [`SpliceError::Serialize`] / [`SpliceError::NotRepresentable`] when `new_doc`
/// cannot be written as YAML that reads back equal to it.
pub fn splice(original: &str, new_doc: &Value) -> Result<String, SpliceError> {
    let old: Value = serde_norway::from_str(original).map_err(SpliceError::InvalidOriginal)?;
    if &old == new_doc {
        return Ok(original.to_owned());
    }
    if too_deep(new_doc) {
        // `serde_norway` reads at most 128 levels back; deeper values have no YAML text here.
        return Err(SpliceError::NotRepresentable);
    }
    let nl = if original.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let missing_final_nl = !original.is_empty() && !original.ends_with('\n');
    let text = if missing_final_nl {
        format!("{original}{nl}")
    } else {
        original.to_owned()
    };

    // An empty (or comments-only) original has nothing to keep but its comments: the new
    // document is written as `serde_norway` writes it, below them.
    // The position-preserving paths are guarded: a bug there (or in the parser) must never take
    // the caller down; the plain re-serialisation below is always there to fall back on.
    let fine = if old.is_null() {
        None
    } else {
        catch_unwind(AssertUnwindSafe(|| Splicer::run(&text, &old, new_doc, nl)))
            .ok()
            .flatten()
    };
    let out = match fine {
        Some(out) => out,
        None => {
            let mut out = String::from(header_lines(&text));
            let body = serde_norway::to_string(new_doc).map_err(SpliceError::Serialize)?;
            out.push_str(&body.replace('\n', nl));
            if !reads_as(&out, new_doc) {
                return Err(SpliceError::NotRepresentable);
            }
            out
        }
    };
    if missing_final_nl {
        if let Some(stripped) = out.strip_suffix(nl) {
            if reads_as(stripped, new_doc) {
                return Ok(stripped.to_owned());
            }
        }
    }
    Ok(out)
}

/// Whether `v` nests deeper than `serde_norway` reads back (checked without recursion).
fn too_deep(v: &Value) -> bool {
    let mut stack = vec![(v, 0usize)];
    while let Some((v, depth)) = stack.pop() {
        if depth > 128 {
            return true;
        }
        match v {
            Value::Sequence(s) => stack.extend(s.iter().map(|c| (c, depth + 1))),
            Value::Mapping(m) => {
                stack.extend(m.iter().flat_map(|(k, c)| [(k, depth + 1), (c, depth + 1)]));
            }
            Value::Tagged(t) => stack.push((&t.value, depth + 1)),
            _ => {}
        }
    }
    false
}

/// Whether `text` reads (with `serde_norway`) as a value equal to `expected`.
fn reads_as(text: &str, expected: &Value) -> bool {
    serde_norway::from_str::<Value>(text).is_ok_and(|v| &v == expected)
}

/// The leading comment and blank lines of `text` (kept when the whole document is rewritten).
fn header_lines(text: &str) -> &str {
    let mut end = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            end += line.len();
        } else {
            break;
        }
    }
    let head = &text[..end];
    if head.trim().is_empty() {
        ""
    } else {
        head
    }
}

// ---------------------------------------------------------------------------------------------
// The source text, by lines.
// ---------------------------------------------------------------------------------------------

struct Src<'a> {
    text: &'a str,
    /// Byte offset of the start of every line (a text ending in a newline has a last, empty line).
    starts: Vec<usize>,
    /// Byte offset of every char index (the parser counts in chars), plus the end.
    char_bytes: Vec<usize>,
}

impl<'a> Src<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let char_bytes = text
            .char_indices()
            .map(|(b, _)| b)
            .chain(std::iter::once(text.len()))
            .collect();
        Src {
            text,
            starts,
            char_bytes,
        }
    }

    fn nlines(&self) -> usize {
        self.starts.len()
    }

    fn byte(&self, char_index: usize) -> usize {
        self.char_bytes
            .get(char_index)
            .copied()
            .unwrap_or(self.text.len())
    }

    fn line_of(&self, byte: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= byte)
            .saturating_sub(1)
    }

    fn col(&self, byte: usize) -> usize {
        byte - self.start(self.line_of(byte))
    }

    /// Start of line `l` (the end of the text past the last line).
    fn start(&self, l: usize) -> usize {
        self.starts.get(l).copied().unwrap_or(self.text.len())
    }

    /// End of line `l`, newline included.
    fn end_incl(&self, l: usize) -> usize {
        self.start(l + 1)
    }

    /// End of line `l`'s content, newline excluded.
    fn content_end(&self, l: usize) -> usize {
        let s = self.slice(self.start(l), self.end_incl(l));
        self.start(l) + s.trim_end_matches(['\n', '\r']).len()
    }

    fn slice(&self, a: usize, b: usize) -> &'a str {
        self.text.get(a..b).unwrap_or("")
    }

    fn content(&self, l: usize) -> &'a str {
        self.slice(self.start(l), self.content_end(l))
    }

    /// Whole lines `r`, newlines included.
    fn lines(&self, r: Range<usize>) -> &'a str {
        if r.start >= r.end {
            return "";
        }
        self.slice(self.start(r.start), self.start(r.end))
    }

    fn is_blank(&self, l: usize) -> bool {
        self.content(l).trim().is_empty()
    }

    fn is_comment(&self, l: usize) -> bool {
        self.content(l).trim_start().starts_with('#')
    }

    fn indent(&self, l: usize) -> usize {
        let c = self.content(l);
        c.len() - c.trim_start_matches(' ').len()
    }

    fn byte_at(&self, b: usize) -> Option<u8> {
        self.text.as_bytes().get(b).copied()
    }

    /// Extends `last` over the comment lines right below it that are indented deeper than `col`.
    fn extend(&self, mut last: usize, col: usize) -> usize {
        while last + 1 < self.nlines() && self.is_comment(last + 1) && self.indent(last + 1) > col {
            last += 1;
        }
        last
    }

    /// Skips blanks, line breaks, comments and node properties (`&anchor`, `!tag`) from `pos`.
    fn skip_filler(&self, mut pos: usize) -> usize {
        let bytes = self.text.as_bytes();
        while pos < bytes.len() {
            match bytes[pos] {
                b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
                b'#' if pos == 0 || matches!(bytes[pos - 1], b' ' | b'\t' | b'\n' | b'\r') => {
                    pos = self.content_end(self.line_of(pos));
                }
                b'&' | b'!' => {
                    while pos < bytes.len() && !matches!(bytes[pos], b' ' | b'\t' | b'\r' | b'\n') {
                        pos += 1;
                    }
                }
                _ => break,
            }
        }
        pos
    }

    /// The `-` of a block sequence entry at or after `from`.
    fn find_dash(&self, from: usize) -> Option<usize> {
        let pos = self.skip_filler(from);
        let next = self.byte_at(pos + 1);
        (self.byte_at(pos) == Some(b'-')
            && matches!(next, None | Some(b' ' | b'\t' | b'\r' | b'\n')))
        .then_some(pos)
    }

    /// The `:` of an implicit key ending at `key_end`, on the same line.
    fn find_colon(&self, key_end: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let mut pos = key_end;
        while pos < bytes.len() && matches!(bytes[pos], b' ' | b'\t') {
            pos += 1;
        }
        (self.byte_at(pos) == Some(b':')).then_some(pos)
    }

    /// The `|` or `>` of a block scalar, searched from `from` up to `limit`.
    fn find_block_indicator(&self, from: usize, limit: usize) -> Option<usize> {
        let pos = self.skip_filler(from);
        (pos < limit && matches!(self.byte_at(pos), Some(b'|' | b'>'))).then_some(pos)
    }

    /// The end of the quoted scalar whose token starts at `from` (properties may come first).
    fn quoted_end(&self, from: usize, double: bool) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let quote = if double { b'"' } else { b'\'' };
        let mut pos = self.skip_filler(from);
        if bytes.get(pos) != Some(&quote) {
            return None;
        }
        pos += 1;
        while pos < bytes.len() {
            match bytes[pos] {
                b'\\' if double => pos += 2,
                b'\'' if !double && bytes.get(pos + 1) == Some(&b'\'') => pos += 2,
                b if b == quote => return Some(pos + 1),
                _ => pos += 1,
            }
        }
        None
    }

    /// `" # comment"` when the rest of the line from `pos` is only a comment.
    fn comment_after(&self, pos: usize) -> Option<&'a str> {
        let rest = self.slice(pos, self.content_end(self.line_of(pos)));
        rest.trim_start().starts_with('#').then_some(rest)
    }
}

// ---------------------------------------------------------------------------------------------
// The position tree.
// ---------------------------------------------------------------------------------------------

/// What the event stream says, before line positions are worked out.
enum Raw {
    Scalar {
        start: usize,
        end: usize,
        style: ScalarStyle,
        implicit: bool,
    },
    Alias {
        start: usize,
        end: usize,
    },
    Flow {
        start: usize,
        end: usize,
    },
    Map(Vec<Raw>),
    Seq(Vec<Raw>),
}

struct Frame {
    map: bool,
    start: usize,
    children: Vec<Raw>,
}

fn build_raw(src: &Src) -> Option<Raw> {
    let mut parser = Parser::new_from_str(src.text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root = None;
    let mut docs = 0;
    while let Some(item) = parser.next_event() {
        let (event, span) = item.ok()?;
        let s = src.byte(span.start.index());
        let e = src.byte(span.end.index());
        let node = match event {
            Event::DocumentStart(_) => {
                docs += 1;
                if docs > 1 {
                    return None;
                }
                continue;
            }
            Event::Scalar(value, style, _, tag) => {
                let implicit =
                    value.is_empty() && style == ScalarStyle::Plain && tag.is_none() && s == e;
                let end = match style {
                    ScalarStyle::Literal | ScalarStyle::Folded => e,
                    // The parser's end of a quoted scalar runs on over what follows it.
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => src
                        .quoted_end(s, style == ScalarStyle::DoubleQuoted)
                        .unwrap_or(e),
                    _ => s + src.slice(s, e).trim_end().len(),
                };
                Raw::Scalar {
                    start: s,
                    end,
                    style,
                    implicit,
                }
            }
            Event::Alias(_) => Raw::Alias {
                start: s,
                end: s + src
                    .slice(s, e)
                    .find(|c: char| c.is_whitespace() || ",[]{}".contains(c))
                    .unwrap_or(e - s),
            },
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                stack.push(Frame {
                    map: matches!(event, Event::MappingStart(..)),
                    start: s,
                    children: Vec::new(),
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = stack.pop()?;
                // A block collection ends with an empty span, a flow one at its bracket.
                if e > s {
                    // The span starts at the closing bracket (and runs on over what follows).
                    if !matches!(src.byte_at(s), Some(b']' | b'}')) {
                        return None;
                    }
                    Raw::Flow {
                        start: frame.start,
                        end: s + 1,
                    }
                } else if frame.map {
                    Raw::Map(frame.children)
                } else {
                    Raw::Seq(frame.children)
                }
            }
            _ => continue,
        };
        match stack.last_mut() {
            Some(parent) => parent.children.push(node),
            None => root = Some(node),
        }
    }
    root
}

#[derive(Debug)]
struct Node {
    /// First byte of the node's content (for an empty value: where it would go).
    start: usize,
    /// End of the node's content (exclusive).
    end: usize,
    /// Last line the node owns (for collections: with the comments indented into it).
    last_line: usize,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Scalar {
        style: ScalarStyle,
        implicit: bool,
    },
    Alias,
    Flow,
    Map {
        entries: Vec<Entry>,
        col: usize,
        ok: bool,
    },
    Seq {
        items: Vec<Item>,
        col: usize,
        ok: bool,
    },
}

#[derive(Debug)]
struct Entry {
    key: Node,
    /// The `:` (for an explicit `? key` or a key spread over lines: `None`, the mapping is then
    /// not edited key by key).
    colon: Option<usize>,
    value: Node,
    first_line: usize,
    last_line: usize,
}

#[derive(Debug)]
struct Item {
    dash: usize,
    value: Node,
    first_line: usize,
    last_line: usize,
}

impl Node {
    fn is_block_scalar(&self) -> bool {
        matches!(
            self.kind,
            Kind::Scalar {
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            }
        )
    }

    fn is_implicit(&self) -> bool {
        matches!(self.kind, Kind::Scalar { implicit: true, .. })
    }

    fn is_collection(&self) -> bool {
        matches!(self.kind, Kind::Map { .. } | Kind::Seq { .. })
    }

    fn scalar_style(&self) -> Option<ScalarStyle> {
        match self.kind {
            Kind::Scalar { style, .. } => Some(style),
            _ => None,
        }
    }
}

/// Turns the event tree into the position tree. `floor` is where the node's own tokens may
/// start (just after the `:` or `-` that introduces it).
fn finish(src: &Src, raw: Raw, floor: usize) -> Node {
    match raw {
        Raw::Scalar {
            start,
            end,
            style,
            implicit,
        } => {
            if implicit {
                return Node {
                    start: floor,
                    end: floor,
                    last_line: src.line_of(floor),
                    kind: Kind::Scalar { style, implicit },
                };
            }
            if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                let head = src
                    .find_block_indicator(floor, start.max(floor + 1))
                    .unwrap_or(start);
                let head_line = src.line_of(head);
                // The parser's end is where the next token starts; the scalar's content ends at
                // the last non-blank line before it.
                let end_line = src.line_of(end);
                let limit = if src.slice(src.start(end_line), end).trim().is_empty() {
                    end_line.saturating_sub(1)
                } else {
                    end_line
                };
                let last = (head_line + 1..=limit)
                    .rev()
                    .find(|&l| !src.is_blank(l))
                    .unwrap_or(head_line);
                return Node {
                    start: head,
                    end: src.content_end(last),
                    last_line: last,
                    kind: Kind::Scalar { style, implicit },
                };
            }
            Node {
                start,
                end,
                last_line: src.line_of(end.max(start + 1) - 1),
                kind: Kind::Scalar { style, implicit },
            }
        }
        Raw::Alias { start, end } => Node {
            start,
            end,
            last_line: src.line_of(end.max(start + 1) - 1),
            kind: Kind::Alias,
        },
        Raw::Flow { start, end } => Node {
            start,
            end,
            last_line: src.line_of(end.max(start + 1) - 1),
            kind: Kind::Flow,
        },
        Raw::Map(children) => finish_map(src, children, floor),
        Raw::Seq(children) => finish_seq(src, children, floor),
    }
}

fn finish_map(src: &Src, children: Vec<Raw>, floor: usize) -> Node {
    let mut entries: Vec<Entry> = Vec::new();
    let mut ok = !children.is_empty() && children.len().is_multiple_of(2);
    let mut children = children.into_iter();
    let mut col = 0;
    while let (Some(k), Some(v)) = (children.next(), children.next()) {
        let key = finish(src, k, floor);
        let colon = if key.is_implicit() || key.is_collection() {
            None
        } else {
            src.find_colon(key.end)
        };
        let value = finish(src, v, colon.map_or(key.end, |c| c + 1));
        let first_line = src.line_of(key.start);
        if entries.is_empty() {
            col = src.col(key.start);
        }
        ok &= colon.is_some() && src.col(key.start) == col;
        if let Some(prev) = entries.last() {
            ok &= first_line > prev.last_line
                && (prev.last_line + 1..first_line).all(|l| src.is_blank(l) || src.is_comment(l));
        }
        let last_line = src.extend(first_line.max(value.last_line), col);
        entries.push(Entry {
            key,
            colon,
            value,
            first_line,
            last_line,
        });
    }
    let start = entries.first().map_or(floor, |e| e.key.start);
    let last_line = entries.last().map_or(src.line_of(floor), |e| e.last_line);
    let end = entries.last().map_or(floor, |e| e.value.end.max(e.key.end));
    Node {
        start,
        end,
        last_line,
        kind: Kind::Map { entries, col, ok },
    }
}

fn finish_seq(src: &Src, children: Vec<Raw>, floor: usize) -> Node {
    let mut items: Vec<Item> = Vec::new();
    let mut ok = !children.is_empty();
    let mut col = 0;
    let mut from = floor;
    for child in children {
        let Some(dash) = src.find_dash(from) else {
            // Cannot place the entries: keep the node opaque (changed → re-rendered whole).
            let value = finish(src, child, from);
            ok = false;
            let first_line = src.line_of(value.start);
            from = value.end.max(from);
            items.push(Item {
                dash: value.start,
                first_line,
                last_line: value.last_line.max(first_line),
                value,
            });
            continue;
        };
        let value = finish(src, child, dash + 1);
        let first_line = src.line_of(dash);
        if items.is_empty() {
            col = src.col(dash);
        }
        ok &= src.col(dash) == col;
        if let Some(prev) = items.last() {
            ok &= first_line > prev.last_line
                && (prev.last_line + 1..first_line).all(|l| src.is_blank(l) || src.is_comment(l));
        }
        let last_line = src.extend(first_line.max(value.last_line), col);
        from = (dash + 1).max(value.end);
        items.push(Item {
            dash,
            value,
            first_line,
            last_line,
        });
    }
    let start = items.first().map_or(floor, |i| i.dash);
    let last_line = items.last().map_or(src.line_of(floor), |i| i.last_line);
    let end = items.last().map_or(floor, |i| i.value.end.max(i.dash + 1));
    Node {
        start,
        end,
        last_line,
        kind: Kind::Seq { items, col, ok },
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering new values.
// ---------------------------------------------------------------------------------------------

/// The layout a person used, for values written anew.
#[derive(Clone, Copy, Debug)]
struct Style {
    /// Columns a nested mapping is indented under its key.
    map_indent: usize,
    /// Whether a sequence under a key is indented (`key:\n  - a`) or not (`key:\n- a`).
    seq_indented: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            map_indent: 2,
            seq_indented: false,
        }
    }
}

fn detect_style(root: &Node) -> Style {
    fn walk(node: &Node, map: &mut Option<usize>, seq: &mut Option<bool>) {
        match &node.kind {
            Kind::Map { entries, col, .. } => {
                for e in entries {
                    match &e.value.kind {
                        Kind::Map { col: c, .. } if *c > *col && map.is_none() => {
                            *map = Some(c - col);
                        }
                        Kind::Seq { col: c, .. } if seq.is_none() => *seq = Some(*c > *col),
                        _ => {}
                    }
                    walk(&e.value, map, seq);
                }
            }
            Kind::Seq { items, .. } => items.iter().for_each(|i| walk(&i.value, map, seq)),
            _ => {}
        }
    }
    let (mut map, mut seq) = (None, None);
    walk(root, &mut map, &mut seq);
    Style {
        map_indent: map.unwrap_or(2),
        seq_indented: seq.unwrap_or(false),
    }
}

/// A scalar written for one spot: on one line, or a first line plus continuation lines that are
/// indented (by at least two columns) relative to the column of the key or `-` it follows.
enum Scalar {
    Inline(String),
    Multi(String, Vec<String>),
}

/// Renders a scalar, a tagged value or an empty collection; `None` for a non-empty collection.
fn render_scalar(v: &Value, keep: Option<ScalarStyle>) -> Option<Scalar> {
    match v {
        Value::Sequence(s) if s.is_empty() => return Some(Scalar::Inline("[]".into())),
        Value::Mapping(m) if m.is_empty() => return Some(Scalar::Inline("{}".into())),
        Value::Sequence(_) | Value::Mapping(_) => return None,
        Value::String(s) => match keep {
            Some(ScalarStyle::SingleQuoted) if !s.chars().any(needs_escape) => {
                return Some(Scalar::Inline(format!("'{}'", s.replace('\'', "''"))));
            }
            Some(ScalarStyle::DoubleQuoted) => {
                return Some(Scalar::Inline(double_quoted(s)));
            }
            _ => {}
        },
        _ => {}
    }
    // Render as the only item of a sequence: continuation lines (block scalars, tagged
    // collections) then come out indented relative to the `-`, which is what every spot needs.
    let text = serde_norway::to_string(&Value::Sequence(vec![v.clone()])).ok()?;
    let mut lines = text.lines();
    let first = lines.next()?.strip_prefix("- ")?.to_owned();
    let rest: Vec<String> = lines.map(str::to_owned).collect();
    Some(if rest.is_empty() {
        Scalar::Inline(first)
    } else {
        Scalar::Multi(first, rest)
    })
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => {
                let n = c as u32;
                if n <= 0xFFFF {
                    out.push_str(&format!("\\u{n:04X}"));
                } else {
                    out.push_str(&format!("\\U{n:08X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A mapping key on one line, or `None` when it needs the serialiser's own layout.
fn render_key(k: &Value) -> Option<String> {
    match k {
        Value::Sequence(_) | Value::Mapping(_) | Value::Tagged(_) => None,
        _ => match render_scalar(k, None)? {
            Scalar::Inline(t) if t.len() <= 1024 && !t.starts_with(['?', '-', '|', '>']) => Some(t),
            _ => None,
        },
    }
}

/// A non-empty collection, written in block style (empty ones are `[]` / `{}`).
fn is_block(v: &Value) -> bool {
    match v {
        Value::Mapping(m) => !m.is_empty(),
        Value::Sequence(s) => !s.is_empty(),
        _ => false,
    }
}

fn push_spaces(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// A mapping key's sequence layout: columns between the key and the `-`.
fn seq_offset(style: Style) -> usize {
    if style.seq_indented {
        style.map_indent
    } else {
        0
    }
}

/// Writes new values in block style.
struct Render {
    style: Style,
    nl: &'static str,
}

/// A unit could not be written this way; a coarser one is tried.
#[derive(Debug)]
struct Unsup;

impl Render {
    /// A non-empty collection at column `indent`; the caller has written the first line's
    /// indentation (or the `- ` / `key:` it follows). Ends with a line break.
    fn block(&self, v: &Value, indent: usize, out: &mut String) -> Result<(), Unsup> {
        match v {
            Value::Mapping(m) => {
                for (i, (k, val)) in m.iter().enumerate() {
                    if i > 0 {
                        push_spaces(out, indent);
                    }
                    self.entry(k, val, indent, out)?;
                }
                Ok(())
            }
            Value::Sequence(s) => {
                for (i, item) in s.iter().enumerate() {
                    if i > 0 {
                        push_spaces(out, indent);
                    }
                    out.push('-');
                    self.item_content(item, indent, 2, None, out)?;
                }
                Ok(())
            }
            _ => self.value_after_key(v, indent, None, None, out).map(|_| ()),
        }
    }

    /// `key: value` for a key at column `indent` (indentation already written).
    fn entry(&self, k: &Value, v: &Value, indent: usize, out: &mut String) -> Result<(), Unsup> {
        match render_key(k) {
            Some(key) => {
                out.push_str(&key);
                out.push(':');
                self.value_after_key(v, indent, None, None, out)
            }
            None => {
                let mut m = Mapping::new();
                m.insert(k.clone(), v.clone());
                let text = serde_norway::to_string(&m).map_err(|_| Unsup)?;
                self.shifted(&text, indent, out);
                Ok(())
            }
        }
    }

    /// Writes `text` (serialiser output at column 0), the first line where the caller is and
    /// every other line shifted right by `indent`.
    fn shifted(&self, text: &str, indent: usize, out: &mut String) {
        for (i, line) in text.lines().enumerate() {
            if i > 0 {
                push_spaces(out, indent);
            }
            out.push_str(line);
            out.push_str(self.nl);
        }
    }

    /// What follows `key:` (just written) for a key at column `kc`: the value on the same line,
    /// or the key line's `comment` and the value on the lines below. `keep` is the quoting style
    /// of the old scalar, kept for a new string where it can be.
    fn value_after_key(
        &self,
        v: &Value,
        kc: usize,
        keep: Option<ScalarStyle>,
        comment: Option<&str>,
        out: &mut String,
    ) -> Result<(), Unsup> {
        self.value_after_key_in(v, kc, keep, comment, (None, None), out)
    }

    /// [`Render::value_after_key`], with the old value's layout (nested mapping column,
    /// sequence column, relative to the key) when it had one.
    fn value_after_key_in(
        &self,
        v: &Value,
        kc: usize,
        keep: Option<ScalarStyle>,
        comment: Option<&str>,
        layout: (Option<usize>, Option<usize>),
        out: &mut String,
    ) -> Result<(), Unsup> {
        if is_block(v) {
            let off = if matches!(v, Value::Mapping(_)) {
                layout.0.unwrap_or(self.style.map_indent)
            } else {
                layout.1.unwrap_or(seq_offset(self.style))
            };
            out.push_str(comment.unwrap_or(""));
            out.push_str(self.nl);
            push_spaces(out, kc + off);
            return self.block(v, kc + off, out);
        }
        match render_scalar(v, keep).ok_or(Unsup)? {
            Scalar::Inline(t) => {
                out.push(' ');
                out.push_str(&t);
                out.push_str(comment.unwrap_or(""));
                out.push_str(self.nl);
            }
            Scalar::Multi(first, rest) => {
                out.push(' ');
                out.push_str(&first);
                if first.starts_with(['|', '>']) {
                    out.push_str(comment.unwrap_or(""));
                }
                out.push_str(self.nl);
                for line in rest {
                    push_spaces(out, kc);
                    out.push_str(&line);
                    out.push_str(self.nl);
                }
            }
        }
        Ok(())
    }

    /// What follows a `-` (just written) at column `dash_col`, content at `dash_col + off`.
    fn item_content(
        &self,
        v: &Value,
        dash_col: usize,
        off: usize,
        keep: Option<ScalarStyle>,
        out: &mut String,
    ) -> Result<(), Unsup> {
        let off = off.max(2);
        if is_block(v) {
            push_spaces(out, off - 1);
            return self.block(v, dash_col + off, out);
        }
        self.value_after_key(v, dash_col, keep, None, out)
    }
}

// ---------------------------------------------------------------------------------------------
// Splicing.
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    /// Key by key and item by item.
    Fine,
    /// Every changed top-level key's value re-rendered whole.
    TopLevel,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The collection's first child starts a line of its own.
    OwnLine,
    /// The collection starts after `- ` on its parent's line.
    MidLine,
    /// The document's top-level mapping.
    Root,
}

struct Splicer<'a> {
    src: Src<'a>,
    render: Render,
    level: Level,
    /// Re-render top-level keys holding an alias (`*name`) even when their value is unchanged:
    /// their anchor may sit in a part that changed.
    expand_aliases: bool,
}

impl<'a> Splicer<'a> {
    /// The splicer for `text` and its position tree (`None` when the parser cannot place it).
    fn new(text: &'a str, nl: &'static str) -> (Self, Option<Node>) {
        let src = Src::new(text);
        let root = build_raw(&src).map(|raw| finish(&src, raw, 0));
        let style = root.as_ref().map(detect_style).unwrap_or_default();
        let sp = Splicer {
            src,
            render: Render { style, nl },
            level: Level::Fine,
            expand_aliases: false,
        };
        (sp, root)
    }

    fn run(text: &'a str, old: &Value, new: &Value, nl: &'static str) -> Option<String> {
        let (mut sp, root) = Splicer::new(text, nl);
        if let (Some(root), Value::Mapping(om), Value::Mapping(nm)) = (&root, old, new) {
            let aliases = has_alias(root);
            for (level, expand_aliases) in [
                (Level::Fine, false),
                (Level::Fine, true),
                (Level::TopLevel, aliases),
            ] {
                if level == Level::Fine && expand_aliases && !aliases {
                    continue;
                }
                sp.level = level;
                sp.expand_aliases = expand_aliases;
                if let Ok(out) = sp.document(root, om, nm) {
                    if reads_as(&out, new) {
                        return Some(out);
                    }
                }
            }
        }
        // Whole document, in the document's own layout.
        let mut out = String::from(header_lines(text));
        match new {
            Value::Mapping(m) if !m.is_empty() => sp.render.block(new, 0, &mut out).ok()?,
            Value::Sequence(s) if !s.is_empty() => sp.render.block(new, 0, &mut out).ok()?,
            _ => {
                let mut line = String::new();
                sp.render
                    .value_after_key(new, 0, None, None, &mut line)
                    .ok()?;
                out.push_str(line.strip_prefix(' ').unwrap_or(&line));
            }
        }
        reads_as(&out, new).then_some(out)
    }

    fn nl(&self) -> &'static str {
        self.render.nl
    }

    fn document(&self, root: &Node, old: &Mapping, new: &Mapping) -> Result<String, Unsup> {
        let Kind::Map { entries, col, ok } = &root.kind else {
            return Err(Unsup);
        };
        let first = entries.first().ok_or(Unsup)?;
        if !*ok
            || !self
                .src
                .slice(self.src.start(first.first_line), first.key.start)
                .trim()
                .is_empty()
        {
            return Err(Unsup);
        }
        let mut out = String::from(self.src.lines(0..first.first_line));
        let here = first.first_line;
        self.map(entries, *col, old, new, here..here, Mode::Root, &mut out)?;
        out.push_str(self.src.lines(root.last_line + 1..self.src.nlines()));
        Ok(out)
    }

    /// The line ranges between children (`lead0` before the first); `None` when one holds
    /// anything but comments and blank lines.
    fn leads(&self, spans: &[(usize, usize)], lead0: Range<usize>) -> Option<Vec<Range<usize>>> {
        let mut leads = Vec::with_capacity(spans.len());
        for (i, &(first, _)) in spans.iter().enumerate() {
            let r = if i == 0 {
                lead0.clone()
            } else {
                spans[i - 1].1 + 1..first
            };
            if r.start > r.end
                || r.end != first
                || !r
                    .clone()
                    .all(|l| self.src.is_blank(l) || self.src.is_comment(l))
            {
                return None;
            }
            leads.push(r);
        }
        Some(leads)
    }

    fn leading_blanks(&self, r: &Range<usize>) -> usize {
        r.clone().take_while(|&l| self.src.is_blank(l)).count()
    }

    /// Blank lines a person put between children (the fewest seen), for new ones.
    fn separator(&self, leads: &[Range<usize>]) -> usize {
        leads
            .iter()
            .skip(1)
            .map(|r| self.leading_blanks(r))
            .min()
            .unwrap_or(0)
    }

    /// The part of a lead that is not the comment block directly above the child.
    fn detached(&self, r: &Range<usize>) -> Range<usize> {
        let mut k = r.end;
        while k > r.start && self.src.is_comment(k - 1) {
            k -= 1;
        }
        r.start..k
    }

    fn has_comment(&self, r: &Range<usize>) -> bool {
        r.clone().any(|l| self.src.is_comment(l))
    }

    /// `text` with its leading blank lines replaced by `blanks` blank lines.
    fn reblank(&self, text: &str, blanks: usize) -> String {
        let mut rest = text;
        while let Some(pos) = rest.find('\n') {
            if rest[..pos].trim().is_empty() {
                rest = &rest[pos + 1..];
            } else {
                break;
            }
        }
        let mut out = self.nl().repeat(blanks);
        out.push_str(rest);
        out
    }

    fn tail(&self, from_line: usize, to_line: usize) -> &'a str {
        self.src.lines(from_line + 1..to_line + 1)
    }

    #[allow(clippy::too_many_arguments)]
    fn map(
        &self,
        entries: &[Entry],
        col: usize,
        old: &Mapping,
        new: &Mapping,
        lead0: Range<usize>,
        mode: Mode,
        out: &mut String,
    ) -> Result<(), Unsup> {
        if entries.is_empty() || entries.len() != old.len() {
            return Err(Unsup);
        }
        let spans: Vec<_> = entries
            .iter()
            .map(|e| (e.first_line, e.last_line))
            .collect();
        let leads = self.leads(&spans, lead0).ok_or(Unsup)?;
        let first_blanks = self.leading_blanks(&leads[0]);
        let sep = self.separator(&leads);
        let mut pending = String::new();
        let mut emitted = 0usize;
        for (i, (e, (k, ov))) in entries.iter().zip(old.iter()).enumerate() {
            let Some(nv) = new.get(k) else {
                let gap = self.detached(&leads[i]);
                if self.has_comment(&gap) {
                    pending.push_str(self.src.lines(gap));
                }
                continue;
            };
            let mut lead = std::mem::take(&mut pending);
            lead.push_str(self.src.lines(leads[i].clone()));
            if emitted == 0 && i != 0 {
                lead = self.reblank(&lead, first_blanks);
            } else if emitted > 0 && i == 0 {
                lead = self.reblank(&lead, sep);
            }
            let mid_first = mode == Mode::MidLine && emitted == 0;
            let body_start = if mid_first && i == 0 {
                e.key.start
            } else {
                self.src.start(e.first_line)
            };
            let force = mode == Mode::Root && self.expand_aliases && has_alias(&e.value);
            let body = if nv == ov && !force {
                self.src
                    .slice(body_start, self.src.end_incl(e.last_line))
                    .to_owned()
            } else if mode == Mode::Root {
                self.top_entry(e, col, k, ov, nv, body_start, &lead)?
            } else {
                let mut b = String::new();
                self.changed_entry(e, col, ov, nv, body_start, &mut b)?;
                b
            };
            if mid_first && i != 0 {
                // The first key went away: the next one moves up behind the `- `.
                let indent = " ".repeat(col);
                match body.strip_prefix(&indent) {
                    Some(rest) if lead.trim().is_empty() => out.push_str(rest),
                    _ => {
                        out.truncate(out.trim_end_matches([' ', '\t']).len());
                        out.push_str(self.nl());
                        out.push_str(&lead);
                        out.push_str(&body);
                    }
                }
            } else {
                out.push_str(&lead);
                out.push_str(&body);
            }
            emitted += 1;
        }
        for (k, v) in new.iter() {
            if old.contains_key(k) {
                continue;
            }
            let mut text = String::new();
            if emitted > 0 {
                text.push_str(&self.nl().repeat(sep));
            }
            if emitted > 0 || mode != Mode::MidLine {
                push_spaces(&mut text, col);
            }
            let start = text.len();
            let rendered = self.render.entry(k, v, col, &mut text);
            if mode == Mode::Root && (rendered.is_err() || !entry_reads_as(&text, k, v)) {
                text.truncate(start);
                self.serde_entry(k, v, col, &mut text)?;
                if !entry_reads_as(&text, k, v) {
                    return Err(Unsup);
                }
            } else {
                rendered?;
            }
            out.push_str(&text);
            emitted += 1;
        }
        if emitted == 0 {
            return Err(Unsup);
        }
        out.push_str(&pending);
        Ok(())
    }

    /// A changed top-level entry, checked on its own; coarser renderings when a check fails.
    #[allow(clippy::too_many_arguments)]
    fn top_entry(
        &self,
        e: &Entry,
        col: usize,
        k: &Value,
        ov: &Value,
        nv: &Value,
        body_start: usize,
        lead: &str,
    ) -> Result<String, Unsup> {
        let check = |body: &str| entry_reads_as(&format!("{lead}{body}"), k, nv);
        if self.level == Level::Fine && !(self.expand_aliases && has_alias(&e.value)) {
            let mut b = String::new();
            if self
                .changed_entry(e, col, ov, nv, body_start, &mut b)
                .is_ok()
                && check(&b)
            {
                return Ok(b);
            }
        }
        let mut b = String::new();
        if self.rerender_entry(e, col, nv, body_start, &mut b).is_ok() && check(&b) {
            return Ok(b);
        }
        let mut b = String::new();
        push_spaces(&mut b, col);
        self.serde_entry(k, nv, col, &mut b)?;
        if check(&b) {
            Ok(b)
        } else {
            Err(Unsup)
        }
    }

    /// `key: value` as the serialiser writes it, shifted to column `col`.
    fn serde_entry(&self, k: &Value, v: &Value, col: usize, out: &mut String) -> Result<(), Unsup> {
        let mut m = Mapping::new();
        m.insert(k.clone(), v.clone());
        let text = serde_norway::to_string(&m).map_err(|_| Unsup)?;
        self.render.shifted(&text, col, out);
        Ok(())
    }

    /// Edits a changed entry's body (from `body_start` to its last line) into `out`.
    fn changed_entry(
        &self,
        e: &Entry,
        col: usize,
        ov: &Value,
        nv: &Value,
        body_start: usize,
        out: &mut String,
    ) -> Result<(), Unsup> {
        let colon = e.colon.ok_or(Unsup)?;
        let key_line = e.first_line;
        let v = &e.value;
        let end = self.src.end_incl(e.last_line);
        let tail = self.tail(v.last_line.max(key_line), e.last_line);
        match (&v.kind, ov, nv) {
            (
                Kind::Map {
                    entries,
                    col: ccol,
                    ok: true,
                },
                Value::Mapping(om),
                Value::Mapping(nm),
            ) if !nm.is_empty() && entries[0].first_line > key_line => {
                let mut b = String::from(self.src.slice(body_start, self.src.end_incl(key_line)));
                let lead0 = key_line + 1..entries[0].first_line;
                if self
                    .map(entries, *ccol, om, nm, lead0, Mode::OwnLine, &mut b)
                    .is_ok()
                {
                    out.push_str(&b);
                    out.push_str(tail);
                    return Ok(());
                }
            }
            (
                Kind::Seq {
                    items,
                    col: ccol,
                    ok: true,
                },
                Value::Sequence(os),
                Value::Sequence(ns),
            ) if !ns.is_empty() && items[0].first_line > key_line => {
                let mut b = String::from(self.src.slice(body_start, self.src.end_incl(key_line)));
                let lead0 = key_line + 1..items[0].first_line;
                if self.seq(items, *ccol, os, ns, lead0, &mut b).is_ok() {
                    out.push_str(&b);
                    out.push_str(tail);
                    return Ok(());
                }
            }
            _ => {
                if let Some(t) = self.in_place(v, nv) {
                    let (cut, gap) = if v.is_implicit() {
                        (colon + 1, " ")
                    } else {
                        (v.start, "")
                    };
                    out.push_str(self.src.slice(body_start, cut));
                    out.push_str(gap);
                    out.push_str(&t);
                    out.push_str(
                        self.src
                            .slice(if v.is_implicit() { cut } else { v.end }, end),
                    );
                    return Ok(());
                }
            }
        }
        self.rerender_entry(e, col, nv, body_start, out)
    }

    /// The new value's one-line text when it can replace the old value where it stands.
    fn in_place(&self, v: &Node, nv: &Value) -> Option<String> {
        let fits = match v.kind {
            Kind::Scalar { .. } => !v.is_block_scalar(),
            Kind::Alias | Kind::Flow => true,
            _ => false,
        };
        if !fits {
            return None;
        }
        match render_scalar(nv, v.scalar_style())? {
            Scalar::Inline(t) => Some(t),
            Scalar::Multi(..) => None,
        }
    }

    /// The comment on the line of a `key:` or `-` at `indicator`, when the value leaves it there.
    fn opener_comment(&self, indicator: usize, opener_line: usize, v: &Node) -> Option<&'a str> {
        if v.is_collection() || v.is_implicit() || self.src.line_of(v.start) > opener_line {
            self.src.comment_after(indicator + 1)
        } else if v.is_block_scalar() {
            // After the header: `|`, `>`, chomping and indentation indicators.
            let header = self
                .src
                .slice(v.start, self.src.content_end(opener_line))
                .bytes()
                .take_while(|b| matches!(b, b'|' | b'>' | b'-' | b'+' | b'0'..=b'9'))
                .count();
            self.src.comment_after(v.start + header)
        } else {
            // After the value, also when it ran over several lines.
            self.src.comment_after(v.end)
        }
    }

    /// The old value's layout under its key: (mapping column, sequence column), relative.
    fn layout_of(v: &Node, col: usize) -> (Option<usize>, Option<usize>) {
        match v.kind {
            Kind::Map { col: c, .. } if c > col => (Some(c - col), None),
            Kind::Seq { col: c, .. } if c >= col => (None, Some(c - col)),
            _ => (None, None),
        }
    }

    /// Re-renders a changed entry's value, keeping the key as written, the comment on the key's
    /// line and the comment lines indented below the entry.
    fn rerender_entry(
        &self,
        e: &Entry,
        col: usize,
        nv: &Value,
        body_start: usize,
        out: &mut String,
    ) -> Result<(), Unsup> {
        let colon = e.colon.ok_or(Unsup)?;
        let v = &e.value;
        let comment = self.opener_comment(colon, e.first_line, v);
        let mut b = String::from(self.src.slice(body_start, colon + 1));
        let layout = Self::layout_of(v, col);
        let keep = v.scalar_style();
        self.render
            .value_after_key_in(nv, col, keep, comment, layout, &mut b)?;
        b.push_str(self.tail(v.last_line.max(e.first_line), e.last_line));
        out.push_str(&b);
        Ok(())
    }

    fn seq(
        &self,
        items: &[Item],
        col: usize,
        old: &[Value],
        new: &[Value],
        lead0: Range<usize>,
        out: &mut String,
    ) -> Result<(), Unsup> {
        if items.is_empty() || items.len() != old.len() {
            return Err(Unsup);
        }
        let spans: Vec<_> = items.iter().map(|i| (i.first_line, i.last_line)).collect();
        let leads = self.leads(&spans, lead0).ok_or(Unsup)?;
        let first_blanks = self.leading_blanks(&leads[0]);
        let sep = self.separator(&leads);
        let matched = match_items(old, new);
        let mut survives = vec![false; old.len()];
        for i in matched.iter().flatten() {
            survives[*i] = true;
        }
        // Comments that were not directly above a removed item stay, before the next survivor.
        let mut carried = vec![String::new(); old.len()];
        let mut pending = String::new();
        for i in 0..old.len() {
            if survives[i] {
                carried[i] = std::mem::take(&mut pending);
            } else {
                let gap = self.detached(&leads[i]);
                if self.has_comment(&gap) {
                    pending.push_str(self.src.lines(gap));
                }
            }
        }
        let first = &items[0];
        let off = if first.value.is_implicit()
            || self.src.line_of(first.value.start) != first.first_line
        {
            2
        } else {
            self.src.col(first.value.start).saturating_sub(col).max(2)
        };
        for (j, nv) in new.iter().enumerate() {
            let mut text = String::new();
            match matched[j] {
                Some(i) => {
                    let mut lead = std::mem::take(&mut carried[i]);
                    lead.push_str(self.src.lines(leads[i].clone()));
                    if j == 0 && i != 0 {
                        lead = self.reblank(&lead, first_blanks);
                    } else if j > 0 && i == 0 {
                        lead = self.reblank(&lead, sep);
                    }
                    let it = &items[i];
                    let body = if old[i] == *nv {
                        self.src.lines(it.first_line..it.last_line + 1).to_owned()
                    } else {
                        self.item_checked(it, col, &old[i], nv, &lead)?
                    };
                    text.push_str(&lead);
                    text.push_str(&body);
                }
                None => {
                    if j > 0 {
                        text.push_str(&self.nl().repeat(sep));
                    }
                    let start = text.len();
                    push_spaces(&mut text, col);
                    text.push('-');
                    let ok = self
                        .render
                        .item_content(nv, col, off, None, &mut text)
                        .is_ok();
                    if !ok || !item_reads_as(&text, nv) {
                        text.truncate(start);
                        self.serde_item(nv, col, &mut text)?;
                        if !item_reads_as(&text, nv) {
                            return Err(Unsup);
                        }
                    }
                }
            }
            out.push_str(&text);
        }
        out.push_str(&pending);
        Ok(())
    }

    /// A changed item edited in place, checked on its own; re-rendered when the check fails.
    fn item_checked(
        &self,
        it: &Item,
        col: usize,
        ov: &Value,
        nv: &Value,
        lead: &str,
    ) -> Result<String, Unsup> {
        let check = |body: &str| item_reads_as(&format!("{lead}{body}"), nv);
        let mut b = String::new();
        if self.changed_item(it, col, ov, nv, &mut b).is_ok() && check(&b) {
            return Ok(b);
        }
        let mut b = String::new();
        if self.rerender_item(it, col, nv, &mut b).is_ok() && check(&b) {
            return Ok(b);
        }
        let mut b = String::new();
        self.serde_item(nv, col, &mut b)?;
        if check(&b) {
            Ok(b)
        } else {
            Err(Unsup)
        }
    }

    /// `- value` as the serialiser writes it, shifted to column `col`.
    fn serde_item(&self, v: &Value, col: usize, out: &mut String) -> Result<(), Unsup> {
        let text = serde_norway::to_string(&Value::Sequence(vec![v.clone()])).map_err(|_| Unsup)?;
        push_spaces(out, col);
        self.render.shifted(&text, col, out);
        Ok(())
    }

    fn changed_item(
        &self,
        it: &Item,
        col: usize,
        ov: &Value,
        nv: &Value,
        out: &mut String,
    ) -> Result<(), Unsup> {
        let dash_line = it.first_line;
        let body_start = self.src.start(dash_line);
        let v = &it.value;
        let end = self.src.end_incl(it.last_line);
        let tail = self.tail(v.last_line.max(dash_line), it.last_line);
        match (&v.kind, ov, nv) {
            (
                Kind::Map {
                    entries,
                    col: ccol,
                    ok: true,
                },
                Value::Mapping(om),
                Value::Mapping(nm),
            ) if !nm.is_empty() => {
                let first = entries[0].first_line;
                let mut b = String::new();
                let done = if first == dash_line {
                    b.push_str(self.src.slice(body_start, entries[0].key.start));
                    self.map(entries, *ccol, om, nm, first..first, Mode::MidLine, &mut b)
                } else {
                    b.push_str(self.src.slice(body_start, self.src.end_incl(dash_line)));
                    self.map(
                        entries,
                        *ccol,
                        om,
                        nm,
                        dash_line + 1..first,
                        Mode::OwnLine,
                        &mut b,
                    )
                };
                if done.is_ok() {
                    out.push_str(&b);
                    out.push_str(tail);
                    return Ok(());
                }
            }
            (
                Kind::Seq {
                    items,
                    col: ccol,
                    ok: true,
                },
                Value::Sequence(os),
                Value::Sequence(ns),
            ) if !ns.is_empty() && items[0].first_line > dash_line => {
                let mut b = String::from(self.src.slice(body_start, self.src.end_incl(dash_line)));
                let lead0 = dash_line + 1..items[0].first_line;
                if self.seq(items, *ccol, os, ns, lead0, &mut b).is_ok() {
                    out.push_str(&b);
                    out.push_str(tail);
                    return Ok(());
                }
            }
            _ => {
                if let Some(t) = self.in_place(v, nv) {
                    if v.is_implicit() {
                        out.push_str(self.src.slice(body_start, it.dash + 1));
                        out.push(' ');
                        out.push_str(&t);
                        out.push_str(self.src.slice(it.dash + 1, end));
                    } else {
                        out.push_str(self.src.slice(body_start, v.start));
                        out.push_str(&t);
                        out.push_str(self.src.slice(v.end, end));
                    }
                    return Ok(());
                }
            }
        }
        self.rerender_item(it, col, nv, out)
    }

    fn rerender_item(
        &self,
        it: &Item,
        col: usize,
        nv: &Value,
        out: &mut String,
    ) -> Result<(), Unsup> {
        let v = &it.value;
        let dash_line = it.first_line;
        let mut b = String::from(self.src.slice(self.src.start(dash_line), it.dash + 1));
        let same_line = !v.is_implicit() && self.src.line_of(v.start) == dash_line;
        let off = if same_line {
            self.src.col(v.start).saturating_sub(col).max(2)
        } else {
            2
        };
        if is_block(nv) {
            self.render.item_content(nv, col, off, None, &mut b)?;
        } else {
            let comment = self.opener_comment(it.dash, dash_line, v);
            self.render
                .value_after_key(nv, col, v.scalar_style(), comment, &mut b)?;
        }
        b.push_str(self.tail(v.last_line.max(dash_line), it.last_line));
        out.push_str(&b);
        Ok(())
    }
}

fn has_alias(node: &Node) -> bool {
    match &node.kind {
        Kind::Alias => true,
        Kind::Map { entries, .. } => entries
            .iter()
            .any(|e| has_alias(&e.key) || has_alias(&e.value)),
        Kind::Seq { items, .. } => items.iter().any(|i| has_alias(&i.value)),
        _ => false,
    }
}

/// Whether `text` reads as the one-entry mapping `{k: v}`.
fn entry_reads_as(text: &str, k: &Value, v: &Value) -> bool {
    match serde_norway::from_str::<Value>(text) {
        Ok(Value::Mapping(m)) => m.len() == 1 && m.get(k) == Some(v),
        _ => false,
    }
}

/// Whether `text` reads as the one-item sequence `[v]`.
fn item_reads_as(text: &str, v: &Value) -> bool {
    match serde_norway::from_str::<Value>(text) {
        Ok(Value::Sequence(s)) => s.len() == 1 && &s[0] == v,
        _ => false,
    }
}

/// The stable id of a sequence item, when it has one.
fn guid_of(v: &Value) -> Option<&Value> {
    match v.as_mapping()?.get("Guid")? {
        g @ (Value::String(_) | Value::Number(_) | Value::Bool(_)) => Some(g),
        _ => None,
    }
}

/// Every item's `Guid`, where it has one that no other item on its side shares.
fn unique_guids(items: &[Value]) -> Vec<Option<&Value>> {
    let ids: Vec<Option<&Value>> = items.iter().map(guid_of).collect();
    let mut seen: HashSet<&Value> = HashSet::new();
    let mut dup: HashSet<&Value> = HashSet::new();
    for id in ids.iter().flatten() {
        if !seen.insert(id) {
            dup.insert(id);
        }
    }
    ids.into_iter()
        .map(|id| id.filter(|id| !dup.contains(id)))
        .collect()
}

/// For every new item, the old item it continues (if any).
///
/// Items with a `Guid` continue the old item with the same `Guid` (wherever it was). Items
/// without one continue an old item without one: first equal values in order (longest common
/// subsequence), then, between two continued items, the ones left over pair up in order as
/// changed items.
fn match_items(old: &[Value], new: &[Value]) -> Vec<Option<usize>> {
    let by_guid: HashMap<&Value, usize> = unique_guids(old)
        .into_iter()
        .enumerate()
        .filter_map(|(i, g)| g.map(|g| (g, i)))
        .collect();
    let mut matched: Vec<Option<usize>> = unique_guids(new)
        .into_iter()
        .map(|g| g.and_then(|g| by_guid.get(g).copied()))
        .collect();
    // Items without an id (an item whose id has no counterpart is removed or added, not paired).
    let o: Vec<usize> = (0..old.len())
        .filter(|&i| guid_of(&old[i]).is_none())
        .collect();
    let n: Vec<usize> = (0..new.len())
        .filter(|&j| guid_of(&new[j]).is_none())
        .collect();
    if o.is_empty() || n.is_empty() {
        return matched;
    }
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    if o.len().saturating_mul(n.len()) <= 1 << 20 {
        let w = n.len() + 1;
        let mut dp = vec![0u32; (o.len() + 1) * w];
        for i in (0..o.len()).rev() {
            for j in (0..n.len()).rev() {
                dp[i * w + j] = if old[o[i]] == new[n[j]] {
                    dp[(i + 1) * w + j + 1] + 1
                } else {
                    dp[(i + 1) * w + j].max(dp[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < o.len() && j < n.len() {
            if old[o[i]] == new[n[j]] {
                pairs.push((i, j));
                i += 1;
                j += 1;
            } else if dp[(i + 1) * w + j] >= dp[i * w + j + 1] {
                i += 1;
            } else {
                j += 1;
            }
        }
    }
    // Pair the runs between equal items in order.
    let mut last = (0, 0);
    pairs.push((o.len(), n.len()));
    for &(pi, pj) in &pairs {
        for k in 0..(pi - last.0).min(pj - last.1) {
            matched[n[last.1 + k]] = Some(o[last.0 + k]);
        }
        if pi < o.len() {
            matched[n[pj]] = Some(o[pi]);
        }
        last = (pi + 1, pj + 1);
    }
    matched
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        serde_norway::from_str(text).expect("test YAML")
    }

    /// Splices and checks the hard invariant.
    fn run(original: &str, new: &str) -> String {
        let new = yaml(new);
        let out = splice(original, &new).expect("splice");
        assert_eq!(
            yaml(&out),
            new,
            "result does not read back as new_doc:\n{out}"
        );
        out
    }

    const DOC: &str = "\
# A person may write comments anywhere
apiVersion: mailsec/v1
targets:
  directory:
    kind: embedded
smimeConfig:
  OWAAlwaysSign: true        # trailing comments too
  SMIMECertificateIssuingCA:
    file: certs/ab12.p7b
    format: pkcs7
mailboxes:
# comment before an item
- Guid: 6f1c1c7e-8a5e-4a43-9a53-0a5b8f0c1d11
  Name: baptiste
  UserCertificate:
  - file: certs/cd34.cer
    format: x509
# about claire
- Guid: 7a2d0000-0000-4000-8000-000000000002
  Name: claire   # the boss
  Office: Paris
mailContacts: []
outboundConnectors:
  - Guid: 0d7c0000-0000-4000-8000-000000000003        # indented sequences must work too
    Name: Partner TLS
    TlsSettings: DomainValidation
";

    #[test]
    fn unchanged_document_is_returned_as_is() {
        assert_eq!(run(DOC, DOC), DOC);
    }

    /// `DOC` with `from` replaced by `to` (which must occur).
    fn edit(from: &str, to: &str) -> String {
        assert!(DOC.contains(from), "{from:?} not in DOC");
        DOC.replacen(from, to, 1)
    }

    // 2. Unchanged top-level keys keep their exact text; only the changed scalar moves.
    #[test]
    fn unchanged_top_level_keys_are_byte_identical() {
        let out = run(
            DOC,
            &edit("apiVersion: mailsec/v1", "apiVersion: mailsec/v2"),
        );
        assert_eq!(
            out,
            edit("apiVersion: mailsec/v1", "apiVersion: mailsec/v2")
        );

        // A comment-free rendering of the new value must still give the commented text.
        let plain = serde_norway::to_string(&yaml(&edit("kind: embedded", "kind: ldap"))).unwrap();
        assert_eq!(run(DOC, &plain), edit("kind: embedded", "kind: ldap"));
    }

    // 3. Sequence items matched by Guid.
    #[test]
    fn changed_item_keeps_comments_above_and_inside() {
        let out = run(
            DOC,
            &edit("  Office: Paris\n", "  Office: Lyon\n  Phone: '0123'\n"),
        );
        assert_eq!(
            out,
            edit("  Office: Paris\n", "  Office: Lyon\n  Phone: '0123'\n")
        );
        let out = run(
            DOC,
            &edit("  Name: claire   # the boss\n", "  Name: claire\n"),
        );
        // The value changes in place; its trailing comment stays with it.
        assert!(out.contains("  Name: claire   # the boss\n"), "{out}");
        let out = run(
            DOC,
            &edit(
                "  - file: certs/cd34.cer\n    format: x509\n",
                "  - file: certs/ef56.cer\n    format: x509\n",
            ),
        );
        assert_eq!(out, edit("cd34", "ef56"));
    }

    #[test]
    fn added_items_follow_each_sequences_indentation() {
        let new = yaml(DOC);
        let mut new = new.as_mapping().unwrap().clone();
        let item = yaml("Guid: 11110000-0000-4000-8000-000000000004\nName: dora\nUserCertificate:\n- file: c.cer\n  format: x509\n");
        new.get_mut("mailboxes")
            .unwrap()
            .as_sequence_mut()
            .unwrap()
            .push(item.clone());
        new.get_mut("outboundConnectors").unwrap().as_sequence_mut().unwrap().push(
            yaml("Guid: 22220000-0000-4000-8000-000000000005\nName: Second\nSmartHosts: [a.example, b.example]\n"),
        );
        let out = splice(DOC, &Value::Mapping(new.clone())).unwrap();
        assert_eq!(yaml(&out), Value::Mapping(new));
        let expected = DOC
            .replace(
                "  Office: Paris\n",
                "  Office: Paris\n- Guid: 11110000-0000-4000-8000-000000000004\n  Name: dora\n  UserCertificate:\n  - file: c.cer\n    format: x509\n",
            )
            .replace(
                "    TlsSettings: DomainValidation\n",
                "    TlsSettings: DomainValidation\n  - Guid: 22220000-0000-4000-8000-000000000005\n    Name: Second\n    SmartHosts:\n    - a.example\n    - b.example\n",
            );
        assert_eq!(out, expected);
    }

    #[test]
    fn removed_item_goes_with_the_comments_directly_above_it() {
        let claire = "# about claire\n- Guid: 7a2d0000-0000-4000-8000-000000000002\n  Name: claire   # the boss\n  Office: Paris\n";
        let out = run(DOC, &edit(claire, ""));
        assert_eq!(out, edit(claire, ""));
        // Removing the first item takes the comment between the key and the item with it.
        let first = "# comment before an item\n- Guid: 6f1c1c7e-8a5e-4a43-9a53-0a5b8f0c1d11\n  Name: baptiste\n  UserCertificate:\n  - file: certs/cd34.cer\n    format: x509\n";
        let out = run(DOC, &edit(first, ""));
        assert_eq!(out, edit(first, ""));
    }

    #[test]
    fn comments_not_directly_above_a_removed_item_stay() {
        let original =
            "list:\n- Guid: a\n\n# ---- section ----\n\n# about b\n- Guid: b\n- Guid: c\n";
        let out = run(original, "list:\n- Guid: a\n- Guid: c\n");
        assert_eq!(
            out,
            "list:\n- Guid: a\n\n# ---- section ----\n\n- Guid: c\n"
        );
    }

    #[test]
    fn order_follows_new_doc_and_items_move_with_their_comments() {
        let original = "list:\n# first\n- Guid: a\n  N: 1\n# second\n- Guid: b\n  N: 2 # two\n";
        let out = run(original, "list:\n- Guid: b\n  N: 2\n- Guid: a\n  N: 1\n");
        assert_eq!(
            out,
            "list:\n# second\n- Guid: b\n  N: 2 # two\n# first\n- Guid: a\n  N: 1\n"
        );
    }

    #[test]
    fn items_inserted_in_the_middle_land_where_new_doc_puts_them() {
        let original = "list:\n  - Guid: a   # A\n  - Guid: c   # C\n";
        let out = run(original, "list: [{Guid: a}, {Guid: b, X: 1}, {Guid: c}]");
        assert_eq!(
            out,
            "list:\n  - Guid: a   # A\n  - Guid: b\n    X: 1\n  - Guid: c   # C\n"
        );
    }

    #[test]
    fn blank_line_separated_items_get_a_blank_line() {
        let original = "list:\n- Guid: a\n\n- Guid: b\n";
        let out = run(original, "list: [{Guid: a}, {Guid: b}, {Guid: c}]");
        assert_eq!(out, "list:\n- Guid: a\n\n- Guid: b\n\n- Guid: c\n");
        let out = run(original, "list: [{Guid: b}]");
        assert_eq!(out, "list:\n- Guid: b\n");
    }

    #[test]
    fn sequences_of_scalars_keep_comments_of_unchanged_items() {
        let original =
            "hosts:\n  - a.example   # primary\n  - b.example\n  - c.example   # backup\n";
        let out = run(
            original,
            "hosts: [a.example, x.example, c.example, d.example]",
        );
        assert_eq!(
            out,
            "hosts:\n  - a.example   # primary\n  - x.example\n  - c.example   # backup\n  - d.example\n"
        );
    }

    // 4. Mappings key by key.
    #[test]
    fn mapping_keys_are_edited_in_place() {
        let original = "smimeConfig:\n  # signing\n  OWAAlwaysSign: true        # trailing comments too\n  Algorithm: 'AES256'   # quoted\n  Old: x\n  CA:\n    file: a.p7b # file\n    format: pkcs7\n";
        let out = run(
            original,
            "smimeConfig:\n  OWAAlwaysSign: false\n  Algorithm: AES128\n  CA:\n    file: b.p7b\n    format: pkcs7\n  Added: 'true'\n",
        );
        assert_eq!(
            out,
            "smimeConfig:\n  # signing\n  OWAAlwaysSign: false        # trailing comments too\n  Algorithm: 'AES128'   # quoted\n  CA:\n    file: b.p7b # file\n    format: pkcs7\n  Added: 'true'\n"
        );
    }

    #[test]
    fn nested_indentation_of_the_document_is_used_for_new_keys() {
        let original = "a:\n    b: 1\n    c:\n        - x\n";
        let out = run(original, "a: {b: 1, c: [x], d: {e: [1, 2]}}");
        assert_eq!(out, "a:\n    b: 1\n    c:\n        - x\n    d:\n        e:\n            - 1\n            - 2\n");
    }

    #[test]
    fn scalar_becomes_mapping_and_back() {
        let original = "a: 1   # one\nb: 2\n";
        let out = run(original, "a: {x: 1}\nb: 2\n");
        assert_eq!(out, "a:   # one\n  x: 1\nb: 2\n");
        assert_eq!(run(&out, original), original);
    }

    #[test]
    fn empty_and_block_scalar_values() {
        let original = "a:\nb: |\n  line one\n  line two\nc: ~   # nothing\n";
        let out = run(original, "a: 1\nb: \"one\\ntwo\\n\"\nc: x\n");
        assert_eq!(out, "a: 1\nb: |\n  one\n  two\nc: x   # nothing\n");
        let out = run(original, "a: null\nb: short\nc: null\n");
        // `a` stays null, so it stays as written.
        assert_eq!(out, "a:\nb: short\nc: ~   # nothing\n");
    }

    // 5. Top-level keys.
    #[test]
    fn top_level_keys_added_at_the_end_and_removed() {
        let original =
            "# header\napiVersion: v1\n\n# the targets\ntargets:\n  x: 1\n\nrest: 2\n# footer\n";
        let out = run(original, "apiVersion: v1\nrest: 2\nnewKey:\n  - Guid: g\n");
        assert_eq!(
            out,
            "# header\napiVersion: v1\n\nrest: 2\n\nnewKey:\n- Guid: g\n# footer\n"
        );
    }

    // 6. Empty or comment-only original.
    #[test]
    fn empty_original_gets_the_serialised_document() {
        let doc = yaml(DOC);
        let serialised = serde_norway::to_string(&doc).unwrap();
        assert_eq!(splice("", &doc).unwrap(), serialised);
        assert_eq!(
            splice("# only a comment", &doc).unwrap(),
            format!("# only a comment\n{}", serialised.trim_end())
        );
        let new = "apiVersion: mailsec/v1\nmailboxes:\n- Guid: g\n  Name: n\nmailContacts: []\n";
        assert_eq!(run("", new), new);
        assert_eq!(
            run("# managed by mailsec\n\n", new),
            format!("# managed by mailsec\n\n{new}")
        );
        assert_eq!(run("---\n", new), new);
    }

    // 7. `[]` to a block sequence and back.
    #[test]
    fn flow_empty_sequence_to_block_and_back() {
        let original = "mailContacts: []   # none yet\nnext: 1\n";
        let block = run(original, "mailContacts: [{Guid: a, Name: x}]\nnext: 1\n");
        assert_eq!(
            block,
            "mailContacts:   # none yet\n- Guid: a\n  Name: x\nnext: 1\n"
        );
        let back = run(&block, "mailContacts: []\nnext: 1\n");
        assert_eq!(back, original);
        // And for an item-level sequence inside an indented list.
        let out = run(
            "list:\n  - Guid: a\n    Certs: []\n",
            "list: [{Guid: a, Certs: [{file: c.cer}]}]",
        );
        // The document indents its sequences, so the new one is indented too.
        assert_eq!(out, "list:\n  - Guid: a\n    Certs:\n      - file: c.cer\n");
    }

    // 8. Errors, never panics.
    #[test]
    fn invalid_original_is_an_error() {
        for bad in [
            "a: [1, 2",
            "a: b: c",
            "- a\nb: c",
            "a: 1\n---\nb: 2\n",
            "\"unterminated",
            "a:\n\t- x",
        ] {
            let err = splice(bad, &yaml("a: 1"));
            assert!(
                matches!(err, Err(SpliceError::InvalidOriginal(_))),
                "{bad:?}: {err:?}"
            );
        }
    }

    #[test]
    fn odd_but_valid_originals_still_give_the_new_document() {
        let new = yaml("a: 1\nb: [x]\n");
        for odd in [
            "[1, 2]",
            "{a: 2, b: [y]}",
            "plain",
            "a: &x 2\nb: [*x]\n",
            "? a\n: 2\n",
            "--- # doc\na: 2\n...\n",
            "a: !!int 2\n",
            "a: 1\r\nb: []\r\n",
            "a: 1\nb: [y]",
        ] {
            let out = splice(odd, &new).unwrap_or_else(|e| panic!("{odd:?}: {e}"));
            assert_eq!(yaml(&out), new, "{odd:?} gave {out:?}");
        }
    }

    #[test]
    fn coarser_level_rewrites_only_changed_top_level_keys() {
        let new = yaml(&edit("  Office: Paris\n", "  Office: Lyon\n"));
        let (Value::Mapping(om), Value::Mapping(nm)) = (yaml(DOC), new.clone()) else {
            unreachable!()
        };
        let (mut sp, root) = Splicer::new(DOC, "\n");
        sp.level = Level::TopLevel;
        let out = sp.document(&root.unwrap(), &om, &nm).unwrap();
        assert_eq!(yaml(&out), new);
        // Everything up to `mailboxes` and from `mailContacts` on is the original text; the
        // comment directly above the changed key stays too.
        let (before, after) = DOC.split_once("mailboxes:\n").unwrap();
        let after = &after[after.find("mailContacts").unwrap()..];
        assert_eq!(
            out,
            format!(
                "{before}mailboxes:\n- Guid: 6f1c1c7e-8a5e-4a43-9a53-0a5b8f0c1d11\n  Name: baptiste\n  UserCertificate:\n  - file: certs/cd34.cer\n    format: x509\n- Guid: 7a2d0000-0000-4000-8000-000000000002\n  Name: claire\n  Office: Lyon\n{after}"
            )
        );
    }

    #[test]
    fn anchors_and_aliases_stay_correct() {
        let original = "# head\nbase: &b\n  x: 1\nother: *b # same\nk: 1 # kept\n";
        // The anchored value changes but the alias must keep the old value.
        let out = run(original, "base: {x: 2}\nother: {x: 1}\nk: 1\n");
        assert_eq!(
            out,
            "# head\nbase: &b\n  x: 2\nother: # same\n  x: 1\nk: 1 # kept\n"
        );
        let original = "base: &b\n  x: 1\nother: *b\nk: 1\n";
        let out = run(original, "base: {x: 1}\nother: {x: 1}\nk: 2\n");
        assert_eq!(out, "base: &b\n  x: 1\nother: *b\nk: 2\n");
    }

    #[test]
    fn crlf_and_missing_final_newline_are_kept() {
        let out = run("a: 1 # c\r\nb: 2", "a: 3\nb: 2\nc: [x]\n");
        assert_eq!(out, "a: 3 # c\r\nb: 2\r\nc:\r\n- x");
    }

    #[test]
    fn strings_that_need_quotes_are_quoted() {
        let original = "a: x\nlist:\n- one\n";
        for s in [
            "true",
            "null",
            "123",
            "a: b",
            "# no",
            "- x",
            " lead",
            "it's",
            "say \"hi\"",
            "",
            "multi\nline",
            "tab\there",
            "@at",
            "*star",
            "0x1F",
            "~",
            "é ü",
        ] {
            let mut m = Mapping::new();
            m.insert("a".into(), Value::String(s.into()));
            m.insert(
                "list".into(),
                Value::Sequence(vec!["one".into(), Value::String(s.into())]),
            );
            m.insert(Value::String(s.into()), Value::String(s.into()));
            let new = Value::Mapping(m);
            let out = splice(original, &new).unwrap();
            assert_eq!(yaml(&out), new, "{s:?} gave {out:?}");
        }
    }

    #[test]
    fn multi_line_flow_and_scalars_are_replaced_in_place() {
        let original =
            "a: [x,\n  y]   # list\nb: \"two\n  lines\"  # q\nc: plain\n  continued # p\nd: 1\n";
        let out = run(original, "a: [z]\nb: one\nc: other\nd: 1\n");
        assert_eq!(
            out,
            "a:   # list\n- z\nb: \"one\"  # q\nc: other # p\nd: 1\n"
        );
        let out = run(original, "a: []\nb: 2\nc: ~\nd: 1\n");
        assert_eq!(out, "a: []   # list\nb: 2  # q\nc: null # p\nd: 1\n");
    }

    #[test]
    fn value_on_the_line_below_its_key() {
        let original = "a:\n  # about the value\n  old value   # why\nb:\n  - x\n";
        let out = run(original, "a: new value\nb: [x, y]\n");
        assert_eq!(
            out,
            "a:\n  # about the value\n  new value   # why\nb:\n  - x\n  - y\n"
        );
    }

    #[test]
    fn tabs_spaces_before_colon_and_keep_chomping() {
        let original = "a\t: 1\t# tab\nb   : |+\n  kept\n\nc: 2\n";
        let out = run(original, "a: 5\nb: \"kept\\n\\n\"\nc: 3\n");
        assert_eq!(out, "a\t: 5\t# tab\nb   : |+\n  kept\n\nc: 3\n");
    }

    #[test]
    fn items_whose_content_starts_on_the_next_line() {
        let original = "list:\n-\n  # the id\n  Guid: a\n  N: 1\n- Guid: b\n";
        let out = run(original, "list: [{Guid: a, N: 2}, {Guid: b}, {Guid: c}]");
        assert_eq!(
            out,
            "list:\n-\n  # the id\n  Guid: a\n  N: 2\n- Guid: b\n- Guid: c\n"
        );
    }

    #[test]
    fn first_key_of_a_compact_item_removed() {
        let original = "list:\n- a: 1\n  # about b\n  b: 2\n- a: 3\n  b: 4\n";
        let out = run(original, "list: [{b: 2}, {a: 3, b: 4}]");
        assert_eq!(out, "list:\n-\n  # about b\n  b: 2\n- a: 3\n  b: 4\n");
        let out = run("list:\n  -   a: 1\n      b: 2\n", "list: [{b: 2, c: 3}]");
        assert_eq!(out, "list:\n  -   b: 2\n      c: 3\n");
    }

    #[test]
    fn values_nested_too_deep_to_read_back_are_refused() {
        let mut v = Value::Null;
        for _ in 0..200 {
            v = Value::Sequence(vec![v]);
        }
        let mut m = Mapping::new();
        m.insert("deep".into(), v);
        assert!(matches!(
            splice("a: 1\n", &Value::Mapping(m)),
            Err(SpliceError::NotRepresentable)
        ));
    }

    /// Random documents of the desired-state shape, rendered with random comments and blank
    /// lines, then randomly edited.
    mod prop {
        use super::*;
        use proptest::prelude::*;

        #[derive(Clone, Debug, PartialEq)]
        enum Seg {
            Key(Value),
            Guid(Value),
        }
        type Path = Vec<Seg>;

        struct Rng(u64);

        impl Rng {
            fn next(&mut self) -> u64 {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                self.0
            }
            fn below(&mut self, n: usize) -> usize {
                if n == 0 {
                    0
                } else {
                    (self.next() % n as u64) as usize
                }
            }
            fn chance(&mut self, percent: u64) -> bool {
                self.next() % 100 < percent
            }
        }

        const WORDS: &[&str] = &[
            "alpha",
            "bravo",
            "Partner TLS",
            "certs/ab12.p7b",
            "x509",
            "pkcs7",
            "DomainValidation",
        ];
        const TRICKY: &[&str] = &[
            "true",
            "null",
            "123",
            "1.5",
            "a: b",
            "# not a comment",
            "- dash",
            " lead",
            "trail ",
            "it's",
            "say \"hi\"",
            "",
            "multi\nline",
            "two\nlines\n",
            "tab\there",
            "@at",
            "%pct",
            "{x}",
            "[y]",
            "*star",
            "&amp",
            "!bang",
            "10:30",
            "0x1F",
            "~",
            "yes",
            "é ü",
            "back\\slash",
            "nul\u{0}",
            "line\u{2028}sep",
            "nel\u{85}",
            "\u{feff}bom",
            "'",
            "\"",
            "a\r\nb",
            "  ",
        ];

        fn scalar(rng: &mut Rng) -> Value {
            match rng.below(9) {
                8 => match rng.below(5) {
                    0 => Value::Number(f64::INFINITY.into()),
                    1 => Value::Number(f64::NAN.into()),
                    2 => Value::String("long ".repeat(300)),
                    3 => Value::Tagged(Box::new(serde_norway::value::TaggedValue {
                        tag: serde_norway::value::Tag::new("Ref"),
                        value: WORDS[rng.below(WORDS.len())].into(),
                    })),
                    _ => Value::Number((-(rng.below(1000) as i64)).into()),
                },
                0 | 1 => Value::String(WORDS[rng.below(WORDS.len())].into()),
                2 | 3 => Value::String(TRICKY[rng.below(TRICKY.len())].into()),
                4 => Value::Number((rng.below(100_000) as i64 - 500).into()),
                5 => Value::Number((rng.below(10_000) as f64 / 8.0).into()),
                6 => Value::Bool(rng.chance(50)),
                _ => Value::Null,
            }
        }

        fn item(rng: &mut Rng, guid: &mut usize) -> Value {
            *guid += 1;
            let mut m = Mapping::new();
            m.insert(
                "Guid".into(),
                format!("6f1c1c7e-8a5e-4a43-9a53-{:012}", *guid).into(),
            );
            m.insert("Name".into(), scalar(rng));
            if rng.chance(40) {
                m.insert("Extra".into(), scalar(rng));
            }
            if rng.chance(50) {
                let certs = (0..rng.below(3)).map(|_| cert(rng)).collect();
                m.insert("UserCertificate".into(), Value::Sequence(certs));
            }
            Value::Mapping(m)
        }

        fn cert(rng: &mut Rng) -> Value {
            let mut c = Mapping::new();
            c.insert("file".into(), scalar(rng));
            c.insert("format".into(), scalar(rng));
            Value::Mapping(c)
        }

        const LISTS: &[&str] = &["mailboxes", "mailContacts", "outboundConnectors"];
        const SMIME_KEYS: &[&str] = &[
            "OWAAlwaysSign",
            "Algorithm",
            "SigningMode",
            "SMIMECertificateIssuingCA",
        ];

        fn smime_value(rng: &mut Rng, key: &str) -> Value {
            if key == "SMIMECertificateIssuingCA" {
                cert(rng)
            } else {
                scalar(rng)
            }
        }

        fn document(rng: &mut Rng, guid: &mut usize) -> Mapping {
            let mut m = Mapping::new();
            m.insert("apiVersion".into(), "mailsec/v1".into());
            if rng.chance(70) {
                let mut d = Mapping::new();
                d.insert("kind".into(), scalar(rng));
                let mut t = Mapping::new();
                t.insert("directory".into(), Value::Mapping(d));
                m.insert("targets".into(), Value::Mapping(t));
            }
            if rng.chance(80) {
                let mut c = Mapping::new();
                for k in SMIME_KEYS {
                    if rng.chance(60) {
                        c.insert((*k).into(), smime_value(rng, k));
                    }
                }
                m.insert("smimeConfig".into(), Value::Mapping(c));
            }
            for (i, list) in LISTS.iter().enumerate() {
                if i == 0 || rng.chance(80) {
                    let items = (0..rng.below(4)).map(|_| item(rng, guid)).collect();
                    m.insert((*list).into(), Value::Sequence(items));
                }
            }
            m
        }

        /// A rendered line: which units it belongs to, whether it is inside a block scalar, and
        /// which key it is the first line of.
        struct Line {
            text: String,
            units: Vec<Path>,
            in_scalar: bool,
            key: Option<Path>,
        }

        fn inline(v: &Value) -> (String, Vec<String>) {
            match render_scalar(v, None).expect("scalar") {
                Scalar::Inline(t) => (t, Vec::new()),
                Scalar::Multi(first, rest) => (first, rest),
            }
        }

        /// How the test writes the original: `wild` varies the layout per collection.
        struct Layout {
            map_indent: usize,
            wild: bool,
        }

        const TAME: Layout = Layout {
            map_indent: 2,
            wild: false,
        };

        #[allow(clippy::too_many_arguments)]
        fn render_map(
            m: &Mapping,
            indent: usize,
            base: Option<&Path>,
            stack: &[Path],
            lay: &Layout,
            rng: &mut Rng,
            out: &mut Vec<Line>,
        ) {
            for (k, v) in m {
                let path = base.map(|b| {
                    let mut p = b.clone();
                    p.push(Seg::Key(k.clone()));
                    p
                });
                let mut units = stack.to_vec();
                units.extend(path.clone());
                let pad = " ".repeat(indent);
                let mut key = inline(k).0;
                if lay.wild
                    && k.is_string()
                    && key.chars().all(|c| c.is_ascii_alphanumeric())
                    && rng.chance(20)
                {
                    key = format!("'{key}'");
                }
                let nonempty = match v {
                    Value::Mapping(m) => !m.is_empty(),
                    Value::Sequence(s) => !s.is_empty(),
                    _ => false,
                };
                if nonempty {
                    out.push(Line {
                        text: format!("{pad}{key}:"),
                        units: units.clone(),
                        in_scalar: false,
                        key: path.clone(),
                    });
                    match v {
                        Value::Mapping(m) => render_map(
                            m,
                            indent + lay.map_indent,
                            path.as_ref(),
                            &units,
                            lay,
                            rng,
                            out,
                        ),
                        Value::Sequence(s) => {
                            let off = if lay.wild {
                                [0, 2, lay.map_indent][rng.below(3)]
                            } else if key == "outboundConnectors" {
                                2
                            } else {
                                0
                            };
                            render_seq(s, indent + off, path.as_ref(), &units, lay, rng, out);
                        }
                        _ => unreachable!(),
                    }
                    continue;
                }
                let (mut first, rest) = inline(v);
                if v.is_string()
                    && rng.chance(20)
                    && first.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    first = format!("\"{first}\"");
                }
                let text = if lay.wild && v.is_null() && rng.chance(50) {
                    format!("{pad}{key}:")
                } else {
                    format!("{pad}{key}: {first}")
                };
                out.push(Line {
                    text,
                    units: units.clone(),
                    in_scalar: false,
                    key: path,
                });
                for r in rest {
                    out.push(Line {
                        text: format!("{pad}{r}"),
                        units: units.clone(),
                        in_scalar: true,
                        key: None,
                    });
                }
            }
        }

        fn render_seq(
            s: &[Value],
            indent: usize,
            base: Option<&Path>,
            stack: &[Path],
            lay: &Layout,
            rng: &mut Rng,
            out: &mut Vec<Line>,
        ) {
            let pad = " ".repeat(indent);
            // Content column of the items: `- x` or `-   x`.
            let off = if lay.wild && rng.chance(20) { 4 } else { 2 };
            for item in s {
                let (path, units) = match (base, guid_of(item)) {
                    (Some(b), Some(g)) => {
                        let mut p = b.clone();
                        p.push(Seg::Guid(g.clone()));
                        let mut u = stack.to_vec();
                        u.push(p.clone());
                        (Some(p), u)
                    }
                    _ => (None, stack.to_vec()),
                };
                let own_line = lay.wild && rng.chance(10);
                match item {
                    Value::Mapping(m) if !m.is_empty() => {
                        if own_line {
                            out.push(Line {
                                text: format!("{pad}-"),
                                units: units.clone(),
                                in_scalar: false,
                                key: None,
                            });
                            render_map(m, indent + 2, path.as_ref(), &units, lay, rng, out);
                        } else {
                            let at = out.len();
                            render_map(m, indent + off, path.as_ref(), &units, lay, rng, out);
                            let first = &mut out[at].text;
                            *first =
                                format!("{pad}-{}{}", " ".repeat(off - 1), &first[indent + off..]);
                        }
                    }
                    Value::Sequence(inner) if !inner.is_empty() => {
                        out.push(Line {
                            text: format!("{pad}-"),
                            units: units.clone(),
                            in_scalar: false,
                            key: None,
                        });
                        render_seq(inner, indent + 2, None, &units, lay, rng, out);
                    }
                    _ => {
                        let (first, rest) = inline(item);
                        let text = if lay.wild && item.is_null() && rng.chance(50) {
                            format!("{pad}-")
                        } else {
                            format!("{pad}- {first}")
                        };
                        out.push(Line {
                            text,
                            units: units.clone(),
                            in_scalar: false,
                            key: None,
                        });
                        for r in rest {
                            out.push(Line {
                                text: format!("{pad}{r}"),
                                units: units.clone(),
                                in_scalar: true,
                                key: None,
                            });
                        }
                    }
                }
            }
        }

        /// A comment in the original: its text, the units it is above or inside, and the key
        /// whose first line it trails.
        struct Comment {
            text: String,
            units: Vec<Path>,
            key: Option<Path>,
        }

        fn with_comments(lines: &[Line], rng: &mut Rng) -> (String, Vec<Comment>) {
            let mut text = String::new();
            let mut comments = Vec::new();
            let mut n = 0;
            if rng.chance(50) {
                text.push_str("# Desired state for mailsec\n");
            }
            for (i, line) in lines.iter().enumerate() {
                let after_scalar = i > 0 && lines[i - 1].in_scalar;
                if !line.in_scalar {
                    if !after_scalar && rng.chance(15) {
                        text.push('\n');
                    }
                    if rng.chance(25) {
                        n += 1;
                        let indent = line.text.len() - line.text.trim_start().len();
                        let c = format!("# c{n}.");
                        text.push_str(&format!("{}{c}\n", " ".repeat(indent)));
                        comments.push(Comment {
                            text: c,
                            units: line.units.clone(),
                            key: None,
                        });
                    }
                }
                text.push_str(&line.text);
                if !line.in_scalar && rng.chance(20) {
                    n += 1;
                    let c = format!("# t{n}.");
                    text.push_str(&format!("   {c}"));
                    comments.push(Comment {
                        text: c,
                        units: line.units.clone(),
                        key: line.key.clone(),
                    });
                }
                text.push('\n');
            }
            if rng.chance(30) {
                text.push_str("# footer\n");
            }
            (text, comments)
        }

        fn edit_item(rng: &mut Rng, item: &mut Value) {
            let Some(m) = item.as_mapping_mut() else {
                return;
            };
            match rng.below(5) {
                0 => {
                    m.insert("Name".into(), scalar(rng));
                }
                1 => {
                    if m.remove("Extra").is_none() {
                        m.insert("Extra".into(), scalar(rng));
                    }
                }
                2 => {
                    if m.remove("UserCertificate").is_none() {
                        m.insert("UserCertificate".into(), Value::Sequence(vec![cert(rng)]));
                    }
                }
                _ => {
                    let certs = m
                        .entry("UserCertificate".into())
                        .or_insert_with(|| Value::Sequence(Vec::new()));
                    if let Some(certs) = certs.as_sequence_mut() {
                        match rng.below(3) {
                            0 => certs.push(cert(rng)),
                            1 if !certs.is_empty() => {
                                let at = rng.below(certs.len());
                                certs.remove(at);
                            }
                            _ if !certs.is_empty() => {
                                let at = rng.below(certs.len());
                                certs[at] = cert(rng);
                            }
                            _ => {}
                        }
                    }
                }
            }
        }

        fn mutate(rng: &mut Rng, doc: &mut Mapping, guid: &mut usize) {
            for _ in 0..rng.below(7) {
                match rng.below(10) {
                    0 => {
                        let keys: Vec<Value> =
                            doc.keys().filter(|k| *k != "apiVersion").cloned().collect();
                        if !keys.is_empty() {
                            doc.remove(&keys[rng.below(keys.len())]);
                        }
                    }
                    1 => {
                        let v = match rng.below(3) {
                            0 => scalar(rng),
                            1 => cert(rng),
                            _ => Value::Sequence(vec![item(rng, guid)]),
                        };
                        doc.insert(format!("extra{}", rng.below(3)).into(), v);
                    }
                    2 => {
                        doc.insert("apiVersion".into(), scalar(rng));
                    }
                    3 => {
                        let c = doc
                            .entry("smimeConfig".into())
                            .or_insert_with(|| Value::Mapping(Mapping::new()));
                        if let Some(c) = c.as_mapping_mut() {
                            let k = SMIME_KEYS[rng.below(SMIME_KEYS.len())];
                            if rng.chance(30) {
                                c.remove(k);
                            } else {
                                c.insert(k.into(), smime_value(rng, k));
                            }
                        }
                    }
                    4..=8 => {
                        let list = LISTS[rng.below(LISTS.len())];
                        let Some(items) = doc.get_mut(list).and_then(Value::as_sequence_mut) else {
                            continue;
                        };
                        match rng.below(6) {
                            0 if !items.is_empty() => {
                                let at = rng.below(items.len());
                                items.remove(at);
                            }
                            1 => {
                                let at = if rng.chance(70) {
                                    items.len()
                                } else {
                                    rng.below(items.len() + 1)
                                };
                                let new = item(rng, guid);
                                items.insert(at, new);
                            }
                            2 if items.len() > 1 => {
                                let (a, b) = (rng.below(items.len()), rng.below(items.len()));
                                items.swap(a, b);
                            }
                            3 => items.clear(),
                            _ if !items.is_empty() => {
                                let at = rng.below(items.len());
                                edit_item(rng, &mut items[at]);
                            }
                            _ => {}
                        }
                    }
                    _ => {
                        if let Some(t) = doc.get_mut("targets").and_then(Value::as_mapping_mut) {
                            t.insert(
                                "directory".into(),
                                Value::Mapping(Mapping::from_iter([("kind".into(), scalar(rng))])),
                            );
                        }
                    }
                }
            }
        }

        fn resolve<'v>(mut v: &'v Value, path: &[Seg]) -> Option<&'v Value> {
            for seg in path {
                v = match seg {
                    Seg::Key(k) => v.as_mapping()?.get(k)?,
                    Seg::Guid(g) => v.as_sequence()?.iter().find(|i| guid_of(i) == Some(g))?,
                };
            }
            Some(v)
        }

        fn unchanged(old: &Value, new: &Value, path: &[Seg]) -> bool {
            matches!((resolve(old, path), resolve(new, path)), (Some(a), Some(b)) if a == b)
        }

        const KEYS: &[&str] = &[
            "name", "kind", "Guid", "hosts", "a b", "123", "true", "x: y", "é",
        ];

        /// Any value of limited depth; sequences hold Guid items, other mappings or scalars.
        fn any_value(rng: &mut Rng, depth: usize, guid: &mut usize) -> Value {
            if depth == 0 || rng.chance(35) {
                return scalar(rng);
            }
            match rng.below(4) {
                0 | 1 => {
                    let mut m = Mapping::new();
                    for _ in 0..rng.below(4) {
                        let k: Value = match rng.below(6) {
                            0 => Value::Number((rng.below(5) as i64).into()),
                            _ => KEYS[rng.below(KEYS.len())].into(),
                        };
                        if k != "Guid" {
                            m.insert(k, any_value(rng, depth - 1, guid));
                        }
                    }
                    Value::Mapping(m)
                }
                2 => Value::Sequence((0..rng.below(4)).map(|_| item(rng, guid)).collect()),
                _ => Value::Sequence(
                    (0..rng.below(4))
                        .map(|_| any_value(rng, depth - 1, guid))
                        .collect(),
                ),
            }
        }

        /// Changes one random spot of `v`.
        fn mutate_any(rng: &mut Rng, v: &mut Value, depth: usize, guid: &mut usize) {
            let descend = rng.chance(65);
            match v {
                Value::Mapping(m) if !m.is_empty() && descend => {
                    let at = rng.below(m.len());
                    let key = m.keys().nth(at).cloned().expect("key");
                    if key == "Guid" {
                        return;
                    }
                    if let Some(child) = m.get_mut(&key) {
                        mutate_any(rng, child, depth + 1, guid);
                    }
                }
                Value::Sequence(s) if !s.is_empty() && descend => {
                    let at = rng.below(s.len());
                    mutate_any(rng, &mut s[at], depth + 1, guid);
                }
                Value::Mapping(m) => match rng.below(3) {
                    0 if !m.is_empty() => {
                        let at = rng.below(m.len());
                        let key = m.keys().nth(at).cloned().expect("key");
                        if key != "Guid" {
                            m.remove(&key);
                        }
                    }
                    1 => {
                        let k = KEYS[rng.below(KEYS.len())];
                        if k != "Guid" {
                            m.insert(k.into(), any_value(rng, 3usize.saturating_sub(depth), guid));
                        }
                    }
                    _ => *v = any_value(rng, 2, guid),
                },
                Value::Sequence(s) => match rng.below(4) {
                    0 if !s.is_empty() => {
                        let at = rng.below(s.len());
                        s.remove(at);
                    }
                    1 | 2 => {
                        let new = if s.first().and_then(guid_of).is_some() || rng.chance(50) {
                            item(rng, guid)
                        } else {
                            any_value(rng, 1, guid)
                        };
                        let at = rng.below(s.len() + 1);
                        s.insert(at, new);
                    }
                    _ if s.len() > 1 => {
                        let (a, b) = (rng.below(s.len()), rng.below(s.len()));
                        s.swap(a, b);
                    }
                    _ => {}
                },
                _ => *v = any_value(rng, 2, guid),
            }
        }

        /// Checks a splice of `original` (with `comments`) to `new`.
        fn check(
            original: &str,
            comments: &[Comment],
            old: &Value,
            new: &Value,
        ) -> Result<(), TestCaseError> {
            let out = splice(original, new).expect("splice");
            prop_assert_eq!(
                &yaml(&out),
                new,
                "original:\n{}\nresult:\n{}",
                original,
                out
            );
            if old == new {
                prop_assert_eq!(&out, original);
            }
            for c in comments {
                let keep = c.units.iter().any(|u| unchanged(old, new, u))
                    || c.key.as_ref().is_some_and(|k| resolve(new, k).is_some());
                prop_assert!(
                    !keep || out.contains(&c.text),
                    "lost {} (units {:?})\noriginal:\n{}\nresult:\n{}",
                    c.text,
                    c.units,
                    original,
                    out
                );
            }
            Ok(())
        }

        proptest! {
            // 512 cases unless PROPTEST_CASES says otherwise.
            #![proptest_config(ProptestConfig {
                cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(512),
                ..ProptestConfig::default()
            })]

            #[test]
            fn splice_keeps_data_and_comments(seed in 1u64..u64::MAX) {
                let mut rng = Rng(seed);
                let mut guid = 0;
                let old_doc = document(&mut rng, &mut guid);
                let mut lines = Vec::new();
                render_map(&old_doc, 0, Some(&Vec::new()), &[], &TAME, &mut rng, &mut lines);
                let (original, comments) = with_comments(&lines, &mut rng);
                let old = Value::Mapping(old_doc.clone());
                prop_assert_eq!(&yaml(&original), &old, "generator wrote:\n{}", original);

                let mut new_doc = old_doc;
                mutate(&mut rng, &mut new_doc, &mut guid);
                check(&original, &comments, &old, &Value::Mapping(new_doc))?;
            }

            #[test]
            fn any_layout_keeps_data_and_comments(seed in 1u64..u64::MAX) {
                let mut rng = Rng(seed);
                let mut guid = 0;
                let mut old_doc = Mapping::new();
                for k in ["apiVersion", "targets", "smimeConfig", "mailboxes", "extra"] {
                    if k == "apiVersion" || rng.chance(75) {
                        old_doc.insert(k.into(), any_value(&mut rng, 3, &mut guid));
                    }
                }
                let lay = Layout { map_indent: [2, 3, 4][rng.below(3)], wild: true };
                let mut lines = Vec::new();
                render_map(&old_doc, 0, Some(&Vec::new()), &[], &lay, &mut rng, &mut lines);
                let (mut original, comments) = with_comments(&lines, &mut rng);
                if rng.chance(10) {
                    original = original.replace('\n', "\r\n");
                }
                let old = Value::Mapping(old_doc);
                prop_assert_eq!(&yaml(&original), &old, "generator wrote:\n{}", original);
                let mut new = old.clone();
                for _ in 0..rng.below(5) {
                    mutate_any(&mut rng, &mut new, 0, &mut guid);
                }
                if !new.is_mapping() {
                    new = Value::Mapping(Mapping::new());
                }
                check(&original, &comments, &old, &new)?;
            }

            #[test]
            fn never_panics_on_arbitrary_text(text in "[ -~\n\t]{0,200}", seed in 1u64..u64::MAX) {
                let mut rng = Rng(seed);
                let mut guid = 0;
                let new = Value::Mapping(document(&mut rng, &mut guid));
                if let Ok(out) = splice(&text, &new) {
                    prop_assert_eq!(yaml(&out), new);
                }
            }

            #[test]
            fn never_panics_on_yaml_like_text(
                parts in proptest::collection::vec(
                    prop_oneof![
                        Just("a:"), Just(" b: 1"), Just("- "), Just("  - x"), Just("# c"), Just("\n"),
                        Just("[1, {a: b}]"), Just("'q''s'"), Just("\"d\\\"q\""), Just("|-\n  t"), Just("&x "),
                        Just("*x"), Just("? k\n: v"), Just("Guid: g"), Just("\n  "), Just("---\n"), Just("..."),
                        Just("\r\n"), Just("é"), Just(": "), Just("!!str "),
                    ],
                    0..30,
                ),
                seed in 1u64..u64::MAX,
            ) {
                let text: String = parts.concat();
                let mut rng = Rng(seed);
                let mut guid = 0;
                let new = Value::Mapping(document(&mut rng, &mut guid));
                if let Ok(out) = splice(&text, &new) {
                    prop_assert_eq!(yaml(&out), new);
                }
            }
        }
    }
}
