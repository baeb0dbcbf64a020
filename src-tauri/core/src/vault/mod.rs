//! The vault: a 256-bit key in the keychain and the sealed session in one file; a healthy session is never lost, damage is quarantined and named.

mod files;
pub mod key_file;
mod legacy;
pub mod sealed;

pub use files::{private_dir, VaultLock};

use crate::clock::Clock;
use crate::error::{AuthError, Corruption};
use crate::keychain::KeyStore;
use crate::session::{Persistence, Session};
use key_file::KeyFile;
use sealed::VaultKey;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The sealed session file, in the app data directory.
pub const FILE: &str = "session.vault";
/// The keychain account holding the vault key.
pub const KEY_ACCOUNT: &str = "vault-key";
/// How far this computer's clock may have stepped back since a session was signed in (an NTP correction) before the
/// saved session counts as tampered with: a clock set back further would stretch the
/// session's deadline, which runs from `signed_in_at`.
pub const ALLOWED_CLOCK_STEP_BACK_SECS: i64 = 300;

/// Where the engine keeps the session between launches. Blocking.
pub trait SessionStore: Send + Sync + 'static {
    fn load(&self) -> Result<Option<Session>, AuthError>;
    fn save(&self, session: &Session) -> Result<(), AuthError>;
    /// Removes every trace of the session; clearing an empty store succeeds.
    fn clear(&self) -> Result<(), AuthError>;
    /// Where the last loaded or saved session is kept.
    fn persistence(&self) -> Persistence {
        Persistence::Keychain
    }
}

/// Where the vault key lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyHome {
    Keychain,
    /// The key file: only with `allow_insecure_storage_fallback`, while the keychain is unavailable.
    File,
}

/// The keychain-rooted, sealed, atomically written vault.
pub struct Vault<K: KeyStore, C: Clock> {
    dir: PathBuf,
    keys: K,
    clock: C,
    /// Without the lock this vault is read-only: it never writes, migrates or quarantines.
    lock: Option<VaultLock>,
    key: Mutex<Option<VaultKey>>,
    key_file: KeyFile,
    /// Policy `allow_insecure_storage_fallback`: the key may live in `key_file` while the keychain is unavailable.
    fallback_allowed: bool,
    home: Mutex<KeyHome>,
}

impl<K: KeyStore, C: Clock> Vault<K, C> {
    pub fn new(dir: &Path, keys: K, clock: C, lock: Option<VaultLock>) -> Self {
        let key_file = KeyFile::new(dir);
        Vault { dir: dir.into(), keys, clock, lock, key: Mutex::new(None), key_file, fallback_allowed: false, home: Mutex::new(KeyHome::Keychain) }
    }

    /// Allows (admin policy only) keeping the vault key in a 0600 file while the keychain is unavailable.
    pub fn with_insecure_fallback(mut self, allowed: bool) -> Self {
        self.fallback_allowed = allowed;
        self
    }

    /// A keychain failure the key file may stand in for.
    fn may_fall_back(&self, e: &AuthError) -> bool {
        self.fallback_allowed && matches!(e, AuthError::KeychainLocked(_) | AuthError::KeychainUnavailable(_))
    }

    /// The vault key and its home. The keychain is the root of trust; a key file is read only when the policy allows
    /// the fallback, and used while the keychain is unavailable. Once the keychain works, a writer moves the key file
    /// into it only if the keychain holds no key and the file's key opens `sealed` (the current vault); a key file
    /// that differs from the keychain's key is never used, so a planted one can neither replace it nor open a session.
    fn stored_key(&self, sealed: Option<&[u8]>) -> Result<Option<(SecretString, KeyHome)>, AuthError> {
        let in_file = if self.fallback_allowed { self.key_file.read()? } else { None };
        let (in_keychain, file_key) = match (self.keys.get(KEY_ACCOUNT), in_file) {
            (Ok(key), file_key) => (key, file_key),
            (Err(e), Some(file_key)) if self.may_fall_back(&e) => return Ok(Some((file_key, KeyHome::File))),
            (Err(e), _) => return Err(e),
        };
        let Some(file_key) = file_key else { return Ok(in_keychain.map(|k| (k, KeyHome::Keychain))) };
        match in_keychain {
            Some(key) if key.expose_secret() == file_key.expose_secret() => {
                if self.writable().is_ok() {
                    self.key_file.remove()?; // a crash between the move's two steps left it in both places
                }
                Ok(Some((key, KeyHome::Keychain)))
            }
            Some(key) => {
                tracing::warn!(file = %self.key_file.path().display(), "a vault key file differs from the keychain's key; it is not used");
                Ok(Some((key, KeyHome::Keychain)))
            }
            None if !sealed.is_some_and(|bytes| self.opens(bytes, &file_key)) => {
                tracing::warn!(file = %self.key_file.path().display(), "a vault key file opens no saved session; it is not used");
                Ok(None)
            }
            None if self.writable().is_err() => Ok(Some((file_key, KeyHome::File))),
            None => match self.keys.set(KEY_ACCOUNT, &file_key) {
                Ok(()) => {
                    self.key_file.remove()?;
                    tracing::info!("the keychain is back: the vault key moved from the key file into it");
                    Ok(Some((file_key, KeyHome::Keychain)))
                }
                Err(e) if self.may_fall_back(&e) => Ok(Some((file_key, KeyHome::File))),
                Err(e) => Err(e),
            },
        }
    }

