//! A second factor from the command line: the first verified factor the policy allows is challenged (a phone one is
//! texted its code now) and the code the person types is verified. `latchkey sign-in` and `second-factor` run it on
//! their own core, or the running agent runs it for them.

use latchkey_core::assurance::FactorType;
use latchkey_core::engine::Account;
use latchkey_core::session::SecondStep;
use latchkey_core::{AuthError, SessionHandle, StateView};

/// A challenged factor, and where its code comes from, in words.
pub struct Challenge {
    pub factor_id: String,
    /// "the code from your authenticator (Phone app)", "the code texted to the phone ending 1234".
    pub from: String,
}

/// Challenges the factor when the session needs its second factor; `None` when it does not. Enrolment shows a QR
/// code, so it is the window's: `second_factor_required`.
pub async fn challenge(core: &SessionHandle) -> Result<Option<Challenge>, AuthError> {
    let StateView::NeedsSecondFactor { user, step, allowed_factors, .. } = core.snapshot().state else { return Ok(None) };
    if step == SecondStep::Enrol {
        return Err(AuthError::SecondFactorRequired);
    }
    let factor = user.factors.iter().find(|f| f.verified() && allowed_factors.contains(&f.factor_type)).ok_or(AuthError::SecondFactorRequired)?;
    let factor_id = factor.id.clone();
    core.account(|reply| Account::Challenge { factor_id: factor_id.clone(), reply }).await?;
    let from = match (&factor.factor_type, &factor.phone) {
        (FactorType::Phone, Some(phone)) => {
            let last: String = phone.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
            format!("the code texted to the phone ending {last}")
        }
        _ => format!("the code from your authenticator ({})", factor.friendly_name),
    };
    Ok(Some(Challenge { factor_id, from }))
}

/// Verifies `code` (spaces ignored) for the challenged factor.
pub async fn verify(core: &SessionHandle, challenge: Challenge, code: &str) -> Result<(), AuthError> {
    let code = code.split_whitespace().collect();
    core.account(|reply| Account::Verify { factor_id: challenge.factor_id, code, reply }).await
}
