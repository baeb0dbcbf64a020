//! The watches through their trait: the Linux timerfd for real (a real clock set is not allowed on the machines
//! these run on, so `ECANCELED` is covered by the read's mapping only), the portable watch on tokio's paused time.

use super::*;
use std::sync::atomic::{AtomicI64, Ordering};

/// A wall clock the test sets.
#[derive(Clone, Default)]
struct SetClock(Arc<AtomicI64>);

impl SetClock {
    fn set(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst);
    }
}

impl Clock for SetClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }

    fn watch(&self, backstop: Duration) -> Box<dyn WallClockWatch> {
        Box::new(BackstopWatch::new(self.clone(), backstop, Arc::default()))
    }
}

const HOUR_MS: i64 = 3_600_000;

#[tokio::test(start_paused = true)]
async fn the_portable_watch_ends_at_the_deadline() {
    let clock = SetClock::default();
    let mut watch = BackstopWatch::new(clock.clone(), BACKSTOP, Arc::default());
    let start = tokio::time::Instant::now();
    let (woke, ()) = tokio::join!(watch.sleep_until_wall(10_000), async { clock.set(10_000) });
    assert_eq!(woke, Woke::Deadline);
    assert_eq!(start.elapsed(), Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn the_portable_watch_never_sleeps_past_the_backstop() {
    let mut watch = BackstopWatch::new(SetClock::default(), BACKSTOP, Arc::default());
    let start = tokio::time::Instant::now();
    assert_eq!(watch.sleep_until_wall(HOUR_MS).await, Woke::Backstop);
    assert_eq!(start.elapsed(), BACKSTOP);
}

#[tokio::test(start_paused = true)]
async fn the_portable_watch_notices_a_clock_jump_past_the_deadline_at_the_backstop() {
    let clock = SetClock::default();
    let mut watch = BackstopWatch::new(clock.clone(), BACKSTOP, Arc::default());
    let start = tokio::time::Instant::now();
    let jump = async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        clock.set(2 * HOUR_MS);
    };
    let (woke, ()) = tokio::join!(watch.sleep_until_wall(HOUR_MS), jump);
    assert_eq!(woke, Woke::Deadline);
    assert_eq!(start.elapsed(), BACKSTOP);
}

#[tokio::test(start_paused = true)]
async fn a_resume_reported_while_nobody_sleeps_ends_the_next_sleep() {
    let resumed = Arc::new(Notify::new());
    let mut watch = BackstopWatch::new(SetClock::default(), BACKSTOP, resumed.clone());
    resumed.notify_one();
    assert_eq!(watch.sleep_until_wall(HOUR_MS).await, Woke::Resumed);
    assert_eq!(watch.sleep_until_wall(HOUR_MS).await, Woke::Backstop, "one resume ends one sleep");
}

#[cfg(target_os = "linux")]
mod timerfd {
    use super::*;
    use crate::wake::SystemClock;
    use std::io;

    fn watch(backstop: Duration) -> (TimerFdWatch, Arc<Notify>) {
        let resumed = Arc::new(Notify::new());
        (TimerFdWatch::new(backstop, resumed.clone()).expect("timerfd_create"), resumed)
    }

    #[tokio::test]
    async fn a_sleep_ends_when_the_wall_clock_reaches_the_absolute_deadline() {
        let (mut watch, _) = watch(BACKSTOP);
        let deadline = SystemClock.now_ms() + 150;
        assert_eq!(watch.sleep_until_wall(deadline).await, Woke::Deadline);
        assert!(SystemClock.now_ms() >= deadline, "woke before the deadline");
    }

    #[tokio::test]
    async fn a_past_deadline_ends_the_sleep_at_once() {
        let (mut watch, _) = watch(BACKSTOP);
        for past in [SystemClock.now_ms() - HOUR_MS, 1, 0, -5, i64::MIN] {
            assert_eq!(watch.sleep_until_wall(past).await, Woke::Deadline, "deadline {past}");
        }
    }

    #[tokio::test]
    async fn one_timer_is_rearmed_for_each_sleep() {
        let (mut watch, _) = watch(BACKSTOP);
        // A far sleep given up: its arming must not linger and must not keep the next sleep from ending.
        let gave_up = tokio::time::timeout(Duration::from_millis(30), watch.sleep_until_wall(SystemClock.now_ms() + HOUR_MS));
        assert!(gave_up.await.is_err());
        for _ in 0..3 {
            let deadline = SystemClock.now_ms() + 40;
            assert_eq!(watch.sleep_until_wall(deadline).await, Woke::Deadline);
            assert!(SystemClock.now_ms() >= deadline);
        }
    }

    #[tokio::test]
    async fn a_far_deadline_wakes_at_the_backstop() {
        let (mut watch, _) = watch(Duration::from_millis(100));
        let before = SystemClock.now_ms();
        assert_eq!(watch.sleep_until_wall(before + HOUR_MS).await, Woke::Backstop);
        assert!(SystemClock.now_ms() >= before + 100, "woke before the backstop");
    }

    #[tokio::test]
    async fn a_resume_ends_the_sleep() {
        let (mut watch, resumed) = watch(BACKSTOP);
        resumed.notify_one();
        assert_eq!(watch.sleep_until_wall(SystemClock.now_ms() + HOUR_MS).await, Woke::Resumed);
    }

    #[tokio::test]
    async fn the_system_clocks_watch_wakes_at_its_deadlines_and_its_backstop() {
        let mut watch = SystemClock.watch(Duration::from_millis(100));
        let deadline = SystemClock.now_ms() + 50;
        assert_eq!(watch.sleep_until_wall(deadline).await, Woke::Deadline);
        assert!(SystemClock.now_ms() >= deadline, "woke before the deadline");
        let before = SystemClock.now_ms();
        assert_eq!(watch.sleep_until_wall(i64::MAX).await, Woke::Backstop);
        assert!(SystemClock.now_ms() >= before + 100, "woke before the backstop");
    }

    #[test]
    fn a_cancelled_read_means_the_wall_clock_changed() {
        let canceled = || Err(io::Error::from_raw_os_error(rustix::io::Errno::CANCELED.raw_os_error()));
        assert_eq!(linux::woke_by(canceled(), true), Some(Woke::ClockChanged));
        assert_eq!(linux::woke_by(canceled(), false), Some(Woke::ClockChanged));
        assert_eq!(linux::woke_by(Ok(()), true), Some(Woke::Deadline));
        assert_eq!(linux::woke_by(Ok(()), false), Some(Woke::Backstop));
        assert_eq!(linux::woke_by(Err(io::Error::from_raw_os_error(rustix::io::Errno::BADF.raw_os_error())), true), None);
    }

    /// A private bus daemon, stopped when dropped.
    struct Bus(std::process::Child, String);

    impl Bus {
        fn start() -> Bus {
            use std::io::BufRead;
            let mut daemon = std::process::Command::new("dbus-daemon")
                .args(["--session", "--nofork", "--print-address=1"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("dbus-daemon (package dbus) must be installed");
            let mut address = String::new();
            std::io::BufReader::new(daemon.stdout.take().expect("piped")).read_line(&mut address).expect("its address");
            Bus(daemon, address.trim().to_string())
        }
    }

    impl Drop for Bus {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    #[tokio::test]
    async fn logind_saying_the_machine_woke_ends_the_sleep() {
        let bus = Bus::start();
        let (mut watch, resumed) = watch(BACKSTOP);
        notify_on_resume(resumed, Some(&bus.1)).expect("listening on the private bus");
        let mut logind = dbus::channel::Channel::open_private(&bus.1).expect("a second connection");
        logind.register().expect("hello");
        let woke = dbus::Message::signal(
            &"/org/freedesktop/login1".into(),
            &"org.freedesktop.login1.Manager".into(),
            &"PrepareForSleep".into(),
        )
        .append1(false);
        logind.send(woke).expect("the signal is sent");
        logind.flush();
        assert_eq!(watch.sleep_until_wall(SystemClock.now_ms() + HOUR_MS).await, Woke::Resumed);
    }
}
