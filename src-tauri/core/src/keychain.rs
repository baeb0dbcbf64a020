//! Small secrets in the OS keychain: every failure becomes a named error (locked, unavailable), never "nothing stored".

use crate::error::AuthError;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::time::Instant;

/// A keychain holding small secrets by account name. Blocking: callers run it off the async threads.
pub trait KeyStore: Send + Sync + 'static {
    fn get(&self, account: &str) -> Result<Option<SecretString>, AuthError>;
    fn set(&self, account: &str, value: &SecretString) -> Result<(), AuthError>;
    /// Removing an absent entry succeeds.
    fn delete(&self, account: &str) -> Result<(), AuthError>;
}

/// The OS keychain through keyring-rs (Secret Service on Linux), under one service name.
#[derive(Clone)]
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    pub fn new(service: &str) -> Self {
        KeyringStore { service: service.into() }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, AuthError> {
        keyring::Entry::new(&self.service, account).map_err(map_keyring_error)
    }
}

impl KeyStore for KeyringStore {
    fn get(&self, account: &str) -> Result<Option<SecretString>, AuthError> {
        match self.entry(account)?.get_password() {
            Ok(text) => Ok(Some(SecretString::from(text))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_keyring_error(e)),
        }
    }

    fn set(&self, account: &str, value: &SecretString) -> Result<(), AuthError> {
        self.entry(account)?.set_password(value.expose_secret()).map_err(map_keyring_error)
    }

    fn delete(&self, account: &str) -> Result<(), AuthError> {
        match self.entry(account)?.delete_credential() {
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
        keyring::Error::PlatformFailure(_) if detail.contains("locked") || detail.contains("IsLocked") => {
            AuthError::KeychainLocked(detail)
        }
        _ => AuthError::KeychainUnavailable(detail),
    }
}

/// What `doctor` and the app report about the keychain.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct BackendReport {
    pub backend: &'static str,
    /// The process serving the keychain, where it can be read (e.g. `gnome-keyring-d`).
    pub provider: Option<String>,
    /// Whether entries survive a reboot.
    pub persistent: bool,
    /// `ok`, or the error code of the canary write/read/delete.
    pub canary: String,
    pub canary_ms: f64,
    pub detail: Option<String>,
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

/// Writes, reads back and deletes a canary entry of its own; never touches the session's entries.
pub fn self_test(keys: &dyn KeyStore) -> BackendReport {
    let account = format!("canary-{}", std::process::id());
    let value = SecretString::from(format!("canary-{}", std::process::id()));
    let started = Instant::now();
    let result = keys.set(&account, &value).and_then(|_| keys.get(&account)).and_then(|read| {
        let same = read.map(|r| r.expose_secret() == value.expose_secret()).unwrap_or(false);
        keys.delete(&account)?;
        if same { Ok(()) } else { Err(AuthError::KeychainUnavailable("the canary read back differently".into())) }
    });
    BackendReport {
        backend: BACKEND,
        provider: provider_name(),
        persistent: true,
        canary: result.as_ref().map(|_| "ok".to_string()).unwrap_or_else(|e| e.code().to_string()),
        canary_ms: started.elapsed().as_secs_f64() * 1000.0,
        detail: result.err().map(|e| e.to_string()),
    }
}

/// The process that owns `org.freedesktop.secrets` on the session bus.
#[cfg(target_os = "linux")]
fn provider_name() -> Option<String> {
    let conn = dbus::blocking::Connection::new_session().ok()?;
    let bus = conn.with_proxy("org.freedesktop.DBus", "/org/freedesktop/DBus", std::time::Duration::from_secs(2));
    let (pid,): (u32,) = bus
        .method_call("org.freedesktop.DBus", "GetConnectionUnixProcessID", ("org.freedesktop.secrets",))
        .ok()?;
    std::fs::read_to_string(format!("/proc/{pid}/comm")).ok().map(|s| s.trim().to_string())
}

#[cfg(not(target_os = "linux"))]
fn provider_name() -> Option<String> {
    None
}

impl<T: KeyStore> KeyStore for std::sync::Arc<T> {
    fn get(&self, account: &str) -> Result<Option<SecretString>, AuthError> {
        (**self).get(account)
    }
    fn set(&self, account: &str, value: &SecretString) -> Result<(), AuthError> {
        (**self).set(account, value)
    }
    fn delete(&self, account: &str) -> Result<(), AuthError> {
        (**self).delete(account)
    }
}
