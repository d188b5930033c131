//! Exchange connectors as Postfix table entries and back: outbound TLS settings as `smtp_tls_policy_maps`
//! levels (formats-and-backends.md 4.2), smart-host routing as `transport_maps` next hops, inbound
//! RequireTls as `check_sender_access` entries with `reject_plaintext_session`.

use uuid::Uuid;

use super::table::{Block, Entry};
use crate::model::{InboundConnector, OutboundConnector, SendConnector, TlsAuthLevel};

pub const OUTBOUND: &str = "OutboundConnector";
pub const INBOUND: &str = "InboundConnector";
pub const SEND: &str = "SendConnector";

/// The protocol floor written with every mandatory-TLS level (Exchange Online accepts TLS 1.2 and later).
pub const PROTOCOLS: &str = "protocols=>=TLSv1.2";
/// The inbound action for senders that must use TLS.
pub const REQUIRE_TLS: &str = "reject_plaintext_session";
/// The restriction class prefix for inbound connectors restricted to a client certificate.
pub const CCERT_CLASS: &str = "mailsec_ccert_";

/// A domain of Exchange's syntax as a table key: `*.contoso.com` (sub-domains) becomes `.contoso.com`.
pub fn domain_key(domain: &str) -> String {
    let d = domain.trim().to_ascii_lowercase();
    match d.strip_prefix("*.") {
        Some(rest) => format!(".{rest}"),
        None => d,
    }
}

/// The inverse of `domain_key`.
pub fn key_domain(key: &str) -> String {
    match key.strip_prefix('.') {
        Some(rest) => format!("*.{rest}"),
        None => key.to_string(),
    }
}

/// A smart host as a next hop: `[host]` (MX lookups off), with `:port` when it is not 25.
pub fn smart_host_key(host: &str, port: u16) -> String {
    let h = host.trim().to_ascii_lowercase();
    if port == 25 {
        format!("[{h}]")
    } else {
        format!("[{h}]:{port}")
    }
}

/// `[host]` / `[host]:port` back to the host and port.
pub fn parse_smart_host_key(key: &str) -> Option<(String, u16)> {
    let rest = key.strip_prefix('[')?;
    let (host, after) = rest.split_once(']')?;
    let port = match after {
        "" => 25,
        p => p.strip_prefix(':')?.parse().ok()?,
    };
    Some((host.to_string(), port))
}

/// The `smtp_tls_policy_maps` value for a TLS level and certificate name.
pub fn policy_value(level: Option<TlsAuthLevel>, tls_domain: Option<&str>) -> String {
    match level {
        None => "may".into(),
        Some(TlsAuthLevel::EncryptionOnly) => format!("encrypt {PROTOCOLS}"),
        // No Postfix level checks only the chain: `verify` also matches the server name
        // (smtp_tls_verify_cert_match), the closest stricter setting. Plan says so.
        Some(TlsAuthLevel::CertificateValidation) => format!("verify {PROTOCOLS}"),
        Some(TlsAuthLevel::DomainValidation) => match tls_domain {
            Some(d) => format!("secure match={} {PROTOCOLS}", domain_key(d)),
            None => format!("secure {PROTOCOLS}"),
        },
    }
}

/// A policy value read back: the TLS level and certificate name, or why it is not one mailsec maps.
pub fn parse_policy(value: &str) -> Result<(Option<TlsAuthLevel>, Option<String>), String> {
    let mut words = value.split_whitespace();
    let level = words.next().unwrap_or_default();
    let mut matches = None;
    for w in words {
        if let Some(m) = w.strip_prefix("match=") {
            matches = Some(m.to_string());
        } else if !w.starts_with("protocols=") && !w.starts_with("ciphers=") {
            return Err(format!("the attribute '{w}' has no Exchange equivalent"));
        }
    }
    let level = match level.to_ascii_lowercase().as_str() {
        "may" => None,
        "encrypt" => Some(TlsAuthLevel::EncryptionOnly),
        "verify" => Some(TlsAuthLevel::CertificateValidation),
        "secure" => Some(TlsAuthLevel::DomainValidation),
        other => {
            return Err(format!(
                "the level '{other}' has no Exchange connector equivalent"
            ))
        }
    };
    let tls_domain = match (level, matches) {
        (Some(TlsAuthLevel::DomainValidation), Some(m)) => {
            let first = m.split(':').next().unwrap_or_default();
            Some(key_domain(first))
        }
        _ => None,
    };
    Ok((level, tls_domain))
}

