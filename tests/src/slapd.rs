//! A throwaway OpenLDAP `slapd` per test: cn=config built offline with slapadd in a temp dir, data
//! preloaded with slapadd, listening on an `ldapi://` socket in that dir (and a loopback port for tests
//! that need TCP), ready when a bind succeeds (polled), stopped by its pid when dropped.

use std::io::Write;

use crate::ldap_client::LdapClient;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const BASE: &str = "dc=contoso,dc=example";
pub const ADMIN_DN: &str = "cn=admin,dc=contoso,dc=example";
pub const ADMIN_PW: &str = "secret";

const SLAPD: &str = "/usr/sbin/slapd";
const SLAPADD: &str = "/usr/sbin/slapadd";

/// Is slapd installed? With `MAILSEC_E2E=required` its absence fails the test instead of skipping it.
pub fn available() -> bool {
    let found = Path::new(SLAPD).exists()
        && Path::new(SLAPADD).exists()
        && crate::require_tool("ldapsearch");
    if !found {
        if std::env::var("MAILSEC_E2E").as_deref() == Ok("required") {
            panic!("slapd and ldap-utils are required (MAILSEC_E2E=required) but are not installed; run .ci/install-deps");
        }
        eprintln!(
            "skipping: slapd is not installed (set MAILSEC_E2E=required to make this an error)"
        );
    }
    found
}

pub struct Slapd {
    pub dir: tempfile::TempDir,
    pub port: u16,
    /// The ldaps:// port, when started with TLS.
    pub tls_port: Option<u16>,
    pid: Option<i32>,
}

/// The root entries every instance starts with.
fn base_ldif() -> String {
    format!(
        "dn: {BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: contoso\no: Contoso\n\n\
         dn: ou=people,{BASE}\nobjectClass: organizationalUnit\nou: people\n\n"
    )
}

impl Slapd {
    /// Start an instance holding the base entries plus `data` (LDIF content records, loaded offline).
    pub fn start(data: &str) -> Slapd {
        Self::start_with(data, false)
    }

