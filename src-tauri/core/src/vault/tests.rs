//! The sealed vault: sessions round-trip, tampering and corruption are set aside (never deleted), keys stay where policy allows.

use super::*;
use crate::testing::MemoryKeys;
use crate::session::Persistence;
use crate::testing::{session as sample, TestClock};
use std::sync::Arc;
use std::time::Duration;

fn clock() -> TestClock {
    TestClock::at(1_800_000_000_000)
}

fn temp_dir(name: &str) -> PathBuf {
    crate::testing::temp_dir(&format!("vault-{name}"))
}

fn vault(dir: &Path, keys: &Arc<MemoryKeys>) -> Vault<Arc<MemoryKeys>, TestClock> {
    let lock = VaultLock::acquire(dir, Duration::from_secs(1)).unwrap();
    Vault::new(dir, keys.clone(), clock(), Some(lock))
}

/// A saved session, then the vault is dropped (as at quit).
fn saved(name: &str) -> (PathBuf, Arc<MemoryKeys>) {
    let dir = temp_dir(name);
    let keys = Arc::new(MemoryKeys::default());
    vault(&dir, &keys).save(&sample(1000)).unwrap();
    (dir, keys)
}

fn corruption(result: Result<Option<Session>, AuthError>) -> Corruption {
    match result {
        Err(AuthError::StorageCorrupt { kind, .. }) => kind,
        other => panic!("expected corruption, got {:?}", other.map(|s| s.is_some())),
    }
}

fn quarantined_count(dir: &Path) -> usize {
    files::quarantined(&dir.join(FILE)).len()
}

#[test]
fn a_saved_session_is_restored_by_a_new_vault() {
    let (dir, keys) = saved("roundtrip");
    let back = vault(&dir, &keys).load().unwrap().unwrap();
    assert_eq!((back.refresh_token.expose(), back.signed_in_at), ("refresh-secret", 1000));
}

#[test]
fn nothing_saved_is_no_session() {
    let dir = temp_dir("empty");
    assert!(vault(&dir, &Arc::new(MemoryKeys::default())).load().unwrap().is_none());
}

#[test]
fn a_truncated_file_is_quarantined_and_named() {
    let (dir, keys) = saved("truncated");
    let bytes = std::fs::read(dir.join(FILE)).unwrap();
    std::fs::write(dir.join(FILE), &bytes[..bytes.len() / 3]).unwrap();
    assert_eq!(corruption(vault(&dir, &keys).load()), Corruption::Truncated);
    assert!(!dir.join(FILE).exists());
    assert_eq!(quarantined_count(&dir), 1);
}

#[test]
fn a_flipped_byte_fails_the_integrity_check() {
    let (dir, keys) = saved("flipped");
    let mut env: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join(FILE)).unwrap()).unwrap();
    let sealed = env["sealed"].as_str().unwrap().to_string();
    let i = sealed.len() / 2;
    let flipped = if &sealed[i..=i] == "A" { "B" } else { "A" };
    env["sealed"] = format!("{}{}{}", &sealed[..i], flipped, &sealed[i + 1..]).into();
    std::fs::write(dir.join(FILE), serde_json::to_vec(&env).unwrap()).unwrap();
    assert_eq!(corruption(vault(&dir, &keys).load()), Corruption::Tampered);
    assert_eq!(quarantined_count(&dir), 1);
}

#[test]
fn a_wrong_key_fails_the_integrity_check() {
    let (dir, keys) = saved("wrongkey");
    keys.set(KEY_ACCOUNT, &SecretString::from(VaultKey::generate().unwrap().encode().as_str())).unwrap();
    assert_eq!(corruption(vault(&dir, &keys).load()), Corruption::Tampered);
}

#[test]
fn a_malformed_key_is_named_and_replaced_by_the_next_sign_in() {
    let (dir, keys) = saved("badkey");
    keys.set(KEY_ACCOUNT, &SecretString::from("not-a-key")).unwrap();
    let v = vault(&dir, &keys);
    assert_eq!(corruption(v.load()), Corruption::BadKey);
    v.save(&sample(2000)).unwrap();
    assert_eq!(v.load().unwrap().unwrap().signed_in_at, 2000);
}

#[test]
fn a_file_without_its_key_is_quarantined() {
    let (dir, keys) = saved("keymissing");
    keys.delete(KEY_ACCOUNT).unwrap();
    assert_eq!(corruption(vault(&dir, &keys).load()), Corruption::KeyMissing);
    assert_eq!(quarantined_count(&dir), 1);
}

