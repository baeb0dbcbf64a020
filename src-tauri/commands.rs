//! Each command is a one-line forward to the core; errors reach the UI as `{ code, message }`.

use latchkey_core::api::LogoutScope;
use latchkey_core::engine::Flow;
use latchkey_core::events::SignOutReport;
use latchkey_core::{keychain, AuthError, Config, GoTrue, SessionHandle, Snapshot};
use latchkey_host::keychain::KeychainCheck;
use latchkey_host::sign_in_options::{sign_in_options, SignInOptions, SignUpResult};
use latchkey_host::Activity;
use std::sync::Arc;
use tauri::{Manager, State};

/// The current snapshot; the UI pulls it after subscribing to the events.
#[tauri::command]
pub fn get_auth_state(core: State<'_, SessionHandle>) -> Snapshot {
    core.snapshot()
}

/// The UI's listeners are in place: from the main window, sign-in links held since launch go to the core now
/// (their outcome, a refusal included, would otherwise be sent before anyone listens).
#[tauri::command]
pub fn window_ready(window: tauri::Window) {
    crate::links::window_ready(&window);
    if window.label() == crate::windows::MAIN {
        crate::events::window_ready(window.app_handle());
    }
}

#[tauri::command]
pub async fn sign_in_with_password(core: State<'_, SessionHandle>, email: String, password: String) -> Result<(), AuthError> {
    core.sign_in_with_password(email, password).await
}

/// `scope`: `local` (this device, the default), `global` (everywhere) or `others` (other devices, this one stays
/// signed in). The report says what the server did (a `global` or `others` it did not confirm is retried).
#[tauri::command]
pub async fn sign_out(core: State<'_, SessionHandle>, scope: Option<String>) -> Result<SignOutReport, AuthError> {
    core.sign_out(LogoutScope::parse(scope.as_deref())?).await
}

/// The one way an access token leaves Rust, granted to the main window only (capabilities/main.json).
#[tauri::command]
pub async fn get_access_token(core: State<'_, SessionHandle>) -> Result<String, AuthError> {
    core.access_token().await.map(|t| t.expose().to_string())
}

/// Activity keep-alive for the idle timeout.
#[tauri::command]
pub async fn touch(core: State<'_, SessionHandle>) -> Result<(), AuthError> {
    core.touch().await;
    Ok(())
}

#[tauri::command]
pub async fn get_keychain_backend(check: State<'_, KeychainCheck>) -> Result<keychain::BackendReport, AuthError> {
    check.report().await
}

/// Answers whether a confirmation e-mail was sent (`false`: signed in now).
#[tauri::command]
pub async fn sign_up(core: State<'_, SessionHandle>, email: String, password: String) -> Result<SignUpResult, AuthError> {
    let confirmation_sent = core.flow(|reply| Flow::SignUp { email, password, reply }).await?;
    Ok(SignUpResult { confirmation_sent })
}


#[tauri::command]
pub async fn send_email_code(core: State<'_, SessionHandle>, email: String) -> Result<(), AuthError> {
    core.flow(|reply| Flow::SendEmailCode { email, reply }).await
}

#[tauri::command]
pub async fn verify_email_code(core: State<'_, SessionHandle>, email: String, code: String) -> Result<(), AuthError> {
    core.flow(|reply| Flow::VerifyEmailCode { email, code, reply }).await
}

/// Opens the provider's sign-in page in the system browser; the result comes back as a `latchkey://` link.
#[tauri::command]
pub async fn start_oauth(app: tauri::AppHandle, core: State<'_, SessionHandle>, provider: String) -> Result<(), AuthError> {
    let url = core.flow(|reply| Flow::StartOAuth { provider, reply }).await?;
    tauri_plugin_opener::OpenerExt::opener(&app).open_url(url, None::<&str>).map_err(|e| AuthError::BrowserUnavailable(e.to_string()))
}

#[tauri::command]
pub async fn recover_password(core: State<'_, SessionHandle>, email: String) -> Result<(), AuthError> {
    core.flow(|reply| Flow::RecoverPassword { email, reply }).await
}

#[tauri::command]
pub async fn update_password(core: State<'_, SessionHandle>, password: String) -> Result<(), AuthError> {
    core.flow(|reply| Flow::UpdatePassword { password, reply }).await
}

/// What the sign-in screen may offer: the server's `/settings` narrowed by admin policy.
#[tauri::command]
pub async fn get_sign_in_options(config: State<'_, Config>, api: State<'_, GoTrue>) -> Result<SignInOptions, AuthError> {
    sign_in_options(&config, &api).await
}

/// The recent auth events (never a token), newest first.
#[tauri::command]
pub fn get_activity(activity: State<'_, Arc<Activity>>) -> Vec<latchkey_host::activity::Entry> {
    activity.recent()
}

/// Server clock minus local clock in seconds, from the `Date` header of `/health` (None: unreachable).
#[tauri::command]
pub async fn get_clock_skew(api: State<'_, GoTrue>) -> Result<Option<i64>, AuthError> {
    let report = latchkey_core::api::probe(&api, latchkey_core::Clock::now_unix(&latchkey_core::SystemClock)).await;
    Ok(report.clock_skew_secs)
}
