//! Wall-clock time is injected so that every deadline is tested deterministically; timers never decide a deadline alone.
//! A clock also makes the sleeper that waits for it ([`Clock::watch`]), so a test clock's jumps and resumes reach the
//! engine exactly as the system's do.

use crate::wake::WallClockWatch;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Source of wall-clock time. Deadlines (token expiry, session timeout) are wall-clock facts: tokio's
/// timers stop while a laptop sleeps, so the engine re-reads this clock whenever it wakes.
pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;

    fn now_unix(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// A sleeper on this clock: it wakes at a deadline on this clock, when the clock is set or the machine resumes,
    /// and never sleeps longer than `backstop` (see [`crate::wake`]). Called inside a tokio runtime.
    fn watch(&self, backstop: Duration) -> Box<dyn WallClockWatch>;
}

/// The operating system's clock.
#[derive(Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }

    /// One `timerfd` with logind's resume signal on Linux; the portable watch elsewhere.
    fn watch(&self, backstop: Duration) -> Box<dyn WallClockWatch> {
        crate::wake::system_watch(backstop)
    }
}
