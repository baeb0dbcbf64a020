//! Declares the app's commands so that each needs an explicit grant in src-tauri/capabilities/.

const COMMANDS: &[&str] = &[
    "get_auth_state",
    "window_ready",
    "sign_in_with_password",
    "sign_out",
    "touch",
    "get_keychain_backend",
    "sign_up",
    "send_email_code",
    "verify_email_code",
    "start_oauth",
    "start_sso",
    "cancel_sign_in",
    "recover_password",
    "update_password",
    "send_phone_code",
    "verify_phone_code",
    "enrol_totp",
    "enrol_phone",
    "challenge_factor",
    "verify_factor",
    "unenrol_factor",
    "cancel_second_factor",
    "change_email",
    "get_sign_in_options",
    "get_activity",
    "get_clock_skew",
    "open_activity_window",
    "get_settings",
    "set_setting",
    "get_project",
    "set_project",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri build configuration");
}
