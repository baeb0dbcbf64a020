//! Sign-out and its server part. This device is signed out at once; `others` keeps it signed in. A `global` or
//! `others` sign-out the server has not confirmed is kept sealed in the vault (the session marked `pending_sign_out`;
//! with `global` it can do nothing but this), retried (refresh, then `/logout`) until the server confirms or the
//! session's deadline passes, and every outcome is published (SERVER_SIGN_OUT), so "sign out everywhere" never
//! silently leaves the other sessions alive. A sign-out with nothing loaded still removes the sealed session.

use super::Engine;
use crate::api::{AuthApi, LogoutScope};
use crate::clock::Clock;
use crate::error::AuthError;
use crate::events::{AuthEvent, EventKind, PendingSignOut, ServerOutcome, ServerSignOut, SignOutReport, Subject};
use crate::schedule::{self, Failure};
use crate::secret::{AccessToken, RefreshToken};
use crate::session::{Session, SignOutReason, StateView, User};
use crate::vault::SessionStore;
use LogoutScope::{Global, Local, Others};

/// A `global` or `others` sign-out waiting for the server. Times are wall-clock milliseconds.
pub(in crate::engine) struct Pending {
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

/// One attempt at a server sign-out: `/logout` with `access` when the server still accepts it, else refresh first.
/// Returns the rotated refresh token, if it refreshed, so a record kept for the next attempt stays usable.
pub(in crate::engine) async fn attempt<A: AuthApi>(
    api: &A,
    access: Option<AccessToken>,
    refresh: RefreshToken,
    scope: LogoutScope,
) -> (Result<(), AuthError>, Option<RefreshToken>) {
    if let Some(token) = access {
        return (api.logout(&token, scope).await, None);
    }
    match api.refresh_grant(&refresh).await {
        Ok(grant) => (api.logout(&grant.access_token, scope).await, Some(grant.refresh_token)),
        Err(e) => (Err(e), None),
    }
}

/// Whether a failed server sign-out is worth trying again (the network, the server), or refused for good.
fn retryable(e: &AuthError) -> bool {
    !matches!(schedule::classify(e), Failure::Terminal(_))
}

impl<A: AuthApi, S: SessionStore, C: Clock> Engine<A, S, C> {
    /// Signs out at `scope` and reports what the server part did; `others` needs a session and keeps it.
    pub(super) async fn sign_out(&mut self, scope: LogoutScope) -> Result<SignOutReport, AuthError> {
        let pending_others = self.pending.as_ref().is_some_and(|p| p.scope == Others);
        match (scope, self.live.is_some()) {
            (Others, false) => Err(AuthError::NotSignedIn),
            (Others, true) => Ok(self.sign_out_others().await),
            (_, false) => Ok(self.sign_out_nothing_loaded(scope).await),
            // `local` while `others` still waits would leave those sessions alive: it ends every session instead.
            (Local, true) if pending_others => Ok(self.sign_out_here(Global).await),
            (scope, true) => Ok(self.sign_out_here(scope).await),
        }
    }

    /// `local` or `global` with a live session: signed out here at once, then the server is asked.
    async fn sign_out_here(&mut self, scope: LogoutScope) -> SignOutReport {
        let now = self.clock.now_ms();
        let live = self.take_live().expect("a live session");
        self.pending = None; // a pending `others` is part of this sign-out now
        let record = (scope == Global).then(|| record_of(&live.session));
        let stored = match &record {
            Some(record) => self.storage.keep(record).await,
            None => self.storage.clear().await,
        };
        let problems = stored.err().map(|e| self.storage_problem(&e)).into_iter().collect();
        self.publish_ended(EventKind::SignedOut, SignOutReason::User, Subject::of(&live.session));
        let access = (live.session.access_expires_at * 1000 - now > 5_000).then(|| live.session.access_token.clone());
        let (result, rotated) = attempt(&*self.api, access, live.session.refresh_token.clone(), scope).await;
        let record = record.map(|mut r| {
            r.refresh_token = rotated.unwrap_or(r.refresh_token);
            r
        });
        self.settle(scope, record, live.deadline_ms, result, (problems, Subject::of(&live.session))).await
    }

    /// `others`: this device stays signed in; only its own access token asks, so no refresh races the live one.
    async fn sign_out_others(&mut self) -> SignOutReport {
        let now = self.clock.now_ms();
        let live = self.live.as_ref().expect("a live session");
        let (deadline, access) = (live.deadline_ms, live.usable(now).then(|| live.session.access_token.clone()));
        let result = match access {
            Some(token) => self.api.logout(&token, Others).await,
            None => Err(AuthError::RefreshPending { cause: "token_expired".into(), next_at: 0 }),
        };
        let subject = Subject::of(&self.live.as_ref().expect("a live session").session);
        self.settle(Others, None, deadline, result, (Vec::new(), subject)).await
    }

