//! Which managed properties a backend does not apply: they stay recorded in the desired state, and plan says
//! so ("recorded, not applied by <backend>") instead of dropping them silently.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::backend::Backend;
use crate::model::{DesiredState, ObjectKind};

/// Properties that identify an object rather than configure it: never reported.
const IDENTIFYING: &[&str] = &["Guid", "Name", "DistinguishedName"];

/// One warning per backend and object listing the managed properties that backend does not apply.
pub fn not_applied_warnings(desired: &DesiredState, backends: &[Box<dyn Backend>]) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |kind: ObjectKind, label: String, props: Map<String, Value>| {
        let Some(b) = backends.iter().find(|b| b.kinds().contains(&kind)) else {
            if !props.is_empty() {
                out.push(format!(
                    "{label}: recorded, not applied: no backend holds {} objects.",
                    kind.noun()
                ));
            }
            return;
        };
        let skipped: Vec<&str> = props
            .keys()
            .map(String::as_str)
            .filter(|p| !IDENTIFYING.contains(p) && !is_default(p, &props))
            .filter(|p| !b.represents(kind, &props, p))
            .collect();
        if !skipped.is_empty() {
            out.push(format!(
                "{label}: {} recorded, not applied by {}.",
                skipped.join(", "),
                b.describe()
            ));
        }
    };
    if let Some(c) = &desired.smime_config {
        check(ObjectKind::SmimeConfig, "SmimeConfig".into(), json(c));
    }
    if let Some(c) = &desired.transport_config {
        check(
            ObjectKind::TransportConfig,
            "TransportConfig".into(),
            json(c),
        );
    }
    // The recipients' properties are worked out on every core (a state may hold 100,000), and
    // checked in order here.
    let mailboxes = crate::parallel::map_chunks(&desired.mailboxes, |part| {
        part.iter().map(json).collect::<Vec<_>>()
    })
    .into_iter()
    .flatten();
    for (m, props) in desired.mailboxes.iter().zip(mailboxes) {
        check(ObjectKind::Mailbox, label("Mailbox", &m.name), props);
    }
    let contacts = crate::parallel::map_chunks(&desired.mail_contacts, |part| {
        part.iter().map(json).collect::<Vec<_>>()
    })
    .into_iter()
    .flatten();
    for (c, props) in desired.mail_contacts.iter().zip(contacts) {
        check(
            ObjectKind::MailContact,
            label("MailContact", &c.name),
            props,
        );
    }
    for c in &desired.inbound_connectors {
        check(
            ObjectKind::InboundConnector,
            label("InboundConnector", &c.Name),
            json(c),
        );
    }
    for c in &desired.outbound_connectors {
        check(
            ObjectKind::OutboundConnector,
            label("OutboundConnector", &c.Name),
            json(c),
        );
    }
    for c in &desired.send_connectors {
        check(
            ObjectKind::SendConnector,
            label("SendConnector", &c.Name),
            json(c),
        );
    }
    for c in &desired.receive_connectors {
        check(
            ObjectKind::ReceiveConnector,
            label("ReceiveConnector", &c.Name),
            json(c),
        );
    }
    out
}

/// Exchange's defaults that New-* records explicitly: a backend that does not apply the property
/// still shows the default, so nothing is lost and there is nothing to warn about.
const DEFAULT_FALSE: &[&str] = &[
    "HiddenFromAddressListsEnabled",
    "ModerationEnabled",
    "RequireSenderAuthenticationEnabled",
    "UsePreferMessageFormat",
];

fn is_default(property: &str, props: &Map<String, Value>) -> bool {
    DEFAULT_FALSE.contains(&property) && props.get(property) == Some(&Value::Bool(false))
}

fn label(kind: &str, name: &str) -> String {
    format!("{kind} '{name}'")
}

/// The properties an object sets (nulls are not managed values). Certificates are written as their
/// digest only: which properties are set is all that is looked at, and a full reference would decode
/// every certificate of the state (100,000 in a large one) just to be thrown away.
fn json<T: Serialize>(v: &T) -> Map<String, Value> {
    match crate::cert::by_digest(|| serde_json::to_value(v)) {
        Ok(Value::Object(m)) => m.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{BackendError, LiveState};
    use crate::model::{MailContact, SmimeConfig};
    use crate::plan::ResourceChange;
    use uuid::Uuid;

    /// A directory that applies only names, addresses and certificates (as an LDAP directory without
    /// Exchange's schema would).
    struct Plain;

    impl Backend for Plain {
        fn describe(&self) -> String {
            "plain LDAP (ldap://dc1)".into()
        }
        fn kinds(&self) -> &'static [ObjectKind] {
            &[ObjectKind::MailContact, ObjectKind::SmimeConfig]
        }
        fn read(&self) -> Result<LiveState, BackendError> {
            Ok(LiveState::default())
        }
        fn apply(
            &mut self,
            _: &[&ResourceChange],
            _: &mut dyn FnMut(&ResourceChange),
        ) -> Result<(), BackendError> {
            Ok(())
        }
        fn applies(&self, kind: ObjectKind, property: &str) -> bool {
            kind == ObjectKind::MailContact
                && matches!(
                    property,
                    "ExternalEmailAddress" | "EmailAddresses" | "UserCertificate"
                )
        }
    }

    #[test]
    fn properties_a_backend_does_not_apply_are_named() {
        let mut s = DesiredState::default();
        s.mail_contacts.push(MailContact {
            guid: Uuid::from_u128(1),
            name: "Partner".into(),
            external_email_address: "SMTP:p@partner.example".into(),
            mail_tip: Some("Encrypt, please".into()),
            ..MailContact::default()
        });
        s.smime_config = Some(SmimeConfig {
            OWAAlwaysSign: Some(true),
            ..SmimeConfig::default()
        });
        let backends: Vec<Box<dyn Backend>> = vec![Box::new(Plain)];
        let w = not_applied_warnings(&s, &backends);
        assert_eq!(
            w,
            vec![
                "SmimeConfig: OWAAlwaysSign recorded, not applied by plain LDAP (ldap://dc1).",
                "MailContact 'Partner': MailTip recorded, not applied by plain LDAP (ldap://dc1).",
            ]
        );
    }

    #[test]
    fn the_embedded_backends_apply_everything() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = DesiredState::default();
        s.mail_contacts.push(MailContact {
            guid: Uuid::from_u128(1),
            name: "Partner".into(),
            external_email_address: "SMTP:p@partner.example".into(),
            mail_tip: Some("x".into()),
            ..MailContact::default()
        });
        let backends = crate::backend::open_backends_with(&s, dir.path(), &|_| None).unwrap();
        assert!(not_applied_warnings(&s, &backends).is_empty());
    }
}
