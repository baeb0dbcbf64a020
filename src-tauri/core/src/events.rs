//! Auth-state events: each has a sequence number one greater than the last, starting with INITIAL_SESSION at 1.

use crate::session::{Session, SignOutReason, StateView};
use serde::Serialize;
use ts_rs::TS;

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS, strum::VariantArray)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventKind {
    InitialSession,
    SignedIn,
    SignedOut,
    TokenRefreshed,
    UserUpdated,
    PasswordRecovery,
    SessionExpiring,
    RefreshRetrying,
    /// A second factor was verified: the session is now `aal2` (its state carries the claims and factors).
    MfaChallengeVerified,
}

/// Why and when the next refresh attempt happens.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Retry {
    pub attempt: u32,
    /// Unix seconds.
    pub next_at: i64,
    /// The error code of the failed attempt.
    pub cause: String,
}

/// One auth-state change, as pushed to the UI on `auth://state` and printed by `latchkey watch`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuthEvent {
    pub seq: u64,
    pub event: EventKind,
    pub state: StateView,
    /// On SIGNED_OUT.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reason: Option<SignOutReason>,
    /// On SESSION_EXPIRING: seconds until the absolute deadline.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub remaining: Option<i64>,
    /// On REFRESH_RETRYING.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub retry: Option<Retry>,
    /// Whose session this event is about (for the audit log); never sent to the webview or printed.
    #[serde(skip)]
    pub subject: Option<Subject>,
}

impl AuthEvent {
    /// An event of `event` in `state`, about nobody yet; `seq` is set when it is published.
    pub fn new(event: EventKind, state: StateView) -> Self {
        AuthEvent { seq: 0, event, state, reason: None, remaining: None, retry: None, subject: None }
    }
}

/// The session an event is about, as the audit log may record it: no token, and the session id only hashed.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    pub user_id: String,
    pub email: String,
    /// SHA-256 of the server's session id, lowercase hex (see [`hash_session_id`]).
    pub session_hash: Option<String>,
}

impl Subject {
    pub fn of(session: &Session) -> Self {
        Subject {
            user_id: session.user.id.clone(),
            email: session.user.email.clone(),
            session_hash: session.session_id.as_deref().map(hash_session_id),
        }
    }
}

/// SHA-256 of a session id in lowercase hex: an admin can match it against `auth.sessions.id` on the server
/// by hashing that, but the id itself (a bearer of nothing, yet an identifier) is never written.
pub fn hash_session_id(id: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, id.as_bytes()).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The current state and the sequence number of the event that produced it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Snapshot {
    pub seq: u64,
    pub state: StateView,
}
