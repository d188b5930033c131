//! Identities offered by tab completion: mailbox, contact and connector names from the desired state
//! and the backends. Loaded once per prompt (or taken from the entry that just ran) and cached.

use mailsec_state::backend::LiveState;
use mailsec_state::model::DesiredState;
use mailsec_state::store::Store;

/// The names of every object a cmdlet's `-Identity` can select, per kind, sorted, without duplicates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Identities {
    pub mailboxes: Vec<String>,
    pub contacts: Vec<String>,
    pub outbound_connectors: Vec<String>,
    pub inbound_connectors: Vec<String>,
}

fn names<'a>(a: impl Iterator<Item = &'a str>, b: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut v: Vec<String> = a.chain(b).map(str::to_string).collect();
    v.sort_by_key(|n| n.to_lowercase());
    v.dedup_by(|x, y| x.eq_ignore_ascii_case(y));
    v
}

impl Identities {
    /// Names from the desired state and what the backends hold.
    pub fn from_states(state: &DesiredState, live: &LiveState) -> Self {
        Identities {
            mailboxes: names(
                state.mailboxes.iter().map(|m| m.name.as_str()),
                live.mailboxes.iter().map(|m| m.name.as_str()),
            ),
            contacts: names(
                state.mail_contacts.iter().map(|m| m.name.as_str()),
                live.mail_contacts.iter().map(|m| m.name.as_str()),
            ),
            outbound_connectors: names(
                state.outbound_connectors.iter().map(|c| c.Name.as_str()),
                live.outbound_connectors.iter().map(|c| c.Name.as_str()),
            ),
            inbound_connectors: names(
                state.inbound_connectors.iter().map(|c| c.Name.as_str()),
                live.inbound_connectors.iter().map(|c| c.Name.as_str()),
            ),
        }
    }

    /// Read the state and the backends (no lock: this only reads). Errors give no names.
    pub fn load(store: &Store) -> Self {
        let Ok(loaded) = store.load() else {
            return Identities::default();
        };
        let live = crate::session::read_backends(store, &loaded.state)
            .map(|(live, _)| live)
            .unwrap_or_default();
        Identities::from_states(&loaded.state, &live)
    }

    /// The names `cmdlet`'s identity parameter selects among (by the cmdlet's noun).
    pub fn for_cmdlet(&self, cmdlet: &str) -> Vec<&str> {
        let noun = cmdlet
            .split_once('-')
            .map(|(_, n)| n)
            .unwrap_or(cmdlet)
            .to_ascii_lowercase();
        let lists: Vec<&Vec<String>> = match noun.as_str() {
            "mailbox" => vec![&self.mailboxes],
            "mailcontact" => vec![&self.contacts],
            "outboundconnector" => vec![&self.outbound_connectors],
            "inboundconnector" => vec![&self.inbound_connectors],
            "smimeconfig" => vec![],
            // Test-SmimeCertificate and other recipient cmdlets: mailboxes and contacts.
            n if n.starts_with("smime") => vec![&self.mailboxes, &self.contacts],
            _ => vec![
                &self.mailboxes,
                &self.contacts,
                &self.outbound_connectors,
                &self.inbound_connectors,
            ],
        };
        lists
            .into_iter()
            .flat_map(|l| l.iter().map(String::as_str))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mailsec_state::model::{MailContact, Mailbox};

    #[test]
    fn names_come_from_both_sides_once_and_by_noun() {
        let mut state = DesiredState::default();
        state.mailboxes.push(Mailbox {
            name: "baptiste".into(),
            ..Default::default()
        });
        state.mail_contacts.push(MailContact {
            name: "Partner".into(),
            ..Default::default()
        });
        let live = LiveState {
            mailboxes: vec![
                Mailbox {
                    name: "Baptiste".into(),
                    ..Default::default()
                },
                Mailbox {
                    name: "alice".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let ids = Identities::from_states(&state, &live);
        assert_eq!(ids.mailboxes, ["alice", "baptiste"]);
        assert_eq!(ids.for_cmdlet("Set-Mailbox"), ["alice", "baptiste"]);
        assert_eq!(ids.for_cmdlet("Get-MailContact"), ["Partner"]);
        assert_eq!(
            ids.for_cmdlet("Test-SmimeCertificate"),
            ["alice", "baptiste", "Partner"]
        );
        assert!(ids.for_cmdlet("Set-SmimeConfig").is_empty());
    }
}
