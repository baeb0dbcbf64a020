//! The app's one name: its bundle identifier names the keychain service and the data and log directories, and
//! binds every sealed vault to this app.

/// Stable bundle identifier.
pub const APP_ID: &str = "dev.latchkey.desktop";
