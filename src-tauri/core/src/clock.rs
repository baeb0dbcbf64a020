//! Wall-clock time is injected so that every deadline is tested deterministically; timers never decide a deadline alone.
//! A clock also makes the sleeper that waits for it ([`Clock::watch`]), so a test clock's jumps and resumes reach the
//! engine exactly as the system's do. The operating system's clock and its sleepers are in [`crate::wake`].

use std::future::Future;
use std::pin::Pin;
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

/// The process's wall clock in Unix milliseconds (the one libfaketime moves in tests).
pub fn unix_ms_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Why a wall-clock sleep ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Woke {
    /// The wall clock reached the deadline.
    Deadline,
    /// The wall clock was set, or the machine resumed (Linux reports both the same way): recheck every deadline.
    ClockChanged,
    /// The operating system said the machine resumed from sleep (logind `PrepareForSleep(false)` on Linux).
    Resumed,
    /// The backstop interval passed and nothing was reported: re-read the clock, then sleep again.
    Backstop,
}

/// A sleep in progress; dropping it cancels the sleep.
pub type WokeFuture<'a> = Pin<Box<dyn Future<Output = Woke> + Send + 'a>>;

/// Sleeps until a wall-clock time. One watch serves one sleeper, one sleep at a time, for the sleeper's lifetime.
pub trait WallClockWatch: Send {
    /// Sleeps until the wall clock reads `deadline_ms` (Unix milliseconds; a past deadline ends at once), or until
    /// something in [`Woke`] comes first. A resume reported while nobody slept ends the next sleep at once.
    fn sleep_until_wall(&mut self, deadline_ms: i64) -> WokeFuture<'_>;
}

