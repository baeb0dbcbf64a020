//! The signed-in session as the task holds it: its tokens and times, where the renewal of its access token stands
//! (one enum, no flags: here, or `Elsewhere` when another process holds the vault), whether it has the assurance it
//! needs (its stage), and when its revocation check is due. Every transition here is pure; the task does the I/O.

use super::rules::EngineRules;
use crate::api::Challenge;
use crate::assurance::{aal_of, next_aal, Aal, FactorType};
use crate::error::AuthError;
use crate::events::Retry;
use crate::schedule::{self, Failure};
use crate::secret::AccessToken;
use crate::session::{Freshness, Persistence, ProviderTokens, SecondStep, Session, StateView, User};

/// Whether the session has the assurance it needs; recomputed whenever the session or its user changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    /// Access tokens are handed out.
    Complete,
    /// One factor while two are required (a verified factor, or policy `require_mfa`): the tokens serve only the
    /// MFA calls, refreshing goes on, and the deadline still counts from the first factor.
    SecondFactor(SecondStep),
}

impl Stage {
    pub fn of(session: &Session, require_mfa: bool) -> Self {
        if aal_of(session.claims.as_ref()) == Aal::Aal2 {
            return Stage::Complete;
        }
        match (next_aal(&session.user.factors), require_mfa) {
            (Aal::Aal2, _) => Stage::SecondFactor(SecondStep::Verify),
            (Aal::Aal1, true) => Stage::SecondFactor(SecondStep::Enrol),
            (Aal::Aal1, false) => Stage::Complete,
        }
    }
}

/// The factor a second-factor exchange is about (being enrolled, or being verified) and its challenge. Memory only:
/// a restart starts it again.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Exchange {
    pub factor_id: String,
    pub factor_type: FactorType,
    /// Enrolled in this exchange and not verified yet: removed if the exchange is abandoned.
    pub enrolling: bool,
    pub challenge: Option<Challenge>,
}

/// Where the renewal of the access token stands. Times are wall-clock milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Renewal {
    /// The token is fresh; the next refresh is due at `next_at`.
    Idle { next_at: i64 },
    /// The one refresh in flight, due since `due_at`; `after` is the failed attempt it retries, if any.
    Refreshing { due_at: i64, after: Option<Backoff> },
    /// The last attempt failed ambiguously and the token has not expired: it is handed out while usable.
    Backoff(Backoff),
    /// As `Backoff`, but the token has expired and the UI has been told (REFRESH_RETRYING in the expired state).
    Expired(Backoff),
    /// Another process holds the vault and renews the token; this one adopts what it saves and never refreshes.
    Elsewhere,
}

/// A failed refresh and the attempt that follows it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Backoff {
    pub attempt: u32,
    /// Wall ms of the next attempt.
    pub until: i64,
    /// The failed attempt's error code.
    pub cause: String,
    /// The server asked for this wait (429): a resume does not cut it short.
    pub rate_limited: bool,
}

impl Backoff {
    pub fn retry(&self) -> Retry {
        Retry { attempt: self.attempt, next_at: self.until.div_euclid(1000), cause: self.cause.clone() }
    }
}

/// When `GET /user` next checks for revocation elsewhere.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum UserCheck {
    Due { at: i64 },
    InFlight,
}

/// The signed-in session and its schedule. Times are wall-clock milliseconds.
pub(super) struct Live {
    pub session: Session,
    pub persistence: Persistence,
    /// When the current access token was received: its lifetime runs from here.
    pub received_ms: i64,
    /// `signed_in_at + max_session_age`: refreshes never move it.
    pub deadline_ms: i64,
    pub renewal: Renewal,
    pub user_check: UserCheck,
    pub last_activity_ms: i64,
    /// How many SESSION_EXPIRING warnings were published (they count down to the deadline).
    pub warnings_sent: usize,
    /// Policy `require_mfa`, as when the session began.
    pub require_mfa: bool,
    pub stage: Stage,
    pub exchange: Option<Exchange>,
    /// The session came from a password-recovery link: one password change needs no current password.
    pub from_recovery: bool,
}

/// What a caller of `access_token` gets.
pub(super) enum TokenAnswer {
    Ready(AccessToken),
    /// Refreshing keeps failing and the next attempt is not due yet.
    Pending(AuthError),
    /// Wait for the refresh (the task starts one if none is in flight).
    Wait,
}

