//! Letting go of a one-shot command's large values: when `mailsec plan` (or export, or apply) is the
//! whole process, it ends right after, and the OS takes its memory back at once, where freeing a
//! 50,000-mailbox state and its live copy object by object takes a fifth of a second. In the
//! interactive shell the same commands run many times, and their values are freed as usual.

use std::sync::atomic::{AtomicBool, Ordering};

static ONE_SHOT: AtomicBool = AtomicBool::new(false);

/// Say that the process ends when the command it runs returns (`mailsec plan`, not the shell).
pub fn set_one_shot() {
    ONE_SHOT.store(true, Ordering::Relaxed);
}

/// Free `value`, or leave it to the process's end when that is now (see the module doc).
pub fn release<T>(value: T) {
    if ONE_SHOT.load(Ordering::Relaxed) {
        std::mem::forget(value);
    } else {
        drop(value);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    static DROPS: AtomicUsize = AtomicUsize::new(0);
    struct Counted;
    impl Drop for Counted {
        fn drop(&mut self) {
            DROPS.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn frees_unless_the_process_ends_now() {
        // One test for both cases: the flag is process-wide and is never cleared.
        release(Counted);
        assert_eq!(DROPS.load(Ordering::SeqCst), 1);
        set_one_shot();
        release(Counted);
        assert_eq!(DROPS.load(Ordering::SeqCst), 1);
    }
}
