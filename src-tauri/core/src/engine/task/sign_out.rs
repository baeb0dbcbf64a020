//! Sign-out and its server part. This device is signed out at once; `others` keeps it signed in. A `global` or
//! `others` sign-out the server has not confirmed is kept sealed in the vault (the session marked `pending_sign_out`;
//! with `global` it can do nothing but this), retried (refresh, then `/logout`) until the server confirms or the
//! session's deadline passes, and every outcome is published (SERVER_SIGN_OUT), so "sign out everywhere" never
//! silently leaves the other sessions alive. A sign-out with nothing loaded still removes the sealed session.

use crate::api::{AuthApi, LogoutScope};
use crate::clock::Clock;
use crate::engine::live::Live;
use crate::engine::storage::Storage;
use crate::api::sign_out_attempt;
use crate::engine::subtasks::Subtasks;
use crate::error::AuthError;
use crate::events::{PendingSignOut, ServerOutcome, ServerSignOut, SignOutReport, Subject};
use crate::schedule::{self, Failure, Jitter};
use crate::secret::{AccessToken, RefreshToken};
use crate::session::{Session, User};
use crate::vault::SessionStore;
use LogoutScope::{Global, Local, Others};

/// A `global` or `others` sign-out waiting for the server. Times are wall-clock milliseconds.
struct Pending {
    scope: LogoutScope,
    /// `global`: the signed-out session, kept only to retry this. `others`: `None` (the live session asks).
    record: Option<Session>,
    until_ms: i64,
    attempt: u32,
    next_at: i64,
    cause: String,
    in_flight: bool,
}

impl Pending {
    pub fn view(&self) -> PendingSignOut {
        let s = |ms: i64| ms.div_euclid(1000);
        PendingSignOut { scope: self.scope, until: s(self.until_ms), attempt: self.attempt, next_at: s(self.next_at), cause: self.cause.clone() }
    }

    /// When the task must wake for it.
    pub fn wake_at(&self) -> i64 {
        if self.in_flight { self.until_ms } else { self.next_at.min(self.until_ms) }
    }
}

/// The record a `global` sign-out keeps: the refresh token and who it belongs to (the user's id), nothing usable.
fn record_of(session: &Session) -> Session {
    let mut record = session.clone();
    record.access_token = AccessToken::new(String::new());
    record.access_expires_at = 0;
    record.user = User { id: session.user.id.clone(), ..User::default() };
    record.claims = None;
    record.pending_sign_out = Some(Global);
    record
}

/// Whether a failed server sign-out is worth trying again (the network, the server), or refused for good.
fn retryable(e: &AuthError) -> bool {
    !matches!(schedule::classify(e), Failure::Terminal(_))
}

/// SERVER_SIGN_OUT for the task to publish, about `subject` (else the live session): the state does not change.
pub(in crate::engine) struct News(pub ServerSignOut, pub Option<Subject>);

fn news(scope: LogoutScope, outcome: ServerOutcome, cause: Option<String>, subject: Option<Subject>) -> News {
    News(ServerSignOut { scope, outcome, cause }, subject)
}

/// The parts of the session task a sign-out uses, borrowed apart from its sign-outs. `live`: the live session, if any.
pub(in crate::engine) struct Parts<'a, A, S, C> {
    pub api: &'a A,
    pub storage: &'a Storage<S>,
    pub jitter: &'a mut Jitter,
    pub clock: &'a C,
    pub subtasks: &'a mut Subtasks<A>,
    pub live: Option<&'a mut Live>,
}

/// Where a sign-out is done: `Here` signs this device out first (the task publishes that); `Elsewhere` leaves this
/// device as it is (`others`, or nothing loaded).
pub(in crate::engine) enum Route {
    Here(LogoutScope),
    Elsewhere(LogoutScope),
}

/// What the answer to a retry leaves: nothing waited for it, another retry (shown without an event), or the outcome.
pub(in crate::engine) enum Answered {
    Ignored,
    Retrying(PendingSignOut),
    Over(News),
}

/// The sign-out waiting for the server, if any (one at a time), and its retries.
pub(in crate::engine) struct SignOuts {
    pending: Option<Pending>,
    /// The session lifetime: a restored `global` record is retried until its session's deadline.
    max_age_ms: i64,
}

impl SignOuts {
    pub fn new(max_age_ms: i64) -> Self {
        SignOuts { pending: None, max_age_ms }
    }

