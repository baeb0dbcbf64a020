//! The vault key in a file (mode 0600, in the 0700 data directory): written only when the keychain is unavailable
//! and the admin policy `allow_insecure_storage_fallback` allows it. The session stays sealed; only the key's home is weaker.

use super::files;
use crate::error::AuthError;
use secrecy::SecretString;
use std::path::{Path, PathBuf};

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "vault-key.insecure";

pub struct KeyFile {
    path: PathBuf,
}

impl KeyFile {
    pub fn new(dir: &Path) -> Self {
        KeyFile { path: dir.join(KEY_FILE) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    /// The key text, if the file exists. A file readable by others is narrowed back to 0600 first.
    pub fn read(&self) -> Result<Option<SecretString>, AuthError> {
        let Some(bytes) = files::read(&self.path)? else { return Ok(None) };
        narrow_permissions(&self.path);
        let text = String::from_utf8(bytes).map_err(|_| AuthError::StorageCorrupt {
            kind: crate::error::Corruption::BadKey,
            detail: format!("{} is not a vault key", self.path.display()),
        })?;
        Ok(Some(SecretString::from(text)))
    }

    /// Written atomically with mode 0600.
    pub fn write(&self, key_text: &str) -> Result<(), AuthError> {
        files::write_atomic(&self.path, key_text.as_bytes())
    }

    pub fn remove(&self) -> Result<(), AuthError> {
        files::remove(&self.path)
    }
}

#[cfg(unix)]
fn narrow_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(file = %path.display(), "the vault key file was readable by others; setting it back to 0600");
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
    }
}

#[cfg(not(unix))]
fn narrow_permissions(_: &Path) {}
