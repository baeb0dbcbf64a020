//! Every access token the server hands over is verified (signature against the JWKS, aud, iss, exp, sub, session_id) before the engine may store or use it.

use crate::api::{AuthApi, Challenge, Enrolment, GoTrue, Grant, LogoutScope, NewFactor, SignUp, SsoTarget, UserChange};
use crate::clock::Clock;
use crate::wake::SystemClock;
use crate::error::AuthError;
use crate::jwt::{JwtVerifier, VerifyOptions};
use crate::pkce::AuthCode;
use crate::secret::{AccessToken, RefreshToken};
use crate::session::User;

/// GoTrue, with each granted access token verified before it is returned.
pub struct Verified {
    api: GoTrue,
    verifier: JwtVerifier<GoTrue>,
}

impl Verified {
    /// `iss` is required to be the auth URL when it has the hosted shape (`…/auth/v1`), as on Supabase
    /// and the local stack; a self-hosted GoTrue at another path is checked on everything but `iss`.
    pub fn new(api: GoTrue) -> Self {
        let auth_url = api.auth_url();
        let issuer = auth_url.ends_with("/auth/v1").then(|| auth_url.to_string());
        let verifier = JwtVerifier::new(api.clone(), VerifyOptions { issuer, ..VerifyOptions::default() });
        Verified { api, verifier }
    }

    /// A grant whose token does not verify is refused: nothing is stored. `exp` is checked against the server's clock
    /// at the reply, so a local clock that is wrong (or a laptop that just woke) cannot refuse a fresh token.
    async fn checked(&self, grant: Grant) -> Result<Grant, AuthError> {
        let now = grant.server_time.unwrap_or_else(|| SystemClock.now_unix());
        match self.verifier.verify(&grant.access_token, now).await {
            Ok(claims) => Ok(Grant { claims: Some(Box::new(claims.shown())), ..grant }),
            Err(e) => Err(AuthError::MalformedResponse(format!("the server's access token did not verify: {e}"))),
        }
    }
}

impl AuthApi for Verified {
    async fn password_grant(&self, email: &str, password: &str) -> Result<Grant, AuthError> {
        self.checked(self.api.password_grant(email, password).await?).await
    }
    async fn refresh_grant(&self, token: &RefreshToken) -> Result<Grant, AuthError> {
        self.checked(self.api.refresh_grant(token).await?).await
    }
    async fn logout(&self, token: &AccessToken, scope: LogoutScope) -> Result<(), AuthError> {
        self.api.logout(token, scope).await
    }
    async fn fetch_user(&self, token: &AccessToken) -> Result<User, AuthError> {
        self.api.fetch_user(token).await
    }
    fn auth_url(&self) -> &str {
        AuthApi::auth_url(&self.api)
    }
    async fn sign_up(&self, email: &str, password: &str, redirect_to: &str) -> Result<SignUp, AuthError> {
        match AuthApi::sign_up(&self.api, email, password, redirect_to).await? {
            SignUp::Session(grant) => Ok(SignUp::Session(Box::new(self.checked(*grant).await?))),
            sent => Ok(sent),
        }
    }
    async fn send_email_code(&self, email: &str, create_user: bool, redirect_to: &str, challenge: &str) -> Result<(), AuthError> {
        self.api.send_email_code(email, create_user, redirect_to, challenge).await
    }
    async fn verify_email_code(&self, email: &str, code: &str) -> Result<Grant, AuthError> {
        self.checked(self.api.verify_email_code(email, code).await?).await
    }
    async fn exchange_code(&self, code: AuthCode) -> Result<Grant, AuthError> {
        self.checked(self.api.exchange_code(code).await?).await
    }
    async fn start_sso(&self, target: &SsoTarget, redirect_to: &str, challenge: &str) -> Result<String, AuthError> {
        self.api.start_sso(target, redirect_to, challenge).await
    }
    async fn recover(&self, email: &str, redirect_to: &str, challenge: &str) -> Result<(), AuthError> {
        AuthApi::recover(&self.api, email, redirect_to, challenge).await
    }
    async fn update_user(&self, token: &AccessToken, change: &UserChange) -> Result<User, AuthError> {
        AuthApi::update_user(&self.api, token, change).await
    }
    async fn enrol_factor(&self, token: &AccessToken, factor: &NewFactor) -> Result<Enrolment, AuthError> {
        self.api.enrol_factor(token, factor).await
    }
    async fn challenge_factor(&self, token: &AccessToken, factor_id: &str) -> Result<Challenge, AuthError> {
        self.api.challenge_factor(token, factor_id).await
    }
    async fn verify_factor(&self, token: &AccessToken, factor_id: &str, challenge_id: &str, code: &str) -> Result<Grant, AuthError> {
        self.checked(self.api.verify_factor(token, factor_id, challenge_id, code).await?).await
    }
    async fn unenrol_factor(&self, token: &AccessToken, factor_id: &str) -> Result<(), AuthError> {
        self.api.unenrol_factor(token, factor_id).await
    }
    async fn send_phone_code(&self, phone: &str, create_user: bool) -> Result<(), AuthError> {
        self.api.send_phone_code(phone, create_user).await
    }
    async fn verify_phone_code(&self, phone: &str, code: &str) -> Result<Grant, AuthError> {
        self.checked(self.api.verify_phone_code(phone, code).await?).await
    }
}
