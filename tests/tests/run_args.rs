//! `mailsec run FILE.ps1 ARGS...` and `mailsec FILE.ps1 ARGS...`: the script's param() block binds the
//! arguments (by name with `-Name value`, by position, switches), and a script without one gets `$args`.

use mailsec_e2e::Workspace;

const SCRIPT: &str = r#"param(
    [Parameter(Mandatory)][string]$Name,
    [string]$Domain = 'contoso.com',
    [switch]$Preview
)
New-MailContact -Name $Name -ExternalEmailAddress "$Name@$Domain" -WhatIf:$Preview
"contact $Name at $Domain; preview $Preview"
"#;

fn workspace() -> Workspace {
    let ws = Workspace::new();
    ws.write("add-contact.ps1", SCRIPT);
    ws
}

#[test]
fn named_arguments_bind_to_the_param_block() {
    let ws = workspace();
    let r = ws.mailsec(&[
        "run",
        "add-contact.ps1",
        "-Name",
        "jo",
        "-Domain",
        "fabrikam.com",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains("contact jo at fabrikam.com; preview False"),
        "{r:?}"
    );
    let yaml = ws.read("mailsec.yaml");
    assert!(yaml.contains("jo@fabrikam.com"), "{yaml}");
}

#[test]
fn positional_arguments_defaults_and_the_short_form() {
    let ws = workspace();
    let r = ws.mailsec(&["add-contact.ps1", "ann"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("contact ann at contoso.com"), "{r:?}");
    let r = ws.mailsec(&["add-contact.ps1", "bob", "tailspin.example"]);
    assert_eq!(r.code, 0, "{r:?}");
    let yaml = ws.read("mailsec.yaml");
    assert!(
        yaml.contains("ann@contoso.com") && yaml.contains("bob@tailspin.example"),
        "{yaml}"
    );
}

#[test]
fn a_switch_argument_and_the_colon_form() {
    let ws = workspace();
    let r = ws.mailsec(&["run", "add-contact.ps1", "-Name", "cy", "-Preview"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("What if: "), "{r:?}");
    assert!(r.stdout.contains("preview True"), "{r:?}");
    assert!(
        !ws.read("mailsec.yaml").contains("cy@contoso.com"),
        "nothing saved under -WhatIf"
    );
    let r = ws.mailsec(&[
        "run",
        "add-contact.ps1",
        "-Name:dee",
        "-Domain:fabrikam.com",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(ws.read("mailsec.yaml").contains("dee@fabrikam.com"));
}

#[test]
fn a_missing_mandatory_or_unknown_parameter_is_an_error_and_nothing_runs() {
    let ws = workspace();
    let r = ws.mailsec(&["run", "add-contact.ps1", "-Domain", "fabrikam.com"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("Name"), "{r:?}");
    assert!(!r.stdout.contains("contact"), "{r:?}");
    let r = ws.mailsec(&["run", "add-contact.ps1", "-Name", "x", "-Frobnicate", "1"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("Frobnicate"), "{r:?}");
    assert!(!ws.path().join("mailsec.yaml").exists() || !ws.read("mailsec.yaml").contains("x@"));
}

#[test]
fn a_script_without_param_gets_args() {
    let ws = Workspace::new();
    ws.write(
        "echo.ps1",
        "\"count $($args.Count)\"\nforeach ($a in $args) { \"[$a]\" }\n",
    );
    let r = ws.mailsec(&["run", "echo.ps1", "one", "-two", "three four"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "count 3\n[one]\n[-two]\n[three four]\n");
    let r = ws.mailsec(&["echo.ps1"]);
    assert_eq!(r.stdout, "count 0\n", "{r:?}");
}
