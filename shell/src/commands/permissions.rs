//! `mailsec permissions`: the LDAP rights the configured directory target needs, for a least-privilege
//! service account, as text plus a ready OpenLDAP ACL or AD `dsacls` lines.

use mailsec_state::backend::ldap::profile::Profile;
use mailsec_state::backend::ldap::LdapSettings;
use mailsec_state::model::{LdapProfile, ObjectKind};
use mailsec_state::store::Store;

pub fn run(store: &Store) -> i32 {
    let loaded = match store.load() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let s = match LdapSettings::resolve(&loaded.state.targets.directory, &store.dir(), &|k| {
        std::env::var(k).ok()
    }) {
        Ok(Some(s)) => s,
        Ok(None) => {
            println!("The directory target is the embedded directory (a file): it needs no LDAP rights. Set targets.directory (kind: ldap) or MAILSEC_LDAP_URL to see what an LDAP target needs.");
            return 0;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let p = Profile::new(s.profile);
    let names = |kind| -> Vec<&str> { p.attrs(kind).iter().map(|m| m.attribute).collect() };
    let mailbox_write: Vec<&str> = names(ObjectKind::Mailbox);
    let mailbox_read = p.read_attrs(ObjectKind::Mailbox);
    let contact_attrs = p.read_attrs(ObjectKind::MailContact);
    println!("Target: {}\n", s.describe());
    println!("The bind account needs:");
    for b in &s.mailbox_bases {
        println!(
            "- read (search, compare) on entries under {b}: {}",
            mailbox_read.join(", ")
        );
        println!(
            "- write on mailboxes under {b}: {}",
            mailbox_write.join(", ")
        );
        println!("  (and rename, for Set-Mailbox -Name)");
    }
    println!(
        "- under {}: create and delete child entries (contacts), read and write: {}",
        s.contacts_base,
        contact_attrs.join(", ")
    );
    println!(
        "- create {} once, then read and write on it: cn, description, {}",
        s.config_dn,
        p.ca_attr()
    );
    println!();
    match s.profile {
        LdapProfile::Openldap => {
            let who = s.bind_dn.as_deref().unwrap_or("<the bind DN>");
            let attrs = |v: &[&str]| {
                v.iter()
                    .map(|a| a.split(';').next().unwrap_or(a))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            println!("OpenLDAP (olcAccess, add before the database's catch-all rule):");
            for b in &s.mailbox_bases {
                println!(
                    "  to dn.subtree=\"{b}\" attrs={} by dn.exact=\"{who}\" write by * break",
                    attrs(&mailbox_write)
                );
            }
            println!(
                "  to dn.subtree=\"{}\" by dn.exact=\"{who}\" write by * break",
                s.contacts_base
            );
            println!(
                "  to dn.base=\"{}\" by dn.exact=\"{who}\" write by * break",
                s.config_dn
            );
            println!("  to dn.subtree=\"{}\" attrs=entryUUID,objectClass,cn,uid,mail by dn.exact=\"{who}\" read by * break", s.base);
        }
        LdapProfile::ActiveDirectory => {
            let who = s.bind_dn.as_deref().unwrap_or("DOMAIN\\svc-mailsec");
            println!("Active Directory (dsacls, run as a domain admin):");
            for b in &s.mailbox_bases {
                for a in &mailbox_write {
                    if *a != "cn" {
                        println!("  dsacls \"{b}\" /I:S /G \"{who}:RPWP;{a};user\"");
                    }
                }
            }
            println!(
                "  dsacls \"{}\" /I:T /G \"{who}:CCDC;contact\"",
                s.contacts_base
            );
            println!(
                "  dsacls \"{}\" /I:S /G \"{who}:GA;;contact\"",
                s.contacts_base
            );
            println!(
                "  dsacls \"{}\" /G \"{who}:CC;certificationAuthority\"",
                s.base
            );
        }
    }
    0
}
