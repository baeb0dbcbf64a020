//! File operations of the vault: writes are atomic and durable, damaged files are set aside by rename, one process holds the lock.

use crate::error::AuthError;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};

/// Creates the data directory (owner-only on Unix) if it is missing, and keeps it so (see [`private_dir`]).
pub fn ensure_dir(dir: &Path) -> Result<(), AuthError> {
    private_dir(dir).map_err(|e| io_error("use the data directory", dir, e))
}

/// Creates `dir` (and its parents) for its owner only: 0700 on Unix. An existing one that others may enter is narrowed
/// back to 0700 with a warning; one that belongs to another user is refused. (On Windows the folder inherits the
/// per-user ACL of `%LOCALAPPDATA%`.)
pub fn private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir)?;
    #[cfg(unix)]
    keep_private(dir)?;
    Ok(())
}

#[cfg(unix)]
fn keep_private(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let meta = fs::metadata(dir)?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    if meta.uid() != unsafe { libc::geteuid() } {
        return Err(io::Error::new(io::ErrorKind::PermissionDenied, format!("it belongs to another user (uid {})", meta.uid())));
    }
    if meta.mode() & 0o077 != 0 {
        tracing::warn!(dir = %dir.display(), mode = format!("{:o}", meta.mode() & 0o777), "the folder was open to other users; narrowing it to 0700");
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Reads a file; a missing file is `None`.
pub fn read(path: &Path) -> Result<Option<Vec<u8>>, AuthError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("read", path, e)),
    }
}

/// Temp file in the same directory, fsync, rename over the target, fsync the directory:
/// a crash at any point leaves the old file or the new one, never a torn one. The temp file's name is fixed
/// (only the lock holder writes), so one left by a killed process is replaced by the next write, not piled up.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), AuthError> {
    let tmp = sibling(path, "tmp");
    let result = write_synced(&tmp, bytes)
        .inspect(|_| test_pause(path, "before-rename"))
        .and_then(|_| fs::rename(&tmp, path))
        .inspect(|_| test_pause(path, "after-rename"))
        .and_then(|_| sync_dir(path));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|e| io_error("write", path, e))
}

/// Writes a new file at `path`: one left there (a killed write, or planted) is removed first, never opened, and the new
/// one is created exclusively, never through a symlink, so it is ours with mode 0600.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    let mut file = options.open(path)?;
    let (head, tail) = bytes.split_at(bytes.len() / 2);
    file.write_all(head)?;
    test_pause(path, "mid-write");
    file.write_all(tail)?;
    file.sync_all()
}

/// The crash loop's pause at `point` of a write, for the session file only.
fn test_pause(path: &Path, point: &str) {
    if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with(super::FILE)) {
        crate::test_hooks::in_vault_write(point);
    }
}

fn sync_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Removes a file durably; a missing file is fine.
pub fn remove(path: &Path) -> Result<(), AuthError> {
    match fs::remove_file(path) {
        Ok(()) => sync_dir(path).map_err(|e| io_error("remove", path, e)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error("remove", path, e)),
    }
}

/// Moves a damaged file aside (`<name>.quarantine-<unix seconds>`), never deleting it. Returns the new path.
pub fn quarantine(path: &Path, now: i64) -> Result<PathBuf, AuthError> {
    let mut target = sibling(path, &format!("quarantine-{now}"));
    for n in 1.. {
        if !target.exists() {
            break;
        }
        target = sibling(path, &format!("quarantine-{now}-{n}"));
    }
    fs::rename(path, &target).and_then(|_| sync_dir(path)).map_err(|e| io_error("quarantine", path, e))?;
    Ok(target)
}

/// The quarantined files next to `path`, oldest first.
pub fn quarantined(path: &Path) -> Vec<PathBuf> {
    let prefix = format!("{}.quarantine-", path.file_name().unwrap_or_default().to_string_lossy());
    let mut found: Vec<PathBuf> = path
        .parent()
        .and_then(|dir| fs::read_dir(dir).ok())
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&prefix)))
        .collect();
    found.sort();
    found
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!("{name}.{suffix}"))
}

fn io_error(action: &str, path: &Path, e: io::Error) -> AuthError {
    AuthError::StorageIo(format!("could not {action} {}: {e}", path.display()))
}

