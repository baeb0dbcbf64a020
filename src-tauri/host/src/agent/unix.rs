//! Unix: the agent listens on `<runtime folder>/dev.latchkey.desktop/agent-<digest>.sock`, in a folder only this user
//! may enter (0700, created or narrowed here; another user's is refused), and answers only peers whose uid
//! (SO_PEERCRED, `getpeereid` on macOS) is its own.

use super::protocol::{line, Reply, MAX_REQUEST};
use super::Agent;
use latchkey_core::{Config, APP_ID};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

/// The agent's socket for `config`'s data folder: in `$XDG_RUNTIME_DIR` (else the temporary folder, by uid).
pub fn address(config: &Config) -> PathBuf {
    let folder = match dirs::runtime_dir() {
        Some(runtime) => runtime.join(APP_ID),
        None => std::env::temp_dir().join(format!("{APP_ID}-{}", rustix::process::getuid().as_raw())),
    };
    folder.join(format!("{}.sock", super::name(config)))
}

/// Binds the agent's socket and answers connections until the process ends. Fails when another agent already
/// answers there, or the folder is not this user's alone.
pub async fn listen(agent: Arc<Agent>) -> io::Result<()> {
    let path = address(&agent.config);
    let listener = bind(&path).await?;
    tracing::info!(socket = %path.display(), "the agent is listening");
    loop {
        let (stream, _) = listener.accept().await?;
        match stream.peer_cred().map(|peer| peer.uid()) {
            Ok(uid) if uid == rustix::process::getuid().as_raw() => {
                let agent = agent.clone();
                tokio::spawn(async move { agent.answer(stream).await });
            }
            peer => refuse(stream, peer).await,
        }
    }
}

/// Says no, then reads (and drops, unread) what the peer sent, so closing does not reset the connection before the
/// peer has read the refusal.
async fn refuse(mut stream: UnixStream, peer: io::Result<u32>) {
    tracing::warn!(peer_uid = ?peer.as_ref().ok(), "refused a connection to the agent from another user");
    let refused = Reply::Refused { message: "this Latchkey agent answers only its own user".into() };
    let _ = stream.write_all(&line(&refused)).await;
    let _ = stream.shutdown().await;
    let (mut sent, mut nowhere) = ((&mut stream).take(MAX_REQUEST), tokio::io::sink());
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), tokio::io::copy(&mut sent, &mut nowhere)).await;
}

async fn bind(path: &Path) -> io::Result<UnixListener> {
    private_folder(path.parent().expect("the socket is in a folder"))?;
    if path.exists() {
        if UnixStream::connect(path).await.is_ok() {
            return Err(io::Error::new(io::ErrorKind::AddrInUse, format!("another Latchkey agent answers at {}", path.display())));
        }
        std::fs::remove_file(path)?; // left by an agent that ended without removing it
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

/// The socket's folder, this user's alone: created 0700, or narrowed to it; another user's is refused.
pub(super) fn private_folder(folder: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(folder)?;
    let meta = std::fs::symlink_metadata(folder)?;
    if !meta.is_dir() || meta.uid() != rustix::process::getuid().as_raw() {
        return Err(io::Error::new(io::ErrorKind::PermissionDenied, format!("{} is not a folder of this user's", folder.display())));
    }
    if meta.mode() & 0o077 != 0 {
        tracing::warn!(folder = %folder.display(), mode = format!("{:o}", meta.mode() & 0o777), "narrowing the agent's folder to 0700");
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// A connection to the agent for `config`, or `None` when none answers (no socket, or one left by an agent that
/// ended).
pub async fn connect(config: &Config) -> io::Result<Option<UnixStream>> {
    match UnixStream::connect(address(config)).await {
        Ok(stream) => Ok(Some(stream)),
        Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused) => Ok(None),
        Err(e) => Err(e),
    }
}
