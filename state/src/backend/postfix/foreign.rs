//! The admin's own TLS tables (not mailsec's): the other `smtp_tls_policy_maps` tables become outbound
//! connectors and `check_sender_access` tables' `reject_plaintext_session` entries inbound connectors. They
//! are shown and exported (the GitOps on-ramp) with an id derived from table and key, and never edited.

use std::path::Path;

use uuid::Uuid;

use super::maincf::items;
use super::policy::{foreign_guid, key_domain, parse_policy, parse_smart_host_key, REQUIRE_TLS};
use crate::model::{InboundConnector, OutboundConnector};

#[derive(Debug, Default)]
pub struct Foreign {
    /// Each with the table file it comes from.
    pub outbound: Vec<(OutboundConnector, String)>,
    pub inbound: Vec<(InboundConnector, String)>,
}

impl Foreign {
    pub fn table_of(&self, guid: Uuid) -> Option<&str> {
        self.outbound
            .iter()
            .find(|(c, _)| c.Guid == guid)
            .map(|(_, t)| t.as_str())
            .or_else(|| {
                self.inbound
                    .iter()
                    .find(|(c, _)| c.Guid == guid)
                    .map(|(_, t)| t.as_str())
            })
    }
}

/// Table types whose source is a text file at the table's path.
const FILE_TYPES: &[&str] = &["hash", "btree", "texthash", "lmdb", "cdb", "dbm", "sdbm"];

/// The source files of the file-backed tables in a list value (expanded).
fn table_files(value: &str) -> Vec<String> {
    items(value)
        .into_iter()
        .filter_map(|(_, it)| {
            let (ty, path) = it.split_once(':')?;
            FILE_TYPES.contains(&ty).then(|| path.to_string())
        })
        .collect()
}

/// `key value` entries of a Postfix table source (comments and continuation lines handled).
pub fn entries(text: &str) -> Vec<(usize, String, String)> {
    let mut out: Vec<(usize, String, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if line.starts_with(char::is_whitespace) {
            if let Some(last) = out.last_mut() {
                last.2.push(' ');
                last.2.push_str(line.trim());
            }
            continue;
        }
        let mut parts = line.splitn(2, char::is_whitespace);
        let key = parts.next().unwrap_or_default().to_string();
        let value = parts.next().unwrap_or_default().trim().to_string();
        out.push((i + 1, key, value));
    }
    out
}

fn label(path: &str, key: &str) -> String {
    let file = Path::new(path)
        .file_name()
        .map(|f| f.to_string_lossy().to_string())
        .unwrap_or_else(|| path.to_string());
    format!("{file}: {key}")
}

/// Read the admin's tables named by main.cf's (expanded) values; `ours` are mailsec's own files.
pub fn read(
    expanded: &[String],
    keys: &[&str],
    ours: &[String],
    notes: &mut Vec<String>,
) -> Foreign {
    let value = |k: &str| {
        keys.iter()
            .position(|x| *x == k)
            .and_then(|i| expanded.get(i))
            .map(String::as_str)
            .unwrap_or("")
    };
    let mut f = Foreign::default();
    for path in table_files(value("smtp_tls_policy_maps")) {
        if ours.contains(&path) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            notes.push(format!("cannot read the TLS policy table {path} (its source file): its entries are not shown"));
            continue;
        };
        for (line, key, value) in entries(&text) {
            let (level, tls_domain) = match parse_policy(&value) {
                Ok(p) => p,
                Err(w) => {
                    notes.push(format!(
                        "{path} line {line} ({key} {value}): {w}; not shown as a connector"
                    ));
                    continue;
                }
            };
            let mut c = OutboundConnector::new(foreign_guid(&path, &key), &label(&path, &key));
            c.TlsSettings = level;
            c.TlsDomain = tls_domain;
            if let Some((host, _)) = parse_smart_host_key(&key) {
                // Routed to this host elsewhere (transport_maps or relayhost): no domains of its own.
                c.UseMXRecord = false;
                c.SmartHosts = vec![host];
                c.IsTransportRuleScoped = true;
            } else {
                c.RecipientDomains = vec![key_domain(&key)];
            }
            if c.TlsSettings == Some(crate::model::TlsAuthLevel::DomainValidation)
                && c.TlsDomain.is_none()
            {
                // `secure` without match= checks the next hop's name (smtp_tls_secure_cert_match default).
                c.TlsDomain = Some(key_domain(&key));
            }
            f.outbound.push((c, path.clone()));
        }
    }
    let restrictions = items(value("smtpd_sender_restrictions"));
    for w in restrictions.windows(2) {
        if w[0].1 != "check_sender_access" {
            continue;
        }
        let Some(path) = table_files(w[1].1).into_iter().next() else {
            continue;
        };
        if ours.contains(&path) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            notes.push(format!(
                "cannot read the sender access table {path}: its entries are not shown"
            ));
            continue;
        };
        for (_, key, value) in entries(&text) {
            if value.split_whitespace().next() != Some(REQUIRE_TLS) {
                continue;
            }
            let mut c = InboundConnector::new(foreign_guid(&path, &key), &label(&path, &key));
            c.SenderDomains = vec![key_domain(&key)];
            f.inbound.push((c, path.clone()));
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_entries_with_comments_and_continuations() {
        let e = entries("# note\npartner.example  secure\n   match=.partner.example\n\n[relay.example]:587 encrypt\n");
        assert_eq!(
            e[0],
            (
                2,
                "partner.example".into(),
                "secure match=.partner.example".into()
            )
        );
        assert_eq!(e[1].1, "[relay.example]:587");
    }

    #[test]
    fn reads_policy_and_sender_tables() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("tls_policy");
        std::fs::write(&p, "partner.example secure match=mail.partner.example\nold.example dane-only\n[relay.example] encrypt\n").expect("write");
        let s = dir.path().join("tls_inbound");
        std::fs::write(
            &s,
            "bank.example reject_plaintext_session\nspam.example REJECT\n",
        )
        .expect("write");
        let keys = ["smtp_tls_policy_maps", "smtpd_sender_restrictions"];
        let expanded = vec![
            format!("hash:{}", p.display()),
            format!(
                "permit_mynetworks, check_sender_access hash:{}",
                s.display()
            ),
        ];
        let mut notes = Vec::new();
        let f = read(&expanded, &keys, &[], &mut notes);
        assert_eq!(f.outbound.len(), 2);
        assert_eq!(
            f.outbound[0].0.TlsDomain.as_deref(),
            Some("mail.partner.example")
        );
        assert_eq!(
            f.outbound[1].0.SmartHosts,
            vec!["relay.example".to_string()]
        );
        assert!(notes[0].contains("dane-only"), "{notes:?}");
        assert_eq!(f.inbound.len(), 1);
        assert_eq!(
            f.inbound[0].0.SenderDomains,
            vec!["bank.example".to_string()]
        );
        let again = read(&expanded, &keys, &[], &mut Vec::new());
        assert_eq!(again.outbound[0].0.Guid, f.outbound[0].0.Guid);
    }

    proptest! {
        #[test]
        fn any_table_text_reads_without_panic(s in "\\PC*(\n\\PC*){0,5}") {
            let _ = entries(&s);
        }
    }
}
