//! The vault over the real Secret Service (gnome-keyring in a private D-Bus session): round trip, restart, every kind of damage, self-test.

use crate::support;

use latchkey_core::secret::{AccessToken, RefreshToken};
use latchkey_core::testing::FakeApi;
use latchkey_core::session::User;
use latchkey_core::vault::{sealed::VaultKey, FILE, KEY_ACCOUNT};
use latchkey_core::{keychain, AuthError, Corruption, EventKind, KeyStore, Session, SessionStore, EngineRules, StateView, SystemClock};
use secrecy::SecretString;
use std::path::Path;
use std::sync::atomic::Ordering;

fn session(signed_in_at: i64) -> Session {
    Session {
        access_token: AccessToken::new("kc-access-token-value".into()),
        refresh_token: RefreshToken::new("kc-refresh-token-value".into()),
        access_expires_at: 4_102_444_800,
        session_id: Some("s".into()),
        user: User { id: "u-1".into(), email: "kc@example.com".into(), ..User::default() },
        signed_in_at,
        last_refresh_at: None,
        provider: None,
        claims: None,
        pending_sign_out: None,
    }
}

fn corruption_of(test: &str, dir: &Path) -> Corruption {
    match support::vault(test, dir).load() {
        Err(AuthError::StorageCorrupt { kind, .. }) => kind,
        other => panic!("expected a named corruption, got {:?}", other.map(|s| s.is_some())),
    }
}

fn quarantined(dir: &Path) -> usize {
    std::fs::read_dir(dir).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().contains(".quarantine-")).count()
}

/// Signing in again after damage works: a fresh save opens.
fn signs_in_again(test: &str, dir: &Path) {
    let v = support::vault(test, dir);
    v.save(&session(77)).unwrap();
    assert_eq!(v.load().unwrap().unwrap().signed_in_at, 77);
}

#[test]
fn the_keychain_holds_only_a_small_key_and_secret_tool_sees_it() {
    let dir = support::data_dir("small");
    support::vault("small", &dir).save(&session(1)).unwrap();
    let key = support::secret_tool_lookup(&support::service("small"), KEY_ACCOUNT).expect("key entry");
    assert_eq!(key.trim().len(), 43, "a 256-bit key in base64url fits every OS keychain");
    assert!(support::files_containing(&dir, &["kc-access-token-value", "kc-refresh-token-value"]).is_empty());
    support::vault("small", &dir).clear().unwrap();
}

#[tokio::test]
async fn a_fresh_core_restores_the_saved_session_without_network() {
    let dir = support::data_dir("restore");
    let signed_in_at = latchkey_core::Clock::now_unix(&SystemClock) - 60; // inside the 24 h deadline
    support::vault("restore", &dir).save(&session(signed_in_at)).unwrap();
    let api = FakeApi::new(3600);
    let (handle, task) = latchkey_core::start(api.clone(), support::vault("restore", &dir), SystemClock, EngineRules::default());
    let mut events = handle.subscribe();
    tokio::spawn(task);
    let first = events.recv().await.unwrap();
    assert_eq!((first.seq, first.event), (1, EventKind::InitialSession));
    assert!(matches!(&first.state, StateView::SignedIn { user, signed_in_at: at, .. } if user.email == "kc@example.com" && *at == signed_in_at));
    assert_eq!((api.refreshes.load(Ordering::SeqCst), api.logouts.lock().unwrap().len()), (0, 0), "no grant and no sign-out was asked for");
}

#[test]
fn clearing_leaves_no_keychain_entry_and_no_file() {
    let dir = support::data_dir("clear");
    let v = support::vault("clear", &dir);
    v.save(&session(1)).unwrap();
    v.clear().unwrap();
    assert_eq!(support::secret_tool_lookup(&support::service("clear"), KEY_ACCOUNT), None);
    assert!(!dir.join(FILE).exists());
}

#[test]
fn a_truncated_file_is_named_quarantined_and_sign_in_works_again() {
    let dir = support::data_dir("truncated");
    support::vault("truncated", &dir).save(&session(1)).unwrap();
    let bytes = std::fs::read(dir.join(FILE)).unwrap();
    std::fs::write(dir.join(FILE), &bytes[..40]).unwrap();
    assert_eq!(corruption_of("truncated", &dir), Corruption::Truncated);
    assert_eq!(quarantined(&dir), 1);
    signs_in_again("truncated", &dir);
}

