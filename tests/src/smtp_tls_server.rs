//! A reusable ESMTP test server with STARTTLS (tokio + rustls/ring) on 127.0.0.1, certificates made at
//! run time by rcgen, that records every session and every message it receives for the test to poll.
//!
//! ```no_run
//! use mailsec_e2e::smtp_tls_server::SmtpTlsServer;
//! use std::time::{Duration, Instant};
//! let server = SmtpTlsServer::builder().names(["mx.partner.example"]).start().unwrap();
//! // point a client (Postfix with smtp_tls_CAfile = server.ca_pem_path(), or mailsec's probe) at
//! // server.addr(), then:
//! let got = server.wait_for_messages(1, Instant::now() + Duration::from_secs(30)).unwrap();
//! assert!(got[0].tls);
//! ```
//!
//! What it offers is chosen with the builder: the leaf's DNS names (to match or not match what the
//! client expects), an expired leaf, no STARTTLS at all, TLS 1.3 only (TLS 1.2 is the minimum by
//! default), or a peer stuck on TLS 1.0/1.1 (it answers the ClientHello with an old ServerHello, as such
//! servers do). The server runs on its own small tokio runtime, so tests stay synchronous, serves many
//! connections at once, and stops when the value is dropped.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener as StdTcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

/// Largest message the server accepts (advertised as `SIZE`).
pub const MAX_MESSAGE_SIZE: usize = 10 * 1024 * 1024;
/// Longest command or data line read before the server gives up on a client (RFC 5321 allows 1000
/// octets; this is lenient but bounded).
const MAX_LINE: u64 = 64 * 1024;
/// How long the server waits for the next command, or for a TLS handshake, before it hangs up.
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// A TLS version an old peer is stuck on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegacyTls {
    Tls10,
    Tls11,
}

impl LegacyTls {
    fn wire(self) -> [u8; 2] {
        match self {
            LegacyTls::Tls10 => [3, 1],
            LegacyTls::Tls11 => [3, 2],
        }
    }
}

/// Why the server could not start.
#[derive(Debug)]
pub enum StartError {
    /// rcgen could not make the test CA or leaf certificate.
    Certificate(rcgen::Error),
    /// rustls refused the generated certificate or the protocol versions.
    Tls(rustls::Error),
    /// Binding the port, writing the CA file, or starting the runtime failed.
    Io(&'static str, io::Error),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Certificate(e) => {
                write!(f, "test SMTP server: generating certificates: {e}")
            }
            StartError::Tls(e) => write!(f, "test SMTP server: TLS configuration: {e}"),
            StartError::Io(what, e) => write!(f, "test SMTP server: {what}: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

/// What the server offers; build with [`SmtpTlsServer::builder`].
#[derive(Clone, Debug)]
pub struct Builder {
    names: Vec<String>,
    hostname: Option<String>,
    ip: Ipv4Addr,
    port: u16,
    starttls: bool,
    tls13_only: bool,
    legacy: Option<LegacyTls>,
    not_before: time::OffsetDateTime,
    not_after: time::OffsetDateTime,
}

impl Default for Builder {
    fn default() -> Self {
        let now = time::OffsetDateTime::now_utc();
        Builder {
            names: vec!["localhost".to_string()],
            hostname: None,
            ip: Ipv4Addr::LOCALHOST,
            port: 0,
            starttls: true,
            tls13_only: false,
            legacy: None,
            not_before: now - time::Duration::days(1),
            not_after: now + time::Duration::days(365),
        }
    }
}

impl Builder {
    /// The leaf certificate's subjectAltName entries (DNS names, or IP addresses written as such);
    /// the first is also its common name and the server's banner host name.
    pub fn names<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.names = names.into_iter().map(Into::into).collect();
        self
    }

    /// The host name in the banner and EHLO reply (default: the leaf's first name). Postfix refuses to
    /// deliver to a server that greets it with its own `myhostname` (mail loop), so keep them apart.
    pub fn hostname(mut self, hostname: impl Into<String>) -> Self {
        self.hostname = Some(hostname.into());
        self
    }

    /// Listen on this loopback address instead of 127.0.0.1 (Linux routes all of 127.0.0.0/8 to the
    /// loopback): a server on a fixed port such as 25 then has an address of its own.
    pub fn ip(mut self, ip: Ipv4Addr) -> Self {
        self.ip = ip;
        self
    }

    /// Listen on this port instead of an ephemeral one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Do not advertise or accept STARTTLS: mail can only arrive in clear.
    pub fn no_starttls(mut self) -> Self {
        self.starttls = false;
        self
    }

    /// Accept TLS 1.3 only (default: TLS 1.2 and 1.3).
    pub fn tls13_only(mut self) -> Self {
        self.tls13_only = true;
        self
    }

    /// Behave like a server that speaks only this old TLS version: after STARTTLS it answers the
    /// client's hello with a ServerHello for that version (no handshake can complete with a client
    /// that requires TLS 1.2 or later).
    pub fn legacy_tls_only(mut self, version: LegacyTls) -> Self {
        self.legacy = Some(version);
        self
    }

    /// Make the leaf expired: valid from two years ago until one year ago.
    pub fn expired(mut self) -> Self {
        let now = time::OffsetDateTime::now_utc();
        self.not_before = now - time::Duration::days(730);
        self.not_after = now - time::Duration::days(365);
        self
    }

    /// The leaf's validity period, for tests that pin the validation time.
    pub fn validity(
        mut self,
        not_before: time::OffsetDateTime,
        not_after: time::OffsetDateTime,
    ) -> Self {
        self.not_before = not_before;
        self.not_after = not_after;
        self
    }

    /// Generate the certificates, bind 127.0.0.1, and start serving.
    pub fn start(self) -> Result<SmtpTlsServer, StartError> {
        SmtpTlsServer::start(self)
    }
}

/// One message the server accepted (after the final `.` of DATA).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// The client's address.
    pub peer: SocketAddr,
    /// The name given in the last EHLO/HELO.
    pub helo: String,
    /// The reverse path of MAIL FROM, without angle brackets (empty for the null sender).
    pub mail_from: String,
    /// The forward paths of RCPT TO, without angle brackets, in order.
    pub rcpt_to: Vec<String>,
    /// The message as received, lines ending in CRLF, dot-unstuffed, without the final `.` line.
    pub data: Vec<u8>,
    /// Did the message arrive over TLS?
    pub tls: bool,
    /// `TLSv1.2` or `TLSv1.3` when it did.
    pub tls_version: Option<String>,
    /// The server name the client sent in its TLS hello (SNI), if any.
    pub sni: Option<String>,
}

