//! The two binaries cargo builds: `latchkey`, the command line, links neither GTK nor WebKit (ldd says so, and says
//! that the window's `latchkey-desktop` does, so the check can see them); without a subcommand, with `open` or with a
//! `latchkey://` link, `latchkey` starts the window binary beside it with those arguments.

use std::path::Path;
use std::process::Command;

const CLI: &str = env!("CARGO_BIN_EXE_latchkey");
const WINDOW: &str = env!("CARGO_BIN_EXE_latchkey-desktop");
const GUI_LIBRARIES: [&str; 4] = ["libgtk", "libwebkit2gtk", "libgdk", "libjavascriptcoregtk"];

/// The shared libraries `ldd` lists for `binary`; the test fails if ldd cannot list them.
fn libraries(binary: &str) -> String {
    let out = Command::new("ldd").arg(binary).output().expect("ldd (Debian's libc-bin) runs");
    let list = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success() && list.contains("libc.so"), "ldd could not list {binary}: {list}");
    list
}

#[test]
fn the_command_line_links_neither_gtk_nor_webkit_and_the_window_does() {
    let cli = libraries(CLI);
    for gui in GUI_LIBRARIES {
        assert!(!cli.contains(gui), "{CLI} links {gui}:\n{cli}");
    }
    let window = libraries(WINDOW);
    assert!(window.contains("libwebkit2gtk") && window.contains("libgtk-3"), "the window links WebKitGTK:\n{window}");
}

#[test]
fn without_a_subcommand_it_starts_the_window_binary_beside_it() {
    let dir = std::env::temp_dir().join(format!("latchkey-cli-binaries-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let cli = dir.join("latchkey");
    std::fs::hard_link(CLI, &cli).or_else(|_| std::fs::copy(CLI, &cli).map(drop)).unwrap();
    stand_in_window(&dir.join("latchkey-desktop"));
    let link = "latchkey://auth/callback?code=abc";
    for (args, started_with) in [(vec![], ""), (vec!["open", "--background"], "--background"), (vec![link], link)] {
        let out = Command::new(&cli).args(&args).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), format!("window started with: {started_with}\n"), "latchkey {args:?}");
        assert!(out.status.success());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A `latchkey-desktop` that says how it was started.
fn stand_in_window(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, "#!/bin/sh\necho \"window started with: $*\"\n").unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}
