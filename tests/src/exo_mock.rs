//! An in-process mock of the Exchange Online admin API (cmdlets.md 8) for protocol tests: POST
//! InvokeCommand with `CmdletInput` for the S/MIME, mailbox, mail contact and connector cmdlets over an
//! in-memory tenant; paging with `@odata.nextLink` and `Prefer: odata.maxpagesize`; 404 NotFound,
//! 400 BadRequest on an unknown parameter, 403 (NUL body mislabelled gzip) on an unknown cmdlet, 429
//! with Retry-After, 401 when the bearer token is not the current one, and replication delay (a
//! just-created object is "not found" during the next K requests). Every request is recorded.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Map, Value};

type Obj = Map<String, Value>;

/// One request as the mock saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Path and query.
    pub url: String,
    pub cmdlet: String,
    /// The `Parameters` object as sent (annotations included).
    pub params: Obj,
    /// The raw body.
    pub body: Vec<u8>,
    /// The `Prefer` header.
    pub prefer: Option<String>,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The status answered.
    pub status: u16,
}

/// Faults the next requests meet.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Answer this many next (authorized) requests with 429 (or `throttle_status`).
    pub throttle_next: u32,
    /// The Retry-After (seconds) of those answers; `None` sends none.
    pub retry_after: Option<u64>,
    /// Their status instead of 429 (e.g. 503).
    pub throttle_status: Option<u16>,
    /// A just-created object is "not found" by requests naming it during the next this many requests.
    pub replication_delay: u32,
    /// Cmdlets answered 403 as unknown.
    pub unknown_cmdlets: Vec<String>,
    /// `(cmdlet, parameter)` pairs answered 400 as unknown parameters.
    pub unknown_params: Vec<(String, String)>,
    /// Answer every request 302 to this URL (as the compliance endpoint does to a regional host).
    pub redirect_to: Option<String>,
    /// Cmdlets answered 404 NotFound (the object vanished between read and write).
    pub vanish: Vec<String>,
    /// `(cmdlet, text)`: the cmdlet runs and its answer carries this in `@adminapi.warnings`.
    pub warnings: Vec<(String, String)>,
    /// `(cmdlet, text)`: the cmdlet does nothing and its 200 answer carries this in `@adminapi.errors`.
    pub errors: Vec<(String, String)>,
}

/// The tenant: every object is a flat property bag as Get-* returns it (certificates as base64).
#[derive(Debug, Clone, Default)]
pub struct Tenant {
    pub smime: Obj,
    pub mailboxes: Vec<Obj>,
    pub contacts: Vec<Obj>,
    pub inbound: Vec<Obj>,
    pub outbound: Vec<Obj>,
}

#[derive(Debug, Default)]
pub struct MockState {
    /// The only bearer token accepted.
    pub token: String,
    pub tenant: Tenant,
    pub faults: Faults,
    pub requests: Vec<Recorded>,
    /// Guid → requests left before a just-created object is found.
    pub replicating: HashMap<String, u32>,
}

