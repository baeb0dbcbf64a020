//! The saved session lives only in the OS keychain; every keychain failure becomes a named error, never "no session".

use crate::error::AuthError;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::sync::Mutex;

/// Where the session record is kept. Blocking: the engine calls it off the async threads.
pub trait SecretStore: Send + Sync + 'static {
    fn load(&self) -> Result<Option<SecretString>, AuthError>;
    fn save(&self, record: &SecretString) -> Result<(), AuthError>;
    /// Removes the record; removing an absent record succeeds.
    fn delete(&self) -> Result<(), AuthError>;
}

/// The OS keychain through keyring-rs (Secret Service on Linux).
pub struct KeyringStore {
    service: String,
    account: String,
}

/// The keychain account name that holds the session record.
pub const SESSION_ACCOUNT: &str = "session";

impl KeyringStore {
    pub fn new(service: &str, account: &str) -> Self {
        KeyringStore { service: service.into(), account: account.into() }
    }

    fn entry(&self) -> Result<keyring::Entry, AuthError> {
        keyring::Entry::new(&self.service, &self.account).map_err(map_keyring_error)
    }
}

impl SecretStore for KeyringStore {
    fn load(&self) -> Result<Option<SecretString>, AuthError> {
        match self.entry()?.get_password() {
            Ok(text) => Ok(Some(SecretString::from(text))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring_error(e)),
        }
    }

    fn save(&self, record: &SecretString) -> Result<(), AuthError> {
        self.entry()?.set_password(record.expose_secret()).map_err(map_keyring_error)
    }

    fn delete(&self) -> Result<(), AuthError> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_keyring_error(e)),
        }
    }
}

/// keyring errors carry no secrets; they name the platform failure.
fn map_keyring_error(e: keyring::Error) -> AuthError {
    let detail = e.to_string();
    match e {
        keyring::Error::NoStorageAccess(_) => AuthError::KeychainLocked(detail),
        keyring::Error::PlatformFailure(_) if detail.contains("IsLocked") || detail.contains("locked") => {
            AuthError::KeychainLocked(detail)
        }
        keyring::Error::BadEncoding(_) => AuthError::StoredSessionUnreadable("keychain entry is not UTF-8".into()),
        _ => AuthError::KeychainUnavailable(detail),
    }
}

/// Which keychain backend this build uses and whether it answers.
#[derive(Debug, Clone, Serialize)]
pub struct BackendReport {
    pub backend: &'static str,
    pub available: bool,
    pub detail: String,
}

/// Name of the compiled-in backend.
pub const BACKEND: &str = if cfg!(target_os = "linux") {
    "secret_service"
} else if cfg!(target_os = "macos") {
    "macos_keychain"
} else if cfg!(target_os = "windows") {
    "windows_credential_manager"
} else {
    "unknown"
};

/// Probes the store with a read; the probe never prints the record.
pub fn probe(store: &dyn SecretStore) -> BackendReport {
    match store.load() {
        Ok(found) => BackendReport {
            backend: BACKEND,
            available: true,
            detail: if found.is_some() { "session saved" } else { "no saved session" }.into(),
        },
        Err(e) => BackendReport { backend: BACKEND, available: false, detail: format!("{} ({})", e, e.code()) },
    }
}

/// A store in memory: for unit tests, and for sessions that must not outlive the process.
#[derive(Default)]
pub struct MemoryStore {
    record: Mutex<Option<SecretString>>,
    /// When set, every call fails with this code (to test failure paths).
    pub fail_with: Mutex<Option<&'static str>>,
}

impl MemoryStore {
    fn check(&self) -> Result<(), AuthError> {
        match *self.fail_with.lock().unwrap() {
            Some("keychain_locked") => Err(AuthError::KeychainLocked("locked (test)".into())),
            Some(_) => Err(AuthError::KeychainUnavailable("unavailable (test)".into())),
            None => Ok(()),
        }
    }
}

impl SecretStore for MemoryStore {
    fn load(&self) -> Result<Option<SecretString>, AuthError> {
        self.check()?;
        Ok(self.record.lock().unwrap().clone())
    }
    fn save(&self, record: &SecretString) -> Result<(), AuthError> {
        self.check()?;
        *self.record.lock().unwrap() = Some(record.clone());
        Ok(())
    }
    fn delete(&self) -> Result<(), AuthError> {
        self.check()?;
        *self.record.lock().unwrap() = None;
        Ok(())
    }
}

impl<T: SecretStore> SecretStore for std::sync::Arc<T> {
    fn load(&self) -> Result<Option<SecretString>, AuthError> {
        (**self).load()
    }
    fn save(&self, record: &SecretString) -> Result<(), AuthError> {
        (**self).save(record)
    }
    fn delete(&self) -> Result<(), AuthError> {
        (**self).delete()
    }
}
