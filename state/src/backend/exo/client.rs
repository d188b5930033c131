//! The HTTP client of the Exchange Online admin API: one cmdlet call = POSTs of the same body, page by
//! page along `@odata.nextLink`; 429 (and 502/503/504) waited out within bounds, saying how long and
//! why; a 401 re-reads the token once; a "not found" on an object created moments before is retried
//! (directory replication); `@adminapi.warnings` printed, `@adminapi.errors` an error.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Map, Value};

use super::settings::{ExoSettings, Token};
use super::wire::{self, CmdletInput, Page, ServiceError};
use super::ExoError;

/// The mailbox app-only callers anchor on (cmdlets.md 8.2).
const APP_ANCHOR: &str = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}";

/// How one call treats "not found".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotFound {
    /// An error (the object is not there).
    Fail,
    /// The object was created moments before by this apply: retry with backoff.
    Replicating,
}

pub struct Client {
    http: reqwest::Client,
    settings: ExoSettings,
    token: Mutex<Option<Token>>,
    /// Called with each message to show the admin (warnings, waits).
    notice: fn(&str),
}

fn print_notice(s: &str) {
    eprintln!("WARNING: {s}");
}

impl Client {
    pub fn new(settings: ExoSettings) -> Result<Client, ExoError> {
        crate::backend::ldap::install_crypto_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(30))
            // The service's own limit for a REST-backed cmdlet is 15 minutes (cmdlets.md 8.3).
            .timeout(Duration::from_secs(16 * 60))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ExoError::Client(e.to_string()))?;
        Ok(Client {
            http,
            settings,
            token: Mutex::new(None),
            notice: print_notice,
        })
    }

    pub fn settings(&self) -> &ExoSettings {
        &self.settings
    }

    fn token(&self, fresh: bool) -> Result<Token, ExoError> {
        let mut slot = self
            .token
            .lock()
            .map_err(|_| ExoError::Client("the token lock was poisoned".into()))?;
        if fresh || slot.is_none() {
            *slot = Some(self.settings.token.read()?);
        }
        slot.clone()
            .ok_or_else(|| ExoError::Client("no token was read".into()))
    }

    /// Run one cmdlet and return every object it outputs (all pages).
    pub async fn invoke(
        &self,
        input: &CmdletInput,
        not_found: NotFound,
    ) -> Result<Vec<Map<String, Value>>, ExoError> {
        let body =
            serde_json::to_vec(&input.body()).map_err(|e| ExoError::Client(e.to_string()))?;
        let origin = origin_of(&self.settings.url);
        let mut url = self.settings.url.clone();
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        loop {
            let page = self.post(&url, &body, input, not_found).await?;
            for w in &page.warnings {
                (self.notice)(&format!("Exchange Online, {}: {w}", input.name()));
            }
            if !page.errors.is_empty() {
                return Err(ExoError::CmdletErrors {
                    cmdlet: input.name().to_string(),
                    errors: page.errors,
                });
            }
            if let Some(c) = page.confirmation {
                return Err(ExoError::Confirmation {
                    cmdlet: input.name().to_string(),
                    message: c,
                });
            }
            out.extend(page.value);
            let Some(next) = page.next_link else {
                return Ok(out);
            };
            // A relative link is taken against the page it came from.
            let next = reqwest::Url::parse(&url)
                .and_then(|base| base.join(&next))
                .map(String::from)
                .unwrap_or(next);
            // The token goes with every page: only ever to the endpoint's own origin.
            if origin_of(&next) != origin {
                return Err(ExoError::Paging {
                    cmdlet: input.name().to_string(),
                    why: format!(
                        "its @odata.nextLink points to another host ({}), which the token is not sent to",
                        origin_of(&next).unwrap_or_else(|| "an unparsable URL".into())
                    ),
                });
            }
            if !seen.insert(next.clone()) {
                return Err(ExoError::Paging {
                    cmdlet: input.name().to_string(),
                    why: "its @odata.nextLink repeats a page already read".into(),
                });
            }
            url = next;
        }
    }

    /// One page: POST `body` to `url`, with the waits and retries the service's answers call for.
    async fn post(
        &self,
        url: &str,
        body: &[u8],
        input: &CmdletInput,
        not_found: NotFound,
    ) -> Result<Page, ExoError> {
        let retry = &self.settings.retry;
        let cmdlet = input.name();
        let mut reread = false;
        let mut throttled = 0u32;
        let mut replicating = 0u32;
        loop {
            let token = self.token(false)?;
            let resp = self
                .http
                .post(url)
                .header(
                    reqwest::header::AUTHORIZATION,
                    format!("Bearer {}", token.expose()),
                )
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(reqwest::header::ACCEPT, "application/json")
                .header("X-CmdletName", cmdlet)
                .header("X-ResponseFormat", "json")
                .header("client-request-id", uuid::Uuid::new_v4().to_string())
                .header(
                    "Prefer",
                    format!("odata.maxpagesize={}", self.settings.page_size),
                )
                .header(
                    "X-AnchorMailbox",
                    format!("APP:{APP_ANCHOR}@{}", self.settings.tenant),
                )
                .body(body.to_vec())
                .send()
                .await
                .map_err(|e| ExoError::Transport {
                    url: self.settings.url.clone(),
                    cmdlet: cmdlet.to_string(),
                    message: without_url(e),
                })?;
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .and_then(|v| v.parse::<u64>().ok());
            // Redirects are not followed (the token would go wherever they point): named instead.
            let location = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let bytes = resp.bytes().await.map_err(|e| ExoError::Transport {
                url: self.settings.url.clone(),
                cmdlet: cmdlet.to_string(),
                message: without_url(e),
            })?;
            match status {
                200..=299 => {
                    return wire::decode_page(&bytes).map_err(|e| ExoError::Response {
                        cmdlet: cmdlet.to_string(),
                        message: e.to_string(),
                    })
                }
                401 if !reread => {
                    reread = true;
                    self.token(true)?;
                }
                401 => {
                    return Err(ExoError::Unauthorized {
                        cmdlet: cmdlet.to_string(),
                        source_name: self.settings.token.to_string(),
                    })
                }
                429 | 502 | 503 | 504 => {
                    throttled += 1;
                    let why = if status == 429 {
                        "Exchange Online is throttling this tenant's requests (HTTP 429)"
                            .to_string()
                    } else {
                        format!("Exchange Online is unavailable for a moment (HTTP {status})")
                    };
                    if throttled > retry.throttle_retries {
                        return Err(ExoError::Throttled {
                            cmdlet: cmdlet.to_string(),
                            why,
                            tries: throttled,
                        });
                    }
                    let (wait, because) = match retry_after {
                        Some(s) => (Duration::from_secs(s), "as its Retry-After header asks"),
                        None => (
                            Duration::from_secs(1u64 << (throttled - 1).min(5)),
                            "(no Retry-After given: backing off)",
                        ),
                    };
                    if wait > retry.max_wait {
                        return Err(ExoError::WaitTooLong {
                            cmdlet: cmdlet.to_string(),
                            why,
                            asked: wait.as_secs(),
                            limit: retry.max_wait.as_secs(),
                        });
                    }
                    (self.notice)(&format!(
                        "{why} on {cmdlet}: waiting {} s {because}, then retrying (retry {throttled} of {})",
                        wait.as_secs_f32(),
                        retry.throttle_retries
                    ));
                    tokio::time::sleep(wait).await;
                }
                404 if not_found == NotFound::Replicating
                    && replicating < retry.replication_retries =>
                {
                    let wait = retry.replication_first_wait * (1u32 << replicating.min(10));
                    replicating += 1;
                    (self.notice)(&format!(
                        "Exchange Online does not find the object of {cmdlet} yet: it was created moments ago and the tenant's directory replicates it within seconds to minutes; waiting {:.2} s (retry {replicating} of {})",
                        wait.as_secs_f32(),
                        retry.replication_retries
                    ));
                    tokio::time::sleep(wait).await;
                }
                300..=399 => {
                    return Err(ExoError::Redirect {
                        cmdlet: cmdlet.to_string(),
                        status,
                        location: location.unwrap_or_else(|| "nowhere (no Location)".into()),
                    })
                }
                _ => {
                    let error = wire::decode_error(&bytes);
                    return Err(service_error(cmdlet, input, status, error));
                }
            }
        }
    }
}

