//! When to refresh and how long to back off: pure functions of time and failure, so every rule is tested as a table.

use crate::error::{AuthError, ErrorCode as C};
use crate::session::SignOutReason;

/// Refresh at this fraction of the token's lifetime (before jitter).
pub const REFRESH_AT_FRACTION: f64 = 0.5;
/// Jitter spreads refreshes over ±this fraction of the lifetime, so a fleet never refreshes in step.
pub const JITTER_FRACTION: f64 = 0.1;
/// First retry delay and caps, in milliseconds. Network failures are retried at most 5 s apart, so a
/// client is back within 5 s of the server's return; at the cap, 2.5–5 s apart (about 16 a minute).
pub const BACKOFF_BASE_MS: i64 = 1_000;
pub const BACKOFF_CAP_MS: i64 = 5_000;
/// After a 429 without Retry-After, back off further than for a plain network failure.
pub const RATE_LIMIT_CAP_MS: i64 = 60_000;
pub const UNKNOWN_4XX_CAP_MS: i64 = 15 * 60 * 1_000;
/// No retry sooner than this: never a tight loop.
pub const MIN_RETRY_MS: i64 = 500;

/// When to refresh a token received at `received_ms` that lives `lifetime_ms`; `u` is uniform in [0, 1).
///
/// Half-life with jitter: a 1 h token is refreshed after 27–33 min, leaving ~30 min of valid token in
/// which failures can be retried. auth-js refreshes only in the last 90 s, so one failed attempt or a
/// laptop lid closed at the wrong moment leaves a dead token.
pub fn refresh_at(received_ms: i64, lifetime_ms: i64, u: f64) -> i64 {
    let fraction = REFRESH_AT_FRACTION + JITTER_FRACTION * (2.0 * u - 1.0);
    received_ms + (lifetime_ms.max(0) as f64 * fraction) as i64
}

/// Exponential backoff with equal jitter: uniform in [c/2, c] for c = min(cap, base·2^attempt), floored at
/// `MIN_RETRY_MS`. Half of each wait is jitter (a fleet never retries in step); the other half keeps a long
/// outage from costing more than one attempt per half-cap.
pub fn backoff_ms(attempt: u32, cap_ms: i64, u: f64) -> i64 {
    let ceiling = BACKOFF_BASE_MS.saturating_mul(1i64 << attempt.min(30)).min(cap_ms);
    ((ceiling as f64 * (1.0 + u) / 2.0) as i64).max(MIN_RETRY_MS)
}

/// What a failed refresh means.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Network, TLS refusals, an unreachable proxy, timeouts, 5xx, 408, 409, 504, unreadable replies: retry with backoff.
    Transient,
    /// 429: retry no sooner than the server asked.
    RateLimited { retry_after_ms: Option<i64> },
    /// The server ended the session.
    Terminal(SignOutReason),
    /// A 4xx we do not know: keep the session while its token is valid, retry with a longer cap, report.
    Unknown,
}

/// Sorts a refresh failure; only a terminal server answer may end a session.
pub fn classify(e: &AuthError) -> Failure {
    match e {
        AuthError::RateLimited { retry_after_secs, .. } => Failure::RateLimited { retry_after_ms: retry_after_secs.map(|s| s as i64 * 1000) },
        AuthError::Server { status, message, .. } => match (status, e.known_code()) {
            (_, Some(C::RefreshTokenNotFound | C::RefreshTokenAlreadyUsed | C::SessionNotFound | C::UserBanned | C::UserNotFound)) => {
                Failure::Terminal(SignOutReason::Revoked)
            }
            (_, Some(C::SessionExpired)) if message.contains("Inactivity") => Failure::Terminal(SignOutReason::IdleTimeout),
            (_, Some(C::SessionExpired)) => Failure::Terminal(SignOutReason::Timeout),
            (408 | 409 | 500..=599, _) => Failure::Transient,
            _ => Failure::Unknown,
        },
        AuthError::Unreachable { .. } | AuthError::MalformedResponse(_) => Failure::Transient,
        // Ambiguous, never a sign-out: the network (a captive portal, a proxy being fixed) may change any moment.
        AuthError::TlsUntrusted { .. } | AuthError::ProxyUnreachable { .. } => Failure::Transient,
        _ => Failure::Unknown,
    }
}

/// The delay before retry number `attempt` (1-based) after `failure`.
pub fn retry_delay_ms(failure: &Failure, attempt: u32, u: f64) -> i64 {
    match failure {
        // The server named its wait: keep to it, plus up to 10 % so a crowd of clients does not return in step.
        Failure::RateLimited { retry_after_ms: Some(ms) } => ms + (*ms as f64 * 0.1 * u) as i64,
        Failure::RateLimited { retry_after_ms: None } => backoff_ms(attempt, RATE_LIMIT_CAP_MS, u),
        Failure::Unknown => backoff_ms(attempt, UNKNOWN_4XX_CAP_MS, u),
        _ => backoff_ms(attempt, BACKOFF_CAP_MS, u),
    }
}

