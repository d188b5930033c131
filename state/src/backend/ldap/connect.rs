//! Opening and binding an LDAP connection: ldap://, ldaps://, ldapi://, StartTLS, TLS verification with
//! the system roots or a given CA file, simple bind / SASL EXTERNAL / anonymous, bounded retries.

use std::sync::Arc;
use std::time::Duration;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings};

use super::settings::LdapSettings;
use super::LdapError;

/// How long one connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Connection attempts before giving up (a directory that is restarting gets a few seconds).
const CONNECT_ATTEMPTS: u32 = 3;

/// rustls needs one process-wide crypto provider; mailsec builds only ring.
pub fn install_crypto_provider() {
    // An error means one is installed already, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Connect and bind, retrying connection failures with backoff (and saying why it waits).
pub async fn connect(s: &LdapSettings) -> Result<Ldap, LdapError> {
    install_crypto_provider();
    let mut attempt = 1;
    loop {
        match connect_once(s).await {
            Ok(l) => return Ok(l),
            Err(e) if attempt < CONNECT_ATTEMPTS && e.is_transient() => {
                let wait = Duration::from_millis(250 * 2u64.pow(attempt));
                eprintln!(
                    "warning: could not connect to {} ({e}); retrying in {:.1}s (attempt {} of {CONNECT_ATTEMPTS})",
                    s.url,
                    wait.as_secs_f32(),
                    attempt + 1
                );
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn connect_once(s: &LdapSettings) -> Result<Ldap, LdapError> {
    let mut cs = LdapConnSettings::new()
        .set_conn_timeout(CONNECT_TIMEOUT)
        .set_starttls(s.start_tls);
    let tls = s.start_tls || s.url.to_ascii_lowercase().starts_with("ldaps:");
    if let (Some(ca), true) = (&s.ca_file, tls) {
        cs = cs.set_config(tls_config(ca)?);
    }
    let (conn, mut ldap) = LdapConnAsync::with_settings(cs, &s.url)
        .await
        .map_err(|e| LdapError::Connect {
            url: s.url.clone(),
            message: e.to_string(),
        })?;
    ldap3::drive!(conn);
    let res = match (&s.bind_dn, &s.password) {
        (Some(dn), Some(pw)) => ldap.simple_bind(dn, pw.expose()).await,
        (None, _) if s.url.to_ascii_lowercase().starts_with("ldapi:") => {
            ldap.sasl_external_bind().await
        }
        _ => return Ok(ldap),
    };
    let res = res.map_err(|e| LdapError::Connect {
        url: s.url.clone(),
        message: e.to_string(),
    })?;
    if res.rc != 0 {
        return Err(LdapError::Bind {
            url: s.url.clone(),
            who: s
                .bind_dn
                .clone()
                .unwrap_or_else(|| "SASL EXTERNAL".to_string()),
            rc: res.rc,
            text: res.text,
        });
    }
    Ok(ldap)
}

/// A client config that trusts exactly the CAs of `path` (PEM or DER, one or many).
fn tls_config(path: &std::path::Path) -> Result<Arc<rustls::ClientConfig>, LdapError> {
    let fail = |message: String| LdapError::CaFile {
        path: path.display().to_string(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let ders = crate::cert::read_collection(&bytes).map_err(|e| fail(e.to_string()))?;
    let mut roots = rustls::RootCertStore::empty();
    for der in ders {
        roots
            .add(rustls_pki_types::CertificateDer::from(der))
            .map_err(|e| fail(e.to_string()))?;
    }
    Ok(Arc::new(
        rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    ))
}
