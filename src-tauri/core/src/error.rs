//! Every failure has a stable `code()` the UI branches on and a message a person can act on; none carries a secret.

use serde::ser::SerializeStruct;
use serde::Serialize;

mod refusal;
pub use refusal::{CallbackRefusal, Refusal};

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

/// Every code Latchkey sends in `{ code, message }`, and the GoTrue codes the app and the engine act on. The server
/// may send others: `AuthError::code` passes them through as strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS, strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ErrorCode {
    // Latchkey's own.
    ServerUnreachable,
    TlsUntrusted,
    ProxyUnreachable,
    NetworkSetup,
    ServerError,
    MalformedResponse,
    OverRequestRateLimit,
    KeychainUnavailable,
    KeychainLocked,
    StorageCorrupt,
    StorageIo,
    StorageBusy,
    NotSignedIn,
    RefreshPending,
    Policy,
    InvalidSetting,
    InvalidCallback,
    InvalidState,
    FlowExpired,
    FlowAlreadyUsed,
    CallbackError,
    /// A browser sign-in (OAuth, SSO) that nothing came back from in time.
    SignInIncomplete,
    InvalidInput,
    InvalidJwt,
    JwtExpired,
    Unsupported,
    LoopbackUnavailable,
    InvalidScope,
    BrowserUnavailable,
    WindowUnavailable,
    NoProject,
    SecondFactorRequired,
    Internal,
    // GoTrue's.
    InvalidCredentials,
    EmailNotConfirmed,
    UserAlreadyExists,
    WeakPassword,
    OtpExpired,
    SignupDisabled,
    RefreshTokenNotFound,
    RefreshTokenAlreadyUsed,
    SessionNotFound,
    SessionExpired,
    UserNotFound,
    UserBanned,
    /// `POST /sso`: no SSO provider for that domain or id.
    SsoProviderNotFound,
    /// `POST /sso` on a project without SAML.
    SamlProviderDisabled,
    /// On a callback: the user (or the identity provider) declined the sign-in (OAuth's `error=access_denied`).
    AccessDenied,
    // GoTrue's, from the second-factor and account routes (docs/mfa-stack.md).
    MfaVerificationFailed,
    MfaChallengeExpired,
    MfaFactorNotFound,
    MfaIpAddressMismatch,
    MfaFactorNameConflict,
    MfaVerifiedFactorExists,
    TooManyEnrolledMfaFactors,
    MfaTotpEnrollNotEnabled,
    MfaPhoneEnrollNotEnabled,
    InsufficientAal,
    OverSmsSendRateLimit,
    ValidationFailed,
    BadJson,
    CurrentPasswordRequired,
    CurrentPasswordInvalid,
    SamePassword,
    EmailExists,
    EmailAddressInvalid,
    OtpDisabled,
    SmsSendFailed,
    HookTimeoutAfterRetry,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Who refused, and why. `Server` is only ever what a server's HTTP reply said; every refusal of Latchkey's own has
