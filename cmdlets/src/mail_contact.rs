//! New-, Set-, Get- and Remove-MailContact: external recipients (e.g. a partner) and their published S/MIME certificates.

use mailsec_state::model::index::canonical_name;
use mailsec_state::model::{MailContact, ObjectKind, ObjectRef};
use mailsec_state::ops::{CertAttribute, Operation};
use mailsec_state::Uuid;
use std::sync::LazyLock;

use serde_json::{json, Map, Value as Json};

use crate::context::{Bound, Context};
use crate::convert::to_string;
use crate::objects::{present, source, Layout};
use crate::query::Query;
use crate::recipient_certs;
use crate::recipient_common::{changes, custom_attributes, recipient_rules};
use crate::recipients::{self, alias_owner, all_contacts};
use crate::signature::{
    Check, ConfirmImpact, Destination, ParamSpec, ParamType as T, Signature, NO_CREDENTIAL,
    NO_DOMAIN_CONTROLLER,
};
use crate::value::Value;
use crate::CmdletError;

const COLUMNS: &[&str] = &[
    "Name",
    "Alias",
    "ExternalEmailAddress",
    "UserCertificate",
    "ManagedBy",
];

const ID: &str = "MailContactIdParameter";
const ID_HELP: &str =
    "The contact: Name, Alias, DN, canonical DN (contoso.com/Contacts/x), email address or GUID.";
const NO_UM: &str = "is not supported: Unified Messaging settings are outside mailsec's scope (S/MIME and TLS mail security)";

const MAC: T = T::Enum(
    "MacAttachmentFormat",
    &["BinHex", "UuEncode", "AppleSingle", "AppleDouble"],
);
const BODY: T = T::Enum("MessageBodyFormat", &["Text", "Html", "TextAndHtml"]);
const FORMAT: T = T::Enum("MessageFormat", &["Text", "Mime"]);
const NOTIFY: T = T::Enum(
    "TransportModerationNotificationFlags",
    &["Always", "Internal", "Never"],
);
const RICH: T = T::Enum(
    "UseMapiRichTextFormat",
    &["Always", "Never", "UseDefaultSettings"],
);

/// The parameters New- and Set-MailContact share.
fn shared(s: Signature) -> Signature {
    s.checked(
        "Alias",
        T::String,
        Check::Alias,
        "Mail nickname (max 64): letters, digits and !#%*+-/=?^_~$&'{}`|, dots between characters. Derived from Name when omitted.",
    )
    .property(
        "ArbitrationMailbox",
        T::Identity("MailboxIdParameter"),
        "The arbitration mailbox that handles moderation (on-premises).",
    )
    .checked(
        "DisplayName",
        T::String,
        Check::MaxLen(256),
        "Name shown in address lists (max 256). Defaults to Name.",
    )
    .domain_controller()
    .property(
        "MacAttachmentFormat",
        MAC,
        "BinHex (default), UuEncode, AppleSingle or AppleDouble; Text messages allow BinHex or UuEncode, Mime messages BinHex, AppleSingle or AppleDouble.",
    )
    .property(
        "MessageBodyFormat",
        BODY,
        "Text, Html or TextAndHtml (default); MessageFormat Text forces Text.",
    )
    .property("MessageFormat", FORMAT, "Text or Mime (default).")
    .property(
        "ModeratedBy",
        T::MultiString,
        "Moderators (mailboxes, mail users or contacts); needed when ModerationEnabled is $true.",
    )
    .property(
        "ModerationEnabled",
        T::Bool,
        "Moderate mail to this contact (default $false).",
    )
    .property(
        "PrimarySmtpAddress",
        T::SmtpAddress,
        "The primary address (on-premises); turns the email address policy off. Not with -EmailAddresses.",
    )
    .property(
        "SendModerationNotifications",
        NOTIFY,
        "Always (default), Internal or Never.",
    )
    .property(
        "UsePreferMessageFormat",
        T::Bool,
        "The contact's format settings win over the remote domain's (default $false).",
    )
}

