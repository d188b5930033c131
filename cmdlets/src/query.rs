//! What Get-* returns: `-Filter` (OPATH), `-Anr`, `-OrganizationalUnit`, `-RecipientTypeDetails`, `-SortBy` and
//! `-ResultSize` (default 1000; a cut result says how many objects were left out: no silent cap).

use mailsec_state::model::index::canonical_name;

use crate::context::{Bound, Context};
use crate::convert::{to_string, to_unlimited};
use crate::identity::is_dn;
use crate::opath;
use crate::value::{Object, Value};
use crate::CmdletError;

/// Exchange's default `-ResultSize`.
pub const DEFAULT_RESULT_SIZE: usize = 1000;

/// `-ResultSize`: `None` = Unlimited.
pub fn result_size(args: &Bound) -> Result<Option<usize>, CmdletError> {
    match args.get("ResultSize") {
        None | Some(Value::Null) => Ok(Some(DEFAULT_RESULT_SIZE)),
        Some(v) => {
            let t = to_unlimited("ResultSize", v)?;
            if t == "Unlimited" {
                Ok(None)
            } else {
                t.parse::<usize>().map(Some).map_err(|_| {
                    CmdletError::invalid("ResultSize", "ResultSize must be a number or Unlimited.")
                })
            }
        }
    }
}

fn text(o: &Object, p: &str) -> String {
    match o.get(p) {
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

/// The text of a `-Filter`: a string, or a script block (`{ Alias -eq 'x' }`, whose source text the shell
/// hands over as the `Ast` property of a ScriptBlock object).
pub fn filter_text(v: &Value) -> Result<String, CmdletError> {
    match v {
        Value::Object(o) if o.type_name.ends_with("ScriptBlock") => match o.get("Ast") {
            Some(Value::String(s)) => Ok(format!("{{{s}}}")),
            _ => to_string("Filter", v),
        },
        other => to_string("Filter", other),
    }
}

/// Ambiguous name resolution: a prefix of the name, display name, first or last name (either order), alias
/// or an SMTP address.
fn anr_matches(o: &Object, anr: &str) -> bool {
    let a = anr.trim().to_lowercase();
    if a.is_empty() {
        return true;
    }
    let starts = |s: &str| s.to_lowercase().starts_with(&a);
    let (first, last) = (text(o, "FirstName"), text(o, "LastName"));
    ["Name", "DisplayName", "FirstName", "LastName", "Alias"]
        .iter()
        .any(|p| starts(&text(o, p)))
        || starts(&format!("{first} {last}"))
        || starts(&format!("{last} {first}"))
        || match o.get("EmailAddresses") {
            Some(Value::Array(items)) => items.read().iter().any(|i| {
                let s = i.to_string();
                starts(s.split_once(':').map_or(s.as_str(), |(_, r)| r))
            }),
            _ => false,
        }
        || starts(&text(o, "PrimarySmtpAddress"))
}

/// Is the object in (or under) the organizational unit `ou` (a DN, a canonical name, or an OU's name)?
fn in_ou(o: &Object, ou: &str) -> bool {
    let ou = ou.trim();
    let dn = text(o, "DistinguishedName");
    let own = text(o, "OrganizationalUnit");
    if is_dn(ou) {
        let suffix = format!(",{}", ou.to_lowercase());
        return dn.to_lowercase().ends_with(&suffix) || own.eq_ignore_ascii_case(ou);
    }
    if ou.contains('/') || ou.contains('.') {
        let canonical = canonical_name(&dn).unwrap_or_default().to_lowercase();
        let prefix = format!("{}/", ou.trim_end_matches('/').to_lowercase());
        return canonical.starts_with(&prefix) || own.eq_ignore_ascii_case(ou);
    }
    own.eq_ignore_ascii_case(ou)
        || own
            .rsplit('/')
            .next()
            .is_some_and(|last| last.eq_ignore_ascii_case(ou))
        || dn.split(',').skip(1).any(|rdn| {
            rdn.split_once('=').is_some_and(|(a, v)| {
                a.trim().eq_ignore_ascii_case("ou") && v.trim().eq_ignore_ascii_case(ou)
            })
        })
}

/// The Get-* query parameters a cmdlet supports, applied to its objects in Exchange's order.
pub struct Query<'a> {
    /// The properties `-SortBy` accepts.
    pub sort_by: &'a [&'a str],
}

impl Query<'_> {
    pub fn run(
        &self,
        args: &Bound,
        ctx: &mut Context,
        objects: Vec<Value>,
    ) -> Result<Vec<Value>, CmdletError> {
        let size = result_size(args)?;
        let filter = match args.get("Filter") {
            None | Some(Value::Null) => None,
            Some(v) => Some(opath::parse(&filter_text(v)?)?),
        };
        let anr = args
            .get("Anr")
            .filter(|v| !matches!(v, Value::Null))
            .map(|v| to_string("Anr", v))
            .transpose()?;
        let ou = args
            .get("OrganizationalUnit")
            .filter(|v| !matches!(v, Value::Null))
            .map(|v| to_string("OrganizationalUnit", v))
            .transpose()?;
        let types: Option<Vec<String>> = match args.get("RecipientTypeDetails") {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) => Some(a.read().iter().map(|v| v.to_string()).collect()),
            Some(v) => Some(
                v.to_string()
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .collect(),
            ),
        };
        let sort = match args.get("SortBy") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let s = to_string("SortBy", v)?;
                let key = s.trim().trim_start_matches('+').trim_start_matches('-');
                match self.sort_by.iter().find(|k| k.eq_ignore_ascii_case(key)) {
                    Some(k) => Some(*k),
                    None => {
                        return Err(CmdletError::invalid(
                            "SortBy",
                            format!(
                                "\"{s}\" isn't a property you can sort by. Use one of: {}.",
                                self.sort_by.join(", ")
                            ),
                        ))
                    }
                }
            }
        };
        let mut out = Vec::new();
        let mut known: Option<Vec<String>> = None;
        for v in objects {
            let Value::Object(o) = &v else {
                continue;
            };
            if let Some(f) = &filter {
                let names = known
                    .get_or_insert_with(|| o.props.read().iter().map(|(k, _)| k.clone()).collect());
                f.check_properties(names)?;
                if !f.matches(o) {
                    continue;
                }
            }
            if anr.as_deref().is_some_and(|a| !anr_matches(o, a)) {
                continue;
            }
            if ou.as_deref().is_some_and(|u| !in_ou(o, u)) {
                continue;
            }
            if let Some(t) = &types {
                let own = text(o, "RecipientTypeDetails");
                if !t.iter().any(|x| x.eq_ignore_ascii_case(&own)) {
                    continue;
                }
            }
            out.push(v);
        }
        if let Some(key) = sort {
            out.sort_by_cached_key(|v| match v {
                Value::Object(o) => text(o, key).to_lowercase(),
                _ => String::new(),
            });
        }
        if let Some(n) = size {
            if out.len() > n {
                let left = out.len() - n;
                out.truncate(n);
                ctx.warn(format!(
                    "There are more results available than are currently displayed: {left} more {} left out by -ResultSize {n}{}. To view them, increase the value for the ResultSize parameter, or use -ResultSize Unlimited.",
                    if left == 1 { "was" } else { "were" },
                    if args.has("ResultSize") { "" } else { " (the default)" },
                ));
            }
        }
        Ok(out)
    }
}
