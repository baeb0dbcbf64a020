//! Auth-state events: each has a sequence number one greater than the last, starting with INITIAL_SESSION at 1.

use crate::session::StateView;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventKind {
    InitialSession,
    SignedIn,
    SignedOut,
    TokenRefreshed,
}

/// One auth-state change, as pushed to the UI on `auth://state`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthEvent {
    pub seq: u64,
    pub event: EventKind,
    pub state: StateView,
}

/// The current state and the sequence number of the event that produced it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Snapshot {
    pub seq: u64,
    pub state: StateView,
}
