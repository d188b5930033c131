//! What the connector cmdlets share (inbound, outbound, send, receive): the view, identity lookup, and
//! New/Set/Get/Remove over a connector type, with every value and rule checked before the operation is made.

use mailsec_state::backend::LiveState;
use mailsec_state::model::{DesiredState, ObjectKind, ObjectRef, Violation};
use mailsec_state::ops::Operation;
use mailsec_state::Uuid;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::context::{Bound, Context};
use crate::convert::{property_json, to_string};
use crate::identity::{resolve, Candidate};
use crate::objects::{present, source, Layout};
use crate::query::Query;
use crate::signature::{Destination, ParamType, Signature};
use crate::value::Value;
use crate::CmdletError;

/// The changes of one command, as (property, new value).
pub type Patch = Vec<(String, Json)>;

/// One connector type's place in the model and its Exchange rules.
pub trait ConnectorKind: Clone + Serialize + DeserializeOwned + PartialEq {
    const KIND: ObjectKind;
    const COLUMNS: &'static [&'static str];
    fn desired(s: &DesiredState) -> &Vec<Self>;
    fn live(l: &LiveState) -> &Vec<Self>;
    fn guid(&self) -> Uuid;
    fn name(&self) -> &str;
    fn fresh(guid: Uuid, name: &str) -> Self;
    fn new_op(self) -> Operation;
    /// The object's own rules (cmdlets.md 4.1 / 5.1).
    fn validate(&self) -> Vec<Violation>;
    /// Output properties in Exchange's order, each with the value shown when unset.
    fn layout() -> Vec<(&'static str, Json)> {
        Vec::new()
    }
    /// Properties shown differently from the stored form (e.g. SenderDomains as address spaces).
    fn shown(&self) -> Vec<(String, Value)> {
        Vec::new()
    }
    /// Adjust the changes of one command before they are applied (usage switches, defaults).
    fn adjust(_args: &Bound, _patch: &mut Patch, _creating: bool) -> Result<(), CmdletError> {
        Ok(())
    }
    /// Rules across objects (checked against the desired state and the backends), and warnings.
    fn check_with(
        &self,
        _ctx: &mut Context,
        _others: &[Self],
        _args: &Bound,
    ) -> Result<(), CmdletError> {
        Ok(())
    }
}

/// Desired connectors (managed), then those only a backend has (read-only); removed ones are gone.
pub fn view<C: ConnectorKind>(ctx: &Context) -> Vec<(C, bool)> {
    let mut out: Vec<(C, bool)> = C::desired(ctx.state)
        .iter()
        .map(|c| (c.clone(), true))
        .collect();
    for l in C::live(ctx.live) {
        let removed = ctx.state.removals.iter().any(|r| r.guid == l.guid());
        if !removed && !out.iter().any(|(c, _)| c.guid() == l.guid()) {
            out.push((l.clone(), false));
        }
    }
    out
}

fn find<C: ConnectorKind>(args: &Bound, ctx: &Context) -> Result<(C, bool), CmdletError> {
    let id = to_string("Identity", args.get("Identity").unwrap_or(&Value::Null))?;
    let all = view::<C>(ctx);
    let cands: Vec<Candidate> = all
        .iter()
        .map(|(c, _)| Candidate::new(c.guid(), c.name()).of_kind(C::KIND))
        .collect();
    let guid = resolve(&id, &cands, &ctx.location)?.guid;
    all.into_iter()
        .find(|(c, _)| c.guid() == guid)
        .ok_or(CmdletError::NotFound {
            identity: id,
            location: ctx.location.clone(),
        })
}

pub fn output<C: ConnectorKind>(c: &C, managed: bool) -> Value {
    let mut layout = vec![
        ("Identity", Json::String(c.name().to_string())),
        ("Name", Json::Null),
    ];
    layout.extend(C::layout());
    layout.extend([
        ("Guid", Json::String(c.guid().to_string())),
        ("IsValid", Json::Bool(true)),
    ]);
    let mut extra = c.shown();
    extra.push(source(managed));
    present(
        C::KIND.noun(),
        c,
        &Layout::new(layout),
        extra,
        C::COLUMNS.to_vec(),
    )
}

/// The property changes the bound arguments ask for, checked against the current object.
fn changes<C: ConnectorKind>(
    sig: &Signature,
    args: &Bound,
    current: &C,
) -> Result<Patch, CmdletError> {
    let cur = match serde_json::to_value(current) {
        Ok(Json::Object(m)) => m,
        _ => Map::new(),
    };
    let mut out = Vec::new();
    for (pname, value) in &args.values {
        let Some(spec) = sig.param(pname) else {
            continue;
        };
        let Destination::Property(prop) = spec.destination else {
            continue;
        };
        if spec.ty == ParamType::Switch {
            // Usage switches (-Internet, -Partner ...) are turned into Usage by `adjust`.
            continue;
        }
        out.push((prop.to_string(), property_json(spec, value, cur.get(prop))?));
    }
    Ok(out)
}

