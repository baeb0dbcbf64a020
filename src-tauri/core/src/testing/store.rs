//! A session store and a keychain that fail on demand: the vault's and the keychain's failures without a keychain. The
//! store can also stand for a vault another process holds (`following`), which that process writes.

use crate::error::{AuthError, Corruption};
use crate::keychain::KeyStore;
use crate::session::Session;
use crate::vault::{MemoryStore, SessionStore, VaultLock};
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// The error an injected failure code stands for: `keychain_locked`, `storage_corrupt`, `storage_busy` (no vault lock),
/// or `keychain_unavailable`.
fn injected(code: Option<&'static str>) -> Result<(), AuthError> {
    match code {
        None => Ok(()),
        Some("keychain_locked") => Err(AuthError::KeychainLocked("locked (test)".into())),
        Some("storage_corrupt") => Err(AuthError::StorageCorrupt { kind: Corruption::Tampered, detail: "test".into() }),
        Some("storage_busy") => Err(AuthError::StorageBusy),
        Some(_) => Err(AuthError::KeychainUnavailable("unavailable (test)".into())),
    }
}

/// A [`MemoryStore`] that answers every call with an error once told to [`fail`](Self::fail).
#[derive(Default)]
pub struct TestStore {
    inner: MemoryStore,
    fail_with: Mutex<Option<&'static str>>,
    /// Another process holds the lock: saves and clears are refused (`storage_busy`) until `take_over`.
    following: AtomicBool,
}

impl TestStore {
    /// A vault another process holds and writes (see [`write_as_holder`](Self::write_as_holder)).
    pub fn following() -> Self {
        TestStore { following: AtomicBool::new(true), ..TestStore::default() }
    }

    /// What the process holding the lock saves (`None`: it cleared the vault).
    pub fn write_as_holder(&self, session: Option<&Session>) {
        match session {
            Some(session) => self.inner.save(session).unwrap(),
            None => self.inner.clear().unwrap(),
        }
    }

    /// From now on every call fails (see [`injected`] for the codes).
    pub fn fail(&self, code: &'static str) {
        *self.fail_with.lock().unwrap() = Some(code);
    }

    /// From now on calls work again.
    pub fn heal(&self) {
        *self.fail_with.lock().unwrap() = None;
    }

    /// Stores `session` directly, as a previous run left it.
    pub fn preload(&self, session: &Session) {
        self.inner.save(session).unwrap();
    }

    /// What is saved, read past any failure.
    pub fn stored(&self) -> Option<Session> {
        self.inner.load().unwrap()
    }

    fn check(&self) -> Result<(), AuthError> {
        injected(*self.fail_with.lock().unwrap())
    }

    fn check_writable(&self) -> Result<(), AuthError> {
        self.check()?;
        if self.writes() { Ok(()) } else { Err(AuthError::StorageBusy) }
    }
}

impl SessionStore for TestStore {
    fn load(&self) -> Result<Option<Session>, AuthError> {
        self.check()?;
        self.inner.load()
    }
    fn save(&self, session: &Session) -> Result<(), AuthError> {
        self.check_writable()?;
        self.inner.save(session)
    }
    fn clear(&self) -> Result<(), AuthError> {
        self.check_writable()?;
        self.inner.clear()
    }
    fn writes(&self) -> bool {
        !self.following.load(Ordering::SeqCst)
    }
    fn take_over(&self, lock: VaultLock) {
        drop(lock);
        self.following.store(false, Ordering::SeqCst);
    }
}

/// Keychain entries in memory; every call fails while `fail_with` names a code (see [`injected`]).
#[derive(Default)]
pub struct MemoryKeys {
    entries: Mutex<HashMap<String, SecretString>>,
    pub fail_with: Mutex<Option<&'static str>>,
}

impl MemoryKeys {
    pub fn has(&self, account: &str) -> bool {
        self.entries.lock().unwrap().contains_key(account)
    }

    fn check(&self) -> Result<(), AuthError> {
        injected(*self.fail_with.lock().unwrap())
    }
}

impl KeyStore for MemoryKeys {
    fn get(&self, account: &str) -> Result<Option<SecretString>, AuthError> {
        self.check()?;
        Ok(self.entries.lock().unwrap().get(account).cloned())
    }
    fn set(&self, account: &str, value: &SecretString) -> Result<(), AuthError> {
        self.check()?;
        self.entries.lock().unwrap().insert(account.into(), value.clone());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<(), AuthError> {
        self.check()?;
        self.entries.lock().unwrap().remove(account);
        Ok(())
    }
}
