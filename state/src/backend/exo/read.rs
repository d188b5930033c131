//! Reading a tenant: Get-SmimeConfig, Get-Mailbox, Get-MailContact, Get-InboundConnector and
//! Get-OutboundConnector records turned into the model's types, with mailsec's ownership marker
//! (a contact's CustomAttribute15, the end of a connector's Comment) found and taken off. Also the
//! table of which properties the backend carries.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::client::{Client, NotFound};
use super::wire::{self, CmdletInput};
use super::ExoError;
use crate::backend::LiveState;
use crate::cert::Cert;
use crate::model::{
    InboundConnector, MailContact, Mailbox, ObjectKind, OutboundConnector, SmimeConfig,
};

/// The prefix of mailsec's ownership marker; the Guid the desired state gave the object follows.
pub const OWNED_PREFIX: &str = "mailsec-owned:";
/// The contact property holding the marker (reserved: mailsec does not manage it otherwise).
pub const CONTACT_MARKER: &str = "CustomAttribute15";

/// Properties of Get-SmimeConfig / Set-SmimeConfig carried (EXO has them all).
pub const SMIME_PROPS: &[&str] = &[
    "OWAAllowUserChoiceOfSigningCertificate",
    "OWAAlwaysEncrypt",
    "OWAAlwaysSign",
    "OWABCCEncryptedEmailForking",
    "OWACheckCRLOnSend",
    "OWAClearSign",
    "OWACopyRecipientHeaders",
    "OWACRLConnectionTimeout",
    "OWACRLRetrievalTimeout",
    "OWADisableCRLCheck",
    "OWADLExpansionTimeout",
    "OWAEncryptionAlgorithms",
    "OWAEncryptTemporaryBuffers",
    "OWAForceSMIMEClientUpgrade",
    "OWAIncludeCertificateChainAndRootCertificate",
    "OWAIncludeCertificateChainWithoutRootCertificate",
    "OWAIncludeSMIMECapabilitiesInMessage",
    "OWAOnlyUseSmartCard",
    "OWASenderCertificateAttributesToDisplay",
    "OWASignedEmailCertificateInclusion",
    "OWASigningAlgorithms",
    "OWATripleWrapSignedEncryptedMail",
    "OWAUseKeyIdentifier",
    "OWAUseSecondaryProxiesWhenFindingCertificates",
    "NoSignOnReply",
    "SMIMECertificateIssuingCA",
];

/// Mailbox properties Set-Mailbox takes in Exchange Online (cmdlets.md 2).
pub const MAILBOX_SET: &[&str] = &[
    "Name",
    "Alias",
    "DisplayName",
    "EmailAddresses",
    "HiddenFromAddressListsEnabled",
    "UserCertificate",
    "UserSMimeCertificate",
    "WindowsEmailAddress",
    "CustomAttribute1",
    "CustomAttribute2",
    "CustomAttribute3",
    "CustomAttribute4",
    "CustomAttribute5",
    "CustomAttribute6",
    "CustomAttribute7",
    "CustomAttribute8",
    "CustomAttribute9",
    "CustomAttribute10",
    "CustomAttribute11",
    "CustomAttribute12",
    "CustomAttribute13",
    "CustomAttribute14",
    "CustomAttribute15",
];

/// Mailbox properties read but not set in Exchange Online (they identify the mailbox).
const MAILBOX_READ_ONLY: &[&str] = &[
    "PrimarySmtpAddress",
    "UserPrincipalName",
    "DistinguishedName",
    "MicrosoftOnlineServicesID",
    "SamAccountName",
    "LegacyExchangeDN",
];

