//! What a cmdlet runs against: the working desired state (changed only through operations) and a read-only view of the backends.

use mailsec_state::backend::LiveState;
use mailsec_state::model::DesiredState;
use mailsec_state::ops::{apply, Operation};
use mailsec_state::probe::ConnectorProbe;

use crate::value::Value;
use crate::CmdletError;

/// Messages a cmdlet leaves for the shell to print (in order).
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// `What if: ...` lines of -WhatIf.
    WhatIf(String),
    Warning(String),
}

pub struct Context<'a> {
    pub state: &'a mut DesiredState,
    pub live: &'a LiveState,
    /// Names the backends in not-found messages (Exchange names the domain controller there).
    pub location: String,
    /// -WhatIf is in effect: operations are described, not applied.
    pub what_if: bool,
    pub messages: Vec<Message>,
    /// Operations applied by this command (for transcripts and tests).
    pub applied: Vec<Operation>,
    /// Reaches mail servers for the connector TLS probe; `None` where the network is not available
    /// (the shell sets the real one; tests set a double).
    pub prober: Option<&'a dyn ConnectorProbe>,
}

impl<'a> Context<'a> {
    pub fn new(
        state: &'a mut DesiredState,
        live: &'a LiveState,
        location: impl Into<String>,
    ) -> Self {
        Context {
            state,
            live,
            location: location.into(),
            what_if: false,
            messages: Vec::new(),
            applied: Vec::new(),
            prober: None,
        }
    }

    /// Apply `op` to the desired state (or describe it under -WhatIf). Returns whether the state changed.
    pub fn submit(&mut self, op: Operation) -> Result<bool, CmdletError> {
        if self.what_if {
            self.messages.push(Message::WhatIf(op.to_string()));
            return Ok(false);
        }
        let changed = apply(self.state, &op)?;
        self.applied.push(op);
        Ok(changed)
    }

    pub fn warn(&mut self, text: impl Into<String>) {
        self.messages.push(Message::Warning(text.into()));
    }

    /// Exchange's warning for a Set that changed nothing.
    pub fn warn_unchanged(&mut self, identity: &str) {
        self.warn(format!(
            "The command completed successfully but no settings of '{identity}' have been modified."
        ));
    }
}

/// The bound parameters of one invocation (names in the signature's spelling).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bound {
    pub values: Vec<(&'static str, Value)>,
}

impl Bound {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
    pub fn switch(&self, name: &str) -> bool {
        self.get(name).is_some_and(Value::is_truthy)
    }
}
