//! The session task: the one owner of the session. Its loop dispatches requests, network answers and the deadline
//! keeper's wake-ups; it is the only code that changes the session, saving each change before publishing it once.

mod account;
mod publish;
mod sign_out;

pub(super) use sign_out::attempt;

use super::deadlines::{self, Due, JumpWatch};
use super::live::{Live, TokenAnswer, UserCheck};
use super::pending_flow::PendingFlow;
use super::publisher::Publisher;
use super::requests::{Flow, Reply, Request};
use super::rules::EngineRules;
use super::storage::Storage;
use super::subtasks::{Answer, Subtasks};
use crate::api::{AuthApi, Grant, LogoutScope};
use crate::clock::Clock;
use crate::error::{AuthError, ErrorCode};
use crate::events::{AuthEvent, EventKind, Subject};
use crate::policy::SignInMethod;
use crate::schedule::{self, Failure, Jitter};
use crate::secret::AccessToken;
use crate::session::{Persistence, Session, SignOutReason, StateView, User};
use crate::vault::SessionStore;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc};

pub(super) struct Engine<A, S, C> {
    api: Arc<A>,
    storage: Storage<S>,
    clock: C,
    rules: EngineRules,
    live: Option<Live>,
    flow: PendingFlow,
    /// The network calls in flight; dropped (so aborted) with the engine.
    subtasks: Subtasks<A>,
    /// Bumped on every sign-in and sign-out, so a late network answer for an old session is ignored.
    generation: u64,
    waiters: Vec<Reply<AccessToken>>,
    jitter: Jitter,
    publisher: Publisher,
    jumps: JumpWatch,
    /// A `global` or `others` sign-out the server has not confirmed yet.
    pending: Option<sign_out::Pending>,
}

impl<A: AuthApi, S: SessionStore, C: Clock> Engine<A, S, C> {
    pub fn new(api: A, store: S, clock: C, rules: EngineRules, publisher: Publisher, refusals: broadcast::Sender<AuthError>) -> (Self, mpsc::Receiver<Answer>) {
        let api = Arc::new(api);
        let (subtasks, answers) = Subtasks::new(api.clone());
        let engine = Engine {
            api,
            storage: Storage::new(store),
            jumps: JumpWatch::new(clock.now_ms()),
            clock,
            flow: PendingFlow::new(rules.redirect, subtasks.answers(), refusals),
            jitter: Jitter::new(rules.jitter_seed),
            rules,
            live: None,
            subtasks,
            generation: 0,
            waiters: Vec::new(),
            publisher,
            pending: None,
        };
        (engine, answers)
    }

    /// Runs until every handle is dropped; the engine then drops its subtasks and any loopback listener with it.
    pub async fn run(mut self, mut requests: mpsc::Receiver<Request>, mut answers: mpsc::Receiver<Answer>) {
        self.restore().await;
        loop {
            let now = self.clock.now_ms();
            let wake = deadlines::next_wake(self.live.as_ref(), &self.rules, now).min(self.pending.as_ref().map_or(i64::MAX, |p| p.wake_at()));
            let sleep = deadlines::sleep_until(wake, now);
            tokio::select! {
                request = requests.recv() => match request {
                    Some(request) => self.handle(request).await,
                    None => break,
                },
                Some(answer) = answers.recv() => self.on_answer(answer).await,
                _ = tokio::time::sleep(sleep) => {}
            }
            self.tick().await;
        }
    }

    /// Reads the vault, with no network call, and publishes INITIAL_SESSION.
    async fn restore(&mut self) {
        if let Some(problem) = &self.rules.policy_error {
            tracing::error!(%problem, "managed policy is invalid; the saved session is left untouched");
            return self.publish(EventKind::InitialSession, StateView::SignedOut { reason: Some(SignOutReason::Policy) });
        }
        let now = self.clock.now_ms();
        match self.storage.load().await {
            Ok(Some(session)) if session.pending_sign_out == Some(LogoutScope::Global) => self.restore_pending(session).await,
            Ok(Some(session)) => {
                let received = session.last_refresh_at.unwrap_or(session.signed_in_at) * 1000;
                let live = self.new_live(session, self.storage.persistence(), received, now);
                let past_deadline = now >= live.deadline_ms;
                self.live = Some(live);
                self.restore_others();
                if past_deadline {
                    return self.end(SignOutReason::Timeout, EventKind::InitialSession).await;
                }
                self.publish(EventKind::InitialSession, self.view(now));
            }
            Ok(None) => self.publish(EventKind::InitialSession, StateView::SignedOut { reason: None }),
            Err(e) => {
                tracing::warn!(code = e.code(), error = %e, "the saved session could not be restored");
                let reason = if e.is_storage_unavailable() { SignOutReason::StorageUnavailable } else { SignOutReason::StorageCorrupt };
                self.publish(EventKind::InitialSession, StateView::SignedOut { reason: Some(reason) });
            }
        }
    }