#[test]
fn a_key_without_its_file_is_named_kept_and_reused() {
    let (dir, keys) = saved("filemissing");
    std::fs::remove_file(dir.join(FILE)).unwrap();
    let v = vault(&dir, &keys);
    assert_eq!(corruption(v.load()), Corruption::FileMissing);
    assert!(keys.has(KEY_ACCOUNT), "the key is kept: a restored backup of the file still opens");
    v.save(&sample(3000)).unwrap();
    drop(v);
    assert_eq!(vault(&dir, &keys).load().unwrap().unwrap().signed_in_at, 3000);
}

#[test]
fn an_unknown_schema_is_quarantined() {
    let (dir, keys) = saved("schema");
    let mut env: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join(FILE)).unwrap()).unwrap();
    env["schema"] = 3.into();
    std::fs::write(dir.join(FILE), serde_json::to_vec(&env).unwrap()).unwrap();
    assert_eq!(corruption(vault(&dir, &keys).load()), Corruption::UnknownSchema);
    assert_eq!(quarantined_count(&dir), 1);
}

#[test]
fn a_locked_keychain_leaves_a_healthy_file_alone() {
    let (dir, keys) = saved("locked");
    *keys.fail_with.lock().unwrap() = Some("keychain_locked");
    assert_eq!(vault(&dir, &keys).load().map(|_| ()).unwrap_err().code(), "keychain_locked");
    *keys.fail_with.lock().unwrap() = None;
    assert_eq!(quarantined_count(&dir), 0);
    assert!(vault(&dir, &keys).load().unwrap().is_some());
}

#[test]
fn the_v1_keychain_record_migrates_into_the_sealed_vault_once() {
    let dir = temp_dir("migrate");
    let keys = Arc::new(MemoryKeys::default());
    let v1 = r#"{"v":1,"refresh_token":"r1","access_token":"a1","access_expires_at":5000,"session_id":"s","user":{"id":"u","email":"e@x"},"signed_in_at":4000}"#;
    keys.set(legacy::ACCOUNT, &SecretString::from(v1)).unwrap();
    let migrated = vault(&dir, &keys).load().unwrap().unwrap();
    assert_eq!((migrated.refresh_token.expose(), migrated.signed_in_at), ("r1", 4000));
    assert!(!keys.has(legacy::ACCOUNT) && keys.has(KEY_ACCOUNT) && dir.join(FILE).exists());
    assert_eq!(vault(&dir, &keys).load().unwrap().unwrap().refresh_token.expose(), "r1");
}

#[test]
fn when_the_file_step_fails_the_previous_session_survives() {
    let (dir, keys) = saved("failsecond");
    let v = vault(&dir, &keys);
    std::fs::create_dir(dir.join(format!("{FILE}.tmp"))).unwrap(); // the second step will fail
    assert_eq!(v.save(&sample(9000)).unwrap_err().code(), "storage_io");
    drop(v);
    assert_eq!(vault(&dir, &keys).load().unwrap().unwrap().signed_in_at, 1000, "the old session is intact");
}

#[test]
fn a_first_save_whose_file_step_fails_leaves_only_the_reusable_key() {
    let dir = temp_dir("failfirst");
    let keys = Arc::new(MemoryKeys::default());
    let v = vault(&dir, &keys);
    files::ensure_dir(&dir).unwrap();
    std::fs::create_dir(dir.join(format!("{FILE}.tmp"))).unwrap();
    assert_eq!(v.save(&sample(1)).unwrap_err().code(), "storage_io");
    assert!(keys.has(KEY_ACCOUNT) && !dir.join(FILE).exists());
}

#[test]
fn without_the_lock_the_vault_reads_but_never_writes_or_quarantines() {
    let (dir, keys) = saved("readonly");
    let _held = VaultLock::acquire(&dir, Duration::ZERO).unwrap();
    let ro = Vault::new(&dir, keys.clone(), clock(), None);
    assert!(ro.load().unwrap().is_some());
    assert_eq!(ro.save(&sample(1)).unwrap_err().code(), "storage_busy");
    std::fs::write(dir.join(FILE), b"{").unwrap();
    assert_eq!(corruption(ro.load()), Corruption::Truncated);
    assert!(dir.join(FILE).exists(), "read-only never moves files");
}

#[test]
fn a_reader_becomes_the_writer_when_it_takes_the_lock_over() {
    let (dir, keys) = saved("take-over");
    let held = VaultLock::acquire(&dir, Duration::ZERO).unwrap();
    let reader = Vault::new(&dir, keys.clone(), clock(), None);
    assert!(!reader.writes());
    drop(held); // the holder quits
    reader.take_over(VaultLock::wait(&dir).unwrap());
    assert!(reader.writes());
    reader.save(&sample(2)).unwrap();
    assert_eq!(reader.load().unwrap().unwrap().signed_in_at, 2);
    assert_eq!(VaultLock::acquire(&dir, Duration::ZERO).unwrap_err().code(), "storage_busy", "it holds the lock now");
}

