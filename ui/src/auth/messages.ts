// Plain-language text for error codes, sign-out reasons, events and names.
import type { AuthError, FactorType, IdentityProvider, KeychainBackend, SignedOutReason } from "./types";

const KEYCHAIN_MESSAGE =
  "Your system keychain is not available or is locked, so Latchkey can't keep you signed in safely. Unlock it (or start a keyring) and try again.";
const LINK_INVALID = "That sign-in link isn't valid. Start again from Latchkey.";
const LINK_EXPIRED = "That sign-in link has expired or was already used. Start again from Latchkey.";

const ERROR_MESSAGES: Readonly<Record<string, string>> = {
  invalid_credentials: "The email or password is not correct.",
  server_unreachable: "Can't reach the sign-in server. Check your connection and try again.",
  tls_untrusted:
    "Latchkey can't verify the sign-in server's security certificate, so it did not send anything. If your network inspects secure connections (a company proxy or firewall), ask your administrator to add its certificate to Latchkey's policy. Also check that this computer's date and time are right.",
  proxy_unreachable:
    "Can't reach the network proxy Latchkey is set to use. Check your connection, or ask your administrator about the proxy setting.",
  network_setup: "Latchkey's network settings (a proxy or extra certificates) can't be used. Contact your administrator.",
  keychain_unavailable: KEYCHAIN_MESSAGE,
  keychain_locked: KEYCHAIN_MESSAGE,
  malformed_response:
    "The sign-in server sent a reply Latchkey couldn't understand. Try again later or contact your administrator.",
  email_not_confirmed: "Confirm your email address first, then sign in.",
  server_error: "The sign-in server had a problem. Try again in a moment.",
  storage_corrupt: "Your saved session was damaged and has been set aside. Please sign in again.",
  storage_io: "Latchkey couldn't read or write its saved session on this computer.",
  storage_busy: "Another Latchkey window or command is using your saved session.",
  over_request_rate_limit: "Too many attempts. Wait a minute, then try again.",
  refresh_pending: "Latchkey is renewing your session right now. Try again in a moment.",
  user_already_exists: "An account with this email already exists. Sign in instead.",
  otp_expired: "That code has expired or was already used. Request a new one.",
  invalid_state: LINK_INVALID,
  invalid_callback: LINK_INVALID,
  flow_expired: LINK_EXPIRED,
  flow_already_used: LINK_EXPIRED,
  signup_disabled: "New accounts can't be created here. Contact your administrator.",
  not_signed_in: "You're not signed in. Sign in and try again.",
  access_denied: "The sign-in was cancelled at your identity provider, or it declined the sign-in.",
  sso_provider_not_found:
    "Single sign-on isn't set up for that email domain. Check the address, or ask your administrator.",
  saml_provider_disabled: "Single sign-on isn't turned on for this project. Ask your administrator.",
  sign_in_incomplete:
    "The sign-in didn't finish in your browser, so Latchkey stopped waiting. If you cancelled it there, or your identity provider refused it, that is why. Try again when you're ready.",
  browser_unavailable: "Latchkey couldn't open your web browser. Check that a default browser is set, then try again.",
  // Second factors (docs/mfa-stack.md lists when GoTrue answers each).
  second_factor_required: "Enter the code from your second factor first.",
  mfa_verification_failed: "That code is not right. Check it and try again.",
  mfa_challenge_expired: "That code expired. A new one was sent: enter it.",
  mfa_ip_address_mismatch: "Your network changed while you entered the code. Enter a new code.",
  mfa_factor_not_found: "That second factor no longer exists on your account. Sign in again.",
  mfa_factor_name_conflict: "You already have a second factor with that name. Choose another name.",
  mfa_verified_factor_exists: "That phone number is already set up as a second factor.",
  too_many_enrolled_mfa_factors: "Your account has the most second factors it can have. Remove one first.",
  mfa_totp_enroll_not_enabled: "Authenticator apps can't be set up on this server. Contact your administrator.",
  mfa_phone_enroll_not_enabled: "Text-message codes can't be set up on this server. Contact your administrator.",
  insufficient_aal: "Confirm with your second factor first: sign out, sign in again and enter its code.",
  over_sms_send_rate_limit: "A code was texted less than a minute ago. Wait a minute, then ask for a new one.",
  validation_failed: "That doesn't look right. Check what you entered (phone numbers start with + and the country code).",
  bad_json: "Latchkey sent a request the server couldn't read. Start again.",
  sms_send_failed: "The text message could not be sent. Try again later.",
  hook_timeout_after_retry: "The text message could not be sent. Try again later.",
  otp_disabled: "There is no account with that phone number.",
  // Changing the password and the e-mail address.
  current_password_required: "Enter your current password to change it.",
  current_password_invalid: "Your current password is not correct.",
  same_password: "The new password must be different from the current one.",
  email_exists: "Another account already uses that email address.",
  email_address_invalid: "That email address is not valid.",
};

/** Codes whose text is followed by the core's own message, which says what exactly. */
const WITH_DETAIL: Readonly<Record<string, string>> = {
  policy: "Your organization's policy does not allow this.",
  weak_password: "Choose a stronger password.",
};

const GENERIC_ERROR = "Something went wrong. Please try again.";
/** A sign-in the server or the identity provider refused in the browser: their text is only ever the quoted detail. */
const REFUSED_IN_BROWSER = "The sign-in didn't complete: the server or your identity provider refused it.";

