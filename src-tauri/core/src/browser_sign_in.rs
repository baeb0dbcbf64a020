//! What a browser sign-in asks GoTrue for, checked before any flow starts: an OAuth provider's options (scopes and
//! extra query parameters, never one of the parameters Latchkey sets itself, plus the scopes a provider cannot do
//! without) and whose SAML single sign-on to start (the domain of a work e-mail, or a provider id).

use crate::error::AuthError;
use crate::policy::{check_domain, check_uuid};
use crate::session::IdentityProvider;

/// The `/authorize` parameters Latchkey sets itself: options never replace them.
const RESERVED: &[&str] = &["provider", "redirect_to", "code_challenge", "code_challenge_method", "scopes", "flow_type"];

/// GoTrue's `keycloak` provider asks Keycloak for `profile email` only, and Keycloak (since 25) refuses its userinfo
/// without `openid` (docs/idp-stack.md): without it every Keycloak sign-in fails. Supabase's Keycloak guide says so too.
const REQUIRED_SCOPES: &[(&str, &str)] = &[("keycloak", "openid")];

/// An OAuth sign-in's options, as supabase-js names them: `scopes` and `queryParams`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OAuthOptions {
    /// Scopes asked of the provider, besides those GoTrue asks for.
    pub scopes: Vec<String>,
    /// Extra `/authorize` query parameters (e.g. `prompt=login`), which GoTrue passes on to the provider.
    pub query_params: Vec<(String, String)>,
}

impl OAuthOptions {
    /// Options from a caller: scopes separated by spaces or commas; parameters named, and none of Latchkey's own.
    pub fn new(scopes: Option<&str>, query_params: Vec<(String, String)>) -> Result<Self, AuthError> {
        let scopes = scopes.unwrap_or("").split([' ', ',']).filter(|s| !s.is_empty()).map(String::from).collect();
        for (name, _) in &query_params {
            if name.is_empty() || RESERVED.contains(&name.as_str()) {
                return Err(AuthError::InvalidInput(format!("the OAuth query parameter {name:?} cannot be set: Latchkey sets it itself")));
            }
        }
        Ok(OAuthOptions { scopes, query_params })
    }

    /// These options with the scopes `provider` cannot do without.
    pub fn for_provider(mut self, provider: &str) -> Self {
        for (_, scope) in REQUIRED_SCOPES.iter().filter(|(p, _)| *p == provider) {
            if !self.scopes.iter().any(|s| s == scope) {
                self.scopes.push(scope.to_string());
            }
        }
        self
    }

    /// The `scopes` parameter: space-separated (supabase-js's form), `None` when there are none.
    pub fn scopes_param(&self) -> Option<String> {
        (!self.scopes.is_empty()).then(|| self.scopes.join(" "))
    }
}

/// Whose SAML single sign-on `POST /sso` starts: the provider GoTrue has for an e-mail domain, or one by its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsoTarget {
    Domain(String),
    ProviderId(String),
}

impl SsoTarget {
    /// The domain of a work e-mail (`alice@corp.example`) or a domain as typed (`corp.example`).
    pub fn from_email_or_domain(input: &str) -> Result<Self, AuthError> {
        let input = input.trim();
        let (local, domain) = input.rsplit_once('@').map_or((None, input), |(l, d)| (Some(l), d));
        let local_ok = local.is_none_or(|l| !l.is_empty() && !l.contains(char::is_whitespace));
        match check_domain(domain) {
            Ok(domain) if local_ok => Ok(SsoTarget::Domain(domain)),
            _ => Err(AuthError::InvalidInput(format!("{input:?} is not a work e-mail address or domain (such as alice@example.com)"))),
        }
    }

    /// A GoTrue SSO provider by its id (a UUID).
    pub fn provider_id(id: &str) -> Result<Self, AuthError> {
        check_uuid(id).map(SsoTarget::ProviderId).map_err(AuthError::InvalidInput)
    }

    /// How the session names the provider afterwards.
    pub fn identity(&self) -> IdentityProvider {
        match self {
            SsoTarget::Domain(domain) => IdentityProvider::Sso { domain: Some(domain.clone()) },
            SsoTarget::ProviderId(_) => IdentityProvider::Sso { domain: None },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_split_on_spaces_and_commas_and_keycloak_gets_openid() {
        let o = OAuthOptions::new(Some("email, phone  profile"), vec![]).unwrap();
        assert_eq!(o.scopes_param().as_deref(), Some("email phone profile"));
        assert_eq!(o.clone().for_provider("google"), o);
        assert_eq!(OAuthOptions::default().for_provider("keycloak").scopes_param().as_deref(), Some("openid"));
        let asked = OAuthOptions::new(Some("openid phone"), vec![]).unwrap().for_provider("keycloak");
        assert_eq!(asked.scopes_param().as_deref(), Some("openid phone"), "openid once");
        assert_eq!(OAuthOptions::new(Some(" , "), vec![]).unwrap().scopes_param(), None);
    }

    #[test]
    fn latchkeys_own_parameters_cannot_be_overridden() {
        let pair = |k: &str| vec![(k.to_string(), "x".to_string())];
        assert!(OAuthOptions::new(None, pair("prompt")).is_ok());
        for name in ["redirect_to", "code_challenge", "provider", "scopes", ""] {
            let e = OAuthOptions::new(None, pair(name)).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{name}");
        }
    }

    #[test]
    fn an_sso_target_comes_from_a_work_email_or_a_domain() {
        assert_eq!(SsoTarget::from_email_or_domain(" Alice@Corp.Example ").unwrap(), SsoTarget::Domain("corp.example".into()));
        assert_eq!(SsoTarget::from_email_or_domain("corp.example").unwrap(), SsoTarget::Domain("corp.example".into()));
        for bad in ["", "alice", "alice@", "alice@localhost", "a b@corp.example", "https://corp.example/"] {
            let e = SsoTarget::from_email_or_domain(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{bad:?}");
        }
        assert_eq!(SsoTarget::from_email_or_domain("bob").unwrap_err().to_string(), "\"bob\" is not a work e-mail address or domain (such as alice@example.com)");
        assert!(SsoTarget::provider_id("not-a-uuid").is_err());
        let id = SsoTarget::provider_id("0D8F4E36-1A3C-4E4B-9A7E-2F6C1D9B8A70").unwrap();
        assert_eq!((id.identity(), SsoTarget::Domain("c.example".into()).identity()), (
            IdentityProvider::Sso { domain: None },
            IdentityProvider::Sso { domain: Some("c.example".into()) }
        ));
    }
}
