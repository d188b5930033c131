//! Get-Mailbox and Set-Mailbox: mailboxes live in the directory; mailsec manages the attributes Set-Mailbox sets
//! (published S/MIME certificates, names, addresses, custom attributes).

use mailsec_state::model::index::canonical_name;
use mailsec_state::model::{Mailbox, ObjectKind, ObjectRef};
use mailsec_state::ops::{CertAttribute, Operation};
use serde_json::{json, Map, Value as Json};

use crate::context::{Bound, Context};
use crate::convert::to_string;
use crate::objects::{present, source, Layout};
use crate::query::Query;
use crate::recipient_certs;
use crate::recipient_common::{changes, custom_attributes, recipient_rules};
use crate::recipients::{self, all_mailboxes};
use crate::signature::{
    Check, ConfirmImpact, Destination, ParamSpec, ParamType as T, Signature, NO_CREDENTIAL,
};
use crate::value::Value;
use crate::CmdletError;

const COLUMNS: &[&str] = &[
    "Name",
    "Alias",
    "PrimarySmtpAddress",
    "UserCertificate",
    "UserSMimeCertificate",
];

const ID: &str = "MailboxIdParameter";
const ID_HELP: &str = "The mailbox: Name, Alias, DN, canonical DN (contoso.com/Users/jo), DOMAIN\\user, email address, GUID, LegacyExchangeDN or UPN.";

/// Mailbox types Exchange has and mailsec's directories do not.
const ONLY_USER_MAILBOXES: &str = "is not supported: mailsec's directories hold user mailboxes only, so there are no such mailboxes to list";

const RECIPIENT_TYPES: &[&str] = &[
    "DiscoveryMailbox",
    "EquipmentMailbox",
    "GroupMailbox",
    "LegacyMailbox",
    "LinkedMailbox",
    "LinkedRoomMailbox",
    "RoomMailbox",
    "SchedulingMailbox",
    "SharedMailbox",
    "TeamMailbox",
    "UserMailbox",
];

pub fn get_signature() -> Signature {
    let mut s = Signature::new(
        "Get-Mailbox",
        "Show mailboxes: the directory's, with the attributes the desired state manages over them.",
    )
    .identity(
        ID,
        false,
        "Name, Alias, DN, canonical DN, DOMAIN\\user, email address, GUID, LegacyExchangeDN or UPN. Omit it to list every mailbox.",
    )
    .query(
        "Anr",
        T::String,
        "Ambiguous name resolution: a prefix of the name, display name, first or last name, alias or address.",
    )
    .refused("Credential", T::Credential, NO_CREDENTIAL)
    .refused(
        "Database",
        T::Identity("DatabaseIdParameter"),
        "has no meaning in mailsec: it manages directory attributes, not mailbox databases",
    )
    .domain_controller()
    .query(
        "Filter",
        T::String,
        "OPATH filter on the output properties: -eq -ne -like -notlike -and -or -not, parentheses; e.g. \"Alias -like 'b*'\".",
    )
    .ignore_default_scope()
    .query(
        "IncludeInactiveMailbox",
        T::Switch,
        "Also list inactive mailboxes (mailsec's directories have none, so the result is the same).",
    );
    for name in [
        "IncludeAcceptMessagesOnlyFromDLMembersWithDisplayNames",
        "IncludeAcceptMessagesOnlyFromSendersOrMembersWithDisplayNames",
        "IncludeAcceptMessagesOnlyFromWithDisplayNames",
        "IncludeEmailAddressDisplayNames",
        "IncludeForwardingAddressWithDisplayNames",
        "IncludeGrantSendOnBehalfToWithDisplayNames",
    ] {
        s = s.query(
            name,
            T::Switch,
            "Show display names in the named property (mailsec's output has no such expanded property; the result is the same).",
        );
    }
    for name in [
        "Arbitration",
        "Archive",
        "AuditLog",
        "AuxAuditLog",
        "GroupMailbox",
        "InactiveMailboxOnly",
        "Migration",
        "Monitoring",
        "PublicFolder",
        "RemoteArchive",
        "SoftDeletedMailbox",
        "SupervisoryReviewPolicy",
    ] {
        s = s.refused(name, T::Switch, ONLY_USER_MAILBOXES);
    }
    s.refused(
        "MailboxPlan",
        T::Identity("MailboxPlanIdParameter"),
        "has no meaning in mailsec: it manages directory attributes, not Exchange Online mailbox plans",
    )
    .query(
        "OrganizationalUnit",
        T::Identity("OrganizationalUnitIdParameter"),
        "Only mailboxes in this OU (its name, canonical name or DN) and below.",
    )
    .refused("ReadFromDomainController", T::Switch, crate::signature::NO_DOMAIN_CONTROLLER)
    .query(
        "RecipientTypeDetails",
        T::EnumArray("RecipientTypeDetails[]", RECIPIENT_TYPES),
        "Only these mailbox types (mailsec's mailboxes are UserMailbox).",
    )
    .query(
        "ResultSize",
        T::Unlimited,
        "How many to return: a number or Unlimited (default 1000; a cut result says how many were left out).",
    )
    .refused(
        "Server",
        T::Identity("ServerIdParameter"),
        "has no meaning in mailsec: it manages directory attributes, not mailbox servers",
    )
    .query(
        "SortBy",
        T::String,
        "Sort ascending by Name, DisplayName, Alias, Office or ServerLegacyDN.",
    )
    .example("Show one mailbox", "Get-Mailbox -Identity baptiste")
    .example(
        "Mailboxes without a published certificate",
        "Get-Mailbox -ResultSize Unlimited -Filter 'UserCertificate -eq $null'",
    )
    .example(
        "Find by ambiguous name, as the address book does, sorted by alias",
        "Get-Mailbox -Anr bap -SortBy Alias",
    )
}

