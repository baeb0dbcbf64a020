//! Issue 13's findings through the real binary, the real keychain and the real stack: what someone who can write the
//! data folder or the log can plant (a key file with a forged vault, a temp-file symlink, terminal escapes in the
//! audit log), and a policy file that others may write. Shares the app's keychain service: one test at a time.

use crate::support;

use latchkey_core::testing::MemoryKeys;
use latchkey_core::vault::{key_file::KEY_FILE, FILE, KEY_ACCOUNT};
use latchkey_core::{KeyStore, KeyringStore, SessionStore, SystemClock, Vault, VaultLock, APP_ID};
use secrecy::ExposeSecret;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use support::{data_dir, json, latchkey, log_dir, run, sign_in_demo, watch_until};

fn keychain_key() -> Option<String> {
    KeyringStore::new(APP_ID).get(KEY_ACCOUNT).expect("the keychain answers").map(|k| k.expose_secret().to_string())
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
}

/// Someone who can write the data folder replaces the vault with a session of their choice sealed with a key of
/// theirs, left next to it in a key file (what the insecure fallback would write).
fn plant_forged_session(dir: &Path) {
    let theirs = Arc::new(MemoryKeys::default());
    *theirs.fail_with.lock().unwrap() = Some("keychain_unavailable");
    let lock = VaultLock::acquire(dir, Duration::from_secs(5)).unwrap();
    let mut forged = latchkey_core::testing::session(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64);
    forged.user.email = "attacker@example.com".into();
    Vault::new(dir, theirs, SystemClock, Some(lock)).with_insecure_fallback(true).save(&forged).unwrap();
    assert!(dir.join(KEY_FILE).exists());
}

#[test]
fn a_planted_key_file_never_replaces_the_keychain_key_nor_opens_a_session() {
    for allowed in [false, true] {
        let dir = data_dir(&format!("planted-key-{allowed}"));
        let policy = dir.with_extension("policy.json");
        std::fs::write(&policy, format!(r#"{{"managed": {{"allow_insecure_storage_fallback": {allowed}}}}}"#)).unwrap();
        let with_policy = |args: &[&str]| {
            let mut cmd = latchkey(&dir, args);
            cmd.env("LATCHKEY_POLICY_PATH", &policy);
            cmd
        };
        sign_in_demo(with_policy(&[]));
        let ours = keychain_key().expect("the sign-in put the vault key in the keychain");
        plant_forged_session(&dir);

        let status = json(&run(with_policy(&["status", "--json"])));
        assert!(!status.to_string().contains("attacker@example.com"), "policy {allowed}: the planted session opened: {status:#}");
        assert_eq!(status["state"], "signed_out", "{status:#}");
        // A writer restores (the window, watch): it must neither move the planted key into the keychain nor use it.
        let first = watch_until(with_policy(&["watch", "--json"]), Duration::from_secs(30), |e| e["event"] == "INITIAL_SESSION");
        assert_eq!(first["state"]["reason"], "storage_corrupt", "policy {allowed}: {first}");
        assert_eq!(keychain_key().as_deref(), Some(ours.as_str()), "policy {allowed}: the keychain key was replaced");
        assert_eq!(run(with_policy(&["sign-out"])).status.code(), Some(0));
    }
}

#[test]
fn a_policy_file_others_may_write_or_own_fails_closed_with_the_reason() {
    let dir = data_dir("policy-perms");
    let policy = dir.with_extension("policy.json");
    std::fs::write(&policy, r#"{"managed": {"max_session_age": "1h"}}"#).unwrap();
    let report = |policy: &Path| {
        let mut cmd = latchkey(&dir, &["policy", "--json"]);
        cmd.env("LATCHKEY_POLICY_PATH", policy);
        let out = run(cmd);
        (out.status.code(), json(&out))
    };
    let (code, ok) = report(&policy);
    assert_eq!((code, ok["values"]["max_session_age"]["value"].as_str()), (Some(0), Some("1h")), "{ok:#}");
    for (file_mode, owner, expected) in [(0o664, 0, "writable by its group"), (0o666, 0, "writable by its group (gid 0), everyone"), (0o644, 65534, "belongs to uid 65534")] {
        std::fs::set_permissions(&policy, std::fs::Permissions::from_mode(file_mode)).unwrap();
        std::os::unix::fs::chown(&policy, Some(owner), Some(owner)).expect("chown needs root");
        let (code, bad) = report(&policy);
        let error = bad["error"].as_str().unwrap_or_default();
        assert_eq!(code, Some(1), "{file_mode:o}/{owner}: {bad:#}");
        assert!(error.contains(expected) && error.contains("only an administrator may own or write it"), "{error}");
        assert_eq!(bad["values"]["max_session_age"]["source"], "fail_closed");
    }
}

#[test]
fn the_data_and_log_folders_are_kept_private_and_a_planted_temp_symlink_is_never_followed() {
    let dir = data_dir("private-folders");
    std::fs::create_dir_all(log_dir(&dir)).unwrap();
    for folder in [dir.clone(), log_dir(&dir)] {
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let victim = dir.with_extension("victim");
    std::fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(&victim, dir.join(format!("{FILE}.tmp"))).unwrap();
    sign_in_demo(latchkey(&dir, &[]));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious", "the symlink was followed");
    assert_eq!((mode(&dir), mode(&log_dir(&dir))), (0o700, 0o700), "the folders were left open to others");
    let vault = std::fs::metadata(dir.join(FILE)).unwrap();
    assert_eq!((vault.mode() & 0o777, vault.uid()), (0o600, unsafe { libc::geteuid() }));
    assert_eq!(run(latchkey(&dir, &["sign-out"])).status.code(), Some(0));
}

#[test]
fn audit_export_prints_a_hand_written_line_escaped_and_never_panics() {
    let dir = data_dir("audit-escapes");
    std::fs::create_dir_all(log_dir(&dir)).unwrap();
    let line = serde_json::json!({
        "time": "2026-06-01T00:00:00.000Z", "event": "SIGNED_IN\u{1b}[2J", "reason": null, "user_id": "u1\u{7}",
        "session_hash": format!("a{}", "é".repeat(20)), "app_version": "0.1.0"
    });
    std::fs::write(log_dir(&dir).join("audit.jsonl"), format!("{line}\n")).unwrap();
    let out = run(latchkey(&dir, &["audit", "export"]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!out.stdout.iter().any(|b| matches!(b, 0x1b | 0x07)), "raw control characters printed: {text:?}");
    assert!(text.contains(r"SIGNED_IN\u{1b}[2J") && text.contains(&format!("session a{}…", "é".repeat(11))), "{text}");
}
