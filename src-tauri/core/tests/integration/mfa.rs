//! The engine's second factors on the real GoTrue (the stack's MFA and phone setup, docs/mfa-stack.md) and the real
//! keychain: TOTP enrolment with codes from totp-rs, needs_second_factor -> verify -> aal2 with its event, a wrong
//! code then an expired challenge, unenrol at aal1 and aal2, restarts, a refresh at aal2, the policy's enrolment, phone sign-in and a
//! phone factor (codes from the Send SMS hook receiver), e-mail change and a password change with the current one.

use crate::support::{self, http};
use latchkey_core::api::{GoTrue, LogoutScope, NewFactor};
use latchkey_core::assurance::{Aal, FactorType};
use latchkey_core::engine::{Account, Flow};
use latchkey_core::session::SecondStep;
use latchkey_core::verified::Verified;
use latchkey_core::testing::TestClock;
use latchkey_core::{AuthError, AuthEvent, EngineRules, EventKind, SessionHandle, StateView};
use std::path::Path;
use tokio::sync::broadcast;

fn api() -> Verified {
    let url = format!("{}/auth/v1", support::env("LATCHKEY_SUPABASE_URL"));
    Verified::new(GoTrue::new(&url, &support::env("LATCHKEY_SUPABASE_ANON_KEY"), &latchkey_core::net::Network::default()).unwrap())
}

/// A core over the test's vault in `dir`, on the real clock until `clock` jumps; the task ends when the handle is dropped.
async fn core_on(test: &str, dir: &Path, rules: EngineRules, clock: TestClock) -> (SessionHandle, broadcast::Receiver<AuthEvent>, tokio::task::JoinHandle<()>) {
    let (handle, task) = latchkey_core::start(api(), support::vault(test, dir), clock, rules);
    let events = handle.subscribe();
    let running = tokio::spawn(task);
    handle.initialized().await;
    (handle, events, running)
}

async fn core(test: &str, dir: &Path, rules: EngineRules) -> (SessionHandle, broadcast::Receiver<AuthEvent>, tokio::task::JoinHandle<()>) {
    core_on(test, dir, rules, TestClock::system()).await
}

async fn next(events: &mut broadcast::Receiver<AuthEvent>, kind: EventKind) -> AuthEvent {
    loop {
        let e = events.recv().await.expect("engine alive");
        if e.event == kind {
            return e;
        }
    }
}

fn step(state: &StateView) -> Option<SecondStep> {
    match state {
        StateView::NeedsSecondFactor { step, .. } => Some(*step),
        _ => None,
    }
}

/// The level and the `amr` methods (sorted: GoTrue's order within one second is not stable) of a signed-in state.
fn level(state: &StateView) -> (Aal, Vec<String>) {
    let StateView::SignedIn { claims: Some(claims), .. } = state else { panic!("not signed in with claims: {state:?}") };
    let mut methods: Vec<String> = claims.amr.iter().map(|m| m.method.clone()).collect();
    methods.sort();
    (claims.aal, methods)
}

async fn enrol(core: &SessionHandle, factor: NewFactor) -> Result<latchkey_core::api::Enrolment, AuthError> {
    core.account(|reply| Account::Enrol { factor, reply }).await
}

async fn verify(core: &SessionHandle, factor_id: &str, code: &str) -> Result<(), AuthError> {
    let (factor_id, code) = (factor_id.to_string(), code.to_string());
    core.account(|reply| Account::Verify { factor_id, code, reply }).await
}

fn totp() -> NewFactor {
    NewFactor::Totp { friendly_name: "Phone app".into(), issuer: "Latchkey".into() }
}

