//! The source text of a Postfix lookup table that mailsec writes: one block of lines per connector under a
//! `# mailsec:` header naming it (kind, Guid, name), so a table read back gives the connectors, ownership
//! and identity. Lines outside blocks are an admin's own: kept as they are.

use std::fmt::Write as _;

use uuid::Uuid;

/// The first line of every table mailsec writes.
pub const BANNER: &str = "# Written by mailsec on apply: edits inside a \"# mailsec:\" block show up as drift in `mailsec plan`\n# and are replaced by the next apply. Lines above the first block are kept as they are.";

const HEADER: &str = "# mailsec: ";
/// Prefix of an entry that is recorded but not in effect (a disabled connector, or one whose settings
/// ask for nothing here).
const OFF: &str = "#off ";

/// One `key value` line of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    /// Written commented out (`#off key value`): recorded, not in effect.
    pub off: bool,
}

impl Entry {
    pub fn new(key: impl Into<String>, value: impl Into<String>, off: bool) -> Entry {
        Entry {
            key: key.into(),
            value: value.into(),
            off,
        }
    }
}

/// A connector's lines in one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// `OutboundConnector`, `InboundConnector`, `SendConnector`.
    pub kind: String,
    pub guid: Uuid,
    pub name: String,
    /// Words after the name (`disabled`, `no-require-tls`, `certificate=<json string>`...).
    pub flags: Vec<String>,
    pub entries: Vec<Entry>,
}

impl Block {
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }

    /// The value of a `name=<json string>` flag.
    pub fn flag_value(&self, name: &str) -> Option<String> {
        self.flags.iter().find_map(|f| {
            f.strip_prefix(name)
                .and_then(|r| r.strip_prefix('='))
                .and_then(|v| serde_json::from_str::<String>(v).ok())
        })
    }
}

/// A whole table source file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// Lines that are not mailsec's (before the first block), verbatim, without the banner.
    pub foreign: Vec<String>,
    pub blocks: Vec<Block>,
}

/// A line mailsec cannot read back. Reported with its line number so the admin can fix a hand edit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {why}: {text}")]
pub struct TableError {
    pub line: usize,
    pub why: String,
    pub text: String,
}

impl Table {
    pub fn parse(text: &str) -> Result<Table, TableError> {
        let mut t = Table::default();
        let banner: Vec<&str> = BANNER.lines().collect();
        let lines: Vec<&str> = text.lines().collect();
        let skip = if lines.len() >= banner.len() && lines[..banner.len()] == banner[..] {
            banner.len()
        } else {
            0
        };
        for (i, raw) in lines.iter().enumerate().skip(skip) {
            let line = raw.trim_end();
            let err = |why: &str| TableError {
                line: i + 1,
                why: why.to_string(),
                text: line.to_string(),
            };
            if let Some(rest) = line.strip_prefix(HEADER) {
                t.blocks.push(parse_header(rest).map_err(|w| err(&w))?);
                continue;
            }
            let Some(block) = t.blocks.last_mut() else {
                t.foreign.push(raw.to_string());
                continue;
            };
            if line.trim().is_empty() {
                continue;
            }
            let (body, off) = match line.strip_prefix(OFF) {
                Some(b) => (b, true),
                None if line.starts_with('#') => continue,
                None => (line, false),
            };
            if body.starts_with(char::is_whitespace) {
                return Err(err(
                    "a continuation line inside a mailsec block (mailsec writes one line per entry)",
                ));
            }
            let mut parts = body.splitn(2, char::is_whitespace);
            let key = parts.next().unwrap_or_default();
            let value = parts.next().unwrap_or_default().trim();
            if key.is_empty() || value.is_empty() {
                return Err(err("an entry needs a key and a value"));
            }
            block.entries.push(Entry::new(key, value, off));
        }
        Ok(t)
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(BANNER);
        out.push('\n');
        for l in &self.foreign {
            out.push_str(l);
            out.push('\n');
        }
        for b in &self.blocks {
            let name = serde_json::to_string(&b.name).unwrap_or_else(|_| "\"\"".into());
            let _ = write!(out, "{HEADER}{} {} {name}", b.kind, b.guid);
            for f in &b.flags {
                let _ = write!(out, " {f}");
            }
            out.push('\n');
            for e in &b.entries {
                if e.off {
                    out.push_str(OFF);
                }
                let _ = writeln!(out, "{}\t{}", e.key, e.value);
            }
        }
        out
    }

    /// The blocks of one kind.
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }
}

