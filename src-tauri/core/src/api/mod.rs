//! GoTrue's HTTP protocol in one module: the calls the engine makes ([`AuthApi`]), their typed replies, and the client
//! ([`GoTrue`]) that speaks it. Every reply is either a typed value or a typed `AuthError`; no token is ever logged.

mod calls;
mod factors;
mod gotrue;
mod probe;
mod replies;
mod transport;

pub use calls::{end_session, sign_out_attempt, AuthApi, Challenge, Enrolment, Grant, LogoutScope, NewFactor, OtpKind, ServerSettings, SignUp, TotpKey, UserChange};
pub use crate::browser_sign_in::SsoTarget;
pub use gotrue::GoTrue;
pub use probe::{probe, ServerReport};
pub use replies::{parse_grant, server_error, server_time, MAX_EXPIRES_IN_SECS};
