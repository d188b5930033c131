//! Exchange's rules, each triggered through the cmdlets with its message checked: mail contacts (cmdlets.md
//! 3.1), Exchange Online connectors (4.1), on-premises connectors and transport config (5.1); the value rules
//! (enums, domains, IPs, SMTP addresses, aliases, lengths); identity resolution (0.1); uniqueness; -ResultSize,
//! -Filter and -Anr; the "no settings modified" warning. (The S/MIME config rules of 1.1 need real
//! certificates and run end to end in tests/tests/cmdlet_surface.rs.)

use mailsec_cmdlets::{find, Bound, CmdletError, Context, Message, Value};
use mailsec_state::backend::LiveState;
use mailsec_state::model::{DesiredState, MailContact, Mailbox};
use mailsec_state::Uuid;

struct World {
    state: DesiredState,
    live: LiveState,
}

struct Outcome {
    output: Vec<Value>,
    warnings: Vec<String>,
    ops: usize,
}

fn s(v: &str) -> Value {
    Value::String(v.into())
}
fn b(v: bool) -> Value {
    Value::Bool(v)
}
fn list(v: &[&str]) -> Value {
    Value::array(v.iter().map(|x| s(x)).collect())
}

impl World {
    fn new() -> World {
        let mut live = LiveState::default();
        live.mailboxes.push(Mailbox {
            guid: Uuid::from_u128(1),
            name: "baptiste".into(),
            alias: Some("baptiste".into()),
            display_name: Some("Baptiste Coste".into()),
            primary_smtp_address: Some("baptiste@contoso.example".into()),
            email_addresses: Some(vec![
                "SMTP:baptiste@contoso.example".into(),
                "X500:/o=Old/ou=First/cn=Recipients/cn=baptiste".into(),
            ]),
            user_principal_name: Some("bcoste@contoso.example".into()),
            distinguished_name: Some("CN=baptiste,OU=Users,DC=contoso,DC=example".into()),
            sam_account_name: Some("bcoste".into()),
            legacy_exchange_dn: Some(
                "/o=Contoso/ou=Exchange Administrative Group/cn=Recipients/cn=baptiste".into(),
            ),
            ..Mailbox::default()
        });
        for (i, n) in ["John Doe", "John Dory"].iter().enumerate() {
            live.mailboxes.push(Mailbox {
                guid: Uuid::from_u128(10 + i as u128),
                name: n.to_string(),
                alias: Some(n.replace(' ', "").to_lowercase()),
                primary_smtp_address: Some(format!(
                    "{}@contoso.example",
                    n.replace(' ', ".").to_lowercase()
                )),
                ..Mailbox::default()
            });
        }
        live.mail_contacts.push(MailContact {
            guid: Uuid::from_u128(20),
            name: "Legacy partner".into(),
            external_email_address: "SMTP:legacy@partner.example".into(),
            alias: Some("legacy".into()),
            ..MailContact::default()
        });
        World {
            state: DesiredState::default(),
            live,
        }
    }

    fn run(&mut self, cmdlet: &str, args: &[(&str, Value)]) -> Result<Outcome, CmdletError> {
        let def = find(cmdlet).unwrap_or_else(|| panic!("no cmdlet {cmdlet}"));
        let values = args
            .iter()
            .map(|(n, v)| {
                let p = def
                    .signature
                    .param(n)
                    .unwrap_or_else(|| panic!("{cmdlet} has no -{n}"));
                (p.name, v.clone())
            })
            .collect();
        let mut ctx = Context::new(&mut self.state, &self.live, "embedded directory");
        ctx.what_if = args.iter().any(|(n, _)| *n == "WhatIf");
        let output = (def.run)(&Bound { values }, &mut ctx)?;
        let warnings = ctx
            .messages
            .iter()
            .filter_map(|m| match m {
                Message::Warning(w) => Some(w.clone()),
                _ => None,
            })
            .collect();
        Ok(Outcome {
            output,
            warnings,
            ops: ctx.applied.len(),
        })
    }

    /// Run and expect an error containing `text`; the desired state must be unchanged.
    fn fails(&mut self, cmdlet: &str, args: &[(&str, Value)], text: &str) -> CmdletError {
        let before = self.state.clone();
        let e = match self.run(cmdlet, args) {
            Ok(_) => panic!("{cmdlet} {args:?} should fail with {text:?}"),
            Err(e) => e,
        };
        assert!(
            e.to_string().contains(text),
            "{cmdlet}: expected {text:?} in:\n{e}"
        );
        assert_eq!(self.state, before, "a failed command changes nothing");
        e
    }

    fn ok(&mut self, cmdlet: &str, args: &[(&str, Value)]) -> Outcome {
        self.run(cmdlet, args)
            .unwrap_or_else(|e| panic!("{cmdlet} {args:?}: {e}"))
    }

    fn contact(&mut self, name: &str, address: &str) {
        self.ok(
            "New-MailContact",
            &[("Name", s(name)), ("ExternalEmailAddress", s(address))],
        );
    }
}

/// A property's value; leaked, so that assertions can compare references (a test process is short-lived).
fn prop(v: &Value, name: &str) -> &'static Value {
    let found = v
        .property(name)
        .unwrap_or_else(|| panic!("no property {name} in {v:?}"));
    Box::leak(Box::new(found.into_owned()))
}

// ---- 0.1 identity resolution ----