function has(record: Readonly<Record<string, string>>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

/** Friendly text for an error, falling back to the core's own message. */
export function errorMessage(error: AuthError): string {
  if (has(ERROR_MESSAGES, error.code)) return ERROR_MESSAGES[error.code];
  if (error.detail !== undefined) return REFUSED_IN_BROWSER;
  const detail = error.message.trim();
  if (has(WITH_DETAIL, error.code)) {
    const base = WITH_DETAIL[error.code];
    return detail.length > 0 ? `${base} ${detail}` : base;
  }
  return detail.length > 0 ? detail : GENERIC_ERROR;
}

const REASON_MESSAGES: Readonly<Record<SignedOutReason, string>> = {
  user: "You signed out.",
  revoked: "You were signed out because this session was ended elsewhere.",
  timeout: "Your session reached its time limit. Sign in again.",
  idle_timeout: "You were signed out after a period of inactivity.",
  policy:
    "Your organization's policy signed you out (or the policy file is invalid). Contact your administrator.",
  storage_unavailable: "Latchkey couldn't read your saved session from the system keychain.",
  storage_corrupt: "Your saved session was damaged and has been set aside. Please sign in again.",
};

/** Text for the signed-out notice, or null when there is nothing to explain. */
export function signedOutReasonMessage(reason: SignedOutReason | null): string | null {
  if (reason === null) return null;
  return has(REASON_MESSAGES, reason) ? REASON_MESSAGES[reason] : null;
}

const REASON_LABELS: Readonly<Record<string, string>> = {
  user: "You signed out",
  revoked: "Ended elsewhere",
  timeout: "Time limit reached",
  idle_timeout: "Inactivity",
  policy: "Organization policy",
  storage_unavailable: "Keychain unavailable",
  storage_corrupt: "Saved session damaged",
};

/** Short label for a reason or error code in the activity list. */
export function reasonLabel(reason: string): string {
  return has(REASON_LABELS, reason) ? REASON_LABELS[reason] : reason.replace(/_/g, " ");
}

const EVENT_LABELS: Readonly<Record<string, string>> = {
  INITIAL_SESSION: "Session loaded",
  SIGNED_IN: "Signed in",
  SIGNED_OUT: "Signed out",
  TOKEN_REFRESHED: "Session renewed",
  USER_UPDATED: "Account updated",
  PASSWORD_RECOVERY: "Password recovery",
  SESSION_EXPIRING: "Session ending soon",
  REFRESH_RETRYING: "Renewal retrying",
  MFA_CHALLENGE_VERIFIED: "Second factor verified",
  SERVER_SIGN_OUT: "Server sign-out",
};

export function eventLabel(event: string): string {
  return has(EVENT_LABELS, event) ? EVENT_LABELS[event] : event;
}

const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  apple: "Apple",
  azure: "Microsoft",
  bitbucket: "Bitbucket",
  discord: "Discord",
  facebook: "Facebook",
  figma: "Figma",
  github: "GitHub",
  gitlab: "GitLab",
  google: "Google",
  kakao: "Kakao",
  keycloak: "Keycloak",
  linkedin: "LinkedIn",
  linkedin_oidc: "LinkedIn",
  notion: "Notion",
  slack: "Slack",
  slack_oidc: "Slack",
  spotify: "Spotify",
  twitch: "Twitch",
  twitter: "X (Twitter)",
  workos: "WorkOS",
  zoom: "Zoom",
};

export function providerName(provider: string): string {
  if (has(PROVIDER_NAMES, provider)) return PROVIDER_NAMES[provider];
  return provider.length > 0 ? provider[0].toUpperCase() + provider.slice(1) : provider;
}

/** "Keycloak", "single sign-on (latchkey.test)", "single sign-on". */
export function identityProviderName(provider: IdentityProvider): string {
  if (provider.kind === "oauth") return providerName(provider.provider);
  return provider.domain ? `single sign-on (${provider.domain})` : "single sign-on";
}

const BACKEND_NAMES: Readonly<Record<string, string>> = {
  secret_service: "Secret Service",
  macos_keychain: "macOS Keychain",
  windows_credential_manager: "Windows Credential Manager",
};

/** e.g. "Secret Service (gnome-keyring-d)". */
export function keychainBackendLabel(report: KeychainBackend): string {
  const name = has(BACKEND_NAMES, report.backend) ? BACKEND_NAMES[report.backend] : report.backend;
  return report.provider ? `${name} (${report.provider})` : name;
}

/** Words for a failed keychain self-test, or null when it passed. */
export function keychainProblem(report: KeychainBackend): string | null {
  if (report.canary === "ok") {
    return report.persistent ? null : "Entries in this keychain do not survive a restart.";
  }
  return `Self-test failed: ${errorMessage({ code: report.canary, message: report.detail ?? "" })}`;
}

const FACTOR_KINDS: Readonly<Record<FactorType, string>> = {
  totp: "Authenticator app",
  phone: "Text message",
};

/** "Authenticator app" or "Text message". */
export function factorKind(type: FactorType): string {
  return FACTOR_KINDS[type];
}

/** The last four digits of a number (E.164, with or without `+`), as in "phone ending 0001". */
export function phoneEnding(phone: string | undefined): string {
  return (phone ?? "").replace(/\D/g, "").slice(-4);
}

const METHOD_NAMES: Readonly<Record<string, string>> = {
  password: "password",
  otp: "one-time code",
  totp: "authenticator app",
  "mfa/phone": "text message",
  oauth: "provider",
  "sso/saml": "single sign-on",
  recovery: "recovery link",
  magiclink: "magic link",
};

/** The factors a session was signed in with, in plain words, in a stable order (GoTrue's is not). */
export function methodsUsed(methods: string[]): string {
  return [...new Set(methods)].sort().map((m) => (has(METHOD_NAMES, m) ? METHOD_NAMES[m] : m)).join(", ");
}
