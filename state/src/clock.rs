//! The validation time: `MAILSEC_NOW` (RFC 3339) when set, so tests never break when a certificate expires; else the system clock.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

#[derive(Debug, thiserror::Error)]
#[error("MAILSEC_NOW='{value}' is not an RFC 3339 time (e.g. 2030-01-01T00:00:00Z): {message}")]
pub struct ClockError {
    pub value: String,
    pub message: String,
}

pub fn now() -> Result<OffsetDateTime, ClockError> {
    match std::env::var("MAILSEC_NOW") {
        Ok(v) if !v.trim().is_empty() => {
            OffsetDateTime::parse(v.trim(), &Rfc3339).map_err(|e| ClockError {
                value: v,
                message: e.to_string(),
            })
        }
        _ => Ok(OffsetDateTime::now_utc()),
    }
}

pub fn now_rfc3339() -> String {
    let t = now().unwrap_or_else(|_| OffsetDateTime::now_utc());
    t.format(&Rfc3339).unwrap_or_default()
}