    /// Like `start`, plus TLS: a CA and a server certificate for `localhost`/127.0.0.1 made with
    /// openssl (the CA at `ca_file()`), StartTLS on the ldap:// port and an ldaps:// port.
    pub fn start_tls(data: &str) -> Slapd {
        Self::start_with(data, true)
    }

    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("tls/ca.pem")
    }

    fn start_with(data: &str, tls: bool) -> Slapd {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        let tls_config = if tls {
            make_tls(&d.join("tls"));
            format!(
                "olcTLSCACertificateFile: {t}/ca.pem\nolcTLSCertificateFile: {t}/server.pem\nolcTLSCertificateKeyFile: {t}/server.key\n",
                t = d.join("tls").display()
            )
        } else {
            String::new()
        };
        std::fs::create_dir_all(d.join("db")).expect("mkdir db");
        std::fs::create_dir_all(d.join("slapd.d")).expect("mkdir slapd.d");
        let config = format!(
            "dn: cn=config\nobjectClass: olcGlobal\ncn: config\nolcPidFile: {p}/slapd.pid\nolcArgsFile: {p}/slapd.args\n{tls_config}\n\
             dn: cn=module{{0}},cn=config\nobjectClass: olcModuleList\ncn: module{{0}}\nolcModulePath: /usr/lib/ldap\nolcModuleLoad: back_mdb\n\n\
             dn: cn=schema,cn=config\nobjectClass: olcSchemaConfig\ncn: schema\n\n\
             include: file:///etc/ldap/schema/core.ldif\n\n\
             include: file:///etc/ldap/schema/cosine.ldif\n\n\
             include: file:///etc/ldap/schema/inetorgperson.ldif\n\n\
             dn: olcDatabase={{0}}config,cn=config\nobjectClass: olcDatabaseConfig\nolcDatabase: {{0}}config\nolcRootDN: cn=config\nolcRootPW: {ADMIN_PW}\n\n\
             dn: olcDatabase={{1}}mdb,cn=config\nobjectClass: olcDatabaseConfig\nobjectClass: olcMdbConfig\nolcDatabase: {{1}}mdb\nolcSuffix: {BASE}\nolcRootDN: {ADMIN_DN}\nolcRootPW: {ADMIN_PW}\nolcDbDirectory: {p}/db\nolcDbMaxSize: 1073741824\nolcDbIndex: objectClass eq\nolcDbIndex: mail eq\nolcDbIndex: entryUUID eq\nolcSizeLimit: unlimited\n",
            p = d.display()
        );
        std::fs::write(d.join("config.ldif"), config).expect("write config");
        std::fs::write(d.join("data.ldif"), format!("{}{data}", base_ldif())).expect("write data");
        run(
            Command::new(SLAPADD)
                .args(["-q", "-n", "0", "-F"])
                .arg(d.join("slapd.d"))
                .arg("-l")
                .arg(d.join("config.ldif")),
            "slapadd (config)",
        );
        run(
            Command::new(SLAPADD)
                .args(["-q", "-n", "1", "-F"])
                .arg(d.join("slapd.d"))
                .arg("-l")
                .arg(d.join("data.ldif")),
            "slapadd (data)",
        );
        let port = free_port();
        let tls_port = tls.then(free_port);
        let mut s = Slapd {
            dir,
            port,
            tls_port,
            pid: None,
        };
        let mut urls = format!("{} ldap://127.0.0.1:{port}/", s.ldapi_url());
        if let Some(p) = tls_port {
            urls.push_str(&format!(" ldaps://127.0.0.1:{p}/"));
        }
        run(
            Command::new(SLAPD)
                .arg("-F")
                .arg(s.dir.path().join("slapd.d"))
                .args(["-h", &urls]),
            "slapd",
        );
        s.wait_ready();
        s
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("ldapi")
    }

    /// `ldapi://` URL of the instance's socket (path percent-encoded).
    pub fn ldapi_url(&self) -> String {
        let path = self.socket().display().to_string().replace('/', "%2F");
        format!("ldapi://{path}")
    }

    pub fn ldap_url(&self) -> String {
        format!("ldap://127.0.0.1:{}/", self.port)
    }

    /// The environment that points mailsec at this instance.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("MAILSEC_LDAP_URL".into(), self.ldapi_url()),
            ("MAILSEC_LDAP_BASE".into(), BASE.into()),
            ("MAILSEC_LDAP_BIND_DN".into(), ADMIN_DN.into()),
            ("MAILSEC_LDAP_PASSWORD".into(), ADMIN_PW.into()),
            ("MAILSEC_LDAP_PROFILE".into(), "openldap".into()),
        ]
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if self.pid.is_none() {
                self.pid = std::fs::read_to_string(self.dir.path().join("slapd.pid"))
                    .ok()
                    .and_then(|t| t.trim().parse().ok());
            }
            let ok = Command::new("ldapwhoami")
                .args([
                    "-x",
                    "-H",
                    &self.ldapi_url(),
                    "-D",
                    ADMIN_DN,
                    "-w",
                    ADMIN_PW,
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok && self.pid.is_some() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "slapd did not become ready in 20 s ({})",
                self.dir.path().display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Run an ldap-utils tool against this instance as the admin; returns stdout, panics on failure.
    fn run_tool(&self, tool: &str, args: &[&str], stdin: Option<&str>) -> String {
        let mut child = Command::new(tool)
            .args([
                "-x",
                "-H",
                &self.ldapi_url(),
                "-D",
                ADMIN_DN,
                "-w",
                ADMIN_PW,
            ])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("run {tool}: {e}"));
        if let Some(mut i) = child.stdin.take() {
            if let Some(text) = stdin {
                i.write_all(text.as_bytes()).expect("write stdin");
            }
        }
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn stop(&mut self) {
        let Some(pid) = self.pid.take() else { return };
        let _ = Command::new("kill").arg(pid.to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if Path::new(&format!("/proc/{pid}")).exists() {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
    }
}

impl LdapClient for Slapd {
    fn tool(&self, tool: &str, args: &[&str], stdin: Option<&str>) -> String {
        self.run_tool(tool, args, stdin)
    }
    fn search_base(&self) -> &str {
        BASE
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a server certificate (CN localhost, SAN localhost + 127.0.0.1) under `dir`, by openssl.
fn make_tls(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir tls");
    let sh = r#"set -e
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj "/CN=mailsec test CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 3650 -extfile ext.cnf 2>/dev/null
chmod 644 server.key
"#;
    run(
        Command::new("sh").args(["-c", sh]).current_dir(dir),
        "openssl (test TLS certificates)",
    );
}

/// A loopback port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
