//! Get-SmimeConfig and Set-SmimeConfig: the organization's OWA S/MIME settings and its trusted issuing CAs.

use mailsec_state::cert::{
    read_collection, read_collection_entries, write_sst, Cert, CertInfo, SstEntry,
};
use mailsec_state::model::SmimeConfig;
use mailsec_state::ops::Operation;
use serde_json::{json, Map, Value as Json};

use crate::context::{Bound, Context};
use crate::convert::{property_json, to_bytes};
use crate::objects::object_of;
use crate::signature::{ConfirmImpact, Destination, ParamType as T, Signature};
use crate::value::Value;
use crate::CmdletError;

/// Exchange refuses larger issuing-CA uploads (SSTFileSizeExceedLimit).
pub const ISSUING_CA_LIMIT: usize = 70_000;

const ISSUING_CA: &str = "SMIMECertificateIssuingCA";

/// The OWA settings: (name, type, help).
const SETTINGS: &[(&str, T, &str)] = &[
    (
        "OWAAllowUserChoiceOfSigningCertificate",
        T::Bool,
        "Let users pick their signing certificate (default $false).",
    ),
    (
        "OWAAlwaysEncrypt",
        T::Bool,
        "Encrypt every message sent from Outlook on the web (default $false).",
    ),
    (
        "OWAAlwaysSign",
        T::Bool,
        "Sign every message sent from Outlook on the web (default $false).",
    ),
    (
        "OWABCCEncryptedEmailForking",
        T::UInt32,
        "0: one encrypted message per Bcc recipient (default); 1: one for all Bcc; 2: no forking.",
    ),
    (
        "OWACheckCRLOnSend",
        T::Bool,
        "Block sending when the CRL cannot be reached (default $false).",
    ),
    (
        "OWAClearSign",
        T::Bool,
        "Clear-signed ($true, default) or opaque-signed messages.",
    ),
    (
        "OWACopyRecipientHeaders",
        T::Bool,
        "Reserved by Exchange (default $false).",
    ),
    (
        "OWACRLConnectionTimeout",
        T::UInt32,
        "Milliseconds for one CRL fetch (default 60000).",
    ),
    (
        "OWACRLRetrievalTimeout",
        T::UInt32,
        "Milliseconds for all CRL fetches of one validation (default 10000).",
    ),
    (
        "OWADisableCRLCheck",
        T::Bool,
        "Turn CRL checking off (default $false).",
    ),
    (
        "OWADLExpansionTimeout",
        T::UInt32,
        "Milliseconds to expand a distribution group when encrypting (default 60000).",
    ),
    (
        "OWAEncryptionAlgorithms",
        T::String,
        "Semicolon-separated algorithm ids, e.g. 6610 for AES256 (default 6610).",
    ),
    (
        "OWAEncryptTemporaryBuffers",
        T::Bool,
        "Encrypt client-side temporary buffers (default $true).",
    ),
    (
        "OWAForceSMIMEClientUpgrade",
        T::Bool,
        "Require users to install a newer S/MIME control (default $true).",
    ),
    (
        "OWAIncludeCertificateChainAndRootCertificate",
        T::Bool,
        "Include the chain and the root in signed messages (default $false).",
    ),
    (
        "OWAIncludeCertificateChainWithoutRootCertificate",
        T::Bool,
        "Include the chain without the root (default $false).",
    ),
    (
        "OWAIncludeSMIMECapabilitiesInMessage",
        T::Bool,
        "Add the S/MIME capabilities attribute (default $false).",
    ),
    (
        "OWAOnlyUseSmartCard",
        T::Bool,
        "Require smart-card certificates (default $false).",
    ),
    (
        "OWASenderCertificateAttributesToDisplay",
        T::String,
        "Comma-separated OIDs shown when the sender address and certificate differ.",
    ),
    (
        "OWASignedEmailCertificateInclusion",
        T::Bool,
        "Include the signing and encryption certificates in signed mail (default $true).",
    ),
    (
        "OWASigningAlgorithms",
        T::String,
        "Semicolon-separated algorithm ids, e.g. 800C for SHA256 (default 8004).",
    ),
    (
        "OWATripleWrapSignedEncryptedMail",
        T::Bool,
        "Sign, encrypt, then sign again (default $false).",
    ),
    (
        "OWAUseKeyIdentifier",
        T::Bool,
        "Use the key identifier in the encrypted token (default $false).",
    ),
    (
        "OWAUseSecondaryProxiesWhenFindingCertificates",
        T::Bool,
        "Also match proxy addresses against certificates (default $true).",
    ),
    (
        "NoSignOnReply",
        T::Bool,
        "Exchange Online, new Outlook: replies do not inherit the signature (default $true).",
    ),
];

