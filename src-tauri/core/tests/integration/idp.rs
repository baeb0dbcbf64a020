//! Browser sign-ins on real parts: the engine against the real GoTrue (its `keycloak` OAuth provider and its SAML
//! SSO), the real Keycloak, and a real Chromium acting as the person (tests/e2e/idp/person.mjs: a fresh profile per
//! sign-in, Keycloak's real login page). Needs `scripts/stack up --with-idp` (scripts/test's `core-idp` step).

use latchkey_core::api::SsoTarget;
use latchkey_core::browser_sign_in::OAuthOptions;
use latchkey_core::engine::{Flow, Redirect};
use latchkey_core::policy::SignInMethod;
use latchkey_core::session::IdentityProvider;
use latchkey_core::testing::{Observed, TestClock};
use latchkey_core::vault::MemoryStore;
use latchkey_core::verified::Verified;
use latchkey_core::{AuthError, AuthEvent, EngineRules, EventKind, GoTrue, SessionHandle, SignOutReason, StateView};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::broadcast;

use super::support::{self, env};

/// Where the person's browser ended up (tests/e2e/idp/browser.mjs `landing`).
struct Landing {
    url: String,
    /// false: a redirect Chromium cannot follow (latchkey://), `url` being its exact address.
    followed: bool,
    /// Every top-level document on the way.
    documents: Vec<String>,
    /// What the page says, when it loaded.
    text: String,
}

/// A person signs in at the identity provider's page `url` in a fresh Chromium, answering consent with `consent`.
async fn person(url: &str, user: &str, consent: &str, forget_consents: bool) -> Landing {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e/idp/person.mjs");
    let password = if user == env("LATCHKEY_IDP_USER_EMAIL") { env("LATCHKEY_IDP_USER_PASSWORD") } else { env("LATCHKEY_IDP_PARTNER_PASSWORD") };
    let mut cmd = std::process::Command::new("node");
    cmd.arg(script).args(["--url", url, "--user", user, "--password", &password, "--consent", consent]);
    if forget_consents {
        cmd.arg("--forget-consents");
    }
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("node runs")).await.unwrap();
    assert!(out.status.success(), "the person could not sign in: {}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    Landing {
        url: v["url"].as_str().unwrap().into(),
        followed: v["followed"].as_bool().unwrap(),
        documents: v["documents"].as_array().unwrap().iter().map(|d| d.as_str().unwrap().to_string()).collect(),
        text: v["text"].as_str().unwrap_or_default().into(),
    }
}

fn alice() -> String {
    env("LATCHKEY_IDP_USER_EMAIL")
}

/// The engine over the real GoTrue (every token verified), counting requests and code exchanges.
struct Core {
    handle: SessionHandle,
    events: broadcast::Receiver<AuthEvent>,
    refusals: broadcast::Receiver<AuthError>,
    api: Observed<Verified>,
    clock: TestClock,
}

impl Core {
    async fn start(rules: EngineRules) -> Core {
        let auth_url = format!("{}/auth/v1", env("LATCHKEY_SUPABASE_URL"));
        let gotrue = GoTrue::new(&auth_url, &env("LATCHKEY_SUPABASE_ANON_KEY"), &latchkey_core::net::Network::default()).unwrap();
        let api = Observed::new(Verified::new(gotrue));
        let clock = TestClock::system();
        let (handle, task) = latchkey_core::start(api.clone(), MemoryStore::default(), clock.clone(), rules);
        let (events, refusals) = (handle.subscribe(), handle.flow_errors());
        tokio::spawn(task);
        handle.initialized().await;
        Core { handle, events, refusals, api, clock }
    }

    async fn oauth(&self, options: OAuthOptions) -> Result<String, AuthError> {
        self.handle.flow(|reply| Flow::StartOAuth { provider: "keycloak".into(), options, reply }).await
    }

    async fn sso(&self, target: SsoTarget) -> Result<String, AuthError> {
        self.handle.flow(|reply| Flow::StartSso { target, reply }).await
    }

    async fn callback(&self, url: &str) -> Result<(), AuthError> {
        let url = url.to_string();
        self.handle.flow(|reply| Flow::Callback { url, reply }).await
    }