    /// The pending sign-out every event carries.
    pub fn view(&self) -> Option<PendingSignOut> {
        self.pending.as_ref().map(Pending::view)
    }

    /// When the task must wake for the pending sign-out (only the vault's holder retries it).
    pub fn wake_at(&self) -> Option<i64> {
        self.pending.as_ref().map(Pending::wake_at)
    }

    /// Where a sign-out at `scope` is done; `others` needs a session and keeps it.
    pub fn route(&self, scope: LogoutScope, signed_in: bool) -> Result<Route, AuthError> {
        let pending_others = self.pending.as_ref().is_some_and(|p| p.scope == Others);
        match (scope, signed_in) {
            (Others, false) => Err(AuthError::NotSignedIn),
            (Others, true) | (_, false) => Ok(Route::Elsewhere(scope)),
            // `local` while `others` still waits would leave those sessions alive: it ends every session instead.
            (Local, true) if pending_others => Ok(Route::Here(Global)),
            (scope, true) => Ok(Route::Here(scope)),
        }
    }

    /// `local` or `global`, the session just taken from `live`: what the vault keeps of it (a `global` record, else
    /// nothing) and what could not be done. The task publishes SIGNED_OUT next, then `finish_here` asks the server.
    pub async fn begin_here<S: SessionStore>(&mut self, scope: LogoutScope, session: &Session, storage: &Storage<S>) -> (Option<Session>, Vec<String>) {
        self.pending = None; // a pending `others` is part of this sign-out now
        let record = (scope == Global).then(|| record_of(session));
        let stored = match &record {
            Some(record) => storage.keep(record).await,
            None => storage.clear().await,
        };
        (record, stored.err().map(|e| storage_problem(&e)).into_iter().collect())
    }

    /// The server part of `local` or `global` (see `begin_here`).
    pub async fn finish_here<A: AuthApi, S: SessionStore, C: Clock>(
        &mut self,
        p: Parts<'_, A, S, C>,
        scope: LogoutScope,
        live: Live,
        (record, problems): (Option<Session>, Vec<String>),
    ) -> (SignOutReport, Option<News>) {
        let now = p.clock.now_ms();
        let access = (live.session.access_expires_at * 1000 - now > 5_000).then(|| live.session.access_token.clone());
        let (result, rotated) = sign_out_attempt(p.api, access, live.session.refresh_token.clone(), scope).await;
        let record = record.map(|mut r| {
            r.refresh_token = rotated.unwrap_or(r.refresh_token);
            r
        });
        self.settle(p, scope, record, live.deadline_ms, result, (problems, Subject::of(&live.session))).await
    }

    /// `others` with the live session, or any scope with nothing loaded (see `Route`).
    pub async fn elsewhere<A: AuthApi, S: SessionStore, C: Clock>(&mut self, p: Parts<'_, A, S, C>, scope: LogoutScope) -> (SignOutReport, Option<News>) {
        match (scope, p.live.is_some()) {
            (Others, true) => self.others(p).await,
            (scope, _) => self.nothing_loaded(p, scope).await,
        }
    }

    /// `others`: this device stays signed in; only its own access token asks, so no refresh races the live one.
    async fn others<A: AuthApi, S: SessionStore, C: Clock>(&mut self, p: Parts<'_, A, S, C>) -> (SignOutReport, Option<News>) {
        let live = p.live.as_deref().expect("a live session");
        let (deadline, access) = (live.deadline_ms, live.usable(p.clock.now_ms()).then(|| live.session.access_token.clone()));
        let subject = Subject::of(&live.session);
        let result = match access {
            Some(token) => p.api.logout(&token, Others).await,
            None => Err(AuthError::RefreshPending { cause: "token_expired".into(), next_at: 0 }),
        };
        self.settle(p, Others, None, deadline, result, (Vec::new(), subject)).await
    }