#[test]
fn a_flipped_byte_is_named_tampered_and_quarantined() {
    let dir = support::data_dir("flipped");
    support::vault("flipped", &dir).save(&session(1)).unwrap();
    let text = std::fs::read_to_string(dir.join(FILE)).unwrap();
    let at = text.find("\"sealed\":\"").unwrap() + 20;
    let flipped = if &text[at..=at] == "x" { "y" } else { "x" };
    std::fs::write(dir.join(FILE), format!("{}{}{}", &text[..at], flipped, &text[at + 1..])).unwrap();
    assert_eq!(corruption_of("flipped", &dir), Corruption::Tampered);
    assert_eq!(quarantined(&dir), 1);
    signs_in_again("flipped", &dir);
}

#[test]
fn a_wrong_key_is_named_tampered() {
    let dir = support::data_dir("wrongkey");
    support::vault("wrongkey", &dir).save(&session(1)).unwrap();
    let other = VaultKey::generate().unwrap();
    support::keyring("wrongkey").set(KEY_ACCOUNT, &SecretString::from(other.encode().as_str())).unwrap();
    assert_eq!(corruption_of("wrongkey", &dir), Corruption::Tampered);
    signs_in_again("wrongkey", &dir);
}

#[test]
fn a_file_whose_key_was_deleted_is_named_and_quarantined() {
    let dir = support::data_dir("nokey");
    support::vault("nokey", &dir).save(&session(1)).unwrap();
    let cleared = std::process::Command::new("secret-tool")
        .args(["clear", "service", &support::service("nokey"), "username", KEY_ACCOUNT])
        .status()
        .unwrap();
    assert!(cleared.success());
    assert_eq!(corruption_of("nokey", &dir), Corruption::KeyMissing);
    assert_eq!(quarantined(&dir), 1);
    signs_in_again("nokey", &dir);
}

#[test]
fn a_key_whose_file_was_deleted_is_named() {
    let dir = support::data_dir("nofile");
    support::vault("nofile", &dir).save(&session(1)).unwrap();
    std::fs::remove_file(dir.join(FILE)).unwrap();
    assert_eq!(corruption_of("nofile", &dir), Corruption::FileMissing);
    signs_in_again("nofile", &dir);
}

#[test]
fn an_unknown_schema_is_named_and_quarantined() {
    let dir = support::data_dir("schema");
    support::vault("schema", &dir).save(&session(1)).unwrap();
    let text = std::fs::read_to_string(dir.join(FILE)).unwrap().replace("\"schema\":2", "\"schema\":7");
    std::fs::write(dir.join(FILE), text).unwrap();
    assert_eq!(corruption_of("schema", &dir), Corruption::UnknownSchema);
    assert_eq!(quarantined(&dir), 1);
    signs_in_again("schema", &dir);
}

#[test]
fn the_v1_keychain_record_is_migrated_into_the_vault() {
    let dir = support::data_dir("migrate");
    let v1 = r#"{"v":1,"refresh_token":"r-v1","access_token":"a-v1","access_expires_at":4102444800,"session_id":"s","user":{"id":"u","email":"v1@example.com"},"signed_in_at":1700000000}"#;
    support::keyring("migrate").set("session", &SecretString::from(v1)).unwrap();
    assert_eq!(support::vault("migrate", &dir).load().unwrap().unwrap().user.email, "v1@example.com");
    assert_eq!(support::secret_tool_lookup(&support::service("migrate"), "session"), None, "v1 record removed");
    assert!(dir.join(FILE).exists());
    assert_eq!(support::vault("migrate", &dir).load().unwrap().unwrap().signed_in_at, 1_700_000_000);
}

#[test]
fn the_self_test_writes_reads_and_deletes_a_canary() {
    let report = keychain::self_test(&support::keyring("canary"));
    assert_eq!(report.canary, "ok", "{:?}", report.detail);
    assert_eq!(report.backend, "secret_service");
    assert_eq!(report.provider.as_deref(), Some("gnome-keyring-d"));
    assert_eq!(support::secret_tool_lookup(&support::service("canary"), &format!("canary-{}", std::process::id())), None);
}

#[test]
fn an_absence_check_fails_when_the_keychain_cannot_be_reached() {
    let mut unreachable = std::process::Command::new("secret-tool");
    unreachable.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/latchkey-test-bus");
    let looked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| support::secret_tool_lookup_with(unreachable, "dev.latchkey.test.none", "vault-key")));
    assert!(looked.is_err(), "'could not look' was reported as 'not there': {looked:?}");
    assert_eq!(support::secret_tool_lookup(&support::service("never-written"), "vault-key"), None, "a real absence is None");
}
