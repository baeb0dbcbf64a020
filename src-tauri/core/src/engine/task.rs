//! The session task: the one owner of the session. Its loop dispatches requests, network answers and the deadline
//! keeper's wake-ups to the types that own each concern, handing them only the parts they need; every change of the
//! session happens in its turn, saved before it is published once.

mod account;
mod flows;
mod follow;
mod sign_out;


use super::deadlines::{self, Due, JumpWatch};
use super::current::{Checked, Current};
use super::live::Live;
use super::pending_flow::PendingFlow;
use super::publisher::Publisher;
use super::requests::{Account, Flow, Request};
use super::rules::EngineRules;
use super::storage::Storage;
use super::subtasks::{Answer, Subtasks};
use crate::api::{AuthApi, Grant, LogoutScope};
use crate::clock::Clock;
use crate::error::AuthError;
use crate::events::{AuthEvent, EventKind, SignOutReport, Subject};
use crate::schedule::{self, Failure, Jitter};
use crate::session::{SignOutReason, StateView, User};
use crate::vault::SessionStore;
use crate::wake::Woke;
use account::{AccountCall, Then};
use follow::{Followed, Restored};
use sign_out::{Answered, News, Parts, Route, SignOuts};
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc};

pub(super) struct Engine<A, S, C> {
    api: Arc<A>,
    storage: Storage<S>,
    clock: C,
    rules: EngineRules,
    current: Current,
    flow: PendingFlow,
    /// The network calls in flight; dropped (so aborted) with the engine.
    subtasks: Subtasks<A>,
    jitter: Jitter,
    publisher: Publisher,
    jumps: JumpWatch,
    /// A `global` or `others` sign-out the server has not confirmed yet, and its retries.
    sign_outs: SignOuts,
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
            sign_outs: SignOuts::new(rules.max_session_age.as_millis() as i64),
            rules,
            current: Current::new(),
            subtasks,
            publisher,
        };
        (engine, answers)
    }

    /// Runs until every handle is dropped; the engine then drops its subtasks and any loopback listener with it.
    /// Between events it sleeps on its clock's watch until the next deadline (or the backstop); nothing else wakes it.
    pub async fn run(mut self, mut requests: mpsc::Receiver<Request>, mut answers: mpsc::Receiver<Answer>) {
        let mut watch = self.clock.watch(self.rules.wall_check_interval);
        self.restore().await;
        loop {
            let now = self.clock.now_ms();
            let pending = self.sign_outs.wake_at().filter(|_| self.storage.writes()); // the holder retries
            let flow_ends = self.flow.expires_at_ms();
            let next = deadlines::next_wake(self.current.live.as_ref(), &self.rules, now).into_iter().chain(pending).chain(flow_ends).min();
            let wake_at = deadlines::wake_at(next, now);
            tokio::select! {
                request = requests.recv() => match request {
                    Some(request) => self.handle(request).await,
                    None => break,
                },
                Some(answer) = answers.recv() => self.on_answer(answer).await,
                woke = watch.sleep_until_wall(wake_at) => self.woke(woke),
            }
            self.tick().await;
        }
    }

    /// A resume or a clock set (Linux reports a resume as either): the revocation check is due now and a failed
    /// refresh is retried now. A deadline or the backstop needs nothing more than the tick that follows.
    fn woke(&mut self, woke: Woke) {
        if !matches!(woke, Woke::Resumed | Woke::ClockChanged) {
            return;
        }
        tracing::info!(?woke, "resumed from sleep, or the clock was set; rechecking the session");
        let now = self.clock.now_ms();
        self.current.live.iter_mut().for_each(|live| live.resumed(now));
    }

    /// Reads the vault, with no network call, and publishes INITIAL_SESSION.
    async fn restore(&mut self) {
        if let Some(problem) = &self.rules.policy_error {
            tracing::error!(%problem, "managed policy is invalid; the saved session is left untouched");
            return self.publish(EventKind::InitialSession, StateView::SignedOut { reason: Some(SignOutReason::Policy) });
        }
        let now = self.clock.now_ms();
        match follow::restore(&mut self.current, &mut self.sign_outs, &self.storage, &mut self.jitter, &self.rules, now).await {
            Restored::Live { past_deadline: true } => self.end(SignOutReason::Timeout, EventKind::InitialSession).await,
            Restored::Live { past_deadline: false } => self.publish(EventKind::InitialSession, self.view(now)),
            Restored::SignedOut(reason) => self.publish(EventKind::InitialSession, StateView::SignedOut { reason }),
        }
    }

    async fn handle(&mut self, request: Request) {
        let now = self.clock.now_ms();
        match request {
            Request::SignIn { email, password, reply } => {
                let grant = flows::password(&*self.api, &self.rules, &email, &password).await;
                drop(reply.send(self.sign_in_with(grant).await));
            }
            Request::SignOut { scope, reply } => drop(reply.send(self.sign_out(scope).await)),
            Request::AccessToken { reply } => {
                self.tick().await; // deadlines first: no token after the session's end
                if self.current.ask(reply, now) {
                    self.start_refresh();
                }
            }
            Request::ProviderTokens { reply } => {
                self.tick().await; // as for the access token
                drop(reply.send(self.current.live.as_ref().map(Live::provider_tokens).ok_or(AuthError::NotSignedIn)));
            }
            Request::Flow(flow) => self.flow(flow).await,
            Request::Account(request) => self.account(request).await,
            Request::Touch => self.current.live.iter_mut().for_each(|live| live.last_activity_ms = now),
            Request::VaultChanged if !self.storage.writes() => self.adopt_vault().await, // a writer ignores its own writes
            Request::VaultChanged => {}
            Request::TookLock(lock) => {
                self.storage.take_over(lock); // the holder quit: from its last write on, this process renews
                tracing::info!("took the vault lock over from a Latchkey process that quit; this one renews the session now");
                self.adopt_vault().await;
            }
        }
    }

    /// A flow request; a grant it yields signs in before the reply.
    async fn flow(&mut self, flow: Flow) {
        let now = self.clock.now_unix();
        if let Some((grant, reply)) = flows::run(&mut self.flow, &*self.api, &self.rules, now, flow).await {
            reply.send(self.sign_in_with(grant).await);
        }
    }

    /// An account request; what it changes of the session is saved and published before the reply.
    async fn account(&mut self, request: Account) {
        let call = AccountCall { api: &*self.api, rules: &self.rules, clock: &self.clock, live: self.current.live.as_mut() };
        if let Some((then, reply)) = call.run(request).await {
            drop(reply.send(self.carry_out(then).await));
        }
    }

    async fn carry_out(&mut self, then: Result<Then, AuthError>) -> Result<(), AuthError> {
        match then? {
            Then::Nothing => {}
            Then::SteppedUp(grant) => {
                let now = self.clock.now_ms();
                if self.current.stepped_up(grant, &self.storage, &mut self.jitter, now).await {
                    tracing::info!("second factor verified");
                    self.publish(EventKind::MfaChallengeVerified, self.view(now));
                }
            }
            Then::UserChanged { user, refresh } => {
                self.user_changed(user).await;
                if refresh {
                    self.start_refresh();
                }
            }
            Then::End(reason) => self.end(reason, EventKind::SignedOut).await,
            Then::SignOutHere => return self.sign_out(LogoutScope::Local).await.map(drop),
        }
        Ok(())
    }

    /// Acts on what the deadline keeper says is due; called after every wake, whatever woke the task.
    async fn tick(&mut self) {
        let now = self.clock.now_ms();
        self.flow.expire(now.div_euclid(1000));
        let jump = self.jumps.jumped(now);
        let (sign_outs, parts) = self.sign_outs();
        let news = sign_outs.due(parts, now).await;
        self.tell(news);
        let Some(live) = self.current.live.as_mut() else { return };
        if let Some(jump_ms) = jump {
            tracing::info!(jump_ms, "the wall clock jumped (resume from sleep, or a clock change); rechecking");
            live.check_user_now(now);
        }
        for due in deadlines::due(live, &self.rules, now) {
            match due {
                Due::End(reason) => return self.end(reason, EventKind::SignedOut).await,
                Due::Warn { passed, remaining_secs } => {
                    self.current.live.as_mut().expect("checked above").warnings_sent = passed;
                    self.announce(AuthEvent { remaining: Some(remaining_secs), ..AuthEvent::new(EventKind::SessionExpiring, self.view(now)) });
                }
                Due::AnnounceExpiry => {
                    let retry = self.current.live.as_mut().expect("checked above").announce_expiry();
                    self.announce(AuthEvent { retry, ..AuthEvent::new(EventKind::RefreshRetrying, self.view(now)) });
                }
                Due::Refresh => self.start_refresh(),
                Due::CheckUser => {
                    if let Some((token, generation)) = self.current.begin_user_check() {
                        self.subtasks.check_user(token, generation);
                    }
                }
            }
        }
    }

    /// Signs in with a grant (a password's, or a flow's). A session the vault refuses is kept in memory only, and the
    /// UI is told it won't survive a restart.
    async fn sign_in_with(&mut self, grant: Result<(Grant, EventKind), AuthError>) -> Result<(), AuthError> {
        let (grant, event) = grant?;
        self.establish(grant, event).await;
        Ok(())
    }

    /// A new session from any sign-in flow: saved (or kept in memory), replacing and revoking any old one.
    async fn establish(&mut self, grant: Grant, event: EventKind) {
        let now = self.clock.now_ms();
        let mut session = grant.into_session(now.div_euclid(1000), now.div_euclid(1000));
        session.pending_sign_out = self.sign_outs.hand_to_new_session(now);
        let persistence = self.storage.save(&session).await;
        let mut live = Live::start(session, persistence, now, now, &self.rules, self.storage.renews(persistence), self.jitter.draw());
        live.from_recovery = event == EventKind::PasswordRecovery;
        if let Some(old) = self.current.replace(live) {
            self.subtasks.revoke(old.session, LogoutScope::Local, now);
        }
        self.publish(event, self.view(now));
    }

    /// Ends the session: no more tokens, the vault wiped, the server session ended (best effort, while the access
    /// token is still valid), then the event.
    async fn end(&mut self, reason: SignOutReason, event: EventKind) {
        let Some(live) = self.current.take() else { return };
        if let Err(e) = self.storage.clear().await {
            tracing::warn!(code = e.code(), error = %e, "could not wipe the vault");
        }
        let subject = Subject::of(&live.session);
        if matches!(reason, SignOutReason::Timeout | SignOutReason::IdleTimeout | SignOutReason::Policy) {
            self.subtasks.revoke(live.session, LogoutScope::Local, self.clock.now_ms());
        }
        self.publish_ended(event, reason, subject.clone());
        let news = self.sign_outs.drop_others(subject);
        self.tell(news);
    }

    /// The one place a refresh starts; while one is in flight, nobody starts another.
    fn start_refresh(&mut self) {
        let Some((token, generation)) = self.current.begin_refresh() else { return };
        self.subtasks.refresh(token, generation);
        self.publisher.show(self.view(self.clock.now_ms()));
    }

    async fn on_answer(&mut self, answer: Answer) {
        match answer {
            Answer::Refresh { generation, result } if self.current.is(generation) => self.on_refresh(result).await,
            Answer::UserCheck { generation, result } if self.current.is(generation) => self.on_user_check(result).await,
            Answer::Callback { url, reply } => self.flow(Flow::Callback { url, reply }).await,
            Answer::ServerSignOut { result, rotated } => {
                let (sign_outs, parts) = self.sign_outs();
                match sign_outs.answer(parts, result, rotated).await {
                    Answered::Ignored => {}
                    Answered::Retrying(pending) => self.publisher.show_pending(Some(pending)),
                    Answered::Over(news) => self.tell(Some(news)),
                }
            }
            _ => {} // an answer about a session that has since ended
        }
    }

    /// The new refresh token is saved before anything uses or publishes it; only a terminal answer ends the session.
    async fn on_refresh(&mut self, result: Result<Grant, AuthError>) {
        let now = self.clock.now_ms();
        let e = match result {
            Ok(grant) => {
                if self.current.refreshed(grant, &self.storage, &mut self.jitter, now).await {
                    self.publish(EventKind::TokenRefreshed, self.view(now));
                }
                return;
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
        if let Some(retry) = self.current.refresh_failed(&failure, &e, now, self.jitter.draw()) {
            self.announce(AuthEvent { retry: Some(retry), ..AuthEvent::new(EventKind::RefreshRetrying, self.view(now)) });
        }
    }

    /// `GET /user` tells whether the session was ended elsewhere, or its user changed.
    async fn on_user_check(&mut self, result: Result<User, AuthError>) {
        let next = self.clock.now_ms() + self.rules.user_check_interval.as_millis() as i64;
        match self.current.user_checked(result, next) {
            Checked::Unchanged => {}
            Checked::Changed(user) => self.user_changed(user).await,
            Checked::Revoked => self.end(SignOutReason::Revoked, EventKind::SignedOut).await,
        }
    }

    /// Saves and publishes a change to the signed-in user.
    async fn user_changed(&mut self, user: User) {
        if self.current.set_user(user, &self.storage).await {
            self.publish(EventKind::UserUpdated, self.view(self.clock.now_ms()));
        }
    }

    /// Signs out at `scope` and reports what the server part did (see `sign_out`'s module).
    async fn sign_out(&mut self, scope: LogoutScope) -> Result<SignOutReport, AuthError> {
        let (report, news) = match self.sign_outs.route(scope, self.current.live.is_some())? {
            Route::Here(scope) => {
                let live = self.current.take().expect("a live session");
                let kept = self.sign_outs.begin_here(scope, &live.session, &self.storage).await;
                self.publish_ended(EventKind::SignedOut, SignOutReason::User, Subject::of(&live.session));
                let (sign_outs, parts) = self.sign_outs();
                sign_outs.finish_here(parts, scope, live, kept).await
            }
            Route::Elsewhere(scope) => {
                let (sign_outs, parts) = self.sign_outs();
                sign_outs.elsewhere(parts, scope).await
            }
        };
        self.tell(news);
        Ok(report)
    }

    /// The sign-outs, and the parts of the task they use, borrowed apart.
    fn sign_outs(&mut self) -> (&mut SignOuts, Parts<'_, A, S, C>) {
        let parts = Parts { api: &*self.api, storage: &self.storage, jitter: &mut self.jitter, clock: &self.clock, subtasks: &mut self.subtasks, live: self.current.live.as_mut() };
        (&mut self.sign_outs, parts)
    }

    /// The holder wrote the vault: the session in hand follows it, and so does the pending sign-out.
    async fn adopt_vault(&mut self) {
        let Some((followed, global_record)) = follow::adopt(&mut self.current, &self.storage, &mut self.jitter, &self.rules, &self.clock).await else { return };
        let now = self.clock.now_ms();
        match followed {
            Followed::Nothing => {}
            Followed::Ended(reason, subject) => self.publish_ended(EventKind::SignedOut, reason, subject),
            Followed::Changed(event) => self.publish(event, self.view(now)),
        }
        self.sign_outs.as_kept(global_record, self.current.live.as_ref(), now);
    }

    fn view(&self, now: i64) -> StateView {
        self.current.view(&self.rules, now)
    }

    fn publish(&self, event: EventKind, state: StateView) {
        self.announce(AuthEvent::new(event, state));
    }

    /// SIGNED_OUT (or INITIAL_SESSION signed out) about a session that is already gone from `live`.
    fn publish_ended(&self, event: EventKind, reason: SignOutReason, subject: Subject) {
        let state = StateView::SignedOut { reason: Some(reason) };
        self.announce(AuthEvent { reason: Some(reason), subject: Some(subject), ..AuthEvent::new(event, state) });
    }

    /// SERVER_SIGN_OUT, if there is news: the state does not change.
    fn tell(&self, news: Option<News>) {
        let Some(News(server_sign_out, subject)) = news else { return };
        let state = if self.current.live.is_some() { self.view(self.clock.now_ms()) } else { self.publisher.state() };
        self.announce(AuthEvent { server_sign_out: Some(server_sign_out), subject, ..AuthEvent::new(EventKind::ServerSignOut, state) });
    }

    /// Publishes an event, with the pending sign-out; one that names nobody is about the live session (see [`Subject`]).
    fn announce(&self, mut event: AuthEvent) {
        event.subject = event.subject.or_else(|| self.current.subject());
        event.pending_sign_out = self.sign_outs.view();
        self.publisher.publish(event);
    }
}