pub fn new_signature() -> Signature {
    shared(
        Signature::new(
            "New-MailContact",
            "Create a mail contact for an external address.",
        )
        .push_param(
            ParamSpec::new(
                "Name",
                T::String,
                Destination::Property("Name"),
                "Unique name of the contact (max 64); also the DisplayName when that is omitted.",
            )
            .mandatory()
            .at(0)
            .check(Check::Name),
        )
        .push_param(
            ParamSpec::new(
                "ExternalEmailAddress",
                T::ProxyAddress,
                Destination::Property("ExternalEmailAddress"),
                "Where mail to the contact goes, e.g. partner@example.com (smtp: prefix optional); also its primary address.",
            )
            .mandatory(),
        ),
    )
    .checked("FirstName", T::String, Check::MaxLen(64), "Given name.")
    .checked("Initials", T::String, Check::MaxLen(6), "Initials (max 6).")
    .checked("LastName", T::String, Check::MaxLen(64), "Surname.")
    .property(
        "OrganizationalUnit",
        T::Identity("OrganizationalUnitIdParameter"),
        "The OU to create the contact in (name, canonical name or DN).",
    )
    .should_process(ConfirmImpact::Medium)
    .example(
        "A partner who sends encrypted mail",
        "New-MailContact -Name CravateRouge_SMIME -ExternalEmailAddress baptiste@cravaterouge.com",
    )
    .example(
        "With a display name, in an OU",
        "New-MailContact 'Fabrikam Security' -ExternalEmailAddress smtp:security@fabrikam.example -DisplayName 'Fabrikam security team' -OrganizationalUnit contoso.example/Partners",
    )
}

