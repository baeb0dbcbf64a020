//! Each command is a one-line forward to the core; errors reach the UI as `{ code, message }`.

use latchkey_core::api::{LogoutScope, NewFactor};
use latchkey_core::browser_sign_in::OAuthOptions;
use latchkey_core::engine::{Account, Flow};
use latchkey_core::events::SignOutReport;
use latchkey_core::{keychain, AuthError, Config, GoTrue, SessionHandle, Snapshot};
use latchkey_host::enrolment::{self, totp_enrolment, TotpEnrolment};
use latchkey_host::keychain::KeychainCheck;
use latchkey_host::sign_in_options::{sign_in_options, sso_target, SignInOptions, SignUpResult};
use latchkey_host::Activity;
use std::collections::BTreeMap;
use std::sync::Arc;
use tauri::{Manager, State};

/// The current snapshot; the UI pulls it after subscribing to the events.
#[tauri::command]
pub fn get_auth_state(core: State<'_, SessionHandle>) -> Snapshot {
    core.snapshot()
}

/// The UI's listeners are in place: from the main window, sign-in links held since launch go to the core now
/// (their outcome, a refusal included, would otherwise be sent before anyone listens).
#[tauri::command]
pub fn window_ready(window: tauri::Window) {
    crate::links::window_ready(&window);
    if window.label() == crate::lifecycle::MAIN {
        crate::events::window_ready(window.app_handle());
    }
}

#[tauri::command]
pub async fn sign_in_with_password(core: State<'_, SessionHandle>, email: String, password: String) -> Result<(), AuthError> {
    core.sign_in_with_password(email, password).await
}

/// `scope`: `local` (this device, the default), `global` (everywhere) or `others` (other devices, this one stays
/// signed in). The report says what the server did (a `global` or `others` it did not confirm is retried).
#[tauri::command]
pub async fn sign_out(core: State<'_, SessionHandle>, scope: Option<String>) -> Result<SignOutReport, AuthError> {
    core.sign_out(LogoutScope::parse(scope.as_deref())?).await
}

/// Activity keep-alive for the idle timeout.
#[tauri::command]
pub async fn touch(core: State<'_, SessionHandle>) -> Result<(), AuthError> {
    core.touch().await;
    Ok(())
}

#[tauri::command]
pub async fn get_keychain_backend(check: State<'_, KeychainCheck>) -> Result<keychain::BackendReport, AuthError> {
    check.report().await
}

/// Answers whether a confirmation e-mail was sent (`false`: signed in now).
#[tauri::command]
pub async fn sign_up(core: State<'_, SessionHandle>, email: String, password: String) -> Result<SignUpResult, AuthError> {
    let confirmation_sent = core.flow(|reply| Flow::SignUp { email, password, reply }).await?;
    Ok(SignUpResult { confirmation_sent })
}


#[tauri::command]
pub async fn send_email_code(core: State<'_, SessionHandle>, email: String) -> Result<(), AuthError> {
    core.flow(|reply| Flow::SendEmailCode { email, reply }).await
}

#[tauri::command]
pub async fn verify_email_code(core: State<'_, SessionHandle>, email: String, code: String) -> Result<(), AuthError> {
    core.flow(|reply| Flow::VerifyEmailCode { email, code, reply }).await
}

/// Opens the provider's sign-in page in the system browser, with supabase-js's `scopes` and `queryParams`; the result
/// comes back as a `latchkey://` link (or to the loopback listener): SIGNED_IN, or `auth://flow-error`.
#[tauri::command]
pub async fn start_oauth(
    app: tauri::AppHandle,
    core: State<'_, SessionHandle>,
    provider: String,
    scopes: Option<String>,
    query_params: Option<BTreeMap<String, String>>,
) -> Result<(), AuthError> {
    let options = OAuthOptions::new(scopes.as_deref(), query_params.unwrap_or_default().into_iter().collect())?;
    let url = core.flow(|reply| Flow::StartOAuth { provider, options, reply }).await?;
    open_in_browser(&app, &core, url).await
}

