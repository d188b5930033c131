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

/// `f` on consecutive shares of `items`, one share per thread, the results in the items' order.
/// A panic in `f` is carried on to the caller.
pub(crate) fn map_chunks<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let threads = threads();
    if threads <= 1 || items.len() < 2 {
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
    fn a_panic_reaches_the_caller() {
        let r = std::panic::catch_unwind(|| {
            map_chunks(&[1, 2, 3, 4], |p| {
                assert!(!p.contains(&4), "four");
            })
        });
        assert!(r.is_err());
    }
}
