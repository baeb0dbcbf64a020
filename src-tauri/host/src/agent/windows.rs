//! Windows: the agent on a named pipe, `\\.\pipe\dev.latchkey.desktop-<digest>`. NEVER COMPILED: the Linux machines
//! this project is built on cannot compile `cfg(windows)` code, so this is kept a thin shell over tokio's named pipes
//! and the tested `Agent::answer`. Remote clients are rejected; the pipe's default security gives other users read
//! access only, so they cannot send a request (the peer's account is not checked beyond that).

use super::Agent;
use latchkey_core::{Config, APP_ID};
use std::io;
use std::sync::Arc;
use tokio::net::windows::named_pipe::{ClientOptions, NamedPipeClient, ServerOptions};

pub fn address(config: &Config) -> String {
    format!(r"\\.\pipe\{APP_ID}-{}", super::name(config))
}

/// Creates the pipe (failing if another agent owns it) and answers each connection on a fresh instance.
pub async fn listen(agent: Arc<Agent>) -> io::Result<()> {
    let name = address(&agent.config);
    let mut server = ServerOptions::new().first_pipe_instance(true).reject_remote_clients(true).create(&name)?;
    loop {
        server.connect().await?;
        let connected = std::mem::replace(&mut server, ServerOptions::new().reject_remote_clients(true).create(&name)?);
        let agent = agent.clone();
        tokio::spawn(async move { agent.answer(connected).await });
    }
}

/// A connection to the agent, or `None` when no agent runs.
pub fn connect(config: &Config) -> io::Result<Option<NamedPipeClient>> {
    match ClientOptions::new().open(address(config)) {
        Ok(client) => Ok(Some(client)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
