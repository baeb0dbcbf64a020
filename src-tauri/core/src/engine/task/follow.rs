//! Following the vault: an engine without the vault lock never calls `/token` (the process holding the lock rotates
//! the refresh token, and a rotation this one could not save would be lost); it adopts what the holder saves, and
//! renews the session itself once it takes the lock over. What the vault now holds is decided here; the task acts.

use crate::api::LogoutScope;
use crate::engine::deadlines::{self, Due};
use crate::engine::live::Live;
use crate::engine::rules::EngineRules;
use crate::session::{Persistence, Session, SignOutReason};

/// What the live session becomes once the vault is read again.
pub(in crate::engine) enum Adopt {
    Nothing,
    /// The holder signed out (or the session reached its end): published as a sign-out for `reason`.
    Ended(SignOutReason),
    /// The same sign-in with the holder's tokens; `rotated`: a refresh, published as one.
    Renewed { session: Session, rotated: bool },
    /// Another sign-in replaces whatever is live.
    SignedIn(Session),
}

/// Whether the vault is to be read: never over this process's own session, which the vault never held.
pub(in crate::engine) fn follows(live: Option<&Live>) -> bool {
    !live.is_some_and(|live| live.persistence == Persistence::MemoryOnly)
}

/// Splits what the vault holds into a session and a `global` sign-out's record (no session: only what its pending
/// retry needs).
pub(in crate::engine) fn split(saved: Option<Session>) -> (Option<Session>, Option<Session>) {
    match saved {
        Some(record) if record.pending_sign_out == Some(LogoutScope::Global) => (None, Some(record)),
        saved => (saved, None),
    }
}

/// The live session becomes what the vault holds, as a refresh, a sign-in or a sign-out.
pub(in crate::engine) fn adopt(saved: Option<Session>, live: Option<&Live>, rules: &EngineRules, now: i64) -> Adopt {
    match (saved, live) {
        (None, None) => Adopt::Nothing,
        (None, Some(live)) => match deadlines::due(live, rules, now).first() {
            Some(Due::End(reason)) => Adopt::Ended(*reason),
            _ => Adopt::Ended(SignOutReason::User),
        },
        (Some(session), Some(live)) if same_sign_in(&live.session, &session) => {
            let rotated = live.session.refresh_token.expose() != session.refresh_token.expose();
            Adopt::Renewed { session, rotated }
        }
        (Some(session), _) => Adopt::SignedIn(session),
    }
}

/// The same sign-in (refreshes keep the user and the sign-in time), whatever its tokens are now.
fn same_sign_in(a: &Session, b: &Session) -> bool {
    a.user.id == b.user.id && a.signed_in_at == b.signed_in_at
}
