//! The account requests, beside the task's loop: second factors (enrol, challenge, verify, unenrol, cancel), the
//! password and the e-mail address. The second-factor calls need only a usable token (they are how a second factor
//! is reached); the others need the session complete. A verify's new refresh token is saved before anything uses or
//! publishes it, and every change of the session is published once.

use super::Engine;
use crate::engine::live::{Exchange, Stage, UserCheck};
use crate::engine::requests::Account;
use crate::api::{AuthApi, Challenge, Enrolment, Grant, LogoutScope, NewFactor, UserChange};
use crate::assurance::FactorType;
use crate::clock::Clock;
use crate::error::{AuthError, ErrorCode, Refusal};
use crate::events::EventKind;
use crate::secret::AccessToken;
use crate::session::{SecondStep, SignOutReason};
use crate::vault::SessionStore;

/// A challenge this close to its expiry is made again rather than answered.
const CHALLENGE_MARGIN_SECS: i64 = 10;

/// The server no longer takes this challenge: expired, unknown, or already answered (or asked from another network).
fn challenge_gone(e: &AuthError) -> bool {
    matches!(e.known_code(), Some(ErrorCode::MfaChallengeExpired | ErrorCode::MfaFactorNotFound | ErrorCode::MfaIpAddressMismatch))
}

impl<A: AuthApi, S: SessionStore, C: Clock> Engine<A, S, C> {
    pub(super) async fn account(&mut self, request: Account) {
        match request {
            Account::Enrol { factor, reply } => drop(reply.send(self.enrol(factor).await)),
            Account::Challenge { factor_id, reply } => drop(reply.send(self.challenge(&factor_id).await)),
            Account::Verify { factor_id, code, reply } => drop(reply.send(self.verify(&factor_id, &code).await)),
            Account::Unenrol { factor_id, reply } => drop(reply.send(self.unenrol(&factor_id).await)),
            Account::Cancel { reply } => drop(reply.send(self.cancel().await)),
            Account::UpdatePassword { password, current, reply } => drop(reply.send(self.update_password(password, current).await)),
            Account::ChangeEmail { email, reply } => drop(reply.send(self.change_email(email).await)),
        }
    }

    /// The access token for a second-factor call: in any stage, while it is usable.
    fn account_token(&self) -> Result<AccessToken, AuthError> {
        let live = self.live.as_ref().ok_or(AuthError::NotSignedIn)?;
        if !live.usable(self.clock.now_ms()) {
            let next_at = live.backoff().map_or(0, |b| b.until).div_euclid(1000);
            return Err(AuthError::RefreshPending { cause: "token_expired".into(), next_at });
        }
        Ok(live.session.access_token.clone())
    }

    /// The access token for a change of the account: only once no second factor is due.
    fn complete_token(&self) -> Result<AccessToken, AuthError> {
        match self.live.as_ref().map(|live| live.stage()) {
            Some(Stage::SecondFactor(_)) => Err(AuthError::SecondFactorRequired),
            _ => self.account_token(),
        }
    }

    /// The type of one of the user's factors, or of the one being enrolled.
    fn factor_type(&self, factor_id: &str) -> Result<FactorType, AuthError> {
        let live = self.live.as_ref().ok_or(AuthError::NotSignedIn)?;
        let enrolling = live.exchange.as_ref().filter(|x| x.factor_id == factor_id).map(|x| x.factor_type);
        let known = live.session.user.factors.iter().find(|f| f.id == factor_id).map(|f| f.factor_type);
        enrolling.or(known).ok_or(AuthError::NoSuchFactor)
    }

