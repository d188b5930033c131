//! New-Object: the .NET types scripts create (ArrayList, X509Certificate2, ... in `eval::objects`), and
//! `New-Object PSObject -Property @{...}`, the way older scripts build report rows.

use mailsec_cmdlets::{Object, Value};

use super::args::{at, named};
use super::convert::CUSTOM_OBJECT;
use super::{Builtin, Call};
use crate::eval::RuntimeError;

pub const BUILTINS: &[Builtin] = &[Builtin::new(
    "New-Object",
    "Creates an object: System.Collections.ArrayList, X509Certificate2(path or bytes), X509Certificate2Collection, or PSObject -Property @{...}.",
    new_object,
)
.params(&[
    at(0, "TypeName", "String", "The type to create."),
    at(1, "ArgumentList", "Object[]", "The constructor's arguments: New-Object TYPE(a, b) or -ArgumentList a,b.")
        .aliases(&["Args"]),
    named("Property", "IDictionary", "Properties to set: @{Name='x'; Value=1}."),
    named("ComObject", "String", "Not supported in mailsec."),
    named("Strict", "SwitchParameter", "Accepted."),
])
.examples(&[
    ("The list the Exchange how-to fills", "$certArray = New-Object System.Collections.ArrayList"),
    ("A certificate from a file", "$cert = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2('baptiste.cer')"),
    ("A report row", "New-Object PSObject -Property @{Name='baptiste'; Days=30}"),
])];

fn new_object(c: &mut Call) -> Result<Vec<Value>, RuntimeError> {
    if c.args.has("ComObject") {
        return Err(c
            .error_at("ComObject", "COM objects are not supported in mailsec.")
            .help("mailsec supports ArrayList, the X509 certificate types and PSObject"));
    }
    let Some(t) = c.args.text("TypeName") else {
        return Err(c
            .error("Cannot process command because of one or more missing mandatory parameters: TypeName.")
            .help("for example New-Object System.Collections.ArrayList"));
    };
    let ctor: Vec<Value> = c
        .args
        .get("ArgumentList")
        .map(|v| crate::eval::unroll(v.clone()))
        .unwrap_or_default();
    let short = t.trim().to_lowercase();
    let short = short.rsplit('.').next().unwrap_or(&short);
    let props = match c.args.get("Property") {
        None => Vec::new(),
        Some(Value::Hashtable(h)) => h.snapshot(),
        Some(Value::Object(o)) => o.props.snapshot(),
        Some(other) => {
            return Err(c
                .error_at(
                    "Property",
                    format!(
                        "Cannot convert a {} to a dictionary of properties.",
                        other.type_name()
                    ),
                )
                .help("give a hashtable: -Property @{Name='x'; Value=1}"))
        }
    };
    if matches!(short, "psobject" | "pscustomobject" | "object") {
        return Ok(vec![Value::Object(Object {
            type_name: CUSTOM_OBJECT.into(),
            props: props.into(),
            default_columns: Vec::new(),
        })]);
    }
    let mut v = crate::eval::objects::new_object(
        &t,
        &ctor,
        c.base_dir,
        c.args.span("TypeName").unwrap_or(c.span),
    )
    .map_err(|mut e| {
        e.command = Some(c.name().to_string());
        e
    })?;
    // -Property on another type sets (or adds) those properties.
    if let Value::Object(o) = &mut v {
        let mut own = o
            .props
            .write()
            .map_err(|e| crate::eval::in_use(e, c.span))?;
        for (k, val) in props {
            match own.iter_mut().find(|(x, _)| x.eq_ignore_ascii_case(&k)) {
                Some(slot) => slot.1 = val,
                None => own.push((k, val)),
            }
        }
    } else if !props.is_empty() {
        return Err(c
            .error_at(
                "Property",
                format!("-Property cannot set properties on a {t}."),
            )
            .help("use -Property with New-Object PSObject"));
    }
    Ok(vec![v])
}

#[cfg(test)]
mod tests {
    use super::super::testing::run;

    #[test]
    fn psobject_with_properties_in_order() {
        let o = run("$r = New-Object PSObject -Property @{Name='jo'; Days=3}\n$r.Days\n$r | ConvertTo-Json -Compress");
        assert_eq!(o.ok(), "3\n{\"Name\":\"jo\",\"Days\":3}\n");
    }

    #[test]
    fn dotnet_types_and_errors() {
        let o = run("$a = New-Object System.Collections.ArrayList\n$a.Count\n$b = New-Object -TypeName System.Collections.ArrayList");
        assert_eq!(o.ok(), "0\n");
        let o = run("New-Object\nNew-Object -ComObject Outlook.Application\nNew-Object System.Net.WebClient\nNew-Object PSObject -Property 3");
        let m = o.messages();
        assert!(m[0].contains("TypeName"), "{m:?}");
        assert!(m[1].contains("COM objects"), "{m:?}");
        assert!(
            m[2].contains("[System.Net.WebClient] is not supported"),
            "{m:?}"
        );
        assert!(m[3].contains("dictionary"), "{m:?}");
        assert!(o
            .errors
            .iter()
            .all(|e| e.command.as_deref() == Some("New-Object")));
    }
}
