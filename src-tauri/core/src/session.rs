//! A `Session` holds the tokens and never serializes them by accident; `StateView` is what may leave the core.

use crate::assurance::{Aal, Claims, Factor, FactorType};
use crate::secret::{AccessToken, ProviderRefreshToken, ProviderToken, RefreshToken};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The signed-in user, as shown to the UI: kept with the session, so `status` needs no network.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub email: String,
    /// The account's phone (E.164 digits without `+`), if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub phone: Option<String>,
    /// An e-mail change waiting for confirmation: the address it goes to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub new_email: Option<String>,
    /// The second factors (`user.factors`), verified or not.
    #[serde(default)]
    pub factors: Vec<Factor>,
}

/// The identity provider that vouched for the user at sign-in (OAuth or SAML SSO); the home screen names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IdentityProvider {
    /// GoTrue's OAuth provider (`keycloak`, `azure`, `google`…).
    #[serde(rename = "oauth")]
    OAuth { provider: String },
    /// SAML single sign-on; the e-mail domain, when the sign-in named one (a policy may name the provider by id).
    Sso { domain: Option<String> },
}

/// The provider's own tokens from an OAuth sign-in (SAML gives none), for apps that call the provider's API.
/// Secrets like the session's own: never serialized, never over IPC.
#[derive(Debug, Clone)]
pub struct ProviderTokens {
    pub access: ProviderToken,
    pub refresh: Option<ProviderRefreshToken>,
}

/// How an identity provider signed the user in: who it was and what it gave.
#[derive(Debug, Clone)]
pub struct ProviderSignIn {
    pub identity: IdentityProvider,
    pub tokens: Option<ProviderTokens>,
}

/// A live session. Tokens are secret types; only the vault's sealing code reads them out.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: AccessToken,
    pub refresh_token: RefreshToken,
    /// Unix seconds, computed locally as receipt time + `expires_in` (immune to clock skew).
    pub access_expires_at: i64,
    pub session_id: Option<String>,
    pub user: User,
    /// Unix seconds when the user signed in; the absolute session timeout runs from here.
    pub signed_in_at: i64,
    /// Unix seconds of the last successful refresh.
    pub last_refresh_at: Option<i64>,
    /// Set when an identity provider (OAuth, SSO) signed the user in; kept across refreshes.
    pub provider: Option<ProviderSignIn>,
    /// The access token's claims, as verified when it was received (`None` only in a record written before claims
    /// were kept: it counts as `aal1`).
    pub claims: Option<Claims>,
    /// A `global` or `others` sign-out the server has not confirmed yet. With `global` this device is signed out and
    /// the record is kept only to retry it (its access token is gone); with `others` this device stays signed in.
    pub pending_sign_out: Option<crate::api::LogoutScope>,
}

/// The latest time a saved session may name (unix seconds, the year 5138): beyond it a record is damaged, and the
/// engine's millisecond arithmetic could overflow.
pub const LATEST_PLAUSIBLE_TIME: i64 = 100_000_000_000;

impl Session {
    /// Whether every time in it is one a real session can have: none negative, none past `LATEST_PLAUSIBLE_TIME`.
    pub fn times_are_plausible(&self) -> bool {
        let times = [Some(self.access_expires_at), Some(self.signed_in_at), self.last_refresh_at];
        times.into_iter().flatten().all(|t| (0..=LATEST_PLAUSIBLE_TIME).contains(&t))
    }
}

/// Why the user is signed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum SignOutReason {
    User,
    Revoked,
    Timeout,
    IdleTimeout,
    Policy,
    StorageUnavailable,
    StorageCorrupt,
}

/// Where the live session is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum Persistence {
    /// Sealed in the vault, keyed from the OS keychain: survives a restart.
    Keychain,
    /// In this process only: the keychain could not be used, so it ends when the app quits.
    MemoryOnly,
    /// Sealed in the vault, but its key is in a file because the keychain is unavailable: survives a restart,
    /// with weaker protection. Only when policy sets `allow_insecure_storage_fallback`.
    InsecureFile,
}

/// How current a signed-in session's access token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    Fresh,
    /// A refresh is in flight (shown in snapshots only).
    Refreshing,
    /// Refreshing fails (network, server) but the access token is still valid.
    OfflineValid,
}

/// What the UI and the CLI see: never a token. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum StateView {
    Initializing,
    #[serde(rename_all = "camelCase")]
    SignedIn {
        user: User,
        /// Who vouched for the user at sign-in, when an identity provider did.
        identity_provider: Option<IdentityProvider>,
        access_expires_at: i64,
        signed_in_at: i64,
        persistence: Persistence,
        freshness: Freshness,
        /// The absolute deadline: `signed_in_at + max_session_age`. Refreshes never move it.
        deadline_at: i64,
        next_refresh_at: i64,
        /// The verified access token's claims (`aal`, `amr`, …).
        claims: Option<Claims>,
        /// The level the user's verified factors allow.
        next_aal: Aal,
    },
    /// The access token has expired and refreshing is being retried: still signed in, not usable.
    #[serde(rename_all = "camelCase")]
    Expired { user: User, identity_provider: Option<IdentityProvider>, signed_in_at: i64, persistence: Persistence, deadline_at: i64, next_retry_at: i64, claims: Option<Claims>, next_aal: Aal },
    /// Signed in with one factor while a second is required (the user has a verified factor, or policy requires
    /// one): the tokens serve only the MFA calls, no access token is handed out, and refreshing goes on.
    #[serde(rename_all = "camelCase")]
    NeedsSecondFactor {
        user: User,
        signed_in_at: i64,
        persistence: Persistence,
        /// Counts from the first factor: a second factor never extends the session.
        deadline_at: i64,
        claims: Option<Claims>,
        next_aal: Aal,
        step: SecondStep,
        /// The factor types the policy allows: to verify with, and to enrol.
        allowed_factors: Vec<FactorType>,
    },
    SignedOut { reason: Option<SignOutReason> },
}

/// What the second factor still needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SecondStep {
    /// The user has a verified factor: answer its challenge.
    Verify,
    /// Policy requires a second factor and the user has none: enrol one (cancelling signs out, reason `policy`).
    Enrol,
}

#[cfg(test)]
mod tests {
    #[test]
    fn no_session_bearing_type_formats_a_token() {
        let s = crate::testing::oauth_session(1000);
        let shown = format!("{s:?} {s:#?} {}", crate::error::AuthError::NotSignedIn);
        for secret in ["access-secret", "refresh-secret", "provider-secret", "provider-refresh-secret"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("ProviderToken([redacted])"), "{shown}");
    }
}