/// A running mock; stops when dropped.
pub struct ExoMock {
    pub addr: SocketAddr,
    state: Arc<Mutex<MockState>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

pub const TENANT: &str = "contoso.onmicrosoft.com";

impl ExoMock {
    /// Start on 127.0.0.1 (an ephemeral port) accepting `token`.
    pub fn start(token: &str) -> ExoMock {
        let state = Arc::new(Mutex::new(MockState {
            token: token.to_string(),
            ..MockState::default()
        }));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the mock");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("mock address");
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let shared = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("mock runtime");
            rt.block_on(async move {
                let listener =
                    tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                loop {
                    tokio::select! {
                        _ = &mut stopped => break,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            let shared = shared.clone();
                            tokio::spawn(async move {
                                let svc = hyper::service::service_fn(move |req| {
                                    let shared = shared.clone();
                                    async move { Ok::<_, std::convert::Infallible>(handle(req, addr, &shared).await) }
                                });
                                let _ = hyper::server::conn::http1::Builder::new()
                                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                                    .await;
                            });
                        }
                    }
                }
            });
        });
        ExoMock {
            addr,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The InvokeCommand URL (with `{tenant}` for mailsec to fill in).
    pub fn url(&self) -> String {
        format!(
            "http://{}/adminapi/beta/{{tenant}}/InvokeCommand",
            self.addr
        )
    }

    pub fn state(&self) -> MutexGuard<'_, MockState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The requests recorded so far (and forget them).
    pub fn take_requests(&self) -> Vec<Recorded> {
        std::mem::take(&mut self.state().requests)
    }

    /// Add a mailbox as the tenant would hold it; returns its Guid.
    pub fn add_mailbox(&self, name: &str, address: &str) -> String {
        let guid = uuid::Uuid::new_v4().to_string();
        let mut m = Obj::new();
        m.insert("Guid".into(), json!(guid));
        m.insert("Name".into(), json!(name));
        m.insert("Alias".into(), json!(name));
        m.insert("DisplayName".into(), json!(name));
        m.insert("PrimarySmtpAddress".into(), json!(address));
        m.insert("UserPrincipalName".into(), json!(address));
        m.insert("WindowsEmailAddress".into(), json!(address));
        m.insert("EmailAddresses".into(), json!([format!("SMTP:{address}")]));
        m.insert("UserCertificate".into(), json!([]));
        m.insert("UserSMimeCertificate".into(), json!([]));
        m.insert("HiddenFromAddressListsEnabled".into(), json!(false));
        m.insert(
            "DistinguishedName".into(),
            json!(format!("CN={name},OU={TENANT},OU=Microsoft Exchange Hosted Organizations,DC=EURPR01A001,DC=prod,DC=outlook,DC=com")),
        );
        self.state().tenant.mailboxes.push(m);
        guid
    }

    /// Add a mail contact created outside mailsec; returns its Guid.
    pub fn add_contact(&self, name: &str, address: &str) -> String {
        let mut st = self.state();
        let guid = uuid::Uuid::new_v4().to_string();
        let c = new_contact(&guid, name, &format!("SMTP:{address}"));
        st.tenant.contacts.push(c);
        guid
    }
}

impl Drop for ExoMock {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn new_contact(guid: &str, name: &str, external: &str) -> Obj {
    let bare = external.split_once(':').map(|(_, a)| a).unwrap_or(external);
    let mut c = Obj::new();
    c.insert("Guid".into(), json!(guid));
    c.insert("Name".into(), json!(name));
    c.insert("Alias".into(), json!(name.replace(' ', "")));
    c.insert("DisplayName".into(), json!(name));
    c.insert("ExternalEmailAddress".into(), json!(format!("SMTP:{bare}")));
    c.insert("PrimarySmtpAddress".into(), json!(bare));
    c.insert("WindowsEmailAddress".into(), json!(bare));
    c.insert("EmailAddresses".into(), json!([format!("SMTP:{bare}")]));
    c.insert("HiddenFromAddressListsEnabled".into(), json!(false));
    c.insert("UserCertificate".into(), json!([]));
    c.insert("UserSMimeCertificate".into(), json!([]));
    c.insert("CustomAttribute15".into(), json!(""));
    c
}

fn reply(status: u16, body: Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static(
            "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
        ),
    );
    r
}

fn error(status: u16, code: &str, exception: &str, message: &str) -> (u16, Value) {
    (
        status,
        json!({"error": {"code": code, "message": "Error executing cmdlet", "details": [
            {"code": "Context", "target": "", "message": format!("Ex6F9304|{exception}|{message}")}
        ], "innererror": {"message": "Error executing cmdlet", "type": "Microsoft.Exchange.Admin.OData.Core.ODataServiceException"}}}),
    )
}

fn not_found(identity: &str) -> (u16, Value) {
    error(
        404,
        "NotFound",
        "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException",
        &format!("The operation couldn't be performed because object '{identity}' couldn't be found on 'AM0PR01A001DC01.EURPR01A001.prod.outlook.com'."),
    )
}

