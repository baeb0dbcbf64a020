//! Sign-in, sign-out, restore and the vault: what is saved, what is published, and what a refusal changes.

use super::*;
use crate::session::{Freshness, Persistence, User};
use crate::testing::session as sample;
use crate::vault::SessionStore;
use std::sync::atomic::Ordering;

#[tokio::test(start_paused = true)]
async fn initial_session_is_the_first_event_and_needs_no_network() {
    let store = Arc::new(TestStore::default());
    store.save(&sample((T0 / 1000) - 10)).unwrap();
    let api = FakeApi::new(HOUR);
    let (handle, task) = start(api.clone(), store, TestClock::at(T0), settings());
    let mut events = handle.subscribe();
    tokio::spawn(task);
    let first = events.recv().await.unwrap();
    assert_eq!((first.seq, first.event), (1, EventKind::InitialSession));
    assert!(matches!(first.state, StateView::SignedIn { freshness: Freshness::Fresh, .. }), "{:?}", first.state);
    assert_eq!(api.refreshes.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn sign_in_saves_to_the_vault_then_publishes_signed_in() {
    let rig = signed_in(HOUR, settings()).await;
    let saved = rig.store.stored().unwrap();
    assert_eq!((saved.refresh_token.expose(), saved.signed_in_at), ("rt-0", T0 / 1000));
    assert!(matches!(rig.handle.snapshot().state, StateView::SignedIn { deadline_at, .. } if deadline_at == T0 / 1000 + 24 * HOUR));
}

#[tokio::test(start_paused = true)]
async fn wrong_password_is_invalid_credentials_and_changes_nothing() {
    let rig = rig_with(FakeApi::new(HOUR), Arc::new(TestStore::default()), settings()).await;
    let err = rig.handle.sign_in_with_password("a@b.c".into(), "bad".into()).await.unwrap_err();
    assert_eq!(err.code(), "invalid_credentials");
    assert_eq!(rig.handle.snapshot(), Snapshot::of(1, signed_out(None)));
}

#[tokio::test(start_paused = true)]
async fn a_sign_in_the_vault_refuses_is_kept_in_memory_only_and_says_so() {
    let store = Arc::new(TestStore::default());
    let rig = rig_with(FakeApi::new(HOUR), store.clone(), settings()).await;
    store.fail("keychain_locked");
    rig.handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    assert!(matches!(rig.handle.snapshot().state, StateView::SignedIn { persistence: Persistence::MemoryOnly, .. }));
    assert!(rig.api.logouts.lock().unwrap().is_empty(), "the session is in use, not revoked");
}

#[tokio::test(start_paused = true)]
async fn sign_out_clears_the_vault_first_then_revokes_with_the_chosen_scope() {
    for scope in [LogoutScope::Local, LogoutScope::Global] {
        let rig = signed_in(HOUR, settings()).await;
        let report = rig.handle.sign_out(scope).await.unwrap();
        assert_eq!((report.server, report.problems.len()), (crate::events::ServerOutcome::Ended, 0));
        assert!(rig.store.stored().is_none());
        assert_eq!(rig.handle.snapshot().state, signed_out(Some(SignOutReason::User)));
        assert_eq!(*rig.api.logouts.lock().unwrap(), vec![scope]);
        assert_eq!(rig.handle.access_token().await.unwrap_err().code(), "not_signed_in");
    }
}

#[tokio::test(start_paused = true)]
async fn storage_problems_at_start_are_named() {
    for (failure, reason) in [("keychain_unavailable", SignOutReason::StorageUnavailable), ("storage_corrupt", SignOutReason::StorageCorrupt)] {
        let store = Arc::new(TestStore::default());
        store.fail(failure);
        let rig = rig_with(FakeApi::new(HOUR), store, settings()).await;
        assert_eq!(rig.handle.snapshot().state, signed_out(Some(reason)));
    }
}

#[tokio::test(start_paused = true)]
async fn a_changed_user_is_published_as_user_updated() {
    let api = FakeApi::new(HOUR);
    api.user_script.lock().unwrap().push_back(Ok(User { id: "u1".into(), email: "new@b.c".into(), ..User::default() }));
    let mut rig = rig_with(api, Arc::new(TestStore::default()), settings()).await;
    rig.handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    let e = rig.next(&[EventKind::UserUpdated]).await;
    assert!(matches!(e.state, StateView::SignedIn { ref user, .. } if user.email == "new@b.c"));
    assert_eq!(rig.store.stored().unwrap().user.email, "new@b.c");
}

#[tokio::test(start_paused = true)]
async fn events_name_their_session_by_user_id_and_hashed_session_id_for_the_audit_log() {
    let mut rig = rig_with(FakeApi::new(HOUR), Arc::new(TestStore::default()), settings()).await;
    rig.handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    let expected = crate::events::Subject { user_id: "u1".into(), email: "a@b.c".into(), session_hash: Some(crate::events::hash_session_id("sid")) };
    assert_eq!(rig.next(&[EventKind::SignedIn]).await.subject.as_ref(), Some(&expected));
    rig.handle.sign_out(LogoutScope::Local).await.unwrap();
    let out = rig.next(&[EventKind::SignedOut]).await;
    assert_eq!(out.subject.as_ref(), Some(&expected), "the ended session is named even though it is gone");
    let shown = serde_json::to_string(&out).unwrap();
    assert!(!shown.contains("subject") && !shown.contains("u1"), "the webview shape is unchanged: {shown}");
}
