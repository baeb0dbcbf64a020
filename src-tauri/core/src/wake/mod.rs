//! Sleeping until a wall-clock deadline: a sleep ends only at the deadline, on a wall-clock change, on a resume, or
//! after the backstop interval, and says which ([`Woke`]); the sleeper re-reads the wall clock whatever woke it.
//!
//! Linux sleeps on one `timerfd` (see `linux.rs`), which also hears clock changes. Elsewhere [`BackstopWatch`]
//! sleeps in tokio, never longer than the backstop. macOS and Windows wake and time-change notifications would feed
//! [`BackstopWatch`]'s resume signal; they cannot be compiled on the Linux machines this is built on, so none exist.

use crate::clock::Clock;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::{notify_on_resume, TimerFdWatch};

#[cfg(test)]
mod tests;

/// The longest a sleep lasts without a fresh look at the wall clock: the net under clock changes that nothing
/// reported (libfaketime can't fire a `timerfd`; platforms without notifications). One wakeup a minute at most.
pub const BACKSTOP: Duration = Duration::from_secs(60);

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

/// The best watch this platform has: a `timerfd` on Linux (a [`BackstopWatch`] if one can't be created), a
/// [`BackstopWatch`] elsewhere. `resumed` is notified by whatever hears resumes (see [`notify_on_resume`]).
/// Needs a tokio runtime with I/O enabled on Linux.
pub fn system_watch(resumed: Arc<Notify>) -> Box<dyn WallClockWatch> {
    #[cfg(target_os = "linux")]
    match TimerFdWatch::new(BACKSTOP, resumed.clone()) {
        Ok(watch) => return Box::new(watch),
        Err(e) => tracing::warn!(error = %e, "no timerfd; the wall clock is rechecked every {BACKSTOP:?} instead"),
    }
    Box::new(BackstopWatch::new(crate::clock::SystemClock, BACKSTOP, resumed))
}

/// The portable watch: a tokio sleep until the deadline, cut at the backstop; hears clock changes only through it.
pub struct BackstopWatch<C> {
    clock: C,
    backstop: Duration,
    resumed: Arc<Notify>,
}

impl<C: Clock> BackstopWatch<C> {
    pub fn new(clock: C, backstop: Duration, resumed: Arc<Notify>) -> Self {
        BackstopWatch { clock, backstop, resumed }
    }
}

impl<C: Clock> WallClockWatch for BackstopWatch<C> {
    fn sleep_until_wall(&mut self, deadline_ms: i64) -> WokeFuture<'_> {
        let left = Duration::from_millis(deadline_ms.saturating_sub(self.clock.now_ms()).max(0) as u64);
        let nap = left.min(self.backstop);
        Box::pin(async move {
            tokio::select! {
                biased;
                _ = self.resumed.notified() => Woke::Resumed,
                _ = tokio::time::sleep(nap) => {
                    if self.clock.now_ms() >= deadline_ms { Woke::Deadline } else { Woke::Backstop }
                }
            }
        })
    }
}