#[test]
fn every_identity_form_finds_the_mailbox() {
    let mut w = World::new();
    for id in [
        "baptiste",
        "Baptiste Coste",
        "baptiste@contoso.example",
        "SMTP:baptiste@contoso.example",
        "bcoste@contoso.example",
        "CN=baptiste,OU=Users,DC=contoso,DC=example",
        "contoso.example/Users/baptiste",
        "contoso\\bcoste",
        "/o=Contoso/ou=Exchange Administrative Group/cn=Recipients/cn=baptiste",
        "X500:/o=Old/ou=First/cn=Recipients/cn=baptiste",
        "00000000-0000-0000-0000-000000000001",
        "{00000000-0000-0000-0000-000000000001}",
        "bapt*",
        "*tiste",
    ] {
        let out = w.ok("Get-Mailbox", &[("Identity", s(id))]).output;
        assert_eq!(out.len(), 1, "{id}");
        assert_eq!(prop(&out[0], "Name"), &s("baptiste"), "{id}");
    }
}

#[test]
fn not_found_ambiguous_and_wrong_type() {
    let mut w = World::new();
    let e = w.fails(
        "Set-Mailbox",
        &[("Identity", s("nobody")), ("DisplayName", s("x"))],
        "The operation couldn't be performed because object 'nobody' couldn't be found on 'embedded directory'.",
    );
    assert_eq!(e.category(), "ObjectNotFound");
    let e = w.fails(
        "Set-Mailbox",
        &[("Identity", s("John*")), ("DisplayName", s("x"))],
        "The operation couldn't be performed because 'John*' matches multiple entries:",
    );
    let text = e.to_string();
    assert!(
        text.contains("John Doe  (Guid 00000000-0000-0000-0000-00000000000a)"),
        "{text}"
    );
    assert!(
        text.contains("John Dory  (Guid 00000000-0000-0000-0000-00000000000b)"),
        "{text}"
    );
    w.fails(
        "Set-MailContact",
        &[("Identity", s("baptiste")), ("DisplayName", s("x"))],
        "couldn't be found on 'embedded directory'. (it is a Mailbox, not a MailContact.)",
    );
    w.fails(
        "Get-Mailbox",
        &[("Identity", s("baptiste")), ("IgnoreDefaultScope", b(true))],
        "With -IgnoreDefaultScope the Identity must be a distinguished name (DN)",
    );
    let out = w
        .ok(
            "Get-Mailbox",
            &[
                ("Identity", s("CN=baptiste,OU=Users,DC=contoso,DC=example")),
                ("IgnoreDefaultScope", b(true)),
            ],
        )
        .output;
    assert_eq!(out.len(), 1);
}

#[test]
fn a_backend_only_contact_is_read_only_and_removed_contacts_are_gone() {
    let mut w = World::new();
    w.fails(
        "Set-MailContact",
        &[("Identity", s("legacy")), ("DisplayName", s("x"))],
        "exists only in the backend, so it is read-only here",
    );
    w.contact("P", "p@partner.example");
    w.ok(
        "Remove-MailContact",
        &[("Identity", s("p@partner.example")), ("Confirm", b(false))],
    );
    w.fails(
        "Get-MailContact",
        &[("Identity", s("P"))],
        "couldn't be found",
    );
}

// ---- uniqueness ----

#[test]
fn names_aliases_and_addresses_are_unique_across_recipients() {
    let mut w = World::new();
    w.contact("Partner", "p@partner.example");
    w.fails(
        "New-MailContact",
        &[("Name", s("partner")), ("ExternalEmailAddress", s("q@partner.example"))],
        "Active Directory operation failed on 'embedded directory'. The object 'CN=partner' already exists: it is MailContact 'Partner' (Guid",
    );
    w.fails(
        "New-MailContact",
        &[
            ("Name", s("baptiste")),
            ("ExternalEmailAddress", s("q@partner.example")),
        ],
        "it is Mailbox 'baptiste'",
    );
    w.fails(
        "New-MailContact",
        &[
            ("Name", s("Q")),
            ("ExternalEmailAddress", s("q@partner.example")),
            ("Alias", s("baptiste")),
        ],
        "The alias 'baptiste' is already being used by Mailbox 'baptiste' (Guid 00000000-0000-0000-0000-000000000001). Please choose another alias.",
    );
    w.fails(
        "New-MailContact",
        &[("Name", s("Q")), ("ExternalEmailAddress", s("P@Partner.example"))],
        "The proxy address \"SMTP:P@Partner.example\" is already being used by the proxy addresses or LegacyExchangeDN of \"Partner\". Please choose another proxy address.",
    );
    w.fails(
        "New-MailContact",
        &[
            ("Name", s("Q")),
            ("ExternalEmailAddress", s("legacy@partner.example")),
        ],
        "LegacyExchangeDN of \"Legacy partner\"",
    );
    w.fails(
        "Set-Mailbox",
        &[
            ("Identity", s("baptiste")),
            ("EmailAddresses", Value::hashtable(vec![("Add".into(), s("smtp:p@partner.example"))])),
        ],
        "The proxy address \"SMTP:p@partner.example\" is already being used by the proxy addresses or LegacyExchangeDN of \"Partner\".",
    );
    w.fails(
        "Set-MailContact",
        &[("Identity", s("Partner")), ("Name", s("John Doe"))],
        "it is Mailbox 'John Doe'",
    );
    // A derived alias that is taken gets a number, as Exchange does.
    w.contact("John.Doe", "jd@partner.example");
    let c = w
        .ok("Get-MailContact", &[("Identity", s("John.Doe"))])
        .output;
    assert_eq!(prop(&c[0], "Alias"), &s("John.Doe"));
    w.contact("john doe2", "jd2@partner.example");
    let c = w
        .ok("Get-MailContact", &[("Identity", s("jd2@partner.example"))])
        .output;
    assert_eq!(prop(&c[0], "Alias"), &s("johndoe2"));
}

// ---- 3.1 mail contacts ----

