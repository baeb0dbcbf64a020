//! Auth-state events: each has a sequence number one greater than the last, starting with INITIAL_SESSION at 1.

use crate::api::LogoutScope;
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
    /// The server part of a sign-out happened, failed, or was given up (`serverSignOut` says which).
    ServerSignOut,
}

/// How the server part of a sign-out went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum ServerOutcome {
    /// The server confirmed: the sessions of the scope are ended.
    Ended,
    /// `global` or `others` did not reach the server: the other sessions are still alive; retried until `until`.
    Pending,
    /// The server did not end them and will not be asked again (`local`: this session ends at its own expiry; a
    /// `global` or `others` the server refused for good).
    NotEnded,
    /// A pending sign-out reached the session's deadline without the server confirming; the record is deleted.
    Abandoned,
    /// There was no session to end on the server.
    NoSession,
}

/// The server part of a sign-out, on SERVER_SIGN_OUT.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ServerSignOut {
    pub scope: LogoutScope,
    pub outcome: ServerOutcome,
    /// The error code of the failed attempt, if it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub cause: Option<String>,
}

/// A `global` or `others` sign-out the server has not confirmed: until it does, the other sessions are still alive.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PendingSignOut {
    pub scope: LogoutScope,
    /// Unix seconds: retried until then (the session's deadline), then given up.
    pub until: i64,
    pub attempt: u32,
    /// Unix seconds of the next attempt.
    pub next_at: i64,
    /// The error code of the last failed attempt.
    pub cause: String,
}

/// What a sign-out did, for the window and `latchkey sign-out`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignOutReport {
    pub scope: LogoutScope,
    pub server: ServerOutcome,
    /// Set when `server` is `pending`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub pending: Option<PendingSignOut>,
    /// Local steps that could not be done, in words (e.g. the keychain is locked, so its key remains).
    pub problems: Vec<String>,
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
    /// On SERVER_SIGN_OUT.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub server_sign_out: Option<ServerSignOut>,
    /// On every event while a sign-out of other sessions waits for the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub pending_sign_out: Option<PendingSignOut>,
    /// Whose session this event is about (for the audit log); never sent to the webview or printed.
    #[serde(skip)]
    pub subject: Option<Subject>,
}

impl AuthEvent {
    /// An event of `event` in `state`, about nobody yet; `seq` is set when it is published.
    pub fn new(event: EventKind, state: StateView) -> Self {
        AuthEvent { seq: 0, event, state, reason: None, remaining: None, retry: None, server_sign_out: None, pending_sign_out: None, subject: None }
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
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub seq: u64,
    pub state: StateView,
    /// While a sign-out of other sessions waits for the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub pending_sign_out: Option<PendingSignOut>,
}

impl Snapshot {
    /// `state` at `seq`, with no sign-out waiting for the server.
    pub fn of(seq: u64, state: StateView) -> Self {
        Snapshot { seq, state, pending_sign_out: None }
    }
}
