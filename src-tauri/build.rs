//! Declares the app's commands so that each needs an explicit grant in src-tauri/capabilities/.

const COMMANDS: &[&str] = &["get_auth_state", "sign_in_with_password", "sign_out", "get_access_token", "touch", "get_keychain_backend"];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri build configuration");
}
