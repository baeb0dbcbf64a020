//! A `Session` holds the tokens and never serializes them by accident; `StateView` is what may leave the core.

use crate::secret::{AccessToken, RefreshToken};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The signed-in user, as shown to the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct User {
    pub id: String,
    pub email: String,
}

/// A live session. Tokens are secret types; only the vault's sealing code reads them out.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: AccessToken,
    pub refresh_token: RefreshToken,
    /// Unix seconds, computed locally as receipt time + `expires_in` (immune to clock skew).
    pub access_expires_at: i64,
    pub session_id: Option<String>,
    pub user: User,
    /// Unix seconds when the user signed in; the absolute session timeout runs from here.
    pub signed_in_at: i64,
    /// Unix seconds of the last successful refresh.
    pub last_refresh_at: Option<i64>,
    /// A `global` or `others` sign-out the server has not confirmed yet. With `global` this device is signed out and
    /// the record is kept only to retry it (its access token is gone); with `others` this device stays signed in.
    pub pending_sign_out: Option<crate::api::LogoutScope>,
}

/// The latest time a saved session may name (unix seconds, the year 5138): beyond it a record is damaged, and the
/// engine's millisecond arithmetic could overflow.
pub const LATEST_PLAUSIBLE_TIME: i64 = 100_000_000_000;

impl Session {
    /// Whether every time in it is one a real session can have: none negative, none past `LATEST_PLAUSIBLE_TIME`.
    pub fn times_are_plausible(&self) -> bool {
        let times = [Some(self.access_expires_at), Some(self.signed_in_at), self.last_refresh_at];
        times.into_iter().flatten().all(|t| (0..=LATEST_PLAUSIBLE_TIME).contains(&t))
    }
}

/// Why the user is signed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum SignOutReason {
    User,
    Revoked,
    Timeout,
    IdleTimeout,
    Policy,
    StorageUnavailable,
    StorageCorrupt,
}

/// Where the live session is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum Persistence {
    /// Sealed in the vault, keyed from the OS keychain: survives a restart.
    Keychain,
    /// In this process only: the keychain could not be used, so it ends when the app quits.
    MemoryOnly,
    /// Sealed in the vault, but its key is in a file because the keychain is unavailable: survives a restart,
    /// with weaker protection. Only when policy sets `allow_insecure_storage_fallback`.
    InsecureFile,
}

/// How current a signed-in session's access token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    Fresh,
    /// A refresh is in flight (shown in snapshots only).
    Refreshing,
    /// Refreshing fails (network, server) but the access token is still valid.
    OfflineValid,
}

/// What the UI and the CLI see: never a token. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum StateView {
    Initializing,
    #[serde(rename_all = "camelCase")]
    SignedIn {
        user: User,
        access_expires_at: i64,
        signed_in_at: i64,
        persistence: Persistence,
        freshness: Freshness,
        /// The absolute deadline: `signed_in_at + max_session_age`. Refreshes never move it.
        deadline_at: i64,
        next_refresh_at: i64,
    },
    /// The access token has expired and refreshing is being retried: still signed in, not usable.
    #[serde(rename_all = "camelCase")]
    Expired { user: User, signed_in_at: i64, persistence: Persistence, deadline_at: i64, next_retry_at: i64 },
    SignedOut { reason: Option<SignOutReason> },
}

#[cfg(test)]
mod tests {
    #[test]
    fn no_session_bearing_type_formats_a_token() {
        let s = crate::testing::session(1000);
        let shown = format!("{s:?} {s:#?} {}", crate::error::AuthError::NotSignedIn);
        assert!(!shown.contains("access-secret") && !shown.contains("refresh-secret"), "{shown}");
    }
}
