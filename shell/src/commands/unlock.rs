//! `mailsec force-unlock ID`: remove a state lock left by a run that died elsewhere.

use mailsec_state::store::{force_unlock, Store};

pub fn run(store: &Store, id: &str) -> i32 {
    match force_unlock(&store.lock_path(), id) {
        Ok(info) => {
            println!("Removed the lock ({info}).");
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
