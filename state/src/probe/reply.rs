//! SMTP replies (RFC 5321 section 4.2): one line at a time, `ddd-text` continues and `ddd text` ends a reply.

/// A complete reply: its code and the text of each line (without the code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

/// A line that is not an SMTP reply line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an SMTP reply line: '{line}' ({why})")]
pub struct ReplyError {
    pub line: String,
    pub why: &'static str,
}

/// One parsed reply line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyLine {
    pub code: u16,
    /// `true` when more lines of the same reply follow (`250-...`).
    pub more: bool,
    pub text: String,
}

/// Parse one line (with or without its CRLF).
pub fn parse_line(raw: &str) -> Result<ReplyLine, ReplyError> {
    let line = raw.trim_end_matches(['\r', '\n']);
    let err = |why| ReplyError {
        line: line.chars().take(200).collect(),
        why,
    };
    let bytes = line.as_bytes();
    if bytes.len() < 3 || !bytes[..3].iter().all(u8::is_ascii_digit) {
        return Err(err("it does not start with a three-digit code"));
    }
    if !(b'2'..=b'5').contains(&bytes[0]) {
        return Err(err("the code is not 2xx to 5xx"));
    }
    let code =
        (bytes[0] - b'0') as u16 * 100 + (bytes[1] - b'0') as u16 * 10 + (bytes[2] - b'0') as u16;
    let (more, text) = match bytes.get(3) {
        None => (false, ""),
        Some(b' ') => (false, &line[4..]),
        Some(b'-') => (true, &line[4..]),
        Some(_) => return Err(err("the code is not followed by a space or a hyphen")),
    };
    Ok(ReplyLine {
        code,
        more,
        text: text.to_string(),
    })
}

/// Collects lines into a reply.
#[derive(Debug, Default)]
pub struct ReplyBuilder {
    code: Option<u16>,
    lines: Vec<String>,
}

impl ReplyBuilder {
    /// Add a line; returns the reply once its last line is in.
    pub fn push(&mut self, raw: &str) -> Result<Option<Reply>, ReplyError> {
        let line = parse_line(raw)?;
        if let Some(code) = self.code {
            if code != line.code {
                return Err(ReplyError {
                    line: raw.trim_end().chars().take(200).collect(),
                    why: "a continuation line changes the reply code",
                });
            }
        }
        self.code = Some(line.code);
        self.lines.push(line.text);
        if line.more {
            return Ok(None);
        }
        Ok(Some(Reply {
            code: line.code,
            lines: std::mem::take(&mut self.lines),
        }))
    }
}

impl Reply {
    /// Does an EHLO reply advertise this extension keyword (first word of a line after the first)?
    pub fn has_extension(&self, keyword: &str) -> bool {
        self.lines.iter().skip(1).any(|l| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case(keyword))
        })
    }

    /// The reply as the server said it, one line.
    pub fn text(&self) -> String {
        format!("{} {}", self.code, self.lines.join(" / "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn multi_line_ehlo() {
        let mut b = ReplyBuilder::default();
        assert_eq!(b.push("250-mx.example\r\n").unwrap(), None);
        assert_eq!(b.push("250-PIPELINING\r\n").unwrap(), None);
        let r = b.push("250 STARTTLS\r\n").unwrap().unwrap();
        assert_eq!(r.code, 250);
        assert!(r.has_extension("starttls"));
        assert!(
            !r.has_extension("mx.example"),
            "the greeting line is not an extension"
        );
        assert_eq!(r.text(), "250 mx.example / PIPELINING / STARTTLS");
    }

    #[test]
    fn bad_lines() {
        assert!(parse_line("hello").is_err());
        assert!(parse_line("25").is_err());
        assert!(parse_line("650 x").is_err());
        assert!(parse_line("250x").is_err());
        assert_eq!(parse_line("220").unwrap().code, 220);
        let mut b = ReplyBuilder::default();
        b.push("250-a").unwrap();
        assert!(b.push("251 b").is_err());
    }

    proptest! {
        #[test]
        fn arbitrary_lines_never_panic(s in ".{0,300}") {
            let _ = parse_line(&s);
            let mut b = ReplyBuilder::default();
            for part in s.split('\n') {
                let _ = b.push(part);
            }
        }

        #[test]
        fn well_formed_lines_round_trip(code in 200u16..600, more: bool, text in "[ -~]{0,80}") {
            let line = format!("{code}{}{text}\r\n", if more { '-' } else { ' ' });
            let p = parse_line(&line).unwrap();
            prop_assert_eq!(p.code, code);
            prop_assert_eq!(p.more, more);
            prop_assert_eq!(p.text, text);
        }
    }
}
