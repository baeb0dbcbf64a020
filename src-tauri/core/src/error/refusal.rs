//! Latchkey's own refusals, as values: who refused is the variant, and the sentence is said only by `Display`.

use super::ErrorCode;
use crate::assurance::FactorType;
use crate::policy::SignInMethod;

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
    pub(super) fn code(&self) -> ErrorCode {
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
    /// A kind of second factor the policy does not list.
    Factor(FactorType),
    /// Removing the last verified factor while the policy requires one.
    LastFactor,
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
                    SignInMethod::Phone => "a texted code",
                    SignInMethod::OAuth(provider) => provider,
                    SignInMethod::Sso => "single sign-on (SSO)",
                };
                write!(f, "your organization does not allow signing in with {how}")
            }
            Refusal::SignUp => write!(f, "your organization does not allow creating accounts here"),
            Refusal::Locked(key) => write!(f, "`{key}` is managed by your organization and cannot be changed here"),
            Refusal::NotEditable(key) => write!(f, "`{key}` cannot be changed from the settings screen"),
            Refusal::Factor(FactorType::Totp) => write!(f, "your organization does not allow authenticator apps as a second factor"),
            Refusal::Factor(FactorType::Phone) => write!(f, "your organization does not allow text messages as a second factor"),
            Refusal::LastFactor => write!(f, "your organization requires a second factor: add another before removing this one"),
        }
    }
}
