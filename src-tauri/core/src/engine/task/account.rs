//! The account requests, beside the task's loop: second factors (enrol, challenge, verify, unenrol, cancel), the
//! password and the e-mail address. The second-factor calls need only a usable token (they are how a second factor
//! is reached); the others need the session complete. A verify's new refresh token is saved before anything uses or
//! publishes it, and every change of the session is published once: the task does both, told what by [`Then`].

use crate::api::{AuthApi, Challenge, Enrolment, Grant, NewFactor, UserChange};
use crate::assurance::FactorType;
use crate::clock::Clock;
use crate::engine::live::{Exchange, Live, Stage};
use crate::engine::requests::{Account, Reply};
use crate::engine::rules::EngineRules;
use crate::error::{AuthError, ErrorCode, Refusal};
use crate::secret::AccessToken;
use crate::session::{SecondStep, SignOutReason, User};

/// A challenge this close to its expiry is made again rather than answered.
const CHALLENGE_MARGIN_SECS: i64 = 10;

/// The server no longer takes this challenge: expired, unknown, or already answered (or asked from another network).
fn challenge_gone(e: &AuthError) -> bool {
    matches!(e.known_code(), Some(ErrorCode::MfaChallengeExpired | ErrorCode::MfaFactorNotFound | ErrorCode::MfaIpAddressMismatch))
}

/// What the session task does once an account request is through, before it answers.
pub(in crate::engine) enum Then {
    Nothing,
    /// The factor verified: the session at aal2 (see `Current::stepped_up`).
    SteppedUp(Grant),
    /// The user as the server now has it; `refresh`: the token's level changed with it, so a refresh starts at once.
    UserChanged { user: User, refresh: bool },
    End(SignOutReason),
    /// Signs this device out (`local`).
    SignOutHere,
}

/// An account request, with the parts of the session task it uses; `live`: the live session, if any.
pub(in crate::engine) struct AccountCall<'a, A, C> {
    pub api: &'a A,
    pub rules: &'a EngineRules,
    pub clock: &'a C,
    pub live: Option<&'a mut Live>,
}

