//! The fuzz targets' fixed test material (keys that protect nothing) and a key source that answers without a network, so every run is reproducible offline.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use latchkey_core::error::AuthError;
use latchkey_core::jwt::KeySource;
use latchkey_core::secret::AccessToken;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use std::future::Future;
use std::sync::LazyLock;

/// The fuzz vault key, bytes 0..=31 in the keychain's base64url form. A test value.
pub const VAULT_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
/// "Now" for every time check, in unix seconds (the seeds' tokens expire after it).
pub const NOW: i64 = 1_800_000_000;
/// The `kid` of the fixed signing key in the fake JWKS.
pub const KID: &str = "fuzz-key";
/// A P-256 key generated for fuzzing only (PKCS#8 DER); it protects nothing.
const SIGNING_KEY_PKCS8: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3i4dzPyDSOjGPP0xU/QabUcbdfx9RebsxrZyy2BnU1ChRANCAATodB8FcJV5jN/bdBd00f3X5pb0WMucLqt9UNznHy+kwYRCDVAuHixkwt9BzTGT/Aq3Kz7vJ/AZE5+3QNmJ9jZb";

static SIGNER: LazyLock<EcdsaKeyPair> = LazyLock::new(|| {
    use base64::engine::general_purpose::STANDARD;
    let der = STANDARD.decode(SIGNING_KEY_PKCS8).expect("fixed key is base64");
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, &SystemRandom::new()).expect("fixed key is PKCS#8")
});

static RUNTIME: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_current_thread().build().expect("a current-thread runtime"));

/// Runs a future to completion on one shared current-thread runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    RUNTIME.block_on(future)
}

/// The public half of the fixed signing key, as the project's JWKS would publish it.
pub fn jwk() -> serde_json::Value {
    let point = SIGNER.public_key().as_ref(); // 0x04 || x || y
    serde_json::json!({"kty": "EC", "crv": "P-256", "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..65]),
        "kid": KID, "alg": "ES256", "use": "sig"})
}

/// `header.claims.signature` with both JSON parts taken as given and a valid ES256 signature by the fixed key.
pub fn sign_es256(header: &[u8], claims: &[u8]) -> String {
    let input = format!("{}.{}", B64.encode(header), B64.encode(claims));
    let signature = SIGNER.sign(&SystemRandom::new(), input.as_bytes()).expect("signing works");
    format!("{input}.{}", B64.encode(signature.as_ref()))
}

/// `header.claims.signature` with arbitrary signature bytes.
pub fn unsigned_jwt(header: &[u8], claims: &[u8], signature: &[u8]) -> String {
    format!("{}.{}.{}", B64.encode(header), B64.encode(claims), B64.encode(signature))
}

/// A project that publishes the fixed key and whose server accepts every token it is asked about.
pub struct FixedKeys;

impl KeySource for FixedKeys {
    async fn fetch_jwks(&self) -> Result<Vec<serde_json::Value>, AuthError> {
        Ok(vec![jwk()])
    }
    async fn check_with_server(&self, _token: &AccessToken) -> Result<(), AuthError> {
        Ok(())
    }
}

/// Seals arbitrary plaintext as a schema-2 vault file under [`VAULT_KEY`], so the fuzzer can reach the code behind
/// the integrity check. Follows the documented format (docs/security.md): the AAD binds app id, schema and user.
pub fn seal_payload(plain: &[u8], user_id: &str) -> Vec<u8> {
    let key = B64.decode(VAULT_KEY).expect("fixed key is base64");
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &key).expect("32 bytes"));
    let nonce = [7u8; 12]; // fixed: reproducible inputs; never reused outside this harness
    let aad = format!("{}\0vault\0{}\0{user_id}", latchkey_core::APP_ID, latchkey_core::vault::sealed::SCHEMA);
    let mut buf = plain.to_vec();
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad.into_bytes()), &mut buf).expect("seals");
    serde_json::to_vec(&serde_json::json!({"format": "latchkey-vault", "schema": latchkey_core::vault::sealed::SCHEMA,
        "user_id": user_id, "nonce": B64.encode(nonce), "sealed": B64.encode(&buf)}))
    .expect("serializes")
}
