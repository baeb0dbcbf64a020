//! Access-token verification: ES256/RS256 tokens checked against the JWKS (audience, issuer, expiry, claims), HS256 projects asked of the server, tokens never shown.

use super::*;
use jsonwebtoken::{EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};

const NOW: i64 = 1_800_000_000;
const ISS: &str = "http://127.0.0.1:54321/auth/v1";

/// A key source that counts fetches and server checks, with keys the test can rotate.
#[derive(Clone, Default)]
struct Fake(Arc<FakeInner>);

#[derive(Default)]
struct FakeInner {
    keys: StdMutex<Vec<Value>>,
    fetches: AtomicU64,
    server_checks: AtomicU64,
    server_rejects: StdMutex<Option<&'static str>>,
}

impl KeySource for Fake {
    async fn fetch_jwks(&self) -> Result<Vec<Value>, AuthError> {
        self.0.fetches.fetch_add(1, Ordering::SeqCst);
        Ok(self.0.keys.lock().unwrap().clone())
    }
    async fn check_with_server(&self, _token: &AccessToken) -> Result<(), AuthError> {
        self.0.server_checks.fetch_add(1, Ordering::SeqCst);
        match *self.0.server_rejects.lock().unwrap() {
            Some(code) => Err(AuthError::Server { status: 403, code: code.into(), message: "rejected".into() }),
            None => Ok(()),
        }
    }
}

impl Fake {
    fn with_keys(keys: Vec<Value>) -> Self {
        let f = Fake::default();
        *f.0.keys.lock().unwrap() = keys;
        f
    }
    fn fetches(&self) -> u64 {
        self.0.fetches.load(Ordering::SeqCst)
    }
    fn server_checks(&self) -> u64 {
        self.0.server_checks.load(Ordering::SeqCst)
    }
}

/// A fresh P-256 key: (signing key, public JWK).
fn es256_key(kid: &str) -> (EncodingKey, Value) {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let point = pair.public_key().as_ref(); // 0x04 || x || y
    let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
    let jwk = json!({"kty":"EC","crv":"P-256","x":b64(&point[1..33]),"y":b64(&point[33..65]),"kid":kid,"alg":"ES256","use":"sig","key_ops":["verify"]});
    (EncodingKey::from_ec_der(pkcs8.as_ref()), jwk)
}

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