/// SAML single sign-on for the policy's provider or domain, else the domain of `email`; like OAuth from then on.
#[tauri::command]
pub async fn start_sso(app: tauri::AppHandle, core: State<'_, SessionHandle>, config: State<'_, Config>, email: Option<String>) -> Result<(), AuthError> {
    let target = sso_target(&config, email.as_deref())?;
    let url = core.flow(|reply| Flow::StartSso { target, reply }).await?;
    open_in_browser(&app, &core, url).await
}

/// Stops waiting for a browser sign-in (OAuth, SSO); answers whether one was waiting.
#[tauri::command]
pub async fn cancel_sign_in(core: State<'_, SessionHandle>) -> Result<bool, AuthError> {
    core.flow(|reply| Flow::Cancel { reply }).await
}

/// The system browser, as a click on a link would open it; when it cannot be opened, nothing is left waiting.
async fn open_in_browser(app: &tauri::AppHandle, core: &SessionHandle, url: String) -> Result<(), AuthError> {
    let opened = tauri_plugin_opener::OpenerExt::opener(app).open_url(url, None::<&str>);
    if let Err(e) = opened {
        let _ = core.flow(|reply| Flow::Cancel { reply }).await;
        return Err(AuthError::BrowserUnavailable(e.to_string()));
    }
    Ok(())
}

#[tauri::command]
pub async fn recover_password(core: State<'_, SessionHandle>, email: String) -> Result<(), AuthError> {
    core.flow(|reply| Flow::RecoverPassword { email, reply }).await
}

/// `current_password`: required outside a recovery session (the core refuses without it).
#[tauri::command]
pub async fn update_password(core: State<'_, SessionHandle>, password: String, current_password: Option<String>) -> Result<(), AuthError> {
    core.account(|reply| Account::UpdatePassword { password, current: current_password, reply }).await
}

/// Under secure e-mail change both addresses confirm; the user's `newEmail` shows the pending one.
#[tauri::command]
pub async fn change_email(core: State<'_, SessionHandle>, email: String) -> Result<(), AuthError> {
    core.account(|reply| Account::ChangeEmail { email, reply }).await
}

/// Texts a sign-in code to `phone` (E.164).
#[tauri::command]
pub async fn send_phone_code(core: State<'_, SessionHandle>, phone: String) -> Result<(), AuthError> {
    core.flow(|reply| Flow::SendPhoneCode { phone, reply }).await
}

#[tauri::command]
pub async fn verify_phone_code(core: State<'_, SessionHandle>, phone: String, code: String) -> Result<(), AuthError> {
    core.flow(|reply| Flow::VerifyPhoneCode { phone, code, reply }).await
}

/// The QR code and the grouped secret of a new TOTP factor: the one reply that carries a TOTP secret (docs/ipc.md).
#[tauri::command]
pub async fn enrol_totp(core: State<'_, SessionHandle>, friendly_name: String) -> Result<TotpEnrolment, AuthError> {
    let factor = NewFactor::Totp { friendly_name, issuer: enrolment::ISSUER.into() };
    totp_enrolment(&core.account(|reply| Account::Enrol { factor, reply }).await?)
}

/// Answers the new factor's id; its code comes with `challenge_factor`.
#[tauri::command]
pub async fn enrol_phone(core: State<'_, SessionHandle>, friendly_name: String, phone: String) -> Result<String, AuthError> {
    let factor = NewFactor::Phone { friendly_name, phone };
    Ok(core.account(|reply| Account::Enrol { factor, reply }).await?.id)
}

/// Answers when the challenge expires (unix seconds); a phone factor's code is texted now.
#[tauri::command]
pub async fn challenge_factor(core: State<'_, SessionHandle>, factor_id: String) -> Result<i64, AuthError> {
    Ok(core.account(|reply| Account::Challenge { factor_id, reply }).await?.expires_at)
}

/// MFA_CHALLENGE_VERIFIED follows.
#[tauri::command]
pub async fn verify_factor(core: State<'_, SessionHandle>, factor_id: String, code: String) -> Result<(), AuthError> {
    core.account(|reply| Account::Verify { factor_id, code, reply }).await
}

