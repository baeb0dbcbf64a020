//! Following the vault: an engine without the vault lock never calls `/token` (the process holding the lock rotates
//! the refresh token, and a rotation this one could not save would be lost); it adopts what the holder saves, and
//! renews the session itself once it takes the lock over. The session in hand changes here; the task publishes.

use super::sign_out::SignOuts;
use crate::api::LogoutScope;
use crate::clock::Clock;
use crate::engine::current::Current;
use crate::engine::deadlines::{self, Due};
use crate::engine::live::Live;
use crate::engine::rules::EngineRules;
use crate::engine::storage::Storage;
use crate::events::{EventKind, Subject};
use crate::schedule::Jitter;
use crate::session::{Persistence, Session, SignOutReason};
use crate::vault::SessionStore;

/// What the vault held at start.
pub(in crate::engine) enum Restored {
    /// The session is in hand; past its deadline, it ends now.
    Live { past_deadline: bool },
    /// Nothing in hand (a `global` sign-out's record is only kept to retry that sign-out, signed out by the user).
    SignedOut(Option<SignOutReason>),
}

/// What the task publishes once the session in hand has followed the vault.
pub(in crate::engine) enum Followed {
    Nothing,
    /// The holder signed out (or the session reached its end).
    Ended(SignOutReason, Subject),
    /// A refresh (TOKEN_REFRESHED) or another sign-in (SIGNED_IN).
    Changed(EventKind),
}

/// Reads the vault at start, with no network call; a pending sign-out it holds is retried.
pub(in crate::engine) async fn restore<S: SessionStore>(
    current: &mut Current,
    sign_outs: &mut SignOuts,
    storage: &Storage<S>,
    jitter: &mut Jitter,
    rules: &EngineRules,
    now: i64,
) -> Restored {
    match storage.load().await {
        Ok(Some(record)) if record.pending_sign_out == Some(LogoutScope::Global) => {
            sign_outs.pending_global(record, now);
            Restored::SignedOut(Some(SignOutReason::User))
        }
        Ok(Some(session)) => {
            let live = as_saved(session, storage, jitter, rules, now);
            let past_deadline = now >= live.deadline_ms;
            current.live = Some(live);
            sign_outs.restore_others(current.live.as_ref(), now);
            Restored::Live { past_deadline }
        }
        Ok(None) => Restored::SignedOut(None),
        Err(e) => {
            tracing::warn!(code = e.code(), error = %e, "the saved session could not be restored");
            let reason = if e.is_storage_unavailable() { SignOutReason::StorageUnavailable } else { SignOutReason::StorageCorrupt };
            Restored::SignedOut(Some(reason))
        }
    }
}

/// The holder wrote the vault: the session in hand becomes what it holds (its refresh, its new sign-in, or its
/// sign-out). Returns what to publish and the `global` sign-out record the vault holds, if any; `None` when the
/// vault is not followed (this process's own session, which the vault never held) or could not be read.
pub(in crate::engine) async fn adopt<S: SessionStore, C: Clock>(
    current: &mut Current,
    storage: &Storage<S>,
    jitter: &mut Jitter,
    rules: &EngineRules,
    clock: &C,
) -> Option<(Followed, Option<Session>)> {
    if current.live.as_ref().is_some_and(|live| live.persistence == Persistence::MemoryOnly) {
        return None;
    }
    let saved = match storage.load().await {
        Ok(saved) => saved,
        Err(e) => {
            tracing::warn!(code = e.code(), "the vault could not be read after it changed; keeping the session as it was");
            return None;
        }
    };
    // A `global` sign-out's record is no session: only what its pending retry needs.
    let (saved, global_record) = match saved {
        Some(record) if record.pending_sign_out == Some(LogoutScope::Global) => (None, Some(record)),
        saved => (saved, None),
    };
    let now = clock.now_ms();
    let followed = match (saved, current.live.as_mut()) {
        (None, None) => Followed::Nothing,
        (None, Some(live)) => {
            let reason = match deadlines::due(live, rules, now).first() {
                Some(Due::End(reason)) => *reason,
                _ => SignOutReason::User,
            };
            let live = current.take().expect("checked above");
            Followed::Ended(reason, Subject::of(&live.session))
        }
        (Some(session), Some(live)) if same_sign_in(&live.session, &session) => {
            let rotated = live.session.refresh_token.expose() != session.refresh_token.expose();
            let (persistence, received) = (storage.persistence(), received_ms(&session));
            live.adopt(session, persistence, received, storage.renews(persistence), jitter.draw());
            if rotated { Followed::Changed(EventKind::TokenRefreshed) } else { Followed::Nothing }
        }
        (Some(session), _) => {
            current.replace(as_saved(session, storage, jitter, rules, now));
            Followed::Changed(EventKind::SignedIn)
        }
    };
    Some((followed, global_record))
}

/// A session as the vault keeps it, its token received at its last refresh (else at sign-in).
fn as_saved<S: SessionStore>(session: Session, storage: &Storage<S>, jitter: &mut Jitter, rules: &EngineRules, now: i64) -> Live {
    let (persistence, received) = (storage.persistence(), received_ms(&session));
    Live::start(session, persistence, received, now, rules, storage.renews(persistence), jitter.draw())
}

fn received_ms(session: &Session) -> i64 {
    session.last_refresh_at.unwrap_or(session.signed_in_at) * 1000
}

/// The same sign-in (refreshes keep the user and the sign-in time), whatever its tokens are now.
fn same_sign_in(a: &Session, b: &Session) -> bool {
    a.user.id == b.user.id && a.signed_in_at == b.signed_in_at
}
