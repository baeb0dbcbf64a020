//! Sign-out scopes and the server part: `others` keeps this device signed in; a `global` or `others` the server did
//! not confirm is kept, retried and reported until it is confirmed or the session's deadline passes.

use super::*;
use crate::api::LogoutScope::{Global, Local, Others};
use crate::events::ServerOutcome;

fn pending_of(rig: &Rig) -> Option<(LogoutScope, String)> {
    rig.handle.snapshot().pending_sign_out.map(|p| (p.scope, p.cause))
}

/// The next SERVER_SIGN_OUT's outcome.
async fn outcome(rig: &mut Rig) -> (LogoutScope, ServerOutcome) {
    let e = rig.next(&[EventKind::ServerSignOut]).await;
    let s = e.server_sign_out.expect("SERVER_SIGN_OUT says how it went");
    (s.scope, s.outcome)
}

#[tokio::test(start_paused = true)]
async fn others_keeps_this_device_signed_in_and_ends_only_the_others() {
    let mut rig = signed_in(HOUR, settings()).await;
    let report = rig.handle.sign_out(Others).await.unwrap();
    assert_eq!(report.server, ServerOutcome::Ended);
    assert!(matches!(rig.handle.snapshot().state, StateView::SignedIn { .. }), "this device was signed out");
    assert!(rig.store.stored().is_some(), "the session was removed from the vault");
    assert_eq!(*rig.api.logouts.lock().unwrap(), vec![Others]);
    assert_eq!(outcome(&mut rig).await, (Others, ServerOutcome::Ended));
    rig.handle.access_token().await.expect("still usable");
}

#[tokio::test(start_paused = true)]
async fn a_global_sign_out_the_server_did_not_confirm_is_kept_for_nothing_but_retrying_it() {
    let mut rig = signed_in(HOUR, settings()).await;
    rig.api.logout_script.lock().unwrap().extend([Err(offline()), Err(offline())]);
    let report = rig.handle.sign_out(Global).await.unwrap();
    assert_eq!((report.server, report.pending.as_ref().map(|p| p.scope)), (ServerOutcome::Pending, Some(Global)));
    assert_eq!(rig.next(&[EventKind::SignedOut]).await.state, signed_out(Some(SignOutReason::User)), "signed out here at once");
    assert_eq!(outcome(&mut rig).await, (Global, ServerOutcome::Pending));
    let record = rig.store.stored().expect("one record is kept");
    assert_eq!((record.pending_sign_out, record.access_token.expose(), record.user.email.as_str()), (Some(Global), "", ""));
    assert_eq!(pending_of(&rig), Some((Global, "server_unreachable".into())));
    assert_eq!(rig.handle.access_token().await.unwrap_err().code(), "not_signed_in", "the record is no session");

    // Retried (refresh, then /logout) until the server confirms; then nothing is left.
    assert_eq!(outcome(&mut rig).await, (Global, ServerOutcome::Ended));
    assert_eq!(*rig.api.logouts.lock().unwrap(), vec![Global, Global, Global]);
    assert!(rig.api.refreshes.load(std::sync::atomic::Ordering::SeqCst) >= 2, "each retry refreshes first");
    assert!(rig.store.stored().is_none() && pending_of(&rig).is_none());
}

#[tokio::test(start_paused = true)]
async fn a_pending_sign_out_is_given_up_at_the_sessions_deadline() {
    let mut rig = signed_in(HOUR, EngineRules { max_session_age: std::time::Duration::from_secs(600), ..settings() }).await;
    rig.api.logout_script.lock().unwrap().extend((0..10_000).map(|_| Err(offline())));
    assert_eq!(rig.handle.sign_out(Global).await.unwrap().server, ServerOutcome::Pending);
    assert_eq!(outcome(&mut rig).await, (Global, ServerOutcome::Pending));
    assert_eq!(outcome(&mut rig).await, (Global, ServerOutcome::Abandoned));
    assert!(rig.clock.now_ms() >= T0 + 600_000, "not before the deadline");
    assert!(rig.store.stored().is_none() && pending_of(&rig).is_none());
}

#[tokio::test(start_paused = true)]
async fn a_failed_others_sign_out_keeps_this_device_signed_in_and_retries() {
    let mut rig = signed_in(HOUR, settings()).await;
    rig.api.logout_script.lock().unwrap().push_back(Err(server_status(503, "unknown", "down")));
    let report = rig.handle.sign_out(Others).await.unwrap();
    assert_eq!(report.server, ServerOutcome::Pending);
    assert_eq!(rig.store.stored().unwrap().pending_sign_out, Some(Others), "kept in the vault for a restart");
    assert!(matches!(rig.handle.snapshot().state, StateView::SignedIn { .. }));
    assert_eq!(outcome(&mut rig).await, (Others, ServerOutcome::Pending));
    assert_eq!(outcome(&mut rig).await, (Others, ServerOutcome::Ended));
    assert_eq!(rig.store.stored().unwrap().pending_sign_out, None);
}