pub fn set_signature() -> Signature {
    let s = Signature::new(
        "Set-MailContact",
        "Change a mail contact, e.g. publish its S/MIME certificate.",
    )
    .identity(ID, true, ID_HELP);
    let mut s = shared(s);
    for (name, help) in [
        ("AcceptMessagesOnlyFrom", "Only these senders may send to the contact. A list replaces, @{Add=..;Remove=..} edits; not with AcceptMessagesOnlyFromSendersOrMembers."),
        ("AcceptMessagesOnlyFromDLMembers", "Only members of these groups may send to the contact; not with AcceptMessagesOnlyFromSendersOrMembers."),
        ("AcceptMessagesOnlyFromSendersOrMembers", "Only these senders or group members may send (replaces both lists above)."),
        ("BypassModerationFromSendersOrMembers", "Senders whose mail skips moderation."),
        ("GrantSendOnBehalfTo", "Who may send on behalf of the contact."),
        ("RejectMessagesFrom", "Senders whose mail is rejected; not with RejectMessagesFromSendersOrMembers."),
        ("RejectMessagesFromDLMembers", "Groups whose members' mail is rejected; not with RejectMessagesFromSendersOrMembers."),
        ("RejectMessagesFromSendersOrMembers", "Senders or group members whose mail is rejected (replaces both lists above)."),
        ("MailTipTranslations", "MailTip in other languages: Culture:text entries, e.g. fr-FR:Message chiffré."),
    ] {
        let check = if name == "MailTipTranslations" {
            Check::MailTipTranslation
        } else {
            Check::None
        };
        s = s.checked(name, T::MultiString, check, help);
    }
    let s = custom_attributes(s);
    let mut s = s
        .refused("CreateDTMFMap", T::Bool, NO_UM)
        .property(
            "EmailAddresses",
            T::ProxyAddresses,
            "Proxy addresses: SMTP: primary (once), smtp: secondary. A list replaces, @{Add=..;Remove=..} edits. Not with -PrimarySmtpAddress.",
        )
        .property(
            "EmailAddressPolicyEnabled",
            T::Bool,
            "Let the email address policy set the addresses (on-premises; default $true).",
        );
    for n in 1..=5 {
        s = s.property(
            EXTENSION[n - 1],
            T::MultiString,
            "Multi-valued free text (up to 1300 values); @{Add=..;Remove=..} edits.",
        );
    }
    recipient_certs::add_params(
        s.property(
            "ExternalEmailAddress",
            T::ProxyAddress,
            "Where mail to the contact goes; the old address is not kept as a proxy.",
        )
        .checked(
            "FirstName",
            T::String,
            Check::MaxLen(64),
            "Given name (Exchange sets it with Set-Contact; mailsec takes it here too).",
        )
        .push_param(ParamSpec::new(
            "ForceUpgrade",
            T::Switch,
            Destination::ShouldProcess,
            "Skip the prompt for objects from older Exchange versions (mailsec never prompts for it).",
        ))
        .property(
            "HiddenFromAddressListsEnabled",
            T::Bool,
            "Hide the contact from address lists (default $false).",
        )
        .ignore_default_scope()
        .checked(
            "Initials",
            T::String,
            Check::MaxLen(6),
            "Initials, max 6 (Exchange sets them with Set-Contact).",
        )
        .checked(
            "LastName",
            T::String,
            Check::MaxLen(64),
            "Surname (Exchange sets it with Set-Contact).",
        )
        .checked(
            "MailTip",
            T::String,
            Check::MaxLen(175),
            "Text shown to senders (max 175 characters).",
        )
        .property(
            "MaxReceiveSize",
            T::UnlimitedSize,
            "Largest message the contact receives: e.g. 25MB, or Unlimited (default; at most 2 GB).",
        )
        .property(
            "MaxRecipientPerMessage",
            T::Unlimited,
            "Most recipients per message: a number or Unlimited (default).",
        )
        .property(
            "MaxSendSize",
            T::UnlimitedSize,
            "Largest message the contact sends: e.g. 25MB, or Unlimited (default; at most 2 GB).",
        )
        .checked(
            "Name",
            T::String,
            Check::Name,
            "Rename the contact (unique, max 64); its Guid stays.",
        )
        .refused(
            "RemovePicture",
            T::Switch,
            "is not supported: mailsec manages no photos",
        )
        .refused(
            "RemoveSpokenName",
            T::Switch,
            "is not supported: Unified Messaging settings are outside mailsec's scope",
        )
        .property(
            "RequireSenderAuthenticationEnabled",
            T::Bool,
            "Accept mail only from authenticated (internal) senders.",
        )
        .refused("SecondaryAddress", T::String, NO_UM)
        .refused(
            "SecondaryDialPlan",
            T::Identity("UMDialPlanIdParameter"),
            NO_UM,
        )
        .checked(
            "SimpleDisplayName",
            T::String,
            Check::SimpleDisplayName,
            "Display name for systems that can't show all characters: a-z A-Z 0-9 space \" ' ( ) + , - . / : ?",
        )
        .refused("UMDtmfMap", T::MultiString, NO_UM)
        .property(
            "UseMapiRichTextFormat",
            RICH,
            "Always, Never or UseDefaultSettings (default).",
        )
        .should_process(ConfirmImpact::Medium)
        .property(
            "WindowsEmailAddress",
            T::SmtpAddress,
            "The directory's mail attribute.",
        ),
    )
    .example(
        "Publish a partner's certificate",
        "Set-MailContact -Identity CravateRouge_SMIME -UserCertificate ([System.IO.File]::ReadAllBytes('input/partner.cer'))",
    )
    .example(
        "Add a second address and hide the contact from the address book",
        "Set-MailContact CravateRouge_SMIME -EmailAddresses @{Add='smtp:b.coste@cravaterouge.com'} -HiddenFromAddressListsEnabled $true",
    )
}

const EXTENSION: [&str; 5] = [
    "ExtensionCustomAttribute1",
    "ExtensionCustomAttribute2",
    "ExtensionCustomAttribute3",
    "ExtensionCustomAttribute4",
    "ExtensionCustomAttribute5",
];

