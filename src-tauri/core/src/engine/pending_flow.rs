//! The sign-in flows besides password, each checked against the policy first: the one pending PKCE flow (an e-mailed
//! link, OAuth, SSO, recovery, a sign-up's confirmation) has its verifier and state held here only, its loopback
//! listener (if any) closes with it, and every callback it refuses is reported. A browser sign-in (OAuth, SSO) ends
//! when cancelled or at its timeout, which is reported too. A flow that signs in hands its grant back.

use super::requests::Redirect;
use super::rules::EngineRules;
use super::subtasks::Answer;
use crate::api::{AuthApi, Grant, SignUp};
use crate::browser_sign_in::{OAuthOptions, SsoTarget};
use crate::error::{AuthError, CallbackRefusal};
use crate::events::EventKind;
use crate::loopback::{Loopback, OnCallback};
use crate::pkce::{FlowKind, PkceFlow};
use crate::policy::{durations, SignInMethod};
use crate::session::IdentityProvider;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot};

/// How long an e-mailed link may take (a browser sign-in's time is `EngineRules::browser_sign_in_timeout`).
const LINK_TTL: Duration = Duration::from_secs(600);

/// The pending flow with its loopback listener, where new flows return, where a loopback listener hands its
/// callbacks (the session task, for the same validation as a `latchkey://` link), and where refusals are reported.
pub(super) struct PendingFlow {
    pending: Option<Pending>,
    redirect: Redirect,
    answers: mpsc::Sender<Answer>,
    refusals: broadcast::Sender<AuthError>,
}

/// One flow, the listener its callback returns to (if loopback), and the identity provider it goes through.
struct Pending {
    flow: PkceFlow,
    _listener: Option<Loopback>,
    identity: Option<IdentityProvider>,
    /// How long it was given: a browser sign-in that outlives it is ended and reported.
    ttl: Duration,
}

impl PendingFlow {
    pub fn new(redirect: Redirect, answers: mpsc::Sender<Answer>, refusals: broadcast::Sender<AuthError>) -> Self {
        PendingFlow { pending: None, redirect, answers, refusals }
    }

    /// Where flows started from now on return.
    pub fn set_redirect(&mut self, redirect: Redirect) {
        tracing::info!(?redirect, "sign-in redirect");
        self.redirect = redirect;
    }

    /// Signs up; a grant when the server signs in at once (autoconfirm), `None` when a confirmation e-mail is sent.
    pub async fn sign_up<A: AuthApi>(&mut self, api: &A, rules: &EngineRules, email: &str, password: &str, now: i64) -> Result<Option<Grant>, AuthError> {
        rules.permit_sign_up()?;
        let redirect = self.start(FlowKind::SignUp, now, LINK_TTL)?.redirect_to();
        match api.sign_up(email, password, &redirect).await? {
            SignUp::Session(grant) => {
                self.clear();
                Ok(Some(*grant))
            }
            SignUp::ConfirmationSent => Ok(None),
        }
    }

    /// One e-mail carries both a code and a link, so either method being allowed is enough to send it.
    pub async fn send_email_code<A: AuthApi>(&mut self, api: &A, rules: &EngineRules, email: &str, now: i64) -> Result<(), AuthError> {
        rules.permit(SignInMethod::EmailOtp).or_else(|_| rules.permit(SignInMethod::MagicLink))?;
        let flow = self.start(FlowKind::MagicLink, now, LINK_TTL)?;
        let (redirect, challenge) = (flow.redirect_to(), flow.challenge().to_string());
        api.send_email_code(email, rules.allow_sign_up, &redirect, &challenge).await
    }

    pub async fn verify_email_code<A: AuthApi>(&mut self, api: &A, rules: &EngineRules, email: &str, code: &str) -> Result<Grant, AuthError> {
        rules.permit(SignInMethod::EmailOtp)?;
        let grant = api.verify_email_code(email, code).await?;
        self.clear();
        Ok(grant)
    }

    /// The provider's sign-in page to open in the system browser (replacing any pending flow).
    pub fn start_oauth<A: AuthApi>(&mut self, api: &A, rules: &EngineRules, provider: &str, options: OAuthOptions, now: i64) -> Result<String, AuthError> {
        let provider = provider.to_ascii_lowercase(); // GoTrue's provider names are lowercase
        rules.permit(SignInMethod::OAuth(provider.clone()))?;
        let options = options.for_provider(&provider);
        let url = self.start(FlowKind::OAuth, now, rules.browser_sign_in_timeout)?.authorize_url(api.auth_url(), &provider, &options);
        self.identify(IdentityProvider::OAuth { provider });
        url
    }

    /// The identity provider's SAML sign-in page for `target` (`POST /sso`), to open in the system browser. When the
    /// server refuses (no provider for that domain), no flow is left waiting.
    pub async fn start_sso<A: AuthApi>(&mut self, api: &A, rules: &EngineRules, target: SsoTarget, now: i64) -> Result<String, AuthError> {
        rules.permit(SignInMethod::Sso)?;
        let flow = self.start(FlowKind::Sso, now, rules.browser_sign_in_timeout)?;
        let (redirect, challenge) = (flow.redirect_to(), flow.challenge().to_string());
        self.identify(target.identity());
        let url = api.start_sso(&target, &redirect, &challenge).await;
        if url.is_err() {
            self.clear();
        }
        url
    }