#[test]
fn mail_contact_rules() {
    let mut w = World::new();
    w.fails(
        "New-MailContact",
        &[
            ("Name", s("P")),
            ("ExternalEmailAddress", s("not an address")),
        ],
        "\"not an address\" isn't a valid SMTP address.",
    );
    w.contact("P", "p@partner.example");
    let c = w.ok("Get-MailContact", &[("Identity", s("P"))]).output;
    assert_eq!(prop(&c[0], "Alias"), &s("P"), "alias derived from the name");
    assert_eq!(prop(&c[0], "PrimarySmtpAddress"), &s("p@partner.example"));
    assert_eq!(
        prop(&c[0], "ExternalEmailAddress"),
        &s("SMTP:p@partner.example")
    );
    w.fails(
        "Set-MailContact",
        &[
            ("Identity", s("P")),
            ("EmailAddresses", list(&["SMTP:a@partner.example"])),
            ("PrimarySmtpAddress", s("b@partner.example")),
        ],
        "The EmailAddresses and PrimarySmtpAddress parameters can't be used together",
    );
    w.fails(
        "Set-MailContact",
        &[
            ("Identity", s("P")),
            ("EmailAddresses", list(&["SMTP:a@partner.example", "SMTP:b@partner.example"])),
        ],
        "There are multiple primary SMTP addresses. Please ensure there is only one primary address for each address type.",
    );
    w.fails(
        "Set-MailContact",
        &[
            ("Identity", s("P")),
            ("AcceptMessagesOnlyFrom", list(&["baptiste"])),
            ("AcceptMessagesOnlyFromSendersOrMembers", list(&["baptiste"])),
        ],
        "The AcceptMessagesOnlyFromSendersOrMembers parameter can't be used together with AcceptMessagesOnlyFrom",
    );
    w.fails(
        "Set-MailContact",
        &[
            ("Identity", s("P")),
            ("RejectMessagesFromDLMembers", list(&["Sales"])),
            ("RejectMessagesFromSendersOrMembers", list(&["baptiste"])),
        ],
        "The RejectMessagesFromSendersOrMembers parameter can't be used together with RejectMessagesFromDLMembers",
    );
    w.fails(
        "Set-MailContact",
        &[("Identity", s("P")), ("ModerationEnabled", b(true))],
        "ModerationEnabled $true needs at least one moderator: give -ModeratedBy.",
    );
    w.ok(
        "Set-MailContact",
        &[
            ("Identity", s("P")),
            ("ModerationEnabled", b(true)),
            ("ModeratedBy", list(&["baptiste"])),
        ],
    );
    w.fails(
        "Set-MailContact",
        &[
            ("Identity", s("P")),
            ("MessageFormat", s("Text")),
            ("MessageBodyFormat", s("Html")),
        ],
        "MessageBodyFormat can't be Html when MessageFormat is Text",
    );
    w.ok(
        "Set-MailContact",
        &[("Identity", s("P")), ("MessageFormat", s("Text"))],
    );
    let c = w.ok("Get-MailContact", &[("Identity", s("P"))]).output;
    assert_eq!(
        prop(&c[0], "MessageBodyFormat"),
        &s("Text"),
        "Text forces a Text body"
    );
    w.fails(
        "Set-MailContact",
        &[("Identity", s("P")), ("MacAttachmentFormat", s("AppleDouble"))],
        "MacAttachmentFormat AppleDouble can't be used with MessageFormat Text: use BinHex or UuEncode.",
    );
    w.ok(
        "Set-MailContact",
        &[
            ("Identity", s("P")),
            ("MessageFormat", s("Mime")),
            ("MacAttachmentFormat", s("AppleDouble")),
        ],
    );
    w.fails(
        "Set-MailContact",
        &[("Identity", s("P")), ("MacAttachmentFormat", s("UuEncode"))],
        "MacAttachmentFormat UuEncode can't be used with MessageFormat Mime: use BinHex or AppleSingle or AppleDouble.",
    );
    // New-MailContact -PrimarySmtpAddress turns the email address policy off.
    w.ok(
        "New-MailContact",
        &[
            ("Name", s("R")),
            ("ExternalEmailAddress", s("r@partner.example")),
            ("PrimarySmtpAddress", s("r@contoso.example")),
        ],
    );
    let c = w
        .ok("Get-MailContact", &[("Identity", s("r@contoso.example"))])
        .output;
    assert_eq!(prop(&c[0], "EmailAddressPolicyEnabled"), &b(false));
    assert_eq!(
        prop(&c[0], "EmailAddresses"),
        &list(&["SMTP:r@contoso.example", "smtp:r@partner.example"])
    );
}

#[test]
fn address_edits_keep_one_primary() {
    let mut w = World::new();
    w.ok(
        "Set-Mailbox",
        &[
            ("Identity", s("baptiste")),
            (
                "EmailAddresses",
                Value::hashtable(vec![("+".into(), s("SMTP:b@contoso.example"))]),
            ),
        ],
    );
    let m = w.ok("Get-Mailbox", &[("Identity", s("baptiste"))]).output;
    assert_eq!(
        prop(&m[0], "EmailAddresses"),
        &list(&[
            "smtp:baptiste@contoso.example",
            "X500:/o=Old/ou=First/cn=Recipients/cn=baptiste",
            "SMTP:b@contoso.example"
        ])
    );
    assert_eq!(prop(&m[0], "PrimarySmtpAddress"), &s("b@contoso.example"));
    w.ok(
        "Set-Mailbox",
        &[
            ("Identity", s("baptiste")),
            ("PrimarySmtpAddress", s("baptiste@contoso.example")),
        ],
    );
    let m = w
        .ok("Get-Mailbox", &[("Identity", s("b@contoso.example"))])
        .output;
    assert_eq!(
        prop(&m[0], "PrimarySmtpAddress"),
        &s("baptiste@contoso.example")
    );
    assert_eq!(
        prop(&m[0], "WindowsEmailAddress"),
        &s("baptiste@contoso.example")
    );
    assert_eq!(prop(&m[0], "EmailAddressPolicyEnabled"), &b(false));
}

// ---- values ----

