//! The binary's global allocator: mimalloc for ordinary allocations, the system allocator for very large ones.
//!
//! Why two: a script run allocates and frees many small values (bound parameters, output objects, state
//! strings), and glibc's malloc/free took about a quarter of a 100,000-line run's CPU time; mimalloc is much
//! faster there. But the state's object lists grow to tens of megabytes by doubling, and mimalloc grows such a
//! block by allocating a new one and copying, while glibc moves its pages with `mremap` (no copy, no new page
//! faults). So blocks of [`LARGE`] bytes or more go to the system allocator. A block's size alone decides
//! where it lives, so `dealloc` and `realloc` (which are given the size) always find the right one.

use std::alloc::{GlobalAlloc, Layout, System};

use mimalloc::MiMalloc;

/// From this size on, a block is the system allocator's.
pub const LARGE: usize = 1 << 20;

pub struct Split;

fn large(size: usize) -> bool {
    size >= LARGE
}

// SAFETY: every method forwards to the allocator that owns the block, which is chosen by the block's size
// (the same size the caller passes back in `dealloc`/`realloc`, as `GlobalAlloc` requires); a block that
// changes owner in `realloc` is copied (the smaller of the two sizes) and freed by its old owner.
unsafe impl GlobalAlloc for Split {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if large(layout.size()) {
            unsafe { System.alloc(layout) }
        } else {
            unsafe { MiMalloc.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if large(layout.size()) {
            unsafe { System.alloc_zeroed(layout) }
        } else {
            unsafe { MiMalloc.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if large(layout.size()) {
            unsafe { System.dealloc(ptr, layout) }
        } else {
            unsafe { MiMalloc.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match (large(layout.size()), large(new_size)) {
            (true, true) => unsafe { System.realloc(ptr, layout, new_size) },
            (false, false) => unsafe { MiMalloc.realloc(ptr, layout, new_size) },
            _ => {
                // SAFETY: `new_size` with the old alignment is a valid layout (the GlobalAlloc contract).
                let new_layout =
                    unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
                let new = unsafe { self.alloc(new_layout) };
                if !new.is_null() {
                    unsafe {
                        std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                }
                new
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks move between the two allocators as they grow and shrink across the threshold, and keep their bytes.
    #[test]
    fn blocks_keep_their_bytes_across_the_threshold() {
        let a = Split;
        unsafe {
            let small = Layout::from_size_align(1000, 8).unwrap();
            let p = a.alloc(small);
            assert!(!p.is_null());
            for i in 0..1000 {
                *p.add(i) = (i % 251) as u8;
            }
            let p = a.realloc(p, small, 3 * LARGE);
            assert!(!p.is_null());
            let big = Layout::from_size_align(3 * LARGE, 8).unwrap();
            *p.add(3 * LARGE - 1) = 7;
            let p = a.realloc(p, big, 5 * LARGE);
            let bigger = Layout::from_size_align(5 * LARGE, 8).unwrap();
            assert_eq!(*p.add(3 * LARGE - 1), 7);
            let p = a.realloc(p, bigger, 500);
            for i in 0..500 {
                assert_eq!(*p.add(i), (i % 251) as u8);
            }
            a.dealloc(p, Layout::from_size_align(500, 8).unwrap());
            let z = a.alloc_zeroed(big);
            assert!((0..3 * LARGE).step_by(4096).all(|i| *z.add(i) == 0));
            a.dealloc(z, big);
        }
    }
}
