//! Tauri glue only: the builder wires the host layer's core to the webview (commands in, events out); everything
//! the window shares with the command line is in `latchkey_host`.

mod commands;
pub mod events;
mod handover;
mod links;
mod settings;
mod windows;

pub use events::STATE_EVENT;
pub use events::FLOW_ERROR_EVENT;

use latchkey_core::{Config, GoTrue};
use latchkey_host::{Activity, Sink};
use std::sync::Arc;
use tauri::{Manager, RunEvent};

struct CoreTask(tauri::async_runtime::JoinHandle<()>);

pub fn run() {
    let config = match Config::load() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("latchkey: {e}");
            std::process::exit(2);
        }
    };
    latchkey_host::init_logging(&config, Sink::StderrAndFile);
    tracing::info!(auth_url = %config.auth_url, source = ?config.project_source, "starting");
    // Like a bad configuration: a CA file or proxy that cannot be used stops the app with a message.
    let api = match latchkey_host::gotrue(&config) {
        Ok(api) => api,
        Err(e) => {
            eprintln!("latchkey: {e}");
            std::process::exit(2);
        }
    };
    let app = match builder(config, api).build(tauri::generate_context!()) {
        Ok(app) => app,
        Err(e) => handover::fail_to_start(&e),
    };
    app.run(|app, event| {
        if let RunEvent::Exit = event {
            app.state::<CoreTask>().0.abort();
            eprintln!("latchkey: exiting (the last window closed, or quit)"); // a crash never says this
        }
    });
}

/// The resident agent's channel: `latchkey sign-in|sign-out|reset|watch` reach this process's core through it while
/// it runs (a reset quits the app afterwards).
fn serve_commands(app: &tauri::AppHandle, core: &latchkey_core::SessionHandle, config: &Config, activity: &Arc<Activity>) {
    let quitting = app.clone();
    let agent = latchkey_host::agent::Agent { core: core.clone(), config: config.clone(), activity: activity.clone(), quit: Box::new(move || quitting.exit(0)) };
    tauri::async_runtime::spawn(async move {
        if let Err(e) = latchkey_host::agent::listen(Arc::new(agent)).await {
            tracing::warn!(error = %e, "the command line cannot reach this process; its commands use the vault directly");
        }
    });
}

/// The app: plugins, the core in setup, and the commands.
fn builder(config: Config, api: GoTrue) -> tauri::Builder<tauri::Wry> {
    tauri::Builder::default()
        // First, so a second launch hands its arguments to this one and exits before touching the vault.
        // With its deep-link feature, a latchkey:// URL given to the second launch reaches links.rs via on_open_url.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .on_window_event(windows::on_window_event)
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_opener::init())
        .setup(move |app| {
            let lock = latchkey_host::lock_vault(&config);
            let busy = matches!(lock, Err(latchkey_core::AuthError::StorageBusy));
            app.manage(api.clone()); // one HTTP client (TLS trust, proxy) for the commands that ask the server
            let (handle, task) = latchkey_host::build_with(api, &config, lock.inspect_err(|e| tracing::warn!(code = e.code(), "vault lock unavailable")).ok());
            if busy {
                app.manage(latchkey_host::follow(&config, &handle)); // another process holds the vault: follow it
            }
            let activity = Arc::new(Activity::new(&config));
            events::forward_events(app.handle().clone(), activity.follow(&handle));
            events::forward_flow_errors(app.handle().clone(), &handle);
            serve_commands(app.handle(), &handle, &config, &activity);
            app.manage(activity);
            app.manage(CoreTask(tauri::async_runtime::spawn(task)));
            app.manage(handle);
            app.manage(config.clone());
            links::init(app.handle());
            app.manage(latchkey_host::keychain::KeychainCheck::default());
            let app_handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                if let Ok(report) = app_handle.state::<latchkey_host::keychain::KeychainCheck>().report().await {
                    tracing::info!(backend = report.backend, provider = ?report.provider, canary = %report.canary, "keychain self-test");
                }
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::get_auth_state,
            commands::window_ready,
            commands::sign_in_with_password,
            commands::sign_out,
            commands::get_access_token,
            commands::touch,
            commands::get_keychain_backend,
            commands::sign_up,
            commands::send_email_code,
            commands::verify_email_code,
            commands::start_oauth,
            commands::start_sso,
            commands::cancel_sign_in,
            commands::recover_password,
            commands::update_password,
            commands::send_phone_code,
            commands::verify_phone_code,
            commands::enrol_totp,
            commands::enrol_phone,
            commands::challenge_factor,
            commands::verify_factor,
            commands::unenrol_factor,
            commands::cancel_second_factor,
            commands::change_email,
            commands::get_sign_in_options,
            commands::get_activity,
            commands::get_clock_skew,
            windows::open_activity_window,
            settings::get_settings,
            settings::set_setting,
        ])
}
