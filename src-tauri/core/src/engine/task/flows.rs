//! The sign-in flows as the session task runs them (password, sign-up, e-mail and phone codes, OAuth and SSO in the
//! browser, callbacks, recovery): the pending flow checks and exchanges; a grant goes back to the task with the reply
//! that waits for the sign-in, and the task establishes the session before that reply is sent.

use crate::api::{AuthApi, Grant};
use crate::engine::pending_flow::PendingFlow;
use crate::engine::requests::{Flow, Reply};
use crate::engine::rules::EngineRules;
use crate::error::AuthError;
use crate::events::EventKind;
use crate::policy::SignInMethod;
use secrecy::{ExposeSecret, SecretString};

/// Who waits for the sign-in a flow's grant brings.
pub(in crate::engine) enum SignInReply {
    Done(Reply<()>),
    /// A sign-up answers whether a confirmation e-mail was sent: false, since it signed in now.
    SignedUp(Reply<bool>),
}

impl SignInReply {
    pub fn send(self, result: Result<(), AuthError>) {
        match self {
            SignInReply::Done(reply) => drop(reply.send(result)),
            SignInReply::SignedUp(reply) => drop(reply.send(result.map(|()| false))),
        }
    }
}

/// A flow's grant (or why there is none) for the task to sign in with, and who waits for that.
pub(in crate::engine) type SignIn = (Result<(Grant, EventKind), AuthError>, SignInReply);

/// A password sign-in's grant, if the policy allows that method.
pub(in crate::engine) async fn password<A: AuthApi>(api: &A, rules: &EngineRules, email: &str, password: &SecretString) -> Result<(Grant, EventKind), AuthError> {
    rules.permit(SignInMethod::Password)?;
    Ok((api.password_grant(email, password.expose_secret()).await?, EventKind::SignedIn))
}

/// Runs a flow request at `now` (Unix seconds); one that yields a grant answers once the task has signed in with it.
pub(in crate::engine) async fn run<A: AuthApi>(flows: &mut PendingFlow, api: &A, rules: &EngineRules, now: i64, flow: Flow) -> Option<SignIn> {
    let signed_in = |grant: Result<Grant, AuthError>| grant.map(|g| (g, EventKind::SignedIn));
    match flow {
        Flow::SignUp { email, password, reply } => match flows.sign_up(api, rules, &email, &password, now).await {
            Ok(Some(grant)) => return Some((Ok((grant, EventKind::SignedIn)), SignInReply::SignedUp(reply))),
            other => drop(reply.send(other.map(|_| true))),
        },
        Flow::SendEmailCode { email, reply } => drop(reply.send(flows.send_email_code(api, rules, &email, now).await)),
        Flow::VerifyEmailCode { email, code, reply } => {
            return Some((signed_in(flows.verify_email_code(api, rules, &email, &code).await), SignInReply::Done(reply)));
        }
        Flow::StartOAuth { provider, options, reply } => drop(reply.send(flows.start_oauth(api, rules, &provider, options, now))),
        Flow::StartSso { target, reply } => drop(reply.send(flows.start_sso(api, rules, target, now).await)),
        Flow::Cancel { reply } => drop(reply.send(Ok(flows.cancel()))),
        Flow::Callback { url, reply } => return Some((flows.exchange(api, rules, &url, now).await, SignInReply::Done(reply))),
        Flow::RecoverPassword { email, reply } => drop(reply.send(flows.recover(api, rules, &email, now).await)),
        Flow::SendPhoneCode { phone, reply } => drop(reply.send(flows.send_phone_code(api, rules, &phone).await)),
        Flow::VerifyPhoneCode { phone, code, reply } => {
            return Some((signed_in(flows.verify_phone_code(api, rules, &phone, &code).await), SignInReply::Done(reply)));
        }
        Flow::SetRedirect { redirect, reply } => {
            flows.set_redirect(redirect);
            drop(reply.send(Ok(())));
        }
    }
    None
}
