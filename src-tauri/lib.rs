//! Tauri glue only: builds the core, spawns its task, forwards commands to it and its events to the webview.

mod activity;
pub mod cli;
mod commands;
pub mod events;
mod links;
mod logging;
mod settings;
mod sleep;
mod windows;

pub use events::STATE_EVENT;
pub use links::FLOW_ERROR_EVENT;
pub use logging::init_logging;
use events::forward_events;

use latchkey_core::policy::SessionPersistence;
use latchkey_core::vault::MemoryStore;
use latchkey_core::{AuthError, Config, GoTrue, KeyringStore, SessionHandle, SessionStore, EngineRules, SystemClock, Vault, VaultLock, APP_ID};
use std::future::Future;
use std::time::Duration;
use tauri::{Manager, RunEvent};

/// How long a process waits for another Latchkey process to release the vault.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// The vault in the data directory, keyed from the OS keychain (or, only if policy allows it and the keychain is
/// unavailable, from a 0600 key file). Without `lock` it is read-only.
pub fn vault(config: &Config, lock: Option<VaultLock>) -> Vault<KeyringStore, SystemClock> {
    Vault::new(&config.data_dir, KeyringStore::new(APP_ID), SystemClock, lock).with_insecure_fallback(config.allow_insecure_storage_fallback)
}

/// The production core: GoTrue over HTTP(S) with every token verified, the vault (or memory, if policy says so), the
/// system clock. Fails (`network_setup`) only if the trust store, an extra CA or the proxy cannot be used.
pub fn build_core(config: &Config, lock: Option<VaultLock>) -> Result<(SessionHandle, impl Future<Output = ()> + Send + 'static), AuthError> {
    Ok(core_with(gotrue(config)?, config, lock))
}

/// GoTrue at the configured project, with the configured trust and proxy.
pub fn gotrue(config: &Config) -> Result<GoTrue, AuthError> {
    GoTrue::new(&config.auth_url, &config.anon_key, &config.network())
}

/// `build_core` with the HTTP API already built.
pub fn core_with(api: GoTrue, config: &Config, lock: Option<VaultLock>) -> (SessionHandle, impl Future<Output = ()> + Send + 'static) {
    let api = latchkey_core::verified::Verified::new(api);
    let store: Box<dyn SessionStore> = match config.session_persistence {
        SessionPersistence::Keychain => Box::new(vault(config, lock)),
        SessionPersistence::MemoryOnly => Box::new(MemoryStore::by_policy()),
    };
    latchkey_core::start(api, store, SystemClock, EngineRules::from_config(config))
}

struct CoreTask(tauri::async_runtime::JoinHandle<()>);

pub fn run() {
    let config = match Config::load() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("latchkey: {e}");
            std::process::exit(2);
        }
    };
    init_logging(&config, logging::Sink::StderrAndFile);
    tracing::info!(auth_url = %config.auth_url, source = ?config.project_source, "starting");
    // Like a bad configuration: a CA file or proxy that cannot be used stops the app with a message.
    let api = match gotrue(&config) {
        Ok(api) => api,
        Err(e) => {
            eprintln!("latchkey: {e}");
            std::process::exit(2);
        }
    };
    let app = match builder(config, api).build(tauri::generate_context!()) {
        Ok(app) => app,
        Err(e) => fail_to_start(&e),
    };
    app.run(|app, event| {
        if let RunEvent::Exit = event {
            app.state::<CoreTask>().0.abort();
        }
    });
}

/// How long a launch waits before starting again when the instance it handed over to has just quit.
const HANDOVER_RETRY_DELAY: Duration = Duration::from_millis(500);
/// Set on the one restart after a lost hand-over, so it is never repeated.
const HANDOVER_RETRY_ENV: &str = "LATCHKEY_HANDOVER_RETRY";

/// The window could not start. If the running instance we handed our arguments to quit before answering (a
/// relaunch while it closes), its single-instance name is free a moment later: start this launch again, once.
fn fail_to_start(e: &tauri::Error) -> ! {
    let lost_handover = e.to_string().contains("failed to forward arguments");
    if lost_handover && std::env::var_os(HANDOVER_RETRY_ENV).is_none() {
        tracing::warn!(error = %e, "the running Latchkey closed during the hand-over; starting this launch again");
        std::thread::sleep(HANDOVER_RETRY_DELAY);
        restart_self();
    }
    eprintln!("latchkey: the window could not start: {e}");
    std::process::exit(1);
}

#[cfg(unix)]
fn restart_self() {
    use std::os::unix::process::CommandExt;
    if let Ok(exe) = std::env::current_exe() {
        let err = std::process::Command::new(exe).args(std::env::args_os().skip(1)).env(HANDOVER_RETRY_ENV, "1").exec();
        tracing::warn!(error = %err, "could not start again");
    }
}

#[cfg(not(unix))]
fn restart_self() {}

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
            let lock = VaultLock::acquire(&config.data_dir, LOCK_WAIT)
                .inspect_err(|e| tracing::warn!(code = e.code(), "vault lock unavailable; the session will be kept in memory only"))
                .ok();
            app.manage(api.clone()); // one HTTP client (TLS trust, proxy) for the commands that ask the server
            let (handle, task) = core_with(api, &config, lock);
            app.manage(activity::Activity::new(&config));
            forward_events(app.handle().clone(), &handle);
            sleep::watch_resume(handle.clone());
            app.manage(CoreTask(tauri::async_runtime::spawn(task)));
            app.manage(handle);
            app.manage(config.clone());
            links::init(app.handle());
            app.manage(commands::KeychainReport::default());
            let app_handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                if let Ok(report) = app_handle.state::<commands::KeychainReport>().get().await {
                    tracing::info!(backend = report.backend, provider = ?report.provider, canary = %report.canary, "keychain self-test");
                }
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::get_auth_state,
            commands::sign_in_with_password,
            commands::sign_out,
            commands::get_access_token,
            commands::touch,
            commands::get_keychain_backend,
            commands::sign_up,
            commands::send_email_code,
            commands::verify_email_code,
            commands::start_oauth,
            commands::recover_password,
            commands::update_password,
            commands::get_sign_in_options,
            commands::get_activity,
            commands::get_clock_skew,
            windows::open_activity_window,
            settings::get_settings,
            settings::set_setting,
        ])
}