/// Contact properties Set-MailContact takes in Exchange Online (cmdlets.md 3), less the marker.
pub const CONTACT_SET: &[&str] = &[
    "Name",
    "ExternalEmailAddress",
    "Alias",
    "DisplayName",
    "SimpleDisplayName",
    "EmailAddresses",
    "WindowsEmailAddress",
    "HiddenFromAddressListsEnabled",
    "UserCertificate",
    "UserSMimeCertificate",
    "AcceptMessagesOnlyFrom",
    "AcceptMessagesOnlyFromDLMembers",
    "AcceptMessagesOnlyFromSendersOrMembers",
    "RejectMessagesFrom",
    "RejectMessagesFromDLMembers",
    "RejectMessagesFromSendersOrMembers",
    "BypassModerationFromSendersOrMembers",
    "GrantSendOnBehalfTo",
    "ModeratedBy",
    "ModerationEnabled",
    "SendModerationNotifications",
    "RequireSenderAuthenticationEnabled",
    "MailTip",
    "MailTipTranslations",
    "MacAttachmentFormat",
    "MessageBodyFormat",
    "MessageFormat",
    "UseMapiRichTextFormat",
    "UsePreferMessageFormat",
    "CustomAttribute1",
    "CustomAttribute2",
    "CustomAttribute3",
    "CustomAttribute4",
    "CustomAttribute5",
    "CustomAttribute6",
    "CustomAttribute7",
    "CustomAttribute8",
    "CustomAttribute9",
    "CustomAttribute10",
    "CustomAttribute11",
    "CustomAttribute12",
    "CustomAttribute13",
    "CustomAttribute14",
    "ExtensionCustomAttribute1",
    "ExtensionCustomAttribute2",
    "ExtensionCustomAttribute3",
    "ExtensionCustomAttribute4",
    "ExtensionCustomAttribute5",
];

/// Of `CONTACT_SET`, what New-MailContact takes in Exchange Online; the rest follows with Set-MailContact.
pub const CONTACT_NEW: &[&str] = &[
    "Name",
    "ExternalEmailAddress",
    "Alias",
    "DisplayName",
    "MacAttachmentFormat",
    "MessageBodyFormat",
    "MessageFormat",
    "ModeratedBy",
    "ModerationEnabled",
    "SendModerationNotifications",
    "UsePreferMessageFormat",
];

const CONTACT_READ_ONLY: &[&str] = &[
    "PrimarySmtpAddress",
    "DistinguishedName",
    "LegacyExchangeDN",
];

/// Inbound connector properties New-/Set-InboundConnector take.
pub const INBOUND_SET: &[&str] = &[
    "Name",
    "Enabled",
    "ConnectorType",
    "Comment",
    "SenderDomains",
    "SenderIPAddresses",
    "RequireTls",
    "RestrictDomainsToCertificate",
    "RestrictDomainsToIPAddresses",
    "TlsSenderCertificateName",
    "CloudServicesMailEnabled",
    "TreatMessagesAsInternal",
    "AssociatedAcceptedDomains",
    "ClientHostNames",
    "ConnectorSource",
    "EFSkipIPs",
    "EFSkipLastIP",
    "EFSkipMailGateway",
    "EFTestMode",
    "EFUsers",
    "ScanAndDropRecipients",
    "TrustedOrganizations",
];

/// Outbound connector properties Set-OutboundConnector takes.
pub const OUTBOUND_SET: &[&str] = &[
    "Name",
    "Enabled",
    "ConnectorType",
    "Comment",
    "RecipientDomains",
    "UseMXRecord",
    "SmartHosts",
    "TlsSettings",
    "TlsDomain",
    "IsTransportRuleScoped",
    "AllAcceptedDomains",
    "RouteAllMessagesViaOnPremises",
    "CloudServicesMailEnabled",
    "SenderRewritingEnabled",
    "TestMode",
    "MtaStsMode",
    "SmtpDaneMode",
    "ConnectorSource",
    "IsValidated",
    "LastValidationTimestamp",
    "ValidationRecipients",
];

/// Of `OUTBOUND_SET`, what New-OutboundConnector does not take (Set-OutboundConnector follows).
pub const OUTBOUND_SET_ONLY: &[&str] = &[
    "IsValidated",
    "LastValidationTimestamp",
    "ValidationRecipients",
];

/// Multi-valued certificate properties (collections of byte arrays on the wire).
pub const CERT_LISTS: &[&str] = &["UserCertificate", "UserSMimeCertificate"];

/// What the backend sets for `kind`.
pub fn settable(kind: ObjectKind) -> &'static [&'static str] {
    match kind {
        ObjectKind::SmimeConfig => SMIME_PROPS,
        ObjectKind::Mailbox => MAILBOX_SET,
        ObjectKind::MailContact => CONTACT_SET,
        ObjectKind::InboundConnector => INBOUND_SET,
        ObjectKind::OutboundConnector => OUTBOUND_SET,
        _ => &[],
    }
}

/// One object as read: how to name it to the service, and whether mailsec owns it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The service's Guid (used as -Identity).
    pub identity: String,
    pub owned: bool,
    /// Its name (names are unique per kind in a tenant).
    pub name: String,
}

/// The last read, which apply works from.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// By kind and model Guid (the marker's Guid for owned objects, else the service's).
    pub entries: HashMap<(ObjectKind, Uuid), Entry>,
}

