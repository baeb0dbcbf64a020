//! `latchkey://` sign-in links reach the core exactly once each (the launch URL, then every URL a second launch
//! forwards), and not before the main window says it is ready (listening for their outcome).

use latchkey_core::engine::{Flow, Redirect};
use latchkey_core::policy::SignInRedirect;
use latchkey_core::SessionHandle;
use std::sync::Mutex;
use tauri::Manager;
use tauri_plugin_deep_link::DeepLinkExt;

/// Wires links to the core: registers the scheme where needed, picks the redirect, and holds the URL this process
/// was launched with and every one forwarded later until the main window is ready.
/// Call in setup, after the core's handle is managed. `choice` is the `sign_in_redirect` setting (policy, or
/// `LATCHKEY_SIGN_IN_REDIRECT`).
pub fn init(app: &tauri::AppHandle, choice: SignInRedirect) {
    let core = app.state::<SessionHandle>().inner().clone();
    let handle = app.clone();
    // Registration runs xdg-mime (tens of ms): off the setup path.
    tauri::async_runtime::spawn(async move {
        let redirect = match tauri::async_runtime::spawn_blocking(move || pick_redirect(choice, || register_scheme(&handle))).await {
            Ok(redirect) => redirect,
            Err(_) => Redirect::Loopback,
        };
        let _ = core.flow(|reply| Flow::SetRedirect { redirect, reply }).await;
    });
    let deep_link = app.deep_link();
    let launched = deep_link.get_current().ok().flatten().unwrap_or_default();
    app.manage(HeldLinks(Mutex::new(Some(launched.into_iter().map(String::from).collect()))));
    let on_open = app.clone();
    deep_link.on_open_url(move |event| deliver(&on_open, event.urls().into_iter().map(String::from).collect()));
}

/// Links that arrived before the main window listened (`None` once it has): a refusal sent earlier would be lost.
struct HeldLinks(Mutex<Option<Vec<String>>>);

fn deliver(app: &tauri::AppHandle, urls: Vec<String>) {
    let held = app.state::<HeldLinks>();
    let mut held = held.0.lock().unwrap_or_else(|e| e.into_inner());
    match held.as_mut() {
        Some(queue) => queue.extend(urls),
        None => handle_links(app, urls.into_iter()),
    }
}

/// The main window listens for the outcome of sign-in links now: the links held since launch go to the core.
pub fn window_ready(window: &tauri::Window) {
    if window.label() != "main" {
        return;
    }
    let app = window.app_handle();
    let held = app.try_state::<HeldLinks>().and_then(|held| held.0.lock().unwrap_or_else(|e| e.into_inner()).take());
    if let Some(urls) = held {
        handle_links(app, urls.into_iter());
    }
}

/// The redirect for the `sign_in_redirect` setting; `auto` registers the scheme and falls back to loopback if that fails.
fn pick_redirect(choice: SignInRedirect, register: impl FnOnce() -> Result<(), String>) -> Redirect {
    match choice {
        SignInRedirect::Loopback => Redirect::Loopback,
        SignInRedirect::DeepLink => {
            if let Err(e) = register() {
                tracing::warn!(error = %e, "could not register latchkey://; sign_in_redirect deep-link keeps it anyway");
            }
            Redirect::DeepLink
        }
        SignInRedirect::Auto => match register() {
            Ok(()) => Redirect::DeepLink,
            Err(e) => {
                tracing::warn!(error = %e, "latchkey:// links cannot be registered here; sign-in links will return to a loopback listener");
                Redirect::Loopback
            }
        },
    }
}

/// Makes this binary the `latchkey://` handler where no installer did: a Linux run outside /usr (dev build,
/// tarball) writes a user desktop entry and sets it as the default (xdg-mime); a Windows debug build writes HKCU.
/// Installed packages declare the scheme themselves (the .deb/.rpm desktop entry, the MSI/NSIS registry keys).
fn register_scheme(app: &tauri::AppHandle) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let installed = if cfg!(target_os = "linux") { exe.starts_with("/usr/") } else { !cfg!(debug_assertions) };
    if installed || !cfg!(any(target_os = "linux", windows)) {
        return Ok(());
    }
    let started = std::time::Instant::now();
    app.deep_link().register_all().map_err(|e| e.to_string())?;
    tracing::info!(exe = %exe.display(), ms = started.elapsed().as_millis() as u64, "registered as the latchkey:// handler");
    Ok(())
}

/// Hands `latchkey://` URLs to the core; a refusal reaches the window through `flow_errors`.
fn handle_links(app: &tauri::AppHandle, urls: impl Iterator<Item = String>) {
    for url in urls.filter(|u| u.starts_with("latchkey://")) {
        let core = app.state::<SessionHandle>().inner().clone();
        tauri::async_runtime::spawn(async move {
            if core.flow(|reply| Flow::Callback { url, reply }).await.is_ok() {
                tracing::info!("signed in from a latchkey:// link");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_uses_the_scheme_when_it_registers_and_loopback_when_it_cannot() {
        assert_eq!(pick_redirect(SignInRedirect::Auto, || Ok(())), Redirect::DeepLink);
        assert_eq!(pick_redirect(SignInRedirect::Auto, || Err("no xdg-mime".into())), Redirect::Loopback);
    }

    #[test]
    fn an_explicit_choice_wins() {
        assert_eq!(pick_redirect(SignInRedirect::Loopback, || panic!("loopback needs no scheme")), Redirect::Loopback);
        assert_eq!(pick_redirect(SignInRedirect::DeepLink, || Err("no xdg-mime".into())), Redirect::DeepLink);
    }
}