impl Live {
    /// A session under `rules`, received at `received_ms`; renewed here only if `renews` (see `Storage::renews`).
    pub fn start(session: Session, persistence: Persistence, received_ms: i64, now: i64, rules: &EngineRules, renews: bool, u: f64) -> Self {
        let max_age_ms = rules.max_session_age.as_millis() as i64;
        let mut live = Live::new(session, persistence, received_ms, max_age_ms, now, u, rules.require_mfa);
        if !renews {
            live.renewal = Renewal::Elsewhere;
        }
        live
    }

    /// A session received at `received_ms`, its refresh scheduled at half-life (`u`: the jitter draw).
    pub fn new(session: Session, persistence: Persistence, received_ms: i64, max_age_ms: i64, now: i64, u: f64, require_mfa: bool) -> Self {
        let deadline_ms = session.signed_in_at * 1000 + max_age_ms;
        let lifetime = (session.access_expires_at * 1000 - received_ms).max(0);
        Live {
            stage: Stage::of(&session, require_mfa),
            require_mfa,
            exchange: None,
            from_recovery: false,
            renewal: Renewal::Idle { next_at: schedule::refresh_at(received_ms, lifetime, u) },
            session,
            persistence,
            received_ms,
            deadline_ms,
            user_check: UserCheck::Due { at: now },
            last_activity_ms: now,
            warnings_sent: 0,
        }
    }

    pub fn access_expires_ms(&self) -> i64 {
        self.session.access_expires_at * 1000
    }

    fn lifetime_ms(&self) -> i64 {
        (self.access_expires_ms() - self.received_ms).max(0)
    }

    /// The token is handed out only while it has this much life left (the server allows no leeway).
    pub fn usable(&self, now: i64) -> bool {
        self.access_expires_ms() - now > (self.lifetime_ms() / 10).min(10_000)
    }

    /// The failed attempt being retried, if any.
    pub fn backoff(&self) -> Option<&Backoff> {
        match &self.renewal {
            Renewal::Backoff(b) | Renewal::Expired(b) | Renewal::Refreshing { after: Some(b), .. } => Some(b),
            Renewal::Idle { .. } | Renewal::Refreshing { after: None, .. } | Renewal::Elsewhere => None,
        }
    }

    /// The identity provider's own tokens, if the sign-in brought any.
    pub fn provider_tokens(&self) -> Option<ProviderTokens> {
        self.session.provider.as_ref().and_then(|p| p.tokens.clone())
    }

    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// A new user record (factors included); the stage follows it.
    pub fn set_user(&mut self, user: User) {
        self.session.user = user;
        self.stage = Stage::of(&self.session, self.require_mfa);
    }

    /// The token for a caller, or why it must wait (or gets none: a second factor is due).
    pub fn token_for_caller(&self, now: i64) -> TokenAnswer {
        if let Stage::SecondFactor(_) = self.stage {
            return TokenAnswer::Pending(AuthError::SecondFactorRequired);
        }
        match &self.renewal {
            _ if self.usable(now) => TokenAnswer::Ready(self.session.access_token.clone()),
            Renewal::Backoff(b) | Renewal::Expired(b) if b.until > now => {
                TokenAnswer::Pending(AuthError::RefreshPending { cause: b.cause.clone(), next_at: b.until.div_euclid(1000) })
            }
            Renewal::Elsewhere => TokenAnswer::Pending(AuthError::StorageBusy),
            _ => TokenAnswer::Wait,
        }
    }

    /// Marks the one refresh as started; `false` when one is already in flight.
    pub fn begin_refresh(&mut self) -> bool {
        let (due_at, after) = match &self.renewal {
            Renewal::Refreshing { .. } | Renewal::Elsewhere => return false,
            Renewal::Idle { next_at } => (*next_at, None),
            Renewal::Backoff(b) | Renewal::Expired(b) => (b.until, Some(b.clone())),
        };
        self.renewal = Renewal::Refreshing { due_at, after };
        true
    }

    /// A refreshed (or stepped-up) session, already saved: the next refresh at its half-life, the stage as it says.
    pub fn refreshed(&mut self, session: Session, persistence: Persistence, now: i64, u: f64) {
        self.adopt(session, persistence, now, true, u);
    }

    /// The session at aal2 after a verify, already saved: refreshed, the exchange over, its user checked at once.
    pub fn stepped_up(&mut self, session: Session, persistence: Persistence, now: i64, u: f64) {
        self.refreshed(session, persistence, now, u);
        self.exchange = None;
        self.user_check = UserCheck::Due { at: now };
    }