/// A test-only 2048-bit RSA key (PKCS#1 DER), generated for these tests; it protects nothing.
const RSA_DER_B64: &[&str] = &[
    "MIIEowIBAAKCAQEAz0hDvDeSVnPA/zizZ5A3XzqdKqGv2gtWKVFnWAZrUmIb9TbtS2NMn5uPLdwKcLj5uCDCCmrt5qSDlu4oe4gV",
    "O2ZFL/Po/w92bpW2zLeKS907Y6KIh8veirbnkwaffLd3nKspPtRToQVX/PMo0GQ2ZMj0BBDc8GH9DpvfgAoYRBp4QJLErBb+QbW0",
    "uRv1bXVvysl4HkLCG6yBAuaASL2tKySWSZjjBFr8G6HGMk6HbPYnNTOgGdbK+JwkoO5vsa0WC+2c1Tk2zGUnIcJzxbvJvVND5Okh",
    "0sY2HDd/UvDDXeg/MRbOrvO088gZ2ViBW2PqeuEOP7z6ebEz0wLyZ6zyqwIDAQABAoIBABOmBv2yytq1EvNefZXF6ZR2VZWdSV0Y",
    "PAJN/BzaUZa37sHaLg46YHYKDz11S+wO12UT0zDyR+YtbBKE4C4tjSMEo8RS5krfPVu9h1wf0yqJKGsJFNDCi4WHUauch3ERYcjm",
    "afzRsF0QHkdqXqZlCXRDnus6afxuCB3iuqyZcwlpc+i+wYSdhlk67vSvw6BAXrVzXP4FWrASg7J+Z4i0wtEHIQHyjzXCXYynN9rk",
    "zPjQbwLZYCdcumKcrvtroau2hD41K7GLn8u0kWjTbpACIttOvVmVPZdqt04ebW+TIJXTQIDo1awK2zMCzmgOfKmsg1NXxpyEvkUG",
    "DS3XMBCbYjkCgYEA6+uFA+iTiYICXdoDsTUqMc517UjHO72J70vgu0Fbk3QFZA9Zq0Sbg2be3pWlqIpT4/u12e2n9SGRO9rtkJFV",
    "zWFUmo48ra7X0slAulOn1mvFQk9ju69aG/UArhdoZT/9YSw5BwNFZ2yLcdC3lbFOVnw7wM9lMa9EGZ8kPPyrPi0CgYEA4OzBZZTy",
    "QMgN4VHYF5q2nnY3uOASkMMZ1CuAKESJuKokuvssv/wDFOmWFx7dYChzmC898Tf5MURvKI9H6TjPnTIyg5nNWgq7emRsKAtfJcRL",
    "nrK9rrFi13wgygjkUwilnCXOKl6kBK1ozQDUtBvheh8usWlyTcQUoidFxk7iUzcCgYAqcfpBhMOelsx0NDg71rPbuCiRY2ms/uHl",
    "MsKhDhY6xkH+CaD5ZmOQVZ69bzEZzKFhQDUsm0x/luV5Xl8lhnBofh1pnTOfj/h2jQzfORPWSRd5Ya0w5FCS/RZ9O+rlZIjixcEQ",
    "2O7Qt7+y33lYLklI2BssCmRLdxwKfA5aBp+MlQKBgHeKfRLPAZ2adX4OMIoDCRHZBK52MIfNmVmhMQC1xHhnvRO/UL5MYxrnNoTd",
    "O4zSkvUMDqC4PfGITIfC9tYmAnmqZxx4TqKPV6qp2q3BtXTuCb6zgopo7n5WE1stNKRI0TPXB+aO3B88RpnF2kZLFx//mKJjx4M7",
    "NjgkJTpLTJArAoGBAJl7CeI77T7y3UcTSFiwZdn9t4ZeZG4rOinivIosLIZumlY0HI53QZf6K0C2E5dRTtT+4MNTQzuMmF1VL+jl",
    "Fi6fqGONMws1dDPx3BQE65UpcytYYjPfzcBJWRv1cmLHCZxuqu93fo2MssspkBtPU9xjJHiasyaaBlgAvihx63pH",
];
const RSA_N: &str = "z0hDvDeSVnPA_zizZ5A3XzqdKqGv2gtWKVFnWAZrUmIb9TbtS2NMn5uPLdwKcLj5uCDCCmrt5qSDlu4oe4gVO2ZFL_Po_w92bpW2zLeKS907Y6KIh8veirbnkwaffLd3nKspPtRToQVX_PMo0GQ2ZMj0BBDc8GH9DpvfgAoYRBp4QJLErBb-QbW0uRv1bXVvysl4HkLCG6yBAuaASL2tKySWSZjjBFr8G6HGMk6HbPYnNTOgGdbK-JwkoO5vsa0WC-2c1Tk2zGUnIcJzxbvJvVND5Okh0sY2HDd_UvDDXeg_MRbOrvO088gZ2ViBW2PqeuEOP7z6ebEz0wLyZ6zyqw";

fn rs256_key(kid: &str) -> (EncodingKey, Value) {
    let der = STANDARD.decode(RSA_DER_B64.concat()).unwrap();
    (EncodingKey::from_rsa_der(&der), json!({"kty":"RSA","n":RSA_N,"e":"AQAB","kid":kid,"alg":"RS256","use":"sig"}))
}

fn claims() -> Value {
    json!({"iss":ISS,"sub":"7b0c6d0e-0000-4000-8000-000000000001","aud":"authenticated","exp":NOW + 3600,"iat":NOW,
           "email":"a@b.c","role":"authenticated","aal":"aal1","session_id":"5e551010-0000-4000-8000-000000000002","is_anonymous":false})
}

fn sign(alg: Algorithm, kid: Option<&str>, key: &EncodingKey, claims: &Value) -> AccessToken {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_string);
    AccessToken::new(jsonwebtoken::encode(&header, claims, key).unwrap())
}

fn verifier(source: Fake) -> JwtVerifier<Fake> {
    JwtVerifier::new(source, VerifyOptions { audience: "authenticated".into(), issuer: Some(ISS.into()) })
}

async fn code_of(v: &JwtVerifier<Fake>, token: &AccessToken, now: i64) -> String {
    v.verify(token, now).await.unwrap_err().code().to_string()
}

