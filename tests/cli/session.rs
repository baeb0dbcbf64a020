//! The CLI against the real stack and keychain: sign-in, status, doctor and sign-out; racing writers; no keychain; damage.
//! One keychain service (the app's) is shared, so its tests run one at a time (tests/nextest.toml).

use crate::support;

use support::{data_dir, demo, json, latchkey, run, spawn_sign_in, vault_session};
use latchkey_core::vault::FILE;

#[test]
fn sign_in_status_doctor_and_sign_out_through_the_cli() {
    let (email, password) = demo();
    let dir = data_dir("flow");
    let out = spawn_sign_in(&dir, &email, &password).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let tokens = vault_session(&dir).expect("saved");

    let status = run(latchkey(&dir, &["status", "--json"]));
    let shown = String::from_utf8_lossy(&status.stdout).to_string();
    assert_eq!(json(&status)["state"], "signed_in");
    assert!(!shown.contains(tokens.refresh_token.expose()) && !shown.contains(tokens.access_token.expose()));

    let doctor = run(latchkey(&dir, &["doctor", "--json"]));
    let report = json(&doctor);
    assert_eq!(doctor.status.code(), Some(0), "{report:#}");
    assert_eq!((report["keychain"]["canary"].as_str(), report["server"]["reachable"].as_bool()), (Some("ok"), Some(true)));
    assert!(report["server"]["jwks_keys"].as_u64().unwrap() >= 1, "the stack serves an ES256 key");

    let out = run(latchkey(&dir, &["sign-out"]));
    assert_eq!(out.status.code(), Some(0));
    assert!(!dir.join(FILE).exists());
    assert_eq!(json(&run(latchkey(&dir, &["status", "--json"])))["state"], "signed_out");
}

#[test]
fn two_sign_ins_started_together_take_turns_and_never_corrupt_the_vault() {
    let (email, password) = demo();
    let dir = data_dir("race");
    let racers = [spawn_sign_in(&dir, &email, &password), spawn_sign_in(&dir, &email, &password)];
    let codes: Vec<Option<i32>> = racers.into_iter().map(|c| c.wait_with_output().unwrap().status.code()).collect();
    assert!(codes.iter().all(|c| *c == Some(0) || *c == Some(75)), "exit codes {codes:?}");
    assert!(codes.contains(&Some(0)));
    assert!(vault_session(&dir).is_some(), "the vault opens");
    assert_eq!(support::quarantined(&dir), 0);
    assert_eq!(run(latchkey(&dir, &["sign-out"])).status.code(), Some(0));
}

#[test]
fn without_any_secret_service_nothing_hangs_and_the_session_stays_in_memory() {
    let (email, password) = demo();
    let dir = data_dir("nobus");
    let mut doctor = latchkey(&dir, &["doctor", "--json"]);
    doctor.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let doctor = run(doctor);
    let report = json(&doctor);
    assert_eq!(doctor.status.code(), Some(1));
    assert_eq!(report["keychain"]["canary"], "keychain_unavailable");
    assert!(report["problems"][0].as_str().unwrap().contains("keychain"), "{report:#}");

    let mut sign_in = latchkey(&dir, &["sign-in", "--email", &email, "--password-stdin"]);
    sign_in.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus").stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped());
    let mut child = sign_in.spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), format!("{password}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["persistence"], "memory_only");
    assert!(!dir.join(FILE).exists(), "never a plaintext or unkeyed fallback");
}

#[test]
fn a_damaged_vault_is_reported_then_set_aside_and_a_new_sign_in_works() {
    let (email, password) = demo();
    let dir = data_dir("damaged");
    assert_eq!(spawn_sign_in(&dir, &email, &password).wait().unwrap().code(), Some(0));
    std::fs::write(dir.join(FILE), b"{\"format\":\"latchkey-vault\",\"sch").unwrap();

    let status = json(&run(latchkey(&dir, &["status", "--json"])));
    assert_eq!((status["state"].as_str(), status["reason"].as_str()), (Some("signed_out"), Some("storage_corrupt")));
    assert!(dir.join(FILE).exists(), "status is read-only: it never moves the file");

    assert_eq!(spawn_sign_in(&dir, &email, &password).wait().unwrap().code(), Some(0));
    assert_eq!(support::quarantined(&dir), 1, "the damaged file was set aside, not deleted");
    let doctor = json(&run(latchkey(&dir, &["doctor", "--json"])));
    assert!(doctor["problems"].to_string().contains("set aside"), "{doctor:#}");
    assert_eq!(run(latchkey(&dir, &["sign-out"])).status.code(), Some(0));
}

/// Runs `latchkey sign-in` on a pseudo-terminal: waits until the terminal stops echoing (the prompt is up), types
/// the password, and returns everything the terminal showed and the exit code. Python's pty and termios modules.
const ON_A_TERMINAL: &str = r#"
import json, os, pty, select, sys, termios, time
binary, email, password = sys.argv[1:4]
pid, master = pty.fork()
if pid == 0:
    os.execv(binary, [binary, "sign-in", "--email", email, "--password-stdin"])
shown, deadline, typed = b"", time.monotonic() + 30, False
while time.monotonic() < deadline:
    if not typed and not termios.tcgetattr(master)[3] & termios.ECHO and b"Password" in shown:
        os.write(master, password.encode() + b"\r")
        typed = True
    ready, _, _ = select.select([master], [], [], 0.05)
    if ready:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
if not typed:
    os.kill(pid, 9)  # still waiting for a password nobody typed
_, status = os.waitpid(pid, 0)
print(json.dumps({"typed": typed, "code": os.waitstatus_to_exitcode(status), "shown": shown.decode(errors="replace")}))
"#;

#[test]
fn on_a_terminal_the_password_is_asked_for_and_never_echoed() {
    let (email, password) = demo();
    let dir = data_dir("tty");
    let out = std::process::Command::new("python3")
        .args(["-c", ON_A_TERMINAL, support::binary().to_str().unwrap(), &email, &password])
        .env("LATCHKEY_DATA_DIR", &dir)
        .env("LATCHKEY_LOG_DIR", support::log_dir(&dir))
        .env("RUST_LOG", "warn")
        .output()
        .expect("python3 runs");
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let shown = result["shown"].as_str().unwrap();
    assert_eq!(result["typed"], true, "the terminal kept echoing, so the password was never typed: {shown:?}");
    assert!(shown.starts_with("Password: "), "{shown:?}");
    assert!(!shown.contains(&password), "the password was echoed: {shown:?}");
    assert_eq!(result["code"], 0, "{shown:?}");
    assert!(vault_session(&dir).is_some(), "signed in");
    assert_eq!(run(latchkey(&dir, &["sign-out"])).status.code(), Some(0));
}