async fn handle(
    req: Request<hyper::body::Incoming>,
    addr: SocketAddr,
    shared: &Arc<Mutex<MockState>>,
) -> Response<Full<Bytes>> {
    let url = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let header = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let prefer = header("prefer");
    let authorization = header("authorization");
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let parsed: Option<(String, Obj)> = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
        let ci = v.get("CmdletInput")?;
        let name = ci.get("CmdletName")?.as_str()?.to_string();
        let params = ci
            .get("Parameters")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        Some((name, params))
    });
    let mut st = shared.lock().unwrap_or_else(|e| e.into_inner());
    let (cmdlet, params) = parsed.clone().unwrap_or_default();
    let mut rec = Recorded {
        url: url.clone(),
        cmdlet: cmdlet.clone(),
        params: params.clone(),
        body: body.clone(),
        prefer: prefer.clone(),
        authorization: authorization.clone(),
        status: 200,
    };
    let outcome = answer(
        &mut st,
        &url,
        addr,
        prefer.as_deref(),
        authorization.as_deref(),
        parsed,
    );
    let resp = match outcome {
        Answer::Json(status, v) => {
            rec.status = status;
            reply(status, v)
        }
        Answer::Throttled(status, after) => {
            rec.status = status;
            let (_, body) = error(429, "TooManyRequests", "Microsoft.Exchange.Admin.OData.Core.ThrottlingException", "You have reached the maximum number of concurrent requests per tenant. Please wait and try again");
            let mut r = reply(status, body);
            if let Some(s) = after {
                r.headers_mut().insert(
                    "retry-after",
                    hyper::header::HeaderValue::from_str(&s.to_string())
                        .unwrap_or(hyper::header::HeaderValue::from_static("1")),
                );
            }
            r
        }
        Answer::UnknownCmdlet => {
            rec.status = 403;
            // Measured: a NUL byte labelled gzip (cmdlets.md 8.3).
            let mut r = Response::new(Full::new(Bytes::from_static(b"\0")));
            *r.status_mut() = StatusCode::FORBIDDEN;
            r.headers_mut().insert(
                "content-encoding",
                hyper::header::HeaderValue::from_static("gzip"),
            );
            r
        }
        Answer::Redirect(to) => {
            rec.status = 302;
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = StatusCode::FOUND;
            if let Ok(v) = hyper::header::HeaderValue::from_str(&to) {
                r.headers_mut().insert("location", v);
            }
            r
        }
        Answer::Unauthorized => {
            rec.status = 401;
            let mut r = reply(
                401,
                json!({"error": {"code": "Unauthorized", "message": "The token is not valid."}}),
            );
            r.headers_mut().insert(
                "www-authenticate",
                hyper::header::HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            r
        }
    };
    st.requests.push(rec);
    resp
}

enum Answer {
    Json(u16, Value),
    Throttled(u16, Option<u64>),
    UnknownCmdlet,
    Unauthorized,
    Redirect(String),
}

