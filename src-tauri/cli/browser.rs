//! `latchkey sign-in --provider` / `--sso`: the sign-in happens in the system browser and comes back to a loopback
//! listener of this process (a `latchkey://` link would go to the window, not here); the command waits for it, and
//! ends on a sign-in, on a refusal that ends the flow, at the flow's timeout, or on Ctrl-C (which cancels it).

use super::session::{locked_core, report};
use latchkey_core::browser_sign_in::OAuthOptions;
use latchkey_core::engine::{Flow, Redirect};
use latchkey_core::error::ErrorCode;
use latchkey_core::{AuthError, Config, EventKind, SessionHandle};
use latchkey_host::sign_in_options::{open_in_browser, sso_target};
use latchkey_host::Trail;

/// `--provider NAME [--scopes S] [--param NAME=VALUE]…`
pub async fn oauth(config: &Config, provider: String, scopes: Option<&str>, params: Vec<(String, String)>) -> i32 {
    let options = match OAuthOptions::new(scopes, params) {
        Ok(options) => options,
        Err(e) => return super::fail(&e),
    };
    in_browser(config, |reply| Flow::StartOAuth { provider, options, reply }).await
}

/// `--sso [EMAIL_OR_DOMAIN]`: the policy's provider or domain, else the one given.
pub async fn sso(config: &Config, typed: &str) -> i32 {
    match sso_target(config, Some(typed)) {
        Ok(target) => in_browser(config, |reply| Flow::StartSso { target, reply }).await,
        Err(e) => super::fail(&e),
    }
}

/// Exit code after Ctrl-C (128 + SIGINT, as shells report it).
const CANCELLED: i32 = 130;

async fn in_browser(config: &Config, start: impl FnOnce(latchkey_core::engine::Reply<String>) -> Flow) -> i32 {
    let result = async {
        let (core, mut trail) = locked_core(config).await?;
        core.initialized().await;
        core.flow(|reply| Flow::SetRedirect { redirect: Redirect::Loopback, reply }).await?;
        let refusals = core.flow_errors();
        let interrupted = interrupted();
        let url = core.flow(start).await?;
        if let Err(e) = open_in_browser(&url) {
            eprintln!("latchkey: {e}; open this address in a browser on this computer:\n{url}");
        }
        eprintln!("latchkey: continue in your browser; waiting for the sign-in (Ctrl-C cancels)");
        let ended = wait(&core, &mut trail, refusals, interrupted).await;
        trail.drain();
        ended.map(|ended| (core, ended))
    }
    .await;
    match result {
        Ok((_, Ended::Cancelled)) => {
            eprintln!("latchkey: sign-in cancelled");
            CANCELLED
        }
        Ok((core, Ended::SignedIn)) => {
            if matches!(core.snapshot().state, latchkey_core::StateView::NeedsSecondFactor { .. }) {
                eprintln!("latchkey: this account has a second factor: run `latchkey second-factor` to enter its code");
            }
            report(Ok(core))
        }
        Err(e) => report(Err(e)),
    }
}

enum Ended {
    SignedIn,
    Cancelled,
}

/// Until SIGNED_IN, a refusal that ends the flow, the flow's timeout, or Ctrl-C (which cancels the flow).
async fn wait(
    core: &SessionHandle,
    trail: &mut Trail,
    mut refusals: tokio::sync::broadcast::Receiver<AuthError>,
    interrupted: impl std::future::Future<Output = ()>,
) -> Result<Ended, AuthError> {
    tokio::pin!(interrupted);
    loop {
        tokio::select! {
            event = trail.next() => match event {
                Some(event) if event.event == EventKind::SignedIn => return Ok(Ended::SignedIn),
                Some(_) => {}
                None => return Err(AuthError::Stopped),
            },
            refused = refusals.recv() => match refused {
                // Someone else's callback (another state): refused, and the sign-in this command started goes on.
                Ok(e) if e.known_code() == Some(ErrorCode::InvalidState) => eprintln!("latchkey: {e}; still waiting"),
                Ok(e) => return Err(e),
                Err(_) => return Err(AuthError::Stopped),
            },
            () = &mut interrupted => {
                let _ = core.flow(|reply| Flow::Cancel { reply }).await;
                return Ok(Ended::Cancelled);
            }
        }
    }
}

/// Ctrl-C from the moment this is called (tokio's `ctrl_c()` listens only from its first poll, so a Ctrl-C right after
/// "waiting" was printed would kill the process instead of cancelling the flow).
fn interrupted() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let mut signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
    async move {
        #[cfg(unix)]
        match signal.as_mut() {
            Some(signal) => drop(signal.recv().await),
            None => std::future::pending().await,
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
