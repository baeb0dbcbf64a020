//! The resident agent, for real: the window's binary (`latchkey-desktop`, on the step's Xvfb display) holds the vault
//! and serves the command line. While it runs, `latchkey sign-out`, `sign-in`, `watch` and `reset` go through it
//! (the vault is busy, so none of them could work directly: exit 0 is the proof), `watch` sees the agent's own
//! events, `reset` wipes and quits it, and a peer running as another user (`nobody`, through `setpriv`) is refused.

use crate::support;

use latchkey_core::vault::FILE;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use support::{data_dir, demo, json, latchkey, run, sign_in_with, vault_session, window, Running};

const WAIT: Duration = Duration::from_secs(30);

fn signed_in(test: &str) -> PathBuf {
    let dir = data_dir(test);
    let (email, password) = demo();
    let out = sign_in_with(latchkey(&dir, &["sign-in", "--email", &email, "--password-stdin"]), &password);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

#[test]
fn while_the_window_runs_sign_out_sign_in_and_watch_go_through_it() {
    let dir = signed_in("agent-session");
    let _window = window(&dir);
    let watch = Running::stdout_of(latchkey(&dir, &["watch", "--json"]));
    let first = watch.event("INITIAL_SESSION", WAIT);
    assert_eq!(first["state"]["status"], "signed_in", "the agent's state: {first}");

    let out = run(latchkey(&dir, &["sign-out"]));
    assert_eq!(out.status.code(), Some(0), "sign-out while the window holds the vault: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(json(&out)["state"], "signed_out");
    let out = watch.event("SIGNED_OUT", WAIT);
    assert_eq!(out["reason"], "user", "watch sees the agent's event: {out}");
    assert!(!dir.join(FILE).exists(), "the agent cleared the vault");

    let (email, password) = demo();
    let out = sign_in_with(latchkey(&dir, &["sign-in", "--email", &email, "--password-stdin"]), &password);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!((json(&out)["state"].as_str(), json(&out)["user"]["email"].as_str()), (Some("signed_in"), Some(email.as_str())));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&password) && !String::from_utf8_lossy(&out.stderr).contains(&password));
    assert_eq!(vault_session(&dir).expect("the agent saved the session").user.email, email);
    let logs: Vec<PathBuf> = std::fs::read_dir(support::log_dir(&dir)).unwrap().flatten().map(|e| e.path()).collect();
    assert!(!logs.is_empty(), "the window writes a log");
    for log in logs {
        assert!(!std::fs::read_to_string(&log).unwrap_or_default().contains(&password), "the password is in {}", log.display());
    }
}

#[test]
fn reset_through_the_window_wipes_the_session_and_quits_it() {
    let dir = signed_in("agent-reset");
    let mut window = window(&dir);
    let out = run(latchkey(&dir, &["reset", "--yes", "--json"]));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&out);
    assert_eq!((report["ok"].as_bool(), report["server_session"].as_str()), (Some(true), Some("ended")), "{report:#}");
    assert!(report["signed_out_user"].is_string(), "{report:#}");
    assert!(!dir.join(FILE).exists() && vault_session(&dir).is_none());
    window.exit_code(WAIT);
}

#[test]
fn a_peer_running_as_another_user_is_refused() {
    let dir = data_dir("agent-peer");
    let _window = window(&dir);
    let socket = socket_of(&dir);
    let opened = open_the_way(&socket);
    let reply = as_nobody(&socket, "{\"op\":\"watch\"}\n");
    opened.iter().for_each(|(path, mode)| std::fs::set_permissions(path, std::fs::Permissions::from_mode(*mode)).unwrap());
    let reply: serde_json::Value = serde_json::from_str(reply.trim()).unwrap_or_else(|e| panic!("one reply line ({e}): {reply:?}"));
    assert_eq!(reply["reply"], "refused", "{reply}");
    assert_eq!(reply.as_object().unwrap().len(), 2, "nothing but the refusal: {reply}");
}

/// The agent's socket for `dir`, as `latchkey` finds it.
fn socket_of(dir: &Path) -> PathBuf {
    let folder = dirs::runtime_dir().expect("scripts/lib/isolated sets XDG_RUNTIME_DIR").join(latchkey_core::APP_ID);
    let sockets: Vec<PathBuf> = std::fs::read_dir(&folder).unwrap().flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "sock")).collect();
    assert_eq!(sockets.len(), 1, "one agent runs, for {}: {sockets:?}", dir.display());
    sockets.into_iter().next().unwrap()
}

/// Lets another user reach the socket (its folders searchable, the socket writable), so that only the agent's uid
/// check stands in the way; returns the modes to put back.
fn open_the_way(socket: &Path) -> Vec<(PathBuf, u32)> {
    let mut changed = Vec::new();
    let runtime = dirs::runtime_dir().unwrap();
    let folders: Vec<PathBuf> = socket.ancestors().skip(1).take_while(|p| p.starts_with(runtime.parent().unwrap())).map(Path::to_path_buf).collect();
    for (path, extra) in folders.iter().map(|p| (p.clone(), 0o011)).chain([(socket.to_path_buf(), 0o666)]) {
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode | extra)).unwrap();
        changed.push((path, mode));
    }
    changed
}

/// Sends `request` to the socket from a process running as `nobody`; what it read back.
fn as_nobody(socket: &Path, request: &str) -> String {
    let client = "import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\ns.sendall(sys.argv[2].encode())\nprint(s.makefile().read(), end='')";
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/bin/python3", "-c", client]).arg(socket).arg(request);
    let out = cmd.stdin(Stdio::null()).output().expect("setpriv (util-linux) runs: the test needs root to become nobody");
    assert!(out.status.success(), "the client as nobody: {}", String::from_utf8_lossy(&out.stderr));
    std::io::stderr().write_all(&out.stderr).unwrap();
    String::from_utf8(out.stdout).unwrap()
}