    fn exchanges(&self) -> usize {
        self.api.exchanges.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The next event of one of `kinds` (see [`support::next_event`]).
    async fn next(&mut self, kinds: &[EventKind], within: Duration) -> AuthEvent {
        support::next_event(&mut self.events, kinds, within).await
    }

    async fn refusal(&mut self, within: Duration) -> AuthError {
        tokio::time::timeout(within, self.refusals.recv()).await.expect("a refusal in time").expect("engine alive")
    }
}

fn rules(redirect: Redirect) -> EngineRules {
    EngineRules { redirect, ..EngineRules::default() }
}

fn identity_of(e: &AuthEvent) -> Option<IdentityProvider> {
    match &e.state {
        StateView::SignedIn { identity_provider, .. } => identity_provider.clone(),
        other => panic!("not signed in: {other:?}"),
    }
}

fn claims(jwt: &str) -> Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

const SIGN_IN: Duration = Duration::from_secs(20);

#[tokio::test]
async fn oauth_through_the_loopback_signs_in_keeps_the_provider_tokens_and_passes_the_options_to_keycloak() {
    let mut core = Core::start(rules(Redirect::Loopback)).await;
    let options = OAuthOptions::new(Some("phone"), vec![("prompt".into(), "login".into())]).unwrap();
    let url = core.oauth(options).await.unwrap();
    let landed = person(&url, &alice(), "accept", false).await;
    assert!(landed.followed && landed.url.starts_with("http://127.0.0.1:"), "back at the loopback: {}", landed.url);
    assert!(landed.text.contains("You can close this tab"), "the loopback page: {}", landed.text);
    let asked = landed.documents.iter().find(|d| d.starts_with(&format!("{}/protocol/openid-connect/auth", env("LATCHKEY_IDP_ISSUER"))));
    let asked = url::Url::parse(asked.expect("the browser went to Keycloak's auth endpoint")).unwrap();
    let q: std::collections::HashMap<_, _> = asked.query_pairs().into_owned().collect();
    let mut scopes: Vec<&str> = q["scope"].split(' ').collect();
    scopes.sort();
    assert_eq!(scopes, ["email", "openid", "phone", "profile"], "openid added for keycloak, phone passed through");
    assert_eq!(q["prompt"], "login", "a query parameter passed through GoTrue");

    let e = core.next(&[EventKind::SignedIn], SIGN_IN).await;
    assert_eq!(identity_of(&e), Some(IdentityProvider::OAuth { provider: "keycloak".into() }));
    assert!(matches!(&e.state, StateView::SignedIn { user, .. } if user.email == alice()));
    let tokens = core.handle.provider_tokens().await.unwrap().expect("the provider's tokens are kept");
    let provider = claims(tokens.access.expose());
    assert_eq!(provider["iss"], env("LATCHKEY_IDP_ISSUER"), "provider_token is Keycloak's access token");
    assert!(provider["scope"].as_str().unwrap().split(' ').any(|s| s == "phone"));
    assert!(tokens.refresh.is_some_and(|r| r.expose().len() > 20), "and its refresh token");
    assert!(!format!("{:?}", core.handle.provider_tokens().await.unwrap()).contains(tokens.access.expose()));
    assert_eq!(core.exchanges(), 1);
}

#[tokio::test]
async fn a_tampered_state_is_refused_without_an_exchange_and_the_same_link_twice_is_exchanged_once() {
    let mut core = Core::start(rules(Redirect::DeepLink)).await;
    let url = core.oauth(OAuthOptions::default()).await.unwrap();
    let landed = person(&url, &env("LATCHKEY_IDP_PARTNER_EMAIL"), "accept", false).await;
    assert!(!landed.followed && landed.url.starts_with("latchkey://auth/callback?"), "{}", landed.url);
    let tampered = landed.url.replace("lk_state=", "lk_state=x");
    assert_eq!(core.callback(&tampered).await.unwrap_err().code(), "invalid_state");
    assert_eq!(core.exchanges(), 0, "a callback of another state is never exchanged");

    core.callback(&landed.url).await.expect("the genuine link still signs in: the flow went on");
    let e = core.next(&[EventKind::SignedIn], SIGN_IN).await;
    assert!(matches!(&e.state, StateView::SignedIn { user, .. } if user.email == env("LATCHKEY_IDP_PARTNER_EMAIL")));
    assert_eq!(core.callback(&landed.url).await.unwrap_err().code(), "invalid_callback", "a used link: no flow waits");
    assert_eq!(core.exchanges(), 1, "the code was exchanged once");
}

#[tokio::test]
async fn consent_denied_at_keycloak_comes_back_as_access_denied_and_ends_the_flow() {
    let mut core = Core::start(rules(Redirect::Loopback)).await;
    let options = OAuthOptions::new(None, vec![("prompt".into(), "consent".into())]).unwrap();
    let url = core.oauth(options).await.unwrap();
    let landed = person(&url, &alice(), "deny", false).await;
    assert!(landed.followed && landed.url.contains("error=access_denied"), "{}", landed.url);
    let refused = core.refusal(SIGN_IN).await;
    assert_eq!(refused.code(), "access_denied", "{refused}");
    assert_eq!(core.exchanges(), 0);
    assert_eq!(core.handle.snapshot().state, StateView::SignedOut { reason: None });
    let again = format!("{}&code=late", landed.url.split('?').next().unwrap());
    assert_eq!(core.callback(&again).await.unwrap_err().code(), "invalid_callback", "the flow is over");
}

#[tokio::test]
async fn sso_for_a_domain_or_provider_gotrue_does_not_know_is_refused_before_any_browser() {
    let core = Core::start(rules(Redirect::Loopback)).await;
    let domain = core.sso(SsoTarget::from_email_or_domain(&env("LATCHKEY_IDP_PARTNER_EMAIL")).unwrap()).await.unwrap_err();
    assert_eq!((domain.code(), domain.to_string().as_str()), ("sso_provider_not_found", "No SSO provider assigned for this domain"));
    let id = core.sso(SsoTarget::provider_id("00000000-0000-4000-8000-000000000000").unwrap()).await.unwrap_err();
    assert_eq!(id.code(), "sso_provider_not_found");
    let late = "http://127.0.0.1:9/auth/callback?code=x&lk_state=y";
    assert_eq!(core.callback(late).await.unwrap_err().code(), "invalid_callback", "no flow was left waiting");
}

/// An SSO-only engine signed in through Keycloak's SAML as alice.
async fn sso_signed_in() -> Core {
    let mut core = Core::start(EngineRules { sign_in_methods: vec![SignInMethod::Sso], ..rules(Redirect::Loopback) }).await;
    let url = core.sso(SsoTarget::Domain(env("LATCHKEY_IDP_SSO_DOMAIN"))).await.unwrap();
    assert!(url.starts_with(&format!("{}/protocol/saml?SAMLRequest=", env("LATCHKEY_IDP_ISSUER"))), "{url}");
    person(&url, &alice(), "accept", false).await;
    let e = core.next(&[EventKind::SignedIn], SIGN_IN).await;
    assert_eq!(identity_of(&e), Some(IdentityProvider::Sso { domain: Some(env("LATCHKEY_IDP_SSO_DOMAIN")) }));
    core
}

#[tokio::test]
async fn an_sso_only_policy_refuses_password_and_oauth_and_an_sso_session_refreshes() {
    let core = Core::start(EngineRules { sign_in_methods: vec![SignInMethod::Sso], ..rules(Redirect::Loopback) }).await;
    let password = core.handle.sign_in_with_password(env("LATCHKEY_DEMO_EMAIL"), env("LATCHKEY_DEMO_PASSWORD")).await;
    assert_eq!(password.unwrap_err().code(), "policy");
    assert_eq!(core.oauth(OAuthOptions::default()).await.unwrap_err().code(), "policy");
    assert_eq!(core.api.count(), 0, "refused before the server is asked");

    let mut core = sso_signed_in().await;
    assert!(core.handle.provider_tokens().await.unwrap().is_none(), "SAML gives no provider token");
    core.clock.jump(50 * 60); // a laptop asleep past the hour-long token's half-life, then awake: the OS says so
    core.clock.resume();
    let e = core.next(&[EventKind::TokenRefreshed, EventKind::SignedOut], SIGN_IN).await;
    assert_eq!(e.event, EventKind::TokenRefreshed, "the SSO session's refresh token works: {e:?}");
    assert_eq!(identity_of(&e), Some(IdentityProvider::Sso { domain: Some(env("LATCHKEY_IDP_SSO_DOMAIN")) }));
    core.handle.access_token().await.expect("a token after the refresh");
}

#[tokio::test]
async fn an_sso_session_ends_at_the_24_hour_deadline_like_any_other() {
    let mut core = sso_signed_in().await;
    core.clock.jump(24 * 3600); // asleep for a day, then awake
    core.clock.resume();
    let e = core.next(&[EventKind::SignedOut], SIGN_IN).await;
    assert_eq!(e.reason, Some(SignOutReason::Timeout), "{e:?}");
    assert_eq!(core.handle.access_token().await.unwrap_err().code(), "not_signed_in");
}

#[tokio::test]
async fn a_saml_sign_in_denied_at_keycloak_never_comes_back_and_the_flow_ends_at_its_timeout_saying_so() {
    let timeout = Duration::from_secs(6);
    let mut core = Core::start(EngineRules { browser_sign_in_timeout: timeout, ..rules(Redirect::Loopback) }).await;
    let url = core.sso(SsoTarget::Domain(env("LATCHKEY_IDP_SSO_DOMAIN"))).await.unwrap();
    let landed = person(&url, &alice(), "deny", true).await;
    let site = env("LATCHKEY_STACK_SITE_URL");
    assert!(landed.url.starts_with(&site) && landed.text.contains("You can close this tab"), "GoTrue's SITE_URL page: {}", landed.url);
    let said = core.refusal(timeout + SIGN_IN).await;
    assert_eq!((said.code(), said.to_string().as_str()), ("sign_in_incomplete", "the sign-in did not complete in the browser within 6s; start it again"));
    assert_eq!((core.exchanges(), core.handle.snapshot().state), (0, StateView::SignedOut { reason: None }));
}