/// The broken rules as one error naming the first property at fault.
pub fn violations(object: &str, v: Vec<Violation>) -> Result<(), CmdletError> {
    match v.first() {
        None => Ok(()),
        Some(first) => Err(CmdletError::Invalid {
            param: Some(first.property.to_string()),
            message: if v.len() == 1 {
                first.message.clone()
            } else {
                format!(
                    "{object} would be invalid: {}",
                    v.iter()
                        .map(|x| x.message.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            },
        }),
    }
}

fn patched<C: ConnectorKind>(base: &C, patch: &Patch) -> Result<C, CmdletError> {
    mailsec_state::patch::set_properties(base, patch.iter().cloned()).map_err(|message| {
        CmdletError::Invalid {
            param: None,
            message,
        }
    })
}

fn others<C: ConnectorKind>(ctx: &Context, me: Uuid) -> Vec<C> {
    view::<C>(ctx)
        .into_iter()
        .filter(|(c, _)| c.guid() != me)
        .map(|(c, _)| c)
        .collect()
}

pub fn new<C: ConnectorKind>(
    sig: &Signature,
    args: &Bound,
    ctx: &mut Context,
) -> Result<Vec<Value>, CmdletError> {
    let name = to_string("Name", args.get("Name").unwrap_or(&Value::Null))?;
    crate::checks::check_value("Name", crate::signature::Check::Name, &name)?;
    if let Some((c, _)) = view::<C>(ctx)
        .into_iter()
        .find(|(c, _)| c.name().eq_ignore_ascii_case(&name))
    {
        return Err(duplicate::<C>(ctx, &name, &c));
    }
    let base = C::fresh(Uuid::new_v4(), &name);
    let mut patch = changes(sig, args, &base)?;
    C::adjust(args, &mut patch, true)?;
    let connector: C = patched(&base, &patch)?;
    violations(
        &format!("{} '{}'", C::KIND.noun(), name),
        connector.validate(),
    )?;
    connector.check_with(ctx, &others::<C>(ctx, connector.guid()), args)?;
    ctx.submit(connector.clone().new_op())?;
    Ok(if ctx.what_if {
        Vec::new()
    } else {
        vec![output(&connector, true)]
    })
}

fn duplicate<C: ConnectorKind>(ctx: &Context, name: &str, existing: &C) -> CmdletError {
    CmdletError::Duplicate {
        param: "Name".into(),
        message: format!(
            "Active Directory operation failed on '{}'. The object '{name}' already exists: it is the {} '{}' (Guid {}).",
            ctx.location,
            C::KIND.noun(),
            existing.name(),
            existing.guid()
        ),
    }
}

pub fn set<C: ConnectorKind>(
    sig: &Signature,
    args: &Bound,
    ctx: &mut Context,
) -> Result<Vec<Value>, CmdletError> {
    let (current, managed) = find::<C>(args, ctx)?;
    let target = ObjectRef {
        kind: C::KIND,
        guid: current.guid(),
        name: current.name().to_string(),
    };
    if !managed {
        return Err(CmdletError::ReadOnly {
            what: target.to_string(),
            hint: "It was not created through mailsec, so mailsec does not own it.".into(),
        });
    }
    let mut patch = changes(sig, args, &current)?;
    C::adjust(args, &mut patch, false)?;
    if let Some((_, Json::String(n))) = patch.iter().find(|(k, _)| k == "Name") {
        crate::checks::check_value("Name", crate::signature::Check::Name, n)?;
        if let Some((c, _)) = view::<C>(ctx)
            .into_iter()
            .find(|(c, _)| c.guid() != current.guid() && c.name().eq_ignore_ascii_case(n))
        {
            return Err(duplicate::<C>(ctx, n, &c));
        }
    }
    let cur = serde_json::to_value(&current).unwrap_or(Json::Null);
    patch.retain(|(k, v)| {
        let old = cur.get(k).unwrap_or(&Json::Null);
        !mailsec_state::plan::same_value(k, old, v) || (k == "Name" && old != v)
    });
    let updated: C = patched(&current, &patch)?;
    violations(&target.to_string(), updated.validate())?;
    updated.check_with(ctx, &others::<C>(ctx, updated.guid()), args)?;
    let changed = !patch.is_empty()
        && ctx.submit(Operation::SetConnector {
            target: target.clone(),
            changes: patch,
        })?;
    if !changed && !ctx.what_if {
        ctx.warn_unchanged(&target.name);
    }
    Ok(Vec::new())
}

pub fn get<C: ConnectorKind>(
    args: &Bound,
    ctx: &mut Context,
    keep: impl Fn(&C) -> bool,
) -> Result<Vec<Value>, CmdletError> {
    let selected = match args.get("Identity") {
        None | Some(Value::Null) => view::<C>(ctx),
        Some(_) => vec![find::<C>(args, ctx)?],
    };
    let objects = selected
        .iter()
        .filter(|(c, _)| keep(c))
        .map(|(c, m)| output(c, *m))
        .collect();
    Query { sort_by: &[] }.run(args, ctx, objects)
}

pub fn remove<C: ConnectorKind>(
    args: &Bound,
    ctx: &mut Context,
) -> Result<Vec<Value>, CmdletError> {
    let (c, managed) = find::<C>(args, ctx)?;
    let target = ObjectRef {
        kind: C::KIND,
        guid: c.guid(),
        name: c.name().to_string(),
    };
    if !managed {
        return Err(CmdletError::ReadOnly {
            what: target.to_string(),
            hint: "It was not created through mailsec, so mailsec does not own it.".into(),
        });
    }
    ctx.submit(Operation::Remove { target })?;
    Ok(Vec::new())
}
