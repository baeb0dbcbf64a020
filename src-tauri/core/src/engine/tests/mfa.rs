//! The second factor as a state of the engine: what `needs_second_factor` refuses and keeps doing, step-up, retries,
//! the policy's enrolment, and the password and e-mail changes (on the scripted server; the real one: core_mfa).

use super::*;
use crate::api::{LogoutScope, NewFactor};
use crate::assurance::{Aal, FactorType};
use crate::engine::Account;
use crate::events::ServerOutcome;
use crate::session::{SecondStep, User};
use crate::testing::GOOD_CODE;
use std::sync::atomic::Ordering;

fn totp() -> NewFactor {
    NewFactor::Totp { friendly_name: "Phone app".into(), issuer: "Latchkey".into() }
}

async fn verify(rig: &Rig, factor_id: &str, code: &str) -> Result<(), AuthError> {
    let (factor_id, code) = (factor_id.to_string(), code.to_string());
    rig.handle.account(|reply| Account::Verify { factor_id, code, reply }).await
}

async fn cancel(rig: &Rig) -> Result<(), AuthError> {
    rig.handle.account(|reply| Account::Cancel { reply }).await
}

fn step_of(state: &StateView) -> Option<SecondStep> {
    match state {
        StateView::NeedsSecondFactor { step, .. } => Some(*step),
        _ => None,
    }
}

fn aal_of(state: &StateView) -> Option<Aal> {
    match state {
        StateView::SignedIn { claims, .. } => claims.as_ref().map(|c| c.aal),
        _ => None,
    }
}

/// A user with a verified TOTP factor, signed in with the password only.
async fn needing_second_factor(rules: EngineRules) -> Rig {
    let api = FakeApi::new(HOUR);
    api.mfa.with_verified_totp();
    let mut rig = rig_with(api, Arc::new(TestStore::default()), rules).await;
    rig.handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    rig.next(&[EventKind::SignedIn]).await;
    rig
}

#[tokio::test(start_paused = true)]
async fn a_verified_factor_makes_the_session_need_it_and_no_token_is_handed_out_meanwhile() {
    let mut rig = needing_second_factor(settings()).await;
    let state = rig.handle.snapshot().state;
    assert_eq!(step_of(&state), Some(SecondStep::Verify), "{state:?}");
    assert!(matches!(state, StateView::NeedsSecondFactor { next_aal: Aal::Aal2, deadline_at, .. } if deadline_at == T0 / 1000 + 24 * HOUR));
    assert_eq!(rig.handle.access_token().await.unwrap_err().code(), "second_factor_required");
    let refreshed = rig.next(&[EventKind::TokenRefreshed]).await;
    assert_eq!(step_of(&refreshed.state), Some(SecondStep::Verify), "refreshing goes on in the state");
    assert!(rig.api.refreshes.load(Ordering::SeqCst) >= 1);
}

#[tokio::test(start_paused = true)]
async fn a_wrong_code_can_be_retried_and_the_right_one_steps_up_to_aal2_keeping_the_deadline() {
    let mut rig = needing_second_factor(settings()).await;
    assert_eq!(verify(&rig, "f-0", "000000").await.unwrap_err().code(), "mfa_verification_failed");
    assert_eq!(step_of(&rig.handle.snapshot().state), Some(SecondStep::Verify));
    rig.clock.jump(600);
    verify(&rig, "f-0", GOOD_CODE).await.unwrap();
    let e = rig.next(&[EventKind::MfaChallengeVerified]).await;
    assert_eq!(aal_of(&e.state), Some(Aal::Aal2), "{:?}", e.state);
    assert!(matches!(e.state, StateView::SignedIn { deadline_at, .. } if deadline_at == T0 / 1000 + 24 * HOUR), "from the first factor");
    assert_eq!(rig.api.mfa.challenges.load(Ordering::SeqCst), 1, "the wrong code kept its challenge");
    assert_eq!(rig.handle.access_token().await.unwrap().expose(), "at-mfa");
    assert_eq!(rig.store.stored().unwrap().refresh_token.expose(), "rt-mfa", "saved before it was published");
}

