//! A TCP proxy in front of the real GoTrue that can forward, reset connections (server gone), or answer 429.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::watch;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Mode {
    Forward = 0,
    /// Accepts and closes at once: what a stopped server looks like to a client.
    Reset = 1,
    /// Answers every request with 429 and `Retry-After` seconds.
    RateLimit = 2,
}

pub struct FaultProxy {
    pub url: String,
    mode: watch::Sender<u8>,
    retry_after: Arc<AtomicU64>,
    /// Connections answered with 429.
    pub limited: Arc<AtomicU64>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream` (host:port).
    pub async fn start(upstream: String) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (mode, m) = watch::channel(0u8);
        let (retry_after, limited) = (Arc::new(AtomicU64::new(1)), Arc::new(AtomicU64::new(0)));
        let (r, l) = (retry_after.clone(), limited.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (mut changes, upstream, retry_after, limited) = (m.clone(), upstream.clone(), r.load(Ordering::SeqCst), l.clone());
                let current = *changes.borrow_and_update();
                tokio::spawn(async move {
                    match current {
                        // A kept-alive connection is cut as soon as the mode changes, as a dying server would.
                        0 => tokio::select! {
                            _ = forward(client, &upstream) => {}
                            _ = changes.wait_for(|m| *m != 0) => {}
                        },
                        2 => {
                            limited.fetch_add(1, Ordering::SeqCst);
                            rate_limit(client, retry_after).await
                        }
                        _ => drop(client),
                    }
                });
            }
        });
        FaultProxy { url, mode, retry_after, limited }
    }

    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode as u8);
    }

    pub fn set_retry_after(&self, secs: u64) {
        self.retry_after.store(secs, Ordering::SeqCst);
    }
}

async fn forward(mut client: TcpStream, upstream: &str) {
    if let Ok(mut server) = TcpStream::connect(upstream).await {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}

async fn rate_limit(mut client: TcpStream, retry_after: u64) {
    let mut buf = [0u8; 8192];
    let _ = client.read(&mut buf).await;
    let body = r#"{"code":429,"error_code":"over_request_rate_limit","msg":"Request rate limit reached"}"#;
    let reply = format!(
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: {retry_after}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = client.write_all(reply.as_bytes()).await;
}