    /// A new factor. The unverified factors of its type an earlier try left behind are removed first: a verify would
    /// remove them anyway, and one of the same name (or another unnamed one) would block this enrolment.
    async fn enrol(&mut self, factor: NewFactor) -> Result<Enrolment, AuthError> {
        let factor_type = factor.factor_type();
        self.rules.permit_factor(factor_type)?;
        let token = self.account_token()?;
        self.abandon_exchange(&token).await;
        if let Ok(user) = self.api.fetch_user(&token).await {
            for old in user.factors.iter().filter(|f| f.factor_type == factor_type && !f.verified()) {
                if let Err(e) = self.api.unenrol_factor(&token, &old.id).await {
                    tracing::debug!(code = e.code(), "an unverified factor left behind could not be removed");
                }
            }
        }
        let enrolment = self.api.enrol_factor(&token, &factor).await?;
        let live = self.live.as_mut().ok_or(AuthError::NotSignedIn)?;
        live.exchange = Some(Exchange { factor_id: enrolment.id.clone(), factor_type, enrolling: true, challenge: None });
        tracing::info!(factor_type = factor_type.as_str(), "a second factor was enrolled; it counts once verified");
        Ok(enrolment)
    }

    /// A new challenge of the factor (a phone factor's code is texted now); it replaces any other in hand.
    async fn challenge(&mut self, factor_id: &str) -> Result<Challenge, AuthError> {
        let factor_type = self.factor_type(factor_id)?;
        self.rules.permit_factor(factor_type)?;
        let token = self.account_token()?;
        let challenge = self.api.challenge_factor(&token, factor_id).await?;
        let live = self.live.as_mut().ok_or(AuthError::NotSignedIn)?;
        let enrolling = live.exchange.as_ref().is_some_and(|x| x.factor_id == factor_id && x.enrolling);
        live.exchange = Some(Exchange { factor_id: factor_id.into(), factor_type, enrolling, challenge: Some(challenge.clone()) });
        Ok(challenge)
    }

    /// The challenge in hand for the factor, while the server still takes it.
    fn usable_challenge(&self, factor_id: &str) -> Option<Challenge> {
        let exchange = self.live.as_ref()?.exchange.as_ref().filter(|x| x.factor_id == factor_id)?;
        let challenge = exchange.challenge.as_ref()?;
        (challenge.expires_at - CHALLENGE_MARGIN_SECS > self.clock.now_unix()).then(|| challenge.clone())
    }

    /// Answers the factor's challenge (the one in hand, else a new one). A wrong code keeps the challenge for another
    /// try. A challenge the server no longer takes is made again: a TOTP code is then tried once more; a phone
    /// challenge texts a new code, so the error is returned (the code typed was for the old one).
    async fn verify(&mut self, factor_id: &str, code: &str) -> Result<(), AuthError> {
        let factor_type = self.factor_type(factor_id)?;
        let token = self.account_token()?;
        let challenge = match self.usable_challenge(factor_id) {
            Some(challenge) => challenge,
            None => self.challenge(factor_id).await?,
        };
        let grant = match self.api.verify_factor(&token, factor_id, &challenge.id, code).await {
            Err(e) if challenge_gone(&e) => {
                tracing::info!(code = e.code(), "the challenge is gone; making a new one");
                let again = self.challenge(factor_id).await?;
                if factor_type == FactorType::Phone {
                    return Err(e);
                }
                self.api.verify_factor(&token, factor_id, &again.id, code).await?
            }
            answer => answer?,
        };
        self.stepped_up(grant).await;
        Ok(())
    }

    /// The session at aal2: its new refresh token saved first, the deadline kept (it counts from the first factor),
    /// the exchange over, and MFA_CHALLENGE_VERIFIED published. A refresh in flight carried the token from before the
    /// verify, so its answer is ignored (a new generation) and whoever waited on it gets the new token.
    async fn stepped_up(&mut self, grant: Grant) {
        let now = self.clock.now_ms();
        let Some(signed_in_at) = self.live.as_ref().map(|live| live.session.signed_in_at) else { return };
        let mut session = grant.into_session(now.div_euclid(1000), signed_in_at);
        session.pending_sign_out = self.live.as_ref().and_then(|live| live.session.pending_sign_out);
        let persistence = self.storage.save(&session).await;
        let u = self.jitter.draw();
        let Some(live) = self.live.as_mut() else { return };
        live.refreshed(session, persistence, now, u);
        live.exchange = None;
        live.user_check = UserCheck::Due { at: now };
        self.generation += 1;
        if live.stage() == Stage::Complete {
            let token = live.session.access_token.clone();
            self.waiters.drain(..).for_each(|waiter| drop(waiter.send(Ok(token.clone()))));
        }
        tracing::info!("second factor verified");
        self.publish(EventKind::MfaChallengeVerified, self.view(now));
    }

