//! The production core from the effective configuration: GoTrue with every token verified, the vault (or memory, if
//! policy says so) keyed from the OS keychain, the system clock, and the vault lock that makes this process its writer.

use latchkey_core::policy::SessionPersistence;
use latchkey_core::vault::MemoryStore;
use latchkey_core::verified::Verified;
use latchkey_core::{AuthError, Config, EngineRules, GoTrue, KeyringStore, SessionHandle, SessionStore, SystemClock, Vault, VaultLock, APP_ID};
use std::future::Future;
use std::time::Duration;

/// How long a process waits for another Latchkey process to release the vault.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// GoTrue at the configured project, with the configured trust and proxy; `network_setup` if they cannot be used,
/// `no_project` if no project is configured.
pub fn gotrue(config: &Config) -> Result<GoTrue, AuthError> {
    if !config.has_project() {
        return Err(AuthError::NoProject);
    }
    GoTrue::new(&config.auth_url, &config.anon_key, &config.network())
}

/// Takes the vault lock, waiting up to [`LOCK_WAIT`] for another Latchkey process; `storage_busy` if it keeps it.
/// Blocking: async callers run it with `spawn_blocking`.
pub fn lock_vault(config: &Config) -> Result<VaultLock, AuthError> {
    VaultLock::acquire(&config.data_dir, LOCK_WAIT)
}

/// The vault in the data directory, keyed from the OS keychain (or, only if policy allows it and the keychain is
/// unavailable, from a 0600 key file). Without `lock` it is read-only.
pub fn vault(config: &Config, lock: Option<VaultLock>) -> Vault<KeyringStore, SystemClock> {
    Vault::new(&config.data_dir, KeyringStore::new(APP_ID), SystemClock, lock).with_insecure_fallback(config.allow_insecure_storage_fallback)
}

/// The core over the configured project and vault; the caller spawns the future. Without `lock` the vault is read-only.
pub fn build(config: &Config, lock: Option<VaultLock>) -> Result<(SessionHandle, impl Future<Output = ()> + Send + 'static), AuthError> {
    Ok(build_with(gotrue(config)?, config, lock))
}

/// [`build`] with the HTTP API already built (the window keeps one client for its other commands).
pub fn build_with(api: GoTrue, config: &Config, lock: Option<VaultLock>) -> (SessionHandle, impl Future<Output = ()> + Send + 'static) {
    // An invalid policy fails closed to memory only, but the engine then never loads or saves: the vault is there so
    // that signing out still removes the sealed session.
    let store: Box<dyn SessionStore> = match (config.session_persistence, config.policy_error.is_some()) {
        (SessionPersistence::Keychain, _) | (_, true) => Box::new(vault(config, lock)),
        (SessionPersistence::MemoryOnly, false) => Box::new(MemoryStore::by_policy()),
    };
    latchkey_core::start(Verified::new(api), store, SystemClock, EngineRules::from_config(config))
}