pub fn get_signature() -> Signature {
    Signature::new(
        "Get-MailContact",
        "Show mail contacts: the desired state's, and read-only ones only the directory has.",
    )
    .identity(
        ID,
        false,
        "Name, Alias, DN, canonical DN, email address or GUID. Omit it to list every contact.",
    )
    .query(
        "Anr",
        T::String,
        "Ambiguous name resolution: a prefix of the name, display name, first or last name, alias or address.",
    )
    .refused("Credential", T::Credential, NO_CREDENTIAL)
    .domain_controller()
    .query(
        "Filter",
        T::String,
        "OPATH filter on the output properties, e.g. \"ExternalEmailAddress -like '*@fabrikam.example'\".",
    )
    .ignore_default_scope()
    .query(
        "OrganizationalUnit",
        T::Identity("OrganizationalUnitIdParameter"),
        "Only contacts in this OU (its name, canonical name or DN) and below.",
    )
    .refused("ReadFromDomainController", T::Switch, NO_DOMAIN_CONTROLLER)
    .query(
        "RecipientTypeDetails",
        T::EnumArray(
            "RecipientTypeDetails[]",
            &["MailContact", "MailForestContact"],
        ),
        "Only these types (mailsec's contacts are MailContact).",
    )
    .query(
        "ResultSize",
        T::Unlimited,
        "How many to return: a number or Unlimited (default 1000; a cut result says how many were left out).",
    )
    .query("SortBy", T::String, "Sort ascending by Name, DisplayName or Alias.")
    .example(
        "Show one contact",
        "Get-MailContact -Identity CravateRouge_SMIME",
    )
    .example(
        "Contacts at a partner domain, with their certificates",
        "Get-MailContact -Filter \"ExternalEmailAddress -like '*@cravaterouge.com'\"",
    )
}

pub fn remove_signature() -> Signature {
    Signature::new(
        "Remove-MailContact",
        "Remove a mail contact; apply deletes it from the directory.",
    )
    .identity(ID, true, ID_HELP)
    .domain_controller()
    .ignore_default_scope()
    .should_process(ConfirmImpact::High)
    .example(
        "Remove a contact without a prompt",
        "Remove-MailContact -Identity CravateRouge_SMIME -Confirm:$false",
    )
}

fn read_only(c: &MailContact) -> CmdletError {
    CmdletError::ReadOnly {
        what: format!("MailContact '{}'", c.name),
        hint: "It was not created through mailsec, so mailsec does not own it.".into(),
    }
}

/// Exchange derives an alias from the name: spaces dropped, unsupported characters become '?'.
fn alias_from(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| {
            if c.is_ascii_alphanumeric() || "!#%*+-/=?^_~.".contains(c) {
                c
            } else {
                '?'
            }
        })
        .take(64)
        .collect::<String>()
        .trim_matches('.')
        .to_string()
}

