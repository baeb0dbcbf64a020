// Thin wrappers over Tauri's `invoke` and `listen`. Nothing else in the UI talks IPC.
// Command names and argument shapes are the contract in docs/ipc.md.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import {
  AUTH_STATE_EVENT,
  FLOW_ERROR_EVENT,
  type AuthEventPayload,
  type AuthSnapshot,
  type SignOutScope,
} from "./types";
import { installIpcRecorder } from "./ipcRecorder";

// The e2e leak scan's recorder (ipcRecorder.ts): a build-time constant, so release builds drop it entirely.
if (import.meta.env.VITE_LATCHKEY_IPC_RECORDER === "1") installIpcRecorder(window);

export type { UnlistenFn };

/** Subscribes to `auth://state`. Resolves once the core has registered the listener. */
export function listenAuthState(handler: (payload: AuthEventPayload) => void): Promise<UnlistenFn> {
  return listen<AuthEventPayload>(AUTH_STATE_EVENT, (event) => handler(event.payload));
}

/** Subscribes to `auth://flow-error` (`{ code, message }`: an OAuth or link flow failed). */
export function listenFlowError(handler: (payload: unknown) => void): Promise<UnlistenFn> {
  return listen<unknown>(FLOW_ERROR_EVENT, (event) => handler(event.payload));
}

/** `get_auth_state`: the current snapshot `{ seq, state }`. */
export function getAuthState(): Promise<AuthSnapshot> {
  return invoke<AuthSnapshot>("get_auth_state");
}

/** `window_ready`: this window's listeners are in place; from the main window, held sign-in links go to the core. */
export function windowReady(): Promise<null> {
  return invoke<null>("window_ready");
}

export function signInWithPassword(email: string, password: string): Promise<null> {
  return invoke<null>("sign_in_with_password", { email, password });
}

/** Resolves to `{ confirmationSent }`. */
export function signUp(email: string, password: string): Promise<unknown> {
  return invoke<unknown>("sign_up", { email, password });
}

/** One email with both a 6-digit code and a magic link. */
export function sendEmailCode(email: string): Promise<null> {
  return invoke<null>("send_email_code", { email });
}

export function verifyEmailCode(email: string, code: string): Promise<null> {
  return invoke<null>("verify_email_code", { email, code });
}

/** supabase-js's `signInWithOAuth` options: scopes (space-separated) and extra query parameters for the provider. */
export interface OAuthOptions {
  scopes?: string;
  queryParams?: Record<string, string>;
}

/** Opens the system browser; the result arrives as SIGNED_IN or `auth://flow-error`. */
export function startOAuth(provider: string, options: OAuthOptions = {}): Promise<null> {
  return invoke<null>("start_oauth", { provider, scopes: options.scopes ?? null, queryParams: options.queryParams ?? null });
}

/** SAML single sign-on for the policy's domain or provider, else the domain of `email`; then as `startOAuth`. */
export function startSso(email: string | null): Promise<null> {
  return invoke<null>("start_sso", { email });
}

/** Stops waiting for a browser sign-in; resolves to whether one was waiting. */
export function cancelSignIn(): Promise<unknown> {
  return invoke<unknown>("cancel_sign_in");
}

export function recoverPassword(email: string): Promise<null> {
  return invoke<null>("recover_password", { email });
}

/** `currentPassword`: required outside a recovery session (the core refuses without it). */
export function updatePassword(password: string, currentPassword: string | null): Promise<null> {
  return invoke<null>("update_password", { password, currentPassword });
}

/** Under secure e-mail change both addresses confirm; the user's `newEmail` shows the pending one. */
export function changeEmail(email: string): Promise<null> {
  return invoke<null>("change_email", { email });
}

/** Texts a sign-in code to `phone` (E.164, `+15550100001`). */
export function sendPhoneCode(phone: string): Promise<null> {
  return invoke<null>("send_phone_code", { phone });
}

export function verifyPhoneCode(phone: string, code: string): Promise<null> {
  return invoke<null>("verify_phone_code", { phone, code });
}

/** The QR code and the grouped secret of a new TOTP factor: the one reply with a TOTP secret (enrolment screen only). */
export function enrolTotp(friendlyName: string): Promise<unknown> {
  return invoke<unknown>("enrol_totp", { friendlyName });
}

/** Resolves to the new factor's id. */
export function enrolPhone(friendlyName: string, phone: string): Promise<unknown> {
  return invoke<unknown>("enrol_phone", { friendlyName, phone });
}

/** Resolves to when the challenge expires (unix seconds); a phone factor's code is texted now. */
export function challengeFactor(factorId: string): Promise<unknown> {
  return invoke<unknown>("challenge_factor", { factorId });
}

/** MFA_CHALLENGE_VERIFIED follows. */
export function verifyFactor(factorId: string, code: string): Promise<null> {
  return invoke<null>("verify_factor", { factorId, code });
}

export function unenrolFactor(factorId: string): Promise<null> {
  return invoke<null>("unenrol_factor", { factorId });
}

/** Leaves the enrolment or the code screen; while a second factor is due, this signs out. */
export function cancelSecondFactor(): Promise<null> {
  return invoke<null>("cancel_second_factor");
}

/** Whether a Supabase project is configured (`ProjectState`). */
export function getProject(): Promise<unknown> {
  return invoke<unknown>("get_project");
}

/** Checks a project against its `/auth/v1/settings`, saves it and starts the session core on it (`ProjectState`). */
export function setProject(url: string, anonKey: string): Promise<unknown> {
  return invoke<unknown>("set_project", { url, anonKey });
}

/** Resolves to the sign-out's report (what the server part did). */
export function signOut(scope: SignOutScope): Promise<unknown> {
  return invoke<unknown>("sign_out", { scope });
}

export function getSignInOptions(): Promise<unknown> {
  return invoke<unknown>("get_sign_in_options");
}

export function getKeychainBackend(): Promise<unknown> {
  return invoke<unknown>("get_keychain_backend");
}

/** Server clock minus this computer's, in seconds (null when the server can't be reached). */
export function getClockSkew(): Promise<unknown> {
  return invoke<unknown>("get_clock_skew");
}

export function getActivity(): Promise<unknown> {
  return invoke<unknown>("get_activity");
}

/** Activity keep-alive for the idle timeout. */
export function touch(): Promise<null> {
  return invoke<null>("touch");
}

/** The effective settings with their sources, and which ones this user may change. */
export function getSettings(): Promise<unknown> {
  return invoke<unknown>("get_settings");
}

/** Saves one user setting for the next launch (`null` removes it). Refused for keys a policy locks. */
/** A string setting, a boolean switch, or null to remove the user's value. */
export function setSetting(key: string, value: string | boolean | null): Promise<null> {
  return invoke<null>("set_setting", { key, value });
}

/** Opens the Activity view in its own window (or focuses it). Main window only. */
export function openActivityWindow(): Promise<null> {
  return invoke<null>("open_activity_window");
}
