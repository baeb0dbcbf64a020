//! The sign-in flows as the session task runs them (sign-up, e-mail and phone codes, OAuth and SSO in the browser,
//! callbacks, recovery): the pending flow checks and exchanges, the task establishes the session it yields.

use super::Engine;
use crate::api::{AuthApi, Grant};
use crate::clock::Clock;
use crate::engine::requests::Flow;
use crate::error::AuthError;
use crate::events::EventKind;
use crate::vault::SessionStore;

impl<A: AuthApi, S: SessionStore, C: Clock> Engine<A, S, C> {
    pub(super) async fn flow(&mut self, flow: Flow) {
        let (api, rules, now) = (&*self.api, &self.rules, self.clock.now_unix());
        match flow {
            Flow::SignUp { email, password, reply } => {
                let signed_in = match self.flow.sign_up(api, rules, &email, &password, now).await {
                    Ok(Some(grant)) => self.sign_in_with(Ok((grant, EventKind::SignedIn))).await.map(|()| false),
                    other => other.map(|_| true),
                };
                drop(reply.send(signed_in));
            }
            Flow::SendEmailCode { email, reply } => drop(reply.send(self.flow.send_email_code(api, rules, &email, now).await)),
            Flow::VerifyEmailCode { email, code, reply } => {
                let grant = self.flow.verify_email_code(api, rules, &email, &code).await;
                drop(reply.send(self.sign_in_with(grant.map(|g| (g, EventKind::SignedIn))).await));
            }
            Flow::StartOAuth { provider, options, reply } => drop(reply.send(self.flow.start_oauth(api, rules, &provider, options, now))),
            Flow::StartSso { target, reply } => drop(reply.send(self.flow.start_sso(api, rules, target, now).await)),
            Flow::Cancel { reply } => drop(reply.send(Ok(self.flow.cancel()))),
            Flow::Callback { url, reply } => drop(reply.send(self.callback(&url).await)),
            Flow::RecoverPassword { email, reply } => drop(reply.send(self.flow.recover(api, rules, &email, now).await)),
            Flow::SendPhoneCode { phone, reply } => drop(reply.send(self.flow.send_phone_code(api, rules, &phone).await)),
            Flow::VerifyPhoneCode { phone, code, reply } => {
                let grant = self.flow.verify_phone_code(api, rules, &phone, &code).await;
                drop(reply.send(self.sign_in_with(grant.map(|g| (g, EventKind::SignedIn))).await));
            }
            Flow::SetRedirect { redirect, reply } => {
                self.flow.set_redirect(redirect);
                drop(reply.send(Ok(())));
            }
        }
    }

    /// A `latchkey://` link, or a callback that reached the flow's loopback listener.
    pub(super) async fn callback(&mut self, url: &str) -> Result<(), AuthError> {
        let grant = self.flow.exchange(&*self.api, &self.rules, url, self.clock.now_unix()).await;
        self.sign_in_with(grant).await
    }

    /// Signs in with a flow's grant.
    async fn sign_in_with(&mut self, grant: Result<(Grant, EventKind), AuthError>) -> Result<(), AuthError> {
        let (grant, event) = grant?;
        self.establish(grant, event).await;
        Ok(())
    }
}
