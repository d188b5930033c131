//! Plan tests: typed comparison, creation/update/rename/delete, rendering (snapshots), and convergence on the embedded backends.

use uuid::Uuid;

use super::*;
use crate::backend::{changes_for, Backend, EmbeddedDirectory, EmbeddedGateway, LiveState};
use crate::cert::Cert;
use crate::model::{
    DesiredState, MailContact, Mailbox, OutboundConnector, Removal, SmimeConfig, TlsAuthLevel,
};

fn desired() -> DesiredState {
    let mut s = DesiredState {
        smime_config: Some(SmimeConfig {
            OWAAlwaysSign: Some(true),
            ..Default::default()
        }),
        ..DesiredState::default()
    };
    s.mailboxes.push(Mailbox {
        guid: Uuid::from_u128(1),
        name: "jo".into(),
        user_smime_certificate: Some(vec![Cert::from_bytes(vec![1, 2, 3, 4])]),
        ..Default::default()
    });
    s.mail_contacts.push(MailContact {
        guid: Uuid::from_u128(2),
        name: "Partner".into(),
        external_email_address: "SMTP:p@partner.example".into(),
        ..Default::default()
    });
    let mut c = OutboundConnector::new(Uuid::from_u128(3), "TLS");
    c.RecipientDomains = vec!["partner.example".into()];
    c.TlsSettings = Some(TlsAuthLevel::DomainValidation);
    c.TlsDomain = Some("mail.partner.example".into());
    s.outbound_connectors.push(c);
    s.removals.push(Removal {
        kind: ObjectKind::MailContact,
        guid: Uuid::from_u128(9),
        name: "Old".into(),
    });
    s
}

fn live() -> LiveState {
    LiveState {
        mailboxes: vec![Mailbox {
            guid: Uuid::from_u128(1),
            name: "jo".into(),
            primary_smtp_address: Some("jo@contoso.example".into()),
            ..Default::default()
        }],
        mail_contacts: vec![MailContact {
            guid: Uuid::from_u128(9),
            name: "Old".into(),
            external_email_address: "SMTP:old@partner.example".into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

use crate::model::ObjectKind;

#[test]
fn plan_renders_every_action() {
    let p = plan(&desired(), &live()).unwrap();
    assert_eq!(
        p.summary,
        Summary {
            create: 2,
            update: 2,
            rename: 0,
            delete: 1
        }
    );
    insta::assert_snapshot!(render_plan(&p));
}

#[test]
fn a_mailbox_missing_from_the_directory_is_an_error_not_a_create() {
    let mut l = live();
    l.mailboxes.clear();
    let errs = plan(&desired(), &l).unwrap_err();
    assert!(errs[0].to_string().contains("Mailbox 'jo'"), "{}", errs[0]);
}

#[test]
fn no_false_drift_for_case_order_and_null() {
    let d = desired();
    let mut l = live();
    let mut c = d.outbound_connectors[0].clone();
    c.RecipientDomains = vec!["PARTNER.example".into()];
    c.Comment = Some(String::new());
    l.outbound_connectors.push(c);
    let p = plan(&d, &l).unwrap();
    assert!(
        p.changes
            .iter()
            .all(|c| c.kind != ObjectKind::OutboundConnector),
        "{p:?}"
    );
}

#[test]
fn embedded_backends_converge() {
    let dir = tempfile::tempdir().unwrap();
    let mut directory = EmbeddedDirectory::new(dir.path().join("embedded/directory.yaml"));
    let mut gateway = EmbeddedGateway::new(dir.path().join("embedded/gateway.yaml"));
    // The directory has the mailbox and the contact to remove.
    let mut doc = crate::backend::DirectoryDoc::default();
    let l = live();
    doc.mailboxes = l.mailboxes.clone();
    doc.mail_contacts = l.mail_contacts.clone();
    directory.save(&doc, None).unwrap();

    let d = desired();
    let read = |dir: &EmbeddedDirectory, gw: &EmbeddedGateway| {
        let mut s = dir.read().unwrap();
        let g = gw.read().unwrap();
        s.outbound_connectors = g.outbound_connectors;
        s.inbound_connectors = g.inbound_connectors;
        s
    };
    let p = plan(&d, &read(&directory, &gateway)).unwrap();
    assert_eq!(p.changes.len(), 5);
    directory
        .apply(&changes_for(&p.changes, directory.kinds()), &mut |_| {})
        .unwrap();
    gateway
        .apply(&changes_for(&p.changes, gateway.kinds()), &mut |_| {})
        .unwrap();
    let again = plan(&d, &read(&directory, &gateway)).unwrap();
    assert!(again.is_empty(), "{}", render_plan(&again));
    // Certificates were written beside the backend file, exactly.
    let l2 = read(&directory, &gateway);
    assert_eq!(
        l2.mailboxes[0].user_smime_certificate.as_ref().unwrap()[0].bytes(),
        &[1, 2, 3, 4]
    );
}
