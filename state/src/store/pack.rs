//! Certificate packs: many certificate files in one `certs/pack-<sha256>.pack`, written when a save
//! adds many at once (an export, a bulk script), read back exactly like the loose files they hold.
//!
//! 100,000 loose files cost seconds of system time to create and again to read (an open, a stat,
//! two reads and a close each), and a git repository of 100,000 small blobs is slow too. A pack
//! holds the same named files, each still checked against its SHA-256 on load. The format is
//! plain on purpose, so `head` shows what a pack holds:
//!
//! ```text
//! mailsec-certs-pack 1
//! <64 hex digits of SHA-256>.<ext> <byte count>     one line per file, in order
//! ...
//!                                                   an empty line ends the index
//! <the files' bytes, one after the other, nothing between>
//! ```

use sha2::{Digest, Sha256};

use crate::cert::sha256_of_file_name;

/// The first line of every pack.
const MAGIC: &[u8] = b"mailsec-certs-pack 1\n";

/// A save that adds at least this many certificate files writes them as one pack; fewer are written
/// as loose files, which read better in a git diff.
pub(crate) const PACK_MIN: usize = 1000;

/// Why a pack cannot be read; `at` is a byte offset into the pack.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackError {
    #[error("it does not start with `mailsec-certs-pack 1`")]
    NotAPack,
    #[error("its index line at byte {at} is not `<sha256>.<ext> <byte count>`")]
    BadIndexLine { at: usize },
    #[error("its index has no end (the empty line after the last file)")]
    NoIndexEnd,
    #[error("it holds {found} bytes of file data, but its index lists {listed}")]
    WrongSize { listed: u128, found: usize },
}

