//! Cmdlet signatures: the single source of truth for binding, help, completion and the parameter→destination map.

/// How a parameter's value is converted and checked. Each documented Exchange type has its own variant, so
/// the registry can be checked against the reference's tables (`documented()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    String,
    Bool,
    Int32,
    UInt32,
    /// A `[switch]`: present = `$true`, or `-Name:$false`.
    Switch,
    /// `byte[]` (e.g. SMIMECertificateIssuingCA).
    Bytes,
    /// `DateTime` (stored as UTC, RFC 3339).
    DateTime,
    Guid,
    /// `MultiValuedProperty<byte[]>`: an array replaces, `$null` clears, `@{Add=..;Remove=..}` edits.
    MultiBytes,
    /// `MultiValuedProperty<string>`, with the same replace/clear/edit forms.
    MultiString,
    /// `String[]`: a list replaces, `$null` clears.
    StringArray,
    /// One of a fixed set of names (matched case-insensitively, stored in canonical case).
    Enum(&'static str, &'static [&'static str]),
    /// A `[Flags]` enum: one or more names, comma-separated or as a list.
    Flags(&'static str, &'static [&'static str]),
    /// An array of enum names (e.g. `RecipientTypeDetails[]`).
    EnumArray(&'static str, &'static [&'static str]),
    /// An identity (`*IdParameter`, named by its .NET type): name, alias, address, DN or GUID.
    Identity(&'static str),
    /// `SmtpAddress`: `user@domain`.
    SmtpAddress,
    /// `ProxyAddress`: `smtp:user@domain` (no prefix = SMTP) or another `type:address`.
    ProxyAddress,
    /// `ProxyAddressCollection`: `SMTP:` primary (once), `smtp:` secondary; list, `$null` or `@{Add;Remove}`.
    ProxyAddresses,
    /// `Fqdn`: a host name.
    Fqdn,
    /// `SmtpDomainWithSubdomains`: `contoso.com` or `*.contoso.com`.
    Domain,
    /// `TlsCertificate`: the domain a TLS certificate must name (`*.contoso.com` allowed, `*` not).
    TlsCertificate,
    /// `SmtpX509Identifier`: `<I>issuer<S>subject`.
    X509Identifier,
    /// `Unlimited<int>`: a number or `Unlimited`.
    Unlimited,
    /// `Unlimited<ByteQuantifiedSize>`: `10MB`, `10 MB`, a byte count, or `Unlimited`.
    UnlimitedSize,
    /// `PSCredential` (always refused: mailsec takes no credentials on the command line).
    Credential,
}

impl ParamType {
    /// The .NET type name Exchange documents, for help and conversion errors.
    pub fn dotnet(&self) -> &'static str {
        match self {
            ParamType::String => "System.String",
            ParamType::Bool => "System.Boolean",
            ParamType::Int32 => "System.Int32",
            ParamType::UInt32 => "System.UInt32",
            ParamType::Switch => "System.Management.Automation.SwitchParameter",
            ParamType::Bytes => "System.Byte[]",
            ParamType::DateTime => "System.DateTime",
            ParamType::Guid => "System.Guid",
            ParamType::MultiBytes => "Microsoft.Exchange.Data.MultiValuedProperty`1[System.Byte[]]",
            ParamType::MultiString => {
                "Microsoft.Exchange.Data.MultiValuedProperty`1[System.String]"
            }
            ParamType::StringArray => "System.String[]",
            ParamType::Enum(name, _) | ParamType::Flags(name, _) => name,
            ParamType::EnumArray(name, _) => name,
            ParamType::Identity(name) => name,
            ParamType::SmtpAddress => "Microsoft.Exchange.Data.SmtpAddress",
            ParamType::ProxyAddress => "Microsoft.Exchange.Data.ProxyAddress",
            ParamType::ProxyAddresses => "Microsoft.Exchange.Data.ProxyAddressCollection",
            ParamType::Fqdn => "Microsoft.Exchange.Data.Fqdn",
            ParamType::Domain => "Microsoft.Exchange.Data.SmtpDomainWithSubdomains",
            ParamType::TlsCertificate => "Microsoft.Exchange.Data.TlsCertificate",
            ParamType::X509Identifier => "Microsoft.Exchange.Data.SmtpX509Identifier",
            ParamType::Unlimited => "Microsoft.Exchange.Data.Unlimited`1[System.Int32]",
            ParamType::UnlimitedSize => {
                "Microsoft.Exchange.Data.Unlimited`1[Microsoft.Exchange.Data.ByteQuantifiedSize]"
            }
            ParamType::Credential => "System.Management.Automation.PSCredential",
        }
    }

    /// The type name as Exchange's parameter tables write it (cmdlets.md "Type" column).
    pub fn documented(&self) -> &'static str {
        match self {
            ParamType::String => "String",
            ParamType::Bool => "Boolean",
            ParamType::Int32 => "Int32",
            ParamType::UInt32 => "UInt32",
            ParamType::Switch => "SwitchParameter",
            ParamType::Bytes => "Byte[]",
            ParamType::DateTime => "DateTime",
            ParamType::Guid => "Guid",
            ParamType::MultiBytes | ParamType::MultiString => "MultiValuedProperty",
            ParamType::StringArray => "String[]",
            ParamType::Enum(name, _) | ParamType::Flags(name, _) => name,
            ParamType::EnumArray(name, _) => name,
            ParamType::Identity(name) => name,
            ParamType::SmtpAddress => "SmtpAddress",
            ParamType::ProxyAddress => "ProxyAddress",
            ParamType::ProxyAddresses => "ProxyAddressCollection",
            ParamType::Fqdn => "Fqdn",
            ParamType::Domain => "SmtpDomainWithSubdomains",
            ParamType::TlsCertificate => "TlsCertificate",
            ParamType::X509Identifier => "SmtpX509Identifier",
            ParamType::Unlimited | ParamType::UnlimitedSize => "Unlimited",
            ParamType::Credential => "PSCredential",
        }
    }

    /// A short type name for people (completion lists, `mailsec check` output).
    pub fn short(&self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Bool => "bool",
            ParamType::Int32 => "int32",
            ParamType::UInt32 => "uint32",
            ParamType::Switch => "switch",
            ParamType::Bytes => "byte[]",
            ParamType::DateTime => "datetime",
            ParamType::Guid => "guid",
            ParamType::MultiBytes => "byte[][]",
            ParamType::MultiString | ParamType::StringArray => "string[]",
            ParamType::Enum(..) => "enum",
            ParamType::Flags(..) => "flags",
            ParamType::EnumArray(..) => "enum[]",
            ParamType::Identity(_) => "identity",
            ParamType::SmtpAddress => "smtp address",
            ParamType::ProxyAddress => "proxy address",
            ParamType::ProxyAddresses => "proxy address[]",
            ParamType::Fqdn => "fqdn",
            ParamType::Domain => "domain",
            ParamType::TlsCertificate => "certificate domain",
            ParamType::X509Identifier => "x509 identifier",
            ParamType::Unlimited => "int or Unlimited",
            ParamType::UnlimitedSize => "size or Unlimited",
            ParamType::Credential => "credential",
        }
    }

    /// The names an enum-like parameter takes (`Enum`, `Flags`, `EnumArray`).
    pub fn enum_values(&self) -> Option<&'static [&'static str]> {
        match self {
            ParamType::Enum(_, v) | ParamType::Flags(_, v) | ParamType::EnumArray(_, v) => Some(v),
            _ => None,
        }
    }

    /// Is it an identity (`*IdParameter`)?
    pub fn is_identity(&self) -> bool {
        matches!(self, ParamType::Identity(_))
    }

    /// Does the parameter take several values?
    pub fn is_multi(&self) -> bool {
        matches!(
            self,
            ParamType::MultiBytes
                | ParamType::MultiString
                | ParamType::StringArray
                | ParamType::ProxyAddresses
                | ParamType::EnumArray(..)
        )
    }
}

/// What a string value (or each value of a multi-valued parameter) must look like, beyond its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    None,
    /// At most this many characters.
    MaxLen(usize),
    /// An object name: 1 to 64 characters.
    Name,
    /// A mail nickname: Exchange's alias characters, at most 64, dots only between other characters.
    Alias,
    /// SimpleDisplayName's restricted character set, at most 256.
    SimpleDisplayName,
    /// An SMTP address.
    Smtp,
    /// An SMTP domain; `*.contoso.com` allowed, embedded `*` not.
    Domain,
    /// A sender domain: a domain, `*.domain`, `*`, or an address space `smtp:domain;cost`.
    SenderDomain,
    /// A domain without any wildcard (Domain Secure lists).
    DomainNoWildcard,
    /// An IPv4 address or CIDR range from /24 to /32.
    Ipv4Cidr24,
    /// An IP address, a range `a-b`, or a CIDR range (IPv4 or IPv6).
    IpRange,
    /// A smart host: an FQDN, an IP address or a CIDR range; no port.
    SmartHost,
    /// An on-premises smart host: an FQDN or an IP address (`[10.0.0.1]` allowed).
    HostOrIp,
    /// A receive connector binding: `IP:port`.
    Binding,
    /// A send connector address space: `[Type:]Space[;Cost]`, cost 1 to 100.
    AddressSpace,
    /// `domain:Capability,...` (TlsDomainCapabilities).
    DomainCapability,
    /// `Culture:text` (MailTipTranslations).
    MailTipTranslation,
    /// A TCP port, 0 to 65535.
    Port,
}

/// Where a bound parameter's value goes. Every parameter has one: nothing is silently dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// The desired-state property of this name (the same name as in the YAML and Get-* output).
    Property(&'static str),
    /// Selects the object the cmdlet acts on.
    Identity,
    /// -WhatIf / -Confirm (and -Force): how the command runs, not what it stores.
    ShouldProcess,
    /// Chooses what a Get-* returns.
    Query,
    /// Relaxes one of Exchange's checks on purpose (named in the help); stores nothing itself.
    Override,
    /// Binding it is an error that names the parameter and says why (e.g. -DomainController).
    Refused(&'static str),
}

impl Destination {
    /// Where the value goes, as help and the destination map say it.
    pub fn describe(&self) -> String {
        match self {
            Destination::Property(name) => format!("stored in the desired state as {name}"),
            Destination::Identity => "selects the object".to_string(),
            Destination::ShouldProcess => "changes how the command runs; stores nothing".into(),
            Destination::Query => "chooses what is returned".to_string(),
            Destination::Override => "relaxes a check on purpose; stores nothing".to_string(),
            Destination::Refused(why) => format!("refused: {why}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ParamSpec {
    pub name: &'static str,
    pub ty: ParamType,
    pub mandatory: bool,
    /// 0-based position for positional binding.
    pub position: Option<usize>,
    pub aliases: &'static [&'static str],
    pub help: &'static str,
    pub destination: Destination,
    /// What each value must look like beyond its type.
    pub check: Check,
}

impl ParamSpec {
    pub fn new(
        name: &'static str,
        ty: ParamType,
        destination: Destination,
        help: &'static str,
    ) -> Self {
        ParamSpec {
            name,
            ty,
            mandatory: false,
            position: None,
            aliases: &[],
            help,
            destination,
            check: Check::None,
        }
    }

    pub fn mandatory(mut self) -> Self {
        self.mandatory = true;
        self
    }

    /// Positional at `pos` (0-based; Exchange's docs count from 1).
    pub fn at(mut self, pos: usize) -> Self {
        self.position = Some(pos);
        self
    }

    pub fn check(mut self, check: Check) -> Self {
        self.check = check;
        self
    }

    pub fn aliases(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }
}

#[derive(Debug, Clone)]
pub struct Example {
    pub description: &'static str,
    pub script: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmImpact {
    /// New/Set: prompt only when `-Confirm` is given.
    Medium,
    /// Remove: prompt by default on a terminal; `-Confirm:$false` skips it.
    High,
}

#[derive(Debug, Clone)]
pub struct Signature {
    pub name: &'static str,
    pub synopsis: &'static str,
    pub params: Vec<ParamSpec>,
    pub examples: Vec<Example>,
    /// `Some` when the cmdlet supports -WhatIf/-Confirm.
    pub should_process: Option<ConfirmImpact>,
}

/// Why -DomainController (and -ReadFromDomainController) are refused.
pub const NO_DOMAIN_CONTROLLER: &str = "has no meaning in mailsec: it works on the desired state; plan and apply talk to the backends the state file names";
/// Why -Credential is refused.
pub const NO_CREDENTIAL: &str = "is not used: mailsec takes no credential on the command line; backends name an environment variable or a file for theirs";

impl Signature {
    pub fn new(name: &'static str, synopsis: &'static str) -> Self {
        Signature {
            name,
            synopsis,
            params: Vec::new(),
            examples: Vec::new(),
            should_process: None,
        }
    }

    /// Add a parameter spelled out in full.
    pub fn push_param(mut self, p: ParamSpec) -> Self {
        self.params.push(p);
        self
    }

    /// The identity parameter at position 1 (mandatory on Set/Remove, optional on Get), of the
    /// documented `*IdParameter` type.
    pub fn identity(self, id_type: &'static str, mandatory: bool, help: &'static str) -> Self {
        let p = ParamSpec::new(
            "Identity",
            ParamType::Identity(id_type),
            Destination::Identity,
            help,
        )
        .at(0);
        self.push_param(if mandatory { p.mandatory() } else { p })
    }

    /// A property parameter: its value is stored under the same name.
    pub fn property(self, name: &'static str, ty: ParamType, help: &'static str) -> Self {
        self.push_param(ParamSpec::new(name, ty, Destination::Property(name), help))
    }

    /// A property parameter whose values must pass `check`.
    pub fn checked(
        self,
        name: &'static str,
        ty: ParamType,
        check: Check,
        help: &'static str,
    ) -> Self {
        self.push_param(ParamSpec::new(name, ty, Destination::Property(name), help).check(check))
    }

    /// A mandatory property parameter, optionally positional.
    pub fn required(
        self,
        name: &'static str,
        ty: ParamType,
        position: Option<usize>,
        help: &'static str,
    ) -> Self {
        let mut p = ParamSpec::new(name, ty, Destination::Property(name), help).mandatory();
        p.position = position;
        self.push_param(p)
    }

    /// A parameter that chooses what a Get-* returns.
    pub fn query(self, name: &'static str, ty: ParamType, help: &'static str) -> Self {
        self.push_param(ParamSpec::new(name, ty, Destination::Query, help))
    }

    /// A parameter that is refused with `why` when bound.
    pub fn refused(self, name: &'static str, ty: ParamType, why: &'static str) -> Self {
        self.push_param(ParamSpec::new(
            name,
            ty,
            Destination::Refused(why),
            "An Exchange parameter mailsec refuses, naming it and the reason below.",
        ))
    }

    /// -DomainController: refused (the on-premises cmdlets have it).
    pub fn domain_controller(self) -> Self {
        self.refused("DomainController", ParamType::Fqdn, NO_DOMAIN_CONTROLLER)
    }

    /// -IgnoreDefaultScope: the identity must then be a DN.
    pub fn ignore_default_scope(self) -> Self {
        self.push_param(ParamSpec::new(
            "IgnoreDefaultScope",
            ParamType::Switch,
            Destination::Identity,
            "Forest-wide scope, as in Exchange: the Identity must then be a distinguished name (DN).",
        ))
    }

    /// -WhatIf and -Confirm.
    pub fn should_process(mut self, impact: ConfirmImpact) -> Self {
        self.should_process = Some(impact);
        self.push_param(
            ParamSpec::new(
                "WhatIf",
                ParamType::Switch,
                Destination::ShouldProcess,
                "Show what the command would change, and change nothing.",
            )
            .aliases(&["wi"]),
        )
        .push_param(
            ParamSpec::new(
                "Confirm",
                ParamType::Switch,
                Destination::ShouldProcess,
                "Ask before changing (Remove-* ask by default on a terminal; -Confirm:$false skips it).",
            )
            .aliases(&["cf"]),
        )
    }

    pub fn example(mut self, description: &'static str, script: &'static str) -> Self {
        self.examples.push(Example {
            description,
            script,
        });
        self
    }

    pub fn param(&self, name: &str) -> Option<&ParamSpec> {
        self.params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }
}
