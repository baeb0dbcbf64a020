//! Linux: one `timerfd` on `CLOCK_REALTIME`, armed at an absolute time with `TFD_TIMER_CANCEL_ON_SET`, so a sleep
//! costs one wakeup and a wall-clock set or a resume ends it (`ECANCELED`); logind's resume signal is heard too.

use crate::clock::{unix_ms_now, WallClockWatch, Woke, WokeFuture};
use rustix::fd::OwnedFd;
use rustix::io::Errno;
use rustix::time::{Itimerspec, Timespec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags};
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::sync::Notify;

/// A [`WallClockWatch`] on one `timerfd`, re-armed for every sleep; needs a tokio runtime with I/O enabled.
pub struct TimerFdWatch {
    timer: AsyncFd<OwnedFd>,
    backstop: Duration,
    resumed: Arc<Notify>,
}

impl TimerFdWatch {
    pub fn new(backstop: Duration, resumed: Arc<Notify>) -> io::Result<Self> {
        let fd = rustix::time::timerfd_create(TimerfdClockId::Realtime, TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC)?;
        // SAFETY: the OwnedFd is a valid, open timerfd that only the AsyncFd owns, so it stays the same open file
        // until the AsyncFd drops it.
        let timer = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE)? };
        Ok(TimerFdWatch { timer, backstop, resumed })
    }

    /// Arms the timer for `at_ms` on the wall clock (replacing any earlier arming); it fires at once if that passed.
    fn arm(&self, at_ms: i64) -> io::Result<()> {
        // An all-zero time would disarm the timer rather than fire it; the epoch's first nanosecond is as past.
        let at_ms = at_ms.max(0);
        let at = Timespec { tv_sec: at_ms / 1000, tv_nsec: (at_ms % 1000) * 1_000_000 };
        let at = if at_ms == 0 { Timespec { tv_sec: 0, tv_nsec: 1 } } else { at };
        let spec = Itimerspec { it_interval: Timespec { tv_sec: 0, tv_nsec: 0 }, it_value: at };
        rustix::time::timerfd_settime(self.timer.get_ref(), TimerfdTimerFlags::ABSTIME | TimerfdTimerFlags::CANCEL_ON_SET, &spec)?;
        Ok(())
    }

    /// Waits until the armed timer fires or is cancelled by a clock change; `Ok(())` means it fired.
    async fn fired(&self) -> io::Result<()> {
        loop {
            let mut ready = self.timer.readable().await?;
            let mut expirations = [0u8; 8];
            // EAGAIN becomes WouldBlock, which clears the readiness and waits again.
            match ready.try_io(|timer| rustix::io::read(timer.get_ref(), &mut expirations).map_err(io::Error::from)) {
                Ok(read) => return read.map(|_| ()),
                Err(_would_block) => continue,
            }
        }
    }

    async fn sleep(&self, deadline_ms: i64) -> Woke {
        // The deadline is on the process's wall clock, the timer on the kernel's: the same clock, unless something
        // like libfaketime moves the process's. So the wait is measured on the first and armed on the second.
        let wait_ms = deadline_ms.saturating_sub(unix_ms_now()).max(0);
        let backstop_ms = self.backstop.as_millis() as i64;
        let at_ms = now_ms().saturating_add(wait_ms.min(backstop_ms));
        if let Err(e) = self.arm(at_ms) {
            tracing::warn!(error = %e, "could not arm the timerfd; sleeping for the backstop interval");
            tokio::time::sleep(self.backstop).await;
            return Woke::Backstop;
        }
        tokio::select! {
            biased;
            _ = self.resumed.notified() => Woke::Resumed,
            fired = self.fired() => match woke_by(fired, wait_ms <= backstop_ms) {
                Some(woke) => woke,
                None => {
                    tokio::time::sleep(self.backstop).await; // a broken timerfd must not turn into a busy loop
                    Woke::Backstop
                }
            },
        }
    }
}

impl WallClockWatch for TimerFdWatch {
    fn sleep_until_wall(&mut self, deadline_ms: i64) -> WokeFuture<'_> {
        Box::pin(self.sleep(deadline_ms))
    }
}

/// What a read of the timer means: it fired (at the deadline, or at the backstop before it), or `ECANCELED`: the
/// wall clock was set or the machine resumed. `None` for any other error (logged).
pub(super) fn woke_by(read: io::Result<()>, armed_at_deadline: bool) -> Option<Woke> {
    match read {
        Ok(()) if armed_at_deadline => Some(Woke::Deadline),
        Ok(()) => Some(Woke::Backstop),
        Err(e) if e.raw_os_error() == Some(Errno::CANCELED.raw_os_error()) => Some(Woke::ClockChanged),
        Err(e) => {
            tracing::warn!(error = %e, "reading the timerfd failed");
            None
        }
    }
}

/// The wall clock the timer runs on (`CLOCK_REALTIME`), in Unix milliseconds.
fn now_ms() -> i64 {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Realtime);
    now.tv_sec.saturating_mul(1000).saturating_add(now.tv_nsec / 1_000_000)
}

/// Notifies `resumed` each time logind says the machine woke up (`PrepareForSleep(false)`), from a thread of its
/// own, listening on the bus at `address` (the system bus when `None`). Errors if that bus can't be reached.
pub fn notify_on_resume(resumed: Arc<Notify>, address: Option<&str>) -> Result<(), dbus::Error> {
    let bus = match address {
        None => dbus::blocking::Connection::new_system()?,
        Some(address) => {
            let mut channel = dbus::channel::Channel::open_private(address)?;
            channel.register()?;
            dbus::blocking::Connection::from(channel)
        }
    };
    let rule = dbus::message::MatchRule::new_signal("org.freedesktop.login1.Manager", "PrepareForSleep");
    bus.add_match(rule, move |(going_to_sleep,): (bool,), _, _| {
        if !going_to_sleep {
            resumed.notify_one();
        }
        true
    })?;
    std::thread::Builder::new()
        .name("logind-resume".into())
        .spawn(move || while bus.process(Duration::from_secs(3600)).is_ok() {})
        .map_err(|e| dbus::Error::new_failed(&e.to_string()))?;
    Ok(())
}
