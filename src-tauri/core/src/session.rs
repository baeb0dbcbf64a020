//! A `Session` holds the tokens and never serializes them by accident; `StateView` is what may leave the core.

use crate::error::AuthError;
use crate::secret::{AccessToken, RefreshToken};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// The signed-in user, as shown to the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
}

/// A live session. Tokens are secret types; only `to_record` writes them out, for the keychain.
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

/// What the UI and the CLI see: never a token.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum StateView {
    Initializing,
    #[serde(rename_all = "camelCase")]
    SignedIn { user: User, access_expires_at: i64, signed_in_at: i64 },
    SignedOut { reason: Option<SignOutReason> },
}

impl Session {
    pub fn view(&self) -> StateView {
        StateView::SignedIn {
            user: self.user.clone(),
            access_expires_at: self.access_expires_at,
            signed_in_at: self.signed_in_at,
        }
    }

    /// The keychain record (schema version 1). The only place tokens are written out.
    pub fn to_record(&self) -> SecretString {
        let record = Record {
            v: RECORD_VERSION,
            refresh_token: self.refresh_token.expose().to_string(),
            access_token: self.access_token.expose().to_string(),
            access_expires_at: self.access_expires_at,
            session_id: self.session_id.clone(),
            user: self.user.clone(),
            signed_in_at: self.signed_in_at,
        };
        SecretString::from(serde_json::to_string(&record).expect("record serializes"))
    }

    pub fn from_record(text: &str) -> Result<Self, AuthError> {
        let r: Record = serde_json::from_str(text)
            .map_err(|e| AuthError::StoredSessionUnreadable(format!("not a Latchkey session record ({})", e.classify_name())))?;
        if r.v != RECORD_VERSION {
            return Err(AuthError::StoredSessionUnreadable(format!("unknown record version {}", r.v)));
        }
        Ok(Session {
            access_token: AccessToken::new(r.access_token),
            refresh_token: RefreshToken::new(r.refresh_token),
            access_expires_at: r.access_expires_at,
            session_id: r.session_id,
            user: r.user,
            signed_in_at: r.signed_in_at,
        })
    }
}

const RECORD_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Record {
    v: u32,
    refresh_token: String,
    access_token: String,
    access_expires_at: i64,
    session_id: Option<String>,
    user: User,
    signed_in_at: i64,
}

/// `serde_json::Error` names its category without echoing input (which may hold a token).
trait Classify {
    fn classify_name(&self) -> &'static str;
}

impl Classify for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "missing or wrong fields",
            serde_json::error::Category::Eof => "truncated",
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn record_round_trips() {
        let s = sample(1000);
        let back = Session::from_record(s.to_record().expose_secret()).unwrap();
        assert_eq!(back.refresh_token.expose(), "refresh-secret");
        assert_eq!(back.user, s.user);
        assert_eq!(back.signed_in_at, 1000);
    }

    #[test]
    fn view_has_no_tokens() {
        let json = serde_json::to_string(&sample(1000).view()).unwrap();
        assert!(!json.contains("secret"), "{json}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&json).unwrap(),
            serde_json::json!({"status":"signed_in","user":{"id":"u1","email":"a@b.c"},"accessExpiresAt":4600,"signedInAt":1000})
        );
    }

    #[test]
    fn unreadable_record_errors_do_not_echo_the_input() {
        let err = Session::from_record(r#"{"v":1,"refresh_token":"leaky-secret""#).unwrap_err();
        assert_eq!(err.code(), "storage_corrupt");
        assert!(!err.to_string().contains("leaky"), "{err}");
        let err = Session::from_record(&sample(1).to_record().expose_secret().replace(r#""v":1"#, r#""v":9"#)).unwrap_err();
        assert!(err.to_string().contains("version 9"));
    }
}
