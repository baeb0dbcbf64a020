//! An access token is trusted only after its signature (project JWKS, or the server via `GET /user` for HS256 projects), `aud`, `iss`, `exp` (no leeway, injected clock), `sub` and `session_id` have all been checked.

use crate::assurance::{Aal, AuthMethod};
use crate::error::AuthError;
use crate::secret::AccessToken;
use jsonwebtoken::jwk::{Jwk, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::future::Future;
use tokio::sync::Mutex;

#[cfg(test)]
mod tests;

/// How long a fetched JWKS is trusted (GoTrue serves it with `max-age=600`).
pub const JWKS_TTL_SECS: i64 = 600;
/// An unknown `kid` re-fetches the JWKS at most this often.
pub const REFETCH_MIN_INTERVAL_SECS: i64 = 30;

/// Where keys come from, and who vouches for a token that can't be checked locally. `GoTrue` in the app.
pub trait KeySource: Send + Sync + 'static {
    /// `GET /.well-known/jwks.json`: the raw `keys` array.
    fn fetch_jwks(&self) -> impl Future<Output = Result<Vec<serde_json::Value>, AuthError>> + Send;
    /// `GET /user` with the token: `Ok` means the server accepted it.
    fn check_with_server(&self, token: &AccessToken) -> impl Future<Output = Result<(), AuthError>> + Send;
}

/// What the verifier checks besides the signature.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Accepted `aud` (GoTrue's `GOTRUE_JWT_AUD`, `authenticated` by default).
    pub audience: String,
    /// Required `iss` when set (`<project>/auth/v1` on hosted projects and the local stack).
    pub issuer: Option<String>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions { audience: "authenticated".into(), issuer: None }
    }
}

/// The verified claims of an access token. It holds no token.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub session_id: String,
    pub exp: i64,
    #[serde(default)]
    pub iat: Option<i64>,
    /// GoTrue writes a plain string; an array is accepted too.
    #[serde(default, deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    #[serde(default)]
    pub iss: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub aal: Option<String>,
    #[serde(default)]
    pub is_anonymous: Option<bool>,
    /// How the session was authenticated; a token without it says nothing.
    #[serde(default)]
    pub amr: Vec<AuthMethod>,
    #[serde(default)]
    pub app_metadata: serde_json::Value,
    #[serde(default)]
    pub user_metadata: serde_json::Value,
}

impl Claims {
    /// What apps may read of these claims (`crate::assurance::Claims`).
    pub fn shown(&self) -> crate::assurance::Claims {
        crate::assurance::Claims {
            role: self.role.clone().unwrap_or_default(),
            aal: Aal::from_claim(self.aal.as_deref()),
            amr: self.amr.clone(),
            is_anonymous: self.is_anonymous.unwrap_or(false),
            app_metadata: object_or_empty(&self.app_metadata),
            user_metadata: object_or_empty(&self.user_metadata),
            session_id: self.session_id.clone(),
            exp: self.exp,
        }
    }
}

fn object_or_empty(value: &serde_json::Value) -> serde_json::Value {
    if value.is_object() { value.clone() } else { serde_json::json!({}) }
}

/// Which check vouched for the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifiedBy {
    /// Checked locally against the project's published key with this `kid`.
    Jwks { kid: String },
    /// The project publishes no public key (HS256): the server accepted the token on `GET /user`.
    Server,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub claims: Claims,
    pub by: VerifiedBy,
}

struct Cache {
    keys: Vec<Jwk>,
    fetched_at: Option<i64>,
    fetches: u64,
}

/// Verifies access tokens for one project. Share it (`Arc`) so the JWKS cache is shared.
pub struct JwtVerifier<S: KeySource> {
    source: S,
    options: VerifyOptions,
    cache: Mutex<Cache>,
}

impl<S: KeySource> JwtVerifier<S> {
    pub fn new(source: S, options: VerifyOptions) -> Self {
        JwtVerifier { source, options, cache: Mutex::new(Cache { keys: Vec::new(), fetched_at: None, fetches: 0 }) }
    }

    /// Verifies `token` at `now` (unix seconds); see [`JwtVerifier::verify_detailed`].
    pub async fn verify(&self, token: &AccessToken, now: i64) -> Result<Claims, AuthError> {
        self.verify_detailed(token, now).await.map(|v| v.claims)
    }

