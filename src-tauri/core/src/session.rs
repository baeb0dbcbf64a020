//! A `Session` holds the tokens and never serializes them by accident; `StateView` is what may leave the core.

use crate::secret::{AccessToken, RefreshToken};
use serde::{Deserialize, Serialize};

/// The signed-in user, as shown to the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

/// Why the user is signed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignOutReason {
    User,
    Revoked,
    Timeout,
    StorageUnavailable,
    StorageCorrupt,
}

/// Where the live session is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Persistence {
    /// Sealed in the vault, keyed from the OS keychain: survives a restart.
    Keychain,
    /// In this process only: the keychain could not be used, so it ends when the app quits.
    MemoryOnly,
}

/// What the UI and the CLI see: never a token.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum StateView {
    Initializing,
    #[serde(rename_all = "camelCase")]
    SignedIn { user: User, access_expires_at: i64, signed_in_at: i64, persistence: Persistence },
    SignedOut { reason: Option<SignOutReason> },
}

impl Session {
    pub fn view(&self, persistence: Persistence) -> StateView {
        StateView::SignedIn {
            user: self.user.clone(),
            access_expires_at: self.access_expires_at,
            signed_in_at: self.signed_in_at,
            persistence,
        }
    }
}

#[cfg(test)]
pub(crate) fn sample(now: i64) -> Session {
    Session {
        access_token: AccessToken::new("access-secret".into()),
        refresh_token: RefreshToken::new("refresh-secret".into()),
        access_expires_at: now + 3600,
        session_id: Some("sid".into()),
        user: User { id: "u1".into(), email: "a@b.c".into() },
        signed_in_at: now,
        last_refresh_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_has_no_tokens() {
        let json = serde_json::to_string(&sample(1000).view(Persistence::Keychain)).unwrap();
        assert!(!json.contains("secret"), "{json}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&json).unwrap(),
            serde_json::json!({"status":"signed_in","user":{"id":"u1","email":"a@b.c"},"accessExpiresAt":4600,"signedInAt":1000,"persistence":"keychain"})
        );
    }

    #[test]
    fn no_session_bearing_type_formats_a_token() {
        let s = sample(1000);
        let shown = format!("{s:?} {s:#?} {:?} {}", s.view(Persistence::Keychain), crate::AuthError::NotSignedIn);
        assert!(!shown.contains("access-secret") && !shown.contains("refresh-secret"), "{shown}");
    }
}
