//! The Postfix gateway backend: connectors as lookup tables mailsec owns in the config directory
//! (`mailsec_tls_policy`, `mailsec_transport`, `mailsec_tls_inbound`, one `mailsec_ccert_<id>` per
//! certificate-restricted inbound connector), the few main.cf keys that use them (set with `postconf -e`),
//! `postmap`, `postfix check` when root, and a configured reload command.

mod commands;
mod foreign;
mod maincf;
mod policy;
mod settings;
mod table;

pub use settings::{PostfixSettings, PostfixSettingsError};

use std::cell::RefCell;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_json::json;
use uuid::Uuid;

use self::commands::{CommandError, Tools};
use self::maincf::{table_ref, with_item, with_restriction, with_table_first, KeyChange};
use self::policy::{ccert_class, INBOUND, OUTBOUND, SEND};
use self::table::{Block, Entry, Table};
use super::{apply_to_list, Backend, BackendError, LiveState};
use crate::model::{
    DesiredState, InboundConnector, ObjectKind, OutboundConnector, SendConnector, TlsAuthLevel,
};
use crate::plan::{Action, ResourceChange};

pub const POLICY_FILE: &str = "mailsec_tls_policy";
pub const TRANSPORT_FILE: &str = "mailsec_transport";
pub const INBOUND_FILE: &str = "mailsec_tls_inbound";

/// The main.cf keys mailsec reads: the ones it may change and the ones its warnings look at.
const KEYS: &[&str] = &[
    "smtp_tls_policy_maps",
    "transport_maps",
    "smtpd_sender_restrictions",
    "smtpd_restriction_classes",
    "smtpd_tls_ask_ccert",
    "smtpd_tls_fingerprint_digest",
    "smtp_tls_CAfile",
    "smtp_tls_CApath",
    "smtpd_tls_security_level",
    "smtpd_tls_cert_file",
    "smtpd_tls_chain_files",
];

/// What Postfix setting applies each property this backend applies (the rest stay recorded in the
/// desired state, and plan says so). The one list `applies` and the destination map read.
pub fn applied_as(kind: ObjectKind, property: &str) -> Option<&'static str> {
    Some(match (kind, property) {
        (ObjectKind::OutboundConnector, p) => match p {
            "Name" => "the table block header",
            "Enabled" => "entries commented out when $false",
            "RecipientDomains" => {
                "mailsec_tls_policy keys (mailsec_transport keys with SmartHosts)"
            }
            "UseMXRecord" => "policy keyed by domain ($true) or by [smart host] ($false)",
            "SmartHosts" => "mailsec_transport next hops and mailsec_tls_policy [host] keys",
            "TlsSettings" => "mailsec_tls_policy level (may/encrypt/verify/secure)",
            "TlsDomain" => "mailsec_tls_policy match=",
            _ => return None,
        },
        (ObjectKind::InboundConnector, p) => match p {
            "Name" => "the table block header",
            "Enabled" => "entries commented out when $false",
            "SenderDomains" => "mailsec_tls_inbound keys (check_sender_access)",
            "RequireTls" => "mailsec_tls_inbound reject_plaintext_session",
            "TlsSenderCertificateName" => "mailsec_ccert_<id> fingerprints (clientCertificates)",
            "RestrictDomainsToCertificate" => "mailsec_ccert_<id> restriction class",
            _ => return None,
        },
        (ObjectKind::SendConnector, p) => match p {
            "Name" => "the table block header",
            "Enabled" => "entries commented out when $false",
            "AddressSpaces" => {
                "mailsec_tls_policy keys (mailsec_transport keys with SmartHosts); SMTP spaces only"
            }
            "DNSRoutingEnabled" => {
                "policy keyed by domain ($true) or by [smart host]:port ($false)"
            }
            "SmartHosts" => "mailsec_transport next hops and mailsec_tls_policy [host] keys",
            "Port" => "the smart host next hop's :port",
            "RequireTLS" => "mailsec_tls_policy level (may, or encrypt and stricter)",
            "TlsAuthLevel" => "mailsec_tls_policy level (encrypt/verify/secure)",
            "TlsDomain" => "mailsec_tls_policy match=",
            "IgnoreSTARTTLS" => "mailsec_tls_policy none",
            _ => return None,
        },
        _ => return None,
    })
}

