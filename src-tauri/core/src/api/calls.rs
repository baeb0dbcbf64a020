//! The calls the engine makes of GoTrue ([`AuthApi`]) and the values they take and give: a test double implements
//! the trait, `GoTrue` speaks it over HTTP.

use crate::browser_sign_in::SsoTarget;
use crate::assurance::{Claims, FactorType};
use crate::error::AuthError;
use crate::pkce::AuthCode;
use crate::secret::{AccessToken, RefreshToken, TotpSecret};
use crate::session::{IdentityProvider, ProviderSignIn, ProviderTokens, Session, User};
use std::future::Future;

/// Which sessions `/logout` ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum LogoutScope {
    Local,
    Global,
    Others,
}

impl LogoutScope {
    /// `local` (the default), `global` or `others`.
    pub fn parse(scope: Option<&str>) -> Result<Self, AuthError> {
        match scope.unwrap_or("local") {
            "local" => Ok(LogoutScope::Local),
            "global" => Ok(LogoutScope::Global),
            "others" => Ok(LogoutScope::Others),
            other => Err(AuthError::InvalidScope(other.to_string())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LogoutScope::Local => "local",
            LogoutScope::Global => "global",
            LogoutScope::Others => "others",
        }
    }
}

/// A successful token grant, before it becomes a `Session`.
#[derive(Debug)]
pub struct Grant {
    pub access_token: AccessToken,
    pub refresh_token: RefreshToken,
    pub expires_in: i64,
    pub session_id: Option<String>,
    pub user: User,
    /// The server's clock when it answered (`Date`), if it said: `exp` is checked against it, not the local clock.
    pub server_time: Option<i64>,
    /// The identity provider's own tokens (an OAuth code exchange gives them; nothing else does).
    pub provider_tokens: Option<ProviderTokens>,
    /// The identity provider the flow went through (set by the flow, not the server).
    pub identity: Option<IdentityProvider>,
    /// The access token's claims, set only once the token is verified (`crate::verified`).
    pub claims: Option<Box<Claims>>,
}

impl Grant {
    /// Expiry is local receipt time + `expires_in`, so a skewed local clock cannot shorten or stretch it.
    pub fn into_session(self, now: i64, signed_in_at: i64) -> Session {
        let tokens = self.provider_tokens;
        Session {
            access_token: self.access_token,
            refresh_token: self.refresh_token,
            access_expires_at: now + self.expires_in,
            session_id: self.session_id,
            user: self.user,
            signed_in_at,
            last_refresh_at: (now != signed_in_at).then_some(now),
            provider: self.identity.map(|identity| ProviderSignIn { identity, tokens }),
            claims: self.claims.map(|c| *c),
            pending_sign_out: None,
        }
    }

    /// A refresh of `old` at `now`: its sign-in time, its pending sign-out, and its identity provider and provider
    /// tokens (a refresh grant carries none; the provider's tokens are only replaced when the server sends new ones).
    pub fn renewing(mut self, old: &Session, now: i64) -> Session {
        let fresh_tokens = self.provider_tokens.take();
        let mut session = self.into_session(now, old.signed_in_at);
        session.last_refresh_at = Some(now);
        session.pending_sign_out = old.pending_sign_out;
        session.provider = old.provider.clone().map(|p| ProviderSignIn { tokens: fresh_tokens.or(p.tokens), ..p });
        session
    }
}

/// What `/signup` gave back.
#[derive(Debug)]
pub enum SignUp {
    /// Autoconfirm (or an already-confirmed user): signed in.
    Session(Box<Grant>),
    /// A confirmation e-mail is on its way; no session yet.
    ConfirmationSent,
}

/// The `type` of an e-mail OTP for `POST /verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpKind {
    /// Either a sign-up or a magic-link code (GoTrue checks both).
    Email,
    MagicLink,
    Signup,
    Recovery,
    Invite,
    EmailChange,
}

impl OtpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OtpKind::Email => "email",
            OtpKind::MagicLink => "magiclink",
            OtpKind::Signup => "signup",
            OtpKind::Recovery => "recovery",
            OtpKind::Invite => "invite",
            OtpKind::EmailChange => "email_change",
        }
    }
}

/// The sign-in methods a project offers (`GET /settings`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServerSettings {
    pub email_enabled: bool,
    pub phone_enabled: bool,
    pub anonymous_enabled: bool,
    /// Enabled external OAuth providers (`google`, `github`, …), sorted.
    pub oauth_providers: Vec<String>,
    pub signup_disabled: bool,
    pub mailer_autoconfirm: bool,
    /// SAML single sign-on is on (`POST /sso` works).
    pub saml_enabled: bool,
}


