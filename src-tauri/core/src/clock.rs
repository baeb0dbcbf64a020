//! Wall-clock time is injected so that deadlines are tested deterministically.

use std::time::{SystemTime, UNIX_EPOCH};

/// Source of wall-clock time, in unix seconds.
pub trait Clock: Send + Sync + 'static {
    fn now_unix(&self) -> i64;
}

/// The operating system's clock.
#[derive(Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}