#[tokio::test(start_paused = true)]
async fn a_refused_sign_out_is_reported_not_retried() {
    let mut rig = signed_in(HOUR, settings()).await;
    rig.api.logout_script.lock().unwrap().push_back(Err(server("session_not_found", "gone")));
    assert_eq!(rig.handle.sign_out(Global).await.unwrap().server, ServerOutcome::NotEnded);
    assert_eq!(outcome(&mut rig).await, (Global, ServerOutcome::NotEnded));
    assert!(rig.store.stored().is_none());
}

#[tokio::test(start_paused = true)]
async fn a_pending_global_sign_out_is_retried_after_a_restart() {
    let store = Arc::new(TestStore::default());
    let mut record = crate::testing::session(T0 / 1000 - 60);
    record.pending_sign_out = Some(Global);
    store.preload(&record);
    let mut rig = rig_with(FakeApi::new(HOUR), store, settings()).await;
    assert_eq!(rig.handle.snapshot().state, signed_out(Some(SignOutReason::User)));
    assert_eq!(outcome(&mut rig).await, (Global, ServerOutcome::Ended));
    assert!(rig.store.stored().is_none());
}

#[tokio::test(start_paused = true)]
async fn local_while_others_waits_ends_every_session_and_a_new_sign_in_takes_over_a_pending_global() {
    let mut rig = signed_in(HOUR, settings()).await;
    rig.api.logout_script.lock().unwrap().extend([Err(offline()), Err(offline())]);
    assert_eq!(rig.handle.sign_out(Others).await.unwrap().server, ServerOutcome::Pending);
    assert_eq!(rig.handle.sign_out(Local).await.unwrap().server, ServerOutcome::Pending, "it became global");
    assert_eq!(rig.api.logouts.lock().unwrap().last(), Some(&Global));
    rig.handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    let signed_in = rig.next(&[EventKind::SignedIn]).await;
    assert_eq!(signed_in.pending_sign_out.map(|p| p.scope), Some(Others), "the new session asks for the others");
    loop {
        if outcome(&mut rig).await == (Others, ServerOutcome::Ended) {
            break;
        }
    }
    assert!(matches!(rig.handle.snapshot().state, StateView::SignedIn { .. }));
}

#[tokio::test(start_paused = true)]
async fn sign_out_with_nothing_loaded_still_removes_the_sealed_session() {
    let store = Arc::new(TestStore::default());
    store.preload(&crate::testing::session(T0 / 1000));
    store.fail("keychain_locked");
    let rig = rig_with(FakeApi::new(HOUR), store.clone(), settings()).await;
    assert_eq!(rig.handle.snapshot().state, signed_out(Some(SignOutReason::StorageUnavailable)));
    let report = rig.handle.sign_out(Local).await.unwrap();
    assert_eq!(report.server, ServerOutcome::NoSession);
    assert!(report.problems[0].contains("keychain_locked"), "it says what it could not do: {:?}", report.problems);
    store.heal();
    rig.handle.sign_out(Local).await.unwrap();
    assert!(store.stored().is_none(), "the sealed session is gone");

    let store = Arc::new(TestStore::default());
    store.preload(&crate::testing::session(T0 / 1000));
    let rig = rig_with(FakeApi::new(HOUR), store.clone(), EngineRules { policy_error: Some("broken".into()), ..settings() }).await;
    assert_eq!(rig.handle.sign_out(Local).await.unwrap().problems, Vec::<String>::new());
    assert!(store.stored().is_none(), "under a policy error too");
    assert_eq!(rig.handle.sign_out(Others).await.unwrap_err().code(), "not_signed_in");
}

#[tokio::test(start_paused = true)]
async fn a_process_that_cannot_keep_the_record_never_spends_its_refresh_token() {
    let store = Arc::new(TestStore::default());
    let mut record = crate::testing::session(T0 / 1000 - 60);
    record.pending_sign_out = Some(Global);
    store.preload(&record);
    let mut rig = rig_with(FakeApi::new(HOUR), store.clone(), settings()).await;
    store.fail("storage_busy"); // as a reader without the vault lock (status, doctor)
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    assert_eq!(rig.api.refreshes.load(std::sync::atomic::Ordering::SeqCst), 0, "a rotation it could not save");
    assert!(rig.api.logouts.lock().unwrap().is_empty());
    store.heal(); // the lock holder
    assert_eq!(outcome(&mut rig).await, (Global, ServerOutcome::Ended));
}
