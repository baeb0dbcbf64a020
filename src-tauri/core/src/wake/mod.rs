//! Sleeping until a wall-clock deadline: a sleep ends only at the deadline, on a wall-clock change, on a resume, or
//! after the backstop interval, and says which ([`Woke`]); the sleeper re-reads the wall clock whatever woke it.
//!
//! Linux sleeps on one `timerfd` (see `linux.rs`), which also hears clock changes, and hears resumes from logind.
//! Elsewhere [`BackstopWatch`] sleeps in tokio, never longer than the backstop, and ends early when its `resumed`
//! signal is notified. That signal is the small seam for macOS (`NSWorkspaceDidWakeNotification`,
//! `NSSystemClockDidChangeNotification`) and Windows (`WM_POWERBROADCAST`, `WM_TIMECHANGE`): their sources cannot be
//! compiled on the Linux machines this is built on, so none is written, and those systems rely on the backstop.

pub use crate::clock::{WallClockWatch, Woke, WokeFuture};
use crate::clock::{unix_ms_now, Clock};
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

/// The operating system's clock; its sleeper is [`system_watch`].
#[derive(Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        unix_ms_now()
    }

    /// One `timerfd` with logind's resume signal on Linux; the portable watch elsewhere.
    fn watch(&self, backstop: Duration) -> Box<dyn WallClockWatch> {
        system_watch(backstop)
    }
}

/// The best watch this platform has, for deadlines on [`SystemClock`]: a `timerfd` that also hears logind's resume
/// signal on Linux (a [`BackstopWatch`] if no timer can be created), a [`BackstopWatch`] elsewhere. Needs a tokio
/// runtime with I/O enabled on Linux.
pub fn system_watch(backstop: Duration) -> Box<dyn WallClockWatch> {
    let resumed = Arc::new(Notify::new());
    #[cfg(target_os = "linux")]
    {
        let listener = resumed.clone();
        // Off the caller's path: reaching the system bus must not delay a command's start.
        std::thread::spawn(move || {
            if let Err(e) = notify_on_resume(listener, None) {
                tracing::debug!(error = %e, "no logind resume signal; a resume is noticed by the timerfd or the backstop");
            }
        });
        match TimerFdWatch::new(backstop, resumed.clone()) {
            Ok(watch) => return Box::new(watch),
            Err(e) => tracing::warn!(error = %e, "no timerfd; the wall clock is rechecked every {backstop:?} instead"),
        }
    }
    Box::new(BackstopWatch::new(SystemClock, backstop, resumed))
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
