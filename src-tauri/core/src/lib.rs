//! Latchkey's session core: owns the session, never depends on Tauri, and never lets a refresh token out.

pub mod api;
pub mod audit;
pub mod clock;
pub mod config;
pub mod engine;
pub mod error;
pub mod events;
pub mod flows;
pub mod jwt;
pub mod keychain;
pub mod net;
pub mod loopback;
pub mod pkce;
pub mod policy;
pub mod schedule;
pub mod secret;
pub mod session;
pub mod tray;
pub mod vault;
pub mod verified;
pub mod wake;

pub use api::{AuthApi, GoTrue};
pub use clock::{Clock, SystemClock};
pub use config::Config;
pub use engine::{start, SessionHandle, Settings};
pub use error::{AuthError, Corruption};
pub use events::{AuthEvent, EventKind, Snapshot};
pub use keychain::{KeyStore, KeyringStore};
pub use session::{Persistence, Session, SignOutReason, StateView};
pub use vault::{SessionStore, Vault, VaultLock};

/// Stable bundle identifier: names the keychain service and the app data directory.
pub const APP_ID: &str = "dev.latchkey.desktop";
