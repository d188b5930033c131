//! Unit tests: every operation applied to a desired state.

use serde_json::json;
use uuid::Uuid;

use super::*;
use crate::model::{
    DesiredState, MailContact, ObjectKind, ObjectRef, OutboundConnector, SmimeConfig, TlsAuthLevel,
};

fn contact(name: &str) -> MailContact {
    MailContact {
        guid: Uuid::new_v4(),
        name: name.into(),
        external_email_address: format!("SMTP:{name}@partner.example"),
        ..MailContact::default()
    }
}

fn r(kind: ObjectKind, guid: Uuid, name: &str) -> ObjectRef {
    ObjectRef {
        kind,
        guid,
        name: name.into(),
    }
}

#[test]
fn set_smime_config_merges_and_clears() {
    let mut s = DesiredState::default();
    let ca = Cert::from_bytes(vec![1, 2, 3]);
    apply(
        &mut s,
        &Operation::SetSmimeConfig {
            changes: SmimeConfig {
                OWAAlwaysSign: Some(true),
                SMIMECertificateIssuingCA: Some(Some(ca.clone())),
                ..Default::default()
            },
        },
    )
    .unwrap();
    apply(
        &mut s,
        &Operation::SetSmimeConfig {
            changes: SmimeConfig {
                OWAAlwaysEncrypt: Some(false),
                ..Default::default()
            },
        },
    )
    .unwrap();
    let c = s.smime_config.clone().unwrap();
    assert_eq!(c.OWAAlwaysSign, Some(true));
    assert_eq!(c.OWAAlwaysEncrypt, Some(false));
    assert_eq!(c.SMIMECertificateIssuingCA, Some(Some(ca)));
    apply(
        &mut s,
        &Operation::SetSmimeConfig {
            changes: SmimeConfig {
                SMIMECertificateIssuingCA: Some(None),
                ..Default::default()
            },
        },
    )
    .unwrap();
    assert_eq!(
        s.smime_config.unwrap().SMIMECertificateIssuingCA,
        Some(None)
    );
}

#[test]
fn set_recipient_certificates_adds_the_mailbox_entry_and_replaces() {
    let mut s = DesiredState::default();
    let g = Uuid::new_v4();
    let one = Cert::from_bytes(vec![9]);
    let op = |certs: Vec<Cert>| Operation::SetRecipientCertificates {
        recipient: r(ObjectKind::Mailbox, g, "jo"),
        attribute: CertAttribute::UserCertificate,
        certificates: certs,
    };
    apply(&mut s, &op(vec![one.clone()])).unwrap();
    assert_eq!(s.mailboxes.len(), 1);
    assert_eq!(s.mailboxes[0].user_certificate, Some(vec![one]));
    apply(&mut s, &op(vec![])).unwrap();
    assert_eq!(s.mailboxes.len(), 1);
    assert_eq!(
        s.mailboxes[0].user_certificate,
        Some(vec![]),
        "cleared is managed-and-empty, not unmanaged"
    );
    assert_eq!(s.mailboxes[0].user_smime_certificate, None);
}

#[test]
fn contact_certificates_need_the_contact() {
    let mut s = DesiredState::default();
    let e = apply(
        &mut s,
        &Operation::SetRecipientCertificates {
            recipient: r(ObjectKind::MailContact, Uuid::new_v4(), "ghost"),
            attribute: CertAttribute::UserSMimeCertificate,
            certificates: vec![],
        },
    )
    .unwrap_err();
    assert_eq!(e, OpError::NotFound("ghost".into()));
}

#[test]
fn new_set_and_rename_mail_contact() {
    let mut s = DesiredState::default();
    let c = contact("p");
    apply(&mut s, &Operation::NewMailContact { contact: c.clone() }).unwrap();
    let dup = apply(
        &mut s,
        &Operation::NewMailContact {
            contact: contact("P"),
        },
    )
    .unwrap_err();
    assert!(matches!(dup, OpError::AlreadyExists { .. }));
    let t = r(ObjectKind::MailContact, c.guid, "p");
    apply(
        &mut s,
        &Operation::SetMailContact {
            target: t.clone(),
            changes: vec![
                ("Name".into(), json!("q")),
                ("DisplayName".into(), json!("Q")),
            ],
        },
    )
    .unwrap();
    assert_eq!(s.mail_contacts[0].name, "q");
    assert_eq!(s.mail_contacts[0].guid, c.guid, "a rename keeps the id");
    let bad = apply(
        &mut s,
        &Operation::SetMailContact {
            target: t,
            changes: vec![("HiddenFromAddressListsEnabled".into(), json!("yes"))],
        },
    )
    .unwrap_err();
    assert!(matches!(bad, OpError::InvalidValue { .. }), "{bad:?}");
    assert_eq!(
        s.mail_contacts[0].hidden_from_address_lists_enabled, None,
        "a failed op changes nothing"
    );
}