    /// Nothing loaded (the keychain was locked at start, the policy is invalid, nothing saved): a pending `global` is
    /// tried again; otherwise whatever is sealed is removed, and the report says what could not be done.
    async fn sign_out_nothing_loaded(&mut self, scope: LogoutScope) -> SignOutReport {
        if let Some(pending) = self.pending.take() {
            let record = pending.record.expect("a pending sign-out without a session is global");
            let (result, rotated) = attempt(&*self.api, None, record.refresh_token.clone(), pending.scope).await;
            let record = Session { refresh_token: rotated.unwrap_or(record.refresh_token.clone()), ..record };
            let subject = Subject::of(&record);
            return self.settle(pending.scope, Some(record), pending.until_ms, result, (Vec::new(), subject)).await;
        }
        let problems: Vec<String> = self.storage.clear().await.err().map(|e| self.storage_problem(&e)).into_iter().collect();
        SignOutReport { scope, server: ServerOutcome::NoSession, pending: None, problems }
    }

    /// What the server's answer means: ended; kept and retried (global/others, a failure worth retrying); or not ended.
    async fn settle(
        &mut self,
        scope: LogoutScope,
        record: Option<Session>,
        until_ms: i64,
        result: Result<(), AuthError>,
        (mut problems, subject): (Vec<String>, Subject),
    ) -> SignOutReport {
        let now = self.clock.now_ms();
        let cause = result.as_ref().err().map(|e| e.code().to_string());
        let outcome = match result {
            Ok(()) => ServerOutcome::Ended,
            Err(_) if scope == Local => ServerOutcome::NotEnded,
            Err(e) if retryable(&e) && now < until_ms => {
                let attempt = 1;
                let next_at = now + schedule::retry_delay_ms(&schedule::classify(&e), attempt, self.jitter.draw());
                self.pending = Some(Pending { scope, record: record.clone(), until_ms, attempt, next_at, cause: e.code().into(), in_flight: false });
                ServerOutcome::Pending
            }
            Err(_) => ServerOutcome::NotEnded,
        };
        let waits = outcome == ServerOutcome::Pending;
        match self.store_marker(scope, waits, record.as_ref()).await {
            Err(e) if waits => problems.push(format!(
                "the pending sign-out could not be kept in the vault ({}): it is retried only while this process runs",
                e.code()
            )),
            Err(e) => problems.push(self.storage_problem(&e)),
            Ok(()) => {}
        }
        tracing::info!(scope = scope.as_str(), ?outcome, cause = cause.as_deref(), "server sign-out");
        let pending = self.pending.as_ref().map(Pending::view);
        self.announce_outcome(scope, outcome, cause, Some(subject));
        SignOutReport { scope, server: outcome, pending, problems }
    }

    /// Keeps what a pending sign-out needs in the vault, or removes it once nothing waits.
    async fn store_marker(&mut self, scope: LogoutScope, pending: bool, record: Option<&Session>) -> Result<(), AuthError> {
        match (scope, pending, record) {
            (Global, true, Some(record)) => self.storage.keep(record).await,
            (Global, false, Some(_)) => self.storage.clear().await,
            (Others, _, _) => {
                let Some(live) = self.live.as_mut().filter(|l| l.session.pending_sign_out != pending.then_some(Others)) else { return Ok(()) };
                live.session.pending_sign_out = pending.then_some(Others);
                let session = live.session.clone();
                self.storage.keep(&session).await
            }
            _ => Ok(()),
        }
    }

    /// SERVER_SIGN_OUT, about `subject` (else the live session): the state does not change.
    fn announce_outcome(&self, scope: LogoutScope, outcome: ServerOutcome, cause: Option<String>, subject: Option<Subject>) {
        let state = if self.live.is_some() { self.view(self.clock.now_ms()) } else { self.publisher.state() };
        let server_sign_out = Some(ServerSignOut { scope, outcome, cause });
        self.announce(AuthEvent { server_sign_out, subject, ..AuthEvent::new(EventKind::ServerSignOut, state) });
    }

    /// A local step of a sign-out that failed, in words.
    fn storage_problem(&self, e: &AuthError) -> String {
        if matches!(e, AuthError::KeychainLocked(_) | AuthError::KeychainUnavailable(_)) {
            format!("the session file was removed, but its key could not be deleted from the keychain ({}); without the file it opens nothing", e.code())
        } else {
            format!("the saved session could not be removed ({}): {e}", e.code())
        }
    }

    /// A restored record of a `global` sign-out: kept only to retry it (or given up, past its deadline).
    pub(super) async fn restore_pending(&mut self, record: Session) {
        self.pending_global(record);
        self.publish(EventKind::InitialSession, StateView::SignedOut { reason: Some(SignOutReason::User) });
    }