/// its own variant.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    /// The server answered with an error (GoTrue's `error_code`, or `unknown`).
    #[error("{message}")]
    Server { status: u16, code: String, message: String },
    /// 429: the server asks us to slow down, maybe saying for how long.
    #[error("{message}")]
    RateLimited { retry_after_secs: Option<u64>, message: String },
    /// The server refused a sign-in in the browser and said so on a callback that carried the flow's state
    /// (`error_code`, `error_description`). Its text is `detail`, shown only quoted under our own message.
    #[error("the sign-in was refused by the server or the identity provider")]
    RefusedInBrowser { code: String, detail: Option<String> },
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
    /// A sign-in callback Latchkey refused before any exchange.
    #[error("{0}")]
    Callback(CallbackRefusal),
    /// An access token that must not be trusted, or (`expired`) one the server no longer accepts.
    #[error("{message}")]
    InvalidToken { expired: bool, message: String },
    /// The API offers no such sign-in method (a test double, or a server without it).
    #[error("this sign-in method is not available")]
    Unsupported,
    /// The loopback listener could not open a port.
    #[error("Latchkey could not open a local port for the sign-in to return to ({0}); try again")]
    LoopbackUnavailable(String),
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
    /// Signed in with one factor while a second is required: no access token until it is verified (or enrolled).
    #[error("a second factor is required: enter the code from your authenticator (or set one up) first")]
    SecondFactorRequired,
    /// A password change outside a recovery session without the current password.
    #[error("enter your current password to change it")]
    CurrentPasswordRequired,
    /// A factor id that is not one of the signed-in user's factors.
    #[error("no such second factor on this account")]
    NoSuchFactor,
    /// The access token has expired and refreshing keeps failing; the next attempt is scheduled.
    #[error("the session is being renewed (last attempt: {cause}); next attempt at {next_at}")]
    RefreshPending { cause: String, next_at: i64 },
    /// Managed policy forbids this, or the policy file is broken.
    #[error("{0}")]
    Policy(Refusal),
    /// A setting's value is not one the schema accepts (the message names the key and the rule).
    #[error("{0}")]
    InvalidSetting(String),
    /// A sign-out scope other than `local`, `global` or `others`.
    #[error("unknown sign-out scope {0:?}: use local, global or others")]
    InvalidScope(String),
    /// A browser sign-in (OAuth, SSO) ended with nothing back from the browser: nobody finished it in time, or the
    /// server sent its answer elsewhere (GoTrue sends SAML and expired-flow errors to its site URL, not to Latchkey).
    #[error("the sign-in did not complete in the browser within {0}; start it again")]
    SignInIncomplete(String),
    /// What a caller asked for is not usable (an SSO e-mail or domain, an OAuth option): the message says why.
    #[error("{0}")]
    InvalidInput(String),
    /// The system browser could not be opened.
    #[error("could not open the system browser: {0}")]
    BrowserUnavailable(String),
    /// An app window could not be opened.
    #[error("could not open the activity window: {0}")]
    WindowUnavailable(String),
    /// No Supabase project is configured (a release build before anyone named one).
    #[error("no Supabase project is configured: open Latchkey to set one, or set LATCHKEY_SUPABASE_URL and LATCHKEY_SUPABASE_ANON_KEY, or a policy (docs/policy.md)")]
    NoProject,
    /// The session task has stopped (the app is shutting down).
    #[error("the session service has stopped")]
    Stopped,
}

impl AuthError {
    /// A storage failure that is not damage: the data may be healthy but cannot be reached now.
    pub fn is_storage_unavailable(&self) -> bool {
        matches!(self, AuthError::KeychainUnavailable(_) | AuthError::KeychainLocked(_) | AuthError::StorageIo(_) | AuthError::StorageBusy)
    }

    /// Stable, machine-readable code for the UI and the CLI: a server's own code passes through.
    pub fn code(&self) -> &str {
        match (self.local_code(), self) {
            (Some(code), _) => code.as_str(),
            (None, AuthError::Server { code, .. } | AuthError::RefusedInBrowser { code, .. }) => code,
            (None, _) => ErrorCode::Internal.as_str(),
        }
    }

    /// Text from elsewhere (a provider's `error_description`) that goes with the message, to be shown only quoted.
    pub fn detail(&self) -> Option<&str> {
        match self {
            AuthError::RefusedInBrowser { detail, .. } => detail.as_deref(),
            _ => None,
        }
    }

    /// The code as one Latchkey knows (`None`: a server code it does not).
    pub fn known_code(&self) -> Option<ErrorCode> {
        self.code().parse().ok()
    }

