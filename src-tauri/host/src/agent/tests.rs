//! Both sides of the channel over a real Unix socket: the agent (over a scripted GoTrue and an in-memory store) and
//! the command line's client. Another user's connection is refused in tests/cli/agent.rs, which can change uid.

use super::*;
use crate::Activity;
use latchkey_core::api::LogoutScope;
use latchkey_core::events::ServerOutcome;
use latchkey_core::testing::{config, FakeApi, TestClock, TestStore};
use latchkey_core::EngineRules;
use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

struct Running {
    config: Config,
    quit: Arc<AtomicBool>,
    core: latchkey_core::SessionHandle,
}

async fn agent(name: &str) -> Running {
    agent_over(name, FakeApi::new(3600)).await
}

async fn agent_over(name: &str, api: FakeApi) -> Running {
    let config = config(name, None, None, &[]).unwrap();
    let (core, task) = latchkey_core::start(api, Arc::new(TestStore::default()), TestClock::system(), EngineRules::default());
    tokio::spawn(task);
    core.initialized().await;
    let quit = Arc::new(AtomicBool::new(false));
    let quitting = quit.clone();
    let agent = Agent { core: core.clone(), config: config.clone(), activity: Arc::new(Activity::new(&config)), quit: Box::new(move || quitting.store(true, Ordering::SeqCst)) };
    tokio::spawn(listen(Arc::new(agent)));
    while !address(&config).exists() {
        tokio::task::yield_now().await; // bound: the test's own timeout
    }
    Running { config, quit, core }
}

async fn ask(config: &Config, request: Request) -> Reply {
    let mut connection = connect(config, &request).await.unwrap().expect("the agent answers");
    connection.next().await.unwrap().expect("a reply")
}

#[tokio::test]
async fn sign_in_and_sign_out_through_the_agent_answer_what_its_core_did() {
    let running = agent("agent-session").await;
    let wrong = Request::SignIn { email: "a@b.c".into(), password: Password::new("wrong".into()) };
    assert!(matches!(ask(&running.config, wrong).await, Reply::Failed { error } if error["code"] == "invalid_credentials"));
    let good = Request::SignIn { email: "a@b.c".into(), password: Password::new("good".into()) };
    let Reply::SignedIn { state } = ask(&running.config, good).await else { panic!("signed in") };
    assert_eq!((state["state"].as_str(), state["user"]["email"].as_str()), (Some("signed_in"), Some("a@b.c")));
    assert!(!state.to_string().contains("good"), "no password comes back");
    let Reply::SignedOut { state, report } = ask(&running.config, Request::SignOut { scope: LogoutScope::Local }).await else { panic!("signed out") };
    assert_eq!((state["state"].as_str(), report.server), (Some("signed_out"), ServerOutcome::Ended));
    assert!(!running.quit.load(Ordering::SeqCst));
}

#[tokio::test]
async fn a_sign_in_that_needs_a_second_factor_asks_for_the_code_on_the_same_connection() {
    let api = FakeApi::new(3600);
    api.mfa.with_verified_totp();
    let running = agent_over("agent-mfa", api).await;
    let sign_in = Request::SignIn { email: "a@b.c".into(), password: Password::new("good".into()) };
    let mut connection = connect(&running.config, &sign_in).await.unwrap().unwrap();
    let Some(Reply::CodeNeeded { from }) = connection.next().await.unwrap() else { panic!("the code is asked for") };
    assert!(from.contains("authenticator"), "{from}");
    connection.send(&Request::Code { code: Password::new(latchkey_core::testing::GOOD_CODE.into()) }).await.unwrap();
    let Some(Reply::SignedIn { state }) = connection.next().await.unwrap() else { panic!("signed in") };
    assert_eq!((state["state"].as_str(), state["aal"].as_str()), (Some("signed_in"), Some("aal2")), "{state}");
}

#[tokio::test]
async fn watch_gets_the_current_state_then_every_event() {
    let running = agent("agent-watch").await;
    let mut watching = connect(&running.config, &Request::Watch).await.unwrap().unwrap();
    let Some(Reply::Event { event }) = watching.next().await.unwrap() else { panic!("an event") };
    assert_eq!((event["event"].as_str(), event["state"]["status"].as_str()), (Some("INITIAL_SESSION"), Some("signed_out")));
    running.core.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    let Some(Reply::Event { event }) = watching.next().await.unwrap() else { panic!("an event") };
    assert_eq!(event["event"], "SIGNED_IN");
}

#[tokio::test]
async fn reset_through_the_agent_signs_out_reports_and_quits_it() {
    let running = agent("agent-reset").await;
    running.core.sign_in_with_password("a@b.c".into(), "good".into()).await.unwrap();
    let Reply::Reset { report } = ask(&running.config, Request::Reset).await else { panic!("a reset report") };
    assert_eq!((report.ok, report.signed_out_user.as_deref(), report.server_session.as_str()), (true, Some("u1"), "ended"));
    assert!(running.quit.load(Ordering::SeqCst), "the agent quits after a reset");
}

#[tokio::test]
async fn a_bad_request_is_refused_without_repeating_it() {
    let running = agent("agent-bad").await;
    let mut stream = tokio::net::UnixStream::connect(address(&running.config)).await.unwrap();
    stream.write_all(b"{\"op\":\"sign_in\",\"email\":\"a@b.c\",\"password\":\"hunter2\",\n").await.unwrap();
    let mut connection = client::Connection::over(stream);
    let Some(Reply::Failed { error }) = connection.next().await.unwrap() else { panic!("refused") };
    assert_eq!(error["code"], "bad_request");
    assert!(!error.to_string().contains("hunter2"), "{error}");
}

#[tokio::test]
async fn no_agent_means_none_and_a_stale_socket_too() {
    let config = config("agent-none", None, None, &[]).unwrap();
    assert!(connect(&config, &Request::Watch).await.unwrap().is_none());
    let path = address(&config);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap()); // the socket file of an agent that ended
    assert!(connect(&config, &Request::Watch).await.unwrap().is_none());
    let _ = std::fs::remove_file(path);
}

#[test]
fn the_agents_folder_is_narrowed_to_its_user() {
    let folder = latchkey_core::testing::temp_dir("agent-folder").join("agent");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    unix::private_folder(&folder).unwrap();
    assert_eq!(std::fs::metadata(&folder).unwrap().permissions().mode() & 0o777, 0o700);
}
