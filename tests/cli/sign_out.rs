//! Sign-out scopes through the real binary, the real keychain and the real GoTrue: `others` keeps this device signed
//! in and ends the other sessions; a `global` the server did not confirm (the fault proxy answers 503) exits 3, says the
//! other sessions are still signed in, keeps a pending record, and the next lock holder retries it until every session
//! is gone; a sign-out under an invalid policy still removes the sealed session. Shares the app's keychain service.

use crate::support;

use latchkey_core::api::{AuthApi, GoTrue};
use latchkey_core::testing::fault_proxy::{FaultProxy, Mode};
use latchkey_core::vault::FILE;
use latchkey_core::Session;
use std::path::Path;
use std::time::Duration;
use support::{data_dir, gotrue_addr, json, latchkey, run, sign_in_demo, vault_session, watch_until};

fn gotrue() -> GoTrue {
    let url = std::env::var("LATCHKEY_SUPABASE_URL").expect("run through scripts/test");
    GoTrue::new(&format!("{url}/auth/v1"), &std::env::var("LATCHKEY_SUPABASE_ANON_KEY").unwrap(), &Default::default()).unwrap()
}

/// Whether the server still knows `session` (its access token is accepted by `GET /user`).
fn alive(runtime: &tokio::runtime::Runtime, session: &Session) -> bool {
    runtime.block_on(gotrue().fetch_user(&session.access_token)).is_ok()
}

/// Another session of the same user, signed in from `dir` (another device, as far as the server knows).
fn other_device(test: &str) -> (std::path::PathBuf, Session) {
    let dir = data_dir(test);
    sign_in_demo(latchkey(&dir, &[]));
    let session = vault_session(&dir).expect("the other device's session");
    (dir, session)
}

#[test]
fn others_keeps_this_device_signed_in_and_ends_the_other_sessions() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_, other) = other_device("others-b");
    let dir = data_dir("others-a");
    sign_in_demo(latchkey(&dir, &[]));
    let out = run(latchkey(&dir, &["sign-out", "--scope", "others"]));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let status = json(&run(latchkey(&dir, &["status", "--json"])));
    assert_eq!(status["state"], "signed_in", "this device was signed out: {status:#}");
    assert!(alive(&runtime, &vault_session(&dir).unwrap()), "this device's server session was ended");
    assert!(!alive(&runtime, &other), "the other device's session is still alive");
    assert_eq!(run(latchkey(&dir, &["sign-out"])).status.code(), Some(0));
}

#[test]
fn a_global_sign_out_the_server_did_not_confirm_exits_3_says_so_and_the_next_lock_holder_finishes_it() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let proxy = runtime.block_on(FaultProxy::start(gotrue_addr()));
    let dir = data_dir("global-pending");
    let through_proxy = |args: &[&str]| {
        let mut cmd = latchkey(&dir, args);
        cmd.env("LATCHKEY_SUPABASE_URL", &proxy.url).env("LATCHKEY_AUTH_URL", &proxy.url);
        cmd
    };
    let (other_dir, other) = other_device("global-pending-b");
    sign_in_demo(through_proxy(&[]));

    proxy.set(Mode::Status(503));
    let out = run(through_proxy(&["sign-out", "--scope", "global"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "a sign-out the server did not confirm: {stderr}");
    assert!(stderr.contains("sign_out_pending") && stderr.contains("still signed in"), "{stderr}");
    assert_eq!(json(&out)["state"], "signed_out", "signed out here at once");
    let status = json(&run(through_proxy(&["status", "--json"])));
    assert_eq!(status["pending_sign_out"]["scope"], "global", "{status:#}");
    assert!(alive(&runtime, &other), "the server was not reached, so the other session is alive (and said to be)");
    let record = vault_session(&dir).expect("one record is kept");
    assert_eq!((record.access_token.expose(), record.pending_sign_out), ("", Some(latchkey_core::api::LogoutScope::Global)));

    // The network is back: the next process that holds the vault retries, and reports it.
    proxy.set(Mode::Forward);
    let done = watch_until(through_proxy(&["watch", "--json"]), Duration::from_secs(60), |e| e["event"] == "SERVER_SIGN_OUT");
    assert_eq!((done["serverSignOut"]["scope"].as_str(), done["serverSignOut"]["outcome"].as_str()), (Some("global"), Some("ended")), "{done}");
    assert!(!dir.join(FILE).exists(), "the record is deleted once the server confirmed");
    assert!(!alive(&runtime, &other), "every other session is gone");
    let audit = String::from_utf8(run(latchkey(&dir, &["audit", "export", "--json"])).stdout).unwrap();
    assert!(audit.contains(r#""detail":"global: pending (server_error); other sessions still signed in"#), "{audit}");
    assert!(audit.contains(r#""detail":"global: ended""#), "{audit}");
    let _ = run(latchkey(&other_dir, &["sign-out"]));
}

#[test]
fn sign_out_under_an_invalid_policy_still_removes_the_sealed_session() {
    let dir = data_dir("signout-bad-policy");
    sign_in_demo(latchkey(&dir, &[]));
    let policy = dir.with_extension("policy.json");
    std::fs::write(&policy, "{ not json").unwrap();
    let mut cmd = latchkey(&dir, &["sign-out"]);
    cmd.env("LATCHKEY_POLICY_PATH", &policy);
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!Path::new(&dir.join(FILE)).exists(), "the sealed session is still there");
    assert_eq!(json(&out)["sign_out"]["server"], "no_session", "the session was never loaded, so the server was not asked");
}
