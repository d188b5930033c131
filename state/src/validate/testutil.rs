//! Test helpers: the corpus location (`MAILSEC_CORPUS`), the `openssl` CLI, and a small PKI generated at test time with `openssl req`/`openssl ca` (root → issuing CA → people), CRLs included.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// `MAILSEC_E2E=required`: a missing prerequisite fails the test instead of skipping it.
pub(crate) fn required() -> bool {
    std::env::var("MAILSEC_E2E").is_ok_and(|v| v.trim() == "required")
}

/// Skip with a printed reason, or panic when prerequisites are required.
pub(crate) fn skip(reason: &str) {
    if required() {
        panic!("MAILSEC_E2E=required, but {reason}");
    }
    eprintln!("SKIPPED: {reason}");
}

/// The third-party corpus directory from `MAILSEC_CORPUS`, or `None` (after [`skip`]).
pub(crate) fn corpus() -> Option<PathBuf> {
    match std::env::var_os("MAILSEC_CORPUS") {
        Some(p) if !p.is_empty() => {
            let p = PathBuf::from(p);
            if p.is_dir() {
                Some(p)
            } else {
                skip(&format!(
                    "MAILSEC_CORPUS={} is not a directory",
                    p.display()
                ));
                None
            }
        }
        _ => {
            skip("MAILSEC_CORPUS is not set (point it at the test certificate corpus)");
            None
        }
    }
}

/// Whether the `openssl` CLI runs; if not, [`skip`].
pub(crate) fn have_openssl() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        skip("the openssl command is not installed (.ci/install-deps installs it)");
    }
    ok
}

/// Run openssl in `dir`; Err with its stderr when it fails.
pub(crate) fn openssl(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run openssl: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "openssl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

pub(crate) fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A certificate file (PEM or DER) as DER.
pub(crate) fn cert_der(path: &Path) -> Vec<u8> {
    let bytes = read(path);
    if bytes.starts_with(b"-----") || bytes.iter().take(64).all(|b| b.is_ascii()) {
        let text = String::from_utf8_lossy(&bytes);
        let pem_block = text
            .find("-----BEGIN CERTIFICATE-----")
            .map(|start| &text[start..])
            .unwrap_or_else(|| panic!("no certificate in {}", path.display()));
        let (_, der) = der::pem::decode_vec(pem_block.as_bytes())
            .unwrap_or_else(|e| panic!("bad PEM in {}: {e}", path.display()));
        der
    } else {
        bytes
    }
}

pub(crate) fn pem(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der)
        .unwrap_or_else(|e| panic!("cannot PEM-encode: {e}"))
}

/// The generated PKI: every certificate and CRL as DER.
pub(crate) struct Pki {
    /// Root CA (EC P-256), 2020-01-01 .. 2099-12-31.
    pub root: Vec<u8>,
    /// Issuing CA under the root; issues the people's certificates.
    pub issuing: Vec<u8>,
    /// A root that is not trusted by the organization.
    pub other_root: Vec<u8>,
    /// A root that expired on 2021-01-01 (its end entity `under_old_root` is valid until 2099).
    pub old_root: Vec<u8>,
    /// People's certificates by name (see `END_ENTITIES`).
    pub ee: HashMap<&'static str, Vec<u8>>,
    /// The root's CRL (revokes nothing), 10 years.
    pub root_crl: Vec<u8>,
    /// The issuing CA's CRL: `revoked` is on it (key compromise).
    pub issuing_crl: Vec<u8>,
    /// The issuing CA's CRL with a nextUpdate one hour after it was made.
    pub issuing_crl_stale: Vec<u8>,
}

impl Pki {
    pub(crate) fn ee(&self, name: &str) -> &[u8] {
        self.ee
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or_else(|| panic!("no generated certificate {name}"))
    }
}

#[derive(Clone, Copy)]
enum Key {
    Ec,
    Rsa,
}