impl ReceivedMessage {
    /// The data as text (lossy), for assertions.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// One finished connection, whether or not a message was sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Session {
    pub peer: Option<SocketAddr>,
    /// The name given in the last EHLO/HELO.
    pub helo: Option<String>,
    /// The client asked for STARTTLS and the server said go ahead.
    pub starttls: bool,
    /// The TLS handshake completed.
    pub tls: bool,
    pub tls_version: Option<String>,
    pub cipher_suite: Option<String>,
    pub sni: Option<String>,
    /// Why the TLS handshake failed, as the server saw it (a client that rejects the certificate
    /// usually shows up here as an alert it sent).
    pub tls_error: Option<String>,
    /// The command verbs the client sent, upper-cased, in order.
    pub commands: Vec<String>,
    /// Messages accepted in this session.
    pub messages: usize,
    /// The client said QUIT (rather than hanging up).
    pub quit: bool,
}

/// A wait that reached its deadline; carries what had arrived by then, for the failure message.
#[derive(Debug)]
pub struct WaitTimeout {
    pub wanted: usize,
    pub messages: Vec<ReceivedMessage>,
    pub sessions: Vec<Session>,
}

impl fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "test SMTP server: wanted {} but had {} message(s) and {} finished session(s) by the deadline; sessions: {:?}",
            self.wanted,
            self.messages.len(),
            self.sessions.len(),
            self.sessions
        )
    }
}

impl std::error::Error for WaitTimeout {}

#[derive(Default)]
struct Records {
    messages: Vec<ReceivedMessage>,
    sessions: Vec<Session>,
}

struct Shared {
    records: Mutex<Records>,
    changed: Condvar,
    hostname: String,
    starttls: bool,
    legacy: Option<LegacyTls>,
    acceptor: TlsAcceptor,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Records> {
        // A panicking connection task cannot leave Records half-written (each push is one step).
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running test SMTP server; stops when dropped.
pub struct SmtpTlsServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
    dir: tempfile::TempDir,
    ca_pem: String,
    ca_der: Vec<u8>,
    leaf_der: Vec<u8>,
    names: Vec<String>,
}

impl SmtpTlsServer {
    pub fn builder() -> Builder {
        Builder::default()
    }

    fn start(b: Builder) -> Result<SmtpTlsServer, StartError> {
        // The CA.
        let ca_key = rcgen::KeyPair::generate().map_err(StartError::Certificate)?;
        let mut ca_params =
            rcgen::CertificateParams::new(Vec::<String>::new()).map_err(StartError::Certificate)?;
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        // A name of its own per server: two test CAs of the same name would look like one CA that
        // signed with another key, rather than an unknown root.
        ca_params.distinguished_name.push(
            rcgen::DnType::CommonName,
            format!("mailsec test SMTP CA {}", unique_suffix()),
        );
        ca_params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "mailsec tests");
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let now = time::OffsetDateTime::now_utc();
        ca_params.not_before = (now - time::Duration::days(3650)).min(b.not_before);
        ca_params.not_after = (now + time::Duration::days(3650)).max(b.not_after);
        let ca = ca_params
            .self_signed(&ca_key)
            .map_err(StartError::Certificate)?;

