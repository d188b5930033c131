//! `mailsec export`: the live state as a desired state (the GitOps on-ramp). Mailboxes are exported with
//! their certificates (the properties mailsec manages on them), contacts and connectors whole, and the
//! organization S/MIME config; a plan right after an export shows no changes.

use crate::backend::LiveState;
use crate::model::{DesiredState, Mailbox};

/// A desired state holding what `live` holds, keeping `current`'s targets (and nothing else of it).
pub fn export_state(live: &LiveState, current: &DesiredState) -> DesiredState {
    let mut d = DesiredState {
        targets: current.targets.clone(),
        ..DesiredState::default()
    };
    d.smime_config = live.smime_config.clone();
    d.mailboxes = live
        .mailboxes
        .iter()
        .filter(|m| has_certs(m))
        .map(|m| Mailbox {
            guid: m.guid,
            name: m.name.clone(),
            distinguished_name: m.distinguished_name.clone(),
            user_certificate: m.user_certificate.clone(),
            user_smime_certificate: m.user_smime_certificate.clone(),
            ..Mailbox::default()
        })
        .collect();
    d.mail_contacts = live.mail_contacts.clone();
    d.inbound_connectors = live.inbound_connectors.clone();
    d.outbound_connectors = live.outbound_connectors.clone();
    d.transport_config = live.transport_config.clone();
    d.send_connectors = live.send_connectors.clone();
    d.receive_connectors = live.receive_connectors.clone();
    d
}

fn has_certs(m: &Mailbox) -> bool {
    m.user_certificate.as_ref().is_some_and(|v| !v.is_empty())
        || m.user_smime_certificate
            .as_ref()
            .is_some_and(|v| !v.is_empty())
}
