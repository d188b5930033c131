//! Cmdlet signatures: the single source of truth for binding, help, completion and the parameter→destination map.

/// How a parameter's value is converted and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    String,
    Bool,
    UInt32,
    /// A `[switch]`: present = `$true`, or `-Name:$false`.
    Switch,
    /// `byte[]` (e.g. SMIMECertificateIssuingCA).
    Bytes,
    /// `MultiValuedProperty<byte[]>`: an array replaces, `$null` clears, `@{Add=..;Remove=..}` edits.
    MultiBytes,
    /// `MultiValuedProperty<string>`, with the same replace/clear/edit forms.
    MultiString,
    /// One of a fixed set of names (matched case-insensitively, stored in canonical case).
    Enum(&'static [&'static str]),
    /// An identity (`*IdParameter`): name, alias, address, DN or GUID.
    Identity,
}

impl ParamType {
    /// The .NET type name Exchange documents, for help and conversion errors.
    pub fn dotnet(&self) -> &'static str {
        match self {
            ParamType::String => "System.String",
            ParamType::Bool => "System.Boolean",
            ParamType::UInt32 => "System.UInt32",
            ParamType::Switch => "System.Management.Automation.SwitchParameter",
            ParamType::Bytes => "System.Byte[]",
            ParamType::MultiBytes => "Microsoft.Exchange.Data.MultiValuedProperty`1[System.Byte[]]",
            ParamType::MultiString => {
                "Microsoft.Exchange.Data.MultiValuedProperty`1[System.String]"
            }
            ParamType::Enum(_) => "System.Enum",
            ParamType::Identity => "IdParameter",
        }
    }
}

/// Where a bound parameter's value goes. Every parameter has one: nothing is silently dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// The desired-state property of this name (the same name as in the YAML and Get-* output).
    Property(&'static str),
    /// Selects the object the cmdlet acts on.
    Identity,
    /// -WhatIf / -Confirm: how the command runs, not what it stores.
    ShouldProcess,
    /// Chooses what a Get-* returns.
    Query,
    /// Relaxes one of Exchange's checks on purpose (named in the help); stores nothing itself.
    Override,
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

    /// Add a parameter spelled out in full (for the rare one the helpers above do not cover).
    pub fn push_param(self, p: ParamSpec) -> Self {
        self.push(p)
    }

    fn push(mut self, p: ParamSpec) -> Self {
        self.params.push(p);
        self
    }

    /// The identity parameter at position 0 (mandatory on Set/Remove, optional on Get).
    pub fn identity(self, mandatory: bool, help: &'static str) -> Self {
        self.push(ParamSpec {
            name: "Identity",
            ty: ParamType::Identity,
            mandatory,
            position: Some(0),
            aliases: &[],
            help,
            destination: Destination::Identity,
        })
    }

    /// A property parameter: its value is stored under the same name.
    pub fn property(self, name: &'static str, ty: ParamType, help: &'static str) -> Self {
        self.push(ParamSpec {
            name,
            ty,
            mandatory: false,
            position: None,
            aliases: &[],
            help,
            destination: Destination::Property(name),
        })
    }

    /// A mandatory property parameter, optionally positional.
    pub fn required(
        self,
        name: &'static str,
        ty: ParamType,
        position: Option<usize>,
        help: &'static str,
    ) -> Self {
        self.push(ParamSpec {
            name,
            ty,
            mandatory: true,
            position,
            aliases: &[],
            help,
            destination: Destination::Property(name),
        })
    }

    /// -WhatIf and -Confirm.
    pub fn should_process(mut self, impact: ConfirmImpact) -> Self {
        self.should_process = Some(impact);
        self.push(ParamSpec {
            name: "WhatIf",
            ty: ParamType::Switch,
            mandatory: false,
            position: None,
            aliases: &["wi"],
            help: "Show what the command would change, and change nothing.",
            destination: Destination::ShouldProcess,
        })
        .push(ParamSpec {
            name: "Confirm",
            ty: ParamType::Switch,
            mandatory: false,
            position: None,
            aliases: &["cf"],
            help: "Ask before changing (Remove-* ask by default on a terminal; -Confirm:$false skips it).",
            destination: Destination::ShouldProcess,
        })
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