        // The leaf.
        let leaf_key = rcgen::KeyPair::generate().map_err(StartError::Certificate)?;
        let mut leaf_params =
            rcgen::CertificateParams::new(b.names.clone()).map_err(StartError::Certificate)?;
        if let Some(first) = b.names.first() {
            leaf_params
                .distinguished_name
                .push(rcgen::DnType::CommonName, first.as_str());
        }
        leaf_params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "mailsec tests");
        leaf_params.is_ca = rcgen::IsCa::ExplicitNoCa;
        leaf_params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        leaf_params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        ];
        leaf_params.use_authority_key_identifier_extension = true;
        leaf_params.not_before = b.not_before;
        leaf_params.not_after = b.not_after;
        let leaf = leaf_params
            .signed_by(&leaf_key, &ca, &ca_key)
            .map_err(StartError::Certificate)?;

        // TLS.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let versions: &[&'static rustls::SupportedProtocolVersion] = if b.tls13_only {
            &[&rustls::version::TLS13]
        } else {
            &[&rustls::version::TLS13, &rustls::version::TLS12]
        };
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .map_err(StartError::Tls)?
            .with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from(leaf.der().to_vec())], key)
            .map_err(StartError::Tls)?;

        let dir = tempfile::Builder::new()
            .prefix("mailsec-smtp-tls-")
            .tempdir()
            .map_err(|e| StartError::Io("creating the CA folder", e))?;
        let ca_pem = ca.pem();
        std::fs::write(dir.path().join("ca.pem"), &ca_pem)
            .map_err(|e| StartError::Io("writing ca.pem", e))?;
        std::fs::write(dir.path().join("leaf.pem"), leaf.pem())
            .map_err(|e| StartError::Io("writing leaf.pem", e))?;

        let std_listener = StdTcpListener::bind(SocketAddrV4::new(b.ip, b.port))
            .map_err(|e| StartError::Io("binding the listening address", e))?;
        std_listener
            .set_nonblocking(true)
            .map_err(|e| StartError::Io("making the listener non-blocking", e))?;
        let addr = std_listener
            .local_addr()
            .map_err(|e| StartError::Io("reading the listener's address", e))?;

        let hostname = b
            .hostname
            .clone()
            .or_else(|| b.names.first().cloned())
            .unwrap_or_else(|| "localhost".to_string());
        let shared = Arc::new(Shared {
            records: Mutex::new(Records::default()),
            changed: Condvar::new(),
            hostname,
            starttls: b.starttls,
            legacy: b.legacy,
            acceptor: TlsAcceptor::from(Arc::new(config)),
        });

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("smtp-tls-test-server")
            .enable_all()
            .build()
            .map_err(|e| StartError::Io("starting the tokio runtime", e))?;
        let accept_shared = shared.clone();
        runtime.spawn(async move {
            let listener = match TcpListener::from_std(std_listener) {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("test SMTP server: cannot listen: {e}");
                    return;
                }
            };
            loop {
                match listener.accept().await {
                    Ok((stream, peer)) => {
                        tokio::spawn(serve(stream, peer, accept_shared.clone()));
                    }
                    // Out of file descriptors and the like: keep serving the connections we have.
                    Err(e) => {
                        eprintln!("test SMTP server: accept failed: {e}");
                        tokio::task::yield_now().await;
                    }
                }
            }
        });

        Ok(SmtpTlsServer {
            addr,
            shared,
            runtime: Some(runtime),
            dir,
            ca_pem,
            ca_der: ca.der().to_vec(),
            leaf_der: leaf.der().to_vec(),
            names: b.names,
        })
    }

    /// Where the server listens (127.0.0.1 and its port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The test CA certificate, PEM.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The test CA certificate, DER.
    pub fn ca_der(&self) -> &[u8] {
        &self.ca_der
    }

    /// A file holding the test CA certificate (PEM), for a client's trust store (Postfix's
    /// `smtp_tls_CAfile`, mailsec's probe CA file). Removed when the server is dropped.
    pub fn ca_pem_path(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// A file holding the leaf certificate (PEM).
    pub fn leaf_pem_path(&self) -> PathBuf {
        self.dir.path().join("leaf.pem")
    }

    /// The leaf certificate the server presents, DER.
    pub fn leaf_der(&self) -> &[u8] {
        &self.leaf_der
    }

    /// The leaf's subjectAltName entries.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The folder holding `ca.pem` and `leaf.pem`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The messages received so far.
    pub fn messages(&self) -> Vec<ReceivedMessage> {
        self.shared.lock().messages.clone()
    }

    /// The sessions finished so far.
    pub fn sessions(&self) -> Vec<Session> {
        self.shared.lock().sessions.clone()
    }

    /// Wait until at least `n` messages have arrived or `deadline` passes; returns all messages so far.
    pub fn wait_for_messages(
        &self,
        n: usize,
        deadline: Instant,
    ) -> Result<Vec<ReceivedMessage>, WaitTimeout> {
        self.wait(n, deadline, |r| r.messages.len())
            .map(|r| r.messages)
    }

    /// Wait until at least `n` sessions have finished or `deadline` passes; returns all sessions so far.
    pub fn wait_for_sessions(
        &self,
        n: usize,
        deadline: Instant,
    ) -> Result<Vec<Session>, WaitTimeout> {
        self.wait(n, deadline, |r| r.sessions.len())
            .map(|r| r.sessions)
    }

    fn wait(
        &self,
        n: usize,
        deadline: Instant,
        count: impl Fn(&Records) -> usize,
    ) -> Result<Records, WaitTimeout> {
        let mut guard = self.shared.lock();
        loop {
            if count(&guard) >= n {
                return Ok(Records {
                    messages: guard.messages.clone(),
                    sessions: guard.sessions.clone(),
                });
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(WaitTimeout {
                    wanted: n,
                    messages: guard.messages.clone(),
                    sessions: guard.sessions.clone(),
                });
            }
            // Woken by every new record; the timeout only bounds the wait by the deadline.
            guard = match self.shared.changed.wait_timeout(guard, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }
}

impl Drop for SmtpTlsServer {
    fn drop(&mut self) {
        // Cancels the accept loop and every connection task; safe inside an async context too.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Process id, a per-process counter and the clock: distinct for every server a test run makes.
fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{:x}-{:x}-{nanos:x}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// The TLS facts of an established session.
#[derive(Clone, Debug)]
struct TlsFacts {
    version: String,
    cipher: Option<String>,
    sni: Option<String>,
}

fn version_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
        other => format!("{other:?}"),
    }
}

/// Serve one connection to its end and record the session.
async fn serve(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let mut session = Session {
        peer: Some(peer),
        ..Session::default()
    };
    serve_inner(stream, peer, &shared, &mut session).await;
    let mut records = shared.lock();
    records.sessions.push(session);
    shared.changed.notify_all();
}

async fn serve_inner(
    stream: TcpStream,
    peer: SocketAddr,
    shared: &Arc<Shared>,
    session: &mut Session,
) {
    let mut plain = BufReader::new(stream);
    let banner = format!("220 {} ESMTP mailsec test server\r\n", shared.hostname);
    if reply(&mut plain, &banner).await.is_err() {
        return;
    }
    match dialogue(&mut plain, peer, shared, session, None).await {
        Next::Close => {}
        Next::StartTls => {
            // Anything the client pipelined after STARTTLS was sent in clear: a STARTTLS injection.
            // Drop the connection rather than carry it into the TLS session (RFC 3207 section 4.2).
            if !plain.buffer().is_empty() {
                session.tls_error =
                    Some("client sent data after STARTTLS before the TLS handshake".into());
                return;
            }
            let mut tcp = plain.into_inner();
            if let Some(legacy) = shared.legacy {
                session.tls_error = Some(legacy_hello(&mut tcp, legacy).await);
                return;
            }
            let tls = match tokio::time::timeout(IDLE_TIMEOUT, shared.acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    session.tls_error = Some(e.to_string());
                    return;
                }
                Err(_) => {
                    session.tls_error = Some("TLS handshake timed out".into());
                    return;
                }
            };
            let (_, conn) = tls.get_ref();
            let facts = TlsFacts {
                version: conn
                    .protocol_version()
                    .map(version_name)
                    .unwrap_or_default(),
                cipher: conn
                    .negotiated_cipher_suite()
                    .map(|c| format!("{:?}", c.suite())),
                sni: conn.server_name().map(str::to_string),
            };
            session.tls = true;
            session.tls_version = Some(facts.version.clone());
            session.cipher_suite = facts.cipher.clone();
            session.sni = facts.sni.clone();
            let mut tls = BufReader::new(tls);
            let _ = dialogue(&mut tls, peer, shared, session, Some(&facts)).await;
            let _ = tls.into_inner().shutdown().await;
        }
    }
}

/// Read the client's hello and answer it as a server that only speaks `legacy` would: a ServerHello
/// for that version with an old cipher suite. Returns what to record as the session's TLS outcome.
async fn legacy_hello(tcp: &mut TcpStream, legacy: LegacyTls) -> String {
    let mut header = [0u8; 5];
    let read = async {
        tcp.read_exact(&mut header).await?;
        let len = u16::from_be_bytes([header[3], header[4]]) as usize;
        let mut body = vec![0u8; len];
        tcp.read_exact(&mut body).await?;
        Ok::<_, io::Error>(())
    };
    match tokio::time::timeout(IDLE_TIMEOUT, read).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return format!("reading the client hello: {e}"),
        Err(_) => return "timed out waiting for the client hello".to_string(),
    }
    let [major, minor] = legacy.wire();
    let mut hello = vec![major, minor];
    hello.extend_from_slice(&[0x5a; 32]); // server random
    hello.push(0); // empty session id
    hello.extend_from_slice(&[0x00, 0x2f]); // TLS_RSA_WITH_AES_128_CBC_SHA
    hello.push(0); // null compression
    let mut handshake = vec![2u8, 0, 0, hello.len() as u8];
    handshake.extend_from_slice(&hello);
    let mut record = vec![0x16, major, minor, 0, handshake.len() as u8];
    record.extend_from_slice(&handshake);
    if let Err(e) = tcp.write_all(&record).await {
        return format!("sending the legacy server hello: {e}");
    }
    // Let the client answer (it should send a protocol_version alert) before we hang up.
    let mut rest = [0u8; 64];
    let _ = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut rest)).await;
    format!("offered only {legacy:?}")
}

