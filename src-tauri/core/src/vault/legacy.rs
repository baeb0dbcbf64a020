//! Migration v1 → v2: the walking skeleton kept the whole session as JSON in the keychain; it moves into the sealed vault once.

use crate::error::{AuthError, Corruption};
use crate::secret::{AccessToken, RefreshToken};
use crate::session::{Session, User};
use serde::Deserialize;
use zeroize::Zeroize;

/// The keychain account that held a v1 record.
pub const ACCOUNT: &str = "session";

#[derive(Deserialize)]
struct RecordV1 {
    v: u32,
    refresh_token: String,
    access_token: String,
    access_expires_at: i64,
    session_id: Option<String>,
    user: User,
    signed_in_at: i64,
}

impl Drop for RecordV1 {
    fn drop(&mut self) {
        self.refresh_token.zeroize();
        self.access_token.zeroize();
    }
}

/// Reads a v1 record. Errors name the problem without echoing the input, which holds tokens.
pub fn parse_v1(text: &str) -> Result<Session, AuthError> {
    let r: RecordV1 = serde_json::from_str(text).map_err(|_| AuthError::StorageCorrupt {
        kind: Corruption::Truncated,
        detail: "the v1 keychain record is not readable".into(),
    })?;
    if r.v != 1 {
        return Err(AuthError::StorageCorrupt { kind: Corruption::UnknownSchema, detail: format!("keychain record version {}", r.v) });
    }
    let session = Session {
        access_token: AccessToken::new(r.access_token.clone()),
        refresh_token: RefreshToken::new(r.refresh_token.clone()),
        access_expires_at: r.access_expires_at,
        session_id: r.session_id.clone(),
        user: r.user.clone(),
        signed_in_at: r.signed_in_at,
        last_refresh_at: None,
        provider: None,
        claims: None,
        pending_sign_out: None,
    };
    if !session.times_are_plausible() {
        return Err(AuthError::StorageCorrupt { kind: Corruption::Truncated, detail: "the v1 keychain record names impossible times".into() });
    }
    Ok(session)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_v1_record_and_names_bad_ones_without_echoing_them() {
        let s = parse_v1(r#"{"v":1,"refresh_token":"r","access_token":"a","access_expires_at":5,"session_id":null,"user":{"id":"u","email":"e"},"signed_in_at":3}"#).unwrap();
        assert_eq!((s.refresh_token.expose(), s.signed_in_at), ("r", 3));
        let err = parse_v1(r#"{"v":1,"refresh_token":"leaky-secret""#).unwrap_err();
        assert_eq!(err.code(), "storage_corrupt");
        assert!(!err.to_string().contains("leaky"), "{err}");
    }

    #[test]
    fn a_v1_record_with_impossible_times_is_damaged_not_an_overflow_later() {
        let far = r#"{"v":1,"refresh_token":"r","access_token":"a","access_expires_at":9223372036854775000,"session_id":null,"user":{"id":"u","email":"e"},"signed_in_at":3}"#;
        assert_eq!(parse_v1(far).unwrap_err().code(), "storage_corrupt");
        let negative = r#"{"v":1,"refresh_token":"r","access_token":"a","access_expires_at":5,"session_id":null,"user":{"id":"u","email":"e"},"signed_in_at":-1}"#;
        assert_eq!(parse_v1(negative).unwrap_err().code(), "storage_corrupt");
    }
}