#[tokio::test]
async fn a_valid_es256_token_verifies_against_the_jwks() {
    let (key, jwk) = es256_key("k1");
    let v = verifier(Fake::with_keys(vec![jwk]));
    let got = v.verify_detailed(&sign(Algorithm::ES256, Some("k1"), &key, &claims()), NOW).await.unwrap();
    assert_eq!(got.by, VerifiedBy::Jwks { kid: "k1".into() });
    assert_eq!(got.claims.session_id, "5e551010-0000-4000-8000-000000000002");
    assert_eq!((got.claims.aud, got.claims.email.as_deref(), got.claims.exp), (vec!["authenticated".to_string()], Some("a@b.c"), NOW + 3600));
}

#[tokio::test]
async fn a_valid_rs256_token_verifies_against_the_jwks() {
    let (key, jwk) = rs256_key("r1");
    let v = verifier(Fake::with_keys(vec![jwk]));
    let got = v.verify_detailed(&sign(Algorithm::RS256, Some("r1"), &key, &claims()), NOW).await.unwrap();
    assert_eq!(got.by, VerifiedBy::Jwks { kid: "r1".into() });
}

#[tokio::test]
async fn a_flipped_signature_byte_or_another_key_fails() {
    let (key, jwk) = es256_key("k1");
    let v = verifier(Fake::with_keys(vec![jwk]));
    let good = sign(Algorithm::ES256, Some("k1"), &key, &claims());
    let (head, sig) = good.expose().rsplit_once('.').unwrap();
    let mut raw = URL_SAFE_NO_PAD.decode(sig).unwrap();
    raw[10] ^= 0x01;
    let flipped = AccessToken::new(format!("{head}.{}", URL_SAFE_NO_PAD.encode(raw)));
    assert_eq!(code_of(&v, &flipped, NOW).await, "invalid_jwt");
    let (other, _) = es256_key("k1");
    assert_eq!(code_of(&v, &sign(Algorithm::ES256, Some("k1"), &other, &claims()), NOW).await, "invalid_jwt");
}

#[tokio::test]
async fn wrong_audience_or_issuer_fails() {
    let (key, jwk) = es256_key("k1");
    let v = verifier(Fake::with_keys(vec![jwk]));
    for (claim, value) in [("aud", json!("anon")), ("aud", json!(["other"])), ("iss", json!("https://evil.example/auth/v1")), ("iss", Value::Null)] {
        let mut c = claims();
        c[claim] = value.clone();
        let err = v.verify(&sign(Algorithm::ES256, Some("k1"), &key, &c), NOW).await.unwrap_err();
        assert_eq!(err.code(), "invalid_jwt", "{claim}={value}");
        assert!(err.to_string().contains(if claim == "aud" { "audience" } else { "issued" }), "{err}");
    }
    let mut c = claims();
    c["aud"] = json!(["other", "authenticated"]);
    assert!(v.verify(&sign(Algorithm::ES256, Some("k1"), &key, &c), NOW).await.is_ok(), "an array containing the audience");
}

#[tokio::test]
async fn expiry_has_no_leeway_and_uses_the_injected_clock() {
    let (key, jwk) = es256_key("k1");
    let v = verifier(Fake::with_keys(vec![jwk]));
    let token = sign(Algorithm::ES256, Some("k1"), &key, &claims());
    let exp = NOW + 3600;
    assert!(v.verify(&token, exp - 1).await.is_ok());
    assert_eq!(code_of(&v, &token, exp).await, "jwt_expired");
    assert_eq!(code_of(&v, &token, exp + 1).await, "jwt_expired");
}

#[tokio::test]
async fn missing_session_id_sub_or_exp_fails() {
    let (key, jwk) = es256_key("k1");
    let v = verifier(Fake::with_keys(vec![jwk]));
    for claim in ["session_id", "sub", "exp"] {
        let mut c = claims();
        c.as_object_mut().unwrap().remove(claim);
        let err = v.verify(&sign(Algorithm::ES256, Some("k1"), &key, &c), NOW).await.unwrap_err();
        assert_eq!(err.code(), "invalid_jwt", "{claim}");
        assert!(err.to_string().contains(claim), "{err}");
    }
}

