//! Browser sign-ins (OAuth, SAML SSO): the options reach the authorize URL, the identity provider and its tokens are
//! kept with the session (secrets, across refreshes), and a flow ends when cancelled, replaced or timed out.

use super::*;
use crate::api::SsoTarget;
use crate::browser_sign_in::OAuthOptions;
use crate::session::IdentityProvider;
use crate::testing::SSO_DOMAIN;
use std::sync::atomic::Ordering;
use std::time::Duration;
use url::Url;

async fn rig() -> Rig {
    rig_with(FakeApi::new(HOUR), Arc::new(TestStore::default()), settings()).await
}

async fn start_oauth(rig: &Rig, options: OAuthOptions) -> Url {
    let url = rig.handle.flow(|reply| Flow::StartOAuth { provider: "Keycloak".into(), options, reply }).await.unwrap();
    Url::parse(&url).unwrap()
}

async fn start_sso(rig: &Rig, target: SsoTarget) -> Result<String, AuthError> {
    rig.handle.flow(|reply| Flow::StartSso { target, reply }).await
}

/// What the browser comes back to after the provider: the flow's `redirect_to` with a code.
fn returning(redirect_to: &str) -> String {
    format!("{redirect_to}&code=the-code")
}

fn redirect_of(authorize: &Url) -> String {
    authorize.query_pairs().find(|(k, _)| k == "redirect_to").unwrap().1.into_owned()
}

async fn callback(rig: &Rig, url: String) -> Result<(), AuthError> {
    rig.handle.flow(|reply| Flow::Callback { url, reply }).await
}

#[tokio::test(start_paused = true)]
async fn the_authorize_url_carries_scopes_and_query_params_and_keycloak_always_asks_for_openid() {
    let rig = rig().await;
    let options = OAuthOptions::new(Some("phone"), vec![("prompt".into(), "login".into())]).unwrap();
    let url = start_oauth(&rig, options).await;
    assert!(url.as_str().starts_with("https://project.test/auth/v1/authorize?"), "{url}");
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!((q["provider"].as_str(), q["scopes"].as_str(), q["prompt"].as_str()), ("keycloak", "phone openid", "login"));
    assert_eq!(q["code_challenge_method"], "s256");
}

