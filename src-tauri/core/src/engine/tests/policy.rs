//! The managed method list and `allow_sign_up` are enforced by the engine on every sign-in path, whatever the UI offers.

use super::*;
use crate::policy::SignInMethod;

async fn rig_allowing(methods: Vec<SignInMethod>) -> Rig {
    rig_with(FakeApi::new(HOUR), Arc::new(TestStore::default()), EngineRules { sign_in_methods: methods, ..settings() }).await
}

async fn send_email_code(rig: &Rig) -> Result<(), AuthError> {
    rig.handle.flow(|reply| Flow::SendEmailCode { email: "a@b.c".into(), reply }).await
}

#[tokio::test(start_paused = true)]
async fn a_password_sign_in_outside_the_method_list_is_refused_before_the_server_is_asked() {
    let rig = rig_allowing(vec![SignInMethod::MagicLink]).await;
    let err = rig.handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap_err();
    assert_eq!(err.code(), "policy");
    assert!(err.to_string().contains("a password"), "{err}");
    assert_eq!(rig.handle.snapshot().state, signed_out(None), "the fake server would have signed in");
}

#[tokio::test(start_paused = true)]
async fn the_email_is_sent_when_codes_or_links_are_allowed_and_refused_when_neither_is() {
    let refused = rig_allowing(vec![SignInMethod::Password]).await;
    assert_eq!(send_email_code(&refused).await.unwrap_err().code(), "policy");
    for allowed in [SignInMethod::EmailOtp, SignInMethod::MagicLink] {
        let rig = rig_allowing(vec![allowed.clone()]).await;
        // The fake server has no e-mail: reaching it is what "allowed" looks like here.
        assert_eq!(send_email_code(&rig).await.unwrap_err().code(), "unsupported", "{allowed:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_code_is_refused_when_only_links_are_allowed() {
    let rig = rig_allowing(vec![SignInMethod::MagicLink]).await;
    let err = rig.handle.flow(|reply| Flow::VerifyEmailCode { email: "a@b.c".into(), code: "123456".into(), reply }).await;
    assert_eq!(err.unwrap_err().code(), "policy");
}

#[tokio::test(start_paused = true)]
async fn oauth_is_limited_to_the_listed_providers() {
    let rig = rig_allowing(vec![SignInMethod::OAuth("google".into())]).await;
    let start = |provider: &str| {
        let provider = provider.to_string();
        rig.handle.flow(move |reply| Flow::StartOAuth { provider, options: Default::default(), reply })
    };
    assert_eq!(start("github").await.unwrap_err().code(), "policy");
    // The fake server has no auth URL, so an allowed provider gets as far as building the authorize URL.
    assert_ne!(start("Google").await.map_err(|e| e.code().to_string()), Err("policy".into()), "matched case-blind");
}

#[tokio::test(start_paused = true)]
async fn sign_up_is_refused_when_the_policy_forbids_new_accounts() {
    let rig = rig_with(FakeApi::new(HOUR), Arc::new(TestStore::default()), EngineRules { allow_sign_up: false, ..settings() }).await;
    let err = rig.handle.flow(|reply| Flow::SignUp { email: "a@b.c".into(), password: "pw-123456".into(), reply }).await;
    assert_eq!(err.unwrap_err().code(), "policy");
}

#[tokio::test(start_paused = true)]
async fn the_link_in_the_email_is_refused_when_only_codes_are_allowed() {
    let rig = rig_allowing(vec![SignInMethod::EmailOtp]).await;
    let _ = send_email_code(&rig).await; // starts the link's flow (the fake server then has no e-mail to send)
    let url = "latchkey://auth/callback?code=abc&lk_state=whatever".to_string();
    let err = rig.handle.flow(|reply| Flow::Callback { url, reply }).await.unwrap_err();
    assert_eq!(err.code(), "policy", "refused for the method before the state is even looked at: {err}");
}

#[tokio::test(start_paused = true)]
async fn an_sso_only_policy_refuses_every_other_way_in_and_sso_outside_it() {
    let rig = rig_allowing(vec![SignInMethod::Sso]).await;
    assert_eq!(rig.handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap_err().code(), "policy");
    assert_eq!(send_email_code(&rig).await.unwrap_err().code(), "policy");
    let oauth = rig.handle.flow(|reply| Flow::StartOAuth { provider: "keycloak".into(), options: Default::default(), reply });
    assert_eq!(oauth.await.unwrap_err().code(), "policy");
    let target = crate::api::SsoTarget::Domain(crate::testing::SSO_DOMAIN.into());
    assert!(rig.handle.flow(|reply| Flow::StartSso { target, reply }).await.is_ok());

    let no_sso = rig_allowing(vec![SignInMethod::Password, SignInMethod::OAuth("*".into())]).await;
    let target = crate::api::SsoTarget::Domain(crate::testing::SSO_DOMAIN.into());
    let err = no_sso.handle.flow(|reply| Flow::StartSso { target, reply }).await.unwrap_err();
    assert_eq!((err.code(), err.to_string().as_str()), ("policy", "your organization does not allow signing in with single sign-on (SSO)"));
}
