//! A PKCE verifier and its `state` never leave Rust, and an auth code is handed out only for a callback on the expected URL, with the matching state, within the TTL, once.

use crate::browser_sign_in::OAuthOptions;
use crate::error::{AuthError, CallbackRefusal};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Mutex;
use url::Url;

#[cfg(test)]
mod tests;

/// Where GoTrue sends the browser back; must match `GOTRUE_URI_ALLOW_LIST` (`latchkey://**`).
pub const DEFAULT_CALLBACK: &str = "latchkey://auth/callback";
/// Latchkey's own state parameter on the callback URL (GoTrue's `state` is internal to its OAuth leg).
pub const STATE_PARAM: &str = "lk_state";

/// What the flow was started for (labels the flow; every kind returns `?code=` to the callback).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowKind {
    OAuth,
    /// SAML single sign-on (`POST /sso`).
    Sso,
    MagicLink,
    Recovery,
    SignUp,
}

/// One pending PKCE flow. Debug shows neither the verifier nor the state.
pub struct PkceFlow {
    kind: FlowKind,
    callback: Url,
    challenge: String,
    state: SecretString,
    /// Taken by the first callback that carries the right state: single use.
    verifier: Mutex<Option<SecretString>>,
    expires_at: i64,
}

/// A validated callback: the auth code with its verifier, ready for `GoTrue::exchange_pkce`.
pub struct AuthCode {
    pub kind: FlowKind,
    code: SecretString,
    verifier: SecretString,
}

impl AuthCode {
    pub fn code(&self) -> &str {
        self.code.expose_secret()
    }
    pub fn verifier(&self) -> &str {
        self.verifier.expose_secret()
    }
}

impl std::fmt::Debug for AuthCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthCode").field("kind", &self.kind).field("code", &"[redacted]").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for PkceFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PkceFlow")
            .field("kind", &self.kind)
            .field("callback", &self.callback.as_str())
            .field("expires_at", &self.expires_at)
            .field("used", &self.is_used())
            .finish_non_exhaustive()
    }
}

impl PkceFlow {
    /// A new flow returning to [`DEFAULT_CALLBACK`], valid for `ttl` seconds from `now`.
    pub fn start(kind: FlowKind, now: i64, ttl: i64) -> Self {
        Self::start_with_callback(kind, DEFAULT_CALLBACK, now, ttl).expect("the default callback is a valid URL")
    }

    /// A new flow returning to `callback` (e.g. a loopback URL). It must have no `lk_state` or `code` of its own.
    pub fn start_with_callback(kind: FlowKind, callback: &str, now: i64, ttl: i64) -> Result<Self, AuthError> {
        let callback = Url::parse(callback).map_err(|e| bad_address("callback URL", e.to_string()))?;
        if callback.query_pairs().any(|(k, _)| k == STATE_PARAM || k == "code") || callback.fragment().is_some() {
            return Err(bad_address("callback URL", "it must not carry lk_state, code or a fragment".into()));
        }
        let verifier = random_token(48); // 64 chars of [A-Za-z0-9_-]
        let challenge = s256(&verifier);
        Ok(PkceFlow {
            kind,
            callback,
            challenge,
            state: SecretString::from(random_token(32)),
            verifier: Mutex::new(Some(SecretString::from(verifier))),
            expires_at: now.saturating_add(ttl),
        })
    }

    pub fn kind(&self) -> FlowKind {
        self.kind
    }

    /// `base64url(SHA-256(verifier))`, sent with `code_challenge_method=s256`.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }

    pub fn expires_at(&self) -> i64 {
        self.expires_at
    }

    pub fn is_used(&self) -> bool {
        self.verifier.lock().map(|v| v.is_none()).unwrap_or(true)
    }

    /// The `redirect_to` to give GoTrue: the callback with Latchkey's state appended.
    pub fn redirect_to(&self) -> String {
        let mut url = self.callback.clone();
        url.query_pairs_mut().append_pair(STATE_PARAM, self.state.expose_secret());
        url.into()
    }

