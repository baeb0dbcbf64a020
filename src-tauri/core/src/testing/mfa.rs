//! The scripted GoTrue's second factors, as docs/mfa-stack.md says GoTrue keeps them: the code `123456` answers any
//! challenge, a verify raises the session to aal2, a verified factor needs aal2 to be removed, and the next verify
//! answers can be scripted errors.

use crate::api::{Challenge, Enrolment, NewFactor, TotpKey};
use crate::assurance::{Aal, AuthMethod, Claims, Factor, FactorStatus};
use crate::error::AuthError;
use crate::secret::TotpSecret;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The code every challenge accepts.
pub const GOOD_CODE: &str = "123456";
/// The secret of every TOTP enrolment.
pub const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// The user's factors and the session's level on the scripted server. Clones share them.
#[derive(Clone, Default)]
pub struct FakeFactors {
    pub factors: Arc<Mutex<Vec<Factor>>>,
    pub aal: Arc<Mutex<Aal>>,
    /// Errors the next verifies answer with, before the code is looked at.
    pub verify_script: Arc<Mutex<VecDeque<AuthError>>>,
    pub challenges: Arc<AtomicUsize>,
    pub enrolments: Arc<AtomicUsize>,
}

fn server(status: u16, code: &str) -> AuthError {
    AuthError::Server { status, code: code.into(), message: code.replace('_', " ") }
}

impl FakeFactors {
    /// A user who already has a verified TOTP factor `f-0`.
    pub fn with_verified_totp(&self) -> &Self {
        self.factors.lock().unwrap().push(Factor {
            id: "f-0".into(),
            friendly_name: "Phone app".into(),
            factor_type: crate::assurance::FactorType::Totp,
            status: FactorStatus::Verified,
            phone: None,
        });
        self
    }

    pub fn list(&self) -> Vec<Factor> {
        self.factors.lock().unwrap().clone()
    }

    /// The claims of a token issued now: the session's level, and `totp` in `amr` at aal2.
    pub fn claims(&self, session_id: &str) -> Claims {
        let aal = *self.aal.lock().unwrap();
        let mut amr = vec![AuthMethod { method: "password".into(), timestamp: 1 }];
        if aal == Aal::Aal2 {
            amr.push(AuthMethod { method: "totp".into(), timestamp: 2 });
        }
        let (app_metadata, user_metadata) = (serde_json::json!({ "provider": "email" }), serde_json::json!({}));
        Claims { role: "authenticated".into(), aal, amr, is_anonymous: false, app_metadata, user_metadata, session_id: session_id.into(), exp: 0 }
    }

    pub fn enrol(&self, factor: &NewFactor) -> Result<Enrolment, AuthError> {
        let id = format!("f-{}", self.enrolments.fetch_add(1, Ordering::SeqCst) + 1);
        let (friendly_name, phone) = match factor {
            NewFactor::Totp { friendly_name, .. } => (friendly_name.clone(), None),
            NewFactor::Phone { friendly_name, phone } => (friendly_name.clone(), Some(phone.trim_start_matches('+').to_string())),
        };
        let factor_type = factor.factor_type();
        let totp = phone.is_none().then(|| TotpKey {
            secret: TotpSecret::new(TOTP_SECRET.into()),
            uri: TotpSecret::new(format!("otpauth://totp/Latchkey:a@b.c?secret={TOTP_SECRET}&issuer=Latchkey")),
        });
        let new = Factor { id: id.clone(), friendly_name, factor_type, status: FactorStatus::Unverified, phone };
        self.factors.lock().unwrap().push(new);
        Ok(Enrolment { id, factor_type, totp })
    }

    pub fn challenge(&self, factor_id: &str) -> Result<Challenge, AuthError> {
        self.find(factor_id)?;
        let n = self.challenges.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(Challenge { id: format!("c-{n}"), expires_at: i64::MAX / 4 })
    }

    /// `Ok` when the session is now aal2 (the caller issues the grant).
    pub fn verify(&self, factor_id: &str, code: &str) -> Result<(), AuthError> {
        self.find(factor_id)?;
        if let Some(e) = self.verify_script.lock().unwrap().pop_front() {
            return Err(e);
        }
        if code != GOOD_CODE {
            return Err(server(422, "mfa_verification_failed"));
        }
        for f in self.factors.lock().unwrap().iter_mut().filter(|f| f.id == factor_id) {
            f.status = FactorStatus::Verified;
        }
        *self.aal.lock().unwrap() = Aal::Aal2;
        Ok(())
    }

    pub fn unenrol(&self, factor_id: &str) -> Result<(), AuthError> {
        let verified = self.find(factor_id)?.verified();
        if verified && *self.aal.lock().unwrap() != Aal::Aal2 {
            return Err(server(422, "insufficient_aal"));
        }
        self.factors.lock().unwrap().retain(|f| f.id != factor_id);
        if verified {
            *self.aal.lock().unwrap() = Aal::Aal1; // the session's next token no longer counts that factor
        }
        Ok(())
    }

    fn find(&self, factor_id: &str) -> Result<Factor, AuthError> {
        self.list().into_iter().find(|f| f.id == factor_id).ok_or_else(|| server(404, "mfa_factor_not_found"))
    }
}
