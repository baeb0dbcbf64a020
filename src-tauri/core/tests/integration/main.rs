//! The core on real parts: the Secret Service (gnome-keyring in a private D-Bus session), the local Supabase Auth
//! stack (GoTrue over PostgreSQL, scripts/stack) and its MFA and phone setup, and the test identity provider (Keycloak)
//! with a real Chromium. One test binary; scripts/test runs each module in the environment it needs, selected by name
//! (`keychain::`, `stack::` and `flows::`, `refresh::` with 6 s tokens, `gotrue_mfa::`, `idp::`).

mod flows;
mod gotrue_mfa;
mod idp;
mod keychain;
mod mfa;
mod refresh;
mod stack;
mod support;
