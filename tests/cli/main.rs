//! The real `latchkey` binary, headless, against the real stack and keychain: one test binary with one support
//! module. scripts/test runs each module in the environment it needs, selected by name: `session::`, `policy::`,
//! `admin::`, `hardening::`, `sign_out::` and `network::` share the app's keychain service; `locked_keychain::` and `insecure_fallback::` lock
//! their D-Bus session's keyring, so each gets a session of its own; `crash::`, `crash_loop::` and `faults::` need
//! 6 s tokens; `time::` needs libfaketime; `timebox::` needs GoTrue with a 20 s session timebox; `binaries::` needs
//! only ldd. Tests of this binary run one at a time (tests/nextest.toml).

mod admin;
mod agent;
mod binaries;
mod crash;
mod crash_loop;
mod faults;
mod follow;
mod hardening;
mod insecure_fallback;
mod locked_keychain;
mod mfa;
mod network;
mod policy;
mod session;
mod sign_out;
mod support;
mod time;
mod timebox;
