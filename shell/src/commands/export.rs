//! `mailsec export`: snapshot the directory and gateway into the desired-state file in one bulk read — the
//! GitOps on-ramp. Refuses to overwrite a desired state that has objects unless `--force`.

use mailsec_state::engine::export_state;
use mailsec_state::store::Store;

use super::reconcile;

pub fn run(store: &Store, force: bool) -> i32 {
    let _lock = match super::reconcile::lock(store, "export") {
        Ok(l) => l,
        Err(code) => return code,
    };
    let opened = match reconcile::open(store, true) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let current = &opened.loaded.state;
    let has_objects = current.smime_config.is_some()
        || !current.mailboxes.is_empty()
        || !current.mail_contacts.is_empty()
        || !current.inbound_connectors.is_empty()
        || !current.outbound_connectors.is_empty()
        || !current.send_connectors.is_empty()
        || !current.receive_connectors.is_empty()
        || current.transport_config.is_some()
        || !current.removals.is_empty();
    if has_objects && !force {
        eprintln!(
            "error: {} already describes objects; export would replace them with what the backends hold. Pass --force to do that (the file's targets are kept), or export into a new file with --state.",
            store.path().display()
        );
        return 1;
    }
    let exported = export_state(&opened.live, current);
    if let Err(e) = store.save(&exported, opened.loaded.original.as_deref()) {
        eprintln!("error: {e}");
        return 1;
    }
    println!(
        "Exported {} mailbox(es) with certificates, {} mail contact(s), {} connector(s){} into {}.",
        exported.mailboxes.len(),
        exported.mail_contacts.len(),
        exported.inbound_connectors.len()
            + exported.outbound_connectors.len()
            + exported.send_connectors.len()
            + exported.receive_connectors.len(),
        if exported.smime_config.is_some() {
            " and the S/MIME config"
        } else {
            ""
        },
        store.path().display()
    );
    crate::teardown::release((exported, opened));
    0
}
