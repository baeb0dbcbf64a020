//! Each command is a one-line forward to the core; errors reach the UI as `{ code, message }`.

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

#[tauri::command]
pub async fn sign_out(core: State<'_, SessionHandle>) -> Result<(), AuthError> {
    core.sign_out().await
}

#[tauri::command]
pub async fn get_keychain_backend() -> Result<keychain::BackendReport, AuthError> {
    let store = KeyringStore::new(APP_ID);
    tauri::async_runtime::spawn_blocking(move || keychain::self_test(&store)).await.map_err(|_| AuthError::Stopped)
}
