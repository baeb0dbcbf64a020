//! What the agent does with a request: the same core calls the command would make itself, on the agent's own core,
//! so its events reach the window, the audit log and every `watch` at once.

use super::protocol::{line, Reply, Request, MAX_REQUEST};
use crate::{reset, second_factor, status, Activity};
use latchkey_core::events::{AuthEvent, EventKind};
use latchkey_core::{AuthError, Config, SessionHandle};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::broadcast::error::RecvError;
use zeroize::Zeroize;

/// The resident agent: its core, its configuration and activity trail, and how it quits (after a reset).
pub struct Agent {
    pub core: SessionHandle,
    pub config: Config,
    pub activity: std::sync::Arc<Activity>,
    pub quit: Box<dyn Fn() + Send + Sync>,
}

impl Agent {
    /// Answers the one request on a connection whose peer has been checked.
    pub async fn answer<S: AsyncRead + AsyncWrite + Unpin>(&self, stream: S) {
        self.core.initialized().await; // the agent listens while its core restores the session
        let (read, mut write) = tokio::io::split(stream);
        let mut read = BufReader::new(read);
        let reply = match next_request(&mut read).await {
            Err(message) => bad_request(message),
            Ok(Request::Watch) => return self.stream_events(read, write).await,
            Ok(Request::SignIn { email, password }) => match self.core.sign_in_with_password(email, password.take()).await {
                Ok(()) => self.second_factor(&mut read, &mut write).await,
                Err(e) => failed(&e),
            },
            Ok(Request::SecondFactor) => self.second_factor(&mut read, &mut write).await,
            Ok(Request::Code { .. }) => bad_request("a code nobody asked for".into()),
            Ok(Request::SignOut { scope }) => match self.core.sign_out(scope).await {
                Ok(report) => Reply::SignedOut { state: status::describe_json(&self.core.snapshot()), report },
                Err(e) => failed(&e),
            },
            Ok(Request::Reset) => {
                let report = reset::through_engine(&self.config, &self.core, &self.activity).await;
                let _ = write.write_all(&line(&Reply::Reset { report })).await;
                let _ = write.flush().await;
                tracing::info!("reset through the agent: quitting");
                return (self.quit)();
            }
        };
        let _ = write.write_all(&line(&reply)).await;
    }

    /// When the session needs its second factor: the factor is challenged, the code asked for and verified.
    async fn second_factor<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(&self, read: &mut BufReader<R>, write: &mut W) -> Reply {
        let challenge = match second_factor::challenge(&self.core).await {
            Ok(None) => return Reply::SignedIn { state: status::describe_json(&self.core.snapshot()) },
            Ok(Some(challenge)) => challenge,
            Err(e) => return failed(&e),
        };
        if write.write_all(&line(&Reply::CodeNeeded { from: challenge.from.clone() })).await.is_err() {
            return failed(&AuthError::SecondFactorRequired);
        }
        let Ok(Request::Code { code }) = next_request(read).await else { return failed(&AuthError::SecondFactorRequired) };
        let mut code = code.take();
        let verified = second_factor::verify(&self.core, challenge, &code).await;
        code.zeroize();
        match verified {
            Ok(()) => Reply::SignedIn { state: status::describe_json(&self.core.snapshot()) },
            Err(e) => failed(&e),
        }
    }

    /// The current state as INITIAL_SESSION, then every newer event, until the peer hangs up or the core stops.
    async fn stream_events<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(&self, mut read: R, mut write: W) {
        let mut events = self.core.subscribe();
        let now = self.core.snapshot();
        let first = AuthEvent { seq: now.seq, pending_sign_out: now.pending_sign_out.clone(), ..AuthEvent::new(EventKind::InitialSession, now.state.clone()) };
        let mut next = Some(first);
        loop {
            if let Some(event) = next.take() {
                let reply = Reply::Event { event: serde_json::to_value(&event).expect("events serialize") };
                if write.write_all(&line(&reply)).await.is_err() {
                    return;
                }
            }
            next = tokio::select! {
                event = events.recv() => match event {
                    Ok(event) if event.seq > now.seq => Some(event),
                    Ok(_) => None,
                    Err(RecvError::Lagged(n)) => {
                        tracing::warn!(skipped = n, "a watcher lagged");
                        None
                    }
                    Err(RecvError::Closed) => return,
                },
                _ = read.read_u8() => return, // the peer hung up (or sent what nobody asked for)
            };
        }
    }
}

/// The next request line, bounded; its text is wiped (it may hold a password) and never repeated in an error.
async fn next_request<R: AsyncRead + Unpin>(read: &mut BufReader<R>) -> Result<Request, String> {
    let mut text = String::new();
    let request = match read.take(MAX_REQUEST).read_line(&mut text).await {
        Ok(_) => serde_json::from_str::<Request>(&text).map_err(|e| format!("not a request ({:?} error at column {})", e.classify(), e.column())),
        Err(e) => Err(format!("unreadable request: {e}")),
    };
    text.zeroize();
    request
}

fn bad_request(message: String) -> Reply {
    tracing::warn!(%message, "the agent got a bad request");
    Reply::Failed { error: serde_json::json!({ "code": "bad_request", "message": message }) }
}

fn failed(e: &AuthError) -> Reply {
    Reply::Failed { error: serde_json::to_value(e).expect("errors serialize") }
}