#[tokio::test(start_paused = true)]
async fn an_expired_challenge_is_made_again_and_the_same_code_answers_it() {
    let mut rig = needing_second_factor(settings()).await;
    let expired = AuthError::Server { status: 422, code: "mfa_challenge_expired".into(), message: "expired".into() };
    rig.api.mfa.verify_script.lock().unwrap().push_back(expired);
    verify(&rig, "f-0", GOOD_CODE).await.unwrap();
    rig.next(&[EventKind::MfaChallengeVerified]).await;
    assert_eq!(rig.api.mfa.challenges.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_restart_restores_the_second_factor_step_and_the_level() {
    let rig = needing_second_factor(settings()).await;
    let store = rig.store.clone();
    let again = rig_with(rig.api.clone(), store.clone(), settings()).await;
    assert_eq!(step_of(&again.handle.snapshot().state), Some(SecondStep::Verify));
    verify(&again, "f-0", GOOD_CODE).await.unwrap();
    let restored = rig_with(rig.api.clone(), store, settings()).await;
    assert_eq!(aal_of(&restored.handle.snapshot().state), Some(Aal::Aal2));
}

#[tokio::test(start_paused = true)]
async fn cancelling_the_second_factor_signs_out() {
    let rig = needing_second_factor(settings()).await;
    cancel(&rig).await.unwrap();
    assert_eq!(rig.handle.snapshot().state, signed_out(Some(SignOutReason::User)));
}

#[tokio::test(start_paused = true)]
async fn require_mfa_leads_a_user_without_a_factor_to_enrol_and_cancelling_is_a_policy_sign_out() {
    let rules = EngineRules { require_mfa: true, ..settings() };
    let rig = signed_in(HOUR, rules.clone()).await;
    assert_eq!(step_of(&rig.handle.snapshot().state), Some(SecondStep::Enrol));
    cancel(&rig).await.unwrap();
    assert_eq!(rig.handle.snapshot().state, signed_out(Some(SignOutReason::Policy)));

    let mut rig = signed_in(HOUR, rules).await;
    let enrolment = rig.handle.account(|reply| Account::Enrol { factor: totp(), reply }).await.unwrap();
    assert_eq!(enrolment.totp.unwrap().secret.expose(), crate::testing::TOTP_SECRET);
    verify(&rig, &enrolment.id, GOOD_CODE).await.unwrap();
    let e = rig.next(&[EventKind::MfaChallengeVerified]).await;
    assert_eq!(aal_of(&e.state), Some(Aal::Aal2));
    let factors = match e.state {
        StateView::SignedIn { user, .. } => user.factors,
        other => panic!("{other:?}"),
    };
    assert!(factors.iter().any(|f| f.id == enrolment.id && f.verified()), "{factors:?}");
}

#[tokio::test(start_paused = true)]
async fn policy_limits_the_factor_types_and_keeps_the_last_factor_it_requires() {
    let rig = signed_in(HOUR, EngineRules { mfa_factors: vec![FactorType::Phone], ..settings() }).await;
    let err = rig.handle.account(|reply| Account::Enrol { factor: totp(), reply }).await.unwrap_err();
    assert_eq!((err.code(), rig.api.mfa.enrolments.load(Ordering::SeqCst)), ("policy", 0));

    let mut rig = needing_second_factor(EngineRules { require_mfa: true, ..settings() }).await;
    verify(&rig, "f-0", GOOD_CODE).await.unwrap();
    rig.next(&[EventKind::MfaChallengeVerified]).await;
    let err = rig.handle.account(|reply| Account::Unenrol { factor_id: "f-0".into(), reply }).await.unwrap_err();
    assert_eq!(err.code(), "policy");
    let err = verify(&rig, "f-unknown", GOOD_CODE).await.unwrap_err();
    assert_eq!(err.code(), "mfa_factor_not_found");
}

#[tokio::test(start_paused = true)]
async fn unenrolling_updates_the_user_and_the_next_token_carries_the_level_left() {
    let mut rig = needing_second_factor(settings()).await;
    verify(&rig, "f-0", GOOD_CODE).await.unwrap();
    rig.next(&[EventKind::MfaChallengeVerified]).await;
    rig.handle.account(|reply| Account::Unenrol { factor_id: "f-0".into(), reply }).await.unwrap();
    let updated = rig.next(&[EventKind::UserUpdated]).await;
    assert!(matches!(updated.state, StateView::SignedIn { ref user, .. } if user.factors.is_empty()));
    let refreshed = rig.next(&[EventKind::TokenRefreshed]).await;
    assert_eq!(aal_of(&refreshed.state), Some(Aal::Aal1));
}

#[tokio::test(start_paused = true)]
async fn a_password_change_needs_the_current_password_and_an_email_change_shows_the_pending_address() {
    let mut rig = signed_in(HOUR, settings()).await;
    let change = |current: Option<&str>| {
        let current = current.map(str::to_string);
        move |reply| Account::UpdatePassword { password: "new-pw".into(), current, reply }
    };
    assert_eq!(rig.handle.account(change(None)).await.unwrap_err().code(), "current_password_required");
    assert!(rig.api.user_changes.lock().unwrap().is_empty(), "refused before the server was asked");
    rig.handle.account(change(Some("good"))).await.unwrap();
    rig.handle.account(|reply| Account::ChangeEmail { email: "new@b.c".into(), reply }).await.unwrap();
    assert_eq!(*rig.api.user_changes.lock().unwrap(), ["password (current)", "email new@b.c"]);
    rig.next(&[EventKind::UserUpdated]).await; // the password's
    let e = rig.next(&[EventKind::UserUpdated]).await;
    assert!(matches!(e.state, StateView::SignedIn { ref user, .. } if user.new_email.as_deref() == Some("new@b.c")), "{:?}", e.state);

    let rig = needing_second_factor(settings()).await;
    let err = rig.handle.account(|reply| Account::ChangeEmail { email: "x@b.c".into(), reply }).await.unwrap_err();
    assert_eq!(err.code(), "second_factor_required");
}

#[tokio::test(start_paused = true)]
async fn a_verified_second_factor_keeps_an_others_sign_out_the_server_has_not_confirmed() {
    let rig = needing_second_factor(settings()).await;
    rig.api.logout_script.lock().unwrap().extend((0..10_000).map(|_| Err(offline())));
    assert_eq!(rig.handle.sign_out(LogoutScope::Others).await.unwrap().server, ServerOutcome::Pending);
    verify(&rig, "f-0", GOOD_CODE).await.unwrap();
    assert_eq!(rig.store.stored().unwrap().pending_sign_out, Some(LogoutScope::Others), "the aal2 session still asks");
    assert_eq!(rig.handle.snapshot().pending_sign_out.map(|p| p.scope), Some(LogoutScope::Others));
}

#[tokio::test(start_paused = true)]
async fn a_global_sign_outs_record_keeps_the_users_id_but_not_their_factors_or_claims() {
    let rig = needing_second_factor(settings()).await;
    let user_id = rig.store.stored().unwrap().user.id;
    rig.api.logout_script.lock().unwrap().extend((0..10_000).map(|_| Err(offline())));
    assert_eq!(rig.handle.sign_out(LogoutScope::Global).await.unwrap().server, ServerOutcome::Pending);
    let record = rig.store.stored().expect("one record is kept");
    assert_eq!((record.user, record.claims), (User { id: user_id, ..User::default() }, None));
}
