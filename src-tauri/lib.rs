//! Tauri glue only: the builder wires the host layer's core to the webview (commands in, events out); everything
//! the window shares with the command line is in `latchkey_host`.

mod autostart;
mod commands;
pub mod events;
mod handover;
pub mod lifecycle;
mod links;
mod notify;
mod settings;
mod tray;
mod windows;

pub use events::STATE_EVENT;
pub use events::FLOW_ERROR_EVENT;

use latchkey_core::{AuthError, Config, GoTrue};
use latchkey_host::{Activity, Sink};
use lifecycle::{Lifecycle, Start};
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
    let start = Start::from_args(&std::env::args().skip(1).collect::<Vec<_>>());
    if start == Start::Login && !config.launch_at_login {
        return; // an autostart entry (the packages' system-wide one) while launch at login is off: nothing to do
    }
    latchkey_host::init_logging(&config, Sink::StderrAndFile);
    latchkey_core::config::apply_environment_locks(&config); // before any other thread (no TLS client exists yet)
    tracing::info!(auth_url = %config.auth_url, source = ?config.project_source, ?start, "starting");
    // Like a bad configuration: a CA file or proxy that cannot be used stops the app with a message. No project at
    // all (a release build before anyone named one) opens the first-run screen instead.
    let api = match latchkey_host::gotrue(&config) {
        Ok(api) => Some(api),
        Err(AuthError::NoProject) => None,
        Err(e) => {
            eprintln!("latchkey: {e}");
            std::process::exit(2);
        }
    };
    let app = match builder(config, api, start).build(tauri::generate_context!()) {
        Ok(app) => app,
        Err(e) => handover::fail_to_start(&e),
    };
    app.run(|app, event| match event {
        // The last window closed into the tray: the process, the core and the tray stay.
        RunEvent::ExitRequested { code: None, api, .. } if lifecycle::of(app).stays() => api.prevent_exit(),
        RunEvent::Exit => {
            if let Some(task) = app.try_state::<CoreTask>() {
                task.0.abort();
            }
            lifecycle::of(app).say_exiting(); // a crash never says this
        }
        _ => {}
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

/// Starts the core over `config`'s project and wires it to the webview: at launch, or once the first-run screen set
/// a project (`settings::set_project`).
pub(crate) fn start_core(app: &tauri::AppHandle, config: &Config, api: GoTrue) {
    let lock = latchkey_host::lock_vault(config);
    let busy = matches!(lock, Err(latchkey_core::AuthError::StorageBusy));
    app.manage(api.clone()); // one HTTP client (TLS trust, proxy) for the commands that ask the server
    let (handle, task) = latchkey_host::build_with(api, config, lock.inspect_err(|e| tracing::warn!(code = e.code(), "vault lock unavailable")).ok());
    if busy {
        app.manage(latchkey_host::follow(config, &handle)); // another process holds the vault: follow it
    }
    let activity = Arc::new(Activity::new(config));
    events::forward_events(app.clone(), activity.follow(&handle));
    events::forward_flow_errors(app.clone(), &handle);
    serve_commands(app, &handle, config, &activity);
    app.manage(activity);
    app.manage(CoreTask(tauri::async_runtime::spawn(task)));
    app.manage(handle);
    links::init(app, config.sign_in_redirect);
}

/// The app: plugins, the core (once there is a project), the tray and (unless started hidden) the window in setup,
/// and the commands.
fn builder(config: Config, api: Option<GoTrue>, start: Start) -> tauri::Builder<tauri::Wry> {
    tauri::Builder::default()
        // First, so a second launch hands its arguments to this one and exits before touching the vault; it opens
        // the window unless it was itself a hidden start. With its deep-link feature, a latchkey:// URL given to the
        // second launch reaches links.rs via on_open_url.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            if Start::from_args(argv.get(1..).unwrap_or_default()) == Start::Window {
                lifecycle::open_main(app);
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(autostart::plugin())
        .on_window_event(windows::on_window_event)
        .plugin(tauri_plugin_store::Builder::new().build())
        .plugin(tauri_plugin_opener::init())
        .setup(move |app| {
            app.manage(Lifecycle::new(&config, start));
            app.manage(notify::Sent::default());
            if let Err(e) = tray::install(app.handle()) {
                tracing::error!(error = %e, "the tray icon could not be made");
            }
            match api.clone() {
                Some(api) => start_core(app.handle(), &config, api),
                None => tracing::warn!("no Supabase project is configured: showing the first-run screen"),
            }
            app.manage(config.clone());
            autostart::apply(app.handle(), config.launch_at_login);
            if start == Start::Window {
                lifecycle::open_main(app.handle());
            }
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
            settings::get_project,
            settings::set_project,
        ])
}
