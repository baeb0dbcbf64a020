//! The host layer the window and the command line share, with no Tauri in it: the core built from the configuration
//! over the vault (holding its lock), the activity and audit trail of its events, the sign-in options policy allows,
//! the enrolment screen's view of a new TOTP factor, the settings a user may change, and logging. Whatever runs the core (the window, the CLI, a daemon) starts here.

pub mod activity;
pub mod agent;
mod core;
pub mod enrolment;
pub mod follow;
pub mod keychain;
pub mod logging;
pub mod notices;
pub mod project;
pub mod reset;
pub mod second_factor;
pub mod settings;
pub mod sign_in_options;
pub mod status;
pub mod tray;
#[cfg(test)]
mod typescript;

pub use crate::core::{build, build_with, gotrue, lock_vault, vault, LOCK_WAIT};
pub use activity::{Activity, Trail};
pub use follow::{follow, Following};
pub use logging::{init_logging, Sink};