#[test]
fn values_are_checked_and_name_the_rule() {
    let mut w = World::new();
    fn set_mb(p: &'static str, v: Value) -> Vec<(&'static str, Value)> {
        vec![("Identity", s("baptiste")), (p, v)]
    }
    for (p, v, text) in [
        ("Alias", s("bad alias"), "\"bad alias\" isn't a valid alias"),
        (
            "Alias",
            s("a".repeat(65).as_str()),
            "The maximum length is 64 and the length of the value provided is 65.",
        ),
        (
            "DisplayName",
            s("d".repeat(257).as_str()),
            "The maximum length is 256 and the length of the value provided is 257.",
        ),
        (
            "CustomAttribute7",
            s("c".repeat(1025).as_str()),
            "The maximum length is 1024",
        ),
        ("Name", s(""), "Name can't be empty."),
        (
            "WindowsEmailAddress",
            s("nope"),
            "\"nope\" isn't a valid SMTP address.",
        ),
        (
            "EmailAddresses",
            list(&["smtp:a@@b"]),
            "isn't a valid SMTP address",
        ),
        (
            "HiddenFromAddressListsEnabled",
            s("yes"),
            "Boolean parameters accept only Boolean values and numbers",
        ),
    ] {
        w.fails("Set-Mailbox", &set_mb(p, v), text);
    }
    w.contact("P", "p@partner.example");
    w.fails(
        "Set-MailContact",
        &[("Identity", s("P")), ("MessageFormat", s("Rtf"))],
        "Unable to match the identifier name Rtf to a valid enumerator name. Specify one of the following enumerator names and try again: Text, Mime",
    );
    w.fails(
        "Set-MailContact",
        &[("Identity", s("P")), ("SimpleDisplayName", s("Ünïcode"))],
        "use only a-z, A-Z, 0-9, space",
    );
    w.fails(
        "Set-MailContact",
        &[
            ("Identity", s("P")),
            ("MailTipTranslations", list(&["no culture"])),
        ],
        "use Culture:text",
    );
    w.fails(
        "Set-MailContact",
        &[("Identity", s("P")), ("MaxReceiveSize", s("3GB"))],
        "MaxReceiveSize must be Unlimited or at most 2147483647 bytes (2 GB).",
    );
    w.ok(
        "Set-MailContact",
        &[("Identity", s("P")), ("MaxReceiveSize", s("25MB"))],
    );
    let c = w.ok("Get-MailContact", &[("Identity", s("P"))]).output;
    assert_eq!(
        prop(&c[0], "MaxReceiveSize"),
        &s("25 MB (26,214,400 bytes)")
    );
    w.fails(
        "Set-MailContact",
        &[
            ("Identity", s("P")),
            (
                "EmailAddresses",
                Value::hashtable(vec![("Replace".into(), s("x@y.example"))]),
            ),
        ],
        "The hashtable key 'replace' is an unknown operation: use Add (or +) and Remove (or -).",
    );
}

// ---- 4.1 Exchange Online connectors ----

fn outbound(w: &mut World, extra: &[(&str, Value)]) -> Result<Outcome, CmdletError> {
    let mut args = vec![
        ("Name", s("Out")),
        ("RecipientDomains", list(&["fabrikam.com"])),
    ];
    args.extend(extra.iter().cloned());
    w.run("New-OutboundConnector", &args)
}

fn inbound(w: &mut World, extra: &[(&str, Value)]) -> Result<Outcome, CmdletError> {
    let mut args = vec![
        ("Name", s("In")),
        ("SenderDomains", list(&["fabrikam.com"])),
    ];
    args.extend(extra.iter().cloned());
    w.run("New-InboundConnector", &args)
}

