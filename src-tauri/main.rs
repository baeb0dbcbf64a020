//! The window's entry point (`latchkey-desktop`): opens the window, or hands its arguments (a `latchkey://` link) to
//! the running instance. The command line is the `latchkey` binary (`src-tauri/cli`), which never loads GTK.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    latchkey_app::run()
}
