//! The vault key in a file (mode 0600, in the 0700 data directory): written only when the keychain is unavailable
//! and the admin policy `allow_insecure_storage_fallback` allows it. The session stays sealed; only the key's home is weaker.

use super::files;
use crate::error::AuthError;
use secrecy::SecretString;
use std::fs::File;
use std::io::Read;
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

    /// The key text, if the file exists. It is opened without following a symlink, must be ours, and is narrowed
    /// back to 0600 (on the open file) before a byte is read.
    pub fn read(&self) -> Result<Option<SecretString>, AuthError> {
        let unusable = |detail: String| AuthError::StorageIo(format!("the vault key file {} {detail}", self.path.display()));
        let mut file = match open_no_follow(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(unusable(format!("cannot be opened ({e}); a symlink is never followed"))),
        };
        keep_private(&file, &self.path).map_err(unusable)?;
        let mut bytes = zeroize::Zeroizing::new(Vec::new());
        file.read_to_end(&mut bytes).map_err(|e| unusable(format!("cannot be read ({e})")))?;
        let text = std::str::from_utf8(&bytes).map_err(|_| AuthError::StorageCorrupt {
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

fn open_no_follow(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    options.open(path)
}

/// A regular file of this user's, 0600: wider modes are narrowed (with a warning), anything else is refused.
#[cfg(unix)]
fn keep_private(file: &File, path: &Path) -> Result<(), String> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta = file.metadata().map_err(|e| format!("cannot be inspected ({e})"))?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    if !meta.is_file() || meta.uid() != unsafe { libc::geteuid() } {
        return Err(format!("is not a file of this user's (uid {}); it is not used", meta.uid()));
    }
    if meta.mode() & 0o077 != 0 {
        tracing::warn!(file = %path.display(), "the vault key file was open to others; setting it back to 0600 before reading it");
        file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(|e| format!("cannot be narrowed to 0600 ({e})"))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn keep_private(_: &File, _: &Path) -> Result<(), String> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_key_file_open_to_others_is_narrowed_and_a_planted_one_is_never_followed_or_used() {
        let dir = crate::testing::temp_dir("key-file");
        let key = KeyFile::new(&dir);
        std::fs::write(key.path(), "the-key").unwrap();
        std::fs::set_permissions(key.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(key.read().unwrap().unwrap().expose_secret(), "the-key");
        assert_eq!(std::fs::metadata(key.path()).unwrap().permissions().mode() & 0o777, 0o600);

        let elsewhere = crate::testing::temp_dir("key-file-target").join("someone-elses-key");
        std::fs::write(&elsewhere, "planted-key").unwrap();
        std::fs::remove_file(key.path()).unwrap();
        std::os::unix::fs::symlink(&elsewhere, key.path()).unwrap();
        assert_eq!(key.read().map(|k| k.map(|k| k.expose_secret().to_string())).unwrap_err().code(), "storage_io", "a symlink is followed");

        std::fs::remove_file(key.path()).unwrap();
        std::fs::write(key.path(), "planted-key").unwrap();
        std::os::unix::fs::chown(key.path(), Some(65534), Some(65534)).expect("chown needs root");
        assert_eq!(key.read().map(|k| k.is_some()).unwrap_err().code(), "storage_io", "another user's key file is used");
    }
}
