//! Entry point: CLI subcommands run headless (never touching GTK); anything else opens the window.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match latchkey_app::cli::parse(&args) {
        Some(parsed) => std::process::exit(latchkey_app::cli::run(parsed)),
        None => latchkey_app::run(),
    }
}
