//! What a handle may ask of the session task, and where each answer goes: every request carries its own reply.

use crate::api::LogoutScope;
use crate::error::AuthError;
use crate::events::SignOutReport;
use crate::secret::AccessToken;
use secrecy::SecretString;
use tokio::sync::oneshot;

/// Where a request's answer goes.
pub type Reply<T> = oneshot::Sender<Result<T, AuthError>>;

pub(super) enum Request {
    SignIn { email: String, password: SecretString, reply: Reply<()> },
    SignOut { scope: LogoutScope, reply: Reply<SignOutReport> },
    AccessToken { reply: Reply<AccessToken> },
    Flow(Flow),
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
    /// Answers the URL to open in the system browser.
    StartOAuth { provider: String, reply: Reply<String> },
    /// A `latchkey://auth/callback?...` URL handed over by the OS.
    Callback { url: String, reply: Reply<()> },
    RecoverPassword { email: String, reply: Reply<()> },
    UpdatePassword { password: String, reply: Reply<()> },
    /// Where flows started from now on return (the app falls back to loopback when the scheme cannot be registered).
    SetRedirect { redirect: Redirect, reply: Reply<()> },
}
