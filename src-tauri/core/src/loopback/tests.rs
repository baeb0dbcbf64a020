//! The loopback listener: only the callback path on our own address reaches the flow, refusals are plain text, and the port closes when dropped or past its TTL.

use super::*;
use std::sync::Mutex;
use std::time::Instant;
use url::Url;

/// Records every URL handed to the flow and answers with `result`.
fn recorder(result: Result<(), AuthError>) -> (OnCallback, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let on: OnCallback = Arc::new(move |url| {
        log.lock().unwrap().push(url);
        let result = result.clone();
        Box::pin(async move { result })
    });
    (on, seen)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn get(url: &str) -> Result<(u16, String, String), reqwest::Error> {
    let reply = client().get(url).send().await?;
    let status = reply.status().as_u16();
    let kind = reply.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    Ok((status, kind, reply.text().await?))
}

/// Polls until a connection to the listener is refused, or fails after `within`.
async fn refused_within(url: &str, within: Duration) -> Duration {
    let started = Instant::now();
    loop {
        match get(url).await {
            Err(e) if e.is_connect() => return started.elapsed(),
            _ if started.elapsed() > within => panic!("{url} still answers after {within:?}"),
            _ => tokio::time::sleep(Duration::from_millis(20)).await, // a closing port has no event to await
        }
    }
}

#[tokio::test]
async fn the_callback_path_reaches_the_flow_with_the_full_url_on_our_own_address() {
    let (on, seen) = recorder(Ok(()));
    let listener = Loopback::start(Duration::from_secs(60), on).unwrap();
    let base = listener.callback_url().to_string();
    assert!(base.starts_with("http://127.0.0.1:") && base.ends_with("/auth/callback"), "{base}");
    let port = Url::parse(&base).unwrap().port().unwrap();

    // The browser may call it "localhost"; the flow still sees our own 127.0.0.1 address.
    let (status, kind, body) = get(&format!("http://localhost:{port}/auth/callback?lk_state=s&code=c")).await.unwrap();
    assert_eq!((status, kind.as_str()), (200, "text/plain; charset=utf-8"));
    assert!(body.contains("You can close this tab and return to Latchkey"), "{body}");
    assert_eq!(*seen.lock().unwrap(), vec![format!("{base}?lk_state=s&code=c")]);
}

#[tokio::test]
async fn other_paths_and_methods_never_reach_the_flow() {
    let (on, seen) = recorder(Ok(()));
    let listener = Loopback::start(Duration::from_secs(60), on).unwrap();
    let origin = listener.callback_url().trim_end_matches(CALLBACK_PATH).to_string();
    assert_eq!(get(&format!("{origin}/favicon.ico")).await.unwrap().0, 404);
    assert_eq!(get(&format!("{origin}/auth/callback/x?code=c")).await.unwrap().0, 404);
    let post = client().post(listener.callback_url()).body("code=c").send().await.unwrap();
    assert_eq!(post.status().as_u16(), 405);
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_refusal_is_explained_in_plain_text_that_cannot_run_script() {
    let refusal = AuthError::RefusedInBrowser { code: "access_denied".into(), detail: Some("<script>alert(1)</script>".into()) };
    let (on, _) = recorder(Err(refusal));
    let listener = Loopback::start(Duration::from_secs(60), on).unwrap();
    let (status, kind, body) = get(&format!("{}?lk_state=forged&code=c", listener.callback_url())).await.unwrap();
    assert_eq!((status, kind.as_str()), (400, "text/plain; charset=utf-8"));
    assert!(body.contains("could not complete the sign-in: the sign-in was refused"), "{body}");
    assert!(body.contains("It said: \"<script>alert(1)</script>\""), "the detail, quoted: {body}");
    assert!(body.contains("return to Latchkey to start again"), "{body}");
}

#[tokio::test]
async fn dropping_it_closes_the_port() {
    let (on, _) = recorder(Ok(()));
    let listener = Loopback::start(Duration::from_secs(60), on).unwrap();
    let url = listener.callback_url().to_string();
    assert_eq!(get(&url).await.unwrap().0, 200);
    drop(listener);
    refused_within(&url, Duration::from_secs(5)).await;
}

#[tokio::test]
async fn it_is_gone_after_its_ttl_even_if_never_dropped() {
    let (on, seen) = recorder(Ok(()));
    let ttl = Duration::from_millis(400);
    let started = Instant::now();
    let listener = Loopback::start(ttl, on).unwrap();
    let url = format!("{}?code=c", listener.callback_url());
    assert_eq!(get(&url).await.unwrap().0, 200, "open before the TTL");
    let probe = listener.callback_url().replace(CALLBACK_PATH, "/probe"); // polled without reaching the flow
    let closed_after = started.elapsed() + refused_within(&probe, Duration::from_secs(5)).await;
    assert!(closed_after >= ttl, "closed at {closed_after:?}, before the TTL");
    eprintln!("loopback listener with a {ttl:?} TTL refused connections {closed_after:?} after it opened");
    assert_eq!(seen.lock().unwrap().len(), 1);
    drop(listener);
}