    /// Nothing loaded (the keychain was locked at start, the policy is invalid, nothing saved): a pending `global` is
    /// tried again; otherwise whatever is sealed is removed, and the report says what could not be done.
    async fn nothing_loaded<A: AuthApi, S: SessionStore, C: Clock>(&mut self, p: Parts<'_, A, S, C>, scope: LogoutScope) -> (SignOutReport, Option<News>) {
        if let Some(pending) = self.pending.take() {
            let record = pending.record.expect("a pending sign-out without a session is global");
            let (result, rotated) = sign_out_attempt(p.api, None, record.refresh_token.clone(), pending.scope).await;
            let record = Session { refresh_token: rotated.unwrap_or(record.refresh_token.clone()), ..record };
            let subject = Subject::of(&record);
            return self.settle(p, pending.scope, Some(record), pending.until_ms, result, (Vec::new(), subject)).await;
        }
        let problems: Vec<String> = p.storage.clear().await.err().map(|e| storage_problem(&e)).into_iter().collect();
        (SignOutReport { scope, server: ServerOutcome::NoSession, pending: None, problems }, None)
    }

    /// What the server's answer means: ended; kept and retried (global/others, a failure worth retrying); or not ended.
    async fn settle<A: AuthApi, S: SessionStore, C: Clock>(
        &mut self,
        p: Parts<'_, A, S, C>,
        scope: LogoutScope,
        record: Option<Session>,
        until_ms: i64,
        result: Result<(), AuthError>,
        (mut problems, subject): (Vec<String>, Subject),
    ) -> (SignOutReport, Option<News>) {
        let now = p.clock.now_ms();
        let cause = result.as_ref().err().map(|e| e.code().to_string());
        let outcome = match result {
            Ok(()) => ServerOutcome::Ended,
            Err(_) if scope == Local => ServerOutcome::NotEnded,
            Err(e) if retryable(&e) && now < until_ms => {
                let attempt = 1;
                let next_at = now + schedule::retry_delay_ms(&schedule::classify(&e), attempt, p.jitter.draw());
                self.pending = Some(Pending { scope, record: record.clone(), until_ms, attempt, next_at, cause: e.code().into(), in_flight: false });
                ServerOutcome::Pending
            }
            Err(_) => ServerOutcome::NotEnded,
        };
        let waits = outcome == ServerOutcome::Pending;
        match store_marker(p.storage, p.live, scope, waits, record.as_ref()).await {
            Err(e) if waits => problems.push(format!(
                "the pending sign-out could not be kept in the vault ({}): it is retried only while this process runs",
                e.code()
            )),
            Err(e) => problems.push(storage_problem(&e)),
            Ok(()) => {}
        }
        tracing::info!(scope = scope.as_str(), ?outcome, cause = cause.as_deref(), "server sign-out");
        (SignOutReport { scope, server: outcome, pending: self.view(), problems }, Some(news(scope, outcome, cause, Some(subject))))
    }

    /// A restored record of a `global` sign-out: kept only to retry it (or given up, past its deadline).
    pub fn pending_global(&mut self, record: Session, now: i64) {
        let until_ms = record.signed_in_at * 1000 + self.max_age_ms;
        self.pending = Some(Pending { scope: Global, record: Some(record), until_ms, attempt: 0, next_at: now, cause: "restarted".into(), in_flight: false });
    }

    /// Following the vault: the pending sign-out is whatever its holder keeps (a `global` record, an `others` marker
    /// on the live session, or nothing); this process retries it only once it holds the lock.
    pub fn as_kept(&mut self, global_record: Option<Session>, live: Option<&Live>, now: i64) {
        self.pending = None;
        match global_record {
            Some(record) => self.pending_global(record, now),
            None => self.restore_others(live, now),
        }
    }

    /// A restored session still asking to sign out its other sessions asks again.
    pub fn restore_others(&mut self, live: Option<&Live>, now: i64) {
        let Some(live) = live.filter(|l| l.session.pending_sign_out == Some(Others)) else { return };
        self.pending = Some(Pending { scope: Others, record: None, until_ms: live.deadline_ms, attempt: 0, next_at: now, cause: "restarted".into(), in_flight: false });
    }

    /// A new session takes over a pending sign-out: `others` from it ends every older session, the one signed out here
    /// included. Returns the marker the new session carries.
    pub fn hand_to_new_session(&mut self, now: i64) -> Option<LogoutScope> {
        let pending = self.pending.as_mut()?;
        (pending.scope, pending.record, pending.in_flight, pending.next_at) = (Others, None, false, now);
        Some(Others)
    }

    /// The live session ended another way (deadline, idle, revoked, policy): its `others` request goes with it.
    pub fn drop_others(&mut self, subject: Subject) -> Option<News> {
        self.pending.take_if(|p| p.scope == Others)?;
        Some(news(Others, ServerOutcome::Abandoned, Some("session_ended".into()), Some(subject)))
    }

