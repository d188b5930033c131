//! Session plumbing from real scripts (Connect-ExchangeOnline, Import-Module, ...): accepted with any
//! arguments, never failing, each printing one line that says what mailsec does instead.

use mailsec_cmdlets::Value;

use super::{Builtin, Call};
use crate::eval::RuntimeError;

const STATE: &str = "mailsec works on the desired state (mailsec.yaml); `mailsec plan` shows the changes and `mailsec apply` talks to the backends";
const BUILT_IN: &str = "the Exchange cmdlets are built into mailsec (`Get-Command` lists them)";

/// (name, what it is replaced by)
const PLUMBING: &[(&str, &str, &str)] = &[
    (
        "Connect-ExchangeOnline",
        "Accepted: there is no session to open.",
        STATE,
    ),
    (
        "Connect-IPPSSession",
        "Accepted: there is no session to open.",
        STATE,
    ),
    (
        "Disconnect-ExchangeOnline",
        "Accepted: there is no session to close.",
        STATE,
    ),
    (
        "New-PSSession",
        "Accepted: there is no remote session to open; returns $null.",
        STATE,
    ),
    (
        "Import-PSSession",
        "Accepted: there is no remote session to import.",
        BUILT_IN,
    ),
    (
        "Remove-PSSession",
        "Accepted: there is no remote session to close.",
        STATE,
    ),
    (
        "Get-PSSession",
        "Accepted: there are no remote sessions; returns nothing.",
        STATE,
    ),
    (
        "Import-Module",
        "Accepted: there are no modules to load.",
        BUILT_IN,
    ),
    (
        "Install-Module",
        "Accepted: nothing is installed.",
        BUILT_IN,
    ),
    ("Update-Module", "Accepted: nothing is updated.", BUILT_IN),
    (
        "Set-ExecutionPolicy",
        "Accepted: mailsec runs scripts without an execution policy.",
        "mailsec runs the script it is given; nothing to allow",
    ),
    (
        "Get-Credential",
        "Accepted: returns $null; nothing needs a sign-in here.",
        STATE,
    ),
];

const fn entry(name: &'static str, synopsis: &'static str) -> Builtin {
    Builtin::new(name, synopsis, plumbing).any_args()
}

pub const BUILTINS: &[Builtin] = &[
    entry(PLUMBING[0].0, PLUMBING[0].1),
    entry(PLUMBING[1].0, PLUMBING[1].1),
    entry(PLUMBING[2].0, PLUMBING[2].1),
    entry(PLUMBING[3].0, PLUMBING[3].1),
    entry(PLUMBING[4].0, PLUMBING[4].1),
    entry(PLUMBING[5].0, PLUMBING[5].1),
    entry(PLUMBING[6].0, PLUMBING[6].1),
    entry(PLUMBING[7].0, PLUMBING[7].1).aliases(&["ipmo"]),
    entry(PLUMBING[8].0, PLUMBING[8].1),
    entry(PLUMBING[9].0, PLUMBING[9].1),
    entry(PLUMBING[10].0, PLUMBING[10].1),
    entry(PLUMBING[11].0, PLUMBING[11].1),
];

/// The first value given (a module name, ...), to name it in the line.
fn subject(c: &Call) -> Option<String> {
    c.raw.iter().find_map(|a| match a {
        crate::binder::Arg::Value(v, _) => Some(v.to_string()),
        crate::binder::Arg::Param {
            name,
            value: Some((v, _)),
            ..
        } if name.eq_ignore_ascii_case("Name") => Some(v.to_string()),
        _ => None,
    })
}

fn plumbing(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    let name = c.name();
    let instead = PLUMBING
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, _, i)| *i)
        .unwrap_or(STATE);
    let what = match (name, subject(c)) {
        ("Import-Module" | "Install-Module" | "Update-Module", Some(m)) => format!("{name} {m}"),
        _ => name.to_string(),
    };
    c.print(&format!("{what}: not needed in mailsec; {instead}.\n"));
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::super::testing::run;

    #[test]
    fn plumbing_is_accepted_and_says_what_instead() {
        let o = run("Import-Module ExchangeOnlineManagement\nConnect-ExchangeOnline -UserPrincipalName admin@contoso.com -ShowBanner:$false\n$s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://x/powershell -Authentication Basic -AllowRedirection\nImport-PSSession $s -DisableNameChecking\nInstall-Module -Name ExchangeOnlineManagement -Scope CurrentUser -Force\nDisconnect-ExchangeOnline -Confirm:$false\n$s -eq $null");
        let out = o.ok();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 7, "{out}");
        assert!(lines[0].starts_with("Import-Module ExchangeOnlineManagement: not needed in mailsec; the Exchange cmdlets are built into mailsec"), "{out}");
        assert!(
            lines[1].contains("`mailsec apply` talks to the backends"),
            "{out}"
        );
        assert!(
            lines[4].starts_with("Install-Module ExchangeOnlineManagement:"),
            "{out}"
        );
        assert_eq!(lines[6], "True");
    }
}
