//! One clock for every test: wall time is a start value plus tokio's elapsed time (paused in unit tests, real in
//! integration tests) plus the jumps the test makes, and each distinct instant it is read at can be counted. Its
//! watch is the portable one, so a jump is noticed at the backstop (as libfaketime's are) and `resume` ends a sleep.

use crate::clock::Clock;
use crate::wake::SystemClock;
use crate::wake::{BackstopWatch, WallClockWatch};
use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// Wall time = `start_ms` + tokio's elapsed time + every `jump`. Clones share the jumps, the reads and the resumes.
#[derive(Clone)]
pub struct TestClock {
    start_ms: i64,
    start: Instant,
    jumped_ms: Arc<AtomicI64>,
    reads: Arc<Mutex<HashSet<Instant>>>,
    resumed: Arc<Notify>,
}

impl TestClock {
    /// Starts at `start_ms` (unix milliseconds).
    pub fn at(start_ms: i64) -> Self {
        TestClock { start_ms, start: Instant::now(), jumped_ms: Arc::default(), reads: Arc::default(), resumed: Arc::default() }
    }

    /// Starts at the system's time: the real clock until the test jumps it.
    pub fn system() -> Self {
        Self::at(SystemClock.now_ms())
    }

    /// Moves wall time by `secs` (a suspended laptop, a changed system time); monotonic time does not move.
    pub fn jump(&self, secs: i64) {
        self.jumped_ms.fetch_add(secs * 1000, Ordering::SeqCst);
    }

    /// The machine resumed from sleep, as logind would say: ends the engine's current (or next) sleep.
    pub fn resume(&self) {
        self.resumed.notify_one();
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

    fn watch(&self, backstop: Duration) -> Box<dyn WallClockWatch> {
        Box::new(BackstopWatch::new(self.clone(), backstop, self.resumed.clone()))
    }
}