#[tokio::test(start_paused = true)]
async fn an_oauth_sign_in_keeps_the_provider_and_its_tokens_sealed_across_refreshes_and_out_of_every_event() {
    let mut rig = rig().await;
    rig.api.gives_provider_tokens.store(true, Ordering::SeqCst);
    let url = start_oauth(&rig, OAuthOptions::default()).await;
    callback(&rig, returning(&redirect_of(&url))).await.unwrap();
    let signed_in = rig.next(&[EventKind::SignedIn]).await;
    let keycloak = IdentityProvider::OAuth { provider: "keycloak".into() };
    assert!(matches!(&signed_in.state, StateView::SignedIn { identity_provider: Some(p), .. } if *p == keycloak), "{:?}", signed_in.state);
    let saved = rig.store.stored().unwrap().provider.expect("saved with the provider");
    assert_eq!(saved.tokens.unwrap().access.expose(), "provider-secret");
    let tokens = rig.handle.provider_tokens().await.unwrap().expect("the core hands them to a Rust caller");
    assert_eq!(tokens.refresh.unwrap().expose(), "provider-refresh-secret");

    let refreshed = rig.next(&[EventKind::TokenRefreshed]).await; // at half-life, with a grant that has none
    assert_eq!(rig.store.stored().unwrap().refresh_token.expose(), "rt-1");
    assert!(matches!(&refreshed.state, StateView::SignedIn { identity_provider: Some(p), .. } if *p == keycloak));
    let kept = rig.handle.provider_tokens().await.unwrap().expect("kept across the refresh");
    assert_eq!(kept.access.expose(), "provider-secret");
    assert_eq!(rig.store.stored().unwrap().provider.unwrap().tokens.unwrap().access.expose(), "provider-secret");
    for event in [signed_in, refreshed] {
        let json = serde_json::to_string(&event).unwrap();
        assert!(!json.contains("secret") && json.contains(r#""identityProvider":{"kind":"oauth","provider":"keycloak"}"#), "{json}");
    }
}

#[tokio::test(start_paused = true)]
async fn sso_signs_in_for_a_known_domain_and_an_unknown_one_leaves_no_flow_waiting() {
    let mut rig = rig().await;
    let err = start_sso(&rig, SsoTarget::Domain("partner.test".into())).await.unwrap_err();
    assert_eq!(err.code(), "sso_provider_not_found");
    let stale = returning("latchkey://auth/callback?lk_state=x");
    assert_eq!(callback(&rig, stale).await.unwrap_err().code(), "invalid_callback", "no flow is waiting");

    let url = start_sso(&rig, SsoTarget::Domain(SSO_DOMAIN.into())).await.unwrap();
    assert_eq!(url, "https://idp.test/saml?SAMLRequest=r");
    let redirect = rig.api.sso_redirects.lock().unwrap()[0].clone();
    callback(&rig, returning(&redirect)).await.unwrap();
    let e = rig.next(&[EventKind::SignedIn]).await;
    let sso = IdentityProvider::Sso { domain: Some(SSO_DOMAIN.into()) };
    assert!(matches!(&e.state, StateView::SignedIn { identity_provider: Some(p), .. } if *p == sso), "{:?}", e.state);
    assert_eq!(rig.handle.provider_tokens().await.unwrap().map(|t| t.access.expose().to_string()), None, "SAML gives none");
}

#[tokio::test(start_paused = true)]
async fn a_browser_that_never_returns_ends_the_flow_at_the_timeout_and_says_so() {
    let rig = rig().await;
    let mut refusals = rig.handle.flow_errors();
    let url = start_oauth(&rig, OAuthOptions::default()).await;
    let started = tokio::time::Instant::now();
    let said = tokio::time::timeout(Duration::from_secs(3600), refusals.recv()).await.expect("said within the hour").unwrap();
    assert_eq!((said.code(), said.to_string().as_str()), ("sign_in_incomplete", "the sign-in did not complete in the browser within 5m; start it again"));
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(300) && waited <= Duration::from_secs(302), "{waited:?}");
    let late = callback(&rig, returning(&redirect_of(&url))).await.unwrap_err();
    assert_eq!(late.code(), "invalid_callback", "the flow is gone: {late}");
    assert_eq!(rig.api.exchanges.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn the_engine_wakes_for_a_browser_sign_ins_end_not_only_at_the_backstop() {
    // 90 s is no multiple of the 60 s backstop: a task that slept past the flow's end would say so at 120 s.
    let rules = EngineRules { browser_sign_in_timeout: Duration::from_secs(90), ..settings() };
    let rig = rig_with(FakeApi::new(HOUR), Arc::new(TestStore::default()), rules).await;
    let mut refusals = rig.handle.flow_errors();
    start_oauth(&rig, OAuthOptions::default()).await;
    let started = tokio::time::Instant::now();
    let said = tokio::time::timeout(Duration::from_secs(3600), refusals.recv()).await.expect("said within the hour").unwrap();
    assert_eq!(said.code(), "sign_in_incomplete");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(89) && waited <= Duration::from_secs(91), "ended after {waited:?}");
}

#[tokio::test(start_paused = true)]
async fn cancel_ends_the_flow_and_a_late_return_is_refused() {
    let rig = rig().await;
    let url = start_oauth(&rig, OAuthOptions::default()).await;
    assert!(rig.handle.flow(|reply| Flow::Cancel { reply }).await.unwrap(), "a flow was pending");
    assert!(!rig.handle.flow(|reply| Flow::Cancel { reply }).await.unwrap(), "and then none");
    assert_eq!(callback(&rig, returning(&redirect_of(&url))).await.unwrap_err().code(), "invalid_callback");
    assert_eq!(rig.api.exchanges.load(Ordering::SeqCst), 0);
    assert_eq!(rig.handle.snapshot().state, signed_out(None));
}

#[tokio::test(start_paused = true)]
async fn a_second_continue_replaces_the_first_whose_late_return_is_refused() {
    let mut rig = rig().await;
    let first = start_oauth(&rig, OAuthOptions::default()).await;
    let second = start_oauth(&rig, OAuthOptions::default()).await;
    assert_ne!(redirect_of(&first), redirect_of(&second), "a new state");
    assert_eq!(callback(&rig, returning(&redirect_of(&first))).await.unwrap_err().code(), "invalid_state");
    assert_eq!(rig.api.exchanges.load(Ordering::SeqCst), 0, "the first flow's code is never exchanged");
    callback(&rig, returning(&redirect_of(&second))).await.unwrap();
    rig.next(&[EventKind::SignedIn]).await;
    assert_eq!(rig.api.exchanges.load(Ordering::SeqCst), 1);
}