impl<A: AuthApi, C: Clock> AccountCall<'_, A, C> {
    /// Runs the request. One that changes the session comes back with what the task must do, and the reply that
    /// waits for it; the others are answered here.
    pub async fn run(mut self, request: Account) -> Option<(Result<Then, AuthError>, Reply<()>)> {
        let then = match request {
            Account::Enrol { factor, reply } => {
                drop(reply.send(self.enrol(factor).await));
                return None;
            }
            Account::Challenge { factor_id, reply } => {
                drop(reply.send(self.challenge(&factor_id).await));
                return None;
            }
            Account::Verify { factor_id, code, reply } => (self.verify(&factor_id, &code).await.map(Then::SteppedUp), reply),
            Account::Unenrol { factor_id, reply } => (self.unenrol(&factor_id).await, reply),
            Account::Cancel { reply } => (self.cancel().await, reply),
            Account::UpdatePassword { password, current, reply } => (self.update_password(password, current).await, reply),
            Account::ChangeEmail { email, reply } => (self.change_email(email).await, reply),
        };
        Some(then)
    }

    fn live(&mut self) -> Result<&mut Live, AuthError> {
        self.live.as_deref_mut().ok_or(AuthError::NotSignedIn)
    }

    /// The access token for a second-factor call: in any stage, while it is usable.
    fn account_token(&self) -> Result<AccessToken, AuthError> {
        let live = self.live.as_deref().ok_or(AuthError::NotSignedIn)?;
        if !live.usable(self.clock.now_ms()) {
            let next_at = live.backoff().map_or(0, |b| b.until).div_euclid(1000);
            return Err(AuthError::RefreshPending { cause: "token_expired".into(), next_at });
        }
        Ok(live.session.access_token.clone())
    }

    /// The access token for a change of the account: only once no second factor is due.
    fn complete_token(&self) -> Result<AccessToken, AuthError> {
        match self.live.as_deref().map(|live| live.stage()) {
            Some(Stage::SecondFactor(_)) => Err(AuthError::SecondFactorRequired),
            _ => self.account_token(),
        }
    }

    /// The type of one of the user's factors, or of the one being enrolled.
    fn factor_type(&self, factor_id: &str) -> Result<FactorType, AuthError> {
        let live = self.live.as_deref().ok_or(AuthError::NotSignedIn)?;
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
        let live = self.live()?;
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
        let live = self.live()?;
        let enrolling = live.exchange.as_ref().is_some_and(|x| x.factor_id == factor_id && x.enrolling);
        live.exchange = Some(Exchange { factor_id: factor_id.into(), factor_type, enrolling, challenge: Some(challenge.clone()) });
        Ok(challenge)
    }

    /// The challenge in hand for the factor, while the server still takes it.
    fn usable_challenge(&self, factor_id: &str) -> Option<Challenge> {
        let exchange = self.live.as_deref()?.exchange.as_ref().filter(|x| x.factor_id == factor_id)?;
        let challenge = exchange.challenge.as_ref()?;
        (challenge.expires_at - CHALLENGE_MARGIN_SECS > self.clock.now_unix()).then(|| challenge.clone())
    }

    /// Answers the factor's challenge (the one in hand, else a new one). A wrong code keeps the challenge for another
    /// try. A challenge the server no longer takes is made again: a TOTP code is then tried once more; a phone
    /// challenge texts a new code, so the error is returned (the code typed was for the old one).
    async fn verify(&mut self, factor_id: &str, code: &str) -> Result<Grant, AuthError> {
        let factor_type = self.factor_type(factor_id)?;
        let token = self.account_token()?;
        let challenge = match self.usable_challenge(factor_id) {
            Some(challenge) => challenge,
            None => self.challenge(factor_id).await?,
        };
        match self.api.verify_factor(&token, factor_id, &challenge.id, code).await {
            Err(e) if challenge_gone(&e) => {
                tracing::info!(code = e.code(), "the challenge is gone; making a new one");
                let again = self.challenge(factor_id).await?;
                if factor_type == FactorType::Phone {
                    return Err(e);
                }
                self.api.verify_factor(&token, factor_id, &again.id, code).await
            }
            answer => answer,
        }
    }

    /// Removes a factor (a verified one needs an aal2 session: the server says so); the next token carries the level
    /// that is left, so a refresh starts at once.
    async fn unenrol(&mut self, factor_id: &str) -> Result<Then, AuthError> {
        let live = self.live.as_deref().ok_or(AuthError::NotSignedIn)?;
        let factors = &live.session.user.factors;
        let factor = factors.iter().find(|f| f.id == factor_id).ok_or(AuthError::NoSuchFactor)?;
        if self.rules.require_mfa && factor.verified() && factors.iter().filter(|f| f.verified()).count() == 1 {
            return Err(AuthError::Policy(Refusal::LastFactor));
        }
        let mut user = live.session.user.clone();
        let token = self.account_token()?;
        self.api.unenrol_factor(&token, factor_id).await?;
        user.factors.retain(|f| f.id != factor_id);
        Ok(Then::UserChanged { user, refresh: true })
    }

    /// Abandons the second-factor step (see [`Account::Cancel`]).
    async fn cancel(&mut self) -> Result<Then, AuthError> {
        let Some(stage) = self.live.as_deref().map(|live| live.stage()) else { return Ok(Then::Nothing) };
        if let Ok(token) = self.account_token() {
            self.abandon_exchange(&token).await;
        }
        match stage {
            Stage::Complete => Ok(Then::Nothing),
            Stage::SecondFactor(SecondStep::Enrol) => {
                tracing::info!("the second-factor enrolment the policy requires was cancelled; signing out");
                Ok(Then::End(SignOutReason::Policy))
            }
            Stage::SecondFactor(SecondStep::Verify) => Ok(Then::SignOutHere),
        }
    }

    /// Ends the exchange; a factor enrolled in it and never verified is removed (best effort: GoTrue sweeps
    /// never-challenged ones, and the next enrolment removes the rest).
    async fn abandon_exchange(&mut self, token: &AccessToken) {
        let Some(exchange) = self.live.as_deref_mut().and_then(|live| live.exchange.take()) else { return };
        if exchange.enrolling {
            if let Err(e) = self.api.unenrol_factor(token, &exchange.factor_id).await {
                tracing::debug!(code = e.code(), "the abandoned factor could not be removed now");
            }
        }
    }

    /// GoTrue ends the user's other sessions on a password change; this one goes on. Outside a session that came from
    /// a recovery link the current password is required (re-authentication), whatever the server's setting.
    async fn update_password(&mut self, password: String, current: Option<String>) -> Result<Then, AuthError> {
        let token = self.complete_token()?;
        let from_recovery = self.live.as_deref().is_some_and(|live| live.from_recovery);
        if current.is_none() && !from_recovery {
            return Err(AuthError::CurrentPasswordRequired);
        }
        let user = self.api.update_user(&token, &UserChange::Password { password, current }).await?;
        self.live()?.from_recovery = false;
        Ok(Then::UserChanged { user, refresh: false })
    }

    /// The user then has `new_email` set until the link (both links, under secure e-mail change on a project that
    /// confirms e-mail) is followed; a later `GET /user` shows the new address, and USER_UPDATED follows.
    async fn change_email(&mut self, email: String) -> Result<Then, AuthError> {
        let token = self.complete_token()?;
        let user = self.api.update_user(&token, &UserChange::Email(email)).await?;
        Ok(Then::UserChanged { user, refresh: false })
    }
}
