//! How sure the server is of who signed in: the assurance level and methods come only from a verified access
//! token's claims, and the level the user can reach only from their verified factors (`user.factors`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An authenticator assurance level. GoTrue issues `aal1` (one factor) and `aal2` (a second factor verified).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum Aal {
    #[default]
    Aal1,
    Aal2,
}

impl Aal {
    /// A claim's value; anything but `aal2` counts as one factor (never more assurance than the token states).
    pub fn from_claim(value: Option<&str>) -> Self {
        if value == Some("aal2") { Aal::Aal2 } else { Aal::Aal1 }
    }
}

/// A kind of second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum FactorType {
    /// A code from an authenticator app (RFC 6238).
    Totp,
    /// A code texted to a phone.
    Phone,
}

impl FactorType {
    pub fn as_str(self) -> &'static str {
        match self {
            FactorType::Totp => "totp",
            FactorType::Phone => "phone",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "totp" => Ok(FactorType::Totp),
            "phone" => Ok(FactorType::Phone),
            _ => Err(format!("{s:?} is not a second-factor type (use \"totp\" or \"phone\")")),
        }
    }
}

/// Whether a factor counts: only a challenge answered once makes it `verified`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FactorStatus {
    Verified,
    Unverified,
}

/// One of the user's second factors, as `user.factors` lists it. No secret: the TOTP secret is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Factor {
    pub id: String,
    pub friendly_name: String,
    pub factor_type: FactorType,
    pub status: FactorStatus,
    /// A phone factor's number, as GoTrue keeps it (E.164 digits without `+`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub phone: Option<String>,
}

impl Factor {
    pub fn verified(&self) -> bool {
        self.status == FactorStatus::Verified
    }
}

/// The level the user's factors allow: `aal2` once any factor is verified.
pub fn next_aal(factors: &[Factor]) -> Aal {
    if factors.iter().any(Factor::verified) { Aal::Aal2 } else { Aal::Aal1 }
}

/// One entry of `amr`: a method the session was authenticated with, and when (unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AuthMethod {
    /// `password`, `otp`, `totp`, `mfa/phone`, `oauth`, `sso/saml`, `recovery`, …
    pub method: String,
    #[serde(default)]
    pub timestamp: i64,
}

/// The claims of the session's verified access token that apps may read (never the token itself). Named as in the
/// token. Set only from a token that passed verification (`crate::verified`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Claims {
    pub role: String,
    pub aal: Aal,
    /// Methods are looked up by name: GoTrue's order within one second is not stable.
    pub amr: Vec<AuthMethod>,
    pub is_anonymous: bool,
    #[ts(type = "Record<string, unknown>")]
    pub app_metadata: serde_json::Value,
    #[ts(type = "Record<string, unknown>")]
    pub user_metadata: serde_json::Value,
    pub session_id: String,
    /// Unix seconds.
    pub exp: i64,
}

impl Claims {
    /// Whether the session was authenticated with `method` (e.g. `recovery`).
    pub fn used(&self, method: &str) -> bool {
        self.amr.iter().any(|m| m.method == method)
    }
}

/// The assurance of a session without verified claims (a record written before claims were kept).
pub fn aal_of(claims: Option<&Claims>) -> Aal {
    claims.map_or(Aal::Aal1, |c| c.aal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factor(status: FactorStatus) -> Factor {
        Factor { id: "f".into(), friendly_name: "n".into(), factor_type: FactorType::Totp, status, phone: None }
    }

    #[test]
    fn only_a_verified_factor_makes_aal2_reachable() {
        assert_eq!(next_aal(&[]), Aal::Aal1);
        assert_eq!(next_aal(&[factor(FactorStatus::Unverified)]), Aal::Aal1);
        assert_eq!(next_aal(&[factor(FactorStatus::Unverified), factor(FactorStatus::Verified)]), Aal::Aal2);
    }

    #[test]
    fn a_claim_never_gives_more_assurance_than_it_states() {
        assert_eq!(Aal::from_claim(Some("aal2")), Aal::Aal2);
        for other in [None, Some("aal1"), Some("aal3"), Some("")] {
            assert_eq!(Aal::from_claim(other), Aal::Aal1, "{other:?}");
        }
        assert_eq!((FactorType::parse("totp"), FactorType::parse("sms").is_err()), (Ok(FactorType::Totp), true));
    }
}
