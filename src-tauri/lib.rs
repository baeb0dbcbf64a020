//! Tauri glue only: builds the core, spawns its task, forwards commands to it and its events to the webview.

pub mod cli;
mod commands;

use latchkey_core::{keychain, Config, GoTrue, KeyringStore, SessionHandle, SystemClock, APP_ID};
use std::future::Future;
use tauri::{Emitter, Manager, RunEvent};

/// The event every auth-state change is pushed on.
pub const STATE_EVENT: &str = "auth://state";

/// The production core: GoTrue over HTTP, the OS keychain, the system clock.
pub fn build_core(config: &Config) -> (SessionHandle, impl Future<Output = ()> + Send + 'static) {
    let api = GoTrue::new(&config.auth_url, &config.anon_key);
    latchkey_core::start(api, KeyringStore::new(APP_ID, keychain::SESSION_ACCOUNT), SystemClock)
}

/// Logs go to stderr; `RUST_LOG` tunes them. No secret is ever formatted into a log line.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

struct CoreTask(tauri::async_runtime::JoinHandle<()>);

pub fn run() {
    init_logging();
    let config = match Config::load() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("latchkey: {e}");
            std::process::exit(2);
        }
    };
    tracing::info!(auth_url = %config.auth_url, source = ?config.project_source, "starting");
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        .setup(move |app| {
            let (handle, task) = build_core(&config);
            forward_events(app.handle().clone(), &handle);
            app.manage(CoreTask(tauri::async_runtime::spawn(task)));
            app.manage(handle);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::get_auth_state,
            commands::sign_in_with_password,
            commands::sign_out,
            commands::get_keychain_backend,
        ])
        .build(tauri::generate_context!())
        .expect("Tauri application builds");
    app.run(|app, event| {
        if let RunEvent::Exit = event {
            app.state::<CoreTask>().0.abort();
        }
    });
}

/// Pushes every core event to the webview. A lagging forwarder skips ahead; the UI resyncs from the snapshot.
fn forward_events(app: tauri::AppHandle, core: &SessionHandle) {
    let mut events = core.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    let _ = app.emit_to("main", STATE_EVENT, &event);
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => tracing::warn!(skipped = n, "event forwarder lagged"),
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
