//! Wall-clock time is injected so that every deadline is tested deterministically; timers never decide a deadline alone.

use std::time::{SystemTime, UNIX_EPOCH};

/// Source of wall-clock time. Deadlines (token expiry, session timeout) are wall-clock facts: tokio's
/// timers stop while a laptop sleeps, so the engine re-reads this clock whenever it wakes.
pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;

    fn now_unix(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

/// The operating system's clock.
#[derive(Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
}