#[tauri::command]
pub async fn unenrol_factor(core: State<'_, SessionHandle>, factor_id: String) -> Result<(), AuthError> {
    core.account(|reply| Account::Unenrol { factor_id, reply }).await
}

/// Leaves the enrolment or the code screen (see `Account::Cancel`).
#[tauri::command]
pub async fn cancel_second_factor(core: State<'_, SessionHandle>) -> Result<(), AuthError> {
    core.account(|reply| Account::Cancel { reply }).await
}

/// What the sign-in screen may offer: the server's `/settings` narrowed by admin policy.
#[tauri::command]
pub async fn get_sign_in_options(config: State<'_, Config>, api: State<'_, GoTrue>) -> Result<SignInOptions, AuthError> {
    sign_in_options(&config, &api).await
}

/// The recent auth events (never a token), newest first.
#[tauri::command]
pub fn get_activity(activity: State<'_, Arc<Activity>>) -> Vec<latchkey_host::activity::Entry> {
    activity.recent()
}

/// Server clock minus local clock in seconds, from the `Date` header of `/health` (None: unreachable).
#[tauri::command]
pub async fn get_clock_skew(api: State<'_, GoTrue>) -> Result<Option<i64>, AuthError> {
    let report = latchkey_core::api::probe(&api, latchkey_core::Clock::now_unix(&latchkey_core::SystemClock)).await;
    Ok(report.clock_skew_secs)
}

#[cfg(test)]
mod tests {
    //! Each window may call exactly the commands docs/ipc.md says it may: the capabilities, the commands the app
    //! declares (build.rs) and the documentation cannot drift apart.
    use serde_json::Value;
    use std::collections::BTreeSet;

    fn repo(rel: &str) -> String {
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
    }

    /// The app commands a capability grants (`allow-<command>`, dashes back to underscores).
    fn granted(capability: &str) -> BTreeSet<String> {
        let json: Value = serde_json::from_str(&repo(capability)).unwrap();
        let permissions = json["permissions"].as_array().unwrap().iter().map(|p| p.as_str().unwrap());
        permissions.filter_map(|p| p.strip_prefix("allow-")).map(|c| c.replace('-', "_")).collect()
    }

    /// The commands in the `| command | args | returns |` table of docs/ipc.md.
    fn documented() -> BTreeSet<String> {
        let doc = repo("docs/ipc.md");
        let table = &doc[doc.find("| command | args | returns |").unwrap()..];
        let rows = table.lines().skip(2).take_while(|l| l.starts_with('|'));
        rows.map(|l| l.split('`').nth(1).unwrap().to_string()).collect()
    }

    /// The commands docs/ipc.md's windows table grants `window` ("every command above" for main).
    fn documented_for(window: &str) -> BTreeSet<String> {
        let doc = repo("docs/ipc.md");
        let row = doc.lines().find(|l| l.starts_with(&format!("| `{window}` |"))).unwrap();
        let commands = row.split('|').nth(4).unwrap();
        if commands.trim().starts_with("every command above") {
            return documented();
        }
        let before_refusals = commands.split(". Nothing").next().unwrap();
        before_refusals.split('`').skip(1).step_by(2).map(String::from).collect()
    }

    #[test]
    fn the_capabilities_grant_exactly_what_docs_ipc_md_lists() {
        let build = repo("src-tauri/build.rs");
        let declared: BTreeSet<String> = build.lines().filter_map(|l| l.trim().strip_prefix('"')?.strip_suffix("\",").map(String::from)).collect();
        assert_eq!(declared, documented(), "build.rs declares other commands than docs/ipc.md documents");
        assert_eq!(granted("src-tauri/capabilities/main.json"), documented_for("main"), "main.json");
        assert_eq!(granted("src-tauri/capabilities/activity.json"), documented_for("activity"), "activity.json");
        assert!(!declared.contains("get_access_token"), "no command hands the access token to a webview");
    }
}
