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
    match exchange_online(&loaded.state, store) {
        Ok(true) => return 0,
        Ok(false) => {}
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    }
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

/// What an Exchange Online target needs (cmdlets.md 8.1); `Ok(false)` when no slot is Exchange Online.
fn exchange_online(
    state: &mailsec_state::model::DesiredState,
    store: &Store,
) -> Result<bool, String> {
    use mailsec_state::backend::exo::{ExoSettings, Slot};
    let env = |k: &str| std::env::var(k).ok();
    let mut found = None;
    let mut slots = Vec::new();
    for (slot, what) in [
        (
            Slot::Directory,
            "mailboxes (Set-Mailbox), mail contacts (New/Set/Remove-MailContact), Set-SmimeConfig",
        ),
        (
            Slot::Gateway,
            "inbound and outbound connectors (New/Set/Remove-InboundConnector, -OutboundConnector)",
        ),
    ] {
        if let Some(s) = ExoSettings::resolve(&state.targets, slot, &store.dir(), &env)
            .map_err(|e| e.to_string())?
        {
            slots.push(what);
            found = Some(s);
        }
    }
    let Some(s) = found else {
        return Ok(false);
    };
    println!("Target: {}\n", s.describe());
    println!("The access token mailsec reads ({}) must be an Entra ID token for the resource https://outlook.office365.com (scope https://outlook.office365.com/.default). mailsec never stores or prints it, and reads it again when the service answers 401.\n", s.token);
    println!("App-only (unattended, e.g. CI):");
    println!("- an app registration with the application permission Exchange.ManageAsApp on \"Office 365 Exchange Online\" (resource app 00000002-0000-0ff1-ce00-000000000000), admin consent granted;");
    println!("- an Entra role assigned to the app's service principal that lets it run:");
    for w in &slots {
        println!("    {w}");
    }
    println!("  (Exchange Administrator does; for a narrower custom role group, `Get-ManagementRole -Cmdlet <name>` lists the roles that grant each cmdlet above, and the Get-* of each).");
    println!("\nDelegated (an admin signed in): a token for the same resource whose scp includes AdminApi.AccessAsUser.All, as the ExchangeOnlineManagement module's client (fb78d390-0c51-40cd-8e17-fdbfab77341b) gets, and the same roles on the admin.");
    Ok(true)
}