fn parse_header(rest: &str) -> Result<Block, String> {
    let mut it = rest.splitn(3, ' ');
    let kind = it.next().unwrap_or_default().to_string();
    if kind.is_empty() || !kind.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err("a mailsec header needs an object kind".into());
    }
    let guid = it
        .next()
        .and_then(|g| Uuid::parse_str(g).ok())
        .ok_or("a mailsec header needs the object's Guid after its kind")?;
    let tail = it.next().unwrap_or_default();
    // The name is a JSON string: it may hold spaces and quotes.
    let mut de = serde_json::Deserializer::from_str(tail).into_iter::<String>();
    let name = match de.next() {
        Some(Ok(n)) => n,
        _ => return Err("a mailsec header needs the object's name as a quoted string".into()),
    };
    let flags = tail[de.byte_offset()..]
        .split_whitespace()
        .map(str::to_string)
        .collect();
    Ok(Block {
        kind,
        guid,
        name,
        flags,
        entries: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Table {
        Table {
            foreign: vec!["# the admin's note".into(), "legacy.example\tmay".into()],
            blocks: vec![
                Block {
                    kind: "OutboundConnector".into(),
                    guid: Uuid::from_u128(7),
                    name: "Contoso \"TLS\" partner".into(),
                    flags: vec![],
                    entries: vec![
                        Entry::new("contoso.com", "secure match=contoso.com", false),
                        Entry::new(".contoso.com", "secure match=contoso.com", false),
                    ],
                },
                Block {
                    kind: "InboundConnector".into(),
                    guid: Uuid::from_u128(8),
                    name: "Fabrikam".into(),
                    flags: vec!["disabled".into()],
                    entries: vec![Entry::new("fabrikam.com", "reject_plaintext_session", true)],
                },
            ],
        }
    }

    #[test]
    fn renders_and_reads_back() {
        let t = sample();
        let text = t.render();
        assert!(text.starts_with(BANNER));
        assert!(text.contains("#off fabrikam.com\treject_plaintext_session\n"));
        assert_eq!(Table::parse(&text), Ok(t));
    }

    #[test]
    fn hand_added_line_in_a_block_belongs_to_it_and_comments_are_ignored() {
        let mut text = sample().render();
        text.push_str("# a comment\nextra.example encrypt\n");
        let t = Table::parse(&text).expect("parses");
        let last = t.blocks.last().expect("block");
        assert_eq!(last.entries.len(), 2);
        assert_eq!(
            last.entries[1],
            Entry::new("extra.example", "encrypt", false)
        );
    }

    #[test]
    fn bad_lines_name_their_line() {
        let text = format!("{BANNER}\n# mailsec: OutboundConnector not-a-guid \"x\"\n");
        let e = Table::parse(&text).expect_err("bad header");
        assert_eq!(e.line, 3);
        assert!(e.why.contains("Guid"), "{e}");
        let text = format!(
            "# mailsec: OutboundConnector {} \"x\"\nlonely\n",
            Uuid::from_u128(1)
        );
        assert_eq!(Table::parse(&text).expect_err("no value").line, 2);
    }

    #[test]
    fn flags_carry_json_values() {
        let b = Block {
            kind: "InboundConnector".into(),
            guid: Uuid::from_u128(1),
            name: "x".into(),
            flags: vec![format!(
                "certificate={}",
                serde_json::json!("mail.partner.example")
            )],
            entries: vec![],
        };
        assert_eq!(
            b.flag_value("certificate").as_deref(),
            Some("mail.partner.example")
        );
        assert_eq!(b.flag_value("other"), None);
    }

    proptest! {
        #[test]
        fn any_text_parses_or_errs_without_panic(s in "\\PC*(\n\\PC*){0,6}") {
            let _ = Table::parse(&s);
        }

        #[test]
        fn any_header_line_parses_or_errs(s in "# mailsec: [A-Za-z]{0,8} [0-9a-f-]{0,40} \\PC{0,30}") {
            let _ = Table::parse(&s);
        }

        #[test]
        fn names_round_trip(name in "\\PC{0,40}", key in "[a-z.\\[\\]:0-9]{1,20}") {
            let t = Table {
                foreign: vec![],
                blocks: vec![Block {
                    kind: "OutboundConnector".into(),
                    guid: Uuid::from_u128(3),
                    name,
                    flags: vec!["disabled".into()],
                    entries: vec![Entry::new(key, "may", false)],
                }],
            };
            prop_assert_eq!(Table::parse(&t.render()), Ok(t));
        }
    }
}