/// Signs in a new user and enrols and verifies a TOTP factor: (email, password, factor id, secret).
async fn user_with_totp(core: &SessionHandle, events: &mut broadcast::Receiver<AuthEvent>, tag: &str) -> (String, String, String, String) {
    let (_, email, password) = http::new_user(tag).await;
    core.sign_in_with_password(email.clone(), password.clone()).await.unwrap();
    let signed_in = next(events, EventKind::SignedIn).await;
    assert_eq!(level(&signed_in.state), (Aal::Aal1, vec!["password".to_string()]));
    let enrolment = enrol(core, totp()).await.unwrap();
    let secret = enrolment.totp.expect("a TOTP secret").secret.expose().to_string();
    verify(core, &enrolment.id, &http::totp_code(&secret)).await.unwrap();
    let verified = next(events, EventKind::MfaChallengeVerified).await;
    assert_eq!(level(&verified.state).0, Aal::Aal2);
    (email, password, enrolment.id, secret)
}

#[tokio::test]
async fn a_verified_totp_factor_makes_the_next_sign_in_need_its_code_and_a_wrong_code_then_an_expired_challenge_still_verify() {
    let dir = support::data_dir("mfa-totp");
    let (core, mut events, _task) = core("mfa-totp", &dir, EngineRules::default()).await;
    let (email, password, factor_id, secret) = user_with_totp(&core, &mut events, "engine-totp").await;
    core.sign_out(LogoutScope::Local).await.unwrap();

    core.sign_in_with_password(email, password).await.unwrap();
    let first = next(&mut events, EventKind::SignedIn).await;
    assert_eq!(step(&first.state), Some(SecondStep::Verify), "{:?}", first.state);
    let StateView::NeedsSecondFactor { user, next_aal, signed_in_at, deadline_at, .. } = &first.state else { unreachable!() };
    assert_eq!((*next_aal, user.factors.iter().find(|f| f.verified()).map(|f| f.friendly_name.as_str())), (Aal::Aal2, Some("Phone app")));
    assert_eq!(core.access_token().await.unwrap_err().code(), "second_factor_required");

    assert_eq!(verify(&core, &factor_id, "000000").await.unwrap_err().code(), "mfa_verification_failed");
    assert_eq!(step(&core.snapshot().state), Some(SecondStep::Verify), "a wrong code keeps the step");
    let aged = http::sql(
        "update auth.mfa_challenges set created_at = created_at - interval '301 seconds' where factor_id = :'f' and verified_at is null returning id",
        &[("f", &factor_id)],
    );
    assert!(!aged.is_empty(), "the wrong code's challenge was kept, and is now expired");
    verify(&core, &factor_id, &http::totp_code(&secret)).await.unwrap();
    let stepped = next(&mut events, EventKind::MfaChallengeVerified).await;
    assert_eq!(level(&stepped.state), (Aal::Aal2, vec!["password".to_string(), "totp".to_string()]));
    let StateView::SignedIn { signed_in_at: after, deadline_at: deadline_after, claims: Some(claims), .. } = &stepped.state else { unreachable!() };
    assert_eq!((after, deadline_after), (signed_in_at, deadline_at), "the deadline counts from the first factor");
    assert_eq!((claims.role.as_str(), claims.is_anonymous), ("authenticated", false));
    let token = core.access_token().await.unwrap();
    let user = http::get("/user", token.expose()).await.ok(200, "GET /user with the aal2 token");
    assert_eq!(user["factors"][0]["status"], "verified");
    core.sign_out(LogoutScope::Local).await.unwrap();
}

