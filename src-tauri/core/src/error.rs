//! Every failure has a stable `code()` the UI branches on and a message a person can act on; none carries a secret.

use crate::policy::SignInMethod;
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
    InvalidJwt,
    JwtExpired,
    Unsupported,
    LoopbackUnavailable,
    InvalidScope,
    BrowserUnavailable,
    WindowUnavailable,
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
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Why Latchkey refused a sign-in callback before any exchange (or could not start a flow to receive one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackRefusal {
    /// No sign-in is waiting for a callback.
    NoFlow,
    NotAUrl,
    /// It came to another scheme, host, port or path than the flow's.
    WrongAddress,
    /// It carried tokens (the implicit flow) instead of a PKCE code.
    CarriesTokens,
    NoCode,
    /// Its state is not the pending flow's (login CSRF).
    WrongState,
    /// The flow's code was already exchanged.
    AlreadyUsed,
    /// The flow outlived its time.
    Expired,
    /// An address a flow starts from (`what`: the callback URL, the auth URL) cannot be used.
    BadAddress { what: &'static str, detail: String },
}

impl CallbackRefusal {
    fn code(&self) -> ErrorCode {
        match self {
            CallbackRefusal::WrongState => ErrorCode::InvalidState,
            CallbackRefusal::AlreadyUsed => ErrorCode::FlowAlreadyUsed,
            CallbackRefusal::Expired => ErrorCode::FlowExpired,
            _ => ErrorCode::InvalidCallback,
        }
    }
}

impl std::fmt::Display for CallbackRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallbackRefusal::NoFlow => write!(f, "no sign-in is waiting for this link; start again from Latchkey"),
            CallbackRefusal::NotAUrl => write!(f, "the sign-in callback is not a valid URL"),
            CallbackRefusal::WrongAddress => write!(f, "the sign-in callback came to an unexpected address"),
            CallbackRefusal::CarriesTokens => write!(f, "the sign-in callback carried tokens (implicit flow); Latchkey accepts only PKCE codes"),
            CallbackRefusal::NoCode => write!(f, "the sign-in callback carried no authorization code"),
            CallbackRefusal::WrongState => write!(f, "the sign-in callback does not belong to the sign-in Latchkey started"),
            CallbackRefusal::AlreadyUsed => write!(f, "this sign-in link was already used; start the sign-in again"),
            CallbackRefusal::Expired => write!(f, "the sign-in took too long and has expired; start it again"),
            CallbackRefusal::BadAddress { what, detail } => write!(f, "the {what} is not valid: {detail}"),
        }
    }
}

/// What a managed policy (or the configuration) refuses; the sentence is said by `Display`, not by who refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The policy (or the configuration) is broken: what is wrong with it.
    Broken(String),
    /// A way of signing in the policy does not list.
    Method(SignInMethod),
    /// Creating an account, which the policy forbids.
    SignUp,
    /// A setting the policy locks.
    Locked(String),
    /// A setting the settings screen does not offer.
    NotEditable(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Broken(problem) => write!(f, "{problem}"),
            Refusal::Method(method) => {
                let how = match method {
                    SignInMethod::Password => "a password",
                    SignInMethod::EmailOtp => "an e-mailed code",
                    SignInMethod::MagicLink => "an e-mailed link",
                    SignInMethod::OAuth(provider) => provider,
                };
                write!(f, "your organization does not allow signing in with {how}")
            }
            Refusal::SignUp => write!(f, "your organization does not allow creating accounts here"),
            Refusal::Locked(key) => write!(f, "`{key}` is managed by your organization and cannot be changed here"),
            Refusal::NotEditable(key) => write!(f, "`{key}` cannot be changed from the settings screen"),
        }
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
    /// The system browser could not be opened.
    #[error("could not open the system browser: {0}")]
    BrowserUnavailable(String),
    /// An app window could not be opened.
    #[error("could not open the activity window: {0}")]
    WindowUnavailable(String),
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
            AuthError::RefreshPending { .. } => C::RefreshPending,
            AuthError::Policy(_) => C::Policy,
            AuthError::InvalidSetting(_) => C::InvalidSetting,
            AuthError::InvalidScope(_) => C::InvalidScope,
            AuthError::BrowserUnavailable(_) => C::BrowserUnavailable,
            AuthError::WindowUnavailable(_) => C::WindowUnavailable,
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
