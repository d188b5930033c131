//! Process-wide content-addressed table of certificate bytes, so a certificate reference read back from YAML or JSON finds its bytes again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

type Table = Mutex<HashMap<[u8; 32], Arc<[u8]>>>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(HashMap::new()))
}

pub(crate) fn remember(sha256: [u8; 32], bytes: Arc<[u8]>) {
    if let Ok(mut t) = table().lock() {
        t.entry(sha256).or_insert(bytes);
    }
}

pub(crate) fn lookup(sha256: &[u8; 32]) -> Option<Arc<[u8]>> {
    table().lock().ok().and_then(|t| t.get(sha256).cloned())
}
