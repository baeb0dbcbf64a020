//! Latchkey's session core: owns the session, never depends on Tauri, and never lets a refresh token out.

pub mod api;
pub mod app;
pub mod assurance;
pub mod audit;
pub mod browser_sign_in;
pub mod clock;
pub mod config;
pub mod engine;
pub mod error;
pub mod events;
pub mod jwt;
pub mod keychain;
pub mod net;
pub mod loopback;
pub mod pkce;
pub mod policy;
pub mod schedule;
pub mod secret;
pub mod session;
mod test_hooks;
#[cfg(any(test, feature = "test-util"))]
pub mod testing;
pub mod vault;
pub mod verified;
pub mod wake;

pub use api::{AuthApi, GoTrue};
pub use app::APP_ID;
pub use clock::Clock;
pub use wake::SystemClock;
pub use config::Config;
pub use engine::{start, SessionHandle, EngineRules};
pub use error::{AuthError, Corruption};
pub use events::{AuthEvent, EventKind, Snapshot};
pub use keychain::{KeyStore, KeyringStore};
pub use session::{Persistence, Session, SignOutReason, StateView};
pub use vault::{SessionStore, Vault, VaultLock};