    /// A session as saved (by this process, or by the one holding the vault), its token received at `received_ms`;
    /// renewed here at its half-life, or `Elsewhere`.
    pub fn adopt(&mut self, session: Session, persistence: Persistence, received_ms: i64, renews_here: bool, u: f64) {
        self.stage = Stage::of(&session, self.require_mfa);
        self.session = session;
        self.persistence = persistence;
        self.received_ms = received_ms;
        self.renewal = match renews_here {
            true => Renewal::Idle { next_at: schedule::refresh_at(received_ms, self.lifetime_ms(), u) },
            false => Renewal::Elsewhere,
        };
    }

    /// An ambiguous failure: the next attempt after a backoff, and `Expired` once the token has expired.
    pub fn refresh_failed(&mut self, failure: &Failure, cause: &str, now: i64, u: f64) -> Retry {
        let attempt = self.backoff().map_or(1, |b| b.attempt + 1);
        let backoff = Backoff {
            attempt,
            until: now + schedule::retry_delay_ms(failure, attempt, u),
            cause: cause.to_string(),
            rate_limited: matches!(failure, Failure::RateLimited { .. }),
        };
        let retry = backoff.retry();
        self.renewal = if now >= self.access_expires_ms() { Renewal::Expired(backoff) } else { Renewal::Backoff(backoff) };
        retry
    }

    /// The token expired while refreshing fails: the retry to tell the UI about, now that it is told.
    pub fn announce_expiry(&mut self) -> Option<Retry> {
        let Renewal::Backoff(b) = &self.renewal else { return None };
        let retry = b.retry();
        self.renewal = Renewal::Expired(b.clone());
        Some(retry)
    }

    /// After a resume or a clock jump: the revocation check is due now.
    pub fn check_user_now(&mut self, now: i64) {
        if let UserCheck::Due { at } = &mut self.user_check {
            *at = now;
        }
    }

    /// After a resume: the revocation check is due now, and, the network may be back, a failed refresh is retried
    /// now, unless the server asked for the wait.
    pub fn resumed(&mut self, now: i64) {
        self.check_user_now(now);
        if let Renewal::Backoff(b) | Renewal::Expired(b) = &mut self.renewal {
            if !b.rate_limited {
                b.until = now;
            }
        }
    }

    /// What the UI and the CLI see; never a token. `allowed`: the factor types policy allows.
    pub fn view(&self, max_age_secs: i64, allowed: &[FactorType], now: i64) -> StateView {
        let s = &self.session;
        let deadline_at = s.signed_in_at + max_age_secs;
        let retry_at = self.backoff().map(|b| b.until);
        let (claims, next_aal) = (s.claims.clone(), next_aal(&s.user.factors));
        if let Stage::SecondFactor(step) = self.stage {
            let (user, signed_in_at, persistence, allowed_factors) = (s.user.clone(), s.signed_in_at, self.persistence, allowed.to_vec());
            return StateView::NeedsSecondFactor { user, signed_in_at, persistence, deadline_at, claims, next_aal, step, allowed_factors };
        }
        if now >= self.access_expires_ms() {
            return StateView::Expired {
                user: s.user.clone(),
                identity_provider: s.provider.as_ref().map(|p| p.identity.clone()),
                signed_in_at: s.signed_in_at,
                persistence: self.persistence,
                deadline_at,
                next_retry_at: retry_at.unwrap_or(now).div_euclid(1000),
                claims,
                next_aal,
            };
        }
        let (freshness, next_at) = match &self.renewal {
            Renewal::Refreshing { due_at, .. } => (Freshness::Refreshing, *due_at),
            Renewal::Backoff(b) | Renewal::Expired(b) => (Freshness::OfflineValid, b.until),
            Renewal::Idle { next_at } => (Freshness::Fresh, *next_at),
            Renewal::Elsewhere => (Freshness::Fresh, schedule::refresh_at(self.received_ms, self.lifetime_ms(), 0.5)),
        };
        StateView::SignedIn {
            user: s.user.clone(),
            identity_provider: s.provider.as_ref().map(|p| p.identity.clone()),
            access_expires_at: s.access_expires_at,
            signed_in_at: s.signed_in_at,
            persistence: self.persistence,
            freshness,
            deadline_at,
            next_refresh_at: next_at.div_euclid(1000),
            claims,
            next_aal,
        }
    }
}
