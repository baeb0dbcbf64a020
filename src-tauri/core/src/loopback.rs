//! A loopback redirect listener (RFC 8252 §7.3) lives no longer than its sign-in flow: it listens on 127.0.0.1 only, hands GETs of its one callback path to the flow's validation, and stops accepting once dropped or at the flow's TTL.

use crate::error::AuthError;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::net::Ipv4Addr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

#[cfg(test)]
mod tests;

/// The path GoTrue redirects the browser to, on `http://127.0.0.1:<port>`.
pub const CALLBACK_PATH: &str = "/auth/callback";
/// One browser connection gets this long, so a stalled client cannot hold a task past the flow.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);

/// Validates a callback URL and signs in; its answer is what the browser is told.
pub type OnCallback = Arc<dyn Fn(String) -> Pin<Box<dyn Future<Output = Result<(), AuthError>> + Send>> + Send + Sync>;

/// A listening loopback redirect. Dropping it closes the port (a request already being answered still gets its page).
pub struct Loopback {
    url: String,
    _stop: oneshot::Sender<()>,
}

impl std::fmt::Debug for Loopback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loopback").field("url", &self.url).finish()
    }
}

impl Loopback {
    /// Binds a random port on 127.0.0.1 and serves until dropped or until `ttl` has passed. Needs a Tokio runtime.
    pub fn start(ttl: Duration, on_callback: OnCallback) -> Result<Self, AuthError> {
        let unavailable = |e: std::io::Error| AuthError::LoopbackUnavailable(e.to_string());
        let socket = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(unavailable)?;
        socket.set_nonblocking(true).map_err(unavailable)?;
        let listener = TcpListener::from_std(socket).map_err(unavailable)?;
        let port = listener.local_addr().map_err(unavailable)?.port();
        let url = format!("http://127.0.0.1:{port}{CALLBACK_PATH}");
        let (stop, stopped) = oneshot::channel();
        tracing::info!(port, ttl_secs = ttl.as_secs(), "loopback sign-in listener opened");
        tokio::spawn(serve(listener, Arc::from(url.as_str()), ttl, on_callback, stopped));
        Ok(Loopback { url, _stop: stop })
    }

    /// `http://127.0.0.1:<port>/auth/callback`: the redirect to give the server (the flow adds its state).
    pub fn callback_url(&self) -> &str {
        &self.url
    }
}

async fn serve(listener: TcpListener, base: Arc<str>, ttl: Duration, on_callback: OnCallback, mut stopped: oneshot::Receiver<()>) {
    let expired = tokio::time::sleep(ttl);
    tokio::pin!(expired);
    loop {
        tokio::select! {
            _ = &mut stopped => {
                tracing::info!("loopback sign-in listener closed: the flow is over");
                break;
            }
            _ = &mut expired => {
                tracing::info!("loopback sign-in listener closed: the flow expired");
                break;
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let (base, on_callback) = (base.clone(), on_callback.clone());
                    let service = hyper::service::service_fn(move |req| answer(req, base.clone(), on_callback.clone()));
                    let connection = hyper::server::conn::http1::Builder::new()
                        .keep_alive(false)
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::spawn(async move {
                        let _ = tokio::time::timeout(CONNECTION_TIMEOUT, connection).await;
                    });
                }
                Err(e) => tracing::debug!(error = %e, "loopback accept failed"),
            }
        }
    }
}

/// Only `GET <CALLBACK_PATH>` reaches the flow; the URL is rebuilt on our own address, never from the Host header.
async fn answer(req: Request<Incoming>, base: Arc<str>, on_callback: OnCallback) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.uri().path() != CALLBACK_PATH {
        return Ok(page(StatusCode::NOT_FOUND, "Not found."));
    }
    if req.method() != Method::GET {
        return Ok(page(StatusCode::METHOD_NOT_ALLOWED, "Only the sign-in redirect is accepted here."));
    }
    let url = match req.uri().query() {
        Some(query) => format!("{base}?{query}"),
        None => base.to_string(),
    };
    Ok(match on_callback(url).await {
        Ok(()) => page(StatusCode::OK, "You are signed in. You can close this tab and return to Latchkey."),
        Err(e) => {
            let detail = e.detail().map(|d| format!("\n\nIt said: \"{d}\"")).unwrap_or_default();
            page(
                StatusCode::BAD_REQUEST,
                &format!("Latchkey could not complete the sign-in: {e}{detail}\n\nYou can close this tab and return to Latchkey to start again."),
            )
        }
    })
}

/// A small plain-text page: never HTML, so nothing from the query can run in the browser.
fn page(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut reply = Response::new(Full::new(Bytes::from(format!("Latchkey\n\n{text}\n"))));
    *reply.status_mut() = status;
    let headers = reply.headers_mut();
    for (name, value) in [
        ("content-type", "text/plain; charset=utf-8"),
        ("cache-control", "no-store"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
    ] {
        headers.insert(name, hyper::header::HeaderValue::from_static(value));
    }
    reply
}
