//! `plan --refresh-only`: take changes made outside mailsec into the desired state, so the file says
//! what the directory and gateway hold (the plan's old values become the desired ones). Objects
//! missing from the live state are left alone: not applied yet and deleted outside look the same.

use crate::model::{DesiredState, ObjectKind};
use crate::plan::{Action, Plan};

/// `desired` with every planned update and rename reverted to the live value. Returns the new state and a line per object changed.
pub fn refresh_state(
    desired: &DesiredState,
    plan: &Plan,
) -> Result<(DesiredState, Vec<String>), String> {
    let mut d = desired.clone();
    let mut notes = Vec::new();
    for c in &plan.changes {
        let props = || c.attributes.iter().map(|a| (a.name.clone(), a.old.clone()));
        let label = format!("{} '{}'", c.kind.noun(), c.name);
        match c.action {
            Action::Update | Action::Rename => {
                macro_rules! patch_in {
                    ($list:expr, $g:ident) => {
                        if let Some(o) = $list.iter_mut().find(|o| Some(o.$g) == c.guid) {
                            *o = crate::patch::set_properties(&*o, props())?;
                        }
                    };
                }
                match c.kind {
                    ObjectKind::SmimeConfig => {
                        if let Some(o) = d.smime_config.as_mut() {
                            *o = crate::patch::set_properties(&*o, props())?;
                        }
                    }
                    ObjectKind::TransportConfig => {
                        if let Some(o) = d.transport_config.as_mut() {
                            *o = crate::patch::set_properties(&*o, props())?;
                        }
                    }
                    ObjectKind::Mailbox => patch_in!(d.mailboxes, guid),
                    ObjectKind::MailContact => patch_in!(d.mail_contacts, guid),
                    ObjectKind::InboundConnector => patch_in!(d.inbound_connectors, Guid),
                    ObjectKind::OutboundConnector => patch_in!(d.outbound_connectors, Guid),
                    ObjectKind::SendConnector => patch_in!(d.send_connectors, Guid),
                    ObjectKind::ReceiveConnector => patch_in!(d.receive_connectors, Guid),
                }
                let names: Vec<&str> = c.attributes.iter().map(|a| a.name.as_str()).collect();
                notes.push(format!(
                    "{label}: {} taken from the live state",
                    names.join(", ")
                ));
            }
            // Not in the live state: either not applied yet or deleted outside mailsec; the
            // difference cannot be told, so the desired object stays and apply will create it.
            Action::Create | Action::Delete => {}
        }
    }
    Ok((d, notes))
}
