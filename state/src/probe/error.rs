//! What can stop a connector TLS probe as a whole (per-host failures are reported in each outcome instead).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("MAILSEC_PROBE_RESOLVE: entry '{entry}' {why}. The syntax is 'name=ADDR[,ADDR...];domain=MX:host[,host...]' where ADDR is an IP address with an optional port (127.0.0.1:2525, [::1]:2525)")]
    ResolveOverride { entry: String, why: String },
    #[error("the probe's CA file '{path}' (MAILSEC_PROBE_CA_FILE) cannot be used: {why}")]
    CaFile { path: PathBuf, why: String },
    #[error("the system's trust roots cannot be loaded: {why}. Set MAILSEC_PROBE_CA_FILE to a PEM file of the roots to trust")]
    SystemRoots { why: String },
    #[error(transparent)]
    Clock(#[from] crate::clock::ClockError),
    #[error("the outbound connector '{connector}' names nothing to probe: {why}")]
    NoTargets { connector: String, why: String },
    #[error("the probe cannot start its network runtime: {0}")]
    Runtime(std::io::Error),
}
