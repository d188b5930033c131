//! TEMPORARY stand-in (being replaced by the comment-preserving splice).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SpliceError(String);
pub fn splice(_original: &str, new_doc: &serde_norway::Value) -> Result<String, SpliceError> {
    serde_norway::to_string(new_doc).map_err(|e| SpliceError(e.to_string()))
}