/// Read the directory kinds: S/MIME config, mailboxes, mail contacts.
pub async fn read_directory(c: &Client) -> Result<(LiveState, Snapshot), ExoError> {
    let mut live = LiveState::default();
    let mut snap = Snapshot::default();
    let cfg = c
        .invoke(&CmdletInput::new("Get-SmimeConfig"), NotFound::Fail)
        .await?;
    if let Some(rec) = cfg.first() {
        live.smime_config = Some(smime_config(rec)?);
    }
    for rec in c.invoke(&all("Get-Mailbox"), NotFound::Fail).await? {
        let (guid, _) = guid_and_name(ObjectKind::Mailbox, &rec)?;
        let mut props: Vec<&str> = MAILBOX_SET.to_vec();
        props.extend_from_slice(MAILBOX_READ_ONLY);
        let m: Mailbox = model(ObjectKind::Mailbox, &rec, &props, guid, |_, v| v)?;
        snap.entries.insert(
            (ObjectKind::Mailbox, guid),
            Entry {
                identity: guid.to_string(),
                owned: false,
                name: m.name.clone(),
            },
        );
        live.mailboxes.push(m);
    }
    for rec in c.invoke(&all("Get-MailContact"), NotFound::Fail).await? {
        let (service_guid, name) = guid_and_name(ObjectKind::MailContact, &rec)?;
        let marker = marker_of(rec.get(CONTACT_MARKER), &name)?;
        let guid = marker.unwrap_or(service_guid);
        let mut props: Vec<&str> = CONTACT_SET.to_vec();
        props.extend_from_slice(CONTACT_READ_ONLY);
        let m: MailContact = model(ObjectKind::MailContact, &rec, &props, guid, |_, v| v)?;
        record(
            &mut live,
            &mut snap,
            ObjectKind::MailContact,
            (guid, service_guid),
            &name,
            marker.is_some(),
        );
        live.mail_contacts.push(m);
    }
    Ok((live, snap))
}

/// Read the gateway kinds: inbound and outbound connectors.
pub async fn read_gateway(c: &Client) -> Result<(LiveState, Snapshot), ExoError> {
    let mut live = LiveState::default();
    let mut snap = Snapshot::default();
    for rec in c
        .invoke(&all("Get-InboundConnector"), NotFound::Fail)
        .await?
    {
        let (service_guid, name) = guid_and_name(ObjectKind::InboundConnector, &rec)?;
        let (comment, marker) = split_comment(rec.get("Comment"), &name)?;
        let guid = marker.unwrap_or(service_guid);
        let m: InboundConnector = model(
            ObjectKind::InboundConnector,
            &rec,
            INBOUND_SET,
            guid,
            |p, v| {
                match p {
                    "Comment" => comment.clone().map(Value::String).unwrap_or(Value::Null),
                    // Live SenderDomains come back as address spaces, `smtp:*;1` (cmdlets.md 4.2).
                    "SenderDomains" => match v {
                        Value::Array(a) => Value::Array(
                            a.into_iter()
                                .map(|x| match x {
                                    Value::String(s) => Value::String(address_space_domain(&s)),
                                    other => other,
                                })
                                .collect(),
                        ),
                        other => other,
                    },
                    _ => v,
                }
            },
        )?;
        record(
            &mut live,
            &mut snap,
            ObjectKind::InboundConnector,
            (guid, service_guid),
            &name,
            marker.is_some(),
        );
        live.inbound_connectors.push(m);
    }
    // Get-OutboundConnector shows only connectors that are neither in test mode nor scoped to
    // transport rules unless asked for them (cmdlets.md 4): all four combinations are read.
    let mut seen = std::collections::HashSet::new();
    for (test_mode, rule_scoped) in [(false, false), (true, false), (false, true), (true, true)] {
        let mut input = all("Get-OutboundConnector");
        input
            .set("IncludeTestModeConnectors", json!(test_mode))
            .set("IsTransportRuleScoped", json!(rule_scoped));
        for rec in c.invoke(&input, NotFound::Fail).await? {
            let (service_guid, name) = guid_and_name(ObjectKind::OutboundConnector, &rec)?;
            if !seen.insert(service_guid) {
                continue;
            }
            let (comment, marker) = split_comment(rec.get("Comment"), &name)?;
            let guid = marker.unwrap_or(service_guid);
            let m: OutboundConnector = model(
                ObjectKind::OutboundConnector,
                &rec,
                OUTBOUND_SET,
                guid,
                |p, v| match p {
                    "Comment" => comment.clone().map(Value::String).unwrap_or(Value::Null),
                    _ => v,
                },
            )?;
            record(
                &mut live,
                &mut snap,
                ObjectKind::OutboundConnector,
                (guid, service_guid),
                &name,
                marker.is_some(),
            );
            live.outbound_connectors.push(m);
        }
    }
    Ok((live, snap))
}

