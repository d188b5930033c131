//! `mailsec seed FILE.ldif`: fill the embedded directory with the mailboxes and contacts of an LDIF export.

use std::path::Path;

use mailsec_state::backend::{seed_from_ldif, EmbeddedDirectory};
use mailsec_state::model::DirectoryTarget;
use mailsec_state::store::Store;

pub fn run(store: &Store, file: &Path, force: bool) -> i32 {
    let loaded = match store.load() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let path = match &loaded.state.targets.directory {
        DirectoryTarget::Embedded { path } => path,
        DirectoryTarget::Ldap(_) => {
            eprintln!("error: `mailsec seed` fills the embedded directory, but this state's directory target is LDAP; load an LDAP directory with ldapadd, then `mailsec export`");
            return 1;
        }
        DirectoryTarget::ExchangeOnline(_) => {
            eprintln!("error: `mailsec seed` fills the embedded directory, but this state's directory target is Exchange Online; its mailboxes are the tenant's: run `mailsec export` to take them into the state");
            return 1;
        }
    };
    let target = store.dir().join(path);
    if target.exists() && !force {
        eprintln!(
            "error: {} already exists; pass --force to replace it with the seed (its current content is lost)",
            target.display()
        );
        return 1;
    }
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return 1;
        }
    };
    let (doc, report) = match seed_from_ldif(&text) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return 1;
        }
    };
    if let Err(e) = EmbeddedDirectory::new(target.clone()).save(&doc, None) {
        eprintln!("error: {e}");
        return 1;
    }
    println!(
        "Seeded {} with {} mailbox(es) and {} mail contact(s) from {}.",
        target.display(),
        report.mailboxes,
        report.contacts,
        file.display()
    );
    for (line, dn) in &report.skipped {
        println!("  skipped line {line}: {dn} (not a mailbox or contact)");
    }
    0
}
