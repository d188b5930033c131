//! Exchange Online cmdlets that are diagnostics, not reconcile reads or writes: Validate-OutboundConnector,
//! which the service runs itself (it sends test messages from Microsoft's side). The connector TLS probe
//! calls it when the gateway target is Exchange Online, instead of probing from here.

use std::path::Path;

use serde_json::{Map, Value};

use super::client::{Client, NotFound};
use super::wire::CmdletInput;
use super::{ExoError, ExoSettings, Slot};
use crate::model::{OutboundConnector, Targets};
use crate::probe::{ConnectorProbe, EnvProbe, ProbeError, ProbeOptions, ProbeOutcome};

/// A tenant's admin API for one-off cmdlets.
pub struct Service {
    client: Client,
    rt: tokio::runtime::Runtime,
}

impl Service {
    pub fn new(settings: ExoSettings) -> Result<Service, ExoError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ExoError::Runtime(e.to_string()))?;
        Ok(Service {
            client: Client::new(settings)?,
            rt,
        })
    }

    /// `Validate-OutboundConnector -Identity <name> -Recipients <addresses>`: the service's own objects.
    pub fn validate_outbound_connector(
        &self,
        identity: &str,
        recipients: &[String],
    ) -> Result<Vec<Map<String, Value>>, ExoError> {
        let mut input = CmdletInput::new("Validate-OutboundConnector");
        input
            .set("Identity", Value::String(identity.to_string()))
            .set(
                "Recipients",
                Value::Array(recipients.iter().cloned().map(Value::String).collect()),
            )
            .set("Confirm", Value::Bool(false));
        self.rt.block_on(self.client.invoke(&input, NotFound::Fail))
    }
}

/// The prober a session uses: the network probe, and, when the gateway is an Exchange Online tenant,
/// the service for Validate-OutboundConnector.
pub struct ServiceProbe {
    /// The tenant's settings, or why they do not resolve (e.g. no token): said when they are needed.
    settings: Result<ExoSettings, String>,
    /// The service, made on first use: a script that never validates builds no HTTP client.
    service: std::cell::OnceCell<Result<Service, String>>,
}

impl ConnectorProbe for ServiceProbe {
    fn probe(
        &self,
        connector: &OutboundConnector,
        options: &ProbeOptions,
    ) -> Result<Vec<ProbeOutcome>, ProbeError> {
        EnvProbe.probe(connector, options)
    }

    fn validates_with_service(&self) -> bool {
        true
    }

    fn service_validate(
        &self,
        connector: &OutboundConnector,
        recipients: &[String],
    ) -> Option<Result<Vec<Map<String, Value>>, String>> {
        let service = self.service.get_or_init(|| {
            let settings = self.settings.clone()?;
            Service::new(settings).map_err(|e| e.to_string())
        });
        Some(match service {
            Ok(s) => s
                .validate_outbound_connector(&connector.Name, recipients)
                .map_err(|e| format!("Exchange Online ({}): {e}", s.client.settings().tenant)),
            Err(why) => Err(why.clone()),
        })
    }
}

/// The prober for a state whose targets are `targets`: `ServiceProbe` when the gateway is Exchange Online
/// (in the file or through `MAILSEC_EXO_TENANT`), else the network probe.
pub fn prober_for(targets: &Targets, state_dir: &Path) -> Box<dyn ConnectorProbe> {
    let env = |k: &str| std::env::var(k).ok();
    match ExoSettings::resolve(targets, Slot::Gateway, state_dir, &env) {
        Ok(None) => Box::new(EnvProbe),
        Ok(Some(s)) => Box::new(ServiceProbe {
            settings: Ok(s),
            service: std::cell::OnceCell::new(),
        }),
        Err(e) => Box::new(ServiceProbe {
            settings: Err(format!("the Exchange Online gateway target: {e}")),
            service: std::cell::OnceCell::new(),
        }),
    }
}