fn all(cmdlet: &str) -> CmdletInput {
    let mut c = CmdletInput::new(cmdlet);
    c.set("ResultSize", json!("Unlimited"));
    c
}

fn record(
    live: &mut LiveState,
    snap: &mut Snapshot,
    kind: ObjectKind,
    (guid, service_guid): (Uuid, Uuid),
    name: &str,
    owned: bool,
) {
    if owned {
        live.owned.push((kind, guid));
    }
    snap.entries.insert(
        (kind, guid),
        Entry {
            identity: service_guid.to_string(),
            owned,
            name: name.to_string(),
        },
    );
}

fn guid_and_name(kind: ObjectKind, rec: &Map<String, Value>) -> Result<(Uuid, String), ExoError> {
    let name = rec
        .get("Name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let bad = |why: String| ExoError::Record {
        object: format!("{} '{}'", kind.noun(), name),
        message: why,
    };
    let guid = rec
        .get("Guid")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("the service returned no Guid".into()))?;
    let guid =
        Uuid::parse_str(guid).map_err(|e| bad(format!("its Guid '{guid}' is not a GUID: {e}")))?;
    if name.is_empty() {
        return Err(bad(format!("the object with Guid {guid} has no Name")));
    }
    Ok((guid, name))
}

/// The Guid of a `mailsec-owned:<guid>` marker, if the value is one.
fn marker_of(v: Option<&Value>, name: &str) -> Result<Option<Uuid>, ExoError> {
    let Some(text) = v.and_then(Value::as_str) else {
        return Ok(None);
    };
    let Some(g) = text.trim().strip_prefix(OWNED_PREFIX) else {
        return Ok(None);
    };
    Uuid::parse_str(g.trim())
        .map(Some)
        .map_err(|e| ExoError::Record {
            object: name.to_string(),
            message: format!("its ownership marker '{text}' has a bad Guid: {e}"),
        })
}

/// A connector's Comment as the admin wrote it, and the marker's Guid mailsec appended to it (on its
/// own last line).
pub fn split_comment(
    v: Option<&Value>,
    name: &str,
) -> Result<(Option<String>, Option<Uuid>), ExoError> {
    let Some(text) = v.and_then(Value::as_str) else {
        return Ok((None, None));
    };
    let (head, last) = match text.rsplit_once('\n') {
        Some((h, l)) => (Some(h), l),
        None => (None, text),
    };
    match marker_of(Some(&Value::String(last.to_string())), name)? {
        Some(g) => Ok((head.filter(|h| !h.is_empty()).map(str::to_string), Some(g))),
        None => Ok((Some(text.to_string()).filter(|t| !t.is_empty()), None)),
    }
}

/// The Comment to store: the admin's text, then the marker on its own line.
pub fn join_comment(comment: Option<&str>, owner: Uuid) -> String {
    match comment.filter(|c| !c.is_empty()) {
        Some(c) => format!("{c}\n{OWNED_PREFIX}{owner}"),
        None => format!("{OWNED_PREFIX}{owner}"),
    }
}

/// `smtp:contoso.com;1` → `contoso.com`.
fn address_space_domain(s: &str) -> String {
    let s = s.trim();
    let s = match s.split_once(':') {
        Some((t, rest)) if t.eq_ignore_ascii_case("smtp") => rest,
        _ => s,
    };
    s.split(';').next().unwrap_or(s).to_string()
}

fn smime_config(rec: &Map<String, Value>) -> Result<SmimeConfig, ExoError> {
    let mut m = Map::new();
    for p in SMIME_PROPS {
        let Some(v) = rec.get(*p) else { continue };
        if *p == "SMIMECertificateIssuingCA" {
            let bytes = wire::decode_bytes(p, v).map_err(|e| ExoError::Record {
                object: "SmimeConfig".into(),
                message: e.to_string(),
            })?;
            // The service holds it or not: an empty value is "managed and cleared".
            m.insert(
                p.to_string(),
                match bytes {
                    Some(b) => cert_json(b)?,
                    None => Value::Null,
                },
            );
        } else if !v.is_null() {
            m.insert(p.to_string(), v.clone());
        }
    }
    serde_json::from_value(Value::Object(m)).map_err(|e| ExoError::Record {
        object: "SmimeConfig".into(),
        message: e.to_string(),
    })
}