pub fn set_signature() -> Signature {
    let s = Signature::new(
        "Set-Mailbox",
        "Change a mailbox's managed attributes: published S/MIME certificates, names and addresses.",
    )
    .identity(ID, true, ID_HELP)
    .checked(
        "Alias",
        T::String,
        Check::Alias,
        "Mail nickname: letters, digits and !#%*+-/=?^_~$&'{}`|, dots between characters, at most 64.",
    );
    custom_attributes(s)
        .checked(
            "DisplayName",
            T::String,
            Check::MaxLen(256),
            "Name shown in address lists (max 256).",
        )
        .domain_controller()
        .property(
            "EmailAddresses",
            T::ProxyAddresses,
            "Proxy addresses: SMTP: primary (once), smtp: secondary. A list replaces, @{Add=..;Remove=..} edits. Not with -PrimarySmtpAddress.",
        )
        .property(
            "EmailAddressPolicyEnabled",
            T::Bool,
            "Let the email address policy set the addresses (on-premises; default $true).",
        )
        .push_param(ParamSpec::new(
            "Force",
            T::Switch,
            Destination::ShouldProcess,
            "Suppress confirmation prompts.",
        ))
        .property(
            "HiddenFromAddressListsEnabled",
            T::Bool,
            "Hide the mailbox from address lists (default $false).",
        )
        .ignore_default_scope()
        .property(
            "MicrosoftOnlineServicesID",
            T::SmtpAddress,
            "Exchange Online: the user ID (sign-in address).",
        )
        .checked(
            "Name",
            T::String,
            Check::Name,
            "Rename the mailbox (unique, max 64); its Guid stays.",
        )
        .property(
            "PrimarySmtpAddress",
            T::SmtpAddress,
            "The primary address; the old one stays as a secondary. Also sets WindowsEmailAddress and turns the email address policy off.",
        )
        .pipe(recipient_certs::add_params)
        .should_process(ConfirmImpact::Medium)
        .property(
            "WindowsEmailAddress",
            T::SmtpAddress,
            "The directory's mail attribute.",
        )
        .example(
            "Publish a user's certificate",
            "Set-Mailbox -Identity baptiste -UserCertificate ([System.IO.File]::ReadAllBytes('input/baptiste.cer'))",
        )
        .example(
            "Add a second address and keep the others",
            "Set-Mailbox baptiste -EmailAddresses @{Add='smtp:b.coste@contoso.example'}",
        )
        .example(
            "Remove every published certificate",
            "Set-Mailbox baptiste -UserSMimeCertificate $null",
        )
}

trait Pipe: Sized {
    fn pipe(self, f: impl FnOnce(Self) -> Self) -> Self {
        f(self)
    }
}
impl Pipe for Signature {}

