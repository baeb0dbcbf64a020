//! Following the vault: an engine without the vault lock never calls `/token` (the process holding the lock rotates
//! the refresh token, and a rotation this one could not save would be lost); it adopts what the holder saves, and
//! renews the session itself once it takes the lock over.

use super::Engine;
use crate::api::{AuthApi, LogoutScope};
use crate::clock::Clock;
use crate::engine::deadlines::{self, Due};
use crate::events::{EventKind, Subject};
use crate::session::{Persistence, Session, SignOutReason};
use crate::vault::{SessionStore, VaultLock};

impl<A: AuthApi, S: SessionStore, C: Clock> Engine<A, S, C> {
    /// Whether this engine renews a session kept as `persistence`: always with the lock; without it, only one the
    /// vault refused (kept in memory: nobody else has it).
    pub(super) fn renews_here(&self, persistence: Persistence) -> bool {
        self.storage.writes() || persistence == Persistence::MemoryOnly
    }

    /// The holder wrote the vault: adopt its refresh, its new sign-in, or its sign-out. A writer ignores its own writes.
    pub(super) async fn follow_vault(&mut self) {
        if !self.storage.writes() {
            self.adopt_vault().await;
        }
    }

    /// The holder quit and this process has the lock: from the holder's last write on, it renews the session.
    pub(super) async fn take_over(&mut self, lock: VaultLock) {
        self.storage.take_over(lock);
        tracing::info!("took the vault lock over from a Latchkey process that quit; this one renews the session now");
        self.adopt_vault().await;
    }

    async fn adopt_vault(&mut self) {
        if self.live.as_ref().is_some_and(|live| live.persistence == Persistence::MemoryOnly) {
            return; // this process's own session, which the vault never held
        }
        let saved = match self.storage.load().await {
            Ok(saved) => saved,
            Err(e) => return tracing::warn!(code = e.code(), "the vault could not be read after it changed; keeping the session as it was"),
        };
        // A `global` sign-out's record is no session: only what its pending retry needs.
        let (saved, global_record) = match saved {
            Some(record) if record.pending_sign_out == Some(LogoutScope::Global) => (None, Some(record)),
            saved => (saved, None),
        };
        self.adopt(saved).await;
        self.pending_as_kept(global_record);
    }

    /// The live session becomes what the vault holds, published as a refresh, a sign-in or a sign-out.
    async fn adopt(&mut self, saved: Option<Session>) {
        let now = self.clock.now_ms();
        match (saved, self.live.as_ref()) {
            (None, None) => {}
            (None, Some(live)) => {
                let reason = match deadlines::due(live, &self.rules, now).first() {
                    Some(Due::End(reason)) => *reason,
                    _ => SignOutReason::User,
                };
                let live = self.take_live().expect("checked above");
                self.publish_ended(EventKind::SignedOut, reason, Subject::of(&live.session));
            }
            (Some(session), Some(live)) if same_sign_in(&live.session, &session) => {
                let rotated = live.session.refresh_token.expose() != session.refresh_token.expose();
                let (persistence, renews, u) = (self.storage.persistence(), self.renews_here(self.storage.persistence()), self.jitter.draw());
                let received = session.last_refresh_at.unwrap_or(session.signed_in_at) * 1000;
                self.live.as_mut().expect("checked above").adopt(session, persistence, received, renews, u);
                if rotated {
                    self.publish(EventKind::TokenRefreshed, self.view(now));
                }
            }
            (Some(session), _) => {
                let received = session.last_refresh_at.unwrap_or(session.signed_in_at) * 1000;
                let live = self.new_live(session, self.storage.persistence(), received, now);
                self.take_live();
                self.live = Some(live);
                self.publish(EventKind::SignedIn, self.view(now));
            }
        }
    }
}

/// The same sign-in (refreshes keep the user and the sign-in time), whatever its tokens are now.
fn same_sign_in(a: &Session, b: &Session) -> bool {
    a.user.id == b.user.id && a.signed_in_at == b.signed_in_at
}