/// A small, fast PRNG for jitter (xorshift64*); not for secrets.
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Self {
        Jitter(seed | 1)
    }
    /// Uniform in [0, 1).
    pub fn draw(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(status: u16, code: &str, message: &str) -> AuthError {
        AuthError::Server { status, code: code.into(), message: message.into() }
    }

    #[test]
    fn refresh_is_due_at_half_life_within_the_jitter_band() {
        let hour = 3_600_000;
        assert_eq!(refresh_at(0, hour, 0.5), hour / 2);
        assert_eq!(refresh_at(1_000, hour, 0.0), 1_000 + (hour as f64 * 0.4) as i64);
        assert!(refresh_at(0, hour, 0.999_999) < (hour as f64 * 0.6) as i64 + 1);
        assert_eq!(refresh_at(0, 5_000, 0.5), 2_500, "a 5 s token is refreshed after 2.5 s");
    }

    #[test]
    fn backoff_grows_is_capped_and_never_tight() {
        assert_eq!(backoff_ms(1, BACKOFF_CAP_MS, 0.999), 1_999);
        assert_eq!(backoff_ms(1, BACKOFF_CAP_MS, 0.0), 1_000);
        assert_eq!(backoff_ms(3, UNKNOWN_4XX_CAP_MS, 0.5), 6_000);
        assert_eq!(backoff_ms(3, BACKOFF_CAP_MS, 0.5), 3_750, "network retries are capped at 5 s");
        assert_eq!(backoff_ms(40, BACKOFF_CAP_MS, 0.999), 4_997);
        assert_eq!(backoff_ms(40, BACKOFF_CAP_MS, 0.0), BACKOFF_CAP_MS / 2, "at the cap, never closer than half of it");
        assert_eq!(backoff_ms(0, 600, 0.0), MIN_RETRY_MS);
    }

    #[test]
    fn rate_limits_wait_as_long_as_the_server_asked_plus_at_most_a_tenth() {
        let f = Failure::RateLimited { retry_after_ms: Some(30_000) };
        assert_eq!(retry_delay_ms(&f, 1, 0.0), 30_000);
        assert_eq!(retry_delay_ms(&f, 9, 0.5), 31_500, "no exponential growth past what the server asked");
        assert_eq!(retry_delay_ms(&f, 9, 0.999), 32_997);
        assert_eq!(retry_delay_ms(&Failure::RateLimited { retry_after_ms: None }, 1, 0.5), 1_500);
    }

    #[test]
    fn failures_are_classified_as_the_server_means_them() {
        let unreachable = AuthError::Unreachable { url: "u".into(), detail: "d".into() };
        let rows: Vec<(AuthError, Failure)> = vec![
            (unreachable, Failure::Transient),
            (AuthError::MalformedResponse("x".into()), Failure::Transient),
            (AuthError::TlsUntrusted { url: "u".into(), detail: "unknown issuer".into() }, Failure::Transient),
            (AuthError::ProxyUnreachable { proxy: "p".into(), url: "u".into(), detail: "refused".into() }, Failure::Transient),
            (server(500, "unexpected_failure", ""), Failure::Transient),
            (server(502, "unknown", ""), Failure::Transient),
            (server(504, "request_timeout", ""), Failure::Transient),
            (server(408, "unknown", ""), Failure::Transient),
            (server(409, "conflict", ""), Failure::Transient),
            (AuthError::RateLimited { retry_after_secs: Some(7), message: "m".into() }, Failure::RateLimited { retry_after_ms: Some(7_000) }),
            (server(400, "refresh_token_not_found", ""), Failure::Terminal(SignOutReason::Revoked)),
            (server(400, "refresh_token_already_used", ""), Failure::Terminal(SignOutReason::Revoked)),
            (server(400, "session_not_found", ""), Failure::Terminal(SignOutReason::Revoked)),
            (server(400, "user_banned", ""), Failure::Terminal(SignOutReason::Revoked)),
            (server(400, "session_expired", "Invalid Refresh Token: Session Expired"), Failure::Terminal(SignOutReason::Timeout)),
            (server(400, "session_expired", "Invalid Refresh Token: Session Expired (Inactivity)"), Failure::Terminal(SignOutReason::IdleTimeout)),
            (server(400, "validation_failed", ""), Failure::Unknown),
            (server(418, "teapot", ""), Failure::Unknown),
        ];
        for (error, expected) in rows {
            assert_eq!(classify(&error), expected, "{error:?}");
        }
    }

    #[test]
    fn jitter_is_uniform_enough_and_in_range() {
        let mut j = Jitter::new(42);
        let draws: Vec<f64> = (0..10_000).map(|_| j.draw()).collect();
        assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
    }
}