/// Exchange's values for settings nobody set (cmdlets.md 1.2).
fn defaults() -> Map<String, Json> {
    let v = json!({
        "OWAAllowUserChoiceOfSigningCertificate": false, "OWAAlwaysEncrypt": false, "OWAAlwaysSign": false,
        "OWABCCEncryptedEmailForking": 0, "OWACheckCRLOnSend": false, "OWAClearSign": true,
        "OWACopyRecipientHeaders": false, "OWACRLConnectionTimeout": 60000, "OWACRLRetrievalTimeout": 10000,
        "OWADisableCRLCheck": false, "OWADLExpansionTimeout": 60000, "OWAEncryptionAlgorithms": "6610",
        "OWAEncryptTemporaryBuffers": true, "OWAForceSMIMEClientUpgrade": true,
        "OWAIncludeCertificateChainAndRootCertificate": false, "OWAIncludeCertificateChainWithoutRootCertificate": false,
        "OWAIncludeSMIMECapabilitiesInMessage": false, "OWAOnlyUseSmartCard": false,
        "OWASenderCertificateAttributesToDisplay": "", "OWASignedEmailCertificateInclusion": true,
        "OWASigningAlgorithms": "8004", "OWATripleWrapSignedEncryptedMail": false, "OWAUseKeyIdentifier": false,
        "OWAUseSecondaryProxiesWhenFindingCertificates": true, "NoSignOnReply": true, "SMIMECertificateIssuingCA": null
    });
    match v {
        Json::Object(m) => m,
        _ => Map::new(),
    }
}

pub fn get_signature() -> Signature {
    Signature::new(
        "Get-SmimeConfig",
        "Show the organization's S/MIME settings as the desired state has them.",
    )
    .identity(
        "OrganizationIdParameter",
        false,
        "Reserved: there is one configuration per organization.",
    )
    .example("Show the settings", "Get-SmimeConfig")
}

pub fn set_signature() -> Signature {
    let mut s = Signature::new(
        "Set-SmimeConfig",
        "Change the organization's S/MIME settings: OWA behaviour and the trusted issuing CAs.",
    )
    .identity(
        "OrganizationIdParameter",
        false,
        "Reserved: there is one configuration per organization.",
    )
    .property(
        ISSUING_CA,
        T::Bytes,
        "The trusted root and intermediate CAs: the bytes of a .sst, .p7b, .cer or PEM file. $null clears it. At most 70,000 bytes; no expired certificate.",
    );
    for (name, ty, help) in SETTINGS {
        s = s.property(name, *ty, help);
    }
    s.should_process(ConfirmImpact::Medium)
        .push_param(crate::signature::ParamSpec::new(
            "Force",
            T::Switch,
            Destination::Override,
            "mailsec: accept an issuing-CA collection Exchange would refuse (over 70,000 bytes, or holding an expired certificate). Exchange itself would still refuse it.",
        ))
        .example(
            "Publish the CA chain users' certificates are issued by",
            "Set-SmimeConfig -SMIMECertificateIssuingCA ([System.IO.File]::ReadAllBytes('input/chain.p7b'))",
        )
        .example("Sign every message sent from Outlook on the web", "Set-SmimeConfig -OWAAlwaysSign $true")
}

/// The effective configuration: desired over live over Exchange's defaults, with the computed expiry properties.
pub fn get(_args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let mut props = effective(ctx);
    let effective: SmimeConfig =
        serde_json::from_value(Json::Object(props.clone())).unwrap_or_default();
    let issuing = effective.SMIMECertificateIssuingCA.clone().flatten();
    let certs: Vec<CertInfo> = effective
        .SMIMECertificateIssuingCA
        .flatten()
        .map(|c| c.certificates())
        .unwrap_or_default();
    let soonest = certs.iter().min_by_key(|c| c.not_after);
    let mut extra = vec![
        (
            "SMIMECertificatesExpiryDate".to_string(),
            soonest
                .map(|c| Value::String(c.not_after_text()))
                .unwrap_or(Value::Null),
        ),
        (
            "SMIMEExpiredCertificateThumbprint".to_string(),
            Value::String(soonest.map(|c| c.thumbprint.clone()).unwrap_or_default()),
        ),
        crate::objects::source(ctx.state.smime_config.is_some()),
    ];
    // Exchange hands the collection back as .sst bytes; the exact upload stays available too.
    if let Some(ca) = &issuing {
        props.remove(ISSUING_CA);
        extra.insert(0, (ISSUING_CA.to_string(), Value::Bytes(as_sst(ca))));
        extra.insert(
            1,
            (
                "SMIMECertificateIssuingCAUploaded".to_string(),
                Value::Cert(ca.clone()),
            ),
        );
    }
    Ok(vec![object_of(
        "SmimeConfiguration",
        &Json::Object(props),
        extra,
        vec![
            "OWAAlwaysSign",
            "OWAAlwaysEncrypt",
            "SMIMECertificatesExpiryDate",
            "SMIMEExpiredCertificateThumbprint",
        ],
    )])
}

/// Exchange's defaults with the backend's settings and then the desired ones over them.
fn effective(ctx: &Context) -> Map<String, Json> {
    let mut props = defaults();
    for layer in [
        ctx.live.smime_config.as_ref(),
        ctx.state.smime_config.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        if let Ok(Json::Object(m)) = serde_json::to_value(layer) {
            props.extend(m);
        }
    }
    props
}

