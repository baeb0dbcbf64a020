//! Latchkey's side of "1000 concurrent token requests at expiry" in `scripts/bench-peer`, against a real GoTrue.
//! The POST /token calls are counted by the bench's proxy (tests/peer/proxy.mjs), not here. Prints one JSON line.
//! Settings (environment): PEER_URL (GoTrue's root URL, through the proxy), PEER_ANON, PEER_EMAIL, PEER_PASSWORD.
//! Also the session layer's heap: bytes live after sign-in and the refresh, minus those live before the API was built.

use latchkey_core::api::GoTrue;
use latchkey_core::net::Network;
use latchkey_core::vault::MemoryStore;
use latchkey_core::testing::TestClock;
use latchkey_core::{Clock, EngineRules, SystemClock};
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The system allocator, counting the bytes currently allocated.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run this through scripts/bench-peer"))
}

#[tokio::main]
async fn main() {
    let before = LIVE.load(Ordering::SeqCst);
    let api = GoTrue::new(&env("PEER_URL"), &env("PEER_ANON"), &Network::default()).expect("HTTP client");
    // Jumping it past `exp` is what a suspend or a missed timer looks like to the engine.
    let clock = TestClock::system();
    // No wall-clock recheck during the run: the step below is seen by the callers first, as in src-tauri/core/tests/integration/refresh.rs.
    let settings = EngineRules { wall_check_interval: Duration::from_secs(3600), ..EngineRules::default() };
    let (handle, task) = latchkey_core::start(api, MemoryStore::default(), clock.clone(), settings);
    tokio::spawn(task);
    handle.initialized().await;
    handle.sign_in_with_password(env("PEER_EMAIL"), env("PEER_PASSWORD")).await.expect("sign-in");
    let lifetime = std::env::var("PEER_JWT_EXP").ok().and_then(|s| s.parse::<i64>().ok()).unwrap_or(3600);
    clock.jump(lifetime + 1); // past expiry, as the engine sees it
    let (t, start_ms) = (Instant::now(), SystemClock.now_ms());
    let calls: Vec<_> = (0..1000).map(|_| { let h = handle.clone(); tokio::spawn(async move { h.access_token().await }) }).collect();
    let (mut tokens, mut errors) = (HashSet::new(), 0);
    for call in calls {
        match call.await.expect("caller task") {
            Ok(token) => { tokens.insert(token.expose().to_string()); }
            Err(_) => errors += 1,
        }
    }
    let (ms, end_ms) = (t.elapsed().as_secs_f64() * 1000.0, SystemClock.now_ms());
    let distinct_tokens = tokens.len();
    drop(tokens);
    let heap_bytes = LIVE.load(Ordering::SeqCst) - before;
    let line = serde_json::json!({ "calls": 1000, "distinct_tokens": distinct_tokens, "errors": errors, "ms": ms, "start_ms": start_ms, "end_ms": end_ms, "heap_bytes": heap_bytes });
    println!("{line}");
}
