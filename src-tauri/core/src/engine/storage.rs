//! The vault as the session task uses it: every call off the async threads and bounded in time, so a keychain that
//! prompts or hangs cannot stop the engine; a refused save keeps the session in memory only.

use crate::error::AuthError;
use crate::session::{Persistence, Session};
use crate::vault::{SessionStore, VaultLock};
use std::sync::Arc;
use std::time::Duration;

/// A keychain that prompts (or hangs) gets this long before it counts as locked.
const STORE_TIMEOUT: Duration = Duration::from_secs(15);

pub(super) struct Storage<S> {
    store: Arc<S>,
}

impl<S: SessionStore> Storage<S> {
    pub fn new(store: S) -> Self {
        Storage { store: Arc::new(store) }
    }

    pub async fn load(&self) -> Result<Option<Session>, AuthError> {
        self.run(|s| s.load()).await
    }

    pub async fn clear(&self) -> Result<(), AuthError> {
        self.run(|s| s.clear()).await
    }

    /// Whether this process saves the session (it holds the vault lock), or follows the process that does.
    pub fn writes(&self) -> bool {
        self.store.writes()
    }

    pub fn take_over(&self, lock: VaultLock) {
        self.store.take_over(lock)
    }

    /// Whether this process renews a session kept as `persistence`: always with the vault lock; without it, only one
    /// the vault refused (kept in memory: nobody else has it).
    pub fn renews(&self, persistence: Persistence) -> bool {
        self.writes() || persistence == Persistence::MemoryOnly
    }

    /// Where a session the store just loaded or saved is kept.
    pub fn persistence(&self) -> Persistence {
        self.store.persistence()
    }

    /// Saves to the vault, or says why it could not.
    pub async fn keep(&self, session: &Session) -> Result<(), AuthError> {
        let copy = session.clone();
        self.run(move |s| s.save(&copy)).await
    }

    /// Saves to the vault; a refusal keeps the session in memory only.
    pub async fn save(&self, session: &Session) -> Persistence {
        let copy = session.clone();
        match self.run(move |s| s.save(&copy)).await {
            Ok(()) => self.store.persistence(), // the keychain, or the key file the policy allows
            Err(e) => {
                tracing::warn!(code = e.code(), error = %e, "the vault refused the session; keeping it in memory only");
                Persistence::MemoryOnly
            }
        }
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce(&S) -> Result<T, AuthError> + Send + 'static) -> Result<T, AuthError> {
        let store = self.store.clone();
        match tokio::time::timeout(STORE_TIMEOUT, tokio::task::spawn_blocking(move || f(&store))).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(AuthError::KeychainUnavailable("the keychain call crashed".into())),
            Err(_) => Err(AuthError::KeychainLocked(format!("no answer from the keychain within {} s", STORE_TIMEOUT.as_secs()))),
        }
    }
}