/// Get-MailContact's properties in Exchange's order, each with the value Exchange shows when it is unset. Built
/// once: New-MailContact returns an object per contact, and a bulk script creates tens of thousands.
static LAYOUT: LazyLock<Layout<'static>> = LazyLock::new(|| {
    let mut layout: Vec<(&'static str, Json)> = vec![
        ("Identity", json!("")),
        ("Id", json!("")),
        ("Name", json!("")),
        ("Alias", json!("")),
        ("DisplayName", json!("")),
        ("SimpleDisplayName", json!("")),
        ("FirstName", json!("")),
        ("Initials", json!("")),
        ("LastName", json!("")),
        ("ExternalEmailAddress", json!("")),
        ("PrimarySmtpAddress", json!("")),
        ("WindowsEmailAddress", json!("")),
        ("EmailAddresses", json!([])),
        ("EmailAddressPolicyEnabled", json!(true)),
        ("HiddenFromAddressListsEnabled", json!(false)),
        ("RecipientType", json!("MailContact")),
        ("RecipientTypeDetails", json!("MailContact")),
        ("MacAttachmentFormat", json!("BinHex")),
        ("MessageBodyFormat", json!("TextAndHtml")),
        ("MessageFormat", json!("Mime")),
        ("UseMapiRichTextFormat", json!("UseDefaultSettings")),
        ("UsePreferMessageFormat", json!(false)),
        ("MaxRecipientPerMessage", json!("Unlimited")),
        ("MaxReceiveSize", json!("Unlimited")),
        ("MaxSendSize", json!("Unlimited")),
        ("UserCertificate", json!([])),
        ("UserSMimeCertificate", json!([])),
        ("ModerationEnabled", json!(false)),
        ("ModeratedBy", json!([])),
        ("SendModerationNotifications", json!("Always")),
        ("ArbitrationMailbox", json!(null)),
        ("BypassModerationFromSendersOrMembers", json!([])),
        ("AcceptMessagesOnlyFrom", json!([])),
        ("AcceptMessagesOnlyFromDLMembers", json!([])),
        ("AcceptMessagesOnlyFromSendersOrMembers", json!([])),
        ("RejectMessagesFrom", json!([])),
        ("RejectMessagesFromDLMembers", json!([])),
        ("RejectMessagesFromSendersOrMembers", json!([])),
        ("GrantSendOnBehalfTo", json!([])),
        ("RequireSenderAuthenticationEnabled", json!(false)),
        ("MailTip", json!(null)),
        ("MailTipTranslations", json!([])),
    ];
    for n in CUSTOM {
        layout.push((n, json!("")));
    }
    for n in EXTENSION {
        layout.push((n, json!([])));
    }
    layout.extend([
        ("LegacyExchangeDN", json!("")),
        ("DistinguishedName", json!("")),
        ("OrganizationalUnit", json!("")),
        ("Guid", Json::Null),
    ]);
    Layout::new(layout)
});

/// A contact as Get-MailContact returns it.
pub(crate) fn output(c: &MailContact, managed: bool) -> Value {
    let canonical = c.distinguished_name.as_deref().and_then(canonical_name);
    let identity = canonical.clone().unwrap_or_else(|| c.name.clone());
    let ou = c.organizational_unit.clone().unwrap_or_else(|| {
        canonical
            .as_deref()
            .and_then(|x| x.rsplit_once('/').map(|(ou, _)| ou.to_string()))
            .unwrap_or_default()
    });
    present(
        "MailContact",
        c,
        &LAYOUT,
        vec![
            ("Identity".into(), Value::String(identity.clone())),
            ("Id".into(), Value::String(identity)),
            ("OrganizationalUnit".into(), Value::String(ou)),
            source(managed),
        ],
        COLUMNS.to_vec(),
    )
}

use crate::recipient_common::CUSTOM_ATTRIBUTES as CUSTOM;

fn find(args: &Bound, ctx: &Context) -> Result<(MailContact, bool), CmdletError> {
    let id = to_string("Identity", args.get("Identity").unwrap_or(&Value::Null))?;
    let (_, guid) = recipients::resolve(
        ctx,
        &id,
        &[ObjectKind::MailContact],
        args.switch("IgnoreDefaultScope"),
    )?;
    recipients::contact(ctx, guid).ok_or(CmdletError::NotFound {
        identity: id,
        location: ctx.location.clone(),
    })
}

fn text_of<'a>(m: &'a Map<String, Json>, k: &str) -> Option<&'a str> {
    m.get(k).and_then(Json::as_str)
}

