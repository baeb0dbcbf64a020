//! Engine figures: restore to INITIAL_SESSION, coalescing, ES256 verifications per second, wakeups per idle minute.
//! No keychain or network: an in-memory store and a scripted API. Run with `scripts/bench`.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use latchkey_core::secret::{AccessToken, RefreshToken};
use latchkey_core::testing::{user, FakeApi, TestClock};
use latchkey_core::vault::MemoryStore;
use latchkey_core::{AuthError, Clock, Session, SessionStore, EngineRules, SystemClock};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// The scripted API, each refresh taking 50 ms (tokio time).
fn scripted() -> FakeApi {
    let api = FakeApi::new(3600);
    api.refresh_delay_ms.store(50, Ordering::SeqCst);
    api
}

fn session(access_left: i64) -> Session {
    let now = SystemClock.now_unix();
    Session {
        access_token: AccessToken::new("a1".into()),
        refresh_token: RefreshToken::new("r1".into()),
        access_expires_at: now + access_left,
        session_id: None,
        user: user(),
        signed_in_at: now - 60,
        last_refresh_at: Some(now - 60),
        provider: None,
        claims: None,
        pending_sign_out: None,
    }
}

fn store(access_left: i64) -> MemoryStore {
    let store = MemoryStore::default();
    store.save(&session(access_left)).unwrap();
    store
}

fn restore_to_initial_session(rt: &tokio::runtime::Runtime) -> (f64, f64) {
    let mut ms: Vec<f64> = (0..500)
        .map(|_| {
            rt.block_on(async {
                let t = Instant::now();
                let (handle, task) = latchkey_core::start(scripted(), store(3600), SystemClock, EngineRules::default());
                tokio::spawn(task);
                handle.initialized().await;
                t.elapsed().as_secs_f64() * 1000.0
            })
        })
        .collect();
    ms.sort_by(|a, b| a.total_cmp(b));
    (ms[ms.len() / 2], ms[ms.len() * 9 / 10])
}

fn coalescing(rt: &tokio::runtime::Runtime) -> (usize, usize) {
    rt.block_on(async {
        let api = scripted();
        let (handle, task) = latchkey_core::start(api.clone(), store(-1), SystemClock, EngineRules::default());
        tokio::spawn(task);
        let calls: Vec<_> = (0..1000).map(|_| { let h = handle.clone(); tokio::spawn(async move { h.access_token().await }) }).collect();
        let ok = futures_ok(calls).await;
        (ok, api.refreshes.load(Ordering::SeqCst))
    })
}

async fn futures_ok(calls: Vec<tokio::task::JoinHandle<Result<AccessToken, AuthError>>>) -> usize {
    let mut ok = 0;
    for call in calls {
        ok += call.await.unwrap().is_ok() as usize;
    }
    ok
}

fn es256_per_second() -> f64 {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let point = pair.public_key().as_ref();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(serde_json::json!({
        "kty": "EC", "crv": "P-256", "alg": "ES256", "x": b64.encode(&point[1..33]), "y": b64.encode(&point[33..65])
    }))
    .unwrap();
    let claims = serde_json::json!({ "sub": "u", "aud": "authenticated", "exp": SystemClock.now_unix() + 3600, "session_id": "s" });
    let token = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &EncodingKey::from_ec_der(pkcs8.as_ref())).unwrap();
    let key = DecodingKey::from_jwk(&jwk).unwrap();
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&["authenticated"]);
    let rounds = 2_000;
    let t = Instant::now();
    for _ in 0..rounds {
        jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).unwrap();
    }
    rounds as f64 / t.elapsed().as_secs_f64()
}

/// Distinct instants at which the engine read the clock, over `minutes` of simulated idle time.
fn wakeups_per_idle_minute(minutes: u64) -> f64 {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().start_paused(true).build().unwrap();
    rt.block_on(async {
        let clock = TestClock::system();
        let settings = EngineRules { user_check_interval: Duration::from_secs(24 * 3600), ..EngineRules::default() };
        let (handle, task) = latchkey_core::start(scripted(), store(24 * 3600), clock.clone(), settings);
        tokio::spawn(task);
        handle.initialized().await;
        tokio::time::sleep(Duration::from_secs(5)).await; // settle after start
        clock.forget_reads();
        tokio::time::sleep(Duration::from_secs(60 * minutes)).await;
        let wakeups = clock.reads();
        wakeups as f64 / minutes as f64
    })
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let (med, p90) = restore_to_initial_session(&rt);
    let (ok, posts) = coalescing(&rt);
    println!("engine bench (release, in-memory store, scripted API)");
    println!("  restore -> INITIAL_SESSION   median {med:7.3} ms   p90 {p90:7.3} ms");
    println!("  coalescing                   {ok} concurrent access_token() at expiry -> {posts} refresh POST(s)");
    println!("  ES256 verifications          {:7.0} per second (one core)", es256_per_second());
    println!("  wakeups per idle minute      {:7.2}   (auth-js ticks every 30 s: 2.00)", wakeups_per_idle_minute(30));
}