enum Next {
    Close,
    StartTls,
}

async fn reply<S: AsyncWrite + Unpin>(s: &mut S, text: &str) -> io::Result<()> {
    s.write_all(text.as_bytes()).await?;
    s.flush().await
}

/// Read one line (up to and including LF) into `buf`; `Ok(false)` at end of stream.
async fn read_line<S: AsyncBufRead + Unpin>(s: &mut S, buf: &mut Vec<u8>) -> io::Result<bool> {
    buf.clear();
    let n = tokio::time::timeout(
        IDLE_TIMEOUT,
        (&mut *s).take(MAX_LINE).read_until(b'\n', buf),
    )
    .await
    .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "client idle"))??;
    if n == 0 {
        return Ok(false);
    }
    if !buf.ends_with(b"\n") {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
    }
    Ok(true)
}

/// The path inside `<...>` after `FROM:`/`TO:`, and the rest (ESMTP parameters).
fn parse_path(arg: &str) -> Option<(String, String)> {
    let arg = arg.trim_start();
    let rest = arg.strip_prefix('<')?;
    let end = rest.find('>')?;
    Some((rest[..end].to_string(), rest[end + 1..].trim().to_string()))
}

fn size_param(params: &str) -> Option<usize> {
    params.split_whitespace().find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.eq_ignore_ascii_case("SIZE")
            .then(|| v.parse().ok())
            .flatten()
    })
}