/// Parameters each cmdlet takes here (the EXO ones of cmdlets.md 1-4, plus Identity/Confirm/WhatIf).
fn known_params(cmdlet: &str) -> Option<&'static [&'static str]> {
    const COMMON: &[&str] = &["Identity", "Confirm", "WhatIf"];
    let _ = COMMON;
    Some(match cmdlet {
        "Get-SmimeConfig" => &["Identity"],
        "Set-SmimeConfig" => &[
            "Identity",
            "Confirm",
            "WhatIf",
            "OWAAllowUserChoiceOfSigningCertificate",
            "OWAAlwaysEncrypt",
            "OWAAlwaysSign",
            "OWABCCEncryptedEmailForking",
            "OWACheckCRLOnSend",
            "OWAClearSign",
            "OWACopyRecipientHeaders",
            "OWACRLConnectionTimeout",
            "OWACRLRetrievalTimeout",
            "OWADisableCRLCheck",
            "OWADLExpansionTimeout",
            "OWAEncryptionAlgorithms",
            "OWAEncryptTemporaryBuffers",
            "OWAForceSMIMEClientUpgrade",
            "OWAIncludeCertificateChainAndRootCertificate",
            "OWAIncludeCertificateChainWithoutRootCertificate",
            "OWAIncludeSMIMECapabilitiesInMessage",
            "OWAOnlyUseSmartCard",
            "OWASenderCertificateAttributesToDisplay",
            "OWASignedEmailCertificateInclusion",
            "OWASigningAlgorithms",
            "OWATripleWrapSignedEncryptedMail",
            "OWAUseKeyIdentifier",
            "OWAUseSecondaryProxiesWhenFindingCertificates",
            "NoSignOnReply",
            "SMIMECertificateIssuingCA",
        ],
        "Get-Mailbox" | "Get-MailContact" => &["Identity", "ResultSize", "Filter", "Anr", "ANR"],
        "Set-Mailbox" => &[
            "Identity",
            "Confirm",
            "WhatIf",
            "Force",
            "Name",
            "Alias",
            "DisplayName",
            "EmailAddresses",
            "HiddenFromAddressListsEnabled",
            "UserCertificate",
            "UserSMimeCertificate",
            "WindowsEmailAddress",
            "CustomAttribute1",
            "CustomAttribute2",
            "CustomAttribute3",
            "CustomAttribute4",
            "CustomAttribute5",
            "CustomAttribute6",
            "CustomAttribute7",
            "CustomAttribute8",
            "CustomAttribute9",
            "CustomAttribute10",
            "CustomAttribute11",
            "CustomAttribute12",
            "CustomAttribute13",
            "CustomAttribute14",
            "CustomAttribute15",
        ],
        "New-MailContact" => &[
            "Name",
            "ExternalEmailAddress",
            "Alias",
            "Confirm",
            "WhatIf",
            "DisplayName",
            "FirstName",
            "Initials",
            "LastName",
            "MacAttachmentFormat",
            "MessageBodyFormat",
            "MessageFormat",
            "ModeratedBy",
            "ModerationEnabled",
            "OrganizationalUnit",
            "SendModerationNotifications",
            "UsePreferMessageFormat",
        ],
        "Set-MailContact" => &[
            "Identity",
            "Confirm",
            "WhatIf",
            "AcceptMessagesOnlyFrom",
            "AcceptMessagesOnlyFromDLMembers",
            "AcceptMessagesOnlyFromSendersOrMembers",
            "Alias",
            "BypassModerationFromSendersOrMembers",
            "CustomAttribute1",
            "CustomAttribute2",
            "CustomAttribute3",
            "CustomAttribute4",
            "CustomAttribute5",
            "CustomAttribute6",
            "CustomAttribute7",
            "CustomAttribute8",
            "CustomAttribute9",
            "CustomAttribute10",
            "CustomAttribute11",
            "CustomAttribute12",
            "CustomAttribute13",
            "CustomAttribute14",
            "CustomAttribute15",
            "DisplayName",
            "EmailAddresses",
            "ExtensionCustomAttribute1",
            "ExtensionCustomAttribute2",
            "ExtensionCustomAttribute3",
            "ExtensionCustomAttribute4",
            "ExtensionCustomAttribute5",
            "ExternalEmailAddress",
            "ForceUpgrade",
            "GrantSendOnBehalfTo",
            "HiddenFromAddressListsEnabled",
            "MacAttachmentFormat",
            "MailTip",
            "MailTipTranslations",
            "MessageBodyFormat",
            "MessageFormat",
            "ModeratedBy",
            "ModerationEnabled",
            "Name",
            "RejectMessagesFrom",
            "RejectMessagesFromDLMembers",
            "RejectMessagesFromSendersOrMembers",
            "RequireSenderAuthenticationEnabled",
            "SendModerationNotifications",
            "SimpleDisplayName",
            "UseMapiRichTextFormat",
            "UsePreferMessageFormat",
            "UserCertificate",
            "UserSMimeCertificate",
            "WindowsEmailAddress",
        ],
        "Remove-MailContact" | "Remove-InboundConnector" | "Remove-OutboundConnector" => {
            &["Identity", "Confirm", "WhatIf"]
        }
        "Validate-OutboundConnector" => &["Identity", "Recipients", "Confirm", "WhatIf"],
        "Get-InboundConnector" => &["Identity", "ResultSize"],
        "Get-OutboundConnector" => &[
            "Identity",
            "ResultSize",
            "IncludeTestModeConnectors",
            "IsTransportRuleScoped",
        ],
        "New-InboundConnector" | "Set-InboundConnector" => &[
            "Identity",
            "Name",
            "Confirm",
            "WhatIf",
            "Enabled",
            "ConnectorType",
            "Comment",
            "SenderDomains",
            "SenderIPAddresses",
            "RequireTls",
            "RestrictDomainsToCertificate",
            "RestrictDomainsToIPAddresses",
            "TlsSenderCertificateName",
            "CloudServicesMailEnabled",
            "TreatMessagesAsInternal",
            "AssociatedAcceptedDomains",
            "ClientHostNames",
            "ConnectorSource",
            "EFSkipIPs",
            "EFSkipLastIP",
            "EFSkipMailGateway",
            "EFTestMode",
            "EFUsers",
            "ScanAndDropRecipients",
            "TrustedOrganizations",
        ],
        "New-OutboundConnector" | "Set-OutboundConnector" => &[
            "Identity",
            "Name",
            "Confirm",
            "WhatIf",
            "Enabled",
            "ConnectorType",
            "Comment",
            "RecipientDomains",
            "UseMXRecord",
            "SmartHosts",
            "TlsSettings",
            "TlsDomain",
            "IsTransportRuleScoped",
            "AllAcceptedDomains",
            "RouteAllMessagesViaOnPremises",
            "CloudServicesMailEnabled",
            "SenderRewritingEnabled",
            "TestMode",
            "MtaStsMode",
            "SmtpDaneMode",
            "ConnectorSource",
            "LinkForModifiedConnector",
            "IsValidated",
            "LastValidationTimestamp",
            "ValidationRecipients",
        ],
        _ => return None,
    })
}