/// The connectors Postfix holds, by kind.
#[derive(Debug, Clone, Default)]
struct Connectors {
    outbound: Vec<OutboundConnector>,
    inbound: Vec<InboundConnector>,
    send: Vec<SendConnector>,
}

impl Connectors {
    fn of(desired: &DesiredState) -> Connectors {
        Connectors {
            outbound: desired.outbound_connectors.clone(),
            inbound: desired.inbound_connectors.clone(),
            send: desired.send_connectors.clone(),
        }
    }
}

/// What the config directory holds now.
struct Loaded {
    policy: Table,
    transport: Table,
    inbound: Table,
    /// mailsec's own connectors, whether or not Postfix uses them yet.
    outbound: Vec<OutboundConnector>,
    inbound_connectors: Vec<InboundConnector>,
    send: Vec<SendConnector>,
    /// Connectors Postfix does not use yet (table not referenced in main.cf, or edited and not rebuilt).
    not_in_effect: HashSet<Uuid>,
    /// Current main.cf values of `KEYS`, as written.
    main: Vec<String>,
    /// The same with `$name` expanded (what Postfix uses).
    expanded: Vec<String>,
    /// Connectors from the admin's own tables: shown, exported, never edited.
    foreign: foreign::Foreign,
    /// Why some of it is not in effect or not read, for plan.
    notes: Vec<String>,
}

