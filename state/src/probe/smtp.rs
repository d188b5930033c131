//! The probe's SMTP client: connect, banner, EHLO, STARTTLS, TLS handshake (rustls, ring), record what the
//! peer offered, QUIT. It never sends a message.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::probe::capture::AcceptAndRecord;
use crate::probe::reply::{Reply, ReplyBuilder};

/// Longest reply line and most lines in one reply the client reads before it gives up on a peer.
const MAX_LINE: u64 = 4096;
const MAX_LINES: usize = 100;

/// A finished TLS handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFacts {
    /// `TLSv1.2` or `TLSv1.3`.
    pub version: String,
    pub cipher_suite: String,
    /// The peer's certificates as sent, end entity first (DER).
    pub chain: Vec<Vec<u8>>,
}

/// How far TLS got with this peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsOutcome {
    /// EHLO did not list STARTTLS (or EHLO was refused).
    NotOffered {
        ehlo: String,
    },
    /// STARTTLS was listed but the peer refused the command.
    Refused {
        reply: String,
    },
    /// The peer answered with a TLS version below 1.2 (or alerted protocol_version).
    TooOld {
        detail: String,
    },
    /// The handshake failed for another reason.
    Failed {
        detail: String,
    },
    Established(TlsFacts),
}

/// What one peer offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerFacts {
    pub address: SocketAddr,
    pub banner: String,
    pub tls: TlsOutcome,
}

/// Why the dialogue with a peer stopped before TLS could be judged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmtpError {
    #[error("cannot connect to {address}: {why}")]
    Connect { address: SocketAddr, why: String },
    #[error("{address} did not answer within the deadline while {stage}")]
    Timeout {
        address: SocketAddr,
        stage: &'static str,
    },
    #[error("{address} closed the connection while {stage}")]
    Closed {
        address: SocketAddr,
        stage: &'static str,
    },
    #[error("{address} sent a malformed reply while {stage}: {why}")]
    Malformed {
        address: SocketAddr,
        stage: &'static str,
        why: String,
    },
    #[error("{address} refused the session: {reply}")]
    Rejected { address: SocketAddr, reply: String },
    #[error("network error talking to {address} while {stage}: {why}")]
    Io {
        address: SocketAddr,
        stage: &'static str,
        why: String,
    },
}

/// TLS versions as the probe reports them.
pub fn version_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        other => format!("{other:?}"),
    }
}

/// Does this handshake error mean "the peer offered no TLS 1.2 or later"? rustls refuses anything below
/// 1.2: a ServerHello for an older version gives `ServerDoesNotSupportTls12Or13`; a peer that cannot
/// even parse a 1.2 hello answers with a protocol_version alert.
pub fn too_old(e: &rustls::Error) -> bool {
    matches!(
        e,
        rustls::Error::PeerIncompatible(rustls::PeerIncompatible::ServerDoesNotSupportTls12Or13)
            | rustls::Error::AlertReceived(rustls::AlertDescription::ProtocolVersion)
    )
}

/// TLS 1.3 and 1.2 (rustls has nothing older), ring, and the recording verifier.
fn client_config() -> Result<Arc<rustls::ClientConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(Arc::new(
        rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAndRecord::new(provider)))
            .with_no_client_auth(),
    ))
}

struct Dialogue {
    address: SocketAddr,
    deadline: Instant,
}

impl Dialogue {
    async fn read_reply<S: AsyncBufRead + Unpin>(
        &self,
        s: &mut S,
        stage: &'static str,
    ) -> Result<Reply, SmtpError> {
        let mut builder = ReplyBuilder::default();
        for _ in 0..MAX_LINES {
            let mut line = Vec::new();
            let read = tokio::time::timeout_at(
                self.deadline,
                (&mut *s).take(MAX_LINE).read_until(b'\n', &mut line),
            )
            .await;
            let n = match read {
                Err(_) => {
                    return Err(SmtpError::Timeout {
                        address: self.address,
                        stage,
                    })
                }
                Ok(Err(e)) => {
                    return Err(SmtpError::Io {
                        address: self.address,
                        stage,
                        why: e.to_string(),
                    })
                }
                Ok(Ok(n)) => n,
            };
            if n == 0 {
                return Err(SmtpError::Closed {
                    address: self.address,
                    stage,
                });
            }
            let text = String::from_utf8_lossy(&line);
            match builder.push(&text) {
                Ok(Some(reply)) => return Ok(reply),
                Ok(None) => {}
                Err(e) => {
                    return Err(SmtpError::Malformed {
                        address: self.address,
                        stage,
                        why: e.to_string(),
                    })
                }
            }
        }
        Err(SmtpError::Malformed {
            address: self.address,
            stage,
            why: format!("a reply longer than {MAX_LINES} lines"),
        })
    }

