//! The settings screen's commands: the report of every effective value, and saving one user setting (checked by
//! the host layer) in the user's settings file for the next launch.

use latchkey_core::config::SETTINGS_FILE;
use latchkey_core::error::Refusal;
use latchkey_core::{AuthError, Config};
use latchkey_host::project::{self, ProjectState};
use latchkey_host::settings;
use serde_json::{json, Value};
use tauri::{Manager, State};
use tauri_plugin_store::StoreExt;

/// What the next launch will use, which keys this user may change, and this app's version.
#[tauri::command]
pub fn get_settings(running: State<'_, Config>) -> Result<Value, AuthError> {
    let mut report = settings::report(&running)?;
    report["version"] = json!(env!("CARGO_PKG_VERSION"));
    Ok(report)
}

/// Whether a project is configured (else the window shows the first-run screen), and which.
#[tauri::command]
pub fn get_project(app: tauri::AppHandle, launched: State<'_, Config>) -> ProjectState {
    let started = app.try_state::<latchkey_core::SessionHandle>().is_some();
    ProjectState { configured: started, ..project::project_state(&launched) }
}

/// The first-run screen's project: checked against its `/auth/v1/settings`, saved in the user's settings file, and
/// the core started on it. Refused once a project is running, or when a managed policy sets the project.
#[tauri::command]
pub async fn set_project(app: tauri::AppHandle, launched: State<'_, Config>, url: String, anon_key: String) -> Result<ProjectState, AuthError> {
    if app.try_state::<latchkey_core::SessionHandle>().is_some() {
        return Err(AuthError::Policy(Refusal::NotEditable("supabase_url".into())));
    }
    let (url, anon_key) = project::check_project(&launched, &url, &anon_key).await?;
    let store = app.store(launched.data_dir.join(SETTINGS_FILE)).map_err(|e| AuthError::StorageIo(e.to_string()))?;
    store.set("supabase_url", url);
    store.set("anon_key", anon_key);
    store.delete("auth_url");
    store.save().map_err(|e| AuthError::StorageIo(e.to_string()))?;
    let config = Config::load().map_err(|e| AuthError::InvalidSetting(e.to_string()))?;
    let api = latchkey_host::gotrue(&config)?;
    crate::start_core(&app, &config, api);
    tracing::info!(url = %config.supabase_url, "project set on the first-run screen");
    Ok(ProjectState { configured: true, ..project::project_state(&config) })
}

/// Saves one user setting (`None` removes it, back to the default): a string, or a boolean for a switch. Refused
/// for locked or non-editable keys and for values the schema rejects; the settings file is not touched then.
#[tauri::command]
pub fn set_setting(app: tauri::AppHandle, running: State<'_, Config>, key: String, value: Option<Value>) -> Result<(), AuthError> {
    settings::check(&running, &key, value.as_ref())?;
    let store = app.store(running.data_dir.join(SETTINGS_FILE)).map_err(|e| AuthError::StorageIo(e.to_string()))?;
    match value {
        Some(v) => store.set(key.clone(), v),
        None => {
            store.delete(&key);
        }
    }
    store.save().map_err(|e| AuthError::StorageIo(e.to_string()))?;
    if settings::APPLIED_AT_ONCE.contains(&key.as_str()) {
        apply_switches(&app);
    }
    Ok(())
}

/// The desktop switches take effect at once: background mode and notifications, and the autostart entry.
fn apply_switches(app: &tauri::AppHandle) {
    match Config::load() {
        Ok(next) => {
            crate::lifecycle::of(app).apply(&next);
            crate::autostart::apply(app, next.launch_at_login);
        }
        Err(e) => tracing::warn!(error = %e, "the saved settings could not be read back"),
    }
}
