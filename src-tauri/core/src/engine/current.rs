//! The session in hand and who waits for its access token. Every sign-in and sign-out starts a new generation, so a
//! late network answer about an earlier session is ignored, and nobody is left waiting on a session that is gone.

use super::live::{Live, Stage, TokenAnswer, UserCheck};
use super::requests::Reply;
use super::rules::EngineRules;
use super::storage::Storage;
use crate::api::Grant;
use crate::error::{AuthError, ErrorCode};
use crate::events::{Retry, Subject};
use crate::schedule::{Failure, Jitter};
use crate::secret::{AccessToken, RefreshToken};
use crate::session::{Session, StateView, User};
use crate::vault::SessionStore;

/// What `GET /user` says of the session in hand.
pub(super) enum Checked {
    Unchanged,
    Changed(User),
    /// Ended elsewhere (sign-out everywhere, password change, ban).
    Revoked,
}

pub(super) struct Current {
    pub live: Option<Live>,
    generation: u64,
    /// Callers of `access_token` waiting for the refresh in flight.
    waiters: Vec<Reply<AccessToken>>,
}

impl Current {
    pub fn new() -> Self {
        Current { live: None, generation: 0, waiters: Vec::new() }
    }

    /// Whether a network answer started in `generation` is about the session in hand.
    pub fn is(&self, generation: u64) -> bool {
        generation == self.generation
    }

    /// The session leaves: no more tokens, and any late answer about it is ignored.
    pub fn take(&mut self) -> Option<Live> {
        let live = self.live.take()?;
        self.next_generation();
        Some(live)
    }

    /// A new sign-in replaces the session in hand, which is returned.
    pub fn replace(&mut self, live: Live) -> Option<Live> {
        let old = self.live.replace(live);
        self.next_generation();
        old
    }

    fn next_generation(&mut self) {
        self.generation += 1;
        self.answer_waiters(Err(AuthError::NotSignedIn));
    }

    fn answer_waiters(&mut self, answer: Result<AccessToken, AuthError>) {
        self.waiters.drain(..).for_each(|waiter| drop(waiter.send(answer.clone())));
    }

    /// A caller of `access_token` at `now`, answered now or left waiting for the refresh; true: that refresh is due.
    pub fn ask(&mut self, reply: Reply<AccessToken>, now: i64) -> bool {
        match self.live.as_ref().map(|live| live.token_for_caller(now)) {
            None => drop(reply.send(Err(AuthError::NotSignedIn))),
            Some(TokenAnswer::Ready(token)) => drop(reply.send(Ok(token))),
            Some(TokenAnswer::Pending(e)) => drop(reply.send(Err(e))),
            Some(TokenAnswer::Wait) => {
                self.waiters.push(reply);
                return true;
            }
        }
        false
    }

    /// The refresh to start, unless one is in flight: its refresh token and the generation its answer is for.
    pub fn begin_refresh(&mut self) -> Option<(RefreshToken, u64)> {
        let live = self.live.as_mut()?;
        live.begin_refresh().then(|| (live.session.refresh_token.clone(), self.generation))
    }

    /// The revocation check to start: the access token it asks with and the generation its answer is for.
    pub fn begin_user_check(&mut self) -> Option<(AccessToken, u64)> {
        let live = self.live.as_mut()?;
        live.user_check = UserCheck::InFlight;
        Some((live.session.access_token.clone(), self.generation))
    }

    /// A refresh's grant: the new refresh token saved before anything uses it, then whoever waited gets the new
    /// access token. False without a session.
    pub async fn refreshed<S: SessionStore>(&mut self, grant: Grant, storage: &Storage<S>, jitter: &mut Jitter, now: i64) -> bool {
        let Some(live) = self.live.as_mut() else { return false };
        let session = grant.renewing(&live.session, now.div_euclid(1000));
        crate::test_hooks::after_rotation().await;
        let persistence = storage.save(&session).await;
        live.refreshed(session, persistence, now, jitter.draw());
        let token = live.session.access_token.clone();
        self.answer_waiters(Ok(token));
        true
    }

    /// A refresh failed and is retried later: whoever waited gets the token while it is usable, else the error.
    pub fn refresh_failed(&mut self, failure: &Failure, e: &AuthError, now: i64, u: f64) -> Option<Retry> {
        let live = self.live.as_mut()?;
        let retry = live.refresh_failed(failure, e.code(), now, u);
        tracing::warn!(code = e.code(), attempt = retry.attempt, "refresh failed; retrying later, the session is kept");
        let usable = live.usable(now).then(|| live.session.access_token.clone());
        self.answer_waiters(usable.ok_or_else(|| e.clone()));
        Some(retry)
    }

    /// The session at aal2: its new refresh token saved first, the deadline kept (it counts from the first factor).
    /// A refresh in flight carried the token from before the verify, so its answer is ignored (a new generation);
    /// once the session is complete, whoever waited gets the new token. False without a session.
    pub async fn stepped_up<S: SessionStore>(&mut self, grant: Grant, storage: &Storage<S>, jitter: &mut Jitter, now: i64) -> bool {
        let Some(live) = self.live.as_mut() else { return false };
        let old = &live.session;
        let session = Session { pending_sign_out: old.pending_sign_out, ..grant.into_session(now.div_euclid(1000), old.signed_in_at) };
        let persistence = storage.save(&session).await;
        live.stepped_up(session, persistence, now, jitter.draw());
        self.generation += 1;
        if live.stage() == Stage::Complete {
            let token = live.session.access_token.clone();
            self.answer_waiters(Ok(token));
        }
        true
    }

    /// The answer of `GET /user`; the next check is due at `next`.
    pub fn user_checked(&mut self, result: Result<User, AuthError>, next: i64) -> Checked {
        let Some(live) = self.live.as_mut() else { return Checked::Unchanged };
        live.user_check = UserCheck::Due { at: next };
        match result {
            Ok(user) if user != live.session.user => Checked::Changed(user),
            Ok(_) => Checked::Unchanged,
            Err(e) if matches!(e.known_code(), Some(ErrorCode::SessionNotFound | ErrorCode::UserNotFound | ErrorCode::UserBanned)) => {
                tracing::info!(code = e.code(), "the session was ended elsewhere");
                Checked::Revoked
            }
            Err(e) => {
                tracing::debug!(code = e.code(), "user check inconclusive");
                Checked::Unchanged
            }
        }
    }

    /// A change to the signed-in user (its factors included: the stage follows them), saved. False without a session.
    pub async fn set_user<S: SessionStore>(&mut self, user: User, storage: &Storage<S>) -> bool {
        let Some(live) = self.live.as_mut() else { return false };
        live.set_user(user);
        live.persistence = storage.save(&live.session).await;
        true
    }

    pub fn view(&self, rules: &EngineRules, now: i64) -> StateView {
        match &self.live {
            Some(live) => live.view(rules.max_session_age.as_secs() as i64, &rules.mfa_factors, now),
            None => StateView::SignedOut { reason: None },
        }
    }

    /// Who the session in hand belongs to.
    pub fn subject(&self) -> Option<Subject> {
        self.live.as_ref().map(|live| Subject::of(&live.session))
    }
}