impl Loaded {
    fn main(&self, key: &str) -> &str {
        KEYS.iter()
            .position(|k| *k == key)
            .and_then(|i| self.main.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }

    fn expanded(&self, key: &str) -> &str {
        KEYS.iter()
            .position(|k| *k == key)
            .and_then(|i| self.expanded.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }
}

pub struct PostfixGateway {
    settings: PostfixSettings,
    tools: Tools,
    cache: RefCell<Option<Rc<Loaded>>>,
}

impl PostfixGateway {
    pub fn new(settings: PostfixSettings) -> PostfixGateway {
        let tools = Tools::new(settings.config_dir.clone(), settings.command_dir.clone());
        PostfixGateway {
            settings,
            tools,
            cache: RefCell::new(None),
        }
    }

    fn path(&self, file: &str) -> PathBuf {
        self.settings.config_dir.join(file)
    }

    fn fail(&self, message: impl Into<String>) -> BackendError {
        BackendError::Change {
            backend: self.describe(),
            object: "the Postfix configuration".into(),
            message: message.into(),
        }
    }

    fn cmd(&self, e: CommandError) -> BackendError {
        self.fail(e.to_string())
    }

    /// The config directory as read now (cached for one plan: read, warnings and notes share it).
    fn loaded(&self) -> Result<Rc<Loaded>, BackendError> {
        if let Some(l) = self.cache.borrow().as_ref() {
            return Ok(l.clone());
        }
        let l = Rc::new(self.load()?);
        *self.cache.borrow_mut() = Some(l.clone());
        Ok(l)
    }

    fn read_table(&self, file: &str) -> Result<Table, BackendError> {
        let path = self.path(file);
        match std::fs::read_to_string(&path) {
            Ok(text) => Table::parse(&text).map_err(|e| {
                self.fail(format!(
                    "{}: {e}; fix the line or delete the file's mailsec blocks and apply again",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Table::default()),
            Err(e) => Err(self.fail(format!("cannot read {}: {e}", path.display()))),
        }
    }

    /// Is `file`'s table built from its current source (the `.db` exists and is not older)?
    fn built(&self, file: &str) -> bool {
        let src = std::fs::metadata(self.path(file)).and_then(|m| m.modified());
        let db = std::fs::metadata(self.path(&format!("{file}.db"))).and_then(|m| m.modified());
        matches!((src, db), (Ok(s), Ok(d)) if d >= s)
    }

    fn load(&self) -> Result<Loaded, BackendError> {
        let main = self.tools.get(KEYS).map_err(|e| self.cmd(e))?;
        let expanded = self.tools.get_expanded(KEYS).map_err(|e| self.cmd(e))?;
        let dir = self.settings.config_dir.display().to_string();
        let policy = self.read_table(POLICY_FILE)?;
        let transport = self.read_table(TRANSPORT_FILE)?;
        let inbound = self.read_table(INBOUND_FILE)?;
        let mut notes = Vec::new();
        let mut outbound = Vec::new();
        for b in policy.of_kind(OUTBOUND) {
            let t = transport.of_kind(OUTBOUND).find(|t| t.guid == b.guid);
            let c = policy::outbound_from(b, t).map_err(|w| {
                self.fail(format!(
                    "{}: outbound connector '{}': {w}",
                    self.path(POLICY_FILE).display(),
                    b.name
                ))
            })?;
            outbound.push(c);
        }
        let mut send = Vec::new();
        for b in policy.of_kind(SEND) {
            let t = transport.of_kind(SEND).find(|t| t.guid == b.guid);
            let c = policy::send_from(b, t).map_err(|w| {
                self.fail(format!(
                    "{}: send connector '{}': {w}",
                    self.path(POLICY_FILE).display(),
                    b.name
                ))
            })?;
            send.push(c);
        }
        let inbound_connectors: Vec<InboundConnector> =
            inbound.of_kind(INBOUND).map(policy::inbound_from).collect();
        let mut l = Loaded {
            policy,
            transport,
            inbound,
            outbound,
            inbound_connectors,
            send,
            not_in_effect: HashSet::new(),
            main,
            expanded: expanded.clone(),
            foreign: foreign::Foreign::default(),
            notes: Vec::new(),
        };
        let in_effect = |file: &str,
                         key: &str,
                         check: Option<&str>,
                         l: &Loaded|
         -> Result<(), String> {
            let r = table_ref(file);
            let x = format!("hash:{dir}/{file}");
            let value = l.main(key);
            let used = match check {
                None => with_table_first(value, &r, &x) == value,
                Some(c) => with_restriction(value, c, &r, &x) == value,
            };
            if !used {
                return Err(format!("main.cf's {key} does not use {file}"));
            }
            if !self.built(file) {
                return Err(format!(
                    "{file} was changed after it was last built (postmap): Postfix still uses the old table"
                ));
            }
            Ok(())
        };
        let policy_state = in_effect(POLICY_FILE, "smtp_tls_policy_maps", None, &l);
        let transport_state = in_effect(TRANSPORT_FILE, "transport_maps", None, &l);
        let inbound_state = in_effect(
            INBOUND_FILE,
            "smtpd_sender_restrictions",
            Some("check_sender_access"),
            &l,
        );
        // Each connector with the reason Postfix does not use it, if any: outbound and send connectors
        // need the policy table, and the transport table too when they route through smart hosts.
        let outbound = |smart_hosts: bool, routed: bool| match (&policy_state, &transport_state) {
            (Err(w), _) => Some(w),
            (Ok(()), Err(w)) if smart_hosts && routed => Some(w),
            _ => None,
        };
        let mut why: Vec<(&str, Uuid, &str, &String)> = Vec::new();
        for c in &l.outbound {
            if let Some(w) = outbound(!c.UseMXRecord, !c.RecipientDomains.is_empty()) {
                why.push(("outbound", c.Guid, &c.Name, w));
            }
        }
        for c in &l.send {
            if let Some(w) = outbound(!c.DNSRoutingEnabled, !c.AddressSpaces.is_empty()) {
                why.push(("send", c.Guid, &c.Name, w));
            }
        }
        if let Err(w) = &inbound_state {
            for c in &l.inbound_connectors {
                why.push(("inbound", c.Guid, &c.Name, w));
            }
        }
        let mut off = HashSet::new();
        for (kind, guid, name, w) in why {
            off.insert(guid);
            notes.push(format!(
                "{kind} connector '{name}' is not in effect: {w}; apply fixes it"
            ));
        }
        l.not_in_effect = off;
        let ours: Vec<String> = [POLICY_FILE, TRANSPORT_FILE, INBOUND_FILE]
            .iter()
            .map(|f| self.path(f).display().to_string())
            .collect();
        l.foreign = foreign::read(&expanded, KEYS, &ours, &mut notes);
        l.notes = notes;
        Ok(l)
    }

    /// The client certificate fingerprints (sha256, as Postfix prints them) for a certificate name.
    fn fingerprints(&self, name: &str) -> Result<Vec<String>, String> {
        let files = self
            .settings
            .client_certificates
            .get(&name.to_ascii_lowercase())
            .ok_or_else(|| format!("no certificate file is given for '{name}': Postfix checks client certificates by fingerprint only. Add it to the postfix target: clientCertificates: {{ \"{name}\": [partner.pem] }}"))?;
        let mut out = Vec::new();
        for f in files {
            let bytes = std::fs::read(f)
                .map_err(|e| format!("cannot read the certificate file {}: {e}", f.display()))?;
            let ders = crate::cert::read_collection(&bytes).map_err(|e| {
                format!("{} holds no certificate mailsec can read: {e}", f.display())
            })?;
            for der in ders {
                use sha2::{Digest, Sha256};
                let h = Sha256::digest(&der);
                out.push(
                    h.iter()
                        .map(|b| format!("{b:02X}"))
                        .collect::<Vec<_>>()
                        .join(":"),
                );
            }
        }
        Ok(out)
    }

    /// What the desired connectors cannot be in Postfix: each is a plan error.
    fn refusals(&self, set: &Connectors) -> Vec<String> {
        let mut out = Vec::new();
        for c in &set.outbound {
            if c.UseMXRecord && c.RecipientDomains.iter().any(|d| d.trim() == "*") {
                out.push(format!("outbound connector '{}': RecipientDomains '*' covers every destination, which a Postfix TLS policy table cannot key; set smtp_tls_security_level in main.cf for that, or list the partner domains", c.Name));
            }
        }
        for c in &set.send {
            if c.DNSRoutingEnabled && c.domains().iter().any(|d| d.trim() == "*") {
                out.push(format!("send connector '{}': the address space '*' covers every destination, which a Postfix TLS policy table cannot key; set smtp_tls_security_level in main.cf for that, or list the domains", c.Name));
            }
        }
        for c in &set.inbound {
            if c.Enabled && c.RequireTls && c.SenderDomains.iter().any(|d| d.trim() == "*") {
                out.push(format!("inbound connector '{}': RequireTls for SenderDomains '*' would need smtpd_tls_security_level = encrypt, which RFC 3207 forbids on a public MX; list the partner domains", c.Name));
            }
            if c.Enabled && c.RequireTls && c.RestrictDomainsToCertificate {
                if let Some(n) = &c.TlsSenderCertificateName {
                    if let Err(w) = self.fingerprints(n) {
                        out.push(format!("inbound connector '{}': {w}", c.Name));
                    }
                }
            }
        }
        out
    }

    /// Tables for these connectors (keeping the admin's own lines in mailsec's files).
    fn render(&self, l: &Loaded, set: &Connectors) -> Result<Vec<(String, Table)>, String> {
        let mut policy = Table {
            foreign: l.policy.foreign.clone(),
            blocks: Vec::new(),
        };
        let mut transport = Table {
            foreign: l.transport.foreign.clone(),
            blocks: Vec::new(),
        };
        let mut inb = Table {
            foreign: l.inbound.foreign.clone(),
            blocks: Vec::new(),
        };
        let mut files = Vec::new();
        for c in &set.outbound {
            let (p, t) = policy::outbound_blocks(c);
            policy.blocks.push(p);
            if !c.UseMXRecord {
                transport.blocks.push(t);
            }
        }
        for c in &set.send {
            let (p, t) = policy::send_blocks(c);
            policy.blocks.push(p);
            if !c.DNSRoutingEnabled {
                transport.blocks.push(t);
            }
        }
        for c in &set.inbound {
            let restricted = c.RestrictDomainsToCertificate
                && c.TlsSenderCertificateName.is_some()
                && c.Enabled
                && c.RequireTls;
            let class = restricted.then(|| ccert_class(c.Guid));
            if let (Some(class), Some(name)) = (&class, &c.TlsSenderCertificateName) {
                let fps = self
                    .fingerprints(name)
                    .map_err(|w| format!("inbound connector '{}': {w}", c.Name))?;
                files.push((
                    class.clone(),
                    Table {
                        foreign: Vec::new(),
                        blocks: vec![Block {
                            kind: INBOUND.into(),
                            guid: c.Guid,
                            name: c.Name.clone(),
                            flags: Vec::new(),
                            entries: fps
                                .into_iter()
                                .map(|f| Entry::new(f, "OK", false))
                                .collect(),
                        }],
                    },
                ));
            }
            inb.blocks.push(policy::inbound_block(c, class.as_deref()));
        }
        files.push((POLICY_FILE.to_string(), policy));
        files.push((TRANSPORT_FILE.to_string(), transport));
        files.push((INBOUND_FILE.to_string(), inb));
        Ok(files)
    }

    /// The main.cf keys that must change for these connectors.
    fn key_changes(&self, l: &Loaded, set: &Connectors) -> Vec<KeyChange> {
        let dir = self.settings.config_dir.display().to_string();
        let x = |f: &str| format!("hash:{dir}/{f}");
        let mut want: Vec<(&str, String)> = Vec::new();
        if !set.outbound.is_empty() || !set.send.is_empty() {
            want.push((
                "smtp_tls_policy_maps",
                with_table_first(
                    l.main("smtp_tls_policy_maps"),
                    &table_ref(POLICY_FILE),
                    &x(POLICY_FILE),
                ),
            ));
        }
        if set
            .outbound
            .iter()
            .any(|c| !c.UseMXRecord && !c.RecipientDomains.is_empty())
            || set
                .send
                .iter()
                .any(|c| !c.DNSRoutingEnabled && !c.domains().is_empty())
        {
            want.push((
                "transport_maps",
                with_table_first(
                    l.main("transport_maps"),
                    &table_ref(TRANSPORT_FILE),
                    &x(TRANSPORT_FILE),
                ),
            ));
        }
        if !set.inbound.is_empty() {
            want.push((
                "smtpd_sender_restrictions",
                with_restriction(
                    l.main("smtpd_sender_restrictions"),
                    "check_sender_access",
                    &table_ref(INBOUND_FILE),
                    &x(INBOUND_FILE),
                ),
            ));
        }
        let mut classes = l.main("smtpd_restriction_classes").to_string();
        let mut class_defs = Vec::new();
        for c in &set.inbound {
            if c.RestrictDomainsToCertificate
                && c.TlsSenderCertificateName.is_some()
                && c.Enabled
                && c.RequireTls
            {
                let class = ccert_class(c.Guid);
                classes = with_item(&classes, &class);
                class_defs.push((
                    class.clone(),
                    format!(
                        "reject_plaintext_session, check_ccert_access {}, reject",
                        table_ref(&class)
                    ),
                ));
            }
        }
        let mut out: Vec<KeyChange> = want
            .into_iter()
            .filter(|(k, v)| l.main(k) != v)
            .map(|(k, v)| KeyChange {
                key: k.to_string(),
                old: l.main(k).to_string(),
                new: v,
            })
            .collect();
        if !class_defs.is_empty() {
            for (k, v) in [
                ("smtpd_restriction_classes", classes),
                ("smtpd_tls_ask_ccert", "yes".to_string()),
                // Postfix before compatibility level 3.6 prints md5 fingerprints; the tables hold sha256.
                ("smtpd_tls_fingerprint_digest", "sha256".to_string()),
            ] {
                // Compared as Postfix uses them: the digest's default is an expression.
                if l.expanded(k) != v {
                    out.push(KeyChange {
                        key: k.into(),
                        old: l.expanded(k).into(),
                        new: v,
                    });
                }
            }
            let current = self.tools.get(
                &class_defs
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>(),
            );
            for (i, (k, v)) in class_defs.into_iter().enumerate() {
                let old = current
                    .as_ref()
                    .ok()
                    .and_then(|c| c.get(i).cloned())
                    .unwrap_or_default();
                if old != v {
                    out.push(KeyChange {
                        key: k,
                        old,
                        new: v,
                    });
                }
            }
        }
        out
    }

    /// Write the tables and keys for these connectors, build, check and reload.
    fn write(&self, l: &Loaded, set: &Connectors) -> Result<(), BackendError> {
        let refused = self.refusals(set);
        if !refused.is_empty() {
            return Err(self.fail(refused.join("; ")));
        }
        let files = self.render(l, set).map_err(|w| self.fail(w))?;
        for (file, table) in &files {
            let path = self.path(file);
            let text = table.render();
            let same = std::fs::read_to_string(&path).is_ok_and(|t| t == text);
            if !same {
                write_atomically(&path, &text)
                    .map_err(|e| self.fail(format!("cannot write {}: {e}", path.display())))?;
            }
            if !same || !self.built(file) {
                self.tools.postmap(&path).map_err(|e| self.cmd(e))?;
            }
        }
        let keys = self.key_changes(l, set);
        let pairs: Vec<(String, String)> = keys.into_iter().map(|k| (k.key, k.new)).collect();
        self.tools.set(&pairs).map_err(|e| self.cmd(e))?;
        let warnings = self.tools.warnings().map_err(|e| self.cmd(e))?;
        let ours: Vec<&String> = warnings
            .iter()
            .filter(|w| w.contains("mailsec_") || pairs.iter().any(|(k, _)| w.contains(k.as_str())))
            .collect();
        if !ours.is_empty() {
            return Err(self.fail(format!(
                "postconf warns about what mailsec wrote: {}",
                ours.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            )));
        }
        if let Some(r) = self.tools.check() {
            r.map_err(|e| self.cmd(e))?;
        }
        if let Some(cmd) = &self.settings.reload_command {
            commands::reload(cmd, &self.settings.config_dir).map_err(|e| self.cmd(e))?;
        }
        Ok(())
    }
}

/// Write through a temporary file in the same folder and rename it into place: readers see the old
/// text or the new one, never a mix.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile_in(dir, path)?;
    tmp.1.write_all(text.as_bytes())?;
    tmp.1.sync_all()?;
    std::fs::rename(&tmp.0, path)
}

fn tempfile_in(dir: &Path, path: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.mailsec-{}", std::process::id()));
    let f = std::fs::File::create(&tmp)?;
    Ok((tmp, f))
}

impl Backend for PostfixGateway {
    fn describe(&self) -> String {
        format!("Postfix ({})", self.settings.config_dir.display())
    }

    fn kinds(&self) -> &'static [ObjectKind] {
        &[
            ObjectKind::InboundConnector,
            ObjectKind::OutboundConnector,
            ObjectKind::SendConnector,
        ]
    }

    fn read(&self) -> Result<LiveState, BackendError> {
        *self.cache.borrow_mut() = None;
        let l = self.loaded()?;
        let mut live = LiveState::default();
        for c in &l.outbound {
            if !l.not_in_effect.contains(&c.Guid) {
                live.outbound_connectors.push(c.clone());
            }
            live.owned.push((ObjectKind::OutboundConnector, c.Guid));
        }
        for c in &l.inbound_connectors {
            if !l.not_in_effect.contains(&c.Guid) {
                live.inbound_connectors.push(c.clone());
            }
            live.owned.push((ObjectKind::InboundConnector, c.Guid));
        }
        for c in &l.send {
            if !l.not_in_effect.contains(&c.Guid) {
                live.send_connectors.push(c.clone());
            }
            live.owned.push((ObjectKind::SendConnector, c.Guid));
        }
        live.outbound_connectors
            .extend(l.foreign.outbound.iter().map(|(c, _)| c.clone()));
        live.inbound_connectors
            .extend(l.foreign.inbound.iter().map(|(c, _)| c.clone()));
        Ok(live)
    }

    fn applies(&self, kind: ObjectKind, property: &str) -> bool {
        applied_as(kind, property).is_some()
    }

    fn plan_errors(&self, desired: &DesiredState) -> Vec<String> {
        self.refusals(&Connectors::of(desired))
    }

    fn plan_warnings(&self, desired: &DesiredState) -> Vec<String> {
        let mut out = Vec::new();
        let Ok(l) = self.loaded() else {
            return out;
        };
        out.extend(l.notes.iter().cloned());
        let checks_names = |l: Option<TlsAuthLevel>| {
            matches!(
                l,
                Some(TlsAuthLevel::CertificateValidation | TlsAuthLevel::DomainValidation)
            )
        };
        let validating: Vec<&str> = desired
            .outbound_connectors
            .iter()
            .filter(|c| c.Enabled && checks_names(c.TlsSettings))
            .map(|c| c.Name.as_str())
            .chain(
                desired
                    .send_connectors
                    .iter()
                    .filter(|c| c.Enabled && c.RequireTLS && checks_names(c.TlsAuthLevel))
                    .map(|c| c.Name.as_str()),
            )
            .collect();
        if !validating.is_empty()
            && l.expanded("smtp_tls_CAfile").is_empty()
            && l.expanded("smtp_tls_CApath").is_empty()
        {
            out.push(format!("Postfix has no trusted CAs for outbound TLS (smtp_tls_CAfile and smtp_tls_CApath are empty): mail through {} will be deferred until one is set, e.g. smtp_tls_CApath = /etc/ssl/certs", validating.join(", ")));
        }
        let cv: Vec<&str> = desired
            .outbound_connectors
            .iter()
            .filter(|c| c.TlsSettings == Some(TlsAuthLevel::CertificateValidation))
            .map(|c| c.Name.as_str())
            .chain(
                desired
                    .send_connectors
                    .iter()
                    .filter(|c| c.TlsAuthLevel == Some(TlsAuthLevel::CertificateValidation))
                    .map(|c| c.Name.as_str()),
            )
            .collect();
        if !cv.is_empty() {
            out.push(format!("CertificateValidation ({}) has no exact Postfix equivalent: mailsec writes `verify`, which also requires the certificate to name the server Postfix connects to (the MX host or smart host). A partner whose certificate is valid but names another host will be deferred, where Exchange would deliver.", cv.join(", ")));
        }
        let requiring: Vec<&str> = desired
            .inbound_connectors
            .iter()
            .filter(|c| c.Enabled && c.RequireTls)
            .map(|c| c.Name.as_str())
            .collect();
        let level = l.expanded("smtpd_tls_security_level");
        let no_cert = l.expanded("smtpd_tls_cert_file").is_empty()
            && l.expanded("smtpd_tls_chain_files").is_empty();
        if !requiring.is_empty() && (level.is_empty() || level == "none" || no_cert) {
            out.push(format!("Postfix's SMTP server offers no STARTTLS (smtpd_tls_security_level = '{level}'{}): mail from the senders of {} will be rejected until it does (set smtpd_tls_security_level = may and a certificate)", if no_cert { ", no smtpd_tls_cert_file or smtpd_tls_chain_files" } else { "" }, requiring.join(", ")));
        }
        for c in &desired.inbound_connectors {
            if c.TlsSenderCertificateName.is_some()
                && !c.RestrictDomainsToCertificate
                && c.Enabled
                && c.RequireTls
            {
                out.push(format!("inbound connector '{}': Postfix cannot tell a connector by its certificate name alone; mailsec requires TLS from its SenderDomains and does not check the certificate. Set RestrictDomainsToCertificate $true to reject other certificates.", c.Name));
            }
        }
        out
    }

    fn plan_notes(&self, desired: &DesiredState) -> Vec<String> {
        let Ok(l) = self.loaded() else {
            return Vec::new();
        };
        let main_cf = self.settings.config_dir.join("main.cf");
        self.key_changes(&l, &Connectors::of(desired))
            .into_iter()
            .map(|k| {
                format!(
                    "{}: {} = {}  →  {}",
                    main_cf.display(),
                    k.key,
                    if k.old.is_empty() { "(empty)" } else { &k.old },
                    k.new
                )
            })
            .collect()
    }

    fn apply(
        &mut self,
        changes: &[&ResourceChange],
        done: &mut dyn FnMut(&ResourceChange),
    ) -> Result<(), BackendError> {
        if changes.is_empty() {
            return Ok(());
        }
        *self.cache.borrow_mut() = None;
        let l = self.loaded()?;
        let me = self.describe();
        let mut set = Connectors {
            outbound: l.outbound.clone(),
            inbound: l.inbound_connectors.clone(),
            send: l.send.clone(),
        };
        let fresh = |g: Uuid, n: &str| json!({"Guid": g, "Name": n});
        for c in changes {
            if let Some(table) = c.guid.and_then(|g| l.foreign.table_of(g)) {
                return Err(BackendError::Change {
                    backend: me,
                    object: format!("{} '{}'", c.kind.noun(), c.name),
                    message: format!("it comes from {table}, a table mailsec does not own, and mailsec never edits it. Delete its line there and apply again: mailsec then writes the connector in its own table"),
                });
            }
            let g = c.guid.unwrap_or_default();
            match c.kind {
                // A create over a connector that is in the tables but not in effect replaces it.
                ObjectKind::OutboundConnector => {
                    if c.action == Action::Create {
                        set.outbound.retain(|o| o.Guid != g);
                    }
                    apply_to_list(&me, &mut set.outbound, c, |x| x.Guid, fresh)?
                }
                ObjectKind::InboundConnector => {
                    if c.action == Action::Create {
                        set.inbound.retain(|o| o.Guid != g);
                    }
                    apply_to_list(&me, &mut set.inbound, c, |x| x.Guid, fresh)?
                }
                ObjectKind::SendConnector => {
                    if c.action == Action::Create {
                        set.send.retain(|o| o.Guid != g);
                    }
                    apply_to_list(&me, &mut set.send, c, |x| x.Guid, fresh)?
                }
                other => {
                    return Err(BackendError::Change {
                        backend: me,
                        object: format!("{} '{}'", other.noun(), c.name),
                        message: "Postfix does not hold this kind of object".into(),
                    })
                }
            }
        }
        self.write(&l, &set)?;
        *self.cache.borrow_mut() = None;
        changes.iter().for_each(|c| done(c));
        Ok(())
    }
}