/// One SMTP dialogue on `s` (plain before STARTTLS, or the TLS session after it).
async fn dialogue<S>(
    s: &mut S,
    peer: SocketAddr,
    shared: &Shared,
    session: &mut Session,
    tls: Option<&TlsFacts>,
) -> Next
where
    S: AsyncBufRead + AsyncWrite + Unpin,
{
    let mut greeted = false;
    let mut mail_from: Option<String> = None;
    let mut rcpt_to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        match read_line(s, &mut line).await {
            Ok(true) => {}
            Ok(false) | Err(_) => return Next::Close,
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let (verb, arg) = match text.split_once(' ') {
            Some((v, a)) => (v.to_ascii_uppercase(), a.trim()),
            None => (text.to_ascii_uppercase(), ""),
        };
        session.commands.push(verb.clone());
        let answer: String = match verb.as_str() {
            "EHLO" | "HELO" if arg.is_empty() => "501 5.5.4 Syntax: EHLO hostname\r\n".into(),
            "EHLO" => {
                greeted = true;
                session.helo = Some(arg.to_string());
                mail_from = None;
                rcpt_to.clear();
                let mut lines = vec![
                    shared.hostname.clone(),
                    "PIPELINING".into(),
                    format!("SIZE {MAX_MESSAGE_SIZE}"),
                    "8BITMIME".into(),
                ];
                if shared.starttls && tls.is_none() {
                    lines.push("STARTTLS".into());
                }
                let last = lines.len() - 1;
                lines
                    .iter()
                    .enumerate()
                    .map(|(i, l)| format!("250{}{l}\r\n", if i == last { ' ' } else { '-' }))
                    .collect()
            }
            "HELO" => {
                greeted = true;
                session.helo = Some(arg.to_string());
                mail_from = None;
                rcpt_to.clear();
                format!("250 {}\r\n", shared.hostname)
            }
            "STARTTLS" if !shared.starttls => "502 5.5.1 STARTTLS not offered here\r\n".into(),
            "STARTTLS" if tls.is_some() => "503 5.5.1 TLS already active\r\n".into(),
            "STARTTLS" if !arg.is_empty() => "501 5.5.4 Syntax: STARTTLS\r\n".into(),
            "STARTTLS" => {
                if reply(s, "220 2.0.0 Ready to start TLS\r\n").await.is_err() {
                    return Next::Close;
                }
                session.starttls = true;
                return Next::StartTls;
            }
            "MAIL" if !greeted => "503 5.5.1 Error: send HELO/EHLO first\r\n".into(),
            "MAIL" if mail_from.is_some() => "503 5.5.1 Error: nested MAIL command\r\n".into(),
            "MAIL" => match arg
                .get(..5)
                .filter(|p| p.eq_ignore_ascii_case("FROM:"))
                .and_then(|_| parse_path(&arg[5..]))
            {
                Some((_, params)) if size_param(&params).is_some_and(|n| n > MAX_MESSAGE_SIZE) => {
                    "552 5.3.4 Message size exceeds fixed limit\r\n".into()
                }
                Some((path, _)) => {
                    mail_from = Some(path);
                    "250 2.1.0 Ok\r\n".into()
                }
                None => "501 5.5.4 Syntax: MAIL FROM:<address>\r\n".into(),
            },
            "RCPT" if mail_from.is_none() => "503 5.5.1 Error: need MAIL command\r\n".into(),
            "RCPT" => match arg
                .get(..3)
                .filter(|p| p.eq_ignore_ascii_case("TO:"))
                .and_then(|_| parse_path(&arg[3..]))
            {
                Some((path, _)) if !path.is_empty() => {
                    rcpt_to.push(path);
                    "250 2.1.5 Ok\r\n".into()
                }
                _ => "501 5.5.4 Syntax: RCPT TO:<address>\r\n".into(),
            },
            "DATA" if rcpt_to.is_empty() => "503 5.5.1 Error: need RCPT command\r\n".into(),
            "DATA" => {
                if reply(s, "354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await
                    .is_err()
                {
                    return Next::Close;
                }
                let mut data = Vec::new();
                let mut too_big = false;
                loop {
                    match read_line(s, &mut line).await {
                        Ok(true) => {}
                        Ok(false) | Err(_) => return Next::Close,
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                    let content = if line.first() == Some(&b'.') {
                        &line[1..]
                    } else {
                        &line[..]
                    };
                    if data.len() + content.len() > MAX_MESSAGE_SIZE {
                        too_big = true;
                    } else {
                        data.extend_from_slice(content);
                    }
                }
                let from = mail_from.take().unwrap_or_default();
                let to = std::mem::take(&mut rcpt_to);
                if too_big {
                    "552 5.3.4 Message size exceeds fixed limit\r\n".into()
                } else {
                    let id = {
                        let mut records = shared.lock();
                        records.messages.push(ReceivedMessage {
                            peer,
                            helo: session.helo.clone().unwrap_or_default(),
                            mail_from: from,
                            rcpt_to: to,
                            data,
                            tls: tls.is_some(),
                            tls_version: tls.map(|t| t.version.clone()),
                            sni: tls.and_then(|t| t.sni.clone()),
                        });
                        shared.changed.notify_all();
                        records.messages.len()
                    };
                    session.messages += 1;
                    format!("250 2.0.0 Ok: queued as TEST{id:06}\r\n")
                }
            }
            "RSET" => {
                mail_from = None;
                rcpt_to.clear();
                "250 2.0.0 Ok\r\n".into()
            }
            "NOOP" => "250 2.0.0 Ok\r\n".into(),
            "VRFY" => "252 2.0.0 Cannot VRFY user\r\n".into(),
            "QUIT" => {
                session.quit = true;
                let _ = reply(s, "221 2.0.0 Bye\r\n").await;
                return Next::Close;
            }
            _ => "500 5.5.2 Error: command not recognized\r\n".into(),
        };
        if reply(s, &answer).await.is_err() {
            return Next::Close;
        }
    }
}

#[cfg(test)]
mod tests {
    //! A small SMTP client here drives the server the way an MTA would.
    use super::*;
    use rustls::pki_types::ServerName;

    /// Read one (possibly multi-line) reply; returns the code and the text lines.
    async fn read_reply<S: AsyncBufRead + Unpin>(s: &mut S) -> (u16, Vec<String>) {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = s.read_line(&mut line).await.expect("read reply");
            assert!(n > 0, "server hung up; had {lines:?}");
            let code: u16 = line[..3].parse().expect("reply code");
            let more = line.as_bytes().get(3) == Some(&b'-');
            lines.push(line[4..].trim_end().to_string());
            if !more {
                return (code, lines);
            }
        }
    }

    async fn cmd<S: AsyncBufRead + AsyncWrite + Unpin>(s: &mut S, c: &str) -> (u16, Vec<String>) {
        s.write_all(format!("{c}\r\n").as_bytes())
            .await
            .expect("write");
        s.flush().await.expect("flush");
        read_reply(s).await
    }

    fn client_config(server: &SmtpTlsServer, tls13_only: bool) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from(server.ca_der().to_vec()))
            .expect("add test CA");
        let versions: &[&'static rustls::SupportedProtocolVersion] = if tls13_only {
            &[&rustls::version::TLS13]
        } else {
            &[&rustls::version::TLS12]
        };
        Arc::new(
            rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_protocol_versions(versions)
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth(),
        )
    }

    async fn send_message<S: AsyncBufRead + AsyncWrite + Unpin>(s: &mut S, body: &str) -> u16 {
        assert_eq!(
            cmd(s, "MAIL FROM:<alice@sender.example> SIZE=100").await.0,
            250
        );
        assert_eq!(cmd(s, "RCPT TO:<bob@partner.example>").await.0, 250);
        assert_eq!(cmd(s, "RCPT TO:<carol@partner.example>").await.0, 250);
        assert_eq!(cmd(s, "DATA").await.0, 354);
        s.write_all(body.as_bytes()).await.expect("body");
        s.write_all(b".\r\n").await.expect("end");
        s.flush().await.expect("flush");
        read_reply(s).await.0
    }

    async fn starttls_session(
        server: &SmtpTlsServer,
        sni: &str,
        tls13_only: bool,
    ) -> BufReader<tokio_rustls::client::TlsStream<TcpStream>> {
        let tcp = TcpStream::connect(server.addr()).await.expect("connect");
        let mut plain = BufReader::new(tcp);
        assert_eq!(read_reply(&mut plain).await.0, 220);
        let (code, ehlo) = cmd(&mut plain, "EHLO client.example").await;
        assert_eq!(code, 250);
        assert!(ehlo.iter().any(|l| l == "STARTTLS"), "{ehlo:?}");
        assert!(ehlo.iter().any(|l| l == "PIPELINING"), "{ehlo:?}");
        assert!(ehlo.iter().any(|l| l == "8BITMIME"), "{ehlo:?}");
        assert!(ehlo.iter().any(|l| l.starts_with("SIZE ")), "{ehlo:?}");
        assert_eq!(cmd(&mut plain, "STARTTLS").await.0, 220);
        let connector = tokio_rustls::TlsConnector::from(client_config(server, tls13_only));
        let name = ServerName::try_from(sni.to_string()).expect("server name");
        let tls = connector
            .connect(name, plain.into_inner())
            .await
            .expect("TLS handshake");
        let mut tls = BufReader::new(tls);
        let (code, ehlo) = cmd(&mut tls, "EHLO client.example").await;
        assert_eq!(code, 250);
        assert!(
            !ehlo.iter().any(|l| l == "STARTTLS"),
            "STARTTLS offered twice: {ehlo:?}"
        );
        tls
    }

    fn deadline() -> Instant {
        Instant::now() + Duration::from_secs(30)
    }

    #[tokio::test]
    async fn delivers_over_starttls_and_records_the_message() {
        let server = SmtpTlsServer::builder()
            .names(["mx.partner.example"])
            .start()
            .expect("start");
        let mut tls = starttls_session(&server, "mx.partner.example", false).await;
        let body = "Subject: hi\r\n\r\n.leading dot\r\n..two dots\r\nend\r\n";
        assert_eq!(send_message(&mut tls, body).await, 250);
        assert_eq!(cmd(&mut tls, "QUIT").await.0, 221);
        let got = server.wait_for_messages(1, deadline()).expect("message");
        assert_eq!(got.len(), 1);
        let m = &got[0];
        assert_eq!(m.mail_from, "alice@sender.example");
        assert_eq!(m.rcpt_to, ["bob@partner.example", "carol@partner.example"]);
        assert_eq!(
            m.text(),
            "Subject: hi\r\n\r\nleading dot\r\n.two dots\r\nend\r\n"
        );
        assert!(m.tls);
        assert_eq!(m.tls_version.as_deref(), Some("TLSv1.2"));
        assert_eq!(m.sni.as_deref(), Some("mx.partner.example"));
        assert_eq!(m.helo, "client.example");
        let sessions = server.wait_for_sessions(1, deadline()).expect("session");
        assert!(sessions[0].quit && sessions[0].tls && sessions[0].starttls);
        assert_eq!(sessions[0].messages, 1);
        assert!(sessions[0]
            .cipher_suite
            .as_deref()
            .is_some_and(|c| c.starts_with("TLS_")));
    }

    #[tokio::test]
    async fn plaintext_session_without_starttls() {
        let server = SmtpTlsServer::builder()
            .no_starttls()
            .start()
            .expect("start");
        let tcp = TcpStream::connect(server.addr()).await.expect("connect");
        let mut s = BufReader::new(tcp);
        assert_eq!(read_reply(&mut s).await.0, 220);
        // Commands out of order are refused.
        assert_eq!(cmd(&mut s, "MAIL FROM:<a@b.example>").await.0, 503);
        let (code, ehlo) = cmd(&mut s, "EHLO c.example").await;
        assert_eq!(code, 250);
        assert!(!ehlo.iter().any(|l| l == "STARTTLS"), "{ehlo:?}");
        assert_eq!(cmd(&mut s, "STARTTLS").await.0, 502);
        assert_eq!(cmd(&mut s, "RCPT TO:<x@y.example>").await.0, 503);
        assert_eq!(cmd(&mut s, "DATA").await.0, 503);
        assert_eq!(
            cmd(&mut s, "MAIL FROM:<a@b.example> SIZE=999999999999")
                .await
                .0,
            552
        );
        assert_eq!(cmd(&mut s, "MAIL FROM:<a@b.example>").await.0, 250);
        assert_eq!(cmd(&mut s, "RSET").await.0, 250);
        assert_eq!(
            cmd(&mut s, "RCPT TO:<x@y.example>").await.0,
            503,
            "RSET cleared MAIL"
        );
        assert_eq!(cmd(&mut s, "NOOP").await.0, 250);
        assert_eq!(cmd(&mut s, "XYZZY").await.0, 500);
        assert_eq!(send_message(&mut s, "hello\r\n").await, 250);
        assert_eq!(cmd(&mut s, "QUIT").await.0, 221);
        let got = server.wait_for_messages(1, deadline()).expect("message");
        assert!(!got[0].tls);
        assert_eq!(got[0].tls_version, None);
        assert_eq!(got[0].text(), "hello\r\n");
    }

    #[tokio::test]
    async fn pipelined_commands_get_replies_in_order() {
        let server = SmtpTlsServer::builder()
            .no_starttls()
            .start()
            .expect("start");
        let tcp = TcpStream::connect(server.addr()).await.expect("connect");
        let mut s = BufReader::new(tcp);
        assert_eq!(read_reply(&mut s).await.0, 220);
        assert_eq!(cmd(&mut s, "EHLO c.example").await.0, 250);
        s.write_all(b"MAIL FROM:<>\r\nRCPT TO:<x@y.example>\r\nDATA\r\n")
            .await
            .expect("write");
        assert_eq!(read_reply(&mut s).await.0, 250);
        assert_eq!(read_reply(&mut s).await.0, 250);
        assert_eq!(read_reply(&mut s).await.0, 354);
        s.write_all(b"bounce\r\n.\r\nQUIT\r\n")
            .await
            .expect("write");
        assert_eq!(read_reply(&mut s).await.0, 250);
        assert_eq!(read_reply(&mut s).await.0, 221);
        let got = server.wait_for_messages(1, deadline()).expect("message");
        assert_eq!(got[0].mail_from, "", "null reverse path");
    }

    #[tokio::test]
    async fn tls13_only_negotiates_tls13_and_refuses_a_tls12_client() {
        let server = SmtpTlsServer::builder()
            .names(["mx.partner.example"])
            .tls13_only()
            .start()
            .expect("start");
        let mut tls = starttls_session(&server, "mx.partner.example", true).await;
        assert_eq!(cmd(&mut tls, "QUIT").await.0, 221);
        let sessions = server.wait_for_sessions(1, deadline()).expect("session");
        assert_eq!(sessions[0].tls_version.as_deref(), Some("TLSv1.3"));

        // A client limited to TLS 1.2 cannot get in.
        let tcp = TcpStream::connect(server.addr()).await.expect("connect");
        let mut plain = BufReader::new(tcp);
        read_reply(&mut plain).await;
        cmd(&mut plain, "EHLO c.example").await;
        assert_eq!(cmd(&mut plain, "STARTTLS").await.0, 220);
        let connector = tokio_rustls::TlsConnector::from(client_config(&server, false));
        let name = ServerName::try_from("mx.partner.example").expect("name");
        assert!(connector.connect(name, plain.into_inner()).await.is_err());
        let sessions = server
            .wait_for_sessions(2, deadline())
            .expect("second session");
        assert!(sessions[1].tls_error.is_some(), "{sessions:?}");
    }

    #[tokio::test]
    async fn expired_leaf_and_wrong_name_fail_a_verifying_client() {
        for (builder, sni) in [
            (
                SmtpTlsServer::builder()
                    .names(["mx.partner.example"])
                    .expired(),
                "mx.partner.example",
            ),
            (
                SmtpTlsServer::builder().names(["other.example"]),
                "mx.partner.example",
            ),
        ] {
            let server = builder.start().expect("start");
            let tcp = TcpStream::connect(server.addr()).await.expect("connect");
            let mut plain = BufReader::new(tcp);
            read_reply(&mut plain).await;
            cmd(&mut plain, "EHLO c.example").await;
            assert_eq!(cmd(&mut plain, "STARTTLS").await.0, 220);
            let connector = tokio_rustls::TlsConnector::from(client_config(&server, false));
            let name = ServerName::try_from(sni).expect("name");
            let err = connector
                .connect(name, plain.into_inner())
                .await
                .expect_err("the client must reject this certificate");
            let text = err.to_string();
            assert!(text.contains("certificate"), "{text}");
        }
    }

    #[tokio::test]
    async fn legacy_tls_peer_is_refused_by_rustls_as_too_old() {
        let server = SmtpTlsServer::builder()
            .legacy_tls_only(LegacyTls::Tls10)
            .start()
            .expect("start");
        let tcp = TcpStream::connect(server.addr()).await.expect("connect");
        let mut plain = BufReader::new(tcp);
        read_reply(&mut plain).await;
        cmd(&mut plain, "EHLO c.example").await;
        assert_eq!(cmd(&mut plain, "STARTTLS").await.0, 220);
        let connector = tokio_rustls::TlsConnector::from(client_config(&server, false));
        let err = connector
            .connect(
                ServerName::try_from("localhost").expect("name"),
                plain.into_inner(),
            )
            .await
            .expect_err("TLS 1.0 must be refused");
        let inner = err
            .get_ref()
            .and_then(|e| e.downcast_ref::<rustls::Error>())
            .cloned();
        assert_eq!(
            inner,
            Some(rustls::Error::PeerIncompatible(
                rustls::PeerIncompatible::ServerDoesNotSupportTls12Or13
            ))
        );
    }

    #[tokio::test]
    async fn serves_many_connections_at_once_and_times_out_waits() {
        let server = Arc::new(
            SmtpTlsServer::builder()
                .names(["mx.partner.example"])
                .start()
                .expect("start"),
        );
        let mut tasks = Vec::new();
        for i in 0..8 {
            let server = server.clone();
            tasks.push(tokio::spawn(async move {
                let mut tls = starttls_session(&server, "mx.partner.example", i % 2 == 0).await;
                assert_eq!(send_message(&mut tls, &format!("n={i}\r\n")).await, 250);
                assert_eq!(cmd(&mut tls, "QUIT").await.0, 221);
            }));
        }
        for t in tasks {
            t.await.expect("client task");
        }
        let got = server.wait_for_messages(8, deadline()).expect("8 messages");
        assert_eq!(got.len(), 8);
        assert!(got.iter().all(|m| m.tls));
        let err = server
            .wait_for_messages(9, Instant::now() + Duration::from_millis(50))
            .expect_err("no ninth message");
        assert_eq!(err.messages.len(), 8);
    }

    #[test]
    fn ca_file_is_pem_and_goes_away_with_the_server() {
        let server = SmtpTlsServer::builder().port(0).start().expect("start");
        let path = server.ca_pem_path();
        let text = std::fs::read_to_string(&path).expect("ca.pem");
        assert!(text.starts_with("-----BEGIN CERTIFICATE-----"), "{text}");
        assert!(server.leaf_pem_path().exists());
        let addr = server.addr();
        drop(server);
        assert!(!path.exists());
        // The listener is gone: connecting is refused (polled, the runtime shuts down in the background).
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            if std::net::TcpStream::connect(addr).is_err() {
                break;
            }
            assert!(Instant::now() < until, "server still accepting after drop");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
