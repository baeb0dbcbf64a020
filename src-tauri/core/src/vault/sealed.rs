//! The sealed vault format: AES-256-GCM over the session, with the app id, schema and user bound as associated data.

use crate::assurance::Claims;
use crate::api::LogoutScope;
use crate::error::{AuthError, Corruption};
use crate::secret::{AccessToken, ProviderRefreshToken, ProviderToken, RefreshToken};
use crate::session::{IdentityProvider, ProviderSignIn, ProviderTokens, Session, User};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

/// The schema of the sealed payload this build writes.
pub const SCHEMA: u32 = 2;
const FORMAT: &str = "latchkey-vault";

/// A 256-bit vault key; it lives only in the keychain and in memory, zeroized on drop.
pub struct VaultKey(Zeroizing<[u8; 32]>);

impl VaultKey {
    pub fn generate() -> Result<Self, AuthError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(bytes.as_mut())
            .map_err(|_| AuthError::StorageIo("the system random generator failed".into()))?;
        Ok(VaultKey(bytes))
    }

    /// The keychain form of the key (base64url).
    pub fn encode(&self) -> Zeroizing<String> {
        Zeroizing::new(B64.encode(self.0.as_ref()))
    }

    pub fn decode(text: &str) -> Result<Self, AuthError> {
        let raw = Zeroizing::new(B64.decode(text.trim()).map_err(|_| corrupt(Corruption::BadKey, "the vault key is not base64"))?);
        let bytes: [u8; 32] = raw.as_slice().try_into().map_err(|_| corrupt(Corruption::BadKey, "the vault key is not 256 bits"))?;
        Ok(VaultKey(Zeroizing::new(bytes)))
    }

    fn aead(&self) -> LessSafeKey {
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, self.0.as_ref()).expect("32-byte key fits AES-256-GCM"))
    }
}

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKey([redacted])")
    }
}

/// The file on disk: everything but `sealed` is public, and all of it is authenticated.
#[derive(Serialize, Deserialize)]
struct Envelope {
    format: String,
    schema: u32,
    user_id: String,
    nonce: String,
    sealed: String,
}

/// The plaintext inside the seal (schema 2).
#[derive(Serialize, Deserialize)]
struct Payload {
    refresh_token: String,
    access_token: String,
    access_expires_at: i64,
    session_id: Option<String>,
    user: User,
    signed_in_at: i64,
    last_refresh_at: Option<i64>,
    /// Added in 0.2 (schema 2 still: absent in older vaults, ignored by older readers).
    #[serde(default)]
    identity_provider: Option<IdentityProvider>,
    #[serde(default)]
    provider_token: Option<String>,
    #[serde(default)]
    provider_refresh_token: Option<String>,
    /// Verified when the token was received; absent in records written before claims were kept.
    #[serde(default)]
    claims: Option<Claims>,
    /// Absent in vaults written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pending_sign_out: Option<LogoutScope>,
}

impl Drop for Payload {
    fn drop(&mut self) {
        self.refresh_token.zeroize();
        self.access_token.zeroize();
        self.provider_token.zeroize();
        self.provider_refresh_token.zeroize();
    }
}

impl Payload {
    /// The identity provider and its tokens, as the session holds them.
    fn provider(&self) -> Option<ProviderSignIn> {
        let tokens = self.provider_token.clone().map(|access| ProviderTokens {
            access: ProviderToken::new(access),
            refresh: self.provider_refresh_token.clone().map(ProviderRefreshToken::new),
        });
        self.identity_provider.clone().map(|identity| ProviderSignIn { identity, tokens })
    }
}

fn aad(schema: u32, user_id: &str) -> Vec<u8> {
    format!("{}\0vault\0{schema}\0{user_id}", crate::app::APP_ID).into_bytes()
}

fn corrupt(kind: Corruption, detail: &str) -> AuthError {
    AuthError::StorageCorrupt { kind, detail: detail.into() }
}