/// Is `name` a pack's file name (`pack-<64 hex>.pack`)?
pub(crate) fn is_pack_name(name: &str) -> bool {
    name.strip_prefix("pack-")
        .and_then(|rest| rest.strip_suffix(".pack"))
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The pack holding `files` (each a certificate file name and its bytes), and its file name.
pub(crate) fn encode(files: &[(String, &[u8])]) -> (String, Vec<u8>) {
    let index: usize = files.iter().map(|(n, _)| n.len() + 22).sum();
    let data: usize = files.iter().map(|(_, b)| b.len()).sum();
    let mut out = Vec::with_capacity(MAGIC.len() + index + 1 + data);
    out.extend_from_slice(MAGIC);
    for (name, bytes) in files {
        out.extend_from_slice(name.as_bytes());
        out.push(b' ');
        out.extend_from_slice(bytes.len().to_string().as_bytes());
        out.push(b'\n');
    }
    out.push(b'\n');
    for (_, bytes) in files {
        out.extend_from_slice(bytes);
    }
    let mut name = String::with_capacity(5 + 64 + 5);
    name.push_str("pack-");
    crate::cert::push_hex(&mut name, &Sha256::digest(&out));
    name.push_str(".pack");
    (name, out)
}

/// The files a pack holds: each name (a certificate file name) and its bytes, borrowed from `pack`.
/// A file's bytes are not checked against its name here: loading does that.
pub fn parse(pack: &[u8]) -> Result<Vec<(&str, &[u8])>, PackError> {
    let mut rest = pack.strip_prefix(MAGIC).ok_or(PackError::NotAPack)?;
    let mut at = MAGIC.len();
    let mut index: Vec<(&str, usize)> = Vec::new();
    let mut listed: u128 = 0;
    loop {
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or(PackError::NoIndexEnd)?;
        let line = &rest[..end];
        rest = &rest[end + 1..];
        if line.is_empty() {
            break;
        }
        let bad = PackError::BadIndexLine { at };
        let text = std::str::from_utf8(line).map_err(|_| bad.clone())?;
        let (name, len) = text.split_once(' ').ok_or(bad.clone())?;
        let plain = !name.contains(['/', '\\']) && sha256_of_file_name(name).is_some();
        let len: usize = match len.parse() {
            Ok(n) if plain && len.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => return Err(bad),
        };
        listed += len as u128;
        index.push((name, len));
        at += end + 1;
    }
    if listed != rest.len() as u128 {
        return Err(PackError::WrongSize {
            listed,
            found: rest.len(),
        });
    }
    let mut files = Vec::with_capacity(index.len());
    for (name, len) in index {
        let (bytes, tail) = rest.split_at(len);
        files.push((name, bytes));
        rest = tail;
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn name(i: u8, ext: &str) -> String {
        format!("{}.{ext}", hex::encode([i; 32]))
    }

    #[test]
    fn a_pack_holds_its_files_in_order_and_is_named_by_its_bytes() {
        let files = vec![
            (name(1, "cer"), &b"first"[..]),
            (name(2, "p7b"), &b""[..]),
            (name(3, "bin"), &b"\nthird\n\n"[..]),
        ];
        let (pack_name, pack) = encode(&files);
        assert!(is_pack_name(&pack_name), "{pack_name}");
        assert_eq!(
            pack_name,
            format!("pack-{}.pack", hex::encode(Sha256::digest(&pack)))
        );
        let text = String::from_utf8_lossy(&pack);
        assert!(text.starts_with(&format!("mailsec-certs-pack 1\n{} 5\n", name(1, "cer"))));
        let back = parse(&pack).unwrap();
        let want: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), *b)).collect();
        assert_eq!(back, want);
        assert_eq!(parse(&encode(&[]).1).unwrap(), vec![]);
    }

    #[test]
    fn damage_is_named() {
        let (_, pack) = encode(&[(name(1, "cer"), &b"abc"[..])]);
        assert_eq!(parse(b"PK\x03\x04"), Err(PackError::NotAPack));
        assert_eq!(
            parse(&pack[..pack.len() - 1]),
            Err(PackError::WrongSize {
                listed: 3,
                found: 2
            })
        );
        assert_eq!(
            parse(b"mailsec-certs-pack 1\nx"),
            Err(PackError::NoIndexEnd)
        );
        let cases = [
            "mailsec-certs-pack 1\nnot-a-name.cer 3\n\nabc",
            "mailsec-certs-pack 1\n../../etc/passwd 3\n\nabc",
            "mailsec-certs-pack 1\nNAME +3\n\nabc",
            "mailsec-certs-pack 1\nNAME 99999999999999999999999\n\n",
            "mailsec-certs-pack 1\nNAME\n\n",
        ];
        for case in cases {
            let case = case.replace("NAME", &name(1, "cer"));
            assert_eq!(
                parse(case.as_bytes()),
                Err(PackError::BadIndexLine { at: 21 }),
                "{case}"
            );
        }
        assert!(!is_pack_name("pack-12.pack"));
        assert!(!is_pack_name(&name(1, "pack")));
    }

    proptest! {
        #[test]
        fn encoded_packs_read_back(files in proptest::collection::vec((any::<u8>(), proptest::collection::vec(any::<u8>(), 0..40)), 0..8)) {
            let files: Vec<(String, &[u8])> = files.iter().map(|(i, b)| (name(*i, "bin"), b.as_slice())).collect();
            let (_, pack) = encode(&files);
            let back = parse(&pack).unwrap();
            prop_assert_eq!(back.len(), files.len());
            for ((n, b), (m, c)) in back.iter().zip(&files) {
                prop_assert_eq!(*n, m.as_str());
                prop_assert_eq!(*b, *c);
            }
        }

        #[test]
        fn any_bytes_parse_or_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..200), cut in 0usize..200) {
            let _ = parse(&bytes);
            let mut prefixed = MAGIC.to_vec();
            prefixed.extend_from_slice(&bytes);
            let _ = parse(&prefixed);
            let (_, pack) = encode(&[(name(7, "cer"), &bytes[..])]);
            let cut = cut.min(pack.len());
            let _ = parse(&pack[..cut]);
        }
    }
}