    async fn send<S: AsyncWrite + Unpin>(
        &self,
        s: &mut S,
        command: &str,
        stage: &'static str,
    ) -> Result<(), SmtpError> {
        let write = async {
            s.write_all(command.as_bytes()).await?;
            s.write_all(b"\r\n").await?;
            s.flush().await
        };
        match tokio::time::timeout_at(self.deadline, write).await {
            Err(_) => Err(SmtpError::Timeout {
                address: self.address,
                stage,
            }),
            Ok(Err(e)) => Err(SmtpError::Io {
                address: self.address,
                stage,
                why: e.to_string(),
            }),
            Ok(Ok(())) => Ok(()),
        }
    }

    /// QUIT politely, without letting a slow peer hold the probe (at most two seconds).
    async fn quit<S: AsyncBufRead + AsyncWrite + Unpin>(&self, s: &mut S) {
        let d = Dialogue {
            address: self.address,
            deadline: self.deadline.min(Instant::now() + Duration::from_secs(2)),
        };
        if d.send(s, "QUIT", "saying QUIT").await.is_ok() {
            let _ = d.read_reply(s, "saying QUIT").await;
        }
    }
}

/// Probe one address of `host`; `host` is also the name sent in the TLS hello (none for an IP address).
pub async fn probe_address(
    address: SocketAddr,
    host: &str,
    helo: &str,
    connect_timeout: Duration,
    deadline: Instant,
) -> Result<PeerFacts, SmtpError> {
    let connect_by = deadline.min(Instant::now() + connect_timeout);
    let tcp = match tokio::time::timeout_at(connect_by, TcpStream::connect(address)).await {
        Err(_) => {
            return Err(SmtpError::Connect {
                address,
                why: format!("no answer within {}s", connect_timeout.as_secs()),
            })
        }
        Ok(Err(e)) => {
            return Err(SmtpError::Connect {
                address,
                why: e.to_string(),
            })
        }
        Ok(Ok(s)) => s,
    };
    let d = Dialogue { address, deadline };
    let mut plain = BufReader::new(tcp);
    let banner = d.read_reply(&mut plain, "waiting for the banner").await?;
    if banner.code != 220 {
        return Err(SmtpError::Rejected {
            address,
            reply: banner.text(),
        });
    }
    d.send(&mut plain, &format!("EHLO {helo}"), "sending EHLO")
        .await?;
    let ehlo = d
        .read_reply(&mut plain, "waiting for the EHLO reply")
        .await?;
    if ehlo.code != 250 || !ehlo.has_extension("STARTTLS") {
        d.quit(&mut plain).await;
        return Ok(PeerFacts {
            address,
            banner: banner.text(),
            tls: TlsOutcome::NotOffered { ehlo: ehlo.text() },
        });
    }
    d.send(&mut plain, "STARTTLS", "sending STARTTLS").await?;
    let go = d
        .read_reply(&mut plain, "waiting for the STARTTLS reply")
        .await?;
    if go.code != 220 {
        d.quit(&mut plain).await;
        return Ok(PeerFacts {
            address,
            banner: banner.text(),
            tls: TlsOutcome::Refused { reply: go.text() },
        });
    }
    if !plain.buffer().is_empty() {
        return Err(SmtpError::Malformed {
            address,
            stage: "starting TLS",
            why: "the peer sent more data after its STARTTLS reply (a STARTTLS injection?)".into(),
        });
    }
    let server_name = match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
    {
        Ok(ip) => ServerName::IpAddress(ip.into()),
        Err(_) => match ServerName::try_from(host.trim_end_matches('.').to_string()) {
            Ok(n) => n,
            Err(_) => ServerName::IpAddress(address.ip().into()),
        },
    };
    let config = match client_config() {
        Ok(c) => c,
        Err(e) => {
            return Ok(PeerFacts {
                address,
                banner: banner.text(),
                tls: TlsOutcome::Failed {
                    detail: format!("the probe's TLS configuration: {e}"),
                },
            })
        }
    };
    let connector = tokio_rustls::TlsConnector::from(config);
    let handshake =
        tokio::time::timeout_at(deadline, connector.connect(server_name, plain.into_inner())).await;
    let tls = match handshake {
        Err(_) => {
            return Err(SmtpError::Timeout {
                address,
                stage: "in the TLS handshake",
            })
        }
        Ok(Err(e)) => {
            let inner = e
                .get_ref()
                .and_then(|i| i.downcast_ref::<rustls::Error>())
                .cloned();
            let outcome = match inner {
                Some(r) if too_old(&r) => TlsOutcome::TooOld {
                    detail: r.to_string(),
                },
                Some(r) => TlsOutcome::Failed {
                    detail: r.to_string(),
                },
                None => TlsOutcome::Failed {
                    detail: e.to_string(),
                },
            };
            return Ok(PeerFacts {
                address,
                banner: banner.text(),
                tls: outcome,
            });
        }
        Ok(Ok(t)) => t,
    };
    let (_, conn) = tls.get_ref();
    let facts = TlsFacts {
        version: conn
            .protocol_version()
            .map(version_name)
            .unwrap_or_default(),
        cipher_suite: conn
            .negotiated_cipher_suite()
            .map(|c| format!("{:?}", c.suite()))
            .unwrap_or_default(),
        chain: conn
            .peer_certificates()
            .map(|c| c.iter().map(|d| d.as_ref().to_vec()).collect())
            .unwrap_or_default(),
    };
    let mut tls = BufReader::new(tls);
    d.quit(&mut tls).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), tls.into_inner().shutdown()).await;
    Ok(PeerFacts {
        address,
        banner: banner.text(),
        tls: TlsOutcome::Established(facts),
    })
}

