//! The local channel to the resident agent (the window's process, which holds the vault lock): `latchkey sign-in`,
//! `sign-out`, `reset` and `watch` go through it while it runs, so they never meet a busy vault, and fall back to the
//! vault when no agent answers. One request per connection, one JSON object per line both ways (`protocol`); a
//! password only ever travels in, and is never logged or sent back. Unix: a socket in a 0700 folder of this user's
//! runtime folder, the peer's uid checked on every connection (`unix`); Windows: a named pipe (`windows`, never
//! compiled here).

mod client;
mod protocol;
mod serve;
#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;
#[cfg(all(test, unix))]
mod tests;

pub use client::{connect, Connection};
pub use protocol::{Password, Reply, Request};
pub use serve::Agent;
#[cfg(unix)]
pub use unix::{address, listen};
#[cfg(windows)]
pub use windows::{address, listen};

use latchkey_core::Config;

/// The agent's name for `config`'s data folder: a digest of the folder, so agents of different data folders (as in
/// the tests) never meet, and the same name in the CLI and the window.
fn name(config: &Config) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, config.data_dir.as_os_str().as_encoded_bytes());
    let hex: String = digest.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("agent-{hex}")
}
