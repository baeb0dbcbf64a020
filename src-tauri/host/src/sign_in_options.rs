//! What the sign-in screen may offer (the server's `/settings` narrowed by admin policy), and what a sign-up says.

use latchkey_core::api::GoTrue;
use latchkey_core::policy::SignInMethod;
use latchkey_core::{AuthError, Config};
use serde::Serialize;

/// The answer of `get_sign_in_options` (docs/ipc.md).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInOptions {
    pub password: bool,
    pub email_code: bool,
    pub magic_link: bool,
    /// A code texted to a phone: the server has phone sign-in on and the policy allows it.
    pub phone: bool,
    pub oauth_providers: Vec<String>,
    pub allow_sign_up: bool,
}

/// The answer of `sign_up`: `false` means signed in now (SIGNED_IN follows).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SignUpResult {
    pub confirmation_sent: bool,
}

/// Asks the server which methods it has on, and keeps those the policy allows.
pub async fn sign_in_options(config: &Config, api: &GoTrue) -> Result<SignInOptions, AuthError> {
    let server = api.settings().await?;
    let allowed = |m: SignInMethod| config.sign_in_allowed(&m);
    Ok(SignInOptions {
        password: server.email_enabled && allowed(SignInMethod::Password),
        email_code: server.email_enabled && allowed(SignInMethod::EmailOtp),
        magic_link: server.email_enabled && allowed(SignInMethod::MagicLink),
        phone: server.phone_enabled && allowed(SignInMethod::Phone),
        oauth_providers: server.oauth_providers.into_iter().filter(|p| allowed(SignInMethod::OAuth(p.clone()))).collect(),
        allow_sign_up: config.allow_sign_up && !server.signup_disabled,
    })
}