    /// Stops waiting for the browser: the pending flow ends and its listener closes. Whether one was pending.
    pub fn cancel(&mut self) -> bool {
        let pending = self.pending.is_some();
        if pending {
            tracing::info!("sign-in cancelled; the pending flow ended");
        }
        self.clear();
        pending
    }

    /// When [`expire`](Self::expire) has a browser sign-in to end (unix milliseconds): a deadline the task wakes for.
    pub fn expires_at_ms(&self) -> Option<i64> {
        let p = self.pending.as_ref().filter(|p| matches!(p.flow.kind(), FlowKind::OAuth | FlowKind::Sso))?;
        Some(p.flow.expires_at().saturating_mul(1000))
    }

    /// Ends a browser sign-in (OAuth, SSO) that outlived its time, and says so: GoTrue sends some outcomes (SAML errors,
    /// flows it forgot) to its site URL, never to Latchkey, so nothing else would end it. E-mailed links just expire.
    pub fn expire(&mut self, now: i64) {
        let Some(p) = &self.pending else { return };
        if !matches!(p.flow.kind(), FlowKind::OAuth | FlowKind::Sso) || now < p.flow.expires_at() {
            return;
        }
        let waited = durations::format(p.ttl);
        self.clear();
        tracing::warn!(%waited, "browser sign-in timed out; the pending flow ended");
        let _ = self.refusals.send(AuthError::SignInIncomplete(waited));
    }

    pub async fn recover<A: AuthApi>(&mut self, api: &A, rules: &EngineRules, email: &str, now: i64) -> Result<(), AuthError> {
        rules.permit_any()?;
        let flow = self.start(FlowKind::Recovery, now, LINK_TTL)?;
        let (redirect, challenge) = (flow.redirect_to(), flow.challenge().to_string());
        api.recover(email, &redirect, &challenge).await
    }

    /// Texts a sign-in code (a new number signs up, where sign-up is allowed).
    pub async fn send_phone_code<A: AuthApi>(&mut self, api: &A, rules: &EngineRules, phone: &str) -> Result<(), AuthError> {
        rules.permit(SignInMethod::Phone)?;
        api.send_phone_code(phone, rules.allow_sign_up).await
    }

    pub async fn verify_phone_code<A: AuthApi>(&mut self, api: &A, rules: &EngineRules, phone: &str, code: &str) -> Result<Grant, AuthError> {
        rules.permit(SignInMethod::Phone)?;
        api.verify_phone_code(phone, code).await
    }

    /// Exchanges a callback's code, checked against the pending flow first (login-CSRF defence); the grant comes with
    /// the event it signs in with. A refusal is also reported, so the window says why whichever way it came.
    pub async fn exchange<A: AuthApi>(&mut self, api: &A, rules: &EngineRules, url: &str, now: i64) -> Result<(Grant, EventKind), AuthError> {
        let result = self.take_code(api, rules, url, now).await;
        if let Err(e) = &result {
            tracing::warn!(code = e.code(), "sign-in callback refused");
            let _ = self.refusals.send(e.clone());
        }
        result
    }

    async fn take_code<A: AuthApi>(&mut self, api: &A, rules: &EngineRules, url: &str, now: i64) -> Result<(Grant, EventKind), AuthError> {
        let pending = self.pending.as_ref().ok_or(AuthError::Callback(CallbackRefusal::NoFlow))?;
        let (flow, identity) = (&pending.flow, pending.identity.clone());
        let kind = flow.kind();
        if kind == FlowKind::MagicLink {
            rules.permit(SignInMethod::MagicLink)?; // the e-mail also held a code; only the code may be allowed
        }
        let checked = flow.validate_callback(url, now);
        if flow.is_used() {
            self.clear(); // the code was taken, or the server ended the flow
        }
        let grant = Grant { identity, ..api.exchange_code(checked?).await? };
        Ok((grant, if kind == FlowKind::Recovery { EventKind::PasswordRecovery } else { EventKind::SignedIn }))
    }

    /// Ends the pending flow, if any; its listener stops accepting.
    pub fn clear(&mut self) {
        self.pending = None;
    }

    /// Replaces any pending flow (closing its listener first) with a new one returning to the redirect.
    fn start(&mut self, kind: FlowKind, now: i64, ttl: Duration) -> Result<&PkceFlow, AuthError> {
        self.clear();
        let secs = ttl.as_secs() as i64;
        let (flow, listener) = match self.redirect {
            Redirect::DeepLink => (PkceFlow::start(kind, now, secs), None),
            Redirect::Loopback => {
                let listener = Loopback::start(ttl, forward_to(self.answers.clone()))?;
                (PkceFlow::start_with_callback(kind, listener.callback_url(), now, secs)?, Some(listener))
            }
        };
        Ok(&self.pending.insert(Pending { flow, _listener: listener, identity: None, ttl }).flow)
    }

    /// Names the identity provider the pending flow goes through.
    fn identify(&mut self, identity: IdentityProvider) {
        if let Some(p) = self.pending.as_mut() {
            p.identity = Some(identity);
        }
    }
}

/// What the loopback listener does with a callback: hand it to the session task and answer the browser with its verdict.
fn forward_to(answers: mpsc::Sender<Answer>) -> OnCallback {
    Arc::new(move |url| {
        let answers = answers.clone();
        Box::pin(async move {
            let (reply, verdict) = oneshot::channel();
            answers.send(Answer::Callback { url, reply }).await.map_err(|_| AuthError::Stopped)?;
            verdict.await.map_err(|_| AuthError::Stopped)?
        })
    })
}
