//! The real Secret Service (gnome-keyring in a private D-Bus session) holds, returns and forgets the session record.

#[path = "support/mod.rs"]
mod support;

use latchkey_core::api::{AuthApi, Grant, LogoutScope};
use latchkey_core::secret::{AccessToken, RefreshToken};
use latchkey_core::{AuthError, EventKind, SecretStore, StateView, SystemClock};
use secrecy::{ExposeSecret, SecretString};

/// An API that must never be called: proves restore works without the network.
struct NoNetwork;

impl AuthApi for NoNetwork {
    async fn password_grant(&self, _: &str, _: &str) -> Result<Grant, AuthError> {
        panic!("network used during restore")
    }
    async fn refresh_grant(&self, _: &RefreshToken) -> Result<Grant, AuthError> {
        panic!("network used during restore")
    }
    async fn logout(&self, _: &AccessToken, _: LogoutScope) -> Result<(), AuthError> {
        panic!("network used during restore")
    }
}

const RECORD: &str = r#"{"v":1,"refresh_token":"kc-refresh-secret","access_token":"kc-access","access_expires_at":4102444800,"session_id":"s","user":{"id":"u-1","email":"kc@example.com"},"signed_in_at":1700000000}"#;

#[test]
fn keychain_saves_reads_back_and_deletes_the_record() {
    let store = support::keyring("roundtrip");
    let name = support::service("roundtrip");
    store.save(&SecretString::from(RECORD)).unwrap();
    assert_eq!(store.load().unwrap().unwrap().expose_secret(), RECORD);
    assert_eq!(support::secret_tool_lookup(&name).as_deref(), Some(RECORD), "secret-tool sees the same entry");
    store.delete().unwrap();
    assert!(store.load().unwrap().is_none());
    assert_eq!(support::secret_tool_lookup(&name), None);
    store.delete().expect("deleting an absent entry succeeds");
}

#[tokio::test]
async fn a_fresh_core_restores_the_saved_session_from_the_keychain_without_network() {
    let store = support::keyring("restore");
    store.save(&SecretString::from(RECORD)).unwrap();
    let (handle, task) = latchkey_core::start(NoNetwork, support::keyring("restore"), SystemClock);
    let mut events = handle.subscribe();
    tokio::spawn(task);
    let first = events.recv().await.unwrap();
    assert_eq!((first.seq, first.event), (1, EventKind::InitialSession));
    match first.state {
        StateView::SignedIn { user, signed_in_at, .. } => {
            assert_eq!((user.email.as_str(), signed_in_at), ("kc@example.com", 1_700_000_000))
        }
        other => panic!("expected signed in, got {other:?}"),
    }
    store.delete().unwrap();
}

#[tokio::test]
async fn a_garbled_keychain_entry_is_reported_and_kept() {
    let store = support::keyring("garbled");
    store.save(&SecretString::from("{\"v\":1,\"refresh_tok")).unwrap();
    let (handle, task) = latchkey_core::start(NoNetwork, support::keyring("garbled"), SystemClock);
    tokio::spawn(task);
    let snap = handle.initialized().await;
    assert_eq!(serde_json::to_value(&snap.state).unwrap(), serde_json::json!({"status":"signed_out","reason":"storage_corrupt"}));
    assert!(store.load().unwrap().is_some(), "the unreadable entry must not be deleted");
    store.delete().unwrap();
}