/// cmdlets.md 3.1: the rules a contact's message settings and restrictions follow.
fn contact_rules(
    args: &Bound,
    merged: &Map<String, Json>,
    patch: &mut Vec<(String, Json)>,
) -> Result<(), CmdletError> {
    for (all, parts) in [
        (
            "AcceptMessagesOnlyFromSendersOrMembers",
            ["AcceptMessagesOnlyFrom", "AcceptMessagesOnlyFromDLMembers"],
        ),
        (
            "RejectMessagesFromSendersOrMembers",
            ["RejectMessagesFrom", "RejectMessagesFromDLMembers"],
        ),
    ] {
        if let Some(p) = parts.iter().find(|p| args.has(all) && args.has(p)) {
            return Err(CmdletError::invalid(
                all,
                format!(
                    "The {all} parameter can't be used together with {p}: {all} sets both lists."
                ),
            ));
        }
    }
    if merged.get("ModerationEnabled") == Some(&Json::Bool(true))
        && merged
            .get("ModeratedBy")
            .and_then(Json::as_array)
            .is_none_or(|a| a.is_empty())
    {
        return Err(CmdletError::invalid(
            "ModerationEnabled",
            "ModerationEnabled $true needs at least one moderator: give -ModeratedBy.",
        ));
    }
    let format = text_of(merged, "MessageFormat").unwrap_or("Mime");
    if format == "Text" {
        match text_of(merged, "MessageBodyFormat") {
            Some(b) if b != "Text" && args.has("MessageBodyFormat") => {
                return Err(CmdletError::invalid(
                    "MessageBodyFormat",
                    format!("MessageBodyFormat can't be {b} when MessageFormat is Text: Text messages have a Text body."),
                ))
            }
            Some("Text") => {}
            _ => patch.push(("MessageBodyFormat".into(), json!("Text"))),
        }
    }
    let mac = text_of(merged, "MacAttachmentFormat").unwrap_or("BinHex");
    let allowed: &[&str] = if format == "Text" {
        &["BinHex", "UuEncode"]
    } else {
        &["BinHex", "AppleSingle", "AppleDouble"]
    };
    if !allowed.contains(&mac) {
        return Err(CmdletError::invalid(
            "MacAttachmentFormat",
            format!(
                "MacAttachmentFormat {mac} can't be used with MessageFormat {format}: use {}.",
                allowed.join(" or ")
            ),
        ));
    }
    Ok(())
}

/// `current` with `patch` over it; borrowed when the patch is empty (Set-MailContact that only sets
/// certificates, once per contact in a bulk script).
fn merged<'c>(
    current: &'c Map<String, Json>,
    patch: &[(String, Json)],
) -> std::borrow::Cow<'c, Map<String, Json>> {
    if patch.is_empty() {
        return std::borrow::Cow::Borrowed(current);
    }
    let mut m = current.clone();
    for (k, v) in patch {
        m.insert(k.clone(), v.clone());
    }
    std::borrow::Cow::Owned(m)
}

pub fn new(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let sig = crate::registry::signature("New-MailContact");
    let guid = Uuid::new_v4();
    let mut patch = changes(sig, args, &Map::new())?;
    let name = patch
        .iter()
        .find(|(k, _)| k == "Name")
        .and_then(|(_, v)| v.as_str())
        .unwrap_or_default()
        .to_string();
    let external = patch
        .iter()
        .find(|(k, _)| k == "ExternalEmailAddress")
        .and_then(|(_, v)| v.as_str())
        .unwrap_or_default()
        .to_string();
    if !args.has("Alias") {
        let base = alias_from(&name);
        let mut alias = base.clone();
        let mut n = 2;
        while alias_owner(ctx, &alias, None).is_some() {
            alias = format!("{base}{n}");
            n += 1;
        }
        patch.push(("Alias".into(), json!(alias)));
    }
    if !args.has("DisplayName") {
        patch.push(("DisplayName".into(), json!(name)));
    }
    let ext_smtp = external.strip_prefix("SMTP:").map(String::from);
    if !args.has("PrimarySmtpAddress") {
        if let Some(a) = &ext_smtp {
            patch.push(("PrimarySmtpAddress".into(), json!(a)));
            patch.push(("EmailAddresses".into(), json!([format!("SMTP:{a}")])));
        }
    } else if let Some(a) = &ext_smtp {
        let primary = patch
            .iter()
            .find(|(k, _)| k == "PrimarySmtpAddress")
            .and_then(|(_, v)| v.as_str())
            .unwrap_or_default()
            .to_string();
        let mut list = vec![format!("SMTP:{primary}")];
        if !a.eq_ignore_ascii_case(&primary) {
            list.push(format!("smtp:{a}"));
        }
        patch.push(("EmailAddresses".into(), json!(list)));
        patch.push(("WindowsEmailAddress".into(), json!(primary)));
        patch.push(("EmailAddressPolicyEnabled".into(), json!(false)));
    }
    patch.push(("HiddenFromAddressListsEnabled".into(), json!(false)));
    let mut current = Map::new();
    current.insert("ExternalEmailAddress".into(), Json::Null);
    let mut checked = patch;
    recipient_rules(ctx, args, None, &current, &mut checked)?;
    if let Some(a) = &ext_smtp {
        if let Some(owner) = recipients::address_owner(ctx, a, None) {
            return Err(recipients::address_in_use(
                "ExternalEmailAddress",
                a,
                &owner.1,
            ));
        }
    }
    let mut all: Map<String, Json> = checked.into_iter().collect();
    let mut implied = Vec::new();
    contact_rules(args, &all, &mut implied)?;
    all.extend(implied);
    all.insert("Guid".into(), json!(guid));
    let contact: MailContact =
        serde_json::from_value(Json::Object(all)).map_err(|e| CmdletError::Invalid {
            param: None,
            message: e.to_string(),
        })?;
    ctx.submit(Operation::NewMailContact { contact })?;
    // The contact is shown from the operation just applied (not a copy kept for it).
    Ok(match ctx.applied.last() {
        Some(Operation::NewMailContact { contact }) if !ctx.what_if => vec![output(contact, true)],
        _ => Vec::new(),
    })
}

