//! The command line's side of the channel: send one request, read the replies.

use super::protocol::{line, Reply, Request};
use latchkey_core::Config;
use std::io;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use zeroize::Zeroize;

#[cfg(unix)]
type Stream = tokio::net::UnixStream;
#[cfg(windows)]
type Stream = tokio::net::windows::named_pipe::NamedPipeClient;

/// A request sent to the running agent, and its replies as they come.
pub struct Connection {
    stream: BufReader<Stream>,
}

/// Sends `request` to the agent for `config`'s data folder; `None` when no agent runs.
pub async fn connect(config: &Config, request: &Request) -> io::Result<Option<Connection>> {
    #[cfg(unix)]
    let stream = super::unix::connect(config).await?;
    #[cfg(windows)]
    let stream = super::windows::connect(config)?;
    let Some(stream) = stream else { return Ok(None) };
    let mut connection = Connection { stream: BufReader::new(stream) };
    connection.send(request).await?;
    Ok(Some(connection))
}

impl Connection {
    /// Sends a request (the first, or the code a `CodeNeeded` asked for).
    pub async fn send(&mut self, request: &Request) -> io::Result<()> {
        let mut bytes = line(request);
        let sent = self.stream.get_mut().write_all(&bytes).await;
        bytes.zeroize(); // it may hold a password
        sent
    }

    #[cfg(test)]
    pub(super) fn over(stream: Stream) -> Self {
        Connection { stream: BufReader::new(stream) }
    }

    /// The next reply; `None` once the agent has hung up.
    pub async fn next(&mut self) -> io::Result<Option<Reply>> {
        let mut text = String::new();
        if self.stream.read_line(&mut text).await? == 0 {
            return Ok(None);
        }
        serde_json::from_str(&text).map(Some).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("the agent's reply: {e}")))
    }
}