    /// Starts the next attempt when it is due, or gives up at the deadline. Without the vault lock, the holder does.
    pub async fn due<A: AuthApi, S: SessionStore, C: Clock>(&mut self, p: Parts<'_, A, S, C>, now: i64) -> Option<News> {
        if !p.storage.writes() {
            return None;
        }
        let pending = self.pending.as_mut()?;
        if now >= pending.until_ms {
            let (scope, record) = (pending.scope, pending.record.take());
            self.pending = None;
            let _ = store_marker(p.storage, p.live, scope, false, record.as_ref()).await;
            return Some(news(scope, ServerOutcome::Abandoned, None, record.as_ref().map(Subject::of)));
        }
        if pending.in_flight || now < pending.next_at {
            return None;
        }
        // A retry of `global` refreshes first: only a process that can keep the rotated token may try (one without
        // the vault lock would spend the record's refresh token and lose the new one).
        if let Some(record) = &pending.record {
            if p.storage.keep(record).await.is_err() {
                pending.next_at = now + schedule::BACKOFF_CAP_MS;
                return None;
            }
        }
        let tokens = match (&pending.record, p.live.as_deref()) {
            (Some(record), _) => Some((None, record.refresh_token.clone())),
            (None, Some(live)) if live.usable(now) => Some((Some(live.session.access_token.clone()), live.session.refresh_token.clone())),
            _ => None, // `others` waits for the live session's own refresh
        };
        match tokens {
            Some((access, refresh)) => {
                pending.in_flight = true;
                p.subtasks.sign_out_elsewhere(access, refresh, pending.scope);
            }
            None => pending.next_at = now + schedule::BACKOFF_CAP_MS,
        }
        None
    }

    /// The answer to a retry.
    pub async fn answer<A: AuthApi, S: SessionStore, C: Clock>(&mut self, p: Parts<'_, A, S, C>, result: Result<(), AuthError>, rotated: Option<RefreshToken>) -> Answered {
        let now = p.clock.now_ms();
        let Some(mut pending) = self.pending.take() else { return Answered::Ignored };
        if let (Some(record), Some(token)) = (pending.record.as_mut(), rotated) {
            record.refresh_token = token;
        }
        match result {
            Err(e) if retryable(&e) && now < pending.until_ms => {
                pending.attempt += 1;
                pending.next_at = now + schedule::retry_delay_ms(&schedule::classify(&e), pending.attempt, p.jitter.draw());
                (pending.cause, pending.in_flight) = (e.code().into(), false);
                let record = pending.record.clone();
                let view = pending.view();
                self.pending = Some(pending);
                if let Some(record) = record {
                    let _ = p.storage.keep(&record).await; // its refresh token may have rotated
                }
                Answered::Retrying(view)
            }
            result => {
                let cause = result.as_ref().err().map(|e| e.code().to_string());
                let outcome = if result.is_ok() { ServerOutcome::Ended } else { ServerOutcome::NotEnded };
                let _ = store_marker(p.storage, p.live, pending.scope, false, pending.record.as_ref()).await;
                Answered::Over(news(pending.scope, outcome, cause, pending.record.as_ref().map(Subject::of)))
            }
        }
    }
}

/// Keeps what a pending sign-out needs in the vault, or removes it once nothing waits: a `global` record, or the
/// `others` marker on the live session.
async fn store_marker<S: SessionStore>(storage: &Storage<S>, live: Option<&mut Live>, scope: LogoutScope, pending: bool, record: Option<&Session>) -> Result<(), AuthError> {
    match (scope, pending, record) {
        (Global, true, Some(record)) => storage.keep(record).await,
        (Global, false, Some(_)) => storage.clear().await,
        (Others, _, _) => {
            let Some(live) = live.filter(|l| l.session.pending_sign_out != pending.then_some(Others)) else { return Ok(()) };
            live.session.pending_sign_out = pending.then_some(Others);
            storage.keep(&live.session).await
        }
        _ => Ok(()),
    }
}

/// A local step of a sign-out that failed, in words.
fn storage_problem(e: &AuthError) -> String {
    if matches!(e, AuthError::KeychainLocked(_) | AuthError::KeychainUnavailable(_)) {
        format!("the session file was removed, but its key could not be deleted from the keychain ({}); without the file it opens nothing", e.code())
    } else {
        format!("the saved session could not be removed ({}): {e}", e.code())
    }
}
