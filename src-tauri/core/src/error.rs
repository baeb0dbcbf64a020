//! Every failure has a stable `code()` the UI branches on and a message a person can act on; none carries a secret.

use serde::ser::SerializeStruct;
use serde::Serialize;

/// The ways a saved session can be damaged; each is reported by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Corruption {
    /// The vault file is cut short or is not a vault.
    Truncated,
    /// The integrity check failed: a changed byte, or a key that does not match.
    Tampered,
    /// The key in the keychain is malformed.
    BadKey,
    /// A vault file exists but its key is gone from the keychain.
    KeyMissing,
    /// A key exists in the keychain but the vault file is gone.
    FileMissing,
    /// The vault was written by a newer (or unknown) schema.
    UnknownSchema,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    /// The server answered with an error (GoTrue's `error_code`, or `unknown`).
    #[error("{message}")]
    Server { status: u16, code: String, message: String },
    /// 429: the server asks us to slow down, maybe saying for how long.
    #[error("{message}")]
    RateLimited { retry_after_secs: Option<u64>, message: String },
    /// No answer from the server: connection refused, DNS, TLS or timeout.
    #[error("can't reach the sign-in server at {url}: {detail}")]
    Unreachable { url: String, detail: String },
    /// The server's TLS certificate was refused (unknown issuer, another host name, expired): `detail` says
    /// why and what to do (e.g. add a TLS-inspecting proxy's CA to `extra_ca_certificates`).
    #[error("the connection to {url} is not trusted: {detail}")]
    TlsUntrusted { url: String, detail: String },
    /// The configured proxy could not be reached (refused, unroutable, timed out).
    #[error("can't reach the proxy {proxy} (for {url}): {detail}; check the `proxy` setting (latchkey policy) or the network")]
    ProxyUnreachable { proxy: String, url: String, detail: String },
    /// The network settings (`extra_ca_certificates`, `proxy`) could not be applied.
    #[error("Latchkey could not set up its network connection: {0}")]
    NetworkSetup(String),
    /// The server answered, but not in a shape Latchkey understands.
    #[error("the sign-in server sent a reply Latchkey couldn't read: {0}")]
    MalformedResponse(String),
    /// No usable keychain (no Secret Service, no D-Bus session, access refused).
    #[error("the system keychain is not available: {0}")]
    KeychainUnavailable(String),
    /// The keychain exists but is locked.
    #[error("the system keychain is locked: {0}")]
    KeychainLocked(String),
    /// The saved session is damaged; it has been set aside (quarantined), never deleted.
    #[error("the saved session is damaged ({kind:?}): {detail}")]
    StorageCorrupt { kind: Corruption, detail: String },
    /// The vault file could not be read or written (disk full, permissions, …).
    #[error("the session file could not be read or written: {0}")]
    StorageIo(String),
    /// Another Latchkey process holds the vault lock.
    #[error("another Latchkey process (the app or a command) is using the saved session; close it and try again")]
    StorageBusy,
    #[error("not signed in")]
    NotSignedIn,
    /// The access token has expired and refreshing keeps failing; the next attempt is scheduled.
    #[error("the session is being renewed (last attempt: {cause}); next attempt at {next_at}")]
    RefreshPending { cause: String, next_at: i64 },
    /// Managed policy forbids this, or the policy file is broken.
    #[error("{0}")]
    Policy(String),
    /// A setting's value is not one the schema accepts (the message names the key and the rule).
    #[error("{0}")]
    InvalidSetting(String),
    /// The session task has stopped (the app is shutting down).
    #[error("the session service has stopped")]
    Stopped,
}

impl AuthError {
    /// A storage failure that is not damage: the data may be healthy but cannot be reached now.
    pub fn is_storage_unavailable(&self) -> bool {
        matches!(self, AuthError::KeychainUnavailable(_) | AuthError::KeychainLocked(_) | AuthError::StorageIo(_) | AuthError::StorageBusy)
    }

    /// Stable, machine-readable code for the UI and the CLI.
    pub fn code(&self) -> &str {
        match self {
            AuthError::Server { status, .. } if *status >= 500 => "server_error",
            AuthError::Server { code, .. } => code,
            AuthError::RateLimited { .. } => "over_request_rate_limit",
            AuthError::Unreachable { .. } => "server_unreachable",
            AuthError::TlsUntrusted { .. } => "tls_untrusted",
            AuthError::ProxyUnreachable { .. } => "proxy_unreachable",
            AuthError::NetworkSetup(_) => "network_setup",
            AuthError::MalformedResponse(_) => "malformed_response",
            AuthError::KeychainUnavailable(_) => "keychain_unavailable",
            AuthError::KeychainLocked(_) => "keychain_locked",
            AuthError::StorageCorrupt { .. } => "storage_corrupt",
            AuthError::StorageIo(_) => "storage_io",
            AuthError::StorageBusy => "storage_busy",
            AuthError::NotSignedIn => "not_signed_in",
            AuthError::RefreshPending { .. } => "refresh_pending",
            AuthError::Policy(_) => "policy",
            AuthError::InvalidSetting(_) => "invalid_setting",
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
