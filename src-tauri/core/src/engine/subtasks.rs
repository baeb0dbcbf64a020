//! The engine's network calls run as tasks it owns: each answer comes back on one channel, tagged with the generation
//! of the session it is about, and every task still running is aborted when the engine stops.

use super::requests::Reply;
use crate::api::{end_session, sign_out_attempt, AuthApi, Grant, LogoutScope};
use crate::error::AuthError;
use crate::secret::{AccessToken, RefreshToken};
use crate::session::{Session, User};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// An answer for the session task.
pub(super) enum Answer {
    Refresh { generation: u64, result: Result<Grant, AuthError> },
    UserCheck { generation: u64, result: Result<User, AuthError> },
    /// A callback that reached the flow's loopback listener.
    Callback { url: String, reply: Reply<()> },
    /// A retried `global` or `others` sign-out, with the refresh token it rotated to, if it refreshed.
    ServerSignOut { result: Result<(), AuthError>, rotated: Option<RefreshToken> },
}

/// The tasks the engine started; dropping this aborts those still running.
pub(super) struct Subtasks<A> {
    api: Arc<A>,
    tasks: JoinSet<()>,
    answers: mpsc::Sender<Answer>,
}

impl<A: AuthApi> Subtasks<A> {
    pub fn new(api: Arc<A>) -> (Self, mpsc::Receiver<Answer>) {
        let (answers, rx) = mpsc::channel(16);
        (Subtasks { api, tasks: JoinSet::new(), answers }, rx)
    }

    /// Where the loopback listener sends the callbacks it receives.
    pub fn answers(&self) -> mpsc::Sender<Answer> {
        self.answers.clone()
    }

    pub fn refresh(&mut self, token: RefreshToken, generation: u64) {
        let (api, answers) = (self.api.clone(), self.answers.clone());
        self.spawn(async move {
            let result = api.refresh_grant(&token).await;
            let _ = answers.send(Answer::Refresh { generation, result }).await;
        });
    }

    /// `GET /user`: whether the session was ended elsewhere.
    pub fn check_user(&mut self, token: AccessToken, generation: u64) {
        let (api, answers) = (self.api.clone(), self.answers.clone());
        self.spawn(async move {
            let result = api.fetch_user(&token).await;
            let _ = answers.send(Answer::UserCheck { generation, result }).await;
        });
    }

    /// Retries a `global` or `others` sign-out (refresh first when there is no usable access token).
    pub fn sign_out_elsewhere(&mut self, access: Option<AccessToken>, refresh: RefreshToken, scope: LogoutScope) {
        let (api, answers) = (self.api.clone(), self.answers.clone());
        self.spawn(async move {
            let (result, rotated) = sign_out_attempt(&*api, access, refresh, scope).await;
            let _ = answers.send(Answer::ServerSignOut { result, rotated }).await;
        });
    }

    /// Ends a server session in the background, best effort: the local state is already gone.
    pub fn revoke(&mut self, session: Session, scope: LogoutScope, now_ms: i64) {
        let api = self.api.clone();
        self.spawn(async move {
            if let Err(e) = end_session(&*api, &session, scope, now_ms).await {
                tracing::debug!(code = e.code(), "best-effort server sign-out failed");
            }
        });
    }

    fn spawn(&mut self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        while self.tasks.try_join_next().is_some() {} // forget the finished ones
        self.tasks.spawn(task);
    }
}
