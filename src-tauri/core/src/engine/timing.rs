//! The wall-clock rules: what is due when the task wakes, and how long it may sleep (never past a deadline, never over the wall-clock check interval).

use super::owner::{Engine, Live};
use super::EngineRules;
use crate::api::AuthApi;
use crate::clock::Clock;
use crate::events::{AuthEvent, EventKind};
use crate::session::{Freshness, SignOutReason, StateView};
use crate::vault::SessionStore;
use std::time::Duration;
use tokio::time::Instant;

/// A wall-clock step this much larger than the monotonic step means a suspend or a clock change.
const JUMP_MS: i64 = 5_000;
/// The engine never wakes more often than this, whatever it computed.
const MIN_SLEEP: Duration = Duration::from_millis(50);

impl<A: AuthApi, S: SessionStore, C: Clock> Engine<A, S, C> {
    /// Applies the wall-clock rules; called after every wake, whatever woke the task.
    pub(super) async fn tick(&mut self) {
        let now = self.clock.now_ms();
        self.notice_jumps(now);
        let Some(live) = self.live.as_ref() else { return };
        if now >= self.deadline_ms(&live.session) {
            return self.end(SignOutReason::Timeout, EventKind::SignedOut).await;
        }
        if self.settings.idle_timeout.is_some_and(|idle| now >= live.last_activity_ms + idle.as_millis() as i64) {
            return self.end(SignOutReason::IdleTimeout, EventKind::SignedOut).await;
        }
        self.warn_expiring(now);
        let live = self.live.as_ref().expect("checked above");
        let due = if live.retry.is_some() { now >= live.retry_at_ms } else { now >= live.next_refresh_ms };
        if due && !live.refreshing {
            self.start_refresh();
        }
        let live = self.live.as_ref().expect("checked above");
        if live.retry.is_some() && !live.expired_announced && !live.usable(now) {
            let retry = live.retry.clone().expect("checked");
            self.live.as_mut().expect("checked").expired_announced = true;
            self.publish_retry(now, retry);
        }
        let live = self.live.as_ref().expect("checked above");
        if now >= live.next_user_check_ms && !live.checking_user && !live.refreshing && live.usable(now) {
            self.start_user_check();
        }
    }

    /// A suspend or a clock change shows as wall time moving much more than monotonic time.
    fn notice_jumps(&mut self, now: i64) {
        let mono = Instant::now();
        let jump = (now - self.last_wall_ms) - mono.duration_since(self.last_mono).as_millis() as i64;
        (self.last_wall_ms, self.last_mono) = (now, mono);
        if jump > JUMP_MS {
            tracing::info!(jump_ms = jump, "the wall clock jumped (resume from sleep, or a clock change); rechecking");
            if let Some(live) = self.live.as_mut() {
                live.next_user_check_ms = now;
            }
        }
    }

    fn warn_expiring(&mut self, now: i64) {
        let Some(live) = self.live.as_ref() else { return };
        let deadline = self.deadline_ms(&live.session);
        let passed = self.settings.expiring_warnings.iter().filter(|w| now >= deadline - w.as_millis() as i64).count();
        if passed > live.warned {
            self.live.as_mut().expect("checked").warned = passed;
            let event = AuthEvent {
                seq: 0,
                event: EventKind::SessionExpiring,
                state: self.view(now),
                reason: None,
                remaining: Some((deadline - now).div_euclid(1000)),
                retry: None,
                subject: None,
            };
            self.send(event);
        }
    }

    /// How long to sleep: until the next thing that is due, never longer than the wall-clock check interval.
    pub(super) fn sleep_for(&self) -> Duration {
        let now = self.clock.now_ms();
        let mut wake = now + self.settings.wall_check_interval.as_millis() as i64;
        if let Some(live) = &self.live {
            let deadline = self.deadline_ms(&live.session);
            let mut candidates = vec![deadline];
            if !live.refreshing {
                candidates.push(if live.retry.is_some() { live.retry_at_ms } else { live.next_refresh_ms });
            }
            if live.retry.is_some() && !live.expired_announced {
                candidates.push(live.access_expires_ms());
            }
            if !live.checking_user {
                candidates.push(live.next_user_check_ms);
            }
            if let Some(idle) = self.settings.idle_timeout {
                candidates.push(live.last_activity_ms + idle.as_millis() as i64);
            }
            candidates.extend(self.settings.expiring_warnings.iter().map(|w| deadline - w.as_millis() as i64).filter(|&t| t > now));
            wake = candidates.into_iter().fold(wake, i64::min);
        }
        Duration::from_millis((wake - now).max(0) as u64).max(MIN_SLEEP)
    }
}

pub(super) fn view_of(live: Option<&Live>, settings: &EngineRules, now: i64) -> StateView {
    let Some(live) = live else { return StateView::SignedOut { reason: None } };
    let s = &live.session;
    let deadline_at = s.signed_in_at + settings.max_session_age.as_secs() as i64;
    if now >= live.access_expires_ms() {
        return StateView::Expired {
            user: s.user.clone(),
            signed_in_at: s.signed_in_at,
            persistence: live.persistence,
            deadline_at,
            next_retry_at: if live.retry.is_some() { live.retry_at_ms } else { now }.div_euclid(1000),
        };
    }
    let freshness = if live.refreshing {
        Freshness::Refreshing
    } else if live.retry.is_some() {
        Freshness::OfflineValid
    } else {
        Freshness::Fresh
    };
    StateView::SignedIn {
        user: s.user.clone(),
        access_expires_at: s.access_expires_at,
        signed_in_at: s.signed_in_at,
        persistence: live.persistence,
        freshness,
        deadline_at,
        next_refresh_at: if live.retry.is_some() { live.retry_at_ms } else { live.next_refresh_ms }.div_euclid(1000),
    }
}