fn err(r: Result<Outcome, CmdletError>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn outbound_connector_rules() {
    let mut w = World::new();
    let cases: &[(&[(&str, Value)], &str)] = &[
        (&[("TlsDomain", s("mail.fabrikam.com"))], "The TlsDomain parameter can only be set if TlsSettings is DomainValidation."),
        (&[("TlsSettings", s("DomainValidation"))], "TlsSettings DomainValidation needs a TlsDomain"),
        (&[("TlsSettings", s("DomainValidation")), ("TlsDomain", s("*"))], "\"*\" isn't valid for TlsDomain"),
        (&[("UseMXRecord", b(false))], "SmartHosts are required when UseMXRecord is $false."),
        (&[("SmartHosts", list(&["relay.fabrikam.com"]))], "UseMXRecord must be $false when SmartHosts are given."),
        (&[("IsTransportRuleScoped", b(true))], "can't have RecipientDomains or AllAcceptedDomains"),
        (&[("AllAcceptedDomains", b(true))], "AllAcceptedDomains needs ConnectorType OnPremises."),
        (&[("RouteAllMessagesViaOnPremises", b(true))], "RouteAllMessagesViaOnPremises needs ConnectorType OnPremises."),
        (&[("CloudServicesMailEnabled", b(true))], "CloudServicesMailEnabled needs ConnectorType OnPremises."),
        (&[("SenderRewritingEnabled", b(true))], "SenderRewritingEnabled needs ConnectorType OnPremises."),
        (&[("Comment", s("c".repeat(1025).as_str()))], "The maximum length is 1024"),
        (&[("RecipientDomains", list(&["a.*.fabrikam.com"]))], "a wildcard is allowed only as the whole first label"),
        (&[("UseMXRecord", b(false)), ("SmartHosts", list(&["relay.fabrikam.com:2525"]))], "give the host without a port"),
        (&[("TlsSettings", s("Strict"))], "Specify one of the following enumerator names and try again: EncryptionOnly, CertificateValidation, DomainValidation"),
        (&[("SmtpDaneMode", s("Always"))], "Opportunistic, Mandatory, None"),
    ];
    for (extra, text) in cases {
        let e = err(outbound(&mut w, extra));
        assert!(e.contains(text), "{extra:?}: {e}");
    }
    assert!(w.state.outbound_connectors.is_empty());
    let e = err(w.run("New-OutboundConnector", &[("Name", s("Rule only"))]));
    assert!(e.contains("Give RecipientDomains (or AllAcceptedDomains for OnPremises), or set IsTransportRuleScoped $true."), "{e}");
    w.ok(
        "New-OutboundConnector",
        &[("Name", s("Rule only")), ("IsTransportRuleScoped", b(true))],
    );
    outbound(
        &mut w,
        &[
            ("TlsSettings", s("DomainValidation")),
            ("TlsDomain", s("*.fabrikam.com")),
        ],
    )
    .unwrap();
    let e = err(outbound(&mut w, &[]));
    assert!(
        e.contains("The object 'Out' already exists: it is the OutboundConnector 'Out'"),
        "{e}"
    );
    // A Set is checked on the object it would produce.
    let e = err(w.run(
        "Set-OutboundConnector",
        &[("Identity", s("Out")), ("TlsSettings", s("EncryptionOnly"))],
    ));
    assert!(
        e.contains("The TlsDomain parameter can only be set if TlsSettings is DomainValidation."),
        "{e}"
    );
    w.ok(
        "Set-OutboundConnector",
        &[
            ("Identity", s("Out")),
            ("TlsSettings", s("EncryptionOnly")),
            ("TlsDomain", Value::Null),
        ],
    );
    w.ok(
        "New-OutboundConnector",
        &[
            ("Name", s("Hybrid")),
            ("ConnectorType", s("OnPremises")),
            ("AllAcceptedDomains", b(true)),
            ("RouteAllMessagesViaOnPremises", b(true)),
            ("UseMXRecord", b(false)),
            (
                "SmartHosts",
                list(&["192.0.2.0/28", "mail.contoso.example"]),
            ),
        ],
    );
}

#[test]
fn inbound_connector_rules() {
    let mut w = World::new();
    let e = err(w.run(
        "New-InboundConnector",
        &[("Name", s("In")), ("SenderDomains", list(&[]))],
    ));
    assert!(e.contains("SenderDomains is required."), "{e}");
    let cases: &[(&[(&str, Value)], &str)] = &[
        (&[("ConnectorType", s("OnPremises"))], "An OnPremises connector needs SenderIPAddresses or TlsSenderCertificateName."),
        (&[("TlsSenderCertificateName", s("mail.fabrikam.com")), ("RequireTls", b(false))], "TlsSenderCertificateName needs RequireTls $true."),
        (&[("RestrictDomainsToIPAddresses", b(true))], "RestrictDomainsToIPAddresses $true needs SenderIPAddresses."),
        (&[("RestrictDomainsToIPAddresses", b(true)), ("RestrictDomainsToCertificate", b(true)), ("SenderIPAddresses", list(&["192.0.2.1"])), ("TlsSenderCertificateName", s("mail.fabrikam.com"))], "RestrictDomainsToIPAddresses and RestrictDomainsToCertificate can't both be $true."),
        (&[("RestrictDomainsToCertificate", b(true))], "RestrictDomainsToCertificate $true needs TlsSenderCertificateName."),
        (&[("CloudServicesMailEnabled", b(true))], "CloudServicesMailEnabled needs ConnectorType OnPremises."),
        (&[("TreatMessagesAsInternal", b(true))], "TreatMessagesAsInternal needs ConnectorType OnPremises and CloudServicesMailEnabled $false."),
        (&[("TreatMessagesAsInternal", b(true)), ("ConnectorType", s("OnPremises")), ("CloudServicesMailEnabled", b(true)), ("SenderIPAddresses", list(&["192.0.2.1"]))], "TreatMessagesAsInternal needs ConnectorType OnPremises and CloudServicesMailEnabled $false."),
        (&[("SenderIPAddresses", list(&["192.0.2.0/23"]))], "\"192.0.2.0/23\" isn't valid for SenderIPAddresses: give an IPv4 address or a CIDR range from /24 to /32"),
        (&[("SenderIPAddresses", list(&["2001:db8::1"]))], "IPv6 isn't supported here"),
        (&[("TlsSenderCertificateName", s("*"))], "\"*\" isn't valid for TlsSenderCertificateName"),
        (&[("TlsSenderCertificateName", s("mail.*.fabrikam.com"))], "a wildcard is allowed only as the whole first label"),
        (&[("SenderDomains", list(&["fab*rikam.com"]))], "a wildcard is allowed only as the whole first label"),
        (&[("EFSkipIPs", list(&["192.0.2.300"]))], "give an IP address, a range such as"),
        (&[("ConnectorSource", s("Manual"))], "Default, Migrated, HybridWizard, AdminUI"),
    ];
    for (extra, text) in cases {
        let e = err(inbound(&mut w, extra));
        assert!(e.contains(text), "{extra:?}: {e}");
    }
    assert!(w.state.inbound_connectors.is_empty());
    let out = inbound(
        &mut w,
        &[
            (
                "SenderDomains",
                list(&["smtp:fabrikam.com;1", "*.fabrikam.com"]),
            ),
            ("SenderIPAddresses", list(&["192.0.2.0/24"])),
            ("RestrictDomainsToIPAddresses", b(true)),
            (
                "EFSkipIPs",
                list(&["198.51.100.1-198.51.100.9", "2001:db8::/48"]),
            ),
        ],
    )
    .unwrap();
    assert_eq!(
        prop(&out.output[0], "SenderDomains"),
        &list(&["smtp:fabrikam.com;1", "smtp:*.fabrikam.com;1"]),
        "returned as address spaces"
    );
    assert_eq!(
        w.state.inbound_connectors[0].SenderDomains,
        vec!["fabrikam.com", "*.fabrikam.com"]
    );
}

// ---- 5.1 on-premises ----

fn send(w: &mut World, extra: &[(&str, Value)]) -> Result<Outcome, CmdletError> {
    let mut args = vec![
        ("Name", s("Send")),
        ("AddressSpaces", list(&["fabrikam.com"])),
    ];
    args.extend(extra.iter().cloned());
    w.run("New-SendConnector", &args)
}

#[test]
fn send_connector_rules() {
    let mut w = World::new();
    let cases: &[(&[(&str, Value)], &str)] = &[
        (&[("SmartHosts", list(&["relay.fabrikam.com"]))], "DNSRoutingEnabled must be $false when SmartHosts are given."),
        (&[("DNSRoutingEnabled", b(false))], "SmartHosts are required when DNSRoutingEnabled is $false."),
        (&[("RequireTLS", b(true)), ("IgnoreSTARTTLS", b(true))], "IgnoreSTARTTLS must be $false when RequireTLS is $true."),
        (&[("TlsAuthLevel", s("CertificateValidation"))], "The TlsAuthLevel parameter can't be set when IgnoreSTARTTLS is $true or RequireTLS is $false."),
        (&[("TlsDomain", s("mail.fabrikam.com"))], "The TLSDomain parameter can only be set if the TLSAuthLevel parameter is set to DomainValidation."),
        (&[("RequireTLS", b(true)), ("TlsAuthLevel", s("DomainValidation")), ("DNSRoutingEnabled", b(false)), ("SmartHosts", list(&["relay.fabrikam.com"]))], "TlsAuthLevel DomainValidation on a smart-host connector (DNSRoutingEnabled $false) needs a TlsDomain."),
        (&[("DomainSecureEnabled", b(true)), ("DNSRoutingEnabled", b(false)), ("SmartHosts", list(&["relay.fabrikam.com"]))], "DomainSecureEnabled needs DNSRoutingEnabled $true."),
        (&[("DomainSecureEnabled", b(true)), ("IgnoreSTARTTLS", b(true))], "DomainSecureEnabled needs IgnoreSTARTTLS $false."),
        (&[("DomainSecureEnabled", b(true)), ("AddressSpaces", list(&["*.fabrikam.com"]))], "DomainSecureEnabled can't be used with wildcard address spaces."),
        (&[("Internet", b(true)), ("Partner", b(true))], "the usage parameters -Internet, -Partner are mutually exclusive"),
        (&[("Internet", b(true)), ("Usage", s("Partner"))], "the usage parameters -Internet, -Usage are mutually exclusive"),
        (&[("Port", Value::Int(70000))], "a port is a number from 0 to 65535"),
        (&[("AddressSpaces", list(&["fabrikam.com;0"]))], "the cost after ';' is a number from 1 to 100"),
        (&[("TlsCertificateName", s("CN=mail"))], "use \"<I>issuer<S>subject\""),
    ];
    for (extra, text) in cases {
        let e = err(send(&mut w, extra));
        assert!(e.contains(text), "{extra:?}: {e}");
    }
    assert!(w.state.send_connectors.is_empty());
    // Domain Secure needs the domain in TLSSendDomainSecureList: a warning until it is there.
    let out = send(
        &mut w,
        &[("DomainSecureEnabled", b(true)), ("Partner", b(true))],
    )
    .unwrap();
    assert!(
        out.warnings
            .iter()
            .any(|x| x
                .contains("Set-TransportConfig -TLSSendDomainSecureList @{Add='fabrikam.com'}")),
        "{:?}",
        out.warnings
    );
    assert_eq!(w.state.send_connectors[0].Usage.as_deref(), Some("Partner"));
    assert_eq!(
        w.state.send_connectors[0].AddressSpaces,
        vec!["SMTP:fabrikam.com;1"]
    );
    w.ok(
        "Set-TransportConfig",
        &[("TLSSendDomainSecureList", list(&["fabrikam.com"]))],
    );
    let out = w.ok(
        "Set-SendConnector",
        &[("Identity", s("Send")), ("Port", Value::Int(587))],
    );
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}

#[test]
fn receive_connector_and_transport_config_rules() {
    let mut w = World::new();
    let recv = |w: &mut World, extra: &[(&str, Value)]| {
        let mut args = vec![
            ("Name", s("Recv")),
            ("Bindings", list(&["0.0.0.0:25"])),
            ("RemoteIPRanges", list(&["192.0.2.0/24"])),
        ];
        args.extend(extra.iter().cloned());
        w.run("New-ReceiveConnector", &args)
    };
    let cases: &[(&[(&str, Value)], &str)] = &[
        (&[("RequireTLS", b(true)), ("AuthMechanism", s("Integrated"))], "AuthMechanism must contain Tls when RequireTLS is $true."),
        (&[("DomainSecureEnabled", b(true)), ("AuthMechanism", s("Tls,ExternalAuthoritative")), ("PermissionGroups", s("ExchangeServers"))], "DomainSecureEnabled needs AuthMechanism Tls (and not ExternalAuthoritative)."),
        (&[("AuthMechanism", s("BasicAuthRequireTLS"))], "AuthMechanism BasicAuthRequireTLS also needs BasicAuth and Tls."),
        (&[("AuthMechanism", s("Tls,ExternalAuthoritative"))], "AuthMechanism ExternalAuthoritative needs Tls and PermissionGroups ExchangeServers."),
        (&[("AuthMechanism", list(&["None", "Tls"]))], "AuthMechanism None can't be combined with other mechanisms."),
        (&[("Internet", b(true))], "-RemoteIPRanges can't be used with Internet usage."),
        (&[("Client", b(true))], "-Bindings can't be used with Client usage."),
        (&[("Bindings", list(&["0.0.0.0"]))], "use IP:port"),
        (&[("AuthMechanism", s("Kerberos"))], "None, Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer, ExternalAuthoritative"),
    ];
    for (extra, text) in cases {
        let e = err(recv(&mut w, extra));
        assert!(e.contains(text), "{extra:?}: {e}");
    }
    let e = err(w.run(
        "New-ReceiveConnector",
        &[("Name", s("Recv")), ("Internal", b(true))],
    ));
    assert!(e.contains("Internal usage needs -RemoteIPRanges."), "{e}");
    let e = err(w.run(
        "New-ReceiveConnector",
        &[
            ("Name", s("Recv")),
            ("Partner", b(true)),
            ("Bindings", list(&["0.0.0.0:25"])),
        ],
    ));
    assert!(e.contains("Partner usage needs -RemoteIPRanges."), "{e}");
    assert!(w.state.receive_connectors.is_empty());
    let out = recv(
        &mut w,
        &[
            ("RequireTLS", b(true)),
            ("AuthMechanism", s("tls, basicauth")),
            ("DomainSecureEnabled", b(true)),
        ],
    )
    .unwrap();
    assert!(
        out.warnings
            .iter()
            .any(|x| x.contains("TLSReceiveDomainSecureList")),
        "{:?}",
        out.warnings
    );
    assert_eq!(
        w.state.receive_connectors[0].AuthMechanism.as_deref(),
        Some("Tls, BasicAuth")
    );
    let e = err(w.run(
        "New-ReceiveConnector",
        &[
            ("Name", s("Recv 2")),
            ("Bindings", list(&["0.0.0.0:25", "[::]:25"])),
            ("RemoteIPRanges", list(&["192.0.2.0/24"])),
        ],
    ));
    assert!(
        e.contains("conflict with the settings on Receive connector 'Recv'"),
        "{e}"
    );
    w.ok(
        "New-ReceiveConnector",
        &[
            ("Name", s("Internet")),
            ("Internet", b(true)),
            ("Bindings", list(&["0.0.0.0:2525"])),
        ],
    );
    assert_eq!(
        w.state.receive_connectors[1].PermissionGroups.as_deref(),
        Some("AnonymousUsers")
    );
    // TransportConfig: no wildcards in the Domain Secure lists.
    let e = w.fails(
        "Set-TransportConfig",
        &[("TLSSendDomainSecureList", list(&["*.fabrikam.com"]))],
        "\"*.fabrikam.com\" isn't valid for TLSSendDomainSecureList: a Domain Secure domain can't contain a wildcard '*'",
    );
    assert_eq!(e.param(), Some("TLSSendDomainSecureList"));
    w.ok(
        "Set-TransportConfig",
        &[("TLSReceiveDomainSecureList", list(&["fabrikam.com"]))],
    );
    w.ok(
        "Set-TransportConfig",
        &[(
            "TLSReceiveDomainSecureList",
            Value::hashtable(vec![("Add".into(), s("woodgrove.example"))]),
        )],
    );
    let t = w.ok("Get-TransportConfig", &[]).output;
    assert_eq!(
        prop(&t[0], "TLSReceiveDomainSecureList"),
        &list(&["fabrikam.com", "woodgrove.example"])
    );
}

// ---- Set with no change, -WhatIf ----

#[test]
fn a_set_that_changes_nothing_warns_and_makes_no_operation() {
    let mut w = World::new();
    let out = w.ok(
        "Set-Mailbox",
        &[
            ("Identity", s("baptiste")),
            ("DisplayName", s("Baptiste Coste")),
        ],
    );
    assert_eq!(out.ops, 0);
    assert_eq!(
        out.warnings,
        vec![
            "The command completed successfully but no settings of 'baptiste' have been modified."
        ]
    );
    assert!(w.state.mailboxes.is_empty());
    w.contact("P", "p@partner.example");
    let out = w.ok(
        "Set-MailContact",
        &[("Identity", s("P")), ("Alias", s("P"))],
    );
    assert_eq!(out.ops, 0);
    assert_eq!(out.warnings.len(), 1);
    outbound(&mut w, &[]).unwrap();
    let out = w.ok(
        "Set-OutboundConnector",
        &[("Identity", s("Out")), ("Enabled", b(true))],
    );
    assert_eq!((out.ops, out.warnings.len()), (0, 1));
    let out = w.ok(
        "Set-Mailbox",
        &[
            ("Identity", s("baptiste")),
            ("DisplayName", s("BC")),
            ("WhatIf", b(true)),
        ],
    );
    assert_eq!(out.ops, 0);
    assert!(w.state.mailboxes.is_empty(), "-WhatIf changes nothing");
    w.ok(
        "Set-Mailbox",
        &[
            ("Identity", s("baptiste")),
            ("DisplayName", s("BC")),
            ("Name", s("bcoste")),
        ],
    );
    assert_eq!(w.state.mailboxes[0].display_name.as_deref(), Some("BC"));
    assert_eq!(w.state.mailboxes[0].name, "bcoste");
    let m = w.ok("Get-Mailbox", &[("Identity", s("bcoste"))]).output;
    assert_eq!(prop(&m[0], "ManagedBy"), &s("mailsec"));
}

// ---- Get-* queries ----

#[test]
fn result_size_filter_anr_and_sort() {
    let mut w = World::new();
    let names =
        |v: &[Value]| -> Vec<String> { v.iter().map(|o| prop(o, "Name").to_string()).collect() };
    for i in 0..1003 {
        w.live.mail_contacts.push(MailContact {
            guid: Uuid::from_u128(1000 + i),
            name: format!("c{i:04}"),
            external_email_address: format!("SMTP:c{i}@bulk.example"),
            ..MailContact::default()
        });
    }
    let out = w.ok("Get-MailContact", &[]);
    assert_eq!(out.output.len(), 1000);
    assert_eq!(
        out.warnings,
        vec!["There are more results available than are currently displayed: 4 more were left out by -ResultSize 1000 (the default). To view them, increase the value for the ResultSize parameter, or use -ResultSize Unlimited."]
    );
    let out = w.ok("Get-MailContact", &[("ResultSize", s("Unlimited"))]);
    assert_eq!((out.output.len(), out.warnings.len()), (1004, 0));
    let out = w.ok(
        "Get-MailContact",
        &[("ResultSize", Value::Int(2)), ("SortBy", s("Name"))],
    );
    assert_eq!(names(&out.output), vec!["c0000", "c0001"]);
    assert!(out.warnings[0].contains("1002 more were left out by -ResultSize 2."));
    let e = w.fails(
        "Get-MailContact",
        &[("ResultSize", s("lots"))],
        "Cannot process argument transformation on parameter 'ResultSize'",
    );
    assert_eq!(e.param(), Some("ResultSize"));
    w.fails(
        "Get-Mailbox",
        &[("SortBy", s("Office2"))],
        "Use one of: Name, DisplayName, Alias, Office, ServerLegacyDN.",
    );

    let f =
        |w: &mut World, filter: &str| names(&w.ok("Get-Mailbox", &[("Filter", s(filter))]).output);
    assert_eq!(f(&mut w, "Alias -eq 'baptiste'"), vec!["baptiste"]);
    assert_eq!(
        f(
            &mut w,
            "{ Name -like 'John*' -and -not (Alias -eq 'johndoe') }"
        ),
        vec!["John Dory"]
    );
    assert_eq!(f(&mut w, "DisplayName -ne $null"), vec!["baptiste"]);
    assert_eq!(
        f(
            &mut w,
            "(Name -eq 'John Doe') -or (EmailAddresses -like '*x500*')"
        ),
        vec!["baptiste", "John Doe"]
    );
    assert_eq!(
        f(&mut w, "HiddenFromAddressListsEnabled -eq $false").len(),
        3
    );
    w.fails(
        "Get-Mailbox",
        &[("Filter", s("Alias -eq"))],
        "Invalid filter syntax.",
    );
    w.fails(
        "Get-Mailbox",
        &[("Filter", s("Office2 -eq 'Paris'"))],
        "\"Office2\" is not a recognized filterable property.",
    );

    let anr = |w: &mut World, a: &str| names(&w.ok("Get-Mailbox", &[("Anr", s(a))]).output);
    assert_eq!(anr(&mut w, "john"), vec!["John Doe", "John Dory"]);
    assert_eq!(anr(&mut w, "Baptiste C"), vec!["baptiste"]);
    assert_eq!(anr(&mut w, "john.dory@"), vec!["John Dory"]);
    let ou = |w: &mut World, o: &str| {
        names(&w.ok("Get-Mailbox", &[("OrganizationalUnit", s(o))]).output)
    };
    assert_eq!(ou(&mut w, "Users"), vec!["baptiste"]);
    assert_eq!(ou(&mut w, "contoso.example/Users"), vec!["baptiste"]);
    assert_eq!(
        ou(&mut w, "OU=Users,DC=contoso,DC=example"),
        vec!["baptiste"]
    );
    assert!(w
        .ok(
            "Get-Mailbox",
            &[("RecipientTypeDetails", list(&["SharedMailbox"]))]
        )
        .output
        .is_empty());
    assert_eq!(
        w.ok(
            "Get-Mailbox",
            &[("RecipientTypeDetails", list(&["UserMailbox"]))]
        )
        .output
        .len(),
        3
    );
}

#[test]
fn get_objects_use_exchange_property_names() {
    let mut w = World::new();
    let m = w.ok("Get-Mailbox", &[("Identity", s("baptiste"))]).output;
    assert_eq!(
        prop(&m[0], "Identity"),
        &s("contoso.example/Users/baptiste")
    );
    assert_eq!(
        prop(&m[0], "OrganizationalUnit"),
        &s("contoso.example/Users")
    );
    assert_eq!(prop(&m[0], "RecipientTypeDetails"), &s("UserMailbox"));
    assert_eq!(prop(&m[0], "UserCertificate"), &Value::array(vec![]));
    assert_eq!(prop(&m[0], "CustomAttribute15"), &s(""));
    outbound(&mut w, &[]).unwrap();
    let o = w.ok("Get-OutboundConnector", &[]).output;
    for p in [
        "Identity",
        "Enabled",
        "UseMXRecord",
        "ConnectorSource",
        "TlsSettings",
        "MtaStsMode",
        "SmtpDaneMode",
        "ValidationRecipients",
        "IsValidated",
        "Guid",
        "IsValid",
    ] {
        prop(&o[0], p);
    }
    assert_eq!(prop(&o[0], "ConnectorSource"), &s("Default"));
    inbound(&mut w, &[]).unwrap();
    let i = w
        .ok("Get-InboundConnector", &[("Identity", s("In"))])
        .output;
    for p in [
        "RequireTls",
        "EFSkipLastIP",
        "EFSkipIPs",
        "TrustedOrganizations",
        "ClientHostNames",
        "AssociatedAcceptedDomains",
        "ScanAndDropRecipients",
    ] {
        prop(&i[0], p);
    }
    w.contact("P", "p@partner.example");
    let c = w.ok("Get-MailContact", &[("Identity", s("P"))]).output;
    for (p, v) in [
        ("MessageFormat", "Mime"),
        ("MessageBodyFormat", "TextAndHtml"),
        ("MacAttachmentFormat", "BinHex"),
        ("MaxReceiveSize", "Unlimited"),
        ("RecipientType", "MailContact"),
        ("UseMapiRichTextFormat", "UseDefaultSettings"),
        ("SendModerationNotifications", "Always"),
    ] {
        assert_eq!(prop(&c[0], p), &s(v), "{p}");
    }
    let o = w
        .ok(
            "Get-OutboundConnector",
            &[("IncludeTestModeConnectors", b(true))],
        )
        .output;
    assert!(o.is_empty());
}
