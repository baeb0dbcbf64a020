//! Writes the committed seed corpora (`corpus/<target>/`): made by the product's own code with the fixed test keys,
//! never from a live server. `cargo run --example seeds` in tests/fuzz regenerates them.

use latchkey_core::secret::{AccessToken, RefreshToken};
use latchkey_core::session::{Session, User};
use latchkey_core::vault::sealed::{self, VaultKey};
use latchkey_fuzz::{sign_es256, unsigned_jwt, NOW, VAULT_KEY};
use serde_json::json;
use std::path::Path;

const ISSUER: &str = "http://127.0.0.1:54321/auth/v1";

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (target, seeds) in [("vault_decode", vault()), ("token_response", tokens()), ("policy_parse", policy()), ("callback_url", callbacks())] {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).expect("corpus dir");
        for (name, mode, body) in seeds {
            let mut bytes = vec![mode];
            bytes.extend_from_slice(&body);
            std::fs::write(dir.join(name), bytes).expect("seed written");
        }
    }
}

type Seeds = Vec<(&'static str, u8, Vec<u8>)>;

fn vault() -> Seeds {
    let key = VaultKey::decode(VAULT_KEY).expect("fixed key");
    let session = Session {
        access_token: AccessToken::new(sign_es256(br#"{"alg":"ES256","kid":"fuzz-key","typ":"JWT"}"#, &claims())),
        refresh_token: RefreshToken::new("fuzz-refresh-token".into()),
        access_expires_at: NOW + 3600,
        session_id: Some("fuzz-session".into()),
        user: User { id: "fuzz-user".into(), email: "fuzz@latchkey.local".into(), ..User::default() },
        signed_in_at: NOW,
        last_refresh_at: Some(NOW + 60),
        provider: None,
        claims: None,
        pending_sign_out: None,
    };
    let sealed = sealed::seal(&session, &key).expect("seals");
    assert!(sealed::open(&sealed, &key).is_ok(), "the seed opens");
    let payload = json!({"refresh_token": "r", "access_token": "a", "access_expires_at": NOW + 3600, "session_id": "s",
        "user": {"id": "u1", "email": "e@x"}, "signed_in_at": NOW, "last_refresh_at": null});
    let v1 = json!({"v": 1, "refresh_token": "r", "access_token": "a", "access_expires_at": NOW, "session_id": null,
        "user": {"id": "u", "email": "e"}, "signed_in_at": NOW - 10});
    vec![
        ("sealed-vault", 0, sealed.clone()),
        ("sealed-vault-truncated", 0, sealed[..sealed.len() / 2].to_vec()),
        ("payload", 1, payload.to_string().into_bytes()),
        ("vault-key", 2, VAULT_KEY.as_bytes().to_vec()),
        ("v1-record", 3, v1.to_string().into_bytes()),
    ]
}

fn claims() -> Vec<u8> {
    json!({"sub": "fuzz-user", "session_id": "fuzz-session", "exp": NOW + 3600, "iat": NOW, "aud": "authenticated",
        "iss": ISSUER, "email": "fuzz@latchkey.local", "role": "authenticated", "aal": "aal1", "is_anonymous": false})
    .to_string()
    .into_bytes()
}

fn grant(access_token: String, expires_in: i64) -> Vec<u8> {
    json!({"access_token": access_token, "token_type": "bearer", "expires_in": expires_in, "expires_at": NOW + 3600,
        "refresh_token": "fuzzrefresh1", "user": {"id": "fuzz-user", "aud": "authenticated", "email": "fuzz@latchkey.local"}})
    .to_string()
    .into_bytes()
}

fn tokens() -> Seeds {
    let es256 = br#"{"alg":"ES256","kid":"fuzz-key","typ":"JWT"}"#;
    let hs256 = br#"{"alg":"HS256","typ":"JWT"}"#;
    let joined = |parts: &[&[u8]]| parts.join(&b'\n');
    vec![
        ("grant-es256", 0, grant(sign_es256(es256, &claims()), 3600)),
        ("grant-hs256", 0, grant(unsigned_jwt(hs256, &claims(), b"not-a-real-signature"), 3600)),
        // Overflowed `now + expires_in` before parse_grant bounded it (docs/reliability.md, "Fuzzing").
        ("grant-expires-in-overflow", 0, grant(unsigned_jwt(hs256, &claims(), b"sig"), i64::MAX - 807)),
        ("jwt-parts", 1, joined(&[hs256, &claims(), b"sig"])),
        ("jwt-signed", 2, joined(&[es256, &claims()])),
        ("error-2024", 3, br#"{"code":400,"error_code":"invalid_credentials","msg":"Invalid login credentials"}"#.to_vec()),
        ("error-oauth", 3, br#"{"error":"invalid_grant","error_description":"Refresh Token Not Found"}"#.to_vec()),
    ]
}

fn policy() -> Seeds {
    let file = json!({"$schema": "https://latchkey.dev/policy.schema.json",
        "managed": {"supabase_url": "https://abcdefghijklmnop.supabase.co", "anon_key": "anon", "max_session_age": "8h",
            "allowed_sign_in_methods": ["password", "oauth:azure", "magic_link"], "allow_sign_up": false,
            "session_persistence": "keychain", "allow_insecure_storage_fallback": false,
            "audit_log": {"enabled": true, "retention": "90d", "include_email": false}, "log_level": "info"},
        "recommended": {"idle_timeout": "30m", "proxy": "http://proxy.corp.example:3128"}});
    let user = json!({"supabase_url": "http://127.0.0.1:54321", "anon_key": "anon", "idle_timeout": "off", "theme": "dark"});
    vec![
        ("policy", 0, serde_json::to_vec_pretty(&file).expect("json")),
        ("policy-bad-key", 0, br#"{"managed": {"max_session_age": "48h", "nope": 1}}"#.to_vec()),
        ("user-settings", 1, user.to_string().into_bytes()),
        ("duration", 2, b"1h30m".to_vec()),
        ("url", 3, b"socks5h://proxy.corp.example:1080".to_vec()),
    ]
}

fn callbacks() -> Seeds {
    let text = |s: &str| s.as_bytes().to_vec();
    vec![
        ("link-ok", 1, text("latchkey://auth/callback?lk_state={state}&code=6a1c6e7e-code")),
        ("loopback-ok", 4, text("http://127.0.0.1:53682/auth/callback?lk_state={state}&code=6a1c6e7e-code")),
        ("link-expired", 9, text("latchkey://auth/callback?lk_state={state}&code=6a1c6e7e-code")),
        ("link-error", 2, text("latchkey://auth/callback?lk_state={state}#error=access_denied&error_code=otp_expired&error_description=Email+link+is+invalid+or+has+expired")),
        ("link-implicit", 0, text("latchkey://auth/callback#access_token=a&refresh_token=r&expires_in=3600")),
        ("link-wrong-state", 3, text("latchkey://auth/callback?lk_state=someone-else&code=c")),
        ("link-wrong-host", 1, text("latchkey://evil.example/callback?lk_state={state}&code=c")),
        ("start-loopback", 16, text("http://127.0.0.1:53682/auth/callback")),
        ("start-custom", 17, text("myapp://cb/path?x=1")),
    ]
}