fn rank(level: Option<TlsAuthLevel>) -> u8 {
    match level {
        None => 0,
        Some(TlsAuthLevel::EncryptionOnly) => 1,
        Some(TlsAuthLevel::CertificateValidation) => 2,
        Some(TlsAuthLevel::DomainValidation) => 3,
    }
}

/// The flag words of a connector's header: what its entries alone cannot show.
fn flags(enabled: bool, extra: &[(&str, bool)]) -> Vec<String> {
    let mut f = Vec::new();
    if !enabled {
        f.push("disabled".to_string());
    }
    for (name, on) in extra {
        if *on {
            f.push(name.to_string());
        }
    }
    f
}

/// An outbound connector's blocks: its TLS policy entries and, when it routes through smart hosts, its
/// transport entries.
pub fn outbound_blocks(c: &OutboundConnector) -> (Block, Block) {
    let value = policy_value(c.TlsSettings, c.TlsDomain.as_deref());
    let off = !c.Enabled;
    let mut policy = Vec::new();
    let mut transport = Vec::new();
    if c.UseMXRecord {
        for d in &c.RecipientDomains {
            policy.push(Entry::new(domain_key(d), value.clone(), off));
        }
    } else {
        let hops: Vec<String> = c.SmartHosts.iter().map(|h| smart_host_key(h, 25)).collect();
        for h in &hops {
            policy.push(Entry::new(h.clone(), value.clone(), off));
        }
        let next = format!("smtp:{}", hops.join(", "));
        for d in &c.RecipientDomains {
            transport.push(Entry::new(domain_key(d), next.clone(), off));
        }
    }
    let head = |entries| Block {
        kind: OUTBOUND.into(),
        guid: c.Guid,
        name: c.Name.clone(),
        flags: flags(c.Enabled, &[("smart-hosts", !c.UseMXRecord)]),
        entries,
    };
    (head(policy), head(transport))
}

/// An outbound connector read back from its policy block and (if any) transport block.
pub fn outbound_from(
    policy: &Block,
    transport: Option<&Block>,
) -> Result<OutboundConnector, String> {
    let mut c = OutboundConnector::new(policy.guid, &policy.name);
    c.Enabled = !policy.has_flag("disabled");
    c.UseMXRecord = !policy.has_flag("smart-hosts");
    // Entries of one connector that disagree come from a hand edit: the weakest is what Postfix does
    // for some of its destinations, so that is the live level (plan then shows the drift).
    let mut level: Option<(Option<TlsAuthLevel>, Option<String>)> = None;
    for e in &policy.entries {
        let parsed = parse_policy(&e.value).map_err(|w| format!("{}: {w}", e.key))?;
        let weaker = match &level {
            None => true,
            Some(cur) => {
                rank(parsed.0) < rank(cur.0) || (rank(parsed.0) == rank(cur.0) && parsed != *cur)
            }
        };
        if weaker {
            level = Some(parsed);
        }
        if c.UseMXRecord {
            c.RecipientDomains.push(key_domain(&e.key));
        } else {
            let (host, _) = parse_smart_host_key(&e.key).ok_or_else(|| {
                format!(
                    "'{}' is not a smart host next hop ([host] or [host]:port)",
                    e.key
                )
            })?;
            c.SmartHosts.push(host);
        }
    }
    if let Some((l, d)) = level {
        c.TlsSettings = l;
        c.TlsDomain = d;
    }
    if let Some(t) = transport {
        c.RecipientDomains = t.entries.iter().map(|e| key_domain(&e.key)).collect();
    }
    Ok(c)
}

/// A JSON string list as one header word (spaces escaped, which JSON allows).
fn json_word(list: &[String]) -> String {
    serde_json::to_string(list)
        .unwrap_or_default()
        .replace(' ', "\\u0020")
}