/// Seals a session into the bytes of a vault file.
pub fn seal(session: &Session, key: &VaultKey) -> Result<Vec<u8>, AuthError> {
    let payload = Payload {
        refresh_token: session.refresh_token.expose().into(),
        access_token: session.access_token.expose().into(),
        access_expires_at: session.access_expires_at,
        session_id: session.session_id.clone(),
        user: session.user.clone(),
        signed_in_at: session.signed_in_at,
        last_refresh_at: session.last_refresh_at,
        identity_provider: session.provider.as_ref().map(|p| p.identity.clone()),
        provider_token: session.provider.as_ref().and_then(|p| p.tokens.as_ref()).map(|t| t.access.expose().into()),
        provider_refresh_token: session.provider.as_ref().and_then(|p| p.tokens.as_ref()?.refresh.as_ref()).map(|t| t.expose().into()),
        claims: session.claims.clone(),
        pending_sign_out: session.pending_sign_out,
    };
    let mut buf = Zeroizing::new(serde_json::to_vec(&payload).expect("payload serializes"));
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new().fill(&mut nonce).map_err(|_| AuthError::StorageIo("the system random generator failed".into()))?;
    key.aead()
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad(SCHEMA, &session.user.id)), &mut *buf)
        .map_err(|_| AuthError::StorageIo("sealing failed".into()))?;
    let envelope = Envelope {
        format: FORMAT.into(),
        schema: SCHEMA,
        user_id: session.user.id.clone(),
        nonce: B64.encode(nonce),
        sealed: B64.encode(&*buf),
    };
    Ok(serde_json::to_vec(&envelope).expect("envelope serializes"))
}

