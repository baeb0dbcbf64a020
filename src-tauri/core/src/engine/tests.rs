use super::*;
use crate::api::Grant;
use crate::keychain::MemoryStore;
use crate::secret::{AccessToken, RefreshToken};
use crate::session::User;
use std::sync::Mutex;

struct FixedClock(i64);
impl Clock for FixedClock {
    fn now_unix(&self) -> i64 {
        self.0
    }
}

/// Records every call; password "good" succeeds, anything else is invalid_credentials.
#[derive(Default, Clone)]
struct FakeApi {
    calls: Arc<Mutex<Vec<String>>>,
}

impl FakeApi {
    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
    fn grant() -> Grant {
        Grant {
            access_token: AccessToken::new("at".into()),
            refresh_token: RefreshToken::new("rt".into()),
            expires_in: 3600,
            session_id: Some("sid".into()),
            user: User { id: "u1".into(), email: "a@b.c".into() },
        }
    }
}

impl AuthApi for FakeApi {
    async fn password_grant(&self, email: &str, password: &str) -> Result<Grant, AuthError> {
        self.calls.lock().unwrap().push(format!("password {email}"));
        match password {
            "good" => Ok(Self::grant()),
            _ => Err(AuthError::Server { status: 400, code: "invalid_credentials".into(), message: "Invalid login credentials".into() }),
        }
    }
    async fn refresh_grant(&self, _: &RefreshToken) -> Result<Grant, AuthError> {
        self.calls.lock().unwrap().push("refresh".into());
        Ok(Self::grant())
    }
    async fn logout(&self, _: &AccessToken, scope: LogoutScope) -> Result<(), AuthError> {
        self.calls.lock().unwrap().push(format!("logout {scope:?}"));
        Ok(())
    }
}

fn boot(api: FakeApi, store: Arc<MemoryStore>, now: i64) -> SessionHandle {
    let (handle, task) = start(api, store, FixedClock(now));
    tokio::spawn(task);
    handle
}

fn signed_out(reason: Option<SignOutReason>) -> StateView {
    StateView::SignedOut { reason }
}

#[tokio::test]
async fn initial_session_is_the_first_event_and_needs_no_network() {
    let store = Arc::new(MemoryStore::default());
    store.save(&crate::session::sample(500).to_record()).unwrap();
    let api = FakeApi::default();
    let (handle, task) = start(api.clone(), store, FixedClock(1000));
    let mut events = handle.subscribe();
    tokio::spawn(task);
    let first = events.recv().await.unwrap();
    assert_eq!((first.seq, first.event), (1, EventKind::InitialSession));
    assert!(matches!(first.state, StateView::SignedIn { signed_in_at: 500, .. }), "{:?}", first.state);
    assert!(api.calls().is_empty(), "network was used: {:?}", api.calls());
}

#[tokio::test]
async fn sign_in_saves_to_the_keychain_then_publishes_signed_in() {
    let store = Arc::new(MemoryStore::default());
    let handle = boot(FakeApi::default(), store.clone(), 1000);
    handle.initialized().await;
    let mut events = handle.subscribe();
    handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    let ev = events.recv().await.unwrap();
    assert_eq!((ev.seq, ev.event), (2, EventKind::SignedIn));
    assert_eq!(handle.snapshot().seq, 2);
    let saved = Session::from_record(store.load().unwrap().unwrap().expose_secret()).unwrap();
    assert_eq!((saved.refresh_token.expose(), saved.signed_in_at, saved.access_expires_at), ("rt", 1000, 4600));
}

#[tokio::test]
async fn wrong_password_is_invalid_credentials_and_changes_nothing() {
    let store = Arc::new(MemoryStore::default());
    let handle = boot(FakeApi::default(), store.clone(), 1000);
    handle.initialized().await;
    let err = handle.sign_in_with_password("a@b.c".into(), "bad".into()).await.unwrap_err();
    assert_eq!(err.code(), "invalid_credentials");
    assert_eq!(handle.snapshot(), Snapshot { seq: 1, state: signed_out(None) });
    assert!(store.load().unwrap().is_none());
}

#[tokio::test]
async fn a_sign_in_the_keychain_refuses_is_reported_and_revoked_on_the_server() {
    let store = Arc::new(MemoryStore::default());
    let api = FakeApi::default();
    let handle = boot(api.clone(), store.clone(), 1000);
    handle.initialized().await;
    *store.fail_with.lock().unwrap() = Some("keychain_locked");
    let err = handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap_err();
    assert_eq!(err.code(), "keychain_locked");
    assert_eq!(handle.snapshot().state, signed_out(None));
    assert_eq!(api.calls(), vec!["password a@b.c", "logout Local"]);
}

#[tokio::test]
async fn sign_out_clears_the_keychain_first_then_revokes_locally_scoped() {
    let store = Arc::new(MemoryStore::default());
    store.save(&crate::session::sample(900).to_record()).unwrap();
    let api = FakeApi::default();
    let handle = boot(api.clone(), store.clone(), 1000);
    handle.initialized().await;
    handle.sign_out().await.unwrap();
    assert!(store.load().unwrap().is_none());
    assert_eq!(handle.snapshot(), Snapshot { seq: 2, state: signed_out(Some(SignOutReason::User)) });
    assert_eq!(api.calls(), vec!["logout Local"]);
}

#[tokio::test]
async fn sign_out_with_an_expired_access_token_refreshes_to_revoke() {
    let store = Arc::new(MemoryStore::default());
    store.save(&crate::session::sample(0).to_record()).unwrap(); // access expired at 3600
    let api = FakeApi::default();
    let handle = boot(api.clone(), store, 10_000);
    handle.initialized().await;
    handle.sign_out().await.unwrap();
    assert_eq!(api.calls(), vec!["refresh", "logout Local"]);
}

#[tokio::test]
async fn an_unavailable_keychain_at_start_is_storage_unavailable() {
    let store = Arc::new(MemoryStore::default());
    *store.fail_with.lock().unwrap() = Some("keychain_unavailable");
    let handle = boot(FakeApi::default(), store, 1000);
    let snap = handle.initialized().await;
    assert_eq!(snap.state, signed_out(Some(SignOutReason::StorageUnavailable)));
}

#[tokio::test]
async fn an_unreadable_record_is_storage_corrupt_and_is_not_deleted() {
    let store = Arc::new(MemoryStore::default());
    store.save(&SecretString::from("{truncated")).unwrap();
    let handle = boot(FakeApi::default(), store.clone(), 1000);
    assert_eq!(handle.initialized().await.state, signed_out(Some(SignOutReason::StorageCorrupt)));
    assert_eq!(store.load().unwrap().unwrap().expose_secret(), "{truncated");
}
