//! Answers from the network: a refreshed session is saved before it is used or published, and only a terminal answer ends a session.

use super::owner::{Engine, Net};
use crate::api::{AuthApi, Grant};
use crate::clock::Clock;
use crate::error::{AuthError, ErrorCode};
use crate::events::{EventKind, Retry};
use crate::schedule::{self, Failure};
use crate::session::{SignOutReason, User};
use crate::vault::SessionStore;

/// Env var for the crash-safety test: abort between the server's rotation and the vault save. Debug builds only.
const CRASH_AFTER_ROTATION_ENV: &str = "LATCHKEY_TEST_CRASH_AFTER_ROTATION";
/// Env var for the crash loop: pause this many ms between the server's rotation and the vault save. Debug builds only.
#[cfg(debug_assertions)]
const PAUSE_AFTER_ROTATION_ENV: &str = "LATCHKEY_TEST_PAUSE_AFTER_ROTATION_MS";

impl<A: AuthApi, S: SessionStore, C: Clock> Engine<A, S, C> {
    pub(super) async fn on_net(&mut self, answer: Net) {
        match answer {
            Net::Refresh { generation, result } if generation == self.generation => self.on_refresh(result).await,
            Net::UserCheck { generation, result } if generation == self.generation => self.on_user_check(result).await,
            Net::Callback { url, reply } => {
                let _ = reply.send(self.callback(&url).await);
            }
            _ => {} // an answer about a session that has since ended
        }
    }

    /// The new refresh token is saved before anything uses or publishes it.
    async fn on_refresh(&mut self, result: Result<Grant, AuthError>) {
        let now = self.clock.now_ms();
        let Some(live) = self.live.as_mut() else { return };
        live.refreshing = false;
        match result {
            Ok(grant) => {
                let mut session = grant.into_session(now.div_euclid(1000), live.session.signed_in_at);
                session.last_refresh_at = Some(now.div_euclid(1000));
                crash_point_after_rotation();
                pause_after_rotation().await;
                let persistence = self.persist(&session).await;
                let u = self.jitter.draw();
                let Some(live) = self.live.as_mut() else { return };
                live.session = session;
                live.persistence = persistence;
                live.received_ms = now;
                live.next_refresh_ms = schedule::refresh_at(now, live.lifetime_ms(), u);
                live.retry = None;
                live.expired_announced = false;
                let token = live.session.access_token.clone();
                for waiter in self.waiters.drain(..) {
                    let _ = waiter.send(Ok(token.clone()));
                }
                self.publish(EventKind::TokenRefreshed, self.view(now), None);
            }
            Err(e) => match schedule::classify(&e) {
                Failure::Terminal(reason) => {
                    tracing::info!(code = e.code(), "the server ended the session");
                    self.end(reason, EventKind::SignedOut).await;
                }
                failure => {
                    let attempt = live.retry.as_ref().map_or(1, |r| r.attempt + 1);
                    live.retry_at_ms = now + schedule::retry_delay_ms(&failure, attempt, self.jitter.draw());
                    let retry = Retry { attempt, next_at: live.retry_at_ms.div_euclid(1000), cause: e.code().to_string() };
                    live.retry = Some(retry.clone());
                    tracing::warn!(code = e.code(), attempt, "refresh failed; retrying later, the session is kept");
                    let usable = live.usable(now).then(|| live.session.access_token.clone());
                    live.expired_announced = usable.is_none();
                    for waiter in self.waiters.drain(..) {
                        let _ = waiter.send(usable.clone().ok_or_else(|| e.clone()));
                    }
                    self.publish_retry(now, retry);
                }
            },
        }
    }

    /// `GET /user` tells whether the session was ended elsewhere (sign-out everywhere, password change, ban).
    async fn on_user_check(&mut self, result: Result<User, AuthError>) {
        let now = self.clock.now_ms();
        let interval = self.settings.user_check_interval.as_millis() as i64;
        let Some(live) = self.live.as_mut() else { return };
        live.checking_user = false;
        live.next_user_check_ms = now + interval;
        match result {
            Ok(user) if user != live.session.user => self.user_changed(user).await,
            Ok(_) => {}
            Err(e) if matches!(e.known_code(), Some(ErrorCode::SessionNotFound | ErrorCode::UserNotFound | ErrorCode::UserBanned)) => {
                tracing::info!(code = e.code(), "the session was ended elsewhere");
                self.end(SignOutReason::Revoked, EventKind::SignedOut).await;
            }
            Err(e) => tracing::debug!(code = e.code(), "user check inconclusive"),
        }
    }
}

/// Test hook for crash-safe rotation: dies after the server rotated the token and before the vault saved it.
fn crash_point_after_rotation() {
    if cfg!(debug_assertions) && std::env::var_os(CRASH_AFTER_ROTATION_ENV).is_some() {
        eprintln!("latchkey: {CRASH_AFTER_ROTATION_ENV} is set: aborting between rotation and save");
        std::process::abort();
    }
}

/// Test hook for the crash loop: says on stderr that the rotated session is not saved yet, then waits, so a
/// SIGKILL lands exactly between rotation and save; says when the wait is over. Nothing in release builds.
#[cfg(debug_assertions)]
async fn pause_after_rotation() {
    if let Some(ms) = std::env::var(PAUSE_AFTER_ROTATION_ENV).ok().and_then(|v| v.parse::<u64>().ok()) {
        eprintln!("latchkey: test pause: between rotation and save ({ms} ms)");
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        eprintln!("latchkey: test pause over: between rotation and save");
    }
}

#[cfg(not(debug_assertions))]
async fn pause_after_rotation() {}