#[tokio::test]
async fn an_unknown_kid_refetches_once_and_is_rate_limited() {
    let (key, jwk) = es256_key("k1");
    let source = Fake::with_keys(vec![jwk.clone()]);
    let v = verifier(source.clone());
    let token = sign(Algorithm::ES256, Some("k1"), &key, &claims());
    v.verify(&token, NOW).await.unwrap();
    v.verify(&token, NOW + 1).await.unwrap();
    assert_eq!(source.fetches(), 1, "cached");

    let (new_key, new_jwk) = es256_key("k2");
    let rotated = sign(Algorithm::ES256, Some("k2"), &new_key, &claims());
    assert_eq!(code_of(&v, &rotated, NOW + 5).await, "invalid_jwt", "within 30 s of the last fetch: no re-fetch");
    assert_eq!(source.fetches(), 1);

    let unknown = sign(Algorithm::ES256, Some("nope"), &key, &claims());
    assert_eq!(code_of(&v, &unknown, NOW + 31).await, "invalid_jwt");
    assert_eq!(source.fetches(), 2, "exactly one re-fetch for an unknown kid");
    assert_eq!(code_of(&v, &unknown, NOW + 32).await, "invalid_jwt");
    assert_eq!(source.fetches(), 2, "rate-limited");

    *source.0.keys.lock().unwrap() = vec![jwk, new_jwk];
    let got = v.verify_detailed(&rotated, NOW + 62).await.unwrap();
    assert_eq!((got.by, source.fetches()), (VerifiedBy::Jwks { kid: "k2".into() }, 3), "a rotated-in key is found by the re-fetch");
    v.verify(&token, NOW + 62 + JWKS_TTL_SECS).await.unwrap();
    assert_eq!(source.fetches(), 4, "the TTL expired");
    assert_eq!(v.jwks_fetches().await, 4);
}

#[tokio::test]
async fn hs256_projects_fall_back_to_the_server() {
    let key = EncodingKey::from_secret(b"project-secret");
    let source = Fake::with_keys(vec![]);
    let v = verifier(source.clone());
    let token = sign(Algorithm::HS256, None, &key, &claims());
    let got = v.verify_detailed(&token, NOW).await.unwrap();
    assert_eq!((got.by, source.server_checks()), (VerifiedBy::Server, 1));

    assert_eq!(code_of(&v, &token, NOW + 3600).await, "jwt_expired");
    let mut c = claims();
    c["aud"] = json!("anon");
    assert_eq!(code_of(&v, &sign(Algorithm::HS256, None, &key, &c), NOW).await, "invalid_jwt");
    assert_eq!(source.server_checks(), 1, "claims are checked before any request");

    *source.0.server_rejects.lock().unwrap() = Some("session_not_found");
    assert_eq!(code_of(&v, &token, NOW).await, "session_not_found");
}

#[tokio::test]
async fn an_empty_jwks_sends_asymmetric_tokens_to_the_server_too() {
    let (key, _) = es256_key("k1");
    let source = Fake::with_keys(vec![]);
    let v = verifier(source.clone());
    let got = v.verify_detailed(&sign(Algorithm::ES256, Some("k1"), &key, &claims()), NOW).await.unwrap();
    assert_eq!((got.by, source.server_checks()), (VerifiedBy::Server, 1));
}

#[tokio::test]
async fn garbage_a_missing_kid_or_a_mismatched_key_is_rejected() {
    let (key, jwk) = es256_key("k1");
    let (rsa, mut rsa_jwk) = rs256_key("r1");
    rsa_jwk["alg"] = json!("RS512");
    let v = verifier(Fake::with_keys(vec![jwk, rsa_jwk]));
    assert_eq!(code_of(&v, &AccessToken::new("not-a-jwt".into()), NOW).await, "malformed_response");
    assert_eq!(code_of(&v, &sign(Algorithm::ES256, None, &key, &claims()), NOW).await, "invalid_jwt");
    assert_eq!(code_of(&v, &sign(Algorithm::RS256, Some("r1"), &rsa, &claims()), NOW).await, "invalid_jwt");
    assert_eq!(code_of(&v, &sign(Algorithm::RS256, Some("k1"), &rsa, &claims()), NOW).await, "invalid_jwt");
}

#[tokio::test]
async fn errors_and_claims_never_show_the_token() {
    let (key, jwk) = es256_key("k1");
    let v = verifier(Fake::with_keys(vec![jwk]));
    let token = sign(Algorithm::ES256, Some("k1"), &key, &claims());
    let claims = v.verify(&token, NOW).await.unwrap();
    let err = v.verify(&token, NOW + 7200).await.unwrap_err();
    let shown = format!("{claims:?} {err:?} {err}");
    let sig = token.expose().rsplit('.').next().unwrap();
    assert!(!shown.contains(sig) && !shown.contains("eyJ"), "{shown}");
}
