//! The connector TLS probe: for each host an outbound connector delivers to (its SmartHosts, or the MX
//! hosts of its RecipientDomains), connect, EHLO, STARTTLS, and report the TLS version, cipher suite and
//! certificate chain, and whether the connector's TlsSettings/TlsDomain would accept that peer. No message
//! is ever sent.
//!
//! - `targets`: which hosts; `resolve`: the injectable resolver (`MAILSEC_PROBE_RESOLVE` for tests);
//! - `smtp` + `reply` + `capture`: the STARTTLS client; `certs`: facts about the chain;
//! - `trust` + `evaluate`: the verdict per Exchange's semantics, validated at `clock::now()` (`MAILSEC_NOW`).

pub mod capture;
pub mod certs;
pub mod error;
pub mod evaluate;
pub mod reply;
pub mod resolve;
pub mod smtp;
pub mod targets;
pub mod trust;

use std::time::Duration;

use serde::Serialize;

pub use error::ProbeError;

use crate::model::{OutboundConnector, TlsAuthLevel};
use certs::CertFacts;
use resolve::{OverrideResolver, Resolver, SystemResolver};
use smtp::{SmtpError, TlsOutcome};
use targets::Target;
use trust::TrustRoots;

/// How to probe.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// The SMTP port (25); an address from `MAILSEC_PROBE_RESOLVE` may carry its own.
    pub port: u16,
    /// The bound for each host: connect, dialogue and handshake (hosts are probed at the same time).
    pub timeout: Duration,
    /// The longest wait for a TCP connection to one address.
    pub connect_timeout: Duration,
    /// The name the probe gives in EHLO.
    pub helo: String,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        let helo = gethostname::gethostname()
            .into_string()
            .ok()
            .filter(|h| {
                h.contains('.')
                    && h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            })
            .unwrap_or_else(|| "mailsec-probe.invalid".to_string());
        ProbeOptions {
            port: 25,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            helo,
        }
    }
}

/// What the probe found for one host, and the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProbeOutcome {
    pub connector: String,
    pub host: String,
    pub via: String,
    /// The address the probe talked to (`ip:port`), when it got that far.
    pub address: Option<String>,
    pub port: u16,
    /// Did EHLO list STARTTLS? (`None`: the dialogue never got there.)
    pub start_tls: Option<bool>,
    /// Was a TLS session established?
    pub tls: bool,
    pub tls_version: Option<String>,
    pub cipher_suite: Option<String>,
    pub certificate_subject: Option<String>,
    pub certificate_issuer: Option<String>,
    pub certificate_names: Vec<String>,
    pub not_before: Option<String>,
    pub not_after: Option<String>,
    /// SHA-256 of the peer's certificate.
    pub fingerprint: Option<String>,
    /// Every certificate the peer sent, end entity first.
    pub chain: Vec<CertFacts>,
    pub tls_settings: Option<String>,
    pub tls_domain: Option<String>,
    pub accepted: bool,
    pub reason: String,
}

/// Something that can probe a connector's hosts (the network, or a test double).
pub trait ConnectorProbe {
    fn probe(
        &self,
        connector: &OutboundConnector,
        options: &ProbeOptions,
    ) -> Result<Vec<ProbeOutcome>, ProbeError>;

    /// Does Validate-OutboundConnector go to a service (Exchange Online) rather than the probe?
    fn validates_with_service(&self) -> bool {
        false
    }

    /// Validate-OutboundConnector run by the service that holds the connector (Exchange Online), which
    /// sends real test messages: its output objects, or why it failed. `None`: no such service here, so
    /// the cmdlet probes instead.
    fn service_validate(
        &self,
        connector: &OutboundConnector,
        recipients: &[String],
    ) -> Option<Result<Vec<serde_json::Map<String, serde_json::Value>>, String>> {
        let _ = (connector, recipients);
        None
    }
}

/// The real probe: resolver and trust from the environment (`MAILSEC_PROBE_RESOLVE`,
/// `MAILSEC_PROBE_CA_FILE`), validation time from `MAILSEC_NOW` — read when a probe runs.
#[derive(Debug, Default, Clone, Copy)]
pub struct EnvProbe;

impl ConnectorProbe for EnvProbe {
    fn probe(
        &self,
        connector: &OutboundConnector,
        options: &ProbeOptions,
    ) -> Result<Vec<ProbeOutcome>, ProbeError> {
        let resolver: Box<dyn Resolver> = match std::env::var("MAILSEC_PROBE_RESOLVE") {
            Ok(spec) if !spec.trim().is_empty() => Box::new(OverrideResolver::parse(&spec)?),
            _ => Box::new(SystemResolver {
                timeout: options.timeout,
            }),
        };
        NetworkProbe {
            resolver,
            trust: None,
        }
        .probe(connector, options)
    }
}

/// The probe with an explicit resolver and (optionally) trust roots; without roots they are read from
/// the environment when the connector's setting needs them.
pub struct NetworkProbe {
    pub resolver: Box<dyn Resolver>,
    pub trust: Option<TrustRoots>,
}

