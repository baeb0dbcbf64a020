//! The sign-in flows besides password: one PKCE flow pending at a time, its verifier and state held here only, and its loopback listener (if any) closed with it.

use super::owner::{Engine, Net};
use super::Reply;
use crate::api::{AuthApi, SignUp};
use crate::clock::Clock;
use crate::error::{AuthError, CallbackRefusal, Refusal};
use crate::events::EventKind;
use crate::loopback::{Loopback, OnCallback};
use crate::pkce::{FlowKind, PkceFlow};
use crate::policy::SignInMethod;
use crate::vault::SessionStore;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, oneshot};

/// How long an e-mailed link or a browser sign-in may take.
const FLOW_TTL_SECS: i64 = 600;

/// Where the server sends the browser back after an e-mailed link or an OAuth sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirect {
    /// `latchkey://auth/callback`, delivered by the OS to the app (deep link).
    DeepLink,
    /// `http://127.0.0.1:<random port>/auth/callback`, one listener per pending flow (RFC 8252 §7.3).
    Loopback,
}

/// A flow request and where its answer goes.
pub enum Flow {
    /// Answers whether a confirmation e-mail was sent (false: signed in now).
    SignUp { email: String, password: String, reply: Reply<bool> },
    /// E-mails a code and a magic link (PKCE).
    SendEmailCode { email: String, reply: Reply<()> },
    VerifyEmailCode { email: String, code: String, reply: Reply<()> },
    /// Answers the URL to open in the system browser.
    StartOAuth { provider: String, reply: Reply<String> },
    /// A `latchkey://auth/callback?...` URL handed over by the OS.
    Callback { url: String, reply: Reply<()> },
    RecoverPassword { email: String, reply: Reply<()> },
    UpdatePassword { password: String, reply: Reply<()> },
    /// Where flows started from now on return (the app falls back to loopback when the scheme cannot be registered).
    SetRedirect { redirect: Redirect, reply: Reply<()> },
}

/// The pending flow with its loopback listener, and where refused callbacks are reported.
pub(super) struct Flows {
    pending: Option<(PkceFlow, Option<Loopback>)>,
    errors: broadcast::Sender<AuthError>,
}

impl Flows {
    pub(super) fn new(errors: broadcast::Sender<AuthError>) -> Self {
        Flows { pending: None, errors }
    }

    /// Ends the pending flow, if any; its listener stops accepting.
    fn clear(&mut self) {
        self.pending = None;
    }
}

impl<A: AuthApi, S: SessionStore, C: Clock> Engine<A, S, C> {
    pub(super) async fn flow(&mut self, flow: Flow) {
        match flow {
            Flow::SignUp { email, password, reply } => {
                let _ = reply.send(self.sign_up(&email, &password).await);
            }
            Flow::SendEmailCode { email, reply } => {
                let _ = reply.send(self.send_email_code(&email).await);
            }
            Flow::VerifyEmailCode { email, code, reply } => {
                let _ = reply.send(self.verify_email_code(&email, &code).await);
            }
            Flow::StartOAuth { provider, reply } => {
                let _ = reply.send(self.start_oauth(&provider));
            }
            Flow::Callback { url, reply } => {
                let _ = reply.send(self.callback(&url).await);
            }
            Flow::RecoverPassword { email, reply } => {
                let _ = reply.send(self.recover_password(&email).await);
            }
            Flow::UpdatePassword { password, reply } => {
                let _ = reply.send(self.update_password(&password).await);
            }
            Flow::SetRedirect { redirect, reply } => {
                tracing::info!(?redirect, "sign-in redirect");
                self.settings.redirect = redirect;
                let _ = reply.send(Ok(()));
            }
        }
    }

    /// Replaces any pending flow (closing its listener first) with a new one returning to the configured redirect.
    fn new_flow(&mut self, kind: FlowKind) -> Result<&PkceFlow, AuthError> {
        self.flows.clear();
        let now = self.clock.now_unix();
        let (flow, listener) = match self.settings.redirect {
            Redirect::DeepLink => (PkceFlow::start(kind, now, FLOW_TTL_SECS), None),
            Redirect::Loopback => {
                let listener = Loopback::start(Duration::from_secs(FLOW_TTL_SECS as u64), self.loopback_callback())?;
                (PkceFlow::start_with_callback(kind, listener.callback_url(), now, FLOW_TTL_SECS)?, Some(listener))
            }
        };
        Ok(&self.flows.pending.insert((flow, listener)).0)
    }