/// An on-premises send connector's blocks, as for an outbound connector: the level from RequireTLS,
/// TlsAuthLevel and IgnoreSTARTTLS (`none`); smart hosts with the connector's port.
pub fn send_blocks(c: &SendConnector) -> (Block, Block) {
    let value = if c.IgnoreSTARTTLS {
        "none".to_string()
    } else if !c.RequireTLS {
        "may".to_string()
    } else {
        policy_value(
            Some(c.TlsAuthLevel.unwrap_or(TlsAuthLevel::EncryptionOnly)),
            c.TlsDomain.as_deref(),
        )
    };
    let off = !c.Enabled;
    let domains = c.domains();
    let mut policy = Vec::new();
    let mut transport = Vec::new();
    if c.DNSRoutingEnabled {
        for d in &domains {
            policy.push(Entry::new(domain_key(d), value.clone(), off));
        }
    } else {
        let hops: Vec<String> = c
            .SmartHosts
            .iter()
            .map(|h| smart_host_key(h, c.Port))
            .collect();
        for h in &hops {
            policy.push(Entry::new(h.clone(), value.clone(), off));
        }
        let next = format!("smtp:{}", hops.join(", "));
        for d in &domains {
            transport.push(Entry::new(domain_key(d), next.clone(), off));
        }
    }
    let mut fl = flags(
        c.Enabled,
        &[
            ("smart-hosts", !c.DNSRoutingEnabled),
            (
                "no-auth-level",
                c.RequireTLS && c.TlsAuthLevel.is_none() && !c.IgnoreSTARTTLS,
            ),
        ],
    );
    fl.push(format!("address-spaces={}", json_word(&c.AddressSpaces)));
    let head = |entries| Block {
        kind: SEND.into(),
        guid: c.Guid,
        name: c.Name.clone(),
        flags: fl.clone(),
        entries,
    };
    (head(policy), head(transport))
}

/// A send connector read back from its policy block and (if any) transport block.
pub fn send_from(policy: &Block, transport: Option<&Block>) -> Result<SendConnector, String> {
    let mut c = SendConnector::new(policy.guid, &policy.name);
    c.Enabled = !policy.has_flag("disabled");
    c.DNSRoutingEnabled = !policy.has_flag("smart-hosts");
    let mut weakest: Option<&str> = None;
    for e in &policy.entries {
        if weakest.is_none_or(|w| level_rank(&e.value) < level_rank(w)) {
            weakest = Some(&e.value);
        }
        if !c.DNSRoutingEnabled {
            let (host, port) = parse_smart_host_key(&e.key).ok_or_else(|| {
                format!(
                    "'{}' is not a smart host next hop ([host] or [host]:port)",
                    e.key
                )
            })?;
            c.SmartHosts.push(host);
            c.Port = port;
        }
    }
    if let Some(v) = weakest {
        if v.split_whitespace().next() == Some("none") {
            c.IgnoreSTARTTLS = true;
        } else {
            let (level, domain) = parse_policy(v).map_err(|w| format!("{}: {w}", policy.name))?;
            c.RequireTLS = level.is_some();
            c.TlsAuthLevel = if policy.has_flag("no-auth-level")
                && level == Some(TlsAuthLevel::EncryptionOnly)
            {
                None
            } else {
                level
            };
            c.TlsDomain = domain;
        }
    }
    let keys: Vec<String> = match transport {
        Some(t) if !c.DNSRoutingEnabled => t.entries.iter().map(|e| key_domain(&e.key)).collect(),
        _ if c.DNSRoutingEnabled => policy.entries.iter().map(|e| key_domain(&e.key)).collect(),
        _ => Vec::new(),
    };
    // The address spaces as written (`SMTP:contoso.com;1`), unless a hand edit changed the domains.
    let written: Vec<String> = policy
        .flags
        .iter()
        .find_map(|f| f.strip_prefix("address-spaces="))
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    let mut probe = c.clone();
    probe.AddressSpaces = written.clone();
    let mut have = probe.domains();
    let mut want = keys.clone();
    have.sort();
    want.sort();
    c.AddressSpaces = if have == want {
        written
    } else {
        keys.iter().map(|d| format!("SMTP:{d};1")).collect()
    };
    if c.SmartHosts.is_empty() {
        c.Port = 25;
    }
    Ok(c)
}

fn level_rank(value: &str) -> u8 {
    match value.split_whitespace().next().unwrap_or_default() {
        "none" => 0,
        "may" => 1,
        "encrypt" => 2,
        "verify" => 3,
        _ => 4,
    }
}

/// An inbound connector's block in the `check_sender_access` table. Restricted to a certificate, its
/// senders go through the connector's restriction class instead of plain `reject_plaintext_session`.
pub fn inbound_block(c: &InboundConnector, ccert_class: Option<&str>) -> Block {
    let off = !c.Enabled || !c.RequireTls;
    let action = ccert_class.unwrap_or(REQUIRE_TLS).to_string();
    let mut fl = flags(c.Enabled, &[("no-require-tls", !c.RequireTls)]);
    if let Some(n) = &c.TlsSenderCertificateName {
        fl.push(format!(
            "certificate={}",
            serde_json::to_string(n).unwrap_or_default()
        ));
    }
    if c.RestrictDomainsToCertificate {
        fl.push("restrict-to-certificate".into());
    }
    Block {
        kind: INBOUND.into(),
        guid: c.Guid,
        name: c.Name.clone(),
        flags: fl,
        entries: c
            .SenderDomains
            .iter()
            .map(|d| Entry::new(domain_key(d), action.clone(), off))
            .collect(),
    }
}

