//! Typed equality for attribute values, so a plan shows no false drift: null == empty, sets are unordered,
//! addresses and domains compare case-insensitively, certificates compare by their bytes.

use serde_json::Value;

use crate::cert::{push_hex, sha256_of_file_name};

/// Is the live value `a` the same as the desired value `b` for attribute `attr`?
pub fn same_value(attr: &str, a: &Value, b: &Value) -> bool {
    let (a, b) = (empty_to_null(a), empty_to_null(b));
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Array(x), Value::Array(y)) => {
            let mut x: Vec<String> = x.iter().map(|v| canonical(attr, v)).collect();
            let mut y: Vec<String> = y.iter().map(|v| canonical(attr, v)).collect();
            x.sort();
            x.dedup();
            y.sort();
            y.dedup();
            x == y
        }
        (x, y) => canonical(attr, x) == canonical(attr, y),
    }
}

fn empty_to_null(v: &Value) -> &Value {
    match v {
        Value::Array(a) if a.is_empty() => &Value::Null,
        Value::String(s) if s.is_empty() => &Value::Null,
        other => other,
    }
}

/// Attributes whose string values are addresses or domain names.
fn case_insensitive(attr: &str) -> bool {
    matches!(
        attr,
        "ExternalEmailAddress"
            | "PrimarySmtpAddress"
            | "UserPrincipalName"
            | "RecipientDomains"
            | "SmartHosts"
            | "SenderDomains"
            | "SenderIPAddresses"
            | "TlsDomain"
            | "TlsSenderCertificateName"
            | "Alias"
            | "WindowsEmailAddress"
            | "MicrosoftOnlineServicesID"
            | "AddressSpaces"
            | "TLSSendDomainSecureList"
            | "TLSReceiveDomainSecureList"
            | "AssociatedAcceptedDomains"
            | "ClientHostNames"
            | "EFSkipIPs"
            | "EFSkipMailGateway"
            | "EFUsers"
            | "ScanAndDropRecipients"
            | "TrustedOrganizations"
            | "ValidationRecipients"
            | "RemoteIPRanges"
            | "Bindings"
            | "Fqdn"
            | "TlsDomainCapabilities"
            | "AcceptMessagesOnlyFrom"
            | "AcceptMessagesOnlyFromDLMembers"
            | "AcceptMessagesOnlyFromSendersOrMembers"
            | "RejectMessagesFrom"
            | "RejectMessagesFromDLMembers"
            | "RejectMessagesFromSendersOrMembers"
            | "BypassModerationFromSendersOrMembers"
            | "GrantSendOnBehalfTo"
            | "ModeratedBy"
            | "ArbitrationMailbox"
    )
}

/// A comparable text form of one value.
fn canonical(attr: &str, v: &Value) -> String {
    match v {
        // The issuing CAs are a set of certificates: an .sst and a PKCS#7 holding the same CAs are the
        // same trust (a directory keeps the CAs, not the container they were uploaded in).
        Value::Object(m) if attr == "SMIMECertificateIssuingCA" && m.contains_key("file") => {
            ca_set(v).unwrap_or_else(|| canonical("", v))
        }
        // A certificate reference: its identity is the content hash named by the file.
        Value::Object(m) if m.contains_key("file") => m
            .get("file")
            .and_then(Value::as_str)
            .and_then(sha256_of_file_name)
            .map(|sha| {
                let mut text = String::new();
                push_hex(&mut text, &sha);
                text
            })
            .unwrap_or_else(|| v.to_string()),
        Value::String(s) if attr == "EmailAddresses" => proxy_address(s),
        Value::String(s) if case_insensitive(attr) => s.to_lowercase(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The sorted SHA-256 of each certificate in a collection reference, if its bytes are at hand.
fn ca_set(v: &Value) -> Option<String> {
    let cert: crate::cert::Cert = serde_json::from_value(v.clone()).ok()?;
    let mut hashes: Vec<String> = crate::cert::read_collection(cert.bytes())
        .ok()?
        .iter()
        .map(|der| {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(der))
        })
        .collect();
    hashes.sort();
    hashes.dedup();
    Some(format!("cas:{}", hashes.join(",")))
}

/// `SMTP:` (primary) stays distinct from `smtp:` (secondary); no prefix means `smtp:`;
/// the address part compares case-insensitively.
fn proxy_address(s: &str) -> String {
    match s.split_once(':') {
        Some(("SMTP", addr)) => format!("SMTP:{}", addr.to_lowercase()),
        Some((prefix, addr)) => format!("{}:{}", prefix.to_lowercase(), addr.to_lowercase()),
        None => format!("smtp:{}", s.to_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn null_equals_empty() {
        assert!(same_value("Comment", &json!(null), &json!("")));
        assert!(same_value("SmartHosts", &json!([]), &json!(null)));
    }

    #[test]
    fn sets_ignore_order_and_case_for_domains() {
        assert!(same_value(
            "RecipientDomains",
            &json!(["A.com", "b.com"]),
            &json!(["b.com", "a.COM"])
        ));
        assert!(!same_value(
            "RecipientDomains",
            &json!(["a.com"]),
            &json!(["a.com", "b.com"])
        ));
    }

    #[test]
    fn primary_address_prefix_matters() {
        assert!(!same_value(
            "EmailAddresses",
            &json!(["SMTP:a@x.com"]),
            &json!(["smtp:a@x.com"])
        ));
        assert!(same_value(
            "EmailAddresses",
            &json!(["SMTP:A@x.com"]),
            &json!(["SMTP:a@X.com"])
        ));
        assert!(same_value(
            "EmailAddresses",
            &json!(["a@x.com"]),
            &json!(["smtp:a@x.com"])
        ));
    }

    #[test]
    fn names_are_exact() {
        assert!(!same_value("Name", &json!("Partner"), &json!("partner")));
    }

    #[test]
    fn certificates_compare_by_hash() {
        let h = "ab".repeat(32);
        let a = json!([{"file": format!("certs/{h}.cer"), "format": "x509", "subject": "CN=a"}]);
        let b = json!([{"file": format!("other/{h}.cer"), "format": "x509"}]);
        assert!(same_value("UserCertificate", &a, &b));
        let c = json!([{"file": format!("certs/{}.cer", "cd".repeat(32)), "format": "x509"}]);
        assert!(!same_value("UserCertificate", &a, &c));
    }
}