#[tokio::test]
async fn removing_a_verified_factor_needs_aal2_a_restart_restores_the_step_and_aal2_and_a_refresh_keeps_aal2() {
    let dir = support::data_dir("mfa-restart");
    let (core_a, mut events, task) = core("mfa-restart", &dir, EngineRules::default()).await;
    let (email, password, factor_id, secret) = user_with_totp(&core_a, &mut events, "engine-restart").await;
    core_a.sign_out(LogoutScope::Local).await.unwrap();
    core_a.sign_in_with_password(email, password).await.unwrap();
    let unenrol = |core: &SessionHandle| {
        let (core, factor_id) = (core.clone(), factor_id.clone());
        async move { core.account(|reply| Account::Unenrol { factor_id, reply }).await }
    };
    let refused = unenrol(&core_a).await.unwrap_err();
    assert_eq!(refused.code(), "insufficient_aal", "{refused}");

    drop((core_a, events));
    task.await.unwrap(); // closed before verifying
    let (core_b, mut events, task) = core("mfa-restart", &dir, EngineRules::default()).await;
    assert_eq!(step(&core_b.snapshot().state), Some(SecondStep::Verify), "restored waiting for the second factor");
    verify(&core_b, &factor_id, &http::totp_code(&secret)).await.unwrap();
    next(&mut events, EventKind::MfaChallengeVerified).await;
    drop((core_b, events));
    task.await.unwrap();

    let clock = TestClock::system();
    let (core_c, mut events, _task) = core_on("mfa-restart", &dir, EngineRules::default(), clock.clone()).await;
    assert_eq!(level(&core_c.snapshot().state).0, Aal::Aal2, "restored at aal2, offline");
    clock.jump(2_400); // past the token's half-life (at most 60 % of its hour): the refresh is due
    let refreshed = next(&mut events, EventKind::TokenRefreshed).await;
    assert_eq!(level(&refreshed.state), (Aal::Aal2, vec!["password".to_string(), "totp".to_string()]), "a refresh keeps aal2");
    unenrol(&core_c).await.unwrap();
    let updated = next(&mut events, EventKind::UserUpdated).await;
    assert!(matches!(&updated.state, StateView::SignedIn { user, .. } if user.factors.is_empty()), "{:?}", updated.state);
    let refreshed = next(&mut events, EventKind::TokenRefreshed).await;
    assert_eq!(level(&refreshed.state), (Aal::Aal1, vec!["password".to_string()]), "the next token counts no second factor");
    core_c.sign_out(LogoutScope::Local).await.unwrap();
}

#[tokio::test]
async fn require_mfa_leads_a_user_without_a_factor_through_enrolment_and_cancelling_signs_out_for_policy() {
    let rules = EngineRules { require_mfa: true, mfa_factors: vec![FactorType::Totp], ..EngineRules::default() };
    let dir = support::data_dir("mfa-policy");
    let (core, mut events, _task) = core("mfa-policy", &dir, rules).await;
    let (_, email, password) = http::new_user("engine-policy").await;
    core.sign_in_with_password(email.clone(), password.clone()).await.unwrap();
    assert_eq!(step(&next(&mut events, EventKind::SignedIn).await.state), Some(SecondStep::Enrol));
    let phone = NewFactor::Phone { friendly_name: "p".into(), phone: http::unique_phone() };
    assert_eq!(enrol(&core, phone).await.unwrap_err().code(), "policy", "only the allowed types");
    core.account(|reply| Account::Cancel { reply }).await.unwrap();
    let out = next(&mut events, EventKind::SignedOut).await;
    assert_eq!(out.reason, Some(latchkey_core::SignOutReason::Policy));

    core.sign_in_with_password(email, password).await.unwrap();
    next(&mut events, EventKind::SignedIn).await;
    let enrolment = enrol(&core, totp()).await.unwrap();
    let secret = enrolment.totp.unwrap().secret.expose().to_string();
    verify(&core, &enrolment.id, &http::totp_code(&secret)).await.unwrap();
    assert_eq!(level(&next(&mut events, EventKind::MfaChallengeVerified).await.state).0, Aal::Aal2);
    core.sign_out(LogoutScope::Local).await.unwrap();
}