    fn new_live(&mut self, session: Session, persistence: Persistence, received: i64, now: i64) -> Live {
        let max_age_ms = self.rules.max_session_age.as_millis() as i64;
        Live::new(session, persistence, received, max_age_ms, now, self.jitter.draw(), self.rules.require_mfa)
    }

    async fn handle(&mut self, request: Request) {
        let now = self.clock.now_ms();
        match request {
            Request::SignIn { email, password, reply } => drop(reply.send(self.sign_in(&email, &password).await)),
            Request::SignOut { scope, reply } => drop(reply.send(self.sign_out(scope).await)),
            Request::AccessToken { reply } => {
                self.tick().await; // deadlines first: no token after the session's end
                self.access_token(reply);
            }
            Request::ProviderTokens { reply } => {
                self.tick().await; // as for the access token
                drop(reply.send(self.live.as_ref().map(Live::provider_tokens).ok_or(AuthError::NotSignedIn)));
            }
            Request::Flow(flow) => self.flow(flow).await,
            Request::Account(request) => self.account(request).await,
            Request::Resumed => {
                tracing::info!("resumed from sleep; rechecking the session");
                if let Some(live) = self.live.as_mut() {
                    live.resumed(now);
                }
            }
            Request::Touch => self.live.iter_mut().for_each(|live| live.last_activity_ms = now),
        }
    }

    /// Acts on what the deadline keeper says is due; called after every wake, whatever woke the task.
    async fn tick(&mut self) {
        let now = self.clock.now_ms();
        self.flow.expire(now.div_euclid(1000));
        let jump = self.jumps.jumped(now);
        self.pending_due(now).await;
        let Some(live) = self.live.as_mut() else { return };
        if let Some(jump_ms) = jump {
            tracing::info!(jump_ms, "the wall clock jumped (resume from sleep, or a clock change); rechecking");
            live.check_user_now(now);
        }
        for due in deadlines::due(live, &self.rules, now) {
            match due {
                Due::End(reason) => return self.end(reason, EventKind::SignedOut).await,
                Due::Warn { passed, remaining_secs } => {
                    self.live.as_mut().expect("checked above").warnings_sent = passed;
                    self.announce(AuthEvent { remaining: Some(remaining_secs), ..AuthEvent::new(EventKind::SessionExpiring, self.view(now)) });
                }
                Due::AnnounceExpiry => {
                    let retry = self.live.as_mut().expect("checked above").announce_expiry();
                    self.announce(AuthEvent { retry, ..AuthEvent::new(EventKind::RefreshRetrying, self.view(now)) });
                }
                Due::Refresh => self.start_refresh(),
                Due::CheckUser => self.start_user_check(),
            }
        }
    }

    /// A session the vault refuses is kept in memory only, and the UI is told it won't survive a restart.
    async fn sign_in(&mut self, email: &str, password: &SecretString) -> Result<(), AuthError> {
        self.rules.permit(SignInMethod::Password)?;
        let grant = self.api.password_grant(email, password.expose_secret()).await?;
        self.establish(grant, EventKind::SignedIn).await;
        Ok(())
    }

    /// A new session from any sign-in flow: saved (or kept in memory), replacing and revoking any old one.
    async fn establish(&mut self, grant: Grant, event: EventKind) {
        let now = self.clock.now_ms();
        let mut session = grant.into_session(now.div_euclid(1000), now.div_euclid(1000));
        session.pending_sign_out = self.hand_pending_to_new_session();
        let persistence = self.storage.save(&session).await;
        let mut live = self.new_live(session, persistence, now, now);
        live.from_recovery = event == EventKind::PasswordRecovery;
        if let Some(old) = self.live.replace(live) {
            self.subtasks.revoke(old.session, LogoutScope::Local, now);
        }
        self.generation += 1;
        self.fail_waiters(AuthError::NotSignedIn);
        self.publish(event, self.view(now));
    }