#[derive(Clone, Copy)]
enum Issuer {
    Issuing,
    OtherRoot,
    OldRoot,
}

/// name, key, issuer, subject, notBefore, notAfter, extension lines.
type EeSpec = (
    &'static str,
    Key,
    Issuer,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const GOOD_DATES: (&str, &str) = ("20200101000000Z", "20991231000000Z");

/// The people's certificates, one per case the unit tests need.
const END_ENTITIES: &[EeSpec] = &[
    // EC key: signs (digitalSignature) and receives encrypted mail (keyAgreement).
    ("alice", Key::Ec, Issuer::Issuing, "/CN=Alice", GOOD_DATES.0, GOOD_DATES.1,
     "keyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=emailProtection\nsubjectAltName=email:alice@contoso.example"),
    // RSA key transport.
    ("bob_rsa_enc", Key::Rsa, Issuer::Issuing, "/CN=Bob", GOOD_DATES.0, GOOD_DATES.1,
     "keyUsage=critical,keyEncipherment\nextendedKeyUsage=emailProtection\nsubjectAltName=email:Bob@Contoso.Example"),
    ("expired", Key::Ec, Issuer::Issuing, "/CN=Expired", "20200101000000Z", "20210101000000Z",
     "keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\nsubjectAltName=email:old@contoso.example"),
    ("not_yet_valid", Key::Ec, Issuer::Issuing, "/CN=Future", "20980101000000Z", "20990101000000Z",
     "keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\nsubjectAltName=email:future@contoso.example"),
    ("tls_client_only", Key::Ec, Issuer::Issuing, "/CN=Client", GOOD_DATES.0, GOOD_DATES.1,
     "keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=email:client@contoso.example"),
    ("no_eku", Key::Ec, Issuer::Issuing, "/CN=No EKU", GOOD_DATES.0, GOOD_DATES.1,
     "keyUsage=critical,digitalSignature\nsubjectAltName=email:noeku@contoso.example"),
    ("any_eku", Key::Ec, Issuer::Issuing, "/CN=Any EKU", GOOD_DATES.0, GOOD_DATES.1,
     "keyUsage=critical,digitalSignature\nextendedKeyUsage=anyExtendedKeyUsage\nsubjectAltName=email:any@contoso.example"),
    ("no_address", Key::Ec, Issuer::Issuing, "/CN=Nobody", GOOD_DATES.0, GOOD_DATES.1,
     "keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection"),
    ("legacy_email", Key::Ec, Issuer::Issuing, "/CN=Legacy/emailAddress=Legacy@Contoso.example", GOOD_DATES.0, GOOD_DATES.1,
     "keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection"),
    ("agreement_only", Key::Ec, Issuer::Issuing, "/CN=Agreement", GOOD_DATES.0, GOOD_DATES.1,
     "keyUsage=critical,keyAgreement\nextendedKeyUsage=emailProtection\nsubjectAltName=email:agree@contoso.example"),
    ("no_key_usage", Key::Ec, Issuer::Issuing, "/CN=No KU", GOOD_DATES.0, GOOD_DATES.1,
     "extendedKeyUsage=emailProtection\nsubjectAltName=email:noku@contoso.example"),
    ("ca_as_ee", Key::Ec, Issuer::Issuing, "/CN=Sub CA", GOOD_DATES.0, GOOD_DATES.1,
     "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,digitalSignature,keyCertSign\nextendedKeyUsage=emailProtection\nsubjectAltName=email:ca@contoso.example"),
    ("revoked", Key::Ec, Issuer::Issuing, "/CN=Revoked", GOOD_DATES.0, GOOD_DATES.1,
     "keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\nsubjectAltName=email:revoked@contoso.example"),
    ("foreign", Key::Ec, Issuer::OtherRoot, "/CN=Mallory", GOOD_DATES.0, GOOD_DATES.1,
     "keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\nsubjectAltName=email:mallory@contoso.example"),
    ("critical_policies", Key::Ec, Issuer::Issuing, "/CN=Policies", GOOD_DATES.0, GOOD_DATES.1,
     "keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\nsubjectAltName=email:pol@contoso.example\ncertificatePolicies=critical,1.2.3.4"),
    ("under_old_root", Key::Ec, Issuer::OldRoot, "/CN=Orphan", GOOD_DATES.0, GOOD_DATES.1,
     "keyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\nsubjectAltName=email:orphan@contoso.example"),
];

const CA_EXT: &str =
    "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash";

/// The generated PKI, made once per test run; `None` (after [`skip`]) without openssl.
pub(crate) fn pki() -> Option<&'static Pki> {
    static PKI: OnceLock<Result<Pki, String>> = OnceLock::new();
    if !have_openssl() {
        return None;
    }
    match PKI.get_or_init(make_pki) {
        Ok(p) => Some(p),
        Err(e) => panic!("could not generate the test PKI with openssl: {e}"),
    }
}

