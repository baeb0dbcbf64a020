//! The test doubles, one of each, for this crate's unit tests, the integration tests and the benches (feature
//! `test-util`): a clock a test can move, a scripted GoTrue, a recording wrapper around a real one, a store that
//! fails on demand, a fault injector in front of a real server (`fault_proxy`), a sample session, and a configuration over a private directory. Never in a release build.

mod api;
mod clock;
mod config;
pub mod fault_proxy;
mod mfa;
mod store;

pub use api::{FakeApi, Observed, SSO_DOMAIN};
pub use clock::TestClock;
pub use config::{config, config_in, temp_dir};
pub use mfa::{FakeFactors, GOOD_CODE, TOTP_SECRET};
pub use store::{MemoryKeys, TestStore};

use crate::secret::{AccessToken, ProviderRefreshToken, ProviderToken, RefreshToken};
use crate::session::{IdentityProvider, ProviderSignIn, ProviderTokens, Session, User};

/// The user every double signs in.
pub fn user() -> User {
    User { id: "u1".into(), email: "a@b.c".into(), ..User::default() }
}

/// A session of [`user`] signed in at `now` (unix seconds) with an hour-long access token.
pub fn session(now: i64) -> Session {
    Session {
        access_token: AccessToken::new("access-secret".into()),
        refresh_token: RefreshToken::new("refresh-secret".into()),
        access_expires_at: now + 3600,
        session_id: Some("sid".into()),
        user: user(),
        signed_in_at: now,
        last_refresh_at: None,
        provider: None,
        claims: None,
        pending_sign_out: None,
    }
}

/// The Keycloak provider's own tokens, as an OAuth code exchange gives them.
pub fn provider_tokens() -> ProviderTokens {
    ProviderTokens {
        access: ProviderToken::new("provider-secret".into()),
        refresh: Some(ProviderRefreshToken::new("provider-refresh-secret".into())),
    }
}

/// [`session`], signed in through the `keycloak` OAuth provider, with its [`provider_tokens`].
pub fn oauth_session(now: i64) -> Session {
    let identity = IdentityProvider::OAuth { provider: "keycloak".into() };
    Session { provider: Some(ProviderSignIn { identity, tokens: Some(provider_tokens()) }), ..session(now) }
}
