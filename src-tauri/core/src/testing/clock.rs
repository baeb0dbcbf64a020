//! One clock for every test: wall time is a start value plus tokio's elapsed time (paused in unit tests, real in
//! integration tests) plus the jumps the test makes, and each distinct instant it is read at can be counted.

use crate::clock::{Clock, SystemClock};
use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::time::Instant;

/// Wall time = `start_ms` + tokio's elapsed time + every `jump`. Clones share the jumps and the reads.
#[derive(Clone)]
pub struct TestClock {
    start_ms: i64,
    start: Instant,
    jumped_ms: Arc<AtomicI64>,
    reads: Arc<Mutex<HashSet<Instant>>>,
}

impl TestClock {
    /// Starts at `start_ms` (unix milliseconds).
    pub fn at(start_ms: i64) -> Self {
        TestClock { start_ms, start: Instant::now(), jumped_ms: Arc::default(), reads: Arc::default() }
    }

    /// Starts at the system's time: the real clock until the test jumps it.
    pub fn system() -> Self {
        Self::at(SystemClock.now_ms())
    }

    /// Moves wall time by `secs` (a suspended laptop, a changed system time); monotonic time does not move.
    pub fn jump(&self, secs: i64) {
        self.jumped_ms.fetch_add(secs * 1000, Ordering::SeqCst);
    }

    /// How many distinct instants the clock was read at since the last [`forget_reads`](Self::forget_reads).
    pub fn reads(&self) -> usize {
        self.reads.lock().unwrap().len()
    }

    pub fn forget_reads(&self) {
        self.reads.lock().unwrap().clear();
    }
}

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        let now = Instant::now();
        self.reads.lock().unwrap().insert(now);
        self.start_ms + now.duration_since(self.start).as_millis() as i64 + self.jumped_ms.load(Ordering::SeqCst)
    }
}