pub fn set(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    let sig = crate::registry::signature("Set-SmimeConfig");
    let current = effective(ctx);
    let mut changes = Map::new();
    for (name, value) in &args.values {
        let Some(spec) = sig.param(name) else {
            continue;
        };
        let Destination::Property(prop) = spec.destination else {
            continue;
        };
        if prop == ISSUING_CA {
            continue;
        }
        let v = property_json(spec, value, None)?;
        // A setting that already has this value is no change (Exchange's "no settings modified").
        if !mailsec_state::plan::same_value(prop, current.get(prop).unwrap_or(&Json::Null), &v) {
            changes.insert(prop.to_string(), v);
        }
    }
    let mut changes: SmimeConfig =
        serde_json::from_value(Json::Object(changes)).map_err(|e| CmdletError::Invalid {
            param: None,
            message: e.to_string(),
        })?;
    if let Some(v) = args.get(ISSUING_CA) {
        let new = issuing_ca(v, args.switch("Force"), ctx)?;
        let now: Option<Cert> = current
            .get(ISSUING_CA)
            .cloned()
            .and_then(|j| serde_json::from_value::<Option<Cert>>(j).ok())
            .flatten();
        if now.as_ref().map(Cert::bytes) != new.as_ref().map(Cert::bytes) {
            changes.SMIMECertificateIssuingCA = Some(new);
        }
    }
    let changed =
        changes != SmimeConfig::default() && ctx.submit(Operation::SetSmimeConfig { changes })?;
    if !changed && !ctx.what_if {
        ctx.warn_unchanged("Smime Configuration");
    }
    Ok(Vec::new())
}

/// The collection as a serialized certificate store (an uploaded .sst comes back byte for byte).
fn as_sst(ca: &Cert) -> Vec<u8> {
    if ca.format() == mailsec_state::cert::CertFormat::Sst {
        return ca.bytes().to_vec();
    }
    let entries: Vec<SstEntry> = read_collection_entries(ca.bytes())
        .unwrap_or_default()
        .into_iter()
        .map(|e| SstEntry {
            der: e.der,
            friendly_name: e.friendly_name,
        })
        .collect();
    write_sst(&entries)
}

/// Exchange's rules for an issuing-CA upload (cmdlets.md 1.1); `None` clears it.
fn issuing_ca(v: &Value, force: bool, ctx: &mut Context) -> Result<Option<Cert>, CmdletError> {
    if matches!(v, Value::Null) {
        return Ok(None);
    }
    let bytes = to_bytes(ISSUING_CA, v)?;
    if bytes.is_empty() {
        return Ok(None);
    }
    if bytes.len() > ISSUING_CA_LIMIT && force {
        ctx.warn(format!(
            "-Force: keeping a {}-byte collection; Exchange refuses more than {ISSUING_CA_LIMIT} bytes.",
            bytes.len()
        ));
    } else if bytes.len() > ISSUING_CA_LIMIT {
        return Err(CmdletError::invalid(
            ISSUING_CA,
            format!(
                "SMIMECertificateIssuingCA is {} bytes; Exchange accepts at most {ISSUING_CA_LIMIT} bytes (SSTFileSizeExceedLimit). Publish only the roots and intermediates your users' certificates chain to, or add -Force to keep it anyway.",
                bytes.len()
            ),
        ));
    }
    let ders = read_collection(&bytes).map_err(|e| {
        let text = e.to_string();
        // A certificate that decodes except for its validity dates: Exchange's own message for it.
        let what = if text.contains("UTCTime") || text.contains("GeneralizedTime") {
            "Certificate Expiry date has wrong format"
        } else {
            "SMIMECertificateIssuingCA has wrong format"
        };
        CmdletError::invalid(ISSUING_CA, format!("{what}: {text}"))
    })?;
    let infos: Vec<CertInfo> = ders
        .iter()
        .map(|d| CertInfo::from_der(d))
        .collect::<Result<_, _>>()
        .map_err(|e| {
            CmdletError::invalid(
                ISSUING_CA,
                format!("Certificate Expiry date has wrong format: {e}"),
            )
        })?;
    if infos.is_empty() {
        return Err(CmdletError::invalid(
            ISSUING_CA,
            "SMIMECertificateIssuingCA has wrong format: the collection holds no certificate",
        ));
    }
    let now = mailsec_state::clock::now().map_err(|e| CmdletError::Invalid {
        param: None,
        message: e.to_string(),
    })?;
    let expired: Vec<String> = infos
        .iter()
        .filter(|i| i.not_after < now)
        .map(|i| i.thumbprint.clone())
        .collect();
    if !expired.is_empty() && force {
        ctx.warn(format!(
            "-Force: keeping expired certificate(s) {}; Exchange refuses a store that holds one.",
            expired.join(" , ")
        ));
    } else if !expired.is_empty() {
        return Err(CmdletError::invalid(
            ISSUING_CA,
            format!(
                "The certificate(s) {} in SMIMECertificateIssuingCA have expired (ExpiryCertMessage); Exchange refuses a store that holds an expired certificate. Remove them and upload again, or add -Force to keep them anyway.",
                expired.join(" , ")
            ),
        ));
    }
    Ok(Some(Cert::from_bytes(bytes)))
}