    /// Whether `key_text` opens the sealed bytes.
    fn opens(&self, sealed: &[u8], key_text: &SecretString) -> bool {
        VaultKey::decode(key_text.expose_secret()).is_ok_and(|key| sealed::open(sealed, &key).is_ok())
    }

    /// Stores a new key in the keychain, or in the key file when policy allows and the keychain is unavailable.
    fn store_new_key(&self, key: &VaultKey) -> Result<KeyHome, AuthError> {
        match self.keys.set(KEY_ACCOUNT, &SecretString::from(key.encode().as_str())) {
            Ok(()) => Ok(KeyHome::Keychain),
            Err(e) if self.may_fall_back(&e) => {
                tracing::warn!(code = e.code(), file = %self.key_file.path().display(), "keychain unavailable: the vault key is kept in a file, as the policy allows");
                self.key_file.write(&key.encode())?;
                Ok(KeyHome::File)
            }
            Err(e) => Err(e),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    fn writable(&self) -> Result<(), AuthError> {
        self.lock.as_ref().map(|_| ()).ok_or(AuthError::StorageBusy)
    }

    /// Sets a damaged file aside (when writable) and returns the named error.
    fn condemn(&self, kind: Corruption, detail: String) -> AuthError {
        let detail = match self.writable().and_then(|_| files::quarantine(&self.path(), self.clock.now_unix())) {
            Ok(moved) => format!("{detail}; the file was moved to {}", moved.display()),
            Err(_) => format!("{detail}; the file was left in place"),
        };
        AuthError::StorageCorrupt { kind, detail }
    }

    fn open_with(&self, bytes: &[u8], key_text: &SecretString) -> Result<Session, AuthError> {
        let key = VaultKey::decode(key_text.expose_secret())?;
        let session = sealed::open(bytes, &key)?;
        *self.key.lock().unwrap() = Some(key);
        Ok(session)
    }

    /// A session signed in later than now, beyond [`ALLOWED_CLOCK_STEP_BACK_SECS`], is refused as tampered: the clock
    /// was set back, which would stretch its deadline (it runs from `signed_in_at`), or the record was forged.
    /// (A refresh time ahead of the clock stretches nothing, so it is not checked.)
    fn not_from_the_future(&self, session: Session) -> Result<Session, AuthError> {
        let ahead = session.signed_in_at - self.clock.now_unix();
        if ahead > ALLOWED_CLOCK_STEP_BACK_SECS {
            return Err(AuthError::StorageCorrupt {
                kind: Corruption::Tampered,
                detail: format!("the session was signed in {ahead} s after this computer's time: the clock was set back, or the file was changed"),
            });
        }
        Ok(session)
    }

    /// The v1 → v2 migration: a whole session in the keychain becomes a sealed vault.
    fn migrate_v1(&self) -> Result<Option<Session>, AuthError> {
        let Some(record) = self.keys.get(legacy::ACCOUNT)? else { return Ok(None) };
        let session = legacy::parse_v1(record.expose_secret())?;
        if self.writable().is_ok() {
            self.save(&session)?;
            self.keys.delete(legacy::ACCOUNT)?;
            tracing::info!("migrated the v1 keychain record into the sealed vault");
        }
        Ok(Some(session))
    }

    /// The vault's state for `doctor`, without reading any secret.
    pub fn inspect(&self) -> VaultReport {
        let path = self.path();
        VaultReport {
            file: path.clone(),
            file_present: path.exists(),
            key_present: self.keys.get(KEY_ACCOUNT).map(|k| k.is_some()).map_err(|e| e.code().to_string()),
            insecure_key_file: self.key_file.exists().then(|| self.key_file.path().to_path_buf()),
            insecure_fallback_allowed: self.fallback_allowed,
            quarantined: files::quarantined(&path),
        }
    }
}

impl<K: KeyStore, C: Clock> SessionStore for Vault<K, C> {
    fn load(&self) -> Result<Option<Session>, AuthError> {
        let bytes = files::read(&self.path())?;
        // A locked or absent keychain is an error here, so a healthy file is never condemned for it.
        let key = self.stored_key(bytes.as_deref())?;
        match (bytes, key) {
            (None, None) => self.migrate_v1(),
            (Some(bytes), Some((key, home))) => match self.open_with(&bytes, &key).and_then(|s| self.not_from_the_future(s)) {
                Ok(session) => {
                    *self.home.lock().unwrap() = home;
                    Ok(Some(session))
                }
                Err(AuthError::StorageCorrupt { kind, detail }) => Err(self.condemn(kind, detail)),
                Err(e) => Err(e),
            },
            (Some(_), None) => Err(self.condemn(Corruption::KeyMissing, "the vault file's key is missing from the keychain".into())),
            (None, Some(_)) => Err(AuthError::StorageCorrupt {
                kind: Corruption::FileMissing,
                detail: format!("the keychain holds a vault key but {} is missing", self.path().display()),
            }),
        }
    }

    /// Key first (created once, then reused), then the sealed file, atomically. If the file
    /// step fails, the previous file is untouched and the key still opens it.
    fn save(&self, session: &Session) -> Result<(), AuthError> {
        self.writable()?;
        files::ensure_dir(&self.dir)?;
        let mut cached = self.key.lock().unwrap();
        if cached.is_none() {
            // A malformed key opens nothing (load already set its file aside), so it is replaced.
            let sealed = files::read(&self.path())?;
            let existing = match self.stored_key(sealed.as_deref()) {
                Ok(found) => found.and_then(|(text, home)| VaultKey::decode(text.expose_secret()).ok().map(|k| (k, home))),
                Err(e) if self.may_fall_back(&e) => None,
                Err(e) => return Err(e),
            };
            let (key, home) = match existing {
                Some(found) => found,
                None => {
                    let key = VaultKey::generate()?;
                    let home = self.store_new_key(&key)?;
                    (key, home)
                }
            };
            *cached = Some(key);
            *self.home.lock().unwrap() = home;
        }
        let bytes = sealed::seal(session, cached.as_ref().expect("key set above"))?;
        files::write_atomic(&self.path(), &bytes)
    }

    /// The file first (it holds the tokens), then the key and any v1 record.
    fn clear(&self) -> Result<(), AuthError> {
        self.writable()?;
        files::remove(&self.path())?;
        *self.key.lock().unwrap() = None;
        self.key_file.remove()?;
        match self.keys.delete(KEY_ACCOUNT).and_then(|_| self.keys.delete(legacy::ACCOUNT)) {
            // The vault file is gone, so a key left in the unavailable keychain opens nothing.
            Err(e) if self.may_fall_back(&e) => Ok(()),
            result => result,
        }
    }

    fn persistence(&self) -> Persistence {
        match *self.home.lock().unwrap() {
            KeyHome::Keychain => Persistence::Keychain,
            KeyHome::File => Persistence::InsecureFile,
        }
    }
}

/// What `doctor` shows about the vault.
#[derive(Debug, Serialize)]
pub struct VaultReport {
    pub file: PathBuf,
    pub file_present: bool,
    /// `Ok(present)`, or the keychain error code.
    pub key_present: Result<bool, String>,
    /// The vault key file, when the key is kept there (insecure fallback); `None` otherwise.
    pub insecure_key_file: Option<PathBuf>,
    /// Policy `allow_insecure_storage_fallback`.
    pub insecure_fallback_allowed: bool,
    pub quarantined: Vec<PathBuf>,
}

/// A session kept in memory only: for `session_persistence: memory_only` ([`MemoryStore::by_policy`]) and, standing
/// in for the vault, for tests.
#[derive(Default)]
pub struct MemoryStore {
    session: Mutex<Option<Session>>,
    by_policy: bool,
}

impl MemoryStore {
    /// The store `session_persistence: memory_only` asks for: it says so ([`Persistence::MemoryOnly`]).
    pub fn by_policy() -> Self {
        Self { session: Mutex::default(), by_policy: true }
    }
}

impl SessionStore for MemoryStore {
    fn load(&self) -> Result<Option<Session>, AuthError> {
        Ok(self.session.lock().unwrap().clone())
    }
    fn save(&self, session: &Session) -> Result<(), AuthError> {
        *self.session.lock().unwrap() = Some(session.clone());
        Ok(())
    }
    fn clear(&self) -> Result<(), AuthError> {
        *self.session.lock().unwrap() = None;
        Ok(())
    }
    fn persistence(&self) -> Persistence {
        if self.by_policy {
            Persistence::MemoryOnly
        } else {
            Persistence::Keychain
        }
    }
}

impl SessionStore for Box<dyn SessionStore> {
    fn load(&self) -> Result<Option<Session>, AuthError> {
        (**self).load()
    }
    fn save(&self, session: &Session) -> Result<(), AuthError> {
        (**self).save(session)
    }
    fn clear(&self) -> Result<(), AuthError> {
        (**self).clear()
    }
    fn persistence(&self) -> Persistence {
        (**self).persistence()
    }
}

impl<T: SessionStore> SessionStore for std::sync::Arc<T> {
    fn load(&self) -> Result<Option<Session>, AuthError> {
        (**self).load()
    }
    fn save(&self, session: &Session) -> Result<(), AuthError> {
        (**self).save(session)
    }
    fn clear(&self) -> Result<(), AuthError> {
        (**self).clear()
    }
    fn persistence(&self) -> Persistence {
        (**self).persistence()
    }
}

#[cfg(test)]
mod tests;