#[test]
fn clear_removes_the_file_and_the_key() {
    let (dir, keys) = saved("clear");
    vault(&dir, &keys).clear().unwrap();
    assert!(!dir.join(FILE).exists() && !keys.has(KEY_ACCOUNT));
    vault(&dir, &keys).clear().unwrap();
}

// allow_insecure_storage_fallback: the key may live in a 0600 file while the keychain is unavailable.

fn fallback_vault(dir: &Path, keys: &Arc<MemoryKeys>, allowed: bool) -> Vault<Arc<MemoryKeys>, TestClock> {
    vault(dir, keys).with_insecure_fallback(allowed)
}

fn keychain_down(keys: &Arc<MemoryKeys>, code: Option<&'static str>) {
    *keys.fail_with.lock().unwrap() = code;
}

#[test]
fn with_the_policy_an_unavailable_keychain_keeps_the_key_in_a_0600_file_and_the_session_stays_sealed() {
    for code in ["keychain_locked", "keychain_unavailable"] {
        let dir = temp_dir(&format!("fallback-{code}"));
        let keys = Arc::new(MemoryKeys::default());
        keychain_down(&keys, Some(code));
        let v = fallback_vault(&dir, &keys, true);
        v.save(&sample(1000)).unwrap();
        assert_eq!(v.persistence(), Persistence::InsecureFile);
        let key_file = dir.join(key_file::KEY_FILE);
        #[cfg(unix)]
        assert_eq!(std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key_file).unwrap().permissions()) & 0o777, 0o600);
        let sealed = std::fs::read_to_string(dir.join(FILE)).unwrap();
        assert!(!sealed.contains("refresh-secret") && sealed.contains("latchkey-vault"), "still sealed");
        drop(v);
        let restarted = fallback_vault(&dir, &keys, true);
        assert_eq!(restarted.load().unwrap().unwrap().refresh_token.expose(), "refresh-secret", "{code}: survives a restart");
        assert_eq!(restarted.persistence(), Persistence::InsecureFile);
    }
}

#[test]
fn without_the_policy_an_unavailable_keychain_stores_nothing() {
    let dir = temp_dir("nofallback");
    let keys = Arc::new(MemoryKeys::default());
    keychain_down(&keys, Some("keychain_unavailable"));
    let v = fallback_vault(&dir, &keys, false);
    assert_eq!(v.save(&sample(1000)).unwrap_err().code(), "keychain_unavailable");
    assert!(!dir.join(FILE).exists() && !dir.join(key_file::KEY_FILE).exists());
}

#[test]
fn when_the_keychain_comes_back_a_writer_moves_the_key_into_it_and_a_reader_does_not() {
    let dir = temp_dir("fallback-back");
    let keys = Arc::new(MemoryKeys::default());
    keychain_down(&keys, Some("keychain_locked"));
    fallback_vault(&dir, &keys, true).save(&sample(1000)).unwrap();
    keychain_down(&keys, None);

    let reader = Vault::new(&dir, keys.clone(), clock(), None).with_insecure_fallback(true);
    assert!(reader.load().unwrap().is_some());
    assert_eq!(reader.persistence(), Persistence::InsecureFile);
    assert!(dir.join(key_file::KEY_FILE).exists() && !keys.has(KEY_ACCOUNT), "a reader never writes");
    drop(reader);

    // A writer moves it: the key file opens the vault and the keychain holds no other key.
    let writer = fallback_vault(&dir, &keys, true);
    assert_eq!(writer.load().unwrap().unwrap().signed_in_at, 1000);
    assert_eq!(writer.persistence(), Persistence::Keychain);
    assert!(keys.has(KEY_ACCOUNT) && !dir.join(key_file::KEY_FILE).exists());
    drop(writer);
    assert!(vault(&dir, &keys).load().unwrap().is_some(), "the keychain key opens the vault");
}

#[test]
fn with_the_policy_turned_off_a_key_file_is_not_used_while_the_keychain_is_down_and_nothing_is_moved() {
    let dir = temp_dir("fallback-off");
    let keys = Arc::new(MemoryKeys::default());
    keychain_down(&keys, Some("keychain_locked"));
    fallback_vault(&dir, &keys, true).save(&sample(1000)).unwrap();
    assert_eq!(fallback_vault(&dir, &keys, false).load().map(|_| ()).unwrap_err().code(), "keychain_locked");
    assert!(dir.join(FILE).exists() && dir.join(key_file::KEY_FILE).exists());
    assert_eq!(quarantined_count(&dir), 0);
}