impl ConnectorProbe for NetworkProbe {
    fn probe(
        &self,
        connector: &OutboundConnector,
        options: &ProbeOptions,
    ) -> Result<Vec<ProbeOutcome>, ProbeError> {
        let now = crate::clock::now()?;
        let level = connector.TlsSettings;
        let trust = match (level, &self.trust) {
            (None | Some(TlsAuthLevel::EncryptionOnly), _) => None,
            (_, Some(t)) => Some(t.clone()),
            (_, None) => Some(TrustRoots::from_env()?),
        };
        let targets = targets::targets(connector, options.port, self.resolver.as_ref())?;
        let results = run_probes(&targets, options)?;
        Ok(targets
            .iter()
            .zip(results)
            .map(|(t, r)| outcome(connector, t, options.port, r, trust.as_ref(), now))
            .collect())
    }
}

/// Probe every target at once on a runtime of its own (on its own thread, so a caller inside a tokio
/// runtime is fine). Each target tries its addresses in order until one answers.
fn run_probes(
    targets: &[Target],
    options: &ProbeOptions,
) -> Result<Vec<Result<smtp::PeerFacts, String>>, ProbeError> {
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(ProbeError::Runtime)?;
            Ok(rt.block_on(async {
                let deadline = tokio::time::Instant::now() + options.timeout;
                let jobs = targets.iter().map(|t| async move {
                    let addresses = t.addresses.as_ref().map_err(|e| e.clone())?;
                    let mut failures = Vec::new();
                    for a in addresses {
                        match smtp::probe_address(
                            *a,
                            &t.host,
                            &options.helo,
                            options.connect_timeout,
                            deadline,
                        )
                        .await
                        {
                            Ok(f) => return Ok(f),
                            // Only a failed connection moves on to the next address, as an MTA does.
                            Err(e @ SmtpError::Connect { .. }) => failures.push(e.to_string()),
                            Err(e) => return Err(format!("{}: {e}", t.host)),
                        }
                    }
                    Err(format!("{}: {}", t.host, failures.join("; ")))
                });
                join_all(jobs.collect()).await
            }))
        })
        .join()
        .unwrap_or_else(|_| {
            Err(ProbeError::Runtime(std::io::Error::other(
                "the probe thread panicked",
            )))
        })
    })
}

/// Run futures concurrently on the current task and collect their results in order.
async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    use std::task::Poll;
    let mut pending: Vec<Option<std::pin::Pin<Box<F>>>> =
        futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut results: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => {
                        *result = Some(v);
                        *slot = None;
                    }
                    Poll::Pending => done = false,
                }
            }
        }
        if done {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    results.into_iter().flatten().collect()
}

fn outcome(
    connector: &OutboundConnector,
    target: &Target,
    port: u16,
    result: Result<smtp::PeerFacts, String>,
    trust: Option<&TrustRoots>,
    now: time::OffsetDateTime,
) -> ProbeOutcome {
    let mut o = ProbeOutcome {
        connector: connector.Name.clone(),
        host: target.host.clone(),
        via: target.via.clone(),
        address: None,
        port,
        start_tls: None,
        tls: false,
        tls_version: None,
        cipher_suite: None,
        certificate_subject: None,
        certificate_issuer: None,
        certificate_names: Vec::new(),
        not_before: None,
        not_after: None,
        fingerprint: None,
        chain: Vec::new(),
        tls_settings: connector
            .TlsSettings
            .map(|l| evaluate::setting_name(Some(l)).to_string()),
        tls_domain: connector.TlsDomain.clone(),
        accepted: false,
        reason: String::new(),
    };
    let facts = match result {
        Err(why) => {
            o.reason = format!("not probed: {why}");
            return o;
        }
        Ok(f) => f,
    };
    o.address = Some(facts.address.to_string());
    o.port = facts.address.port();
    o.start_tls = Some(!matches!(facts.tls, TlsOutcome::NotOffered { .. }));
    if let TlsOutcome::Established(t) = &facts.tls {
        o.tls = true;
        o.tls_version = Some(t.version.clone());
        o.cipher_suite = Some(t.cipher_suite.clone());
        o.chain = t.chain.iter().map(|d| CertFacts::from_der(d)).collect();
        if let Some(leaf) = o.chain.first() {
            o.certificate_subject = Some(leaf.subject.clone());
            o.certificate_issuer = Some(leaf.issuer.clone());
            o.certificate_names = leaf.names.clone();
            o.not_before = Some(leaf.not_before.clone());
            o.not_after = Some(leaf.not_after.clone());
            o.fingerprint = Some(leaf.fingerprint.clone());
        }
    }
    let v = evaluate::evaluate(
        connector.TlsSettings,
        connector.TlsDomain.as_deref(),
        &facts.tls,
        trust,
        now,
    );
    o.accepted = v.accepted;
    o.reason = v.reason;
    o
}
