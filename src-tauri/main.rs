//! Entry point: CLI subcommands run headless (never touching GTK); anything else opens the window.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match latchkey_app::cli::parse(&args) {
        Some(parsed) => {
            restore_default_sigpipe();
            std::process::exit(latchkey_app::cli::run(parsed))
        }
        None => latchkey_app::run(),
    }
}

/// `latchkey status | head` must end quietly when the reader goes away, as command-line tools do, instead of
/// panicking in `println!` (Rust ignores SIGPIPE by default).
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called once, before any other thread exists; SIG_DFL is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
