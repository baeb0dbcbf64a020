//! How often an idle sleeper wakes: context switches of one thread per idle minute, for the wall-clock watch
//! (src/wake) against tokio sleeps and today's 1 s tick. Each sleeper runs alone on its own thread and tokio
//! runtime; all run side by side. Settings (environment): WAKE_BENCH_SECS (default 60).

use latchkey_core::wake::{system_watch, BackstopWatch, WallClockWatch, BACKSTOP};
use latchkey_core::{Clock, SystemClock};
use std::sync::mpsc;
use std::time::Duration;

const FAR_MS: i64 = 3_600_000;

/// Context switches (voluntary + involuntary) of one thread of this process so far.
fn switches(tid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/self/task/{tid}/status")).expect("the sleeper's status");
    status.lines().filter(|l| l.contains("ctxt_switches")).filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok()).sum()
}

/// Starts `sleeper` on a thread of its own, in a runtime of its own (made inside it); returns that thread's id.
fn start<F: std::future::Future<Output = ()> + 'static>(sleeper: impl FnOnce() -> F + Send + 'static) -> String {
    let (tid_tx, tid_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let tid = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
        tid_tx.send(tid.file_name().expect("tid").to_string_lossy().into_owned()).expect("main waits");
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(sleeper());
    });
    tid_rx.recv().expect("the sleeper's thread id")
}

async fn watch_forever(mut watch: Box<dyn WallClockWatch>) {
    let deadline = SystemClock.now_ms() + FAR_MS;
    loop {
        watch.sleep_until_wall(deadline).await;
    }
}

fn main() {
    let secs: u64 = std::env::var("WAKE_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let sleepers = [
        ("wall-clock watch (timerfd on Linux), deadline in 1 h", start(|| async { watch_forever(system_watch(Default::default())).await })),
        (
            "wall-clock watch, portable (tokio sleep), deadline in 1 h",
            start(|| async { watch_forever(Box::new(BackstopWatch::new(SystemClock, BACKSTOP, Default::default()))).await }),
        ),
        ("tokio sleep_until, deadline in 1 h, no backstop", start(|| async {
            tokio::time::sleep(Duration::from_millis(FAR_MS as u64)).await;
        })),
        ("tokio interval, 1 s tick (the engine's wall_check_interval today)", start(|| async {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
            }
        })),
    ];
    std::thread::sleep(Duration::from_secs(1)); // past each sleeper's first arming
    let before: Vec<u64> = sleepers.iter().map(|(_, tid)| switches(tid)).collect();
    std::thread::sleep(Duration::from_secs(secs));
    println!("context switches of one idle sleeper thread over {secs} s (per minute):");
    for ((name, tid), before) in sleepers.iter().zip(before) {
        let n = switches(tid) - before;
        println!("  {n:>5} ({:>6.1}/min)  {name}", n as f64 * 60.0 / secs as f64);
    }
}
