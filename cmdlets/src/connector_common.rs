//! What the inbound and outbound connector cmdlets share: the view, identity lookup, and New/Set/Get/Remove over a connector type.

use mailsec_state::backend::LiveState;
use mailsec_state::model::{DesiredState, ObjectKind, ObjectRef};
use mailsec_state::ops::{OpError, Operation};
use mailsec_state::Uuid;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value as Json;

use crate::context::{Bound, Context};
use crate::convert::{property_json, to_string};
use crate::identity::{resolve, Candidate};
use crate::objects::{object_of, source};
use crate::signature::{Destination, Signature};
use crate::value::Value;
use crate::CmdletError;

/// One connector type's place in the model.
pub trait ConnectorKind: Clone + Serialize + DeserializeOwned {
    const KIND: ObjectKind;
    const COLUMNS: &'static [&'static str];
    fn desired(s: &DesiredState) -> &Vec<Self>;
    fn live(l: &LiveState) -> &Vec<Self>;
    fn guid(&self) -> Uuid;
    fn name(&self) -> &str;
    fn fresh(guid: Uuid, name: &str) -> Self;
    fn new_op(self) -> Operation;
}

fn view<C: ConnectorKind>(ctx: &Context) -> Vec<(C, bool)> {
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
        .map(|(c, _)| Candidate::new(c.guid(), c.name()))
        .collect();
    let guid = resolve(&id, &cands, &ctx.location)?.guid;
    all.into_iter()
        .find(|(c, _)| c.guid() == guid)
        .ok_or(CmdletError::NotFound {
            identity: id,
            location: ctx.location.clone(),
        })
}

fn output<C: ConnectorKind>(c: &C, managed: bool) -> Value {
    object_of(
        C::KIND.noun(),
        c,
        vec![source(managed)],
        C::COLUMNS.to_vec(),
    )
}

/// The property changes the bound arguments ask for, checked against the current object.
fn changes<C: ConnectorKind>(
    sig: &Signature,
    args: &Bound,
    current: &C,
) -> Result<Vec<(String, Json)>, CmdletError> {
    let cur = serde_json::to_value(current).unwrap_or(Json::Null);
    let mut out = Vec::new();
    for (pname, value) in &args.values {
        let Some(spec) = sig.param(pname) else {
            continue;
        };
        let Destination::Property(prop) = spec.destination else {
            continue;
        };
        out.push((prop.to_string(), property_json(spec, value, cur.get(prop))?));
    }
    Ok(out)
}

fn invalid(e: String) -> CmdletError {
    CmdletError::Invalid {
        param: None,
        message: e,
    }
}

pub fn new<C: ConnectorKind>(
    sig: &Signature,
    args: &Bound,
    ctx: &mut Context,
) -> Result<Vec<Value>, CmdletError> {
    let name = to_string("Name", args.get("Name").unwrap_or(&Value::Null))?;
    if name.trim().is_empty() || name.chars().count() > 64 {
        return Err(CmdletError::invalid(
            "Name",
            "Name must be 1 to 64 characters.",
        ));
    }
    if let Some((c, _)) = view::<C>(ctx)
        .into_iter()
        .find(|(c, _)| c.name().eq_ignore_ascii_case(&name))
    {
        return Err(OpError::AlreadyExists {
            kind: C::KIND.noun(),
            name: c.name().to_string(),
        }
        .into());
    }
    let base = C::fresh(Uuid::new_v4(), &name);
    let patch = changes(sig, args, &base)?;
    let connector: C = mailsec_state::patch::set_properties(&base, patch).map_err(invalid)?;
    ctx.submit(connector.clone().new_op())?;
    Ok(if ctx.what_if {
        Vec::new()
    } else {
        vec![output(&connector, true)]
    })
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
    let patch = changes(sig, args, &current)?;
    if let Some((_, Json::String(n))) = patch.iter().find(|(k, _)| k == "Name") {
        let clash = view::<C>(ctx)
            .into_iter()
            .any(|(c, _)| c.guid() != current.guid() && c.name().eq_ignore_ascii_case(n));
        if clash {
            return Err(OpError::AlreadyExists {
                kind: C::KIND.noun(),
                name: n.clone(),
            }
            .into());
        }
    }
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

pub fn get<C: ConnectorKind>(args: &Bound, ctx: &mut Context) -> Result<Vec<Value>, CmdletError> {
    match args.get("Identity") {
        None | Some(Value::Null) => Ok(view::<C>(ctx).iter().map(|(c, m)| output(c, *m)).collect()),
        Some(_) => {
            let (c, managed) = find::<C>(args, ctx)?;
            Ok(vec![output(&c, managed)])
        }
    }
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