    /// GoTrue's `GET <auth_url>/authorize` URL for an OAuth provider, to open in the system browser; GoTrue passes
    /// the options' query parameters on to the provider.
    pub fn authorize_url(&self, auth_url: &str, provider: &str, options: &OAuthOptions) -> Result<String, AuthError> {
        let base = format!("{}/authorize", auth_url.trim_end_matches('/'));
        let mut url = Url::parse(&base).map_err(|e| bad_address("auth URL", e.to_string()))?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("provider", provider)
                .append_pair("redirect_to", &self.redirect_to())
                .append_pair("code_challenge", &self.challenge)
                .append_pair("code_challenge_method", "s256");
            if let Some(scopes) = options.scopes_param() {
                q.append_pair("scopes", &scopes);
            }
            for (name, value) in &options.query_params {
                q.append_pair(name, value);
            }
        }
        Ok(url.into())
    }

    /// Checks a callback URL; on success the flow is consumed and the code comes with its verifier.
    pub fn validate_callback(&self, url: &str, now: i64) -> Result<AuthCode, AuthError> {
        let url = Url::parse(url).map_err(|_| refused(CallbackRefusal::NotAUrl))?;
        if url.scheme() != self.callback.scheme()
            || url.host_str() != self.callback.host_str()
            || url.port_or_known_default() != self.callback.port_or_known_default()
            || url.path() != self.callback.path()
        {
            return Err(refused(CallbackRefusal::WrongAddress));
        }
        let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let fragment: Vec<(String, String)> =
            url::form_urlencoded::parse(url.fragment().unwrap_or("").as_bytes()).into_owned().collect();
        let get = |pairs: &[(String, String)], key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        // First: a callback without this flow's state is a stranger's, whatever else it says (errors included).
        if !get(&query, STATE_PARAM).is_some_and(|s| constant_time_eq(s.as_bytes(), self.state.expose_secret().as_bytes())) {
            return Err(refused(CallbackRefusal::WrongState));
        }
        if ["access_token", "refresh_token"].iter().any(|k| get(&fragment, k).is_some() || get(&query, k).is_some()) {
            return Err(refused(CallbackRefusal::CarriesTokens));
        }
        let error_of = |pairs: &[(String, String)]| -> Option<AuthError> {
            let (error, code, description) =
                (get(pairs, "error"), get(pairs, "error_code"), get(pairs, "error_description"));
            if error.is_none() && code.is_none() && description.is_none() {
                return None;
            }
            let code = code.or(error.clone()).filter(|c| is_plain_code(c)).unwrap_or_else(|| "callback_error".into());
            Some(AuthError::RefusedInBrowser { code, detail: description.or(error).map(|d| quotable(&d)) })
        };
        if let Some(err) = error_of(&query).or_else(|| error_of(&fragment)) {
            self.take_verifier(); // the server ended this flow
            return Err(err);
        }
        let Some(verifier) = self.take_verifier() else {
            return Err(refused(CallbackRefusal::AlreadyUsed));
        };
        if now >= self.expires_at {
            return Err(refused(CallbackRefusal::Expired));
        }
        match get(&query, "code").filter(|c| !c.is_empty()) {
            Some(code) => Ok(AuthCode { kind: self.kind, code: SecretString::from(code), verifier }),
            None => Err(refused(CallbackRefusal::NoCode)),
        }
    }

    fn take_verifier(&self) -> Option<SecretString> {
        self.verifier.lock().ok().and_then(|mut v| v.take())
    }
}

/// `base64url(SHA-256(verifier))` without padding (RFC 7636 S256).
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes()))
}

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    SystemRandom::new().fill(&mut buf).expect("the OS random generator works");
    let token = URL_SAFE_NO_PAD.encode(&buf);
    zeroize::Zeroize::zeroize(&mut buf);
    token
}

/// A server's error code worth passing on: a short word of `[a-z0-9_]`.
fn is_plain_code(code: &str) -> bool {
    (1..=64).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A server's error text as quoted detail: at most 200 characters, control characters dropped.
fn quotable(text: &str) -> String {
    let mut out: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    if text.chars().filter(|c| !c.is_control()).nth(200).is_some() {
        out.push('…');
    }
    out
}

/// Compares without an early exit (the state's length is fixed and public).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

fn refused(refusal: CallbackRefusal) -> AuthError {
    AuthError::Callback(refusal)
}

fn bad_address(what: &'static str, detail: String) -> AuthError {
    AuthError::Callback(CallbackRefusal::BadAddress { what, detail })
}