#[test]
fn remove_records_a_removal_once() {
    let mut s = DesiredState::default();
    let c = contact("p");
    apply(&mut s, &Operation::NewMailContact { contact: c.clone() }).unwrap();
    let t = r(ObjectKind::MailContact, c.guid, "p");
    apply(&mut s, &Operation::Remove { target: t.clone() }).unwrap();
    assert!(s.mail_contacts.is_empty());
    assert_eq!(s.removals.len(), 1);
    assert_eq!(
        apply(&mut s, &Operation::Remove { target: t }).unwrap_err(),
        OpError::NotFound("p".into())
    );
    let mb = apply(
        &mut s,
        &Operation::Remove {
            target: r(ObjectKind::Mailbox, Uuid::new_v4(), "jo"),
        },
    )
    .unwrap_err();
    assert!(matches!(mb, OpError::InvalidValue { .. }));
}

#[test]
fn connectors_are_validated_like_exchange() {
    let mut s = DesiredState::default();
    let mut c = OutboundConnector::new(Uuid::new_v4(), "Partner");
    c.RecipientDomains = vec!["partner.example".into()];
    c.TlsSettings = Some(TlsAuthLevel::DomainValidation);
    let e = apply(
        &mut s,
        &Operation::NewOutboundConnector {
            connector: c.clone(),
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("needs a TlsDomain"), "{e}");
    c.TlsDomain = Some("mail.partner.example".into());
    apply(
        &mut s,
        &Operation::NewOutboundConnector {
            connector: c.clone(),
        },
    )
    .unwrap();
    let t = r(ObjectKind::OutboundConnector, c.Guid, "Partner");
    let e = apply(
        &mut s,
        &Operation::SetConnector {
            target: t.clone(),
            changes: vec![("TlsSettings".into(), json!("EncryptionOnly"))],
        },
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("TlsDomain parameter can only be set"),
        "{e}"
    );
    apply(
        &mut s,
        &Operation::SetConnector {
            target: t,
            changes: vec![
                ("TlsSettings".into(), json!("EncryptionOnly")),
                ("TlsDomain".into(), json!(null)),
            ],
        },
    )
    .unwrap();
    assert_eq!(
        s.outbound_connectors[0].TlsSettings,
        Some(TlsAuthLevel::EncryptionOnly)
    );
}

#[test]
fn inbound_connector_new_and_set() {
    let mut s = DesiredState::default();
    let mut c = crate::model::InboundConnector::new(Uuid::new_v4(), "In");
    let e = apply(
        &mut s,
        &Operation::NewInboundConnector {
            connector: c.clone(),
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("SenderDomains is required"));
    c.SenderDomains = vec!["partner.example".into()];
    apply(
        &mut s,
        &Operation::NewInboundConnector {
            connector: c.clone(),
        },
    )
    .unwrap();
    let t = r(ObjectKind::InboundConnector, c.Guid, "In");
    apply(
        &mut s,
        &Operation::SetConnector {
            target: t,
            changes: vec![(
                "TlsSenderCertificateName".into(),
                json!("mail.partner.example"),
            )],
        },
    )
    .unwrap();
    assert_eq!(
        s.inbound_connectors[0].TlsSenderCertificateName.as_deref(),
        Some("mail.partner.example")
    );
}

#[test]
fn operations_describe_themselves_for_what_if() {
    let c = contact("p");
    let text = Operation::NewMailContact { contact: c.clone() }.to_string();
    assert!(
        text.starts_with("Create MailContact 'p' for SMTP:p@partner.example"),
        "{text}"
    );
    let text = Operation::Remove {
        target: r(ObjectKind::MailContact, c.guid, "p"),
    }
    .to_string();
    assert!(text.starts_with("Remove MailContact 'p'"), "{text}");
}

#[test]
fn set_mailbox_makes_the_entry_and_keeps_the_index_current() {
    let mut s = DesiredState::default();
    let g = Uuid::new_v4();
    let t = r(ObjectKind::Mailbox, g, "jo");
    let changed = apply(
        &mut s,
        &Operation::SetMailbox {
            target: t.clone(),
            changes: vec![
                ("Alias".into(), json!("jo.d")),
                ("EmailAddresses".into(), json!(["SMTP:jo@contoso.example"])),
            ],
        },
    )
    .unwrap();
    assert!(changed);
    assert_eq!(s.mailboxes[0].alias.as_deref(), Some("jo.d"));
    let hit = s
        .index
        .lookup(&s.mailboxes, &s.mail_contacts, "JO@contoso.example");
    assert_eq!(hit, vec![(ObjectKind::Mailbox, g)]);
    apply(
        &mut s,
        &Operation::SetMailbox {
            target: t.clone(),
            changes: vec![("Name".into(), json!("joanna"))],
        },
    )
    .unwrap();
    assert_eq!(s.mailboxes[0].name, "joanna");
    assert!(s
        .index
        .lookup(&s.mailboxes, &s.mail_contacts, "jo")
        .is_empty());
    let bad = apply(
        &mut s,
        &Operation::SetMailbox {
            target: t,
            changes: vec![("Guid".into(), json!(Uuid::new_v4()))],
        },
    )
    .unwrap_err();
    assert!(matches!(bad, OpError::InvalidValue { .. }));
}

#[test]
fn on_premises_connectors_and_transport_config() {
    use crate::model::{ReceiveConnector, SendConnector, TransportConfig};
    let mut s = DesiredState::default();
    let mut send = SendConnector::new(Uuid::new_v4(), "Out");
    let e = apply(
        &mut s,
        &Operation::NewSendConnector {
            connector: send.clone(),
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("AddressSpaces is required"), "{e}");
    send.AddressSpaces = vec!["SMTP:fabrikam.com;1".into()];
    apply(
        &mut s,
        &Operation::NewSendConnector {
            connector: send.clone(),
        },
    )
    .unwrap();
    let t = r(ObjectKind::SendConnector, send.Guid, "Out");
    let e = apply(
        &mut s,
        &Operation::SetConnector {
            target: t.clone(),
            changes: vec![("TlsDomain".into(), json!("mail.fabrikam.com"))],
        },
    )
    .unwrap_err();
    assert!(
        e.to_string().contains(
            "The TLSDomain parameter can only be set if the TLSAuthLevel parameter is set to DomainValidation."
        ),
        "{e}"
    );
    apply(&mut s, &Operation::Remove { target: t }).unwrap();
    assert!(s.send_connectors.is_empty());
    assert_eq!(s.removals[0].kind, ObjectKind::SendConnector);

    let mut recv = ReceiveConnector::new(Uuid::new_v4(), "In");
    recv.Bindings = vec!["0.0.0.0:25".into()];
    recv.RemoteIPRanges = vec!["192.0.2.0/24".into()];
    recv.RequireTLS = true;
    let e = apply(
        &mut s,
        &Operation::NewReceiveConnector {
            connector: recv.clone(),
        },
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("AuthMechanism must contain Tls"),
        "{e}"
    );
    recv.AuthMechanism = Some("Tls".into());
    apply(&mut s, &Operation::NewReceiveConnector { connector: recv }).unwrap();

    apply(
        &mut s,
        &Operation::SetTransportConfig {
            changes: TransportConfig {
                TLSSendDomainSecureList: Some(vec!["fabrikam.com".into()]),
                ..TransportConfig::default()
            },
        },
    )
    .unwrap();
    let unchanged = apply(
        &mut s,
        &Operation::SetTransportConfig {
            changes: TransportConfig {
                TLSSendDomainSecureList: Some(vec!["fabrikam.com".into()]),
                ..TransportConfig::default()
            },
        },
    )
    .unwrap();
    assert!(!unchanged);
    let text = Operation::SetTransportConfig {
        changes: TransportConfig {
            TLSReceiveDomainSecureList: Some(vec![]),
            ..TransportConfig::default()
        },
    }
    .to_string();
    assert_eq!(
        text,
        "Set the organization transport configuration: TLSReceiveDomainSecureList = []"
    );
}