/// The Supabase Auth API, injected so tests can count or fake requests.
pub trait AuthApi: Send + Sync + 'static {
    fn password_grant(&self, email: &str, password: &str) -> impl Future<Output = Result<Grant, AuthError>> + Send;
    fn refresh_grant(&self, token: &RefreshToken) -> impl Future<Output = Result<Grant, AuthError>> + Send;
    fn logout(&self, token: &AccessToken, scope: LogoutScope) -> impl Future<Output = Result<(), AuthError>> + Send;
    /// `GET /user`: who the token belongs to; fails once the session was ended elsewhere.
    fn fetch_user(&self, token: &AccessToken) -> impl Future<Output = Result<User, AuthError>> + Send;

    // The flows below have defaults so that test doubles need only the four calls above.

    /// Where `/authorize` lives, for OAuth URLs.
    fn auth_url(&self) -> &str {
        ""
    }
    fn sign_up(&self, _email: &str, _password: &str, _redirect_to: &str) -> impl Future<Output = Result<SignUp, AuthError>> + Send {
        async { Err(AuthError::Unsupported) }
    }
    /// E-mails a code and a PKCE magic link.
    fn send_email_code(&self, _email: &str, _create_user: bool, _redirect_to: &str, _challenge: &str) -> impl Future<Output = Result<(), AuthError>> + Send {
        async { Err(AuthError::Unsupported) }
    }
    fn verify_email_code(&self, _email: &str, _code: &str) -> impl Future<Output = Result<Grant, AuthError>> + Send {
        async { Err(AuthError::Unsupported) }
    }
    fn exchange_code(&self, _code: AuthCode) -> impl Future<Output = Result<Grant, AuthError>> + Send {
        async { Err(AuthError::Unsupported) }
    }
    /// `POST /sso`: the identity provider's sign-in page for `target`, to open in the system browser.
    fn start_sso(&self, _target: &SsoTarget, _redirect_to: &str, _challenge: &str) -> impl Future<Output = Result<String, AuthError>> + Send {
        async { Err(AuthError::Unsupported) }
    }
    fn recover(&self, _email: &str, _redirect_to: &str, _challenge: &str) -> impl Future<Output = Result<(), AuthError>> + Send {
        async { Err(AuthError::Unsupported) }
    }
    /// `PUT /user`: a new e-mail address or password.
    fn update_user(&self, _token: &AccessToken, _change: &UserChange) -> impl Future<Output = Result<User, AuthError>> + Send {
        async { Err(AuthError::Unsupported) }
    }
    /// `POST /factors`: a new factor, unverified until a challenge of it is answered.
    fn enrol_factor(&self, _token: &AccessToken, _factor: &NewFactor) -> impl Future<Output = Result<Enrolment, AuthError>> + Send {
        async { Err(AuthError::Unsupported) }
    }
    fn challenge_factor(&self, _token: &AccessToken, _factor_id: &str) -> impl Future<Output = Result<Challenge, AuthError>> + Send {
        async { Err(AuthError::Unsupported) }
    }
    /// The same session at aal2.
    fn verify_factor(&self, _token: &AccessToken, _factor_id: &str, _challenge_id: &str, _code: &str) -> impl Future<Output = Result<Grant, AuthError>> + Send {
        async { Err(AuthError::Unsupported) }
    }
    fn unenrol_factor(&self, _token: &AccessToken, _factor_id: &str) -> impl Future<Output = Result<(), AuthError>> + Send {
        async { Err(AuthError::Unsupported) }
    }
    /// Texts a sign-in code.
    fn send_phone_code(&self, _phone: &str, _create_user: bool) -> impl Future<Output = Result<(), AuthError>> + Send {
        async { Err(AuthError::Unsupported) }
    }
    fn verify_phone_code(&self, _phone: &str, _code: &str) -> impl Future<Output = Result<Grant, AuthError>> + Send {
        async { Err(AuthError::Unsupported) }
    }
}

/// Ends `session` on the server: `/logout` with its access token, refreshing first if the server would no longer
/// accept that token (it allows no leeway on `exp`).
pub async fn end_session<A: AuthApi>(api: &A, session: &Session, scope: LogoutScope, now_ms: i64) -> Result<(), AuthError> {
    let access = (session.access_expires_at * 1000 - now_ms > 5_000).then(|| session.access_token.clone());
    sign_out_attempt(api, access, session.refresh_token.clone(), scope).await.0
}

/// One attempt at a server sign-out: `/logout` with `access` when the server still accepts it, else refresh first.
/// Returns the rotated refresh token, if it refreshed, so a record kept for the next attempt stays usable.
pub async fn sign_out_attempt<A: AuthApi>(
    api: &A,
    access: Option<AccessToken>,
    refresh: RefreshToken,
    scope: LogoutScope,
) -> (Result<(), AuthError>, Option<RefreshToken>) {
    if let Some(token) = access {
        return (api.logout(&token, scope).await, None);
    }
    match api.refresh_grant(&refresh).await {
        Ok(grant) => (api.logout(&grant.access_token, scope).await, Some(grant.refresh_token)),
        Err(e) => (Err(e), None),
    }
}

/// A factor to enrol.
#[derive(Debug, Clone, PartialEq)]
pub enum NewFactor {
    /// `issuer` names the app in the authenticator (GoTrue would use its site's host).
    Totp { friendly_name: String, issuer: String },
    /// `phone` in E.164 (`+15550100001`).
    Phone { friendly_name: String, phone: String },
}

impl NewFactor {
    pub fn factor_type(&self) -> FactorType {
        match self {
            NewFactor::Totp { .. } => FactorType::Totp,
            NewFactor::Phone { .. } => FactorType::Phone,
        }
    }
}

/// A new, unverified factor; a TOTP one comes with its secret, which GoTrue shows only this once.
#[derive(Debug)]
pub struct Enrolment {
    pub id: String,
    pub factor_type: FactorType,
    pub totp: Option<TotpKey>,
}

/// The shared secret of a TOTP factor (base32) and its `otpauth://` URI (the QR code's content).
#[derive(Debug, Clone)]
pub struct TotpKey {
    pub secret: TotpSecret,
    pub uri: TotpSecret,
}

/// A challenge to answer with a code.
#[derive(Debug, Clone, PartialEq)]
pub struct Challenge {
    pub id: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// A change of the account (`PUT /user`).
pub enum UserChange {
    /// Under secure e-mail change, both the old and the new address confirm.
    Email(String),
    /// `current` is required by the server outside a recovery session.
    Password { password: String, current: Option<String> },
}
