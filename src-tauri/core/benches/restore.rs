//! Restore cost: one bare keychain read versus a full vault restore (keychain read + file read + open + parse).
//! Needs the real Secret Service: run it through `scripts/bench`. Prints median and p90 in milliseconds.

use latchkey_core::secret::{AccessToken, RefreshToken};
use latchkey_core::session::User;
use latchkey_core::vault::{sealed, FILE, KEY_ACCOUNT};
use secrecy::ExposeSecret;
use latchkey_core::{KeyStore, KeyringStore, Session, SessionStore, SystemClock, Vault, VaultLock};
use std::time::{Duration, Instant};

const ROUNDS: usize = 300;

fn percentiles(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(|a, b| a.total_cmp(b));
    (ms[ms.len() / 2], ms[ms.len() * 9 / 10])
}

fn time(mut f: impl FnMut()) -> (f64, f64) {
    f(); // warm-up
    percentiles((0..ROUNDS).map(|_| { let t = Instant::now(); f(); t.elapsed().as_secs_f64() * 1000.0 }).collect())
}

fn main() {
    let service = format!("dev.latchkey.bench.{}", std::process::id());
    let dir = latchkey_core::testing::temp_dir("bench-restore");
    let session = Session {
        access_token: AccessToken::new("a".repeat(900)),
        refresh_token: RefreshToken::new("r".repeat(12)),
        access_expires_at: 4_102_444_800,
        session_id: Some("00000000-0000-4000-8000-000000000000".into()),
        user: User { id: "00000000-0000-4000-8000-000000000001".into(), email: "bench@example.com".into(), ..User::default() },
        signed_in_at: 1_700_000_000,
        last_refresh_at: None,
        provider: None,
        claims: None,
        pending_sign_out: None,
    };
    let lock = VaultLock::acquire(&dir, Duration::from_secs(1)).expect("lock");
    Vault::new(&dir, KeyringStore::new(&service), SystemClock, Some(lock)).save(&session).expect("save");

    let keys = KeyringStore::new(&service);
    let (bare_med, bare_p90) = time(|| { keys.get(KEY_ACCOUNT).unwrap().unwrap(); });
    let (full_med, full_p90) = time(|| {
        let vault = Vault::new(&dir, KeyringStore::new(&service), SystemClock, None);
        vault.load().unwrap().unwrap();
    });
    let key = sealed::VaultKey::decode(keys.get(KEY_ACCOUNT).unwrap().unwrap().expose_secret()).unwrap();
    let (ours_med, ours_p90) = time(|| { sealed::open(&std::fs::read(dir.join(FILE)).unwrap(), &key).unwrap(); });
    println!("restore bench ({ROUNDS} rounds, real Secret Service)");
    println!("  keychain read alone      median {bare_med:7.3} ms   p90 {bare_p90:7.3} ms");
    println!("  full restore             median {full_med:7.3} ms   p90 {full_p90:7.3} ms");
    println!("  file read + open + parse median {ours_med:7.3} ms   p90 {ours_p90:7.3} ms   (our own code, no keychain)");
    println!("  full minus bare (median) {:7.3} ms   (noise of one keychain round trip dominates)", full_med - bare_med);
    keys.delete(KEY_ACCOUNT).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