    /// What the loopback listener does with a callback: the same validation as a `latchkey://` link, in this task.
    fn loopback_callback(&self) -> OnCallback {
        let net = self.net_tx.clone();
        Arc::new(move |url| {
            let net = net.clone();
            Box::pin(async move {
                let (reply, answer) = oneshot::channel();
                net.send(Net::Callback { url, reply }).await.map_err(|_| AuthError::Stopped)?;
                answer.await.map_err(|_| AuthError::Stopped)?
            })
        })
    }

    async fn sign_up(&mut self, email: &str, password: &str) -> Result<bool, AuthError> {
        self.allowed()?;
        if !self.settings.allow_sign_up {
            return Err(AuthError::Policy(Refusal::SignUp));
        }
        let redirect = self.new_flow(FlowKind::SignUp)?.redirect_to();
        match self.api.sign_up(email, password, &redirect).await? {
            SignUp::Session(grant) => {
                self.flows.clear();
                self.establish(grant, EventKind::SignedIn).await;
                Ok(false)
            }
            SignUp::ConfirmationSent => Ok(true),
        }
    }

    /// One e-mail carries both a code and a link, so either method being allowed is enough to send it.
    async fn send_email_code(&mut self, email: &str) -> Result<(), AuthError> {
        self.method_allowed(SignInMethod::EmailOtp).or_else(|_| self.method_allowed(SignInMethod::MagicLink))?;
        let create_user = self.settings.allow_sign_up;
        let flow = self.new_flow(FlowKind::MagicLink)?;
        let (redirect, challenge) = (flow.redirect_to(), flow.challenge().to_string());
        self.api.send_email_code(email, create_user, &redirect, &challenge).await
    }

    async fn verify_email_code(&mut self, email: &str, code: &str) -> Result<(), AuthError> {
        self.method_allowed(SignInMethod::EmailOtp)?;
        let grant = self.api.verify_email_code(email, code).await?;
        self.flows.clear();
        self.establish(grant, EventKind::SignedIn).await;
        Ok(())
    }

    fn start_oauth(&mut self, provider: &str) -> Result<String, AuthError> {
        let provider = provider.to_ascii_lowercase(); // GoTrue's provider names are lowercase
        self.method_allowed(SignInMethod::OAuth(provider.clone()))?;
        let auth_url = self.api.auth_url().to_string();
        self.new_flow(FlowKind::OAuth)?.authorize_url(&auth_url, &provider, None)
    }

    /// Validates the callback against the pending flow before any exchange (login-CSRF defence). A refusal is
    /// also reported on `flow_errors`, so the window says why whichever way the callback came.
    pub(super) async fn callback(&mut self, url: &str) -> Result<(), AuthError> {
        let result = self.exchange_callback(url).await;
        if let Err(e) = &result {
            tracing::warn!(code = e.code(), "sign-in callback refused");
            let _ = self.flows.errors.send(e.clone());
        }
        result
    }

    async fn exchange_callback(&mut self, url: &str) -> Result<(), AuthError> {
        let (flow, _) = self.flows.pending.as_ref().ok_or_else(|| {
            AuthError::callback(CallbackRefusal::Invalid, "no sign-in is waiting for this link; start again from Latchkey")
        })?;
        let kind = flow.kind();
        if kind == FlowKind::MagicLink {
            self.method_allowed(SignInMethod::MagicLink)?; // the e-mail also held a code; only the code may be allowed
        }
        let checked = flow.validate_callback(url, self.clock.now_unix());
        if flow.is_used() {
            self.flows.clear();
        }
        let grant = self.api.exchange_code(checked?).await?;
        let event = if kind == FlowKind::Recovery { EventKind::PasswordRecovery } else { EventKind::SignedIn };
        self.establish(grant, event).await;
        Ok(())
    }

    async fn recover_password(&mut self, email: &str) -> Result<(), AuthError> {
        self.allowed()?;
        let flow = self.new_flow(FlowKind::Recovery)?;
        let (redirect, challenge) = (flow.redirect_to(), flow.challenge().to_string());
        self.api.recover(email, &redirect, &challenge).await
    }

    /// GoTrue ends the user's other sessions on a password change; this one goes on.
    async fn update_password(&mut self, password: &str) -> Result<(), AuthError> {
        let token = self.usable_token()?;
        let user = self.api.update_password(&token, password).await?;
        self.user_changed(user).await;
        Ok(())
    }
}
