//! The tray icon: its picture and menu follow the auth events the window gets (and what waits for the person), and
//! are redrawn by the clock only when what they show changes; its menu opens the window, signs out or quits.

use latchkey_core::api::LogoutScope;
use latchkey_core::{SessionHandle, StateView};
use latchkey_host::tray::{tray_menu, Attention, TrayAction, TrayIcon};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tauri::image::Image;
use tauri::menu::{IsMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};
use tokio::sync::watch;

/// What the tray is asked to show; the clock does the rest.
#[derive(Clone)]
struct Shown {
    state: StateView,
    attention: Option<Attention>,
}

/// Managed once the tray exists: where its updates go.
struct TrayInput(watch::Sender<Shown>);

/// The parts of the tray that change.
struct Parts {
    icon: tauri::tray::TrayIcon,
    status: MenuItem<Wry>,
    sign_out: Option<MenuItem<Wry>>,
}

/// Puts the icon in the tray (shown only where a tray host runs: see [`crate::lifecycle::host_present`]) and starts its redraws.
pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let first = tray_menu(&StateView::Initializing, now_ms() / 1000, None);
    let status = MenuItem::with_id(app, "status", &first.status, false, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let actions = first.items.iter().map(|i| MenuItem::with_id(app, i.action.id(), i.label, i.enabled, None::<&str>)).collect::<tauri::Result<Vec<_>>>()?;
    let mut entries: Vec<&dyn IsMenuItem<Wry>> = vec![&status, &separator];
    entries.extend(actions.iter().map(|i| i as &dyn IsMenuItem<Wry>));
    let menu = Menu::with_items(app, &entries)?;
    let sign_out = actions.iter().find(|i| i.id() == TrayAction::SignOut.id()).cloned();
    let icon = TrayIconBuilder::with_id("main")
        .icon(picture(first.icon)?)
        .tooltip(&first.status)
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(on_click)
        .build(app)?;
    let (input, shown) = watch::channel(Shown { state: StateView::Initializing, attention: None });
    app.manage(TrayInput(input));
    tauri::async_runtime::spawn(redraw(Parts { icon, status, sign_out }, shown));
    Ok(())
}

/// The state of the latest auth event.
pub fn show_state(app: &AppHandle, state: &StateView) {
    if let Some(input) = app.try_state::<TrayInput>() {
        input.0.send_modify(|shown| shown.state = state.clone());
    }
}

/// Something waits for the person (or, with `None`, the window has shown it).
pub fn set_attention(app: &AppHandle, attention: Option<Attention>) {
    if let Some(input) = app.try_state::<TrayInput>() {
        input.0.send_if_modified(|shown| std::mem::replace(&mut shown.attention, attention) != attention);
    }
}

/// Applies each change, then sleeps until the next one or until the clock changes what is shown.
async fn redraw(parts: Parts, mut shown: watch::Receiver<Shown>) {
    let mut drawn: Option<(TrayIcon, String, bool)> = None;
    loop {
        let now = now_ms();
        let menu = {
            let shown = shown.borrow_and_update();
            tray_menu(&shown.state, now / 1000, shown.attention)
        };
        let sign_out = menu.items.iter().any(|i| i.action == TrayAction::SignOut && i.enabled);
        let want = (menu.icon, menu.status.clone(), sign_out);
        if drawn.as_ref() != Some(&want) {
            if let Err(e) = draw(&parts, drawn.as_ref(), &want) {
                tracing::warn!(error = %e, "the tray could not be updated");
            }
            drawn = Some(want);
        }
        let sleep = menu.redraw_at.map(|at| Duration::from_millis((at * 1000 - now).max(0) as u64));
        tokio::select! {
            changed = shown.changed() => if changed.is_err() { return },
            _ = tokio::time::sleep(sleep.unwrap_or_default()), if sleep.is_some() => {}
        }
    }
}

fn draw(parts: &Parts, before: Option<&(TrayIcon, String, bool)>, (icon, status, sign_out): &(TrayIcon, String, bool)) -> tauri::Result<()> {
    if before.map(|b| b.0) != Some(*icon) {
        parts.icon.set_icon(Some(picture(*icon)?))?;
    }
    parts.status.set_text(status)?;
    parts.icon.set_tooltip(Some(status))?; // Linux hosts show none; Windows and macOS do
    parts.sign_out.as_ref().map_or(Ok(()), |item| item.set_enabled(*sign_out))
}

fn on_click(app: &AppHandle, event: MenuEvent) {
    match TrayAction::from_id(event.id().as_ref()) {
        Some(TrayAction::Open) => crate::lifecycle::open_main(app),
        Some(TrayAction::SignOut) => {
            let Some(core) = app.try_state::<SessionHandle>().map(|c| c.inner().clone()) else {
                return; // no project yet (the first-run screen): nothing to sign out of
            };
            tauri::async_runtime::spawn(async move {
                if let Err(e) = core.sign_out(LogoutScope::Local).await {
                    tracing::warn!(code = e.code(), "sign-out from the tray failed");
                }
            });
        }
        Some(TrayAction::Quit) => crate::lifecycle::of(app).quit(app),
        None => {}
    }
}

fn picture(icon: TrayIcon) -> tauri::Result<Image<'static>> {
    Image::from_bytes(match icon {
        TrayIcon::SignedIn => include_bytes!("../icons/tray/signed-in.png"),
        TrayIcon::Busy => include_bytes!("../icons/tray/busy.png"),
        TrayIcon::ExpiringSoon => include_bytes!("../icons/tray/expiring-soon.png"),
        TrayIcon::NeedsYou => include_bytes!("../icons/tray/needs-you.png"),
        TrayIcon::SignedOut => include_bytes!("../icons/tray/signed-out.png"),
    })
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}