    /// Ends the session: no more tokens, the vault wiped, the server session ended (best effort, while the access
    /// token is still valid), then the event.
    async fn end(&mut self, reason: SignOutReason, event: EventKind) {
        let Some(live) = self.take_live() else { return };
        if let Err(e) = self.storage.clear().await {
            tracing::warn!(code = e.code(), error = %e, "could not wipe the vault");
        }
        let subject = Subject::of(&live.session);
        if matches!(reason, SignOutReason::Timeout | SignOutReason::IdleTimeout | SignOutReason::Policy) {
            self.subtasks.revoke(live.session, LogoutScope::Local, self.clock.now_ms());
        }
        self.publish_ended(event, reason, subject.clone());
        self.drop_pending_others(subject);
    }

    /// The session leaves `live`: no more tokens, and any late answer about it is ignored.
    fn take_live(&mut self) -> Option<Live> {
        let live = self.live.take()?;
        self.generation += 1;
        self.fail_waiters(AuthError::NotSignedIn);
        Some(live)
    }

    fn access_token(&mut self, reply: Reply<AccessToken>) {
        let now = self.clock.now_ms();
        match self.live.as_ref().map(|live| live.token_for_caller(now)) {
            None => drop(reply.send(Err(AuthError::NotSignedIn))),
            Some(TokenAnswer::Ready(token)) => drop(reply.send(Ok(token))),
            Some(TokenAnswer::Pending(e)) => drop(reply.send(Err(e))),
            Some(TokenAnswer::Wait) => {
                self.waiters.push(reply);
                self.start_refresh();
            }
        }
    }

    /// The one place a refresh starts; while one is in flight, nobody starts another.
    fn start_refresh(&mut self) {
        let now = self.clock.now_ms();
        let Some(live) = self.live.as_mut() else { return };
        if !live.begin_refresh() {
            return;
        }
        self.subtasks.refresh(live.session.refresh_token.clone(), self.generation);
        self.publisher.show(self.view(now));
    }

    fn start_user_check(&mut self) {
        let Some(live) = self.live.as_mut() else { return };
        live.user_check = UserCheck::InFlight;
        self.subtasks.check_user(live.session.access_token.clone(), self.generation);
    }

    async fn on_answer(&mut self, answer: Answer) {
        match answer {
            Answer::Refresh { generation, result } if generation == self.generation => self.on_refresh(result).await,
            Answer::UserCheck { generation, result } if generation == self.generation => self.on_user_check(result).await,
            Answer::Callback { url, reply } => drop(reply.send(self.callback(&url).await)),
            Answer::ServerSignOut { result, rotated } => self.on_pending_answer(result, rotated).await,
            _ => {} // an answer about a session that has since ended
        }
    }

    /// The new refresh token is saved before anything uses or publishes it; only a terminal answer ends the session.
    async fn on_refresh(&mut self, result: Result<Grant, AuthError>) {
        let now = self.clock.now_ms();
        let Some(old) = self.live.as_ref().map(|live| &live.session) else { return };
        let e = match result {
            Ok(grant) => {
                let session = grant.renewing(old, now.div_euclid(1000));
                crate::test_hooks::after_rotation().await;
                let persistence = self.storage.save(&session).await;
                let u = self.jitter.draw();
                let Some(live) = self.live.as_mut() else { return };
                live.refreshed(session, persistence, now, u);
                let token = live.session.access_token.clone();
                self.waiters.drain(..).for_each(|waiter| drop(waiter.send(Ok(token.clone()))));
                return self.publish(EventKind::TokenRefreshed, self.view(now));
            }
            Err(e) => e,
        };
        let failure = match schedule::classify(&e) {
            Failure::Terminal(reason) => {
                tracing::info!(code = e.code(), "the server ended the session");
                return self.end(reason, EventKind::SignedOut).await;
            }
            failure => failure,
        };
        let u = self.jitter.draw();
        let Some(live) = self.live.as_mut() else { return };
        let retry = live.refresh_failed(&failure, e.code(), now, u);
        tracing::warn!(code = e.code(), attempt = retry.attempt, "refresh failed; retrying later, the session is kept");
        let usable = live.usable(now).then(|| live.session.access_token.clone());
        self.waiters.drain(..).for_each(|waiter| drop(waiter.send(usable.clone().ok_or_else(|| e.clone()))));
        self.announce(AuthEvent { retry: Some(retry), ..AuthEvent::new(EventKind::RefreshRetrying, self.view(now)) });
    }

