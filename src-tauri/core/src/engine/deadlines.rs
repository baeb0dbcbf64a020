//! The deadline keeper: what is due at a wall-clock time, and when the task must next wake for it. Pure functions of
//! the session and the time (the one exception, `JumpWatch`, compares wall time with monotonic time), so every rule
//! is a row in a table test; the task sleeps on its clock's watch until `next_wake`, and nothing else wakes it.

use super::live::{Live, Renewal, UserCheck};
use super::rules::EngineRules;
use crate::session::SignOutReason;
use tokio::time::Instant;

/// A wall-clock step this much larger than the monotonic step means a suspend or a clock change.
const JUMP_MS: i64 = 5_000;
/// The engine never wakes more often than this, whatever it computed.
pub(super) const MIN_SLEEP_MS: i64 = 50;

/// One thing the wall clock says is due.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Due {
    /// The session ends (the absolute or the idle deadline): nothing else is due.
    End(SignOutReason),
    /// `passed` warnings are behind us now (one SESSION_EXPIRING says so, with the seconds left).
    Warn { passed: usize, remaining_secs: i64 },
    /// The token expired while refreshing fails: the UI is told (REFRESH_RETRYING in the expired state).
    AnnounceExpiry,
    Refresh,
    CheckUser,
}

/// Everything due at `now`, in the order the task acts on it.
pub(super) fn due(live: &Live, rules: &EngineRules, now: i64) -> Vec<Due> {
    if now >= live.deadline_ms {
        return vec![Due::End(SignOutReason::Timeout)];
    }
    if idle_deadline(live, rules).is_some_and(|at| now >= at) {
        return vec![Due::End(SignOutReason::IdleTimeout)];
    }
    let mut due = Vec::new();
    let passed = rules.expiring_warnings.iter().filter(|w| now >= live.deadline_ms - w.as_millis() as i64).count();
    if passed > live.warnings_sent {
        due.push(Due::Warn { passed, remaining_secs: (live.deadline_ms - now).div_euclid(1000) });
    }
    if matches!(live.renewal, Renewal::Backoff(_)) && now >= live.access_expires_ms() {
        due.push(Due::AnnounceExpiry);
    }
    let refresh_at = match &live.renewal {
        Renewal::Idle { next_at } => Some(*next_at),
        Renewal::Backoff(b) | Renewal::Expired(b) => Some(b.until),
        Renewal::Refreshing { .. } | Renewal::Elsewhere => None,
    };
    if refresh_at.is_some_and(|at| now >= at) {
        due.push(Due::Refresh);
    }
    let refreshing = refresh_at.is_none() || due.contains(&Due::Refresh);
    if matches!(live.user_check, UserCheck::Due { at } if now >= at) && !refreshing && live.usable(now) {
        due.push(Due::CheckUser);
    }
    due
}

/// The next wall-clock time something may become due; `None` when nothing ever will (signed out). The watch the task
/// sleeps on adds the backstop.
pub(super) fn next_wake(live: Option<&Live>, rules: &EngineRules, now: i64) -> Option<i64> {
    let live = live?;
    let mut times = vec![live.deadline_ms];
    times.extend(idle_deadline(live, rules));
    times.extend(rules.expiring_warnings.iter().map(|w| live.deadline_ms - w.as_millis() as i64).filter(|&t| t > now));
    match &live.renewal {
        Renewal::Idle { next_at } => times.push(*next_at),
        Renewal::Backoff(b) => times.extend([b.until, live.access_expires_ms()]),
        Renewal::Expired(b) => times.push(b.until),
        Renewal::Refreshing { .. } => {} // its answer wakes the task
        Renewal::Elsewhere => {}         // the holder's write wakes it
    }
    let renewing = matches!(live.renewal, Renewal::Refreshing { .. } | Renewal::Elsewhere);
    if let (UserCheck::Due { at }, false, true) = (live.user_check, renewing, live.usable(now)) {
        times.push(at);
    }
    times.into_iter().min()
}

/// The wall-clock time to sleep until: `next_wake`, but never sooner than [`MIN_SLEEP_MS`] from now (never a busy
/// loop), and the far future when nothing is due (the watch's backstop still bounds the sleep).
pub(super) fn wake_at(next: Option<i64>, now: i64) -> i64 {
    next.map_or(i64::MAX, |at| at.max(now + MIN_SLEEP_MS))
}

fn idle_deadline(live: &Live, rules: &EngineRules) -> Option<i64> {
    rules.idle_timeout.map(|idle| live.last_activity_ms + idle.as_millis() as i64)
}

/// Notices a suspend or a clock change: wall time moving much further than monotonic time between two looks.
pub(super) struct JumpWatch {
    last_wall_ms: i64,
    last_mono: Instant,
}

impl JumpWatch {
    pub fn new(now: i64) -> Self {
        JumpWatch { last_wall_ms: now, last_mono: Instant::now() }
    }

    /// Whether the wall clock jumped since the last look; the jump in ms, if it did.
    pub fn jumped(&mut self, now: i64) -> Option<i64> {
        let mono = Instant::now();
        let jump = (now - self.last_wall_ms) - mono.duration_since(self.last_mono).as_millis() as i64;
        (self.last_wall_ms, self.last_mono) = (now, mono);
        (jump > JUMP_MS).then_some(jump)
    }
}

#[cfg(test)]
mod tests;