/// An exclusive OS lock on `<dir>/vault.lock`, held for as long as this value lives.
#[derive(Debug)]
pub struct VaultLock {
    _file: File,
}

impl VaultLock {
    /// Waits up to `wait` for the lock; after that, `StorageBusy`.
    pub fn acquire(dir: &Path, wait: Duration) -> Result<VaultLock, AuthError> {
        ensure_dir(dir)?;
        let path = dir.join("vault.lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_error("open", &path, e))?;
        let deadline = Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(VaultLock { _file: file }),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(25)),
                Err(TryLockError::WouldBlock) => return Err(AuthError::StorageBusy),
                Err(TryLockError::Error(e)) => return Err(io_error("lock", &path, e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("latchkey-files-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        ensure_dir(&dir).unwrap();
        dir
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_file() {
        let dir = temp_dir("atomic");
        let path = dir.join("v");
        write_atomic(&path, b"old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(read(&path).unwrap().unwrap(), b"new");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = temp_dir("failed");
        let path = dir.join("v");
        write_atomic(&path, b"old").unwrap();
        fs::create_dir(sibling(&path, "tmp")).unwrap(); // the temp file cannot be created
        assert_eq!(write_atomic(&path, b"new").unwrap_err().code(), "storage_io");
        assert_eq!(read(&path).unwrap().unwrap(), b"old");
    }

    #[test]
    fn quarantine_moves_aside_without_overwriting() {
        let dir = temp_dir("quarantine");
        let path = dir.join("v");
        write_atomic(&path, b"one").unwrap();
        let first = quarantine(&path, 7).unwrap();
        write_atomic(&path, b"two").unwrap();
        let second = quarantine(&path, 7).unwrap();
        assert_ne!(first, second);
        assert_eq!(quarantined(&path), vec![first.clone(), second]);
        assert_eq!(read(&first).unwrap().unwrap(), b"one");
        assert!(read(&path).unwrap().is_none());
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[cfg(unix)]
    fn give_to_nobody(path: &Path) {
        std::os::unix::fs::lchown(path, Some(65534), Some(65534)).expect("chown to uid 65534: these checks need root");
    }

    #[cfg(unix)]
    #[test]
    fn an_existing_folder_open_to_others_is_narrowed_to_0700() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir("narrow").join("data");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        ensure_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_that_belongs_to_another_user_is_refused() {
        let dir = temp_dir("foreign").join("data");
        fs::create_dir(&dir).unwrap();
        give_to_nobody(&dir);
        let e = ensure_dir(&dir).unwrap_err();
        assert_eq!(e.code(), "storage_io");
        assert!(e.to_string().contains("belongs to another user"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn a_planted_temp_file_or_symlink_is_never_followed_nor_kept() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = temp_dir("planted");
        let path = dir.join("session.vault");
        let elsewhere = temp_dir("planted-target").join("victim");
        fs::write(&elsewhere, b"precious").unwrap();
        std::os::unix::fs::symlink(&elsewhere, sibling(&path, "tmp")).unwrap();
        write_atomic(&path, b"sealed").unwrap();
        assert_eq!(fs::read(&elsewhere).unwrap(), b"precious", "the symlink was followed");
        assert_eq!((read(&path).unwrap().unwrap(), mode(&path)), (b"sealed".to_vec(), 0o600));

        // A temp file planted by someone else, readable by all: the vault never inherits its owner or mode.
        let tmp = sibling(&path, "tmp");
        fs::write(&tmp, b"planted").unwrap();
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o666)).unwrap();
        give_to_nobody(&tmp);
        write_atomic(&path, b"sealed again").unwrap();
        let meta = fs::metadata(&path).unwrap();
        assert_eq!((mode(&path), meta.uid()), (0o600, unsafe { libc::geteuid() }));
        assert_eq!(read(&path).unwrap().unwrap(), b"sealed again");
    }

    #[test]
    fn the_lock_is_exclusive_until_dropped() {
        let dir = temp_dir("lock");
        let held = VaultLock::acquire(&dir, Duration::ZERO).unwrap();
        assert_eq!(VaultLock::acquire(&dir, Duration::from_millis(60)).unwrap_err().code(), "storage_busy");
        drop(held);
        VaultLock::acquire(&dir, Duration::ZERO).unwrap();
    }
}