/// One CA's `openssl ca` directory.
struct CaDir {
    dir: PathBuf,
    name: &'static str,
}

impl CaDir {
    fn new(base: &Path, name: &'static str) -> Result<Self, String> {
        let dir = base.join(name);
        let io = |e: std::io::Error| format!("{}: {e}", dir.display());
        std::fs::create_dir_all(dir.join("newcerts")).map_err(io)?;
        std::fs::write(dir.join("index.txt"), "").map_err(io)?;
        std::fs::write(dir.join("serial"), "1000\n").map_err(io)?;
        std::fs::write(dir.join("crlnumber"), "01\n").map_err(io)?;
        std::fs::write(
            dir.join("ca.cnf"),
            "[ca]\ndefault_ca=d\n[d]\ndir=.\ndatabase=./index.txt\nnew_certs_dir=./newcerts\n\
             serial=./serial\ncrlnumber=./crlnumber\ndefault_md=sha256\npolicy=p\n\
             unique_subject=no\nemail_in_dn=yes\n[p]\ncommonName=supplied\nemailAddress=optional\n",
        )
        .map_err(io)?;
        Ok(CaDir { dir, name })
    }

    fn run(&self, args: &[&str]) -> Result<String, String> {
        openssl(&self.dir, args)
    }

    fn key(&self, key: Key, stem: &str) -> Result<(), String> {
        let newkey: &[&str] = match key {
            Key::Ec => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            Key::Rsa => &["-newkey", "rsa:2048"],
        };
        let (keyfile, csr) = (format!("{stem}.key"), format!("{stem}.csr"));
        let mut args = vec!["req", "-new", "-nodes", "-subj", "/CN=placeholder"];
        args.extend_from_slice(newkey);
        args.extend_from_slice(&["-keyout", &keyfile, "-out", &csr]);
        self.run(&args).map(|_| ())
    }

    /// Issue `stem.pem` from `stem.csr` (signed by this CA, or self-signed) and return its DER.
    #[allow(clippy::too_many_arguments)]
    fn issue(
        &self,
        stem: &str,
        subject: &str,
        start: &str,
        end: &str,
        ext: &str,
        selfsign: bool,
    ) -> Result<Vec<u8>, String> {
        let extfile = format!("{stem}.ext");
        std::fs::write(self.dir.join(&extfile), format!("[x]\n{ext}\n"))
            .map_err(|e| e.to_string())?;
        let (csr, out) = (format!("{stem}.csr"), format!("{stem}.pem"));
        let mut args = vec![
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-in",
            &csr,
            "-out",
            &out,
            "-subj",
            subject,
            "-startdate",
            start,
            "-enddate",
            end,
            "-extfile",
            &extfile,
            "-extensions",
            "x",
            "-notext",
        ];
        let key = format!("{}.key", self.name);
        let cert = format!("{}.pem", self.name);
        if selfsign {
            args.extend_from_slice(&["-selfsign", "-keyfile", &key]);
        } else {
            args.extend_from_slice(&["-keyfile", &key, "-cert", &cert]);
        }
        self.run(&args)?;
        let der = format!("{stem}.der");
        self.run(&["x509", "-in", &out, "-outform", "DER", "-out", &der])?;
        std::fs::read(self.dir.join(der)).map_err(|e| e.to_string())
    }