fn answer(
    st: &mut MockState,
    url: &str,
    addr: SocketAddr,
    prefer: Option<&str>,
    authorization: Option<&str>,
    parsed: Option<(String, Obj)>,
) -> Answer {
    if authorization != Some(format!("Bearer {}", st.token).as_str()) {
        return Answer::Unauthorized;
    }
    if let Some(to) = &st.faults.redirect_to {
        return Answer::Redirect(to.clone());
    }
    if st.faults.throttle_next > 0 {
        st.faults.throttle_next -= 1;
        return Answer::Throttled(
            st.faults.throttle_status.unwrap_or(429),
            st.faults.retry_after,
        );
    }
    let Some((cmdlet, params)) = parsed else {
        let (s, v) = error(
            400,
            "BadRequest",
            "Microsoft.OData.ODataException",
            "The request body is not a CmdletInput.",
        );
        return Answer::Json(s, v);
    };
    let Some(known) = known_params(&cmdlet) else {
        return Answer::UnknownCmdlet;
    };
    if st.faults.unknown_cmdlets.contains(&cmdlet) {
        return Answer::UnknownCmdlet;
    }
    for k in params.keys() {
        let base = k.split('@').next().unwrap_or(k);
        let refused = st
            .faults
            .unknown_params
            .iter()
            .any(|(c, p)| c == &cmdlet && p == base);
        if !known.contains(&base) || refused {
            let (s, v) = error(
                400,
                "BadRequest",
                "System.Management.Automation.ParameterBindingException",
                &format!("A parameter cannot be found that matches parameter name '{base}'."),
            );
            return Answer::Json(s, v);
        }
    }
    if st.faults.vanish.contains(&cmdlet) {
        let id = params
            .get("Identity")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let (s, v) = not_found(id);
        return Answer::Json(s, v);
    }
    let errors: Vec<&String> = st
        .faults
        .errors
        .iter()
        .filter(|(c, _)| c == &cmdlet)
        .map(|(_, t)| t)
        .collect();
    if !errors.is_empty() {
        return Answer::Json(
            200,
            json!({"adminapi.errors@odata.type": "#Collection(String)", "@adminapi.errors": errors, "value": []}),
        );
    }
    let warnings: Vec<String> = st
        .faults
        .warnings
        .iter()
        .filter(|(c, _)| c == &cmdlet)
        .map(|(_, t)| t.clone())
        .collect();
    match run(st, &cmdlet, &params) {
        Ok(objects) => {
            let page_size = prefer
                .and_then(|p| p.split("odata.maxpagesize=").nth(1))
                .and_then(|n| n.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(1000)
                .clamp(1, 1000);
            let skip = url
                .split("$skiptoken=")
                .nth(1)
                .and_then(|n| n.split('&').next())
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0);
            let end = (skip + page_size).min(objects.len());
            let page: Vec<Value> = objects
                .get(skip.min(end)..end)
                .unwrap_or_default()
                .iter()
                .map(|o| Value::Object(annotate(o)))
                .collect();
            let mut top = Obj::new();
            top.insert(
                "@odata.context".into(),
                json!(format!("http://{addr}/adminapi/beta/{TENANT}/$metadata#Collection(Exchange.GenericHashTable)")),
            );
            top.insert(
                "adminapi.warnings@odata.type".into(),
                json!("#Collection(String)"),
            );
            top.insert("@adminapi.warnings".into(), json!(warnings));
            top.insert("value".into(), Value::Array(page));
            if end < objects.len() {
                let path = url.split('?').next().unwrap_or(url);
                top.insert(
                    "@odata.nextLink".into(),
                    json!(format!("http://{addr}{path}?$skiptoken={end}")),
                );
            }
            Answer::Json(200, Value::Object(top))
        }
        Err((s, v)) => Answer::Json(s, v),
    }
}

