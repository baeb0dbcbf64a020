//! GoTrue's HTTP protocol in one module: the calls the engine makes ([`AuthApi`]), their typed replies, and the client
//! ([`GoTrue`]) that speaks it. Every reply is either a typed value or a typed `AuthError`; no token is ever logged.

mod calls;
mod factors;
mod gotrue;
mod probe;
mod replies;

pub use calls::{end_session, AuthApi, Grant, LogoutScope, OtpKind, ServerSettings, SignUp};
pub use crate::browser_sign_in::SsoTarget;
pub use factors::{Challenge, Enrolment, NewFactor, TotpKey, UserChange};
pub use gotrue::GoTrue;
pub use probe::{probe, ServerReport};
pub use replies::{parse_grant, server_error, server_time, MAX_EXPIRES_IN_SECS};