    /// `GET /user` tells whether the session was ended elsewhere (sign-out everywhere, password change, ban).
    async fn on_user_check(&mut self, result: Result<User, AuthError>) {
        let next = self.clock.now_ms() + self.rules.user_check_interval.as_millis() as i64;
        let Some(live) = self.live.as_mut() else { return };
        live.user_check = UserCheck::Due { at: next };
        match result {
            Ok(user) if user != live.session.user => self.user_changed(user).await,
            Ok(_) => {}
            Err(e) if matches!(e.known_code(), Some(ErrorCode::SessionNotFound | ErrorCode::UserNotFound | ErrorCode::UserBanned)) => {
                tracing::info!(code = e.code(), "the session was ended elsewhere");
                self.end(SignOutReason::Revoked, EventKind::SignedOut).await;
            }
            Err(e) => tracing::debug!(code = e.code(), "user check inconclusive"),
        }
    }

    /// Saves and publishes a change to the signed-in user (its factors included: the stage follows them).
    async fn user_changed(&mut self, user: User) {
        let Some(live) = self.live.as_mut() else { return };
        live.set_user(user);
        let session = live.session.clone();
        let persistence = self.storage.save(&session).await;
        if let Some(live) = self.live.as_mut() {
            live.persistence = persistence;
        }
        self.publish(EventKind::UserUpdated, self.view(self.clock.now_ms()));
    }

    async fn flow(&mut self, flow: Flow) {
        let (api, rules, now) = (&*self.api, &self.rules, self.clock.now_unix());
        match flow {
            Flow::SignUp { email, password, reply } => {
                let signed_in = match self.flow.sign_up(api, rules, &email, &password, now).await {
                    Ok(Some(grant)) => self.sign_in_with(Ok((grant, EventKind::SignedIn))).await.map(|()| false),
                    other => other.map(|_| true),
                };
                drop(reply.send(signed_in));
            }
            Flow::SendEmailCode { email, reply } => drop(reply.send(self.flow.send_email_code(api, rules, &email, now).await)),
            Flow::VerifyEmailCode { email, code, reply } => {
                let grant = self.flow.verify_email_code(api, rules, &email, &code).await;
                drop(reply.send(self.sign_in_with(grant.map(|g| (g, EventKind::SignedIn))).await));
            }
            Flow::StartOAuth { provider, options, reply } => drop(reply.send(self.flow.start_oauth(api, rules, &provider, options, now))),
            Flow::StartSso { target, reply } => drop(reply.send(self.flow.start_sso(api, rules, target, now).await)),
            Flow::Cancel { reply } => drop(reply.send(Ok(self.flow.cancel()))),
            Flow::Callback { url, reply } => drop(reply.send(self.callback(&url).await)),
            Flow::RecoverPassword { email, reply } => drop(reply.send(self.flow.recover(api, rules, &email, now).await)),
            Flow::SendPhoneCode { phone, reply } => drop(reply.send(self.flow.send_phone_code(api, rules, &phone).await)),
            Flow::VerifyPhoneCode { phone, code, reply } => {
                let grant = self.flow.verify_phone_code(api, rules, &phone, &code).await;
                drop(reply.send(self.sign_in_with(grant.map(|g| (g, EventKind::SignedIn))).await));
            }
            Flow::SetRedirect { redirect, reply } => {
                self.flow.set_redirect(redirect);
                drop(reply.send(Ok(())));
            }
        }
    }

    /// A `latchkey://` link, or a callback that reached the flow's loopback listener.
    async fn callback(&mut self, url: &str) -> Result<(), AuthError> {
        let grant = self.flow.exchange(&*self.api, &self.rules, url, self.clock.now_unix()).await;
        self.sign_in_with(grant).await
    }

    /// Signs in with a flow's grant.
    async fn sign_in_with(&mut self, grant: Result<(Grant, EventKind), AuthError>) -> Result<(), AuthError> {
        let (grant, event) = grant?;
        self.establish(grant, event).await;
        Ok(())
    }
}