/// Type annotations as the service adds them (mailsec must ignore them).
fn annotate(o: &Obj) -> Obj {
    let mut out = Obj::new();
    for (k, v) in o {
        match v {
            Value::Array(_) => {
                out.insert(format!("{k}@odata.type"), json!("#Collection(String)"));
            }
            _ if k == "Guid" => {
                out.insert("Guid@data.type".into(), json!("System.Guid"));
                out.insert("Guid@odata.type".into(), json!("#Guid"));
            }
            _ => {}
        }
        out.insert(k.clone(), v.clone());
    }
    if let Some(n) = o.get("Name") {
        out.insert("Identity".into(), n.clone());
    }
    out.insert(
        "WhenChangedUTC".into(),
        json!("2026-07-23T22:55:13.0000000Z"),
    );
    out
}

type CmdResult = Result<Vec<Obj>, (u16, Value)>;

fn bad(message: &str) -> (u16, Value) {
    error(400, "BadRequest", "System.ArgumentException", message)
}

fn run(st: &mut MockState, cmdlet: &str, params: &Obj) -> CmdResult {
    let identity = params
        .get("Identity")
        .and_then(Value::as_str)
        .map(str::to_string);
    let (verb, noun) = cmdlet.split_once('-').unwrap_or((cmdlet, ""));
    if verb == "Validate" {
        // The shape of the service's answer is not documented (UNCONFIRMED): one object per call naming
        // the connector, the recipients and the outcome; the connector records the validation as Exchange
        // does (IsValidated, LastValidationTimestamp, ValidationRecipients).
        let id = identity.unwrap_or_default();
        let recipients = params.get("Recipients").cloned().unwrap_or(json!([]));
        let list = list_of(&mut st.tenant, noun);
        let Some(c) = list.iter_mut().find(|o| matches(o, &id)) else {
            return Err(not_found(&id));
        };
        c.insert("IsValidated".into(), json!(true));
        c.insert(
            "LastValidationTimestamp".into(),
            json!("2026-12-07T00:00:00Z"),
        );
        c.insert("ValidationRecipients".into(), recipients.clone());
        let mut o = Obj::new();
        o.insert(
            "Identity".into(),
            c.get("Name").cloned().unwrap_or(json!(id)),
        );
        o.insert("Recipients".into(), recipients);
        o.insert("Status".into(), json!("Succeeded"));
        o.insert("TestMessageSent".into(), json!(true));
        return Ok(vec![o]);
    }
    if noun == "SmimeConfig" {
        return match verb {
            "Get" => Ok(vec![st.tenant.smime.clone()]),
            _ => {
                let mut cfg = st.tenant.smime.clone();
                set_props(&mut cfg, params, noun)?;
                st.tenant.smime = cfg;
                Ok(Vec::new())
            }
        };
    }
    if verb == "Remove" && params.get("Confirm") != Some(&json!(false)) {
        return Err(bad(
            "Remove-* without Confirm:false needs a confirmation: send \"Confirm\": false.",
        ));
    }
    // A just-created object stays invisible for the next K requests to the tenant (replication).
    let hidden = identity.as_ref().and_then(|id| {
        let list = list_of(&mut st.tenant, noun);
        let guid = list
            .iter()
            .find(|o| matches(o, id))
            .and_then(|o| o.get("Guid"))
            .and_then(Value::as_str)?
            .to_string();
        st.replicating
            .get(&guid)
            .is_some_and(|left| *left > 0)
            .then(|| id.clone())
    });
    for left in st.replicating.values_mut() {
        *left = left.saturating_sub(1);
    }
    if let Some(id) = hidden {
        return Err(not_found(&id));
    }
    let delay = st.faults.replication_delay;
    let list = list_of(&mut st.tenant, noun);
    match verb {
        "Get" => {
            let mut out: Vec<Obj> = match &identity {
                Some(id) => {
                    let found: Vec<Obj> = list.iter().filter(|o| matches(o, id)).cloned().collect();
                    if found.is_empty() {
                        return Err(not_found(id));
                    }
                    found
                }
                None => list.clone(),
            };
            if noun == "OutboundConnector" {
                let flag = |p: &str| params.get(p).and_then(Value::as_bool).unwrap_or(false);
                let (tm, rs) = (
                    flag("IncludeTestModeConnectors"),
                    flag("IsTransportRuleScoped"),
                );
                out.retain(|o| {
                    o.get("TestMode").and_then(Value::as_bool).unwrap_or(false) == tm
                        && o.get("IsTransportRuleScoped")
                            .and_then(Value::as_bool)
                            .unwrap_or(false)
                            == rs
                });
            }
            Ok(out)
        }
        "New" => {
            let name = params
                .get("Name")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("Name is required."))?
                .to_string();
            if list
                .iter()
                .any(|o| o.get("Name").and_then(Value::as_str) == Some(name.as_str()))
            {
                return Err(bad(&format!("The object '{name}' already exists.")));
            }
            let guid = uuid::Uuid::new_v4().to_string();
            let mut o = match noun {
                "MailContact" => {
                    let ext = params
                        .get("ExternalEmailAddress")
                        .and_then(Value::as_str)
                        .ok_or_else(|| bad("ExternalEmailAddress is required."))?;
                    new_contact(&guid, &name, ext)
                }
                "InboundConnector" => serde_json::from_value(json!({
                    "Guid": guid, "Name": name, "Enabled": true, "ConnectorType": "Partner", "ConnectorSource": "Default",
                    "Comment": null, "SenderDomains": [], "SenderIPAddresses": [], "RequireTls": true,
                    "RestrictDomainsToCertificate": false, "RestrictDomainsToIPAddresses": false,
                    "TlsSenderCertificateName": null, "CloudServicesMailEnabled": false, "TreatMessagesAsInternal": false
                })).unwrap_or_default(),
                _ => serde_json::from_value(json!({
                    "Guid": guid, "Name": name, "Enabled": true, "UseMXRecord": true, "Comment": null,
                    "ConnectorType": "Partner", "ConnectorSource": "Default", "RecipientDomains": [], "SmartHosts": [],
                    "TlsDomain": null, "TlsSettings": null, "IsTransportRuleScoped": false,
                    "RouteAllMessagesViaOnPremises": false, "CloudServicesMailEnabled": false, "AllAcceptedDomains": false,
                    "SenderRewritingEnabled": false, "MtaStsMode": "Opportunistic", "SmtpDaneMode": "Opportunistic",
                    "TestMode": false, "ValidationRecipients": [], "IsValidated": false, "LastValidationTimestamp": null
                })).unwrap_or_default(),
            };
            let mut rest = params.clone();
            rest.remove("ExternalEmailAddress");
            set_props(&mut o, &rest, noun)?;
            list.push(o.clone());
            if delay > 0 {
                st.replicating.insert(guid, delay);
            }
            Ok(vec![o])
        }
        "Set" | "Remove" => {
            let id = identity.ok_or_else(|| bad("Identity is required."))?;
            let idx = list
                .iter()
                .position(|o| matches(o, &id))
                .ok_or_else(|| not_found(&id))?;
            if verb == "Remove" {
                list.remove(idx);
            } else {
                let mut o = list[idx].clone();
                set_props(&mut o, params, noun)?;
                list[idx] = o;
            }
            Ok(Vec::new())
        }
        _ => Err(bad("unsupported verb")),
    }
}

