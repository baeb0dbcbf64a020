//! The deadlines: the absolute timeout (with its warnings), the idle timeout, revocation checks, and wall-clock jumps.

use super::*;
use crate::testing::{session as sample, user};
use crate::vault::SessionStore;
use std::sync::atomic::Ordering;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn the_absolute_deadline_warns_then_signs_out_and_revokes() {
    let s = EngineRules { max_session_age: std::time::Duration::from_secs(300), expiring_warnings: vec![std::time::Duration::from_secs(120), std::time::Duration::from_secs(30)], ..settings() };
    let mut rig = signed_in(HOUR, s).await;
    let warn = rig.next(&[EventKind::SessionExpiring]).await;
    assert_eq!((warn.remaining, rig.now_s() - T0 / 1000), (Some(120), 180));
    let warn = rig.next(&[EventKind::SessionExpiring]).await;
    assert_eq!(warn.remaining, Some(30));
    let out = rig.next(&[EventKind::SignedOut]).await;
    assert_eq!((out.reason, rig.now_s() - T0 / 1000), (Some(SignOutReason::Timeout), 300));
    assert!(rig.store.stored().is_none());
    assert_eq!(rig.handle.access_token().await.unwrap_err().code(), "not_signed_in");
    tokio::task::yield_now().await;
    assert_eq!(*rig.api.logouts.lock().unwrap(), vec![LogoutScope::Local], "revoked while the token was valid");
}

#[tokio::test(start_paused = true)]
async fn the_timeout_survives_a_restart() {
    let store = Arc::new(TestStore::default());
    store.save(&sample(T0 / 1000 - 24 * HOUR - 1)).unwrap();
    let rig = rig_with(FakeApi::new(HOUR), store.clone(), settings()).await;
    assert_eq!(rig.handle.snapshot(), Snapshot::of(1, signed_out(Some(SignOutReason::Timeout))));
    assert!(store.stored().is_none());
}

#[tokio::test(start_paused = true)]
async fn a_wall_clock_jump_past_the_deadline_signs_out_within_the_check_interval() {
    let mut rig = signed_in(HOUR, settings()).await;
    let before = Instant::now();
    rig.clock.jump(25 * HOUR); // a suspended laptop: wall time moved, monotonic time did not
    let out = rig.next(&[EventKind::SignedOut]).await;
    assert_eq!(out.reason, Some(SignOutReason::Timeout));
    assert!(before.elapsed() <= std::time::Duration::from_secs(60), "noticed after {:?}", before.elapsed());
}

#[tokio::test(start_paused = true)]
async fn a_wall_clock_jump_past_expiry_refreshes_at_once() {
    let mut rig = signed_in(HOUR, settings()).await;
    let before = Instant::now();
    rig.clock.jump(2 * HOUR);
    assert_eq!(rig.next(&[EventKind::TokenRefreshed, EventKind::SignedOut]).await.event, EventKind::TokenRefreshed);
    assert!(before.elapsed() <= std::time::Duration::from_secs(60));
}

#[tokio::test(start_paused = true)]
async fn a_resume_checks_for_revocation_at_once_but_still_obeys_retry_after() {
    let api = FakeApi::new(HOUR);
    api.user_script.lock().unwrap().extend([Ok(user()), Err(server_status(403, "session_not_found", "gone"))]);
    let daily = EngineRules { user_check_interval: std::time::Duration::from_secs(24 * 3600), ..settings() };
    let mut rig = rig_with(api, Arc::new(TestStore::default()), daily).await;
    rig.handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    rig.api.then_refresh(Err(AuthError::RateLimited { retry_after_secs: Some(3_000), message: "later".into() }));
    rig.next(&[EventKind::RefreshRetrying]).await;
    let before = Instant::now();
    let refreshes = rig.api.refreshes.load(Ordering::SeqCst);
    rig.handle.resumed().await;
    let out = rig.next(&[EventKind::SignedOut]).await;
    assert_eq!(out.reason, Some(SignOutReason::Revoked));
    assert!(before.elapsed() < std::time::Duration::from_secs(1), "found {:?} after the resume, not at the next 10-minute check", before.elapsed());
    assert_eq!(rig.api.refreshes.load(Ordering::SeqCst), refreshes, "no refresh before Retry-After, resume or not");
}

#[tokio::test(start_paused = true)]
async fn the_idle_timeout_is_pushed_back_by_touch() {
    let s = EngineRules { idle_timeout: Some(std::time::Duration::from_secs(300)), ..settings() };
    let mut rig = signed_in(HOUR, s).await;
    tokio::time::sleep(std::time::Duration::from_secs(200)).await;
    rig.handle.touch().await;
    let out = rig.next(&[EventKind::SignedOut]).await;
    assert_eq!((out.reason, rig.now_s() - T0 / 1000), (Some(SignOutReason::IdleTimeout), 500));
}

#[tokio::test(start_paused = true)]
async fn revocation_elsewhere_is_detected_by_the_user_check() {
    let api = FakeApi::new(HOUR);
    api.user_script.lock().unwrap().extend([Ok(user()), Err(server_status(403, "session_not_found", "gone"))]);
    let mut rig = rig_with(api, Arc::new(TestStore::default()), settings()).await;
    rig.handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    let out = rig.next(&[EventKind::SignedOut]).await;
    assert_eq!(out.reason, Some(SignOutReason::Revoked));
    assert_eq!(rig.now_s() - T0 / 1000, 600, "found by the second check, one interval later");
}