    /// Verifies `token` and says which path vouched for its signature.
    pub async fn verify_detailed(&self, token: &AccessToken, now: i64) -> Result<Verified, AuthError> {
        let raw = token.expose();
        let header = jsonwebtoken::decode_header(raw)
            .map_err(|_| AuthError::MalformedResponse("access token is not a JWT".into()))?;
        if matches!(header.alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
            // Symmetric keys are never published: only the server can check this signature.
            // Check the claims first, so an expired or foreign token costs no request.
            let claims = self.claims_of_unverified(raw, now)?;
            self.source.check_with_server(token).await?;
            return Ok(Verified { claims, by: VerifiedBy::Server });
        }
        if !ASYMMETRIC.contains(&header.alg) {
            return Err(invalid(format!("the access token uses an algorithm Latchkey does not accept ({:?})", header.alg)));
        }
        let Some(kid) = header.kid else {
            return Err(invalid("the access token names no signing key (kid)"));
        };
        let jwk = match self.key(&kid, now).await? {
            KeyLookup::Found(jwk) => jwk,
            KeyLookup::NoKeys => {
                let claims = self.claims_of_unverified(raw, now)?;
                self.source.check_with_server(token).await?;
                return Ok(Verified { claims, by: VerifiedBy::Server });
            }
            KeyLookup::Unknown => {
                return Err(invalid("the access token is signed by a key this project does not publish"));
            }
        };
        if let Some(alg) = jwk.common.key_algorithm {
            if key_algorithm(header.alg) != Some(alg) {
                return Err(invalid("the access token's algorithm does not match its signing key"));
            }
        }
        let key = DecodingKey::from_jwk(&jwk).map_err(|_| invalid("the project's signing key is unusable"))?;
        let mut validation = Validation::new(header.alg);
        validation.validate_exp = false; // checked below against the injected clock, with no leeway
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<serde_json::Value>(raw, &key, &validation).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => invalid("the access token's signature is not valid"),
            _ => invalid("the access token could not be verified"),
        })?;
        let claims = self.check_claims(data.claims, now)?;
        Ok(Verified { claims, by: VerifiedBy::Jwks { kid } })
    }

    /// How many times the JWKS has been fetched (for `doctor` and tests).
    pub async fn jwks_fetches(&self) -> u64 {
        self.cache.lock().await.fetches
    }

    fn claims_of_unverified(&self, raw: &str, now: i64) -> Result<Claims, AuthError> {
        let data = jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(raw)
            .map_err(|_| AuthError::MalformedResponse("access token is not a JWT".into()))?;
        self.check_claims(data.claims, now)
    }

    fn check_claims(&self, value: serde_json::Value, now: i64) -> Result<Claims, AuthError> {
        for claim in ["sub", "session_id", "exp"] {
            if value.get(claim).is_none_or(|v| v.is_null() || v.as_str() == Some("")) {
                return Err(invalid(format!("the access token has no `{claim}` claim")));
            }
        }
        let claims: Claims =
            serde_json::from_value(value).map_err(|_| invalid("the access token's claims have the wrong types"))?;
        if !claims.aud.contains(&self.options.audience) {
            return Err(invalid(format!("the access token is not for audience `{}`", self.options.audience)));
        }
        if let Some(issuer) = &self.options.issuer {
            if claims.iss.as_deref() != Some(issuer.as_str()) {
                return Err(invalid(format!("the access token was not issued by `{issuer}`")));
            }
        }
        // The server accepts a token only while now < exp, with no leeway.
        if now >= claims.exp {
            return Err(AuthError::InvalidToken { expired: true, message: "the access token has expired".into() });
        }
        Ok(claims)
    }

    /// Finds `kid` in the cached JWKS, fetching when stale, and re-fetching once (rate-limited) when unknown.
    async fn key(&self, kid: &str, now: i64) -> Result<KeyLookup, AuthError> {
        let mut cache = self.cache.lock().await;
        let age = cache.fetched_at.map(|t| now - t);
        let stale = !matches!(age, Some(a) if (0..JWKS_TTL_SECS).contains(&a));
        if stale {
            self.refill(&mut cache, now).await?;
        } else if find(&cache.keys, kid).is_none() && !matches!(age, Some(a) if a < REFETCH_MIN_INTERVAL_SECS) {
            // A key rotated in since the last fetch.
            self.refill(&mut cache, now).await?;
        }
        Ok(match find(&cache.keys, kid) {
            Some(jwk) => KeyLookup::Found(Box::new(jwk.clone())),
            None if cache.keys.is_empty() => KeyLookup::NoKeys,
            None => KeyLookup::Unknown,
        })
    }

    async fn refill(&self, cache: &mut Cache, now: i64) -> Result<(), AuthError> {
        cache.fetches += 1;
        let raw = self.source.fetch_jwks().await?;
        // A key Latchkey can't parse (a future alg) is skipped, not fatal for the others.
        cache.keys = raw.into_iter().filter_map(|k| serde_json::from_value::<Jwk>(k).ok()).collect();
        cache.fetched_at = Some(now);
        Ok(())
    }
}

enum KeyLookup {
    Found(Box<Jwk>),
    NoKeys,
    Unknown,
}

const ASYMMETRIC: [Algorithm; 6] =
    [Algorithm::ES256, Algorithm::ES384, Algorithm::RS256, Algorithm::RS384, Algorithm::RS512, Algorithm::EdDSA];

fn key_algorithm(alg: Algorithm) -> Option<KeyAlgorithm> {
    Some(match alg {
        Algorithm::ES256 => KeyAlgorithm::ES256,
        Algorithm::ES384 => KeyAlgorithm::ES384,
        Algorithm::RS256 => KeyAlgorithm::RS256,
        Algorithm::RS384 => KeyAlgorithm::RS384,
        Algorithm::RS512 => KeyAlgorithm::RS512,
        Algorithm::EdDSA => KeyAlgorithm::EdDSA,
        _ => return None,
    })
}

fn find<'a>(keys: &'a [Jwk], kid: &str) -> Option<&'a Jwk> {
    keys.iter().find(|k| k.common.key_id.as_deref() == Some(kid))
}

/// `invalid_jwt`: the token parsed but must not be trusted.
fn invalid(message: impl Into<String>) -> AuthError {
    AuthError::InvalidToken { expired: false, message: message.into() }
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        Some(OneOrMany::One(s)) => vec![s],
        Some(OneOrMany::Many(v)) => v,
        None => Vec::new(),
    })
}