pub fn set(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let (contact, managed) = find(args, ctx)?;
    if !managed {
        return Err(read_only(&contact));
    }
    let current: Map<String, Json> = match serde_json::to_value(&contact) {
        Ok(Json::Object(m)) => m,
        _ => Map::new(),
    };
    let sig = crate::registry::signature("Set-MailContact");
    let mut patch = changes(sig, args, &current)?;
    recipient_rules(ctx, args, Some(contact.guid), &current, &mut patch)?;
    let all = merged(&current, &patch);
    contact_rules(args, &all, &mut patch)?;
    patch.retain(|(k, v)| {
        !mailsec_state::plan::same_value(k, current.get(k).unwrap_or(&Json::Null), v)
            || (k == "Name" && current.get(k) != Some(v))
    });
    let certs = recipient_certs::prepare(args, |attr| {
        match attr {
            CertAttribute::UserCertificate => contact.user_certificate.clone(),
            CertAttribute::UserSMimeCertificate => contact.user_smime_certificate.clone(),
        }
        .unwrap_or_default()
    })?;
    let target = ObjectRef {
        kind: ObjectKind::MailContact,
        guid: contact.guid,
        name: contact.name.clone(),
    };
    let property_changes = (!patch.is_empty()).then(|| Operation::SetMailContact {
        target: target.clone(),
        changes: patch,
    });
    recipient_certs::finish_set(ctx, &target, property_changes, certs)?;
    Ok(Vec::new())
}

pub fn get(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let selected = match args.get("Identity") {
        None | Some(Value::Null) => all_contacts(ctx),
        Some(_) => vec![find(args, ctx)?],
    };
    let objects = selected.iter().map(|(c, m)| output(c, *m)).collect();
    Query {
        sort_by: &["Name", "DisplayName", "Alias"],
    }
    .run(args, ctx, objects)
}

pub fn remove(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let (contact, managed) = find(args, ctx)?;
    if !managed {
        return Err(read_only(&contact));
    }
    ctx.submit(Operation::Remove {
        target: ObjectRef {
            kind: ObjectKind::MailContact,
            guid: contact.guid,
            name: contact.name,
        },
    })?;
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_is_derived_like_exchange() {
        assert_eq!(alias_from("Cravate Rouge SMIME"), "CravateRougeSMIME");
        assert_eq!(alias_from("a&b"), "a?b");
    }
}
