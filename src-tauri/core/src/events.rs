//! Auth-state events: each has a sequence number one greater than the last, starting with INITIAL_SESSION at 1.

use crate::session::{SignOutReason, StateView};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
}

/// Why and when the next refresh attempt happens.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Retry {
    pub attempt: u32,
    /// Unix seconds.
    pub next_at: i64,
    /// The error code of the failed attempt.
    pub cause: String,
}

/// One auth-state change, as pushed to the UI on `auth://state` and printed by `latchkey watch`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthEvent {
    pub seq: u64,
    pub event: EventKind,
    pub state: StateView,
    /// On SIGNED_OUT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<SignOutReason>,
    /// On SESSION_EXPIRING: seconds until the absolute deadline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<i64>,
    /// On REFRESH_RETRYING.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
}

/// The current state and the sequence number of the event that produced it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub seq: u64,
    pub state: StateView,
}
