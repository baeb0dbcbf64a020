//! Token replies and JWT claims never panic: a `/token` body is a grant or a named error, and an access token is
//! verified claims or a named refusal. No network: the JWKS is one fixed key and the "server" accepts every token.
//!
//! The first byte picks what the rest is: 0 a `/token` success body (`api::parse_grant`, then the grant becomes a
//! session and its token is verified), 1 `header\nclaims\nsignature` of a JWT (encoded here), 2 `header\nclaims`
//! signed here with the fixed key (so the signature checks pass and the claims checks are reached), 3 an error
//! reply body (`api::server_error`).
#![no_main]

use latchkey_core::api::{parse_grant, server_error};
use latchkey_core::jwt::{JwtVerifier, VerifyOptions};
use latchkey_core::secret::AccessToken;
use latchkey_core::AuthError;
use latchkey_fuzz::{block_on, sign_es256, unsigned_jwt, FixedKeys, NOW};
use libfuzzer_sys::fuzz_target;

const ISSUER: &str = "http://127.0.0.1:54321/auth/v1";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 4 {
        0 => grant(rest),
        1 => {
            let (header, rest) = split(rest);
            let (claims, signature) = split(rest);
            verify(unsigned_jwt(header, claims, signature));
        }
        2 => {
            let (header, claims) = split(rest);
            verify(sign_es256(header, claims));
        }
        _ => {
            let status = rest.first().map_or(400, |&b| 400 + u16::from(b));
            let e = server_error(status, None, rest);
            assert!(matches!(&e, AuthError::Server { status: s, .. } if *s == status), "{e:?}");
            let _ = (e.code(), e.to_string());
        }
    }
});

/// A grant the engine would accept becomes a session exactly as the engine makes one, then its token is verified.
fn grant(body: &[u8]) {
    match parse_grant(body) {
        Ok(grant) => {
            assert!(!grant.access_token.expose().is_empty() && !grant.refresh_token.expose().is_empty() && grant.expires_in > 0);
            let token = grant.access_token.expose().to_string();
            let session = grant.into_session(NOW, NOW);
            assert!(session.access_expires_at > NOW, "a positive expires_in ends after now");
            verify(token);
        }
        Err(e) => assert_eq!(e.code(), "malformed_response", "{e:?}"),
    }
}

fn verify(token: String) {
    let verifier = JwtVerifier::new(FixedKeys, VerifyOptions { issuer: Some(ISSUER.into()), ..VerifyOptions::default() });
    match block_on(verifier.verify(&AccessToken::new(token), NOW)) {
        Ok(claims) => {
            assert!(!claims.sub.is_empty() && !claims.session_id.is_empty() && claims.exp > NOW, "{claims:?}");
            assert!(claims.aud.iter().any(|a| a == "authenticated") && claims.iss.as_deref() == Some(ISSUER));
        }
        Err(AuthError::MalformedResponse(_)) => {}
        Err(AuthError::InvalidToken { .. }) => {}
        Err(e) => panic!("unexpected refusal: {e:?}"),
    }
}

fn split(bytes: &[u8]) -> (&[u8], &[u8]) {
    match bytes.iter().position(|&b| b == b'\n') {
        Some(i) => (&bytes[..i], &bytes[i + 1..]),
        None => (bytes, &[]),
    }
}
