//! A fault injector in front of the real GoTrue: it forwards, or refuses, resets, delays, black-holes, answers
//! with a status (5xx, 429 with Retry-After), with a broken body, or so slowly that the client must time out.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    Forward,
    /// Forwards after this delay.
    Latency(Duration),
    /// Nothing listens: connection refused.
    Refuse,
    /// Accepts, then resets the connection (RST), as a dying server would.
    Reset,
    /// Accepts and reads, never answers.
    BlackHole,
    /// Answers every request with 429 and the `Retry-After` of [`FaultProxy::set_retry_after`].
    RateLimit,
    /// Answers every request with this status and a JSON error body.
    Status(u16),
    /// Answers every request 200 with this body (truncated JSON, garbage, HTML…).
    Body(&'static str),
    /// Announces a long body, sends part of it, then closes.
    CutBody,
    /// Sends the status line, then one byte a second, forever.
    SlowLoris,
}

/// A request the proxy answered itself, or forwarded.
#[derive(Clone, Debug)]
pub struct Seen {
    pub at: Instant,
    pub mode: Mode,
    /// `POST /token?grant_type=refresh_token` and so on: the request line.
    pub line: String,
}

pub struct FaultProxy {
    pub url: String,
    mode: watch::Sender<Mode>,
    retry_after: Arc<AtomicU64>,
    /// Connections answered with 429.
    pub limited: Arc<AtomicU64>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

#[derive(Clone)]
struct Shared {
    upstream: String,
    mode: watch::Receiver<Mode>,
    retry_after: Arc<AtomicU64>,
    limited: Arc<AtomicU64>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream` (host:port).
    pub async fn start(upstream: String) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (mode, rx) = watch::channel(Mode::Forward);
        let shared = Shared { upstream, mode: rx, retry_after: Arc::new(AtomicU64::new(1)), limited: Arc::default(), seen: Arc::default() };
        let proxy = FaultProxy {
            url: format!("http://{addr}"),
            mode,
            retry_after: shared.retry_after.clone(),
            limited: shared.limited.clone(),
            seen: shared.seen.clone(),
        };
        tokio::spawn(accept_loop(listener, addr, shared));
        proxy
    }

    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }

    pub fn set_retry_after(&self, secs: u64) {
        self.retry_after.store(secs, Ordering::SeqCst);
    }

    /// Every request seen so far whose request line contains `pattern`.
    pub fn seen(&self, pattern: &str) -> Vec<Seen> {
        self.seen.lock().unwrap().iter().filter(|s| s.line.contains(pattern)).cloned().collect()
    }
}

/// Accepts while the mode is not `Refuse`; while it is, nothing listens on the port.
async fn accept_loop(mut listener: TcpListener, addr: SocketAddr, shared: Shared) {
    let mut mode = shared.mode.clone();
    loop {
        if *mode.borrow_and_update() == Mode::Refuse {
            drop(listener);
            let _ = mode.wait_for(|m| *m != Mode::Refuse).await;
            listener = rebind(addr).await;
        }
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((client, _)) = accepted else { continue };
                tokio::spawn(serve(client, shared.clone()));
            }
            _ = mode.changed() => {}
        }
    }
}

async fn rebind(addr: SocketAddr) -> TcpListener {
    loop {
        match TcpListener::bind(addr).await {
            Ok(l) => return l,
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await, // the port is briefly in TIME_WAIT
        }
    }
}

/// One connection, in the mode current when it was accepted; any mode change cuts it, as a restarting server would.
async fn serve(mut client: TcpStream, shared: Shared) {
    let mut changes = shared.mode.clone();
    let mode = *changes.borrow_and_update();
    let work = async {
        match mode {
            Mode::Forward | Mode::Latency(_) => forward(client, &shared, mode).await,
            Mode::Reset | Mode::Refuse => {
                shared.record(mode, String::new());
                reset(client)
            }
            Mode::BlackHole => {
                let line = read_request(&mut client).await;
                shared.record(mode, line);
                std::future::pending::<()>().await
            }
            _ => answer(client, &shared, mode).await,
        }
    };
    tokio::select! {
        _ = work => {}
        _ = changes.changed() => {}
    }
}

impl Shared {
    fn record(&self, mode: Mode, line: String) {
        self.seen.lock().unwrap().push(Seen { at: Instant::now(), mode, line });
    }
}

fn reset(client: TcpStream) {
    let _ = client.set_zero_linger();
    drop(client);
}

async fn forward(mut client: TcpStream, shared: &Shared, mode: Mode) {
    if let Mode::Latency(delay) = mode {
        tokio::time::sleep(delay).await;
    }
    let Ok(mut server) = TcpStream::connect(&shared.upstream).await else { return reset(client) };
    let mut first = vec![0u8; 16 * 1024];
    let Ok(n @ 1..) = client.read(&mut first).await else { return };
    shared.record(mode, request_line(&first[..n]));
    if server.write_all(&first[..n]).await.is_ok() {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}

/// The proxy answers by itself: a status, a broken body, or a slow trickle.
async fn answer(mut client: TcpStream, shared: &Shared, mode: Mode) {
    let line = read_request(&mut client).await;
    shared.record(mode, line);
    let reply = match mode {
        Mode::RateLimit => {
            shared.limited.fetch_add(1, Ordering::SeqCst);
            let body = r#"{"code":429,"error_code":"over_request_rate_limit","msg":"Request rate limit reached"}"#;
            http(429, &format!("Retry-After: {}\r\n", shared.retry_after.load(Ordering::SeqCst)), body)
        }
        Mode::Status(status) => http(status, "", &format!(r#"{{"code":{status},"error_code":"unexpected_failure","msg":"injected"}}"#)),
        Mode::Body(body) => http(200, "", body),
        Mode::CutBody => "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{\"access_token\":\"ey".to_string(),
        Mode::SlowLoris => return trickle(client).await,
        _ => unreachable!("answered elsewhere: {mode:?}"),
    };
    let _ = client.write_all(reply.as_bytes()).await;
    let _ = client.shutdown().await;
}

async fn trickle(mut client: TcpStream) {
    let _ = client.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n").await;
    while client.write_all(b" ").await.is_ok() {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn http(status: u16, extra_headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status} Injected\r\nContent-Type: application/json\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Reads the request head (and whatever body came with it); returns its request line.
async fn read_request(client: &mut TcpStream) -> String {
    let mut buf = vec![0u8; 16 * 1024];
    let n = client.read(&mut buf).await.unwrap_or(0);
    request_line(&buf[..n])
}

fn request_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).lines().next().unwrap_or_default().to_string()
}
