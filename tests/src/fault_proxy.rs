//! A fault-injecting TCP proxy for LDAP: forwards everything between mailsec and a server, counts the
//! replies to writes (add, modify, delete, modify-DN), and after N of them drops the next write reply
//! and cuts the connection — so the server has committed a write whose answer never arrives.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

pub struct FaultProxy {
    pub port: u16,
    /// Write replies forwarded so far.
    pub forwarded: Arc<AtomicUsize>,
    /// Set once the proxy has cut a connection.
    pub cut: Arc<AtomicBool>,
}

/// LDAP response tags ([APPLICATION n], constructed) of the write operations.
fn is_write_reply(tag: u8) -> bool {
    matches!(tag, 0x67 | 0x69 | 0x6b | 0x6d)
}

impl FaultProxy {
    /// Proxy `127.0.0.1:<new port>` to `upstream`, cutting after `allow` write replies.
    pub fn start(upstream: std::net::SocketAddr, allow: usize) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().expect("proxy addr").port();
        let forwarded = Arc::new(AtomicUsize::new(0));
        let cut = Arc::new(AtomicBool::new(false));
        let (f, c) = (forwarded.clone(), cut.clone());
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let (f, c) = (f.clone(), c.clone());
                thread::spawn(move || relay(client, server, allow, f, c));
            }
        });
        FaultProxy {
            port,
            forwarded,
            cut,
        }
    }

    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}/", self.port)
    }
}

fn relay(
    client: TcpStream,
    server: TcpStream,
    allow: usize,
    forwarded: Arc<AtomicUsize>,
    cut: Arc<AtomicBool>,
) {
    let (Ok(mut c_read), Ok(mut s_write)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    // Requests go through untouched until the cut; after it they are read and dropped, so the client's
    // socket is never closed with unread data (which would send a reset and could destroy replies
    // already forwarded but not yet read by the client).
    let after_cut = cut.clone();
    thread::spawn(move || {
        let mut buf = [0u8; 16384];
        while let Ok(n) = c_read.read(&mut buf) {
            if n == 0 {
                break;
            }
            if after_cut.load(Ordering::SeqCst) {
                continue;
            }
            if s_write.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = s_write.shutdown(Shutdown::Write);
    });
    // Replies are forwarded message by message, so a write reply can be held back.
    let (mut s_read, mut c_write) = (server, client);
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        let n = match s_read.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        pending.extend_from_slice(&buf[..n]);
        while let Some((len, op_tag)) = message_len(&pending) {
            if is_write_reply(op_tag) {
                if forwarded.load(Ordering::SeqCst) >= allow {
                    cut.store(true, Ordering::SeqCst);
                    // End of stream after every reply already forwarded: the client reads them all.
                    let _ = c_write.shutdown(Shutdown::Write);
                    let _ = s_read.shutdown(Shutdown::Both);
                    return;
                }
                forwarded.fetch_add(1, Ordering::SeqCst);
            }
            let msg: Vec<u8> = pending.drain(..len).collect();
            if c_write.write_all(&msg).is_err() {
                return;
            }
        }
    }
    let _ = c_write.shutdown(Shutdown::Both);
}

/// The length of the first complete LDAPMessage in `b` and its protocolOp tag, if it is all there.
fn message_len(b: &[u8]) -> Option<(usize, u8)> {
    let (hdr, body) = ber_len(b, 0)?;
    let total = hdr + body;
    if b.len() < total {
        return None;
    }
    // messageID INTEGER, then the protocolOp.
    let (id_hdr, id_len) = ber_len(b, hdr)?;
    let op = *b.get(hdr + id_hdr + id_len)?;
    Some((total, op))
}

/// `(header length, content length)` of the TLV at `at`.
fn ber_len(b: &[u8], at: usize) -> Option<(usize, usize)> {
    let first = *b.get(at + 1)?;
    if first < 0x80 {
        return Some((2, first as usize));
    }
    let n = (first & 0x7f) as usize;
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | *b.get(at + 2 + i)? as usize;
    }
    Some((2 + n, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_ldap_messages() {
        // SEQUENCE { INTEGER 5, [APPLICATION 7] { ENUMERATED 0, OCTET STRING "", OCTET STRING "" } }
        let modify_reply = [
            0x30, 0x0c, 0x02, 0x01, 0x05, 0x67, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
        ];
        assert_eq!(message_len(&modify_reply), Some((14, 0x67)));
        assert_eq!(message_len(&modify_reply[..10]), None);
        assert!(is_write_reply(0x67));
        assert!(!is_write_reply(0x65)); // SearchResultDone
    }
}