    /// The code Latchkey gives this error; `None` when the server named it (an HTTP reply under 500, a callback URL).
    fn local_code(&self) -> Option<ErrorCode> {
        use ErrorCode as C;
        Some(match self {
            AuthError::Server { status, .. } if *status >= 500 => C::ServerError,
            AuthError::Server { .. } | AuthError::RefusedInBrowser { .. } => return None,
            AuthError::RateLimited { .. } => C::OverRequestRateLimit,
            AuthError::Unreachable { .. } => C::ServerUnreachable,
            AuthError::TlsUntrusted { .. } => C::TlsUntrusted,
            AuthError::ProxyUnreachable { .. } => C::ProxyUnreachable,
            AuthError::NetworkSetup(_) => C::NetworkSetup,
            AuthError::MalformedResponse(_) => C::MalformedResponse,
            AuthError::Callback(refusal) => refusal.code(),
            AuthError::InvalidToken { expired: false, .. } => C::InvalidJwt,
            AuthError::InvalidToken { expired: true, .. } => C::JwtExpired,
            AuthError::Unsupported => C::Unsupported,
            AuthError::LoopbackUnavailable(_) => C::LoopbackUnavailable,
            AuthError::KeychainUnavailable(_) => C::KeychainUnavailable,
            AuthError::KeychainLocked(_) => C::KeychainLocked,
            AuthError::StorageCorrupt { .. } => C::StorageCorrupt,
            AuthError::StorageIo(_) => C::StorageIo,
            AuthError::StorageBusy => C::StorageBusy,
            AuthError::NotSignedIn => C::NotSignedIn,
            AuthError::SecondFactorRequired => C::SecondFactorRequired,
            AuthError::CurrentPasswordRequired => C::CurrentPasswordRequired,
            AuthError::NoSuchFactor => C::MfaFactorNotFound,
            AuthError::RefreshPending { .. } => C::RefreshPending,
            AuthError::Policy(_) => C::Policy,
            AuthError::InvalidSetting(_) => C::InvalidSetting,
            AuthError::InvalidScope(_) => C::InvalidScope,
            AuthError::BrowserUnavailable(_) => C::BrowserUnavailable,
            AuthError::SignInIncomplete(_) => C::SignInIncomplete,
            AuthError::InvalidInput(_) => C::InvalidInput,
            AuthError::WindowUnavailable(_) => C::WindowUnavailable,
            AuthError::NoProject => C::NoProject,
            AuthError::Stopped => C::Internal,
        })
    }

}

/// Serializes as `{ "code": …, "message": … }` (plus `detail` when there is one), the shape the UI receives.
impl serde::Serialize for AuthError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("AuthError", 3)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("message", &self.to_string())?;
        if let Some(detail) = self.detail() {
            st.serialize_field("detail", detail)?;
        }
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::SignInMethod;

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

    #[test]
    fn every_code_parses_back_and_server_codes_pass_through() {
        use strum::VariantArray;
        for code in ErrorCode::VARIANTS {
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(*code));
        }
        let e = AuthError::Server { status: 400, code: "session_not_found".into(), message: "gone".into() };
        assert_eq!(e.known_code(), Some(ErrorCode::SessionNotFound));
        let odd = AuthError::Server { status: 422, code: "something_new".into(), message: "new".into() };
        assert_eq!((odd.code(), odd.known_code()), ("something_new", None));
        assert_eq!(AuthError::Callback(CallbackRefusal::WrongState).code(), "invalid_state");
        assert_eq!(AuthError::Callback(CallbackRefusal::NoCode).code(), "invalid_callback");
        assert_eq!(AuthError::InvalidToken { expired: true, message: "m".into() }.code(), "jwt_expired");
    }

    #[test]
    fn policy_refusals_are_values_said_in_words_only_when_shown() {
        let e = AuthError::Policy(Refusal::Method(SignInMethod::Password));
        assert_eq!((e.code(), e.to_string().as_str()), ("policy", "your organization does not allow signing in with a password"));
        assert_eq!(AuthError::Policy(Refusal::Method(SignInMethod::OAuth("github".into()))).to_string(), "your organization does not allow signing in with github");
    }
}
