//! Every failure has a stable `code()` the UI branches on and a message a person can act on; none carries a secret.

use serde::ser::SerializeStruct;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The server answered with an error (GoTrue's `error_code`, or `unknown`).
    #[error("{message}")]
    Server { status: u16, code: String, message: String },
    /// No answer from the server: connection refused, DNS, TLS or timeout.
    #[error("can't reach the sign-in server at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    /// The server answered, but not in a shape Latchkey understands.
    #[error("the sign-in server sent a reply Latchkey couldn't read: {0}")]
    MalformedResponse(String),
    /// No usable keychain (no Secret Service, no D-Bus session, access refused).
    #[error("the system keychain is not available: {0}")]
    KeychainUnavailable(String),
    /// The keychain exists but is locked.
    #[error("the system keychain is locked: {0}")]
    KeychainLocked(String),
    /// The saved session in the keychain could not be read back.
    #[error("the saved session could not be read: {0}")]
    StoredSessionUnreadable(String),
    #[error("not signed in")]
    NotSignedIn,
    /// The session task has stopped (the app is shutting down).
    #[error("the session service has stopped")]
    Stopped,
}

impl AuthError {
    /// Stable, machine-readable code for the UI and the CLI.
    pub fn code(&self) -> &str {
        match self {
            AuthError::Server { status, .. } if *status >= 500 => "server_error",
            AuthError::Server { code, .. } => code,
            AuthError::Unreachable { .. } => "server_unreachable",
            AuthError::MalformedResponse(_) => "malformed_response",
            AuthError::KeychainUnavailable(_) => "keychain_unavailable",
            AuthError::KeychainLocked(_) => "keychain_locked",
            AuthError::StoredSessionUnreadable(_) => "storage_corrupt",
            AuthError::NotSignedIn => "not_signed_in",
            AuthError::Stopped => "internal",
        }
    }
}

/// Serializes as `{ "code": …, "message": … }`, the shape the UI receives.
impl serde::Serialize for AuthError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("AuthError", 2)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_code_and_message() {
        let e = AuthError::Server { status: 400, code: "invalid_credentials".into(), message: "Invalid login credentials".into() };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "invalid_credentials", "message": "Invalid login credentials"})
        );
    }

    #[test]
    fn server_failures_map_to_server_error() {
        let e = AuthError::Server { status: 503, code: "unknown".into(), message: "down".into() };
        assert_eq!(e.code(), "server_error");
        assert_eq!(AuthError::Unreachable { url: "u".into(), detail: "d".into() }.code(), "server_unreachable");
    }
}