    fn pending_global(&mut self, record: Session) {
        let until_ms = record.signed_in_at * 1000 + self.rules.max_session_age.as_millis() as i64;
        let next_at = self.clock.now_ms();
        self.pending = Some(Pending { scope: Global, record: Some(record), until_ms, attempt: 0, next_at, cause: "restarted".into(), in_flight: false });
    }

    /// Following the vault: the pending sign-out is whatever its holder keeps (a `global` record, an `others` marker
    /// on the live session, or nothing); this process retries it only once it holds the lock.
    pub(super) fn pending_as_kept(&mut self, global_record: Option<Session>) {
        self.pending = None;
        match global_record {
            Some(record) => self.pending_global(record),
            None => self.restore_others(),
        }
    }

    /// A restored session still asking to sign out its other sessions asks again.
    pub(super) fn restore_others(&mut self) {
        let Some(live) = self.live.as_ref().filter(|l| l.session.pending_sign_out == Some(Others)) else { return };
        let (until_ms, now) = (live.deadline_ms, self.clock.now_ms());
        self.pending = Some(Pending { scope: Others, record: None, until_ms, attempt: 0, next_at: now, cause: "restarted".into(), in_flight: false });
    }

    /// A new session takes over a pending sign-out: `others` from it ends every older session, the one signed out here
    /// included. Returns the marker the new session carries.
    pub(super) fn hand_pending_to_new_session(&mut self) -> Option<LogoutScope> {
        let pending = self.pending.as_mut()?;
        (pending.scope, pending.record, pending.in_flight, pending.next_at) = (Others, None, false, self.clock.now_ms());
        Some(Others)
    }

    /// The live session ended another way (deadline, idle, revoked, policy): its `others` request goes with it.
    pub(super) fn drop_pending_others(&mut self, subject: Subject) {
        if self.pending.as_ref().is_some_and(|p| p.scope == Others) {
            self.pending = None;
            self.announce_outcome(Others, ServerOutcome::Abandoned, Some("session_ended".into()), Some(subject));
        }
    }

    /// Starts the next attempt when it is due, or gives up at the deadline. Without the vault lock, the holder does.
    pub(super) async fn pending_due(&mut self, now: i64) {
        if !self.storage.writes() {
            return;
        }
        let Some(pending) = self.pending.as_mut() else { return };
        if now >= pending.until_ms {
            let (scope, record) = (pending.scope, pending.record.take());
            self.pending = None;
            let _ = self.store_marker(scope, false, record.as_ref()).await;
            return self.announce_outcome(scope, ServerOutcome::Abandoned, None, record.as_ref().map(Subject::of));
        }
        if pending.in_flight || now < pending.next_at {
            return;
        }
        // A retry of `global` refreshes first: only a process that can keep the rotated token may try (one without
        // the vault lock would spend the record's refresh token and lose the new one).
        if let Some(record) = &pending.record {
            if self.storage.keep(record).await.is_err() {
                pending.next_at = now + schedule::BACKOFF_CAP_MS;
                return;
            }
        }
        let tokens = match (&pending.record, self.live.as_ref()) {
            (Some(record), _) => Some((None, record.refresh_token.clone())),
            (None, Some(live)) if live.usable(now) => Some((Some(live.session.access_token.clone()), live.session.refresh_token.clone())),
            _ => None, // `others` waits for the live session's own refresh
        };
        match tokens {
            Some((access, refresh)) => {
                pending.in_flight = true;
                self.subtasks.sign_out_elsewhere(access, refresh, pending.scope);
            }
            None => pending.next_at = now + schedule::BACKOFF_CAP_MS,
        }
    }

    /// The answer to a retry.
    pub(super) async fn on_pending_answer(&mut self, result: Result<(), AuthError>, rotated: Option<RefreshToken>) {
        let now = self.clock.now_ms();
        let Some(mut pending) = self.pending.take() else { return };
        if let (Some(record), Some(token)) = (pending.record.as_mut(), rotated) {
            record.refresh_token = token;
        }
        match result {
            Err(e) if retryable(&e) && now < pending.until_ms => {
                pending.attempt += 1;
                pending.next_at = now + schedule::retry_delay_ms(&schedule::classify(&e), pending.attempt, self.jitter.draw());
                (pending.cause, pending.in_flight) = (e.code().into(), false);
                let record = pending.record.clone();
                self.pending = Some(pending);
                if let Some(record) = record {
                    let _ = self.storage.keep(&record).await; // its refresh token may have rotated
                }
                self.publisher.show_pending(self.pending.as_ref().map(Pending::view));
            }
            result => {
                let cause = result.as_ref().err().map(|e| e.code().to_string());
                let outcome = if result.is_ok() { ServerOutcome::Ended } else { ServerOutcome::NotEnded };
                let _ = self.store_marker(pending.scope, false, pending.record.as_ref()).await;
                self.announce_outcome(pending.scope, outcome, cause, pending.record.as_ref().map(Subject::of));
            }
        }
    }
}