    /// A CA certificate for this directory's own key, issued by `parent` (or self-signed).
    fn make_ca(
        &self,
        parent: Option<&CaDir>,
        subject: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<u8>, String> {
        self.key(Key::Ec, self.name)?;
        let der = match parent {
            None => self.issue(self.name, subject, start, end, CA_EXT, true)?,
            Some(p) => {
                std::fs::copy(
                    self.dir.join(format!("{}.csr", self.name)),
                    p.dir.join(format!("{}.csr", self.name)),
                )
                .map_err(|e| e.to_string())?;
                let der = p.issue(self.name, subject, start, end, CA_EXT, false)?;
                std::fs::write(
                    self.dir.join(format!("{}.pem", self.name)),
                    pem("CERTIFICATE", &der),
                )
                .map_err(|e| e.to_string())?;
                der
            }
        };
        Ok(der)
    }

    fn crl(&self, stem: &str, validity: &[&str]) -> Result<Vec<u8>, String> {
        let key = format!("{}.key", self.name);
        let cert = format!("{}.pem", self.name);
        let out = format!("{stem}.crl.pem");
        let mut args = vec![
            "ca", "-batch", "-config", "ca.cnf", "-gencrl", "-keyfile", &key, "-cert", &cert,
            "-out", &out,
        ];
        args.extend_from_slice(validity);
        self.run(&args)?;
        let der = format!("{stem}.crl");
        self.run(&["crl", "-in", &out, "-outform", "DER", "-out", &der])?;
        std::fs::read(self.dir.join(der)).map_err(|e| e.to_string())
    }
}

fn make_pki() -> Result<Pki, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let base = tmp.path();
    let (start, end) = GOOD_DATES;

    let root = CaDir::new(base, "root")?;
    let root_der = root.make_ca(None, "/CN=Contoso Test Root CA", start, end)?;
    let issuing = CaDir::new(base, "issuing")?;
    let issuing_der = issuing.make_ca(Some(&root), "/CN=Contoso Test Issuing CA", start, end)?;
    let other = CaDir::new(base, "other")?;
    let other_der = other.make_ca(None, "/CN=Untrusted Root CA", start, end)?;
    let old = CaDir::new(base, "old")?;
    let old_der = old.make_ca(None, "/CN=Expired Root CA", start, "20210101000000Z")?;

    let mut ee = HashMap::new();
    for (name, key, issuer, subject, nb, na, ext) in END_ENTITIES {
        let ca = match issuer {
            Issuer::Issuing => &issuing,
            Issuer::OtherRoot => &other,
            Issuer::OldRoot => &old,
        };
        ca.key(*key, name)?;
        let der = ca.issue(name, subject, nb, na, ext, false)?;
        ee.insert(*name, der);
    }
    issuing.run(&[
        "ca",
        "-batch",
        "-config",
        "ca.cnf",
        "-keyfile",
        "issuing.key",
        "-cert",
        "issuing.pem",
        "-revoke",
        "revoked.pem",
        "-crl_reason",
        "keyCompromise",
    ])?;
    let issuing_crl = issuing.crl("issuing", &["-crldays", "3650"])?;
    let issuing_crl_stale = issuing.crl("issuing-stale", &["-crlhours", "1"])?;
    let root_crl = root.crl("root", &["-crldays", "3650"])?;
    Ok(Pki {
        root: root_der,
        issuing: issuing_der,
        other_root: other_der,
        old_root: old_der,
        ee,
        root_crl,
        issuing_crl,
        issuing_crl_stale,
    })
}