/// Opens the bytes of a vault file. Each way it can fail is a named `Corruption`.
pub fn open(bytes: &[u8], key: &VaultKey) -> Result<Session, AuthError> {
    let envelope: Envelope = serde_json::from_slice(bytes)
        .map_err(|_| corrupt(Corruption::Truncated, "the vault file is truncated or not a vault"))?;
    if envelope.format != FORMAT {
        return Err(corrupt(Corruption::Truncated, "the file is not a Latchkey vault"));
    }
    if envelope.schema != SCHEMA {
        return Err(corrupt(Corruption::UnknownSchema, &format!("vault schema {} is not one this version reads ({SCHEMA})", envelope.schema)));
    }
    let nonce: [u8; NONCE_LEN] = B64
        .decode(&envelope.nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or_else(|| corrupt(Corruption::Truncated, "the vault nonce is damaged"))?;
    let mut buf = Zeroizing::new(B64.decode(&envelope.sealed).map_err(|_| corrupt(Corruption::Truncated, "the sealed data is damaged"))?);
    let plain = key
        .aead()
        .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(aad(envelope.schema, &envelope.user_id)), &mut buf)
        .map_err(|_| corrupt(Corruption::Tampered, "the integrity check failed: the file was altered, or the key does not match"))?;
    let p: Payload = serde_json::from_slice(plain).map_err(|_| corrupt(Corruption::Truncated, "the sealed session is incomplete"))?;
    let session = Session {
        access_token: AccessToken::new(p.access_token.clone()),
        refresh_token: RefreshToken::new(p.refresh_token.clone()),
        access_expires_at: p.access_expires_at,
        session_id: p.session_id.clone(),
        user: p.user.clone(),
        signed_in_at: p.signed_in_at,
        last_refresh_at: p.last_refresh_at,
        provider: p.provider(),
        claims: p.claims.clone(),
        pending_sign_out: p.pending_sign_out,
    };
    if !session.times_are_plausible() {
        return Err(corrupt(Corruption::Truncated, "the sealed session names impossible times"));
    }
    Ok(session)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        crate::testing::session(1_700_000_000)
    }

    fn kind(r: Result<Session, AuthError>) -> Corruption {
        match r {
            Err(AuthError::StorageCorrupt { kind, .. }) => kind,
            other => panic!("expected corruption, got {other:?}"),
        }
    }

    #[test]
    fn seals_and_opens() {
        let key = VaultKey::generate().unwrap();
        let back = open(&seal(&session(), &key).unwrap(), &key).unwrap();
        assert_eq!(back.refresh_token.expose(), "refresh-secret");
        assert_eq!((back.signed_in_at, back.user.id.as_str()), (1_700_000_000, "u1"));
    }

    #[test]
    fn the_file_holds_no_token_in_clear() {
        for s in [session(), crate::testing::oauth_session(1_700_000_000)] {
            let bytes = seal(&s, &VaultKey::generate().unwrap()).unwrap();
            let text = String::from_utf8(bytes).unwrap();
            assert!(!text.contains("secret") && !text.contains("1700000000") && !text.contains("keycloak"), "{text}");
        }
    }

    #[test]
    fn the_identity_provider_and_its_tokens_are_sealed_and_come_back() {
        let key = VaultKey::generate().unwrap();
        let back = open(&seal(&crate::testing::oauth_session(1_700_000_000), &key).unwrap(), &key).unwrap();
        let provider = back.provider.expect("the provider sign-in comes back");
        assert_eq!(provider.identity, IdentityProvider::OAuth { provider: "keycloak".into() });
        let tokens = provider.tokens.expect("with its tokens");
        assert_eq!((tokens.access.expose(), tokens.refresh.unwrap().expose()), ("provider-secret", "provider-refresh-secret"));
        assert!(open(&seal(&session(), &key).unwrap(), &key).unwrap().provider.is_none());
    }

    #[test]
    fn a_vault_written_before_provider_sign_ins_still_opens() {
        // The payload as 0.1 sealed it: no identity_provider, provider_token or provider_refresh_token.
        let key = VaultKey::generate().unwrap();
        let old = br#"{"refresh_token":"r","access_token":"a","access_expires_at":1,"session_id":null,"user":{"id":"u1","email":"e"},"signed_in_at":1,"last_refresh_at":null}"#;
        let mut buf = old.to_vec();
        let nonce = [7u8; NONCE_LEN];
        key.aead().seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad(SCHEMA, "u1")), &mut buf).unwrap();
        let envelope = Envelope { format: FORMAT.into(), schema: SCHEMA, user_id: "u1".into(), nonce: B64.encode(nonce), sealed: B64.encode(&buf) };
        let back = open(&serde_json::to_vec(&envelope).unwrap(), &key).unwrap();
        assert_eq!((back.user.id.as_str(), back.provider.is_none()), ("u1", true));
    }

    #[test]
    fn every_damage_is_named() {
        let key = VaultKey::generate().unwrap();
        let good = seal(&session(), &key).unwrap();
        assert_eq!(kind(open(&good[..good.len() / 2], &key)), Corruption::Truncated);
        assert_eq!(kind(open(b"", &key)), Corruption::Truncated);
        assert_eq!(kind(open(&good, &VaultKey::generate().unwrap())), Corruption::Tampered);
        let mut env: serde_json::Value = serde_json::from_slice(&good).unwrap();
        let sealed = env["sealed"].as_str().unwrap().to_string();
        let flipped = format!("{}{}", if sealed.starts_with('A') { 'B' } else { 'A' }, &sealed[1..]);
        env["sealed"] = flipped.into();
        assert_eq!(kind(open(&serde_json::to_vec(&env).unwrap(), &key)), Corruption::Tampered);
        let mut env: serde_json::Value = serde_json::from_slice(&good).unwrap();
        env["user_id"] = "someone-else".into();
        assert_eq!(kind(open(&serde_json::to_vec(&env).unwrap(), &key)), Corruption::Tampered, "user binding");
        env["schema"] = 9.into();
        assert_eq!(kind(open(&serde_json::to_vec(&env).unwrap(), &key)), Corruption::UnknownSchema);
    }

    #[test]
    fn a_sealed_session_with_impossible_times_is_damaged() {
        let key = VaultKey::generate().unwrap();
        let far = Session { access_expires_at: i64::MAX / 2, ..session() };
        assert_eq!(kind(open(&seal(&far, &key).unwrap(), &key)), Corruption::Truncated);
    }

    #[test]
    fn keys_round_trip_and_bad_keys_are_named() {
        let key = VaultKey::generate().unwrap();
        let again = VaultKey::decode(&key.encode()).unwrap();
        assert_eq!(open(&seal(&session(), &key).unwrap(), &again).unwrap().user.id, "u1");
        assert!(matches!(VaultKey::decode("short"), Err(AuthError::StorageCorrupt { kind: Corruption::BadKey, .. })));
        assert_eq!(format!("{key:?}"), "VaultKey([redacted])");
    }
}