/// An inbound connector read back from its block.
pub fn inbound_from(b: &Block) -> InboundConnector {
    let mut c = InboundConnector::new(b.guid, &b.name);
    c.Enabled = !b.has_flag("disabled");
    c.RequireTls = !b.has_flag("no-require-tls");
    c.TlsSenderCertificateName = b.flag_value("certificate");
    c.RestrictDomainsToCertificate = b.has_flag("restrict-to-certificate");
    c.SenderDomains = b.entries.iter().map(|e| key_domain(&e.key)).collect();
    if b.entries
        .iter()
        .any(|e| !e.off && e.value != REQUIRE_TLS && !e.value.starts_with(CCERT_CLASS))
    {
        // A hand edit replaced the action: the senders are no longer required to use TLS.
        c.RequireTls = false;
    }
    if c.Enabled && c.RequireTls && b.entries.iter().any(|e| e.off) {
        c.RequireTls = false;
    }
    c
}

/// The restriction class name of an inbound connector restricted to a certificate.
pub fn ccert_class(guid: Uuid) -> String {
    format!("{CCERT_CLASS}{}", guid.simple())
}

/// The identity of an entry in a table mailsec does not own: stable across reads (derived from the
/// table and key), so an export followed by a plan shows no changes.
pub fn foreign_guid(table: &str, key: &str) -> Uuid {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(format!("postfix:{table}:{key}").as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    uuid::Builder::from_custom_bytes(b).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn outbound(name: &str) -> OutboundConnector {
        let mut c = OutboundConnector::new(Uuid::from_u128(1), name);
        c.RecipientDomains = vec!["contoso.com".into(), "*.contoso.com".into()];
        c
    }

    #[test]
    fn levels_map_as_the_spec_table_says() {
        assert_eq!(policy_value(None, None), "may");
        assert_eq!(
            policy_value(Some(TlsAuthLevel::EncryptionOnly), None),
            "encrypt protocols=>=TLSv1.2"
        );
        assert_eq!(
            policy_value(Some(TlsAuthLevel::CertificateValidation), None),
            "verify protocols=>=TLSv1.2"
        );
        assert_eq!(
            policy_value(Some(TlsAuthLevel::DomainValidation), Some("*.Contoso.com")),
            "secure match=.contoso.com protocols=>=TLSv1.2"
        );
    }

    #[test]
    fn mx_routed_connector_round_trips() {
        let mut c = outbound("Contoso");
        c.TlsSettings = Some(TlsAuthLevel::DomainValidation);
        c.TlsDomain = Some("mail.contoso.com".into());
        let (p, t) = outbound_blocks(&c);
        assert!(t.entries.is_empty());
        assert_eq!(p.entries[1].key, ".contoso.com");
        assert_eq!(outbound_from(&p, None), Ok(c));
    }

    #[test]
    fn smart_host_connector_routes_and_keys_by_next_hop() {
        let mut c = outbound("Relay");
        c.UseMXRecord = false;
        c.SmartHosts = vec!["relay1.contoso.com".into(), "192.0.2.7".into()];
        c.TlsSettings = Some(TlsAuthLevel::EncryptionOnly);
        c.Enabled = false;
        let (p, t) = outbound_blocks(&c);
        assert_eq!(p.entries[0].key, "[relay1.contoso.com]");
        assert_eq!(p.entries[1].key, "[192.0.2.7]");
        assert!(p.entries.iter().all(|e| e.off));
        assert_eq!(t.entries[0].value, "smtp:[relay1.contoso.com], [192.0.2.7]");
        assert_eq!(outbound_from(&p, Some(&t)), Ok(c));
    }

    #[test]
    fn a_hand_downgrade_reads_as_the_weaker_level() {
        let mut c = outbound("Contoso");
        c.TlsSettings = Some(TlsAuthLevel::EncryptionOnly);
        let (mut p, _) = outbound_blocks(&c);
        p.entries[0].value = "may".into();
        p.entries[1].value = "may".into();
        assert_eq!(outbound_from(&p, None).map(|c| c.TlsSettings), Ok(None));
        p.entries[0].value = "dane-only".into();
        assert!(outbound_from(&p, None)
            .expect_err("dane")
            .contains("no Exchange connector equivalent"));
    }

    #[test]
    fn send_connectors_round_trip() {
        let mut c = SendConnector::new(Uuid::from_u128(4), "To Contoso");
        c.AddressSpaces = vec!["SMTP:contoso.com;1".into(), "*.contoso.com".into()];
        let (p, t) = send_blocks(&c);
        assert_eq!(p.entries[0].value, "may");
        assert!(t.entries.is_empty());
        assert_eq!(send_from(&p, None), Ok(c.clone()));
        c.RequireTLS = true;
        let (p, _) = send_blocks(&c);
        assert_eq!(p.entries[0].value, "encrypt protocols=>=TLSv1.2");
        assert_eq!(send_from(&p, None), Ok(c.clone()));
        c.TlsAuthLevel = Some(TlsAuthLevel::EncryptionOnly);
        assert_eq!(send_from(&send_blocks(&c).0, None), Ok(c.clone()));
        c.DNSRoutingEnabled = false;
        c.SmartHosts = vec!["relay.contoso.com".into()];
        c.Port = 587;
        c.TlsAuthLevel = Some(TlsAuthLevel::DomainValidation);
        c.TlsDomain = Some("relay.contoso.com".into());
        let (p, t) = send_blocks(&c);
        assert_eq!(p.entries[0].key, "[relay.contoso.com]:587");
        assert_eq!(t.entries[0].value, "smtp:[relay.contoso.com]:587");
        assert_eq!(send_from(&p, Some(&t)), Ok(c.clone()));
        c.RequireTLS = false;
        c.TlsAuthLevel = None;
        c.TlsDomain = None;
        c.IgnoreSTARTTLS = true;
        // An X.400 space (not routed by Postfix) with a space inside survives the header.
        c.AddressSpaces = vec![
            "SMTP:contoso.com;1".into(),
            "X400:c=US;a= ;p=Contoso;1".into(),
        ];
        let (p, t) = send_blocks(&c);
        assert_eq!(p.entries[0].value, "none");
        assert_eq!(send_from(&p, Some(&t)), Ok(c));
    }

    #[test]
    fn inbound_round_trips_with_its_flags() {
        let mut c = InboundConnector::new(Uuid::from_u128(2), "Fabrikam in");
        c.SenderDomains = vec!["fabrikam.com".into(), "*.fabrikam.com".into()];
        assert_eq!(inbound_from(&inbound_block(&c, None)), c);
        c.RequireTls = false;
        let b = inbound_block(&c, None);
        assert!(b.entries.iter().all(|e| e.off));
        assert_eq!(inbound_from(&b), c);
        c.RequireTls = true;
        c.TlsSenderCertificateName = Some("mail.fabrikam.com".into());
        c.RestrictDomainsToCertificate = true;
        let class = ccert_class(c.Guid);
        let b = inbound_block(&c, Some(&class));
        assert!(b.entries[0].value.starts_with(CCERT_CLASS));
        assert_eq!(inbound_from(&b), c);
    }

    #[test]
    fn inbound_hand_edit_reads_as_not_required() {
        let mut c = InboundConnector::new(Uuid::from_u128(2), "Fabrikam in");
        c.SenderDomains = vec!["fabrikam.com".into()];
        let mut b = inbound_block(&c, None);
        b.entries[0].value = "OK".into();
        assert!(!inbound_from(&b).RequireTls);
    }

    #[test]
    fn foreign_ids_are_stable() {
        assert_eq!(foreign_guid("/t", "a"), foreign_guid("/t", "a"));
        assert_ne!(foreign_guid("/t", "a"), foreign_guid("/t", "b"));
    }

    proptest! {
        #[test]
        fn any_policy_value_parses_or_errs(s in "\\PC{0,60}") {
            let _ = parse_policy(&s);
        }

        #[test]
        fn any_smart_host_key_parses_or_not(s in "\\PC{0,30}") {
            let _ = parse_smart_host_key(&s);
        }

        #[test]
        fn smart_host_keys_round_trip(h in "[a-z0-9.-]{1,20}", port in 1u16..) {
            prop_assert_eq!(parse_smart_host_key(&smart_host_key(&h, port)), Some((h, port)));
        }
    }
}
