//! The allocation guard: while a worker evaluates a policy, one allocation larger than the memory
//! budget parks the thread instead of being attempted. Such an allocation (a `join` of a million
//! copies of a long string) would otherwise fail and abort the process at once, before the
//! watchdog could act; parked, the evaluation simply overruns its time budget and is stopped like
//! any other.
//!
//! The binary installs [`GuardedAlloc`] around its allocator as its global allocator; a program
//! that does not install it loses only this guard.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// An allocator (the system's, mimalloc...) with the guard.
pub struct GuardedAlloc<A>(pub A);

static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);

thread_local! {
    // Const-initialised and without a destructor: safe to read from inside the allocator.
    static EVALUATING: Cell<bool> = const { Cell::new(false) };
}

/// Sets the largest single allocation allowed during an evaluation (`None`: no limit).
pub fn set_limit(bytes: Option<u64>) {
    let limit = bytes.map_or(usize::MAX, |b| usize::try_from(b).unwrap_or(usize::MAX));
    LIMIT.store(limit, Ordering::Relaxed);
}

/// Marks the current thread as evaluating a policy (or no longer).
pub fn set_evaluating(on: bool) {
    let _ = EVALUATING.try_with(|e| e.set(on));
}

fn guard(size: usize) {
    if size > LIMIT.load(Ordering::Relaxed) && EVALUATING.try_with(Cell::get).unwrap_or(false) {
        // Sleeping allocates nothing. The watchdog abandons this thread once the evaluation is
        // past its time; the process exits without waiting for it.
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
}

// SAFETY: every method forwards to the wrapped allocator with the same arguments; the guard only
// delays the call, forever, and never changes what is allocated.
unsafe impl<A: GlobalAlloc> GlobalAlloc for GuardedAlloc<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        guard(layout.size());
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { self.0.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        guard(layout.size());
        // SAFETY: as above.
        unsafe { self.0.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { self.0.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        guard(new_size);
        // SAFETY: as above.
        unsafe { self.0.realloc(ptr, layout, new_size) }
    }
}
