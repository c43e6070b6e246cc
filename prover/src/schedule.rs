//! Greedy list scheduling for a proof's first phase.
//!
//! Before `h` is known the prover has three independent jobs: the quotient (one task of
//! about 11 ms for the policy circuit), the G2 MSM for `B` (six windows of about 6 ms) and
//! the G1 MSM for `A` (twelve windows of about 1.5 ms). Nested `rayon::join`s left one core
//! idle for several milliseconds at the end, because the last G2 windows landed on one
//! core after the small `A` windows had run on the other. Here every thread takes the next
//! task of one list as soon as it is free; with the list in decreasing size (the longest
//! processing time first rule), the small tasks at the end fill the gaps and both cores
//! finish within about one small task of each other.

#[cfg(feature = "parallel")]
use std::sync::atomic::{AtomicUsize, Ordering};
#[cfg(feature = "parallel")]
use std::sync::Mutex;

/// Runs `a` and `b` on both cores with the `parallel` feature, one after the other without.
pub(crate) fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    #[cfg(feature = "parallel")]
    return rayon::join(a, b);
    #[cfg(not(feature = "parallel"))]
    (a(), b())
}

/// Runs `task(0)`, …, `task(n - 1)` on every thread of the pool, each thread taking the
/// lowest index not yet taken whenever it is free, and returns the results in index order.
/// Without the `parallel` feature (or with one thread) the tasks run in index order.
pub(crate) fn in_order<T: Send>(n: usize, task: impl Fn(usize) -> T + Sync) -> Vec<T> {
    #[cfg(feature = "parallel")]
    {
        let threads = rayon::current_num_threads().min(n);
        if threads > 1 {
            let next = AtomicUsize::new(0);
            let done = Mutex::new(Vec::with_capacity(n));
            rayon::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|_| {
                        let mut mine = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= n {
                                break;
                            }
                            mine.push((i, task(i)));
                        }
                        // A poisoned lock means another task panicked; rayon re-raises
                        // that panic when the scope ends.
                        let mut done = done.lock().unwrap_or_else(|e| e.into_inner());
                        done.extend(mine);
                    });
                }
            });
            let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
            done.sort_by_key(|(i, _)| *i);
            return done.into_iter().map(|(_, t)| t).collect();
        }
    }
    (0..n).map(task).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_back_in_index_order() {
        let out = super::in_order(50, |i| {
            // uneven tasks, so that threads finish out of order
            let mut x = i as u64;
            for _ in 0..(i % 7) * 1000 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            }
            (i, x)
        });
        assert_eq!(out.len(), 50);
        assert!(out.iter().enumerate().all(|(k, (i, _))| k == *i));
        assert!(super::in_order(0, |i| i).is_empty());
    }
}