fn cert_json(bytes: Vec<u8>) -> Result<Value, ExoError> {
    serde_json::to_value(Cert::from_bytes(bytes)).map_err(|e| ExoError::Record {
        object: "a certificate".into(),
        message: e.to_string(),
    })
}

/// A model object from a record: `props` copied (certificates decoded, `fix` applied), Guid and Name set.
fn model<T: DeserializeOwned>(
    kind: ObjectKind,
    rec: &Map<String, Value>,
    props: &[&str],
    guid: Uuid,
    fix: impl Fn(&str, Value) -> Value,
) -> Result<T, ExoError> {
    let name = rec.get("Name").cloned().unwrap_or(Value::Null);
    let label = || format!("{} '{}'", kind.noun(), name.as_str().unwrap_or_default());
    let mut m = Map::new();
    m.insert("Guid".into(), Value::String(guid.to_string()));
    m.insert("Name".into(), name.clone());
    for p in props {
        if *p == "Name" {
            continue;
        }
        let v = rec.get(*p).cloned().unwrap_or(Value::Null);
        let v = if CERT_LISTS.contains(p) {
            let list = wire::decode_byte_list(p, &v).map_err(|e| ExoError::Record {
                object: label(),
                message: e.to_string(),
            })?;
            if list.is_empty() {
                Value::Null
            } else {
                Value::Array(list.into_iter().map(cert_json).collect::<Result<_, _>>()?)
            }
        } else {
            fix(p, v)
        };
        if !v.is_null() {
            m.insert(p.to_string(), v);
        }
    }
    serde_json::from_value(Value::Object(m)).map_err(|e| ExoError::Record {
        object: label(),
        message: format!("the service's record does not fit mailsec's model: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_keep_the_admins_text_and_the_marker_apart() {
        let g = Uuid::new_v4();
        let stored = join_comment(Some("partner TLS"), g);
        assert_eq!(
            split_comment(Some(&json!(stored)), "c").unwrap(),
            (Some("partner TLS".to_string()), Some(g))
        );
        let bare = join_comment(None, g);
        assert_eq!(
            split_comment(Some(&json!(bare)), "c").unwrap(),
            (None, Some(g))
        );
        assert_eq!(
            split_comment(Some(&json!("just text")), "c").unwrap(),
            (Some("just text".to_string()), None)
        );
        assert!(split_comment(Some(&json!("mailsec-owned:nope")), "c").is_err());
    }

    #[test]
    fn address_spaces_become_domains() {
        assert_eq!(address_space_domain("smtp:*;1"), "*");
        assert_eq!(address_space_domain("SMTP:contoso.com;10"), "contoso.com");
        assert_eq!(address_space_domain("fabrikam.com"), "fabrikam.com");
    }

    #[test]
    fn records_become_model_objects_and_unknown_shapes_are_errors() {
        let g = Uuid::new_v4();
        let rec: Map<String, Value> = serde_json::from_value(json!({
            "Name": "p", "Guid": g.to_string(), "ExternalEmailAddress": "SMTP:p@x.com",
            "UserCertificate": ["AQID"], "Identity": "p", "WhenCreatedUTC": "2026-01-01T00:00:00Z",
            "CustomAttribute15": format!("{OWNED_PREFIX}{g}")
        }))
        .unwrap();
        let c: MailContact =
            model(ObjectKind::MailContact, &rec, CONTACT_SET, g, |_, v| v).unwrap();
        assert_eq!(c.external_email_address, "SMTP:p@x.com");
        assert_eq!(c.user_certificate.as_ref().map(Vec::len), Some(1));
        assert_eq!(c.custom_attribute15, None);
        assert_eq!(marker_of(rec.get(CONTACT_MARKER), "p").unwrap(), Some(g));
        let mut bad = rec.clone();
        bad.insert("ModerationEnabled".into(), json!("maybe"));
        assert!(
            model::<MailContact>(ObjectKind::MailContact, &bad, CONTACT_SET, g, |_, v| v).is_err()
        );
        let mut no_guid = rec;
        no_guid.remove("Guid");
        assert!(guid_and_name(ObjectKind::MailContact, &no_guid).is_err());
    }
}
