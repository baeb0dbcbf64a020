use super::*;
use crate::api::Grant;
use crate::secret::{AccessToken, RefreshToken};
use crate::session::{sample, User};
use crate::vault::MemoryStore;
use std::sync::Mutex;

/// A store whose calls fail with a chosen error (`keychain_locked`, `storage_corrupt`, or unavailable).
#[derive(Default)]
struct Store {
    inner: MemoryStore,
    fail_with: Mutex<Option<&'static str>>,
}

impl Store {
    fn check(&self) -> Result<(), AuthError> {
        match *self.fail_with.lock().unwrap() {
            None => Ok(()),
            Some("keychain_locked") => Err(AuthError::KeychainLocked("locked (test)".into())),
            Some("storage_corrupt") => Err(AuthError::StorageCorrupt { kind: crate::Corruption::Tampered, detail: "test".into() }),
            Some(_) => Err(AuthError::KeychainUnavailable("unavailable (test)".into())),
        }
    }
    fn fail(&self, code: &'static str) {
        *self.fail_with.lock().unwrap() = Some(code);
    }
    fn stored(&self) -> Option<Session> {
        self.inner.load().unwrap()
    }
}

impl SessionStore for Store {
    fn load(&self) -> Result<Option<Session>, AuthError> {
        self.check()?;
        self.inner.load()
    }
    fn save(&self, session: &Session) -> Result<(), AuthError> {
        self.check()?;
        self.inner.save(session)
    }
    fn clear(&self) -> Result<(), AuthError> {
        self.check()?;
        self.inner.clear()
    }
}

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

fn boot(api: FakeApi, store: Arc<Store>, now: i64) -> SessionHandle {
    let (handle, task) = start(api, store, FixedClock(now));
    tokio::spawn(task);
    handle
}

fn signed_out(reason: Option<SignOutReason>) -> StateView {
    StateView::SignedOut { reason }
}

#[tokio::test]
async fn initial_session_is_the_first_event_and_needs_no_network() {
    let store = Arc::new(Store::default());
    store.save(&sample(500)).unwrap();
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
    let store = Arc::new(Store::default());
    let handle = boot(FakeApi::default(), store.clone(), 1000);
    handle.initialized().await;
    let mut events = handle.subscribe();
    handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    let ev = events.recv().await.unwrap();
    assert_eq!((ev.seq, ev.event), (2, EventKind::SignedIn));
    assert_eq!(handle.snapshot().seq, 2);
    let saved = store.stored().unwrap();
    assert_eq!((saved.refresh_token.expose(), saved.signed_in_at, saved.access_expires_at), ("rt", 1000, 4600));
}

#[tokio::test]
async fn wrong_password_is_invalid_credentials_and_changes_nothing() {
    let store = Arc::new(Store::default());
    let handle = boot(FakeApi::default(), store.clone(), 1000);
    handle.initialized().await;
    let err = handle.sign_in_with_password("a@b.c".into(), "bad".into()).await.unwrap_err();
    assert_eq!(err.code(), "invalid_credentials");
    assert_eq!(handle.snapshot(), Snapshot { seq: 1, state: signed_out(None) });
    assert!(store.stored().is_none());
}

#[tokio::test]
async fn a_sign_in_the_vault_refuses_is_kept_in_memory_only_and_says_so() {
    let store = Arc::new(Store::default());
    let api = FakeApi::default();
    let handle = boot(api.clone(), store.clone(), 1000);
    handle.initialized().await;
    store.fail("keychain_locked");
    handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    assert!(matches!(handle.snapshot().state, StateView::SignedIn { persistence: Persistence::MemoryOnly, .. }));
    assert!(store.stored().is_none());
    assert_eq!(api.calls(), vec!["password a@b.c"], "the session is not revoked: it is in use");
}

#[tokio::test]
async fn sign_out_clears_the_keychain_first_then_revokes_locally_scoped() {
    let store = Arc::new(Store::default());
    store.save(&sample(900)).unwrap();
    let api = FakeApi::default();
    let handle = boot(api.clone(), store.clone(), 1000);
    handle.initialized().await;
    handle.sign_out().await.unwrap();
    assert!(store.stored().is_none());
    assert_eq!(handle.snapshot(), Snapshot { seq: 2, state: signed_out(Some(SignOutReason::User)) });
    assert_eq!(api.calls(), vec!["logout Local"]);
}

#[tokio::test]
async fn sign_out_with_an_expired_access_token_refreshes_to_revoke() {
    let store = Arc::new(Store::default());
    store.save(&sample(0)).unwrap(); // access expired at 3600
    let api = FakeApi::default();
    let handle = boot(api.clone(), store, 10_000);
    handle.initialized().await;
    handle.sign_out().await.unwrap();
    assert_eq!(api.calls(), vec!["refresh", "logout Local"]);
}

#[tokio::test]
async fn an_unavailable_keychain_at_start_is_storage_unavailable() {
    let store = Arc::new(Store::default());
    store.fail("keychain_unavailable");
    let handle = boot(FakeApi::default(), store, 1000);
    let snap = handle.initialized().await;
    assert_eq!(snap.state, signed_out(Some(SignOutReason::StorageUnavailable)));
}

#[tokio::test]
async fn a_damaged_vault_is_storage_corrupt_and_sign_in_still_works() {
    let store = Arc::new(Store::default());
    store.fail("storage_corrupt");
    let handle = boot(FakeApi::default(), store.clone(), 1000);
    assert_eq!(handle.initialized().await.state, signed_out(Some(SignOutReason::StorageCorrupt)));
    *store.fail_with.lock().unwrap() = None;
    handle.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    assert!(matches!(handle.snapshot().state, StateView::SignedIn { persistence: Persistence::Keychain, .. }));
}
