//! What a handle may ask of the session task, and where each answer goes: every request carries its own reply.

use crate::api::{Challenge, Enrolment, LogoutScope, NewFactor};
use crate::browser_sign_in::{OAuthOptions, SsoTarget};
use crate::error::AuthError;
use crate::events::SignOutReport;
use crate::secret::AccessToken;
use crate::session::ProviderTokens;
use secrecy::SecretString;
use tokio::sync::oneshot;

/// Where a request's answer goes.
pub type Reply<T> = oneshot::Sender<Result<T, AuthError>>;

pub(super) enum Request {
    SignIn { email: String, password: SecretString, reply: Reply<()> },
    SignOut { scope: LogoutScope, reply: Reply<SignOutReport> },
    AccessToken { reply: Reply<AccessToken> },
    ProviderTokens { reply: Reply<Option<ProviderTokens>> },
    Flow(Flow),
    Account(Account),
    Touch,
    /// The machine woke from sleep: recheck everything now.
    Resumed,
}

/// Where the server sends the browser back after an e-mailed link or an OAuth sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirect {
    /// `latchkey://auth/callback`, delivered by the OS to the app (deep link).
    DeepLink,
    /// `http://127.0.0.1:<random port>/auth/callback`, one listener per pending flow (RFC 8252 §7.3).
    Loopback,
}

/// A flow request and where its answer goes.
pub enum Flow {
    /// Answers whether a confirmation e-mail was sent (false: signed in now).
    SignUp { email: String, password: String, reply: Reply<bool> },
    /// E-mails a code and a magic link (PKCE).
    SendEmailCode { email: String, reply: Reply<()> },
    VerifyEmailCode { email: String, code: String, reply: Reply<()> },
    /// Answers the URL to open in the system browser; a pending flow is replaced (its late callback is refused).
    StartOAuth { provider: String, options: OAuthOptions, reply: Reply<String> },
    /// SAML single sign-on (`POST /sso`): answers the identity provider's URL to open in the system browser.
    StartSso { target: SsoTarget, reply: Reply<String> },
    /// Stops waiting for a browser sign-in; answers whether one was pending.
    Cancel { reply: Reply<bool> },
    /// A `latchkey://auth/callback?...` URL handed over by the OS.
    Callback { url: String, reply: Reply<()> },
    RecoverPassword { email: String, reply: Reply<()> },
    /// Texts a sign-in code to a phone (E.164).
    SendPhoneCode { phone: String, reply: Reply<()> },
    VerifyPhoneCode { phone: String, code: String, reply: Reply<()> },
    /// Where flows started from now on return (the app falls back to loopback when the scheme cannot be registered).
    SetRedirect { redirect: Redirect, reply: Reply<()> },
}

/// What the signed-in user may change of their account: second factors, the password, the e-mail address. Each needs
/// a usable access token (one factor is enough: these are how the second is reached).
pub enum Account {
    /// A new factor; a TOTP one's answer carries its secret, for the enrolment screen only.
    Enrol { factor: NewFactor, reply: Reply<Enrolment> },
    /// A challenge of a factor of the user's (a phone factor's code is texted now).
    Challenge { factor_id: String, reply: Reply<Challenge> },
    /// Answers the factor's challenge (made now if none is usable); a TOTP challenge that expired is made again once.
    Verify { factor_id: String, code: String, reply: Reply<()> },
    Unenrol { factor_id: String, reply: Reply<()> },
    /// Abandons the second-factor step: a factor being enrolled is removed; while a second factor is due, signs out
    /// (reason `policy` when policy requires one, else `user`).
    Cancel { reply: Reply<()> },
    /// `current`: the current password, required outside a recovery session.
    UpdatePassword { password: String, current: Option<String>, reply: Reply<()> },
    ChangeEmail { email: String, reply: Reply<()> },
}
