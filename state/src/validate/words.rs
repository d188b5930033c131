//! Turning certificate data (names, times, OIDs) into words an admin understands; shared by both layers.

use der::asn1::ObjectIdentifier;
use der::Decode;
use time::OffsetDateTime;
use x509_cert::name::Name;

/// A Unix time as `2011-01-01 08:30 UTC`.
pub(crate) fn time_words(unix_secs: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(unix_secs) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => format!("{unix_secs} seconds after 1970"),
    }
}

/// A distinguished name given as the DER *contents* of its SEQUENCE (what rustls-webpki hands
/// out), shown in RFC 4514 form (`CN=…,O=…,C=…`).
pub(crate) fn name_from_contents(contents: &[u8]) -> String {
    let mut der = Vec::with_capacity(contents.len() + 6);
    der.push(0x30);
    push_der_length(&mut der, contents.len());
    der.extend_from_slice(contents);
    name_from_der(&der)
}

/// A distinguished name from its full DER encoding.
pub(crate) fn name_from_der(der: &[u8]) -> String {
    match Name::from_der(der) {
        Ok(name) if name.0.is_empty() => "(empty name)".to_string(),
        Ok(name) => name.to_string(),
        Err(_) => "(unreadable name)".to_string(),
    }
}

fn push_der_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let significant = bytes.get(skip..).unwrap_or(&[]);
    out.push(0x80 | significant.len() as u8);
    out.extend_from_slice(significant);
}

pub(crate) const OID_EMAIL_PROTECTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
pub(crate) const OID_ANY_EKU: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37.0");

/// Name of an extended key usage purpose, e.g. "e-mail protection (1.3.6.1.5.5.7.3.4)".
pub(crate) fn eku_words(oid: &str) -> String {
    let name = match oid {
        "1.3.6.1.5.5.7.3.1" => "TLS server authentication",
        "1.3.6.1.5.5.7.3.2" => "TLS client authentication",
        "1.3.6.1.5.5.7.3.3" => "code signing",
        "1.3.6.1.5.5.7.3.4" => "e-mail protection",
        "1.3.6.1.5.5.7.3.8" => "time stamping",
        "1.3.6.1.5.5.7.3.9" => "OCSP signing",
        "2.5.29.37.0" => "any purpose",
        "1.3.6.1.4.1.311.10.3.4" => "Microsoft encrypting file system",
        "1.3.6.1.4.1.311.10.3.12" => "Microsoft document signing",
        "1.3.6.1.4.1.311.20.2.2" => "Microsoft smart card logon",
        "1.3.6.1.5.2.3.4" => "Kerberos client authentication",
        "1.3.6.1.5.5.7.3.17" => "IPsec IKE",
        _ => return oid.to_string(),
    };
    format!("{name} ({oid})")
}

/// A list of EKU OIDs given as decoded arcs (as rustls-webpki reports them).
pub(crate) fn eku_arcs_words(arcs: &[Vec<usize>]) -> String {
    if arcs.is_empty() {
        return "no purpose at all".to_string();
    }
    arcs.iter()
        .map(|a| {
            let dotted = a
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(".");
            eku_words(&dotted)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Names of signature algorithms, found by their OID inside an AlgorithmIdentifier.
pub(crate) fn signature_algorithm_words(alg_id: &[u8]) -> String {
    // (OID content bytes, name)
    const KNOWN: &[(&[u8], &str)] = &[
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04],
            "MD5 with RSA",
        ),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05],
            "SHA-1 with RSA",
        ),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b],
            "SHA-256 with RSA",
        ),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c],
            "SHA-384 with RSA",
        ),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d],
            "SHA-512 with RSA",
        ),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a],
            "RSA-PSS",
        ),
        (
            &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03],
            "DSA with SHA-1",
        ),
        (
            &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x02],
            "DSA with SHA-256",
        ),
        (
            &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01],
            "ECDSA with SHA-1",
        ),
        (
            &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02],
            "ECDSA with SHA-256",
        ),
        (
            &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03],
            "ECDSA with SHA-384",
        ),
        (
            &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04],
            "ECDSA with SHA-512",
        ),
        (&[0x2b, 0x65, 0x70], "Ed25519"),
        (&[0x2b, 0x65, 0x71], "Ed448"),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
            "RSA",
        ),
        (&[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01], "DSA"),
        (&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01], "EC"),
    ];
    for (oid, name) in KNOWN {
        // Match the OID's full TLV (tag 06, length, contents) so a shorter OID cannot match a prefix.
        let mut tlv = vec![0x06, oid.len() as u8];
        tlv.extend_from_slice(oid);
        if alg_id.windows(tlv.len()).any(|w| w == tlv.as_slice()) {
            return (*name).to_string();
        }
    }
    "an unknown algorithm".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_names_read_well() {
        assert_eq!(time_words(0), "1970-01-01 00:00 UTC");
        assert_eq!(time_words(1_293_870_600), "2011-01-01 08:30 UTC");
        // SEQUENCE { SET { SEQUENCE { OID 2.5.4.3, UTF8String "A" } } } without its outer header.
        let contents = [
            0x31, 0x0a, 0x30, 0x08, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x01, b'A',
        ];
        assert_eq!(name_from_contents(&contents), "CN=A");
        assert_eq!(name_from_contents(&[0xff]), "(unreadable name)");
        let long = vec![0u8; 300];
        let mut out = Vec::new();
        push_der_length(&mut out, long.len());
        assert_eq!(out, [0x82, 0x01, 0x2c]);
    }

    #[test]
    fn algorithm_and_eku_names() {
        let dsa = [
            0x30, 0x09, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03,
        ];
        assert_eq!(signature_algorithm_words(&dsa), "DSA with SHA-1");
        assert_eq!(
            signature_algorithm_words(&[1, 2, 3]),
            "an unknown algorithm"
        );
        assert_eq!(
            eku_arcs_words(&[vec![1, 3, 6, 1, 5, 5, 7, 3, 1]]),
            "TLS server authentication (1.3.6.1.5.5.7.3.1)"
        );
        assert_eq!(eku_words("1.2.3"), "1.2.3");
    }
}
