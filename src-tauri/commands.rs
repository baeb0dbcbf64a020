//! Each command is a one-line forward to the core; errors reach the UI as `{ code, message }`.

use latchkey_core::api::LogoutScope;
use latchkey_core::{keychain, AuthError, KeyringStore, SessionHandle, Snapshot, APP_ID};
use tauri::State;

#[tauri::command]
pub fn get_auth_state(core: State<'_, SessionHandle>) -> Snapshot {
    core.snapshot()
}

#[tauri::command]
pub async fn sign_in_with_password(core: State<'_, SessionHandle>, email: String, password: String) -> Result<(), AuthError> {
    core.sign_in_with_password(email, password).await
}

/// `scope`: `local` (this device, the default), `global` (everywhere) or `others` (other devices).
#[tauri::command]
pub async fn sign_out(core: State<'_, SessionHandle>, scope: Option<String>) -> Result<(), AuthError> {
    core.sign_out(parse_scope(scope.as_deref())?).await
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

pub fn parse_scope(scope: Option<&str>) -> Result<LogoutScope, AuthError> {
    match scope.unwrap_or("local") {
        "local" => Ok(LogoutScope::Local),
        "global" => Ok(LogoutScope::Global),
        "others" => Ok(LogoutScope::Others),
        other => Err(AuthError::Server { status: 0, code: "invalid_scope".into(), message: format!("unknown sign-out scope {other:?}: use local, global or others") }),
    }
}

#[tauri::command]
pub async fn get_keychain_backend() -> Result<keychain::BackendReport, AuthError> {
    let store = KeyringStore::new(APP_ID);
    tauri::async_runtime::spawn_blocking(move || keychain::self_test(&store)).await.map_err(|_| AuthError::Stopped)
}