#[tokio::test]
async fn phone_sign_in_with_the_test_otp_and_through_the_hook_then_a_phone_factor() {
    let dir = support::data_dir("mfa-phone");
    let (core, mut events, _task) = core("mfa-phone", &dir, EngineRules::default()).await;
    let (test_phone, test_otp) = (support::env("LATCHKEY_STACK_TEST_PHONE"), support::env("LATCHKEY_STACK_TEST_OTP"));
    core.flow(|reply| Flow::SendPhoneCode { phone: test_phone.clone(), reply }).await.unwrap();
    core.flow(|reply| Flow::VerifyPhoneCode { phone: test_phone, code: test_otp, reply }).await.unwrap();
    let e = next(&mut events, EventKind::SignedIn).await;
    assert!(matches!(&e.state, StateView::SignedIn { .. } | StateView::NeedsSecondFactor { .. }), "{:?}", e.state);
    core.sign_out(LogoutScope::Local).await.unwrap();

    let phone = http::unique_phone();
    core.flow(|reply| Flow::SendPhoneCode { phone: phone.clone(), reply }).await.unwrap();
    let code = http::texts_to(&phone).last().expect("a sign-in code through the hook")["otp"].as_str().unwrap().to_string();
    let wrong = core.flow(|reply| Flow::VerifyPhoneCode { phone: phone.clone(), code: "000000".into(), reply }).await.unwrap_err();
    assert_eq!(wrong.code(), "otp_expired");
    core.flow(|reply| Flow::VerifyPhoneCode { phone: phone.clone(), code, reply }).await.unwrap();
    let e = next(&mut events, EventKind::SignedIn).await;
    assert_eq!(level(&e.state), (Aal::Aal1, vec!["otp".to_string()]));
    assert!(matches!(&e.state, StateView::SignedIn { user, .. } if user.phone.as_deref() == Some(phone.trim_start_matches('+'))));

    let factor_phone = http::unique_phone();
    let enrolment = enrol(&core, NewFactor::Phone { friendly_name: "Work phone".into(), phone: factor_phone.clone() }).await.unwrap();
    assert!(enrolment.totp.is_none());
    let factor_id = enrolment.id.clone();
    core.account(|reply| Account::Challenge { factor_id, reply }).await.unwrap();
    let texted = http::texts_to(&factor_phone);
    let last = texted.last().expect("the challenge's code through the hook");
    assert_eq!(last["sms_type"], "mfa");
    verify(&core, &enrolment.id, last["otp"].as_str().unwrap()).await.unwrap();
    let stepped = next(&mut events, EventKind::MfaChallengeVerified).await;
    assert_eq!(level(&stepped.state), (Aal::Aal2, vec!["mfa/phone".to_string(), "otp".to_string()]));
    core.sign_out(LogoutScope::Local).await.unwrap();
}

#[tokio::test]
async fn an_email_change_is_pending_until_confirmed_and_a_password_change_needs_the_current_password() {
    let dir = support::data_dir("mfa-account");
    let (core, mut events, _task) = core("mfa-account", &dir, EngineRules::default()).await;
    let (_, email, password) = http::new_user("engine-account").await;
    core.sign_in_with_password(email.clone(), password.clone()).await.unwrap();
    next(&mut events, EventKind::SignedIn).await;

    let new_email = format!("moved-{}@example.com", http::unique());
    let moved = new_email.clone();
    core.account(|reply| Account::ChangeEmail { email: moved, reply }).await.unwrap();
    let pending = next(&mut events, EventKind::UserUpdated).await;
    assert!(matches!(&pending.state, StateView::SignedIn { user, .. } if user.email == email && user.new_email.as_deref() == Some(new_email.as_str())), "{:?}", pending.state);

    let change = |current: Option<&str>, to: &str| {
        let (current, password) = (current.map(str::to_string), to.to_string());
        move |reply| Account::UpdatePassword { password, current, reply }
    };
    assert_eq!(core.account(change(None, "N3w-Pa55word!")).await.unwrap_err().code(), "current_password_required");
    assert_eq!(core.account(change(Some("not-it"), "N3w-Pa55word!")).await.unwrap_err().code(), "current_password_invalid");
    core.account(change(Some(&password), "N3w-Pa55word!")).await.unwrap();
    next(&mut events, EventKind::UserUpdated).await;
    core.sign_out(LogoutScope::Local).await.unwrap();
    assert_eq!(core.sign_in_with_password(email.clone(), password).await.unwrap_err().code(), "invalid_credentials");
    core.sign_in_with_password(email, "N3w-Pa55word!".into()).await.unwrap();
    core.sign_out(LogoutScope::Local).await.unwrap();
}
