//! An engine without the vault lock: it never refreshes, adopts what the lock holder saves, signs out when the holder
//! clears the vault, and renews the session once it takes the lock over.

use super::*;
use crate::secret::{AccessToken, RefreshToken};
use crate::testing::session as sample;
use crate::vault::VaultLock;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// What the holder saves after refreshing at `at_s`: new tokens, the same sign-in.
fn refreshed_by_holder(signed_in_at: i64, at_s: i64) -> crate::session::Session {
    crate::session::Session {
        access_token: AccessToken::new("holders-at".into()),
        refresh_token: RefreshToken::new("holders-rt".into()),
        access_expires_at: at_s + HOUR,
        last_refresh_at: Some(at_s),
        ..sample(signed_in_at)
    }
}

async fn following() -> Rig {
    let store = Arc::new(TestStore::following());
    store.write_as_holder(Some(&sample(T0 / 1000))); // the holder signed in at T0, an hour-long token
    let rig = rig_with(FakeApi::new(HOUR), store, settings()).await;
    assert!(matches!(rig.handle.snapshot().state, StateView::SignedIn { .. }), "restored from the holder's vault");
    rig
}

#[tokio::test(start_paused = true)]
async fn without_the_lock_it_never_refreshes_and_adopts_the_holders_refresh() {
    let mut rig = following().await;
    tokio::time::sleep(Duration::from_secs(2 * HOUR as u64)).await; // past half-life and past expiry
    assert_eq!(rig.api.refreshes.load(Ordering::SeqCst), 0, "no /token without the lock");
    assert_eq!(rig.handle.access_token().await.unwrap_err().code(), "storage_busy", "an expired token is not renewed here");

    rig.store.write_as_holder(Some(&refreshed_by_holder(T0 / 1000, rig.now_s())));
    rig.handle.vault_changed();
    let e = rig.next(&[EventKind::TokenRefreshed, EventKind::SignedOut]).await;
    assert_eq!(e.event, EventKind::TokenRefreshed);
    assert_eq!(rig.handle.access_token().await.unwrap().expose(), "holders-at");
    assert_eq!(rig.api.refreshes.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn the_holders_sign_out_signs_this_process_out() {
    let mut rig = following().await;
    rig.store.write_as_holder(None);
    rig.handle.vault_changed();
    let out = rig.next(&[EventKind::SignedOut]).await;
    assert_eq!(out.reason, Some(SignOutReason::User));
    assert_eq!(rig.handle.snapshot().state, signed_out(Some(SignOutReason::User)));
}

#[tokio::test(start_paused = true)]
async fn taking_the_lock_over_makes_this_process_the_one_that_refreshes() {
    let mut rig = following().await;
    tokio::time::sleep(Duration::from_secs(HOUR as u64 - 60)).await; // refresh overdue, token still valid
    assert_eq!(rig.api.refreshes.load(Ordering::SeqCst), 0);
    let dir = crate::testing::temp_dir("follow-take-over");
    let lock = VaultLock::acquire(&dir, Duration::ZERO).unwrap();
    let handle = rig.handle.clone();
    tokio::task::spawn_blocking(move || handle.took_lock(lock)).await.unwrap();
    assert_eq!(rig.next(&[EventKind::TokenRefreshed, EventKind::SignedOut]).await.event, EventKind::TokenRefreshed);
    assert_eq!(rig.api.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(rig.store.stored().unwrap().refresh_token.expose(), "rt-1", "saved: this process writes the vault now");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(start_paused = true)]
async fn a_writer_ignores_changes_to_the_vault() {
    let mut rig = signed_in(HOUR, settings()).await;
    rig.store.write_as_holder(None); // nobody else writes a locked vault; if something did, the owner keeps its session
    rig.handle.vault_changed();
    assert_eq!(rig.handle.access_token().await.unwrap().expose(), "at-0", "answered after the change was handled");
    assert!(matches!(rig.handle.snapshot().state, StateView::SignedIn { .. }));
    assert!(rig.events.try_recv().is_err(), "nothing published");
}

#[tokio::test(start_paused = true)]
async fn a_pending_global_sign_out_is_retried_by_the_holder_only() {
    let store = Arc::new(TestStore::following());
    let record = crate::session::Session { pending_sign_out: Some(LogoutScope::Global), ..sample(T0 / 1000) };
    store.write_as_holder(Some(&record));
    let mut rig = rig_with(FakeApi::new(HOUR), store, settings()).await;
    tokio::time::sleep(Duration::from_secs(600)).await;
    assert_eq!(rig.api.refreshes.load(Ordering::SeqCst), 0, "no /token without the lock");
    assert!(rig.api.logouts.lock().unwrap().is_empty());

    let dir = crate::testing::temp_dir("follow-pending");
    let lock = VaultLock::acquire(&dir, Duration::ZERO).unwrap();
    let handle = rig.handle.clone();
    tokio::task::spawn_blocking(move || handle.took_lock(lock)).await.unwrap();
    rig.next(&[EventKind::ServerSignOut]).await;
    assert_eq!(*rig.api.logouts.lock().unwrap(), vec![LogoutScope::Global], "retried once this process holds the lock");
    let _ = std::fs::remove_dir_all(dir);
}