#[test]
fn a_key_file_never_replaces_a_different_keychain_key_and_sign_out_removes_it_with_the_keychain_down() {
    let (dir, keys) = saved("fallback-newer");
    let older_key = keys.get(KEY_ACCOUNT).unwrap().unwrap();
    keychain_down(&keys, Some("keychain_locked"));
    let v = fallback_vault(&dir, &keys, true);
    assert_eq!(v.load().map(|_| ()).unwrap_err().code(), "keychain_locked", "the old session waits for the keychain");
    v.save(&sample(2000)).unwrap(); // a new sign-in while the keychain is locked: its key goes to the file
    drop(v);
    keychain_down(&keys, None);
    // The keychain is the root of trust: a key file cannot tell a locked-keychain sign-in from a planted one.
    assert_eq!(corruption(fallback_vault(&dir, &keys, true).load()), Corruption::Tampered);
    assert_eq!(keys.get(KEY_ACCOUNT).unwrap().unwrap().expose_secret(), older_key.expose_secret(), "the keychain key was replaced");
    keychain_down(&keys, Some("keychain_locked"));
    let v = fallback_vault(&dir, &keys, true);
    v.save(&sample(3000)).unwrap();
    v.clear().unwrap();
    assert!(!dir.join(FILE).exists() && !dir.join(key_file::KEY_FILE).exists());
}

/// A key file and a vault sealed with it, written by someone who can write the data folder.
fn plant_key_file_and_vault(dir: &Path) {
    let theirs = Arc::new(MemoryKeys::default());
    keychain_down(&theirs, Some("keychain_unavailable"));
    let mut forged = sample(1000);
    forged.user.email = "attacker@example.com".into();
    fallback_vault(dir, &theirs, true).save(&forged).unwrap();
}

#[test]
fn without_the_policy_a_planted_key_file_is_never_read_nor_moved_into_the_keychain() {
    let dir = temp_dir("planted-off");
    plant_key_file_and_vault(&dir);
    let keys = Arc::new(MemoryKeys::default());
    assert_eq!(corruption(fallback_vault(&dir, &keys, false).load()), Corruption::KeyMissing, "the planted session was opened");
    assert!(!keys.has(KEY_ACCOUNT), "the planted key was moved into the keychain");
    assert!(dir.join(key_file::KEY_FILE).exists(), "it is not ours to delete either");
}

#[test]
fn with_the_policy_a_key_file_that_opens_nothing_never_touches_the_keychain_key() {
    let (dir, keys) = saved("planted-wrong");
    let ours = keys.get(KEY_ACCOUNT).unwrap().unwrap();
    std::fs::write(dir.join(key_file::KEY_FILE), VaultKey::generate().unwrap().encode()).unwrap();
    let v = fallback_vault(&dir, &keys, true);
    assert_eq!(v.load().unwrap().unwrap().user.email, "a@b.c", "our session still opens");
    assert_eq!(keys.get(KEY_ACCOUNT).unwrap().unwrap().expose_secret(), ours.expose_secret(), "the keychain key was overwritten");
    assert_eq!(v.persistence(), Persistence::Keychain);
}

#[test]
fn with_the_policy_a_key_file_moves_into_an_empty_keychain_only_when_it_opens_the_vault() {
    let dir = temp_dir("planted-nothing");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(key_file::KEY_FILE), VaultKey::generate().unwrap().encode()).unwrap();
    let keys = Arc::new(MemoryKeys::default());
    assert!(fallback_vault(&dir, &keys, true).load().unwrap().is_none(), "no vault: nothing to open");
    assert!(!keys.has(KEY_ACCOUNT), "a key that opens no vault was moved into the keychain");
}

#[test]
fn a_session_signed_in_after_now_is_tampering_and_set_aside() {
    let dir = temp_dir("future");
    let keys = Arc::new(MemoryKeys::default());
    let now = clock().now_unix();
    // Within the allowed skew: the clock was stepped back a little (NTP), the session is kept.
    vault(&dir, &keys).save(&sample(now + ALLOWED_CLOCK_STEP_BACK_SECS)).unwrap();
    assert!(vault(&dir, &keys).load().unwrap().is_some());
    // Beyond it: the clock was set back (which would stretch the session's deadline) or the file was forged.
    vault(&dir, &keys).save(&sample(now + ALLOWED_CLOCK_STEP_BACK_SECS + 1)).unwrap();
    let read_only = Vault::new(&dir, keys.clone(), clock(), None).load();
    assert_eq!(corruption(read_only), Corruption::Tampered);
    assert_eq!(quarantined_count(&dir), 0, "a reader without the lock moves nothing");
    let e = vault(&dir, &keys).load().unwrap_err();
    assert!(e.to_string().contains("after this computer's time"), "{e}");
    assert_eq!(quarantined_count(&dir), 1);
}