#[cfg(test)]
mod tests {
    //! The client against scripted peers on 127.0.0.1 (the full TLS server lives in the e2e tests).
    use super::*;
    use tokio::net::TcpListener;

    /// A peer that sends `banner`, then answers each command line with `answer(line)`; `None` hangs up.
    /// After a `STARTTLS` answered with 220 it sends `after_starttls` raw and reads what comes back.
    async fn peer(
        banner: &'static str,
        answer: fn(&str) -> Option<&'static str>,
        after_starttls: Option<Vec<u8>>,
    ) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (s, _) = listener.accept().await.unwrap();
            let mut s = BufReader::new(s);
            if !banner.is_empty() {
                s.get_mut().write_all(banner.as_bytes()).await.unwrap();
            }
            loop {
                let mut line = String::new();
                if s.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                let Some(reply) = answer(line.trim_end()) else {
                    return;
                };
                s.get_mut().write_all(reply.as_bytes()).await.unwrap();
                if line.trim_end() == "STARTTLS" && reply.starts_with("220") {
                    if let Some(raw) = &after_starttls {
                        let mut hello = [0u8; 5];
                        let _ = s.read_exact(&mut hello).await;
                        let len = u16::from_be_bytes([hello[3], hello[4]]) as usize;
                        let mut body = vec![0u8; len];
                        let _ = s.read_exact(&mut body).await;
                        s.get_mut().write_all(raw).await.unwrap();
                        let mut rest = [0u8; 64];
                        let _ = s.read(&mut rest).await;
                    }
                    return;
                }
            }
        });
        addr
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(20)
    }

    async fn go(addr: SocketAddr, deadline: Instant) -> Result<PeerFacts, SmtpError> {
        probe_address(
            addr,
            "mx.example",
            "probe.example",
            Duration::from_secs(5),
            deadline,
        )
        .await
    }

    #[tokio::test]
    async fn no_starttls_in_ehlo() {
        let addr = peer(
            "220 mx ESMTP\r\n",
            |l| match l {
                "EHLO probe.example" => Some("250-mx\r\n250-PIPELINING\r\n250 8BITMIME\r\n"),
                "QUIT" => Some("221 bye\r\n"),
                _ => Some("500 what\r\n"),
            },
            None,
        )
        .await;
        let f = go(addr, soon()).await.unwrap();
        assert!(
            matches!(f.tls, TlsOutcome::NotOffered { ref ehlo } if ehlo.contains("PIPELINING")),
            "{f:?}"
        );
        assert_eq!(f.banner, "220 mx ESMTP");
    }

    #[tokio::test]
    async fn starttls_refused() {
        let addr = peer(
            "220 mx ESMTP\r\n",
            |l| match l {
                "EHLO probe.example" => Some("250-mx\r\n250 STARTTLS\r\n"),
                "STARTTLS" => Some("454 4.7.0 TLS not available due to local problem\r\n"),
                "QUIT" => Some("221 bye\r\n"),
                _ => None,
            },
            None,
        )
        .await;
        let f = go(addr, soon()).await.unwrap();
        assert!(
            matches!(f.tls, TlsOutcome::Refused { ref reply } if reply.starts_with("454 4.7.0")),
            "{f:?}"
        );
    }

    #[tokio::test]
    async fn tls10_server_hello_is_too_old() {
        // ServerHello for TLS 1.0 with TLS_RSA_WITH_AES_128_CBC_SHA, as an old server answers.
        let mut hello = vec![3u8, 1];
        hello.extend_from_slice(&[0x11; 32]);
        hello.extend_from_slice(&[0, 0x00, 0x2f, 0]);
        let mut hs = vec![2u8, 0, 0, hello.len() as u8];
        hs.extend_from_slice(&hello);
        let mut record = vec![0x16, 3, 1, 0, hs.len() as u8];
        record.extend_from_slice(&hs);
        let addr = peer(
            "220 mx ESMTP\r\n",
            |l| match l {
                "EHLO probe.example" => Some("250-mx\r\n250 STARTTLS\r\n"),
                "STARTTLS" => Some("220 go ahead\r\n"),
                _ => None,
            },
            Some(record),
        )
        .await;
        let f = go(addr, soon()).await.unwrap();
        assert!(matches!(f.tls, TlsOutcome::TooOld { .. }), "{f:?}");
    }

    #[tokio::test]
    async fn session_errors_name_the_address_and_the_stage() {
        let addr = peer("554 5.3.2 no service\r\n", |_| Some("221 bye\r\n"), None).await;
        let e = go(addr, soon()).await.unwrap_err();
        assert!(matches!(e, SmtpError::Rejected { .. }), "{e:?}");
        assert!(e.to_string().contains(&addr.to_string()), "{e}");

        let addr = peer("hello there\r\n", |_| None, None).await;
        let e = go(addr, soon()).await.unwrap_err();
        assert!(
            e.to_string()
                .contains("malformed reply while waiting for the banner"),
            "{e}"
        );

        let addr = peer("220 mx\r\n", |_| None, None).await;
        let e = go(addr, soon()).await.unwrap_err();
        assert!(
            e.to_string()
                .contains("closed the connection while waiting for the EHLO reply"),
            "{e}"
        );

        // A peer that never speaks: the deadline ends the wait.
        let addr = peer("", |_| None, None).await;
        let e = go(addr, Instant::now() + Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                SmtpError::Timeout {
                    stage: "waiting for the banner",
                    ..
                }
            ),
            "{e:?}"
        );

        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = closed.local_addr().unwrap();
        drop(closed);
        let e = go(addr, soon()).await.unwrap_err();
        assert!(matches!(e, SmtpError::Connect { .. }), "{e:?}");
        assert!(
            e.to_string()
                .starts_with(&format!("cannot connect to {addr}")),
            "{e}"
        );
    }
}