    /// Removes a factor (a verified one needs an aal2 session: the server says so); the next token carries the level
    /// that is left, so a refresh starts at once.
    async fn unenrol(&mut self, factor_id: &str) -> Result<(), AuthError> {
        let live = self.live.as_ref().ok_or(AuthError::NotSignedIn)?;
        let factors = &live.session.user.factors;
        let factor = factors.iter().find(|f| f.id == factor_id).ok_or(AuthError::NoSuchFactor)?;
        if self.rules.require_mfa && factor.verified() && factors.iter().filter(|f| f.verified()).count() == 1 {
            return Err(AuthError::Policy(Refusal::LastFactor));
        }
        let mut user = live.session.user.clone();
        let token = self.account_token()?;
        self.api.unenrol_factor(&token, factor_id).await?;
        user.factors.retain(|f| f.id != factor_id);
        self.user_changed(user).await;
        self.start_refresh();
        Ok(())
    }

    /// Abandons the second-factor step (see [`Account::Cancel`]).
    async fn cancel(&mut self) -> Result<(), AuthError> {
        let Some(stage) = self.live.as_ref().map(|live| live.stage()) else { return Ok(()) };
        if let Ok(token) = self.account_token() {
            self.abandon_exchange(&token).await;
        }
        match stage {
            Stage::Complete => Ok(()),
            Stage::SecondFactor(SecondStep::Enrol) => {
                tracing::info!("the second-factor enrolment the policy requires was cancelled; signing out");
                self.end(SignOutReason::Policy, EventKind::SignedOut).await;
                Ok(())
            }
            Stage::SecondFactor(SecondStep::Verify) => self.sign_out(LogoutScope::Local).await.map(drop),
        }
    }

    /// Ends the exchange; a factor enrolled in it and never verified is removed (best effort: GoTrue sweeps
    /// never-challenged ones, and the next enrolment removes the rest).
    async fn abandon_exchange(&mut self, token: &AccessToken) {
        let Some(exchange) = self.live.as_mut().and_then(|live| live.exchange.take()) else { return };
        if exchange.enrolling {
            if let Err(e) = self.api.unenrol_factor(token, &exchange.factor_id).await {
                tracing::debug!(code = e.code(), "the abandoned factor could not be removed now");
            }
        }
    }

    /// GoTrue ends the user's other sessions on a password change; this one goes on. Outside a session that came from
    /// a recovery link the current password is required (re-authentication), whatever the server's setting.
    async fn update_password(&mut self, password: String, current: Option<String>) -> Result<(), AuthError> {
        let token = self.complete_token()?;
        let from_recovery = self.live.as_ref().is_some_and(|live| live.from_recovery);
        if current.is_none() && !from_recovery {
            return Err(AuthError::CurrentPasswordRequired);
        }
        let user = self.api.update_user(&token, &UserChange::Password { password, current }).await?;
        if let Some(live) = self.live.as_mut() {
            live.from_recovery = false;
        }
        self.user_changed(user).await;
        Ok(())
    }

    /// The user then has `new_email` set until the link (both links, under secure e-mail change on a project that
    /// confirms e-mail) is followed; a later `GET /user` shows the new address, and USER_UPDATED follows.
    async fn change_email(&mut self, email: String) -> Result<(), AuthError> {
        let token = self.complete_token()?;
        let user = self.api.update_user(&token, &UserChange::Email(email)).await?;
        self.user_changed(user).await;
        Ok(())
    }
}
