//! Vault decoding never panics: every input is a session or a named `storage_corrupt` error.
//!
//! The first byte picks what the rest is: 0 a vault file (`sealed::open` with the fixed key), 1 the plaintext inside
//! the seal (sealed here with the fixed key, so the integrity check passes and the payload parser is reached),
//! 2 the keychain's key text (`VaultKey::decode`), 3 a v1 keychain record (read through `Vault::load`, read-only).
#![no_main]

use latchkey_core::keychain::KeyStore;
use latchkey_core::testing::MemoryKeys;
use latchkey_core::vault::sealed::{self, VaultKey};
use latchkey_core::{AuthError, SessionStore, SystemClock, Vault};
use latchkey_fuzz::{seal_payload, VAULT_KEY};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static KEY: LazyLock<VaultKey> = LazyLock::new(|| VaultKey::decode(VAULT_KEY).expect("fixed key decodes"));

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 4 {
        0 => opened(sealed::open(rest, &KEY)),
        1 => opened(sealed::open(&seal_payload(rest, "u1"), &KEY)),
        2 => key_text(rest),
        _ => v1_record(rest),
    }
});

/// A session opened from fuzzed bytes seals and opens again to the same session; a failure is a named corruption.
fn opened(result: Result<latchkey_core::Session, AuthError>) {
    match result {
        Ok(session) => {
            let again = sealed::open(&sealed::seal(&session, &KEY).expect("seals"), &KEY).expect("reopens");
            assert_eq!((again.refresh_token.expose(), &again.user), (session.refresh_token.expose(), &session.user));
            assert_eq!((again.access_expires_at, again.signed_in_at), (session.access_expires_at, session.signed_in_at));
        }
        Err(e) => corrupt(e),
    }
}

fn key_text(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    match VaultKey::decode(text) {
        Ok(key) => assert_eq!(*VaultKey::decode(&key.encode()).expect("round trip").encode(), *key.encode()),
        Err(e) => corrupt(e),
    }
}

/// With no vault file and no vault key, `load` reads the v1 record; without the writer lock it migrates nothing.
fn v1_record(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    let keys = MemoryKeys::default();
    keys.set("session", &secrecy::SecretString::from(text)).expect("memory keys work");
    let dir = std::env::temp_dir().join(format!("latchkey-fuzz-absent-{}", std::process::id()));
    match Vault::new(&dir, keys, SystemClock, None).load() {
        Ok(session) => assert!(session.is_some(), "a v1 record was present"),
        Err(e) => corrupt(e),
    }
    assert!(!dir.exists(), "a read-only vault wrote nothing");
}

fn corrupt(e: AuthError) {
    assert!(matches!(e, AuthError::StorageCorrupt { .. }), "not a named corruption: {e:?}");
    assert!(!e.to_string().is_empty());
}