/// A mailbox as Get-Mailbox returns it.
pub(crate) fn output(m: &Mailbox, managed: bool) -> Value {
    let canonical = m.distinguished_name.as_deref().and_then(canonical_name);
    let identity = canonical.clone().unwrap_or_else(|| m.name.clone());
    let ou = canonical
        .as_deref()
        .and_then(|c| c.rsplit_once('/').map(|(ou, _)| ou.to_string()))
        .unwrap_or_default();
    let primary = m.primary_smtp_address.clone().or_else(|| {
        m.email_addresses
            .iter()
            .flatten()
            .find_map(|a| a.strip_prefix("SMTP:").map(String::from))
    });
    let mut layout: Vec<(&str, Json)> = vec![
        ("Identity", json!("")),
        ("Id", json!("")),
        ("Name", json!("")),
        ("Alias", json!("")),
        ("DisplayName", json!("")),
        ("PrimarySmtpAddress", json!("")),
        ("WindowsEmailAddress", json!("")),
        ("UserPrincipalName", json!("")),
        ("MicrosoftOnlineServicesID", json!("")),
        ("EmailAddresses", json!([])),
        ("UserCertificate", json!([])),
        ("UserSMimeCertificate", json!([])),
        ("HiddenFromAddressListsEnabled", json!(false)),
        ("EmailAddressPolicyEnabled", json!(true)),
        ("RecipientType", json!("UserMailbox")),
        ("RecipientTypeDetails", json!("UserMailbox")),
        ("SamAccountName", json!("")),
        ("LegacyExchangeDN", json!("")),
        ("DistinguishedName", json!("")),
        ("OrganizationalUnit", json!("")),
        ("Guid", json!(m.guid)),
    ];
    for n in 1..=15 {
        layout.push((CUSTOM[n - 1], json!("")));
    }
    present(
        "Mailbox",
        m,
        &Layout::new(layout),
        vec![
            ("Identity".into(), Value::String(identity.clone())),
            ("Id".into(), Value::String(identity)),
            (
                "PrimarySmtpAddress".into(),
                Value::String(primary.unwrap_or_default()),
            ),
            ("OrganizationalUnit".into(), Value::String(ou)),
            source(managed),
        ],
        COLUMNS.to_vec(),
    )
}

use crate::recipient_common::CUSTOM_ATTRIBUTES as CUSTOM;

fn identity_arg(args: &Bound) -> Result<Option<String>, CmdletError> {
    match args.get("Identity") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => to_string("Identity", v).map(Some),
    }
}

pub fn get(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let selected: Vec<(Mailbox, bool)> = match identity_arg(args)? {
        None => all_mailboxes(ctx),
        Some(id) => {
            let (_, guid) = recipients::resolve(
                ctx,
                &id,
                &[ObjectKind::Mailbox],
                args.switch("IgnoreDefaultScope"),
            )?;
            recipients::mailbox(ctx, guid).into_iter().collect()
        }
    };
    let objects = selected
        .iter()
        .map(|(m, managed)| output(m, *managed))
        .collect();
    Query {
        sort_by: &["Name", "DisplayName", "Alias", "Office", "ServerLegacyDN"],
    }
    .run(args, ctx, objects)
}

pub fn set(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let id = identity_arg(args)?.unwrap_or_default();
    let (_, guid) = recipients::resolve(
        ctx,
        &id,
        &[ObjectKind::Mailbox],
        args.switch("IgnoreDefaultScope"),
    )?;
    let Some((mailbox, _)) = recipients::mailbox(ctx, guid) else {
        return Err(CmdletError::NotFound {
            identity: id,
            location: ctx.location.clone(),
        });
    };
    let current: Map<String, Json> = match serde_json::to_value(&mailbox) {
        Ok(Json::Object(m)) => m,
        _ => Map::new(),
    };
    let sig = crate::registry::signature("Set-Mailbox");
    let mut patch = changes(sig, args, &current)?;
    recipient_rules(ctx, args, Some(guid), &current, &mut patch)?;
    patch.retain(|(k, v)| {
        !mailsec_state::plan::same_value(k, current.get(k).unwrap_or(&Json::Null), v)
    });
    let certs = recipient_certs::prepare(args, |attr| {
        match attr {
            CertAttribute::UserCertificate => mailbox.user_certificate.clone(),
            CertAttribute::UserSMimeCertificate => mailbox.user_smime_certificate.clone(),
        }
        .unwrap_or_default()
    })?;
    let target = ObjectRef {
        kind: ObjectKind::Mailbox,
        guid: mailbox.guid,
        name: mailbox.name.clone(),
    };
    let property_changes = (!patch.is_empty()).then(|| Operation::SetMailbox {
        target: target.clone(),
        changes: patch,
    });
    recipient_certs::finish_set(ctx, &target, property_changes, certs)?;
    Ok(Vec::new())
}
