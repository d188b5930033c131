//! What Set-Mailbox and the mail contact cmdlets share: the address and identity parameters, and Exchange's
//! recipient rules (unique Name, Alias and addresses across recipients; one primary SMTP address;
//! -EmailAddresses and -PrimarySmtpAddress not together).

use mailsec_state::model::ObjectKind;
use mailsec_state::Uuid;
use serde_json::{Map, Value as Json};

use crate::context::{Bound, Context};
use crate::convert::property_json;
use crate::recipients::{address_in_use, address_owner, alias_owner, name_owner};
use crate::signature::{Check, Destination, ParamType as T, Signature};
use crate::CmdletError;

/// The changes the bound property parameters ask for (certificates excepted), each checked and resolved
/// against the current value.
pub fn changes(
    sig: &Signature,
    args: &Bound,
    current: &Map<String, Json>,
) -> Result<Vec<(String, Json)>, CmdletError> {
    let mut out = Vec::new();
    for (pname, value) in &args.values {
        let Some(spec) = sig.param(pname) else {
            continue;
        };
        let Destination::Property(prop) = spec.destination else {
            continue;
        };
        if matches!(spec.ty, T::MultiBytes | T::Bytes) {
            continue;
        }
        out.push((
            prop.to_string(),
            property_json(spec, value, current.get(prop))?,
        ));
    }
    Ok(out)
}

/// The names of CustomAttribute1 .. CustomAttribute15.
pub const CUSTOM_ATTRIBUTES: [&str; 15] = [
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

/// -CustomAttribute1 .. -CustomAttribute15.
pub fn custom_attributes(mut s: Signature) -> Signature {
    for n in CUSTOM_ATTRIBUTES {
        s = s.checked(
            n,
            T::String,
            Check::MaxLen(1024),
            "Free text (max 1024 characters); $null clears it.",
        );
    }
    s
}

fn get<'a>(changes: &'a [(String, Json)], k: &str) -> Option<&'a Json> {
    changes.iter().find(|(p, _)| p == k).map(|(_, v)| v)
}

fn set(changes: &mut Vec<(String, Json)>, k: &str, v: Json) {
    match changes.iter_mut().find(|(p, _)| p == k) {
        Some(slot) => slot.1 = v,
        None => changes.push((k.to_string(), v)),
    }
}

fn strings(v: Option<&Json>) -> Vec<String> {
    v.and_then(Json::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn duplicate(
    ctx: &Context,
    param: &str,
    what: &str,
    value: &str,
    (kind, name, guid): (ObjectKind, String, Uuid),
) -> CmdletError {
    let message = if what == "name" {
        format!(
            "Active Directory operation failed on '{}'. The object 'CN={value}' already exists: it is {} '{name}' (Guid {guid}).",
            ctx.location,
            kind.noun()
        )
    } else {
        format!(
            "The {what} '{value}' is already being used by {} '{name}' (Guid {guid}). Please choose another {what}.",
            kind.noun()
        )
    };
    CmdletError::Duplicate {
        param: param.to_string(),
        message,
    }
}

/// Exchange's recipient rules over the changes of one command on the recipient `guid` (None for New-*),
/// given its `current` properties. Derives the primary address and the proxy list where Exchange does.
pub fn recipient_rules(
    ctx: &Context,
    args: &Bound,
    guid: Option<Uuid>,
    current: &Map<String, Json>,
    changes: &mut Vec<(String, Json)>,
) -> Result<(), CmdletError> {
    if args.has("EmailAddresses") && args.has("PrimarySmtpAddress") {
        return Err(CmdletError::invalid(
            "PrimarySmtpAddress",
            "The EmailAddresses and PrimarySmtpAddress parameters can't be used together: put the primary address in EmailAddresses with the SMTP: prefix.",
        ));
    }
    if let Some(Json::String(n)) = get(changes, "Name") {
        if let Some(owner) = name_owner(ctx, n, guid) {
            return Err(duplicate(ctx, "Name", "name", n, owner));
        }
    }
    if let Some(Json::String(a)) = get(changes, "Alias") {
        if let Some(owner) = alias_owner(ctx, a, guid) {
            return Err(duplicate(ctx, "Alias", "alias", a, owner));
        }
    }
    let mut proxies = get(changes, "EmailAddresses").map(|v| strings(Some(v)));
    let primary_given = guid.is_some() && args.has("PrimarySmtpAddress");
    if let Some(Json::String(p)) = get(changes, "PrimarySmtpAddress")
        .filter(|_| primary_given)
        .cloned()
    {
        let mut list = strings(current.get("EmailAddresses"));
        for a in &mut list {
            if let Some(rest) = a.strip_prefix("SMTP:") {
                *a = format!("smtp:{rest}");
            }
        }
        list.retain(|a| {
            !a.split_once(':')
                .is_some_and(|(_, r)| r.eq_ignore_ascii_case(&p))
        });
        list.insert(0, format!("SMTP:{p}"));
        proxies = Some(list);
        // Exchange: the primary address is also the Windows address, and setting it by hand turns the
        // email address policy off.
        set(changes, "WindowsEmailAddress", Json::String(p.clone()));
        set(changes, "EmailAddressPolicyEnabled", Json::Bool(false));
    }
    if let Some(Json::String(ext)) = get(changes, "ExternalEmailAddress").cloned() {
        let old = current
            .get("ExternalEmailAddress")
            .and_then(Json::as_str)
            .map(|s| s.split_once(':').map_or(s, |(_, r)| r).to_string());
        let new = ext
            .split_once(':')
            .map_or(ext.as_str(), |(_, r)| r)
            .to_string();
        let primary = current.get("PrimarySmtpAddress").and_then(Json::as_str);
        if ext.to_ascii_lowercase().starts_with("smtp:")
            && old.is_some()
            && primary
                .is_some_and(|p| Some(p.to_lowercase()) == old.as_ref().map(|o| o.to_lowercase()))
            && !args.has("EmailAddresses")
            && !args.has("PrimarySmtpAddress")
        {
            let mut list = strings(current.get("EmailAddresses"));
            list.retain(|a| !a.starts_with("SMTP:"));
            list.insert(0, format!("SMTP:{new}"));
            proxies = Some(list);
        }
        if let Some(owner) = address_owner(ctx, &ext, guid) {
            return Err(address_in_use("ExternalEmailAddress", &new, &owner.1));
        }
    }
    if let Some(list) = proxies {
        for a in &list {
            if let Some(owner) = address_owner(ctx, a, guid) {
                return Err(address_in_use("EmailAddresses", a, &owner.1));
            }
        }
        if let Some(primary) = list.iter().find_map(|a| a.strip_prefix("SMTP:")) {
            set(
                changes,
                "PrimarySmtpAddress",
                Json::String(primary.to_string()),
            );
        }
        set(
            changes,
            "EmailAddresses",
            Json::Array(list.into_iter().map(Json::String).collect()),
        );
    }
    for p in ["WindowsEmailAddress", "MicrosoftOnlineServicesID"] {
        if let Some(Json::String(a)) = get(changes, p) {
            if let Some(owner) = address_owner(ctx, a, guid) {
                return Err(address_in_use(p, a, &owner.1));
            }
        }
    }
    Ok(())
}
