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
use crate::assurance::Aal;
use crate::session::{Freshness, IdentityProvider, Persistence, ProviderSignIn, ProviderTokens, Session, StateView, User};

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

/// What the app shows for [`user`] signed in at `now`: fresh, kept in the keychain, the access token good for 2m5s
/// more, the next refresh a minute in, the deadline a day on.
pub fn signed_in_view(now: i64) -> StateView {
    StateView::SignedIn {
        user: user(),
        identity_provider: None,
        access_expires_at: now + 125,
        signed_in_at: now,
        persistence: Persistence::Keychain,
        freshness: Freshness::Fresh,
        deadline_at: now + 86_400,
        next_refresh_at: now + 60,
        claims: None,
        next_aal: Aal::Aal1,
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
