//! A locked keyring (gnome-keyring restarted without unlocking): reported as locked at once, healthy data untouched.
//! It locks its D-Bus session's keyring, so scripts/test runs it alone in a session of its own.

use crate::support;

use support::{data_dir, json, latchkey, run};
use latchkey_core::secret::{AccessToken, RefreshToken};
use latchkey_core::session::User;
use latchkey_core::{KeyringStore, Session, SessionStore, SystemClock, Vault, VaultLock, APP_ID};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Replaces the session's gnome-keyring daemon; without `unlock_with` the login keyring comes up locked.
fn restart_keyring(unlock_with: Option<&str>) {
    let mut cmd = Command::new("gnome-keyring-daemon");
    cmd.args(["--replace", "--components=secrets"]).stdout(Stdio::null()).stderr(Stdio::null());
    if unlock_with.is_some() {
        cmd.arg("--unlock").stdin(Stdio::piped());
    } else {
        cmd.stdin(Stdio::null());
    }
    let mut child = cmd.spawn().expect("gnome-keyring-daemon");
    if let Some(pw) = unlock_with {
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), pw.as_bytes()).unwrap();
    }
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_locked_keychain_is_reported_without_hanging_and_the_vault_survives() {
    let password = std::env::var("LATCHKEY_KEYRING_PW").expect("run through scripts/lib/isolated");
    let dir = data_dir("locked");
    let session = Session {
        access_token: AccessToken::new("locked-access".into()),
        refresh_token: RefreshToken::new("locked-refresh".into()),
        access_expires_at: 4_102_444_800,
        session_id: None,
        user: User { id: "u".into(), email: "locked@example.com".into(), ..User::default() },
        signed_in_at: latchkey_core::Clock::now_unix(&SystemClock) - 60,
        last_refresh_at: None,
        provider: None,
        claims: None,
        pending_sign_out: None,
    };
    let lock = VaultLock::acquire(&dir, Duration::from_secs(1)).unwrap();
    Vault::new(&dir, KeyringStore::new(APP_ID), SystemClock, Some(lock)).save(&session).unwrap();

    restart_keyring(None);
    let status = json(&run(latchkey(&dir, &["status", "--json"])));
    assert_eq!((status["state"].as_str(), status["reason"].as_str()), (Some("signed_out"), Some("storage_unavailable")));
    let doctor = run(latchkey(&dir, &["doctor", "--json"]));
    assert_eq!(doctor.status.code(), Some(1));
    assert_eq!(json(&doctor)["keychain"]["canary"], "keychain_locked");
    assert_eq!(support::quarantined(&dir), 0, "a locked keychain never condemns a healthy vault");

    restart_keyring(Some(&password));
    let status = json(&run(latchkey(&dir, &["status", "--json"])));
    assert_eq!(status["user"]["email"], "locked@example.com", "once unlocked, the session is back");
}

#[test]
fn sign_out_with_the_keychain_locked_still_removes_the_sealed_session_and_says_what_it_could_not_do() {
    let password = std::env::var("LATCHKEY_KEYRING_PW").expect("run through scripts/lib/isolated");
    let dir = data_dir("locked-signout");
    let mut session = latchkey_core::testing::session(latchkey_core::Clock::now_unix(&SystemClock) - 60);
    session.user.email = "locked-signout@example.com".into();
    let lock = VaultLock::acquire(&dir, Duration::from_secs(1)).unwrap();
    Vault::new(&dir, KeyringStore::new(APP_ID), SystemClock, Some(lock)).save(&session).unwrap();

    restart_keyring(None);
    let out = run(latchkey(&dir, &["sign-out"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("sign_out_incomplete") && stderr.contains("keychain_locked"), "it says what it could not do: {stderr}");
    assert!(!dir.join(latchkey_core::vault::FILE).exists(), "the sealed session is still there");
    restart_keyring(Some(&password));
}
