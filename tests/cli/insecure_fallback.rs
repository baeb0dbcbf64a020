//! `allow_insecure_storage_fallback` with a locked keyring (gnome-keyring restarted without unlocking), through the
//! real binary and the real GoTrue: with the policy, the vault key goes to a 0600 file and the session survives a
//! new process, said to be weaker; without it, nothing is kept. It locks its D-Bus session's keyring, so
//! scripts/test runs it alone in a session of its own, one test at a time.

use crate::support;

use support::{data_dir, json, latchkey, run, vault_session};
use latchkey_core::vault::{key_file::KEY_FILE, FILE};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn env(k: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| panic!("{k} not set: run through scripts/test"))
}

/// Replaces the session's gnome-keyring daemon; without `unlock_with` the login keyring comes up locked.
fn restart_keyring(unlock_with: Option<&str>) {
    let mut cmd = Command::new("gnome-keyring-daemon");
    cmd.args(["--replace", "--components=secrets"]).stdout(Stdio::null()).stderr(Stdio::null());
    cmd.stdin(if unlock_with.is_some() { Stdio::piped() } else { Stdio::null() });
    if unlock_with.is_some() {
        cmd.arg("--unlock");
    }
    let mut child = cmd.spawn().expect("gnome-keyring-daemon");
    if let Some(pw) = unlock_with {
        child.stdin.take().unwrap().write_all(pw.as_bytes()).unwrap();
    }
    assert!(child.wait().unwrap().success());
}

/// `latchkey <args>` under a managed policy that sets `allow_insecure_storage_fallback`.
fn with_policy(dir: &Path, allowed: bool, args: &[&str]) -> Command {
    let policy = dir.join("policy.json");
    std::fs::write(&policy, serde_json::json!({ "managed": { "allow_insecure_storage_fallback": allowed } }).to_string()).unwrap();
    let mut cmd = latchkey(dir, args);
    cmd.env("LATCHKEY_POLICY_PATH", policy);
    cmd
}

fn sign_in(dir: &Path, allowed: bool) -> Output {
    let cmd = with_policy(dir, allowed, &["sign-in", "--email", &env("LATCHKEY_DEMO_EMAIL"), "--password-stdin"]);
    let out = support::sign_in_with(cmd, &env("LATCHKEY_DEMO_PASSWORD"));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

#[test]
fn with_the_policy_a_locked_keychain_keeps_the_key_in_a_file_the_session_survives_and_the_key_moves_back() {
    let password = env("LATCHKEY_KEYRING_PW");
    let dir = data_dir("fallback-on");
    restart_keyring(None);

    let signed_in = json(&sign_in(&dir, true));
    assert_eq!(signed_in["persistence"], "insecure_file", "{signed_in:#}");
    assert!(signed_in["storage"].as_str().unwrap().contains("insecure fallback allowed by policy"));
    let key_file = dir.join(KEY_FILE);
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key_file).expect("key file").permissions());
    assert_eq!(mode & 0o777, 0o600);
    let sealed = std::fs::read_to_string(dir.join(FILE)).unwrap();
    assert!(sealed.contains("latchkey-vault") && !sealed.contains("refresh_token"), "never a plaintext session");

    let status = json(&run(with_policy(&dir, true, &["status", "--json"])));
    assert_eq!((status["state"].as_str(), status["persistence"].as_str()), (Some("signed_in"), Some("insecure_file")), "a new process: {status:#}");
    let doctor = json(&run(with_policy(&dir, true, &["doctor", "--json"])));
    assert!(doctor["problems"].to_string().contains("insecure fallback allowed by policy"), "{doctor:#}");
    assert_eq!(doctor["vault"]["insecure_key_file"], key_file.to_str().unwrap());

    restart_keyring(Some(&password));
    let status = json(&run(with_policy(&dir, true, &["status", "--json"])));
    assert_eq!(status["persistence"], "insecure_file", "status only reads: the key stays until a writer runs");
    sign_in(&dir, true); // a writer: it restores first, which moves the key into the keychain
    assert!(!key_file.exists(), "the key file is gone once the keychain holds the key");
    assert!(vault_session(&dir).is_some(), "the keychain key opens the vault");
    let status = json(&run(with_policy(&dir, true, &["status", "--json"])));
    assert_eq!((status["state"].as_str(), status["persistence"].as_str()), (Some("signed_in"), Some("keychain")));
    assert_eq!(run(with_policy(&dir, true, &["sign-out"])).status.code(), Some(0));
}

#[test]
fn without_the_policy_a_locked_keychain_keeps_the_session_in_memory_only() {
    let password = env("LATCHKEY_KEYRING_PW");
    let dir = data_dir("fallback-off");
    restart_keyring(None);
    assert_eq!(json(&sign_in(&dir, false))["persistence"], "memory_only");
    assert!(!dir.join(FILE).exists() && !dir.join(KEY_FILE).exists(), "nothing written");
    let status = json(&run(with_policy(&dir, false, &["status", "--json"])));
    assert_eq!(status["state"], "signed_out", "not persisted: {status:#}");
    restart_keyring(Some(&password));
}
