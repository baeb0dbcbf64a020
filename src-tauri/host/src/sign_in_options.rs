//! What the sign-in screen may offer (the server's `/settings` narrowed by admin policy), whose single sign-on a
//! "Sign in with SSO" starts, and what a sign-up says.

use latchkey_core::api::{GoTrue, SsoTarget};
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
    /// SAML single sign-on, when the server has it on and policy allows it.
    pub sso: Option<SsoOffer>,
    pub allow_sign_up: bool,
}

/// How "Sign in with SSO" starts.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SsoOffer {
    /// The domain policy names (`sso_domain`), to show on the button.
    pub domain: Option<String>,
    /// Whether the screen asks for the work e-mail: policy names neither a domain nor a provider.
    pub asks_email: bool,
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
    let sso = (server.saml_enabled && allowed(SignInMethod::Sso)).then(|| SsoOffer {
        domain: config.sso_domain.clone().filter(|_| config.sso_provider_id.is_none()),
        asks_email: config.sso_domain.is_none() && config.sso_provider_id.is_none(),
    });
    Ok(SignInOptions {
        password: server.email_enabled && allowed(SignInMethod::Password),
        email_code: server.email_enabled && allowed(SignInMethod::EmailOtp),
        magic_link: server.email_enabled && allowed(SignInMethod::MagicLink),
        phone: server.phone_enabled && allowed(SignInMethod::Phone),
        oauth_providers: server.oauth_providers.into_iter().filter(|p| allowed(SignInMethod::OAuth(p.clone()))).collect(),
        sso,
        allow_sign_up: config.allow_sign_up && !server.signup_disabled,
    })
}

/// Whose single sign-on starts: the provider or domain policy names (`sso_provider_id` first), else the domain of the
/// work e-mail (or the domain) the person typed.
pub fn sso_target(config: &Config, typed: Option<&str>) -> Result<SsoTarget, AuthError> {
    if let Some(id) = &config.sso_provider_id {
        return SsoTarget::provider_id(id);
    }
    if let Some(domain) = &config.sso_domain {
        return Ok(SsoTarget::Domain(domain.clone()));
    }
    match typed.map(str::trim).filter(|t| !t.is_empty()) {
        Some(typed) => SsoTarget::from_email_or_domain(typed),
        None => Err(AuthError::InvalidInput("enter your work e-mail address to sign in with SSO".into())),
    }
}

/// Opens `url` in the system browser (`xdg-open` on Linux, as a click on a link would).
pub fn open_in_browser(url: &str) -> Result<(), AuthError> {
    open::that_detached(url).map_err(|e| AuthError::BrowserUnavailable(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config_with(managed: serde_json::Value) -> Config {
        latchkey_core::testing::config("sso-target", Some(&json!({ "managed": managed }).to_string()), None, &[]).unwrap()
    }

    #[test]
    fn the_policys_provider_or_domain_wins_over_what_was_typed() {
        let id = "0d8f4e36-1a3c-4e4b-9a7e-2f6c1d9b8a70";
        let both = config_with(json!({ "sso_domain": "corp.example", "sso_provider_id": id }));
        assert_eq!(sso_target(&both, Some("bob@else.example")).unwrap(), SsoTarget::ProviderId(id.into()));
        let domain = config_with(json!({ "sso_domain": "corp.example" }));
        assert_eq!(sso_target(&domain, None).unwrap(), SsoTarget::Domain("corp.example".into()));
        let neither = config_with(json!({}));
        assert_eq!(sso_target(&neither, Some(" Alice@Partner.Example ")).unwrap(), SsoTarget::Domain("partner.example".into()));
        assert_eq!(sso_target(&neither, Some("  ")).unwrap_err().code(), "invalid_input");
        assert_eq!(sso_target(&neither, Some("alice")).unwrap_err().code(), "invalid_input");
    }
}