fn list_of<'a>(t: &'a mut Tenant, noun: &str) -> &'a mut Vec<Obj> {
    match noun {
        "Mailbox" => &mut t.mailboxes,
        "MailContact" => &mut t.contacts,
        "InboundConnector" => &mut t.inbound,
        _ => &mut t.outbound,
    }
}

/// Identity resolution: Guid, Name, Alias or an address (case-insensitive).
fn matches(o: &Obj, id: &str) -> bool {
    let id = id.trim().to_lowercase();
    let bare = |s: &str| {
        s.split_once(':')
            .map(|(_, a)| a)
            .unwrap_or(s)
            .to_lowercase()
    };
    [
        "Guid",
        "Name",
        "Alias",
        "PrimarySmtpAddress",
        "ExternalEmailAddress",
    ]
    .iter()
    .filter_map(|k| o.get(*k).and_then(Value::as_str))
    .any(|v| v.to_lowercase() == id || bare(v) == id)
}

const CERT_LISTS: &[&str] = &["UserCertificate", "UserSMimeCertificate"];

fn set_props(o: &mut Obj, params: &Obj, noun: &str) -> Result<(), (u16, Value)> {
    for (k, v) in params {
        if k.contains('@') || ["Identity", "Confirm", "WhatIf", "Force"].contains(&k.as_str()) {
            continue;
        }
        let stored = if CERT_LISTS.contains(&k.as_str()) {
            match v {
                Value::Null => json!([]),
                Value::Array(items) => {
                    if params.get(&format!("{k}@odata.type"))
                        != Some(&json!("#Collection(Exchange.ByteArrayType)"))
                    {
                        return Err(bad(&format!("Cannot process argument transformation on parameter '{k}': a collection of byte arrays needs \"{k}@odata.type\": \"#Collection(Exchange.ByteArrayType)\".")));
                    }
                    let mut out = Vec::new();
                    for it in items {
                        let data = it.get("Data").and_then(Value::as_str).ok_or_else(|| {
                            bad(&format!("Cannot process argument transformation on parameter '{k}': an item has no Data."))
                        })?;
                        base64::engine::general_purpose::STANDARD.decode(data).map_err(|_| {
                            bad(&format!("Cannot process argument transformation on parameter '{k}': Data is not base64."))
                        })?;
                        out.push(json!(data));
                    }
                    Value::Array(out)
                }
                _ => {
                    return Err(bad(&format!(
                        "Cannot process argument transformation on parameter '{k}'."
                    )))
                }
            }
        } else if k == "SMIMECertificateIssuingCA" {
            match v {
                Value::Null => Value::Null,
                Value::Object(m) if m.get("@odata.type") == Some(&json!("#Exchange.ByteArrayType")) => {
                    let data = m.get("Data").and_then(Value::as_str).unwrap_or_default();
                    if base64::engine::general_purpose::STANDARD.decode(data).is_err() {
                        return Err(bad("SMIMECertificateIssuingCA has wrong format"));
                    }
                    json!(data)
                }
                _ => return Err(bad("Cannot process argument transformation on parameter 'SMIMECertificateIssuingCA'.")),
            }
        } else if let Value::Object(m) = v {
            if m.get("@odata.type") != Some(&json!("#Exchange.GenericHashTable")) {
                return Err(bad(&format!(
                    "Cannot process argument transformation on parameter '{k}'."
                )));
            }
            let mut cur: Vec<Value> = o
                .get(k)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let norm = |x: &Value| x.as_str().map(|s| address_space(noun, k, s).to_lowercase());
            for (op, vals) in m {
                let vals: Vec<Value> = match vals {
                    Value::Array(a) => a.clone(),
                    Value::Null => Vec::new(),
                    one => vec![one.clone()],
                };
                match op.as_str() {
                    "@odata.type" => {}
                    "Add" | "+" => {
                        for x in vals {
                            if !cur.iter().any(|c| norm(c) == norm(&x)) {
                                cur.push(x);
                            }
                        }
                    }
                    "Remove" | "-" => cur.retain(|c| !vals.iter().any(|x| norm(x) == norm(c))),
                    other => return Err(bad(&format!("unknown operation '{other}'"))),
                }
            }
            Value::Array(cur)
        } else {
            v.clone()
        };
        // Live inbound SenderDomains are address spaces (cmdlets.md 4.2).
        let stored = if noun == "InboundConnector" && k == "SenderDomains" {
            match stored {
                Value::Array(a) => Value::Array(
                    a.into_iter()
                        .map(|x| match x.as_str() {
                            Some(s) => json!(format!("smtp:{};1", address_space(noun, k, s))),
                            None => x,
                        })
                        .collect(),
                ),
                other => other,
            }
        } else {
            stored
        };
        o.insert(k.clone(), stored);
    }
    Ok(())
}

fn address_space(noun: &str, k: &str, s: &str) -> String {
    if noun == "InboundConnector" && k == "SenderDomains" {
        let s = s.strip_prefix("smtp:").unwrap_or(s);
        s.split(';').next().unwrap_or(s).to_string()
    } else {
        s.to_string()
    }
}
