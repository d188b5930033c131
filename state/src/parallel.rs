//! Splitting independent work on many items across the machine's cores (std threads, no pool): used
//! where a plan, load or save handles one item per certificate or recipient, 100,000 at a time.

/// How many threads to split over: the cores available, at most 8 (beyond that the work here is
/// bound by the file system or the allocator, not by the cores).
pub(crate) fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8)
}

/// Fewer items than this are handled on the calling thread: starting threads costs more than a few
/// items' work (a file read or a certificate decode), and a small state (`mailsec -c ...`) should start
/// no threads at all.
const MIN_PARALLEL: usize = 256;

/// `f` on consecutive shares of `items`, one share per thread, the results in the items' order.
/// A panic in `f` is carried on to the caller.
pub(crate) fn map_chunks<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let threads = threads();
    if threads <= 1 || items.len() < MIN_PARALLEL {
        return vec![f(items)];
    }
    let chunk = items.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || f(part)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order_and_cover_every_item() {
        let items: Vec<u32> = (0..1001).collect();
        let parts = map_chunks(&items, |part| part.to_vec());
        assert_eq!(parts.concat(), items);
        assert_eq!(map_chunks(&[] as &[u32], |p| p.len()), vec![0]);
        assert_eq!(map_chunks(&[7u32], |p| p.to_vec()), vec![vec![7]]);
    }

    #[test]
    fn a_few_items_stay_on_the_calling_thread() {
        let here = std::thread::current().id();
        let items = [0u8; MIN_PARALLEL - 1];
        assert_eq!(
            map_chunks(&items, |_| std::thread::current().id()),
            vec![here]
        );
    }

    #[test]
    fn a_panic_reaches_the_caller() {
        let items: Vec<usize> = (0..2 * MIN_PARALLEL).collect();
        let r = std::panic::catch_unwind(|| {
            map_chunks(&items, |p| {
                assert!(!p.contains(&(2 * MIN_PARALLEL - 1)), "the last one");
            })
        });
        assert!(r.is_err());
    }
}
