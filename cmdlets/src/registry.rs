//! The one cmdlet registry: every cmdlet's signature and run function. Binding, help and completion all read it.

use std::sync::OnceLock;

use crate::context::{Bound, Context};
use crate::signature::Signature;
use crate::value::Value;
use crate::{
    certificate_health, inbound_connector, mail_contact, mailbox, outbound_connector, smime_config,
    CmdletError,
};

pub type RunFn = fn(&Bound, &mut Context) -> Result<Vec<Value>, CmdletError>;

pub struct CmdletDef {
    pub signature: Signature,
    pub run: RunFn,
}

pub fn registry() -> &'static [CmdletDef] {
    static REGISTRY: OnceLock<Vec<CmdletDef>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let d = |signature: Signature, run: RunFn| CmdletDef { signature, run };
        vec![
            d(smime_config::get_signature(), smime_config::get),
            d(smime_config::set_signature(), smime_config::set),
            d(mailbox::get_signature(), mailbox::get),
            d(mailbox::set_signature(), mailbox::set),
            d(mail_contact::new_signature(), mail_contact::new),
            d(mail_contact::set_signature(), mail_contact::set),
            d(mail_contact::get_signature(), mail_contact::get),
            d(mail_contact::remove_signature(), mail_contact::remove),
            d(outbound_connector::new_signature(), outbound_connector::new),
            d(outbound_connector::set_signature(), outbound_connector::set),
            d(outbound_connector::get_signature(), outbound_connector::get),
            d(
                outbound_connector::remove_signature(),
                outbound_connector::remove,
            ),
            d(inbound_connector::new_signature(), inbound_connector::new),
            d(inbound_connector::set_signature(), inbound_connector::set),
            d(inbound_connector::get_signature(), inbound_connector::get),
            d(
                inbound_connector::remove_signature(),
                inbound_connector::remove,
            ),
            d(
                certificate_health::test_signature(),
                certificate_health::test,
            ),
            d(
                certificate_health::report_signature(),
                certificate_health::report,
            ),
        ]
    })
}

/// The cmdlet named `name` (case-insensitive, as PowerShell resolves command names).
pub fn find(name: &str) -> Option<&'static CmdletDef> {
    registry()
        .iter()
        .find(|c| c.signature.name.eq_ignore_ascii_case(name))
}

/// Cmdlet names close to `name`, best first, for "did you mean".
pub fn suggest(name: &str) -> Vec<&'static str> {
    let lower = name.to_lowercase();
    let mut scored: Vec<(f64, &'static str)> = registry()
        .iter()
        .map(|c| {
            (
                strsim::jaro_winkler(&lower, &c.signature.name.to_lowercase()),
                c.signature.name,
            )
        })
        .filter(|(s, _)| *s > 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::Destination;

    /// Every parameter of every cmdlet, with where its value goes: nothing is silently dropped.
    #[test]
    fn parameter_destinations() {
        let mut out = String::new();
        for c in registry() {
            out.push_str(c.signature.name);
            out.push('\n');
            for p in &c.signature.params {
                let dest = match p.destination {
                    Destination::Property(name) => format!("desired state: {name}"),
                    Destination::Identity => "selects the object".to_string(),
                    Destination::ShouldProcess => {
                        "how the command runs (-WhatIf/-Confirm)".to_string()
                    }
                    Destination::Query => "what Get returns".to_string(),
                    Destination::Override => "relaxes a check (stores nothing)".to_string(),
                };
                out.push_str(&format!("  -{} <{}> -> {}\n", p.name, p.ty.dotnet(), dest));
            }
        }
        insta::assert_snapshot!(out);
    }

    #[test]
    fn names_resolve_case_insensitively_and_suggest() {
        assert!(find("set-mailbox").is_some());
        assert_eq!(suggest("Set-Mailbx").first(), Some(&"Set-Mailbox"));
    }

    #[test]
    fn parameter_names_are_unique_per_cmdlet() {
        for c in registry() {
            let mut names: Vec<_> = c
                .signature
                .params
                .iter()
                .map(|p| p.name.to_lowercase())
                .collect();
            names.sort();
            let before = names.len();
            names.dedup();
            assert_eq!(before, names.len(), "{}", c.signature.name);
        }
    }
}