fn service_error(cmdlet: &str, input: &CmdletInput, status: u16, e: ServiceError) -> ExoError {
    let hint = match status {
        403 => format!(
            "the cmdlet is unknown to this endpoint or the app's role does not allow it: check that {cmdlet} exists in Exchange Online and that the app has Exchange.ManageAsApp and an Exchange admin role (`mailsec permissions`)"
        ),
        404 => "the object is not there (deleted or renamed outside mailsec?): run plan again".into(),
        400 => format!(
            "the service refused the parameters sent ({})",
            input.param_names().join(", ")
        ),
        _ => String::new(),
    };
    ExoError::Service {
        cmdlet: cmdlet.to_string(),
        status,
        code: e.code,
        message: e.message,
        exception: e.exception,
        hint,
    }
}

/// `scheme://host:port` of a URL.
fn origin_of(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    Some(format!(
        "{}://{}:{}",
        u.scheme(),
        u.host_str()?,
        u.port_or_known_default()?
    ))
}

/// A transport error's text and causes, without the URL reqwest puts in it (the caller names the
/// endpoint once; a nextLink's query is not repeated).
fn without_url(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://outlook.office365.com/adminapi/beta/t/InvokeCommand"),
            Some("https://outlook.office365.com:443".into())
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080/x?$skiptoken=1"),
            Some("http://127.0.0.1:8080".into())
        );
        assert_ne!(
            origin_of("https://evil.example/x"),
            origin_of("https://outlook.office365.com/x")
        );
        assert_eq!(origin_of("not a url"), None);
        let base = reqwest::Url::parse("https://h.example/adminapi/beta/t/InvokeCommand").unwrap();
        assert_eq!(
            base.join("InvokeCommand?$skiptoken=5")
                .map(String::from)
                .ok(),
            Some("https://h.example/adminapi/beta/t/InvokeCommand?$skiptoken=5".to_string())
        );
    }
}
