// Types for the IPC contract between the Rust core and the webview (docs/ipc.md).
// The webview never sees tokens: only this view of the auth state crosses IPC.

export const AUTH_STATE_EVENT = "auth://state" as const;
export const FLOW_ERROR_EVENT = "auth://flow-error" as const;

export type SignedOutReason =
  | "user"
  | "revoked"
  | "timeout"
  | "idle_timeout"
  | "policy"
  | "storage_unavailable"
  | "storage_corrupt";

export interface AuthUser {
  id: string;
  email: string;
}

/** insecure_file: sealed, but the vault key is in a file because the keychain is unavailable (admin policy). */
export type Persistence = "keychain" | "memory_only" | "insecure_file";

/** fresh: token valid, server reachable; refreshing: a refresh is in flight;
 *  offline_valid: the server can't be reached but the access token is still valid. */
export type Freshness = "fresh" | "refreshing" | "offline_valid";

export interface SignedInView {
  status: "signed_in";
  user: AuthUser;
  /** Unix seconds. */
  accessExpiresAt: number;
  /** Unix seconds. */
  signedInAt: number;
  /** Where the session is kept: the keychain-rooted vault, or this process only. */
  persistence: Persistence;
  freshness: Freshness;
  /** Unix seconds: the absolute session deadline (null if the core reports none). */
  deadlineAt: number | null;
  /** Unix seconds: when the next refresh is due (null if none is scheduled). */
  nextRefreshAt: number | null;
}

/** The access token expired and refreshes are being retried: still signed in, not usable. */
export interface ExpiredView {
  status: "expired";
  user: AuthUser;
  signedInAt: number;
  persistence: Persistence;
  deadlineAt: number | null;
  nextRetryAt: number | null;
}

export interface SignedOutView {
  status: "signed_out";
  reason: SignedOutReason | null;
}

export type StateView = { status: "initializing" } | SignedInView | ExpiredView | SignedOutView;

export type AuthStatus = StateView["status"];

export type AuthEventName =
  | "INITIAL_SESSION"
  | "SIGNED_IN"
  | "SIGNED_OUT"
  | "TOKEN_REFRESHED"
  | "USER_UPDATED"
  | "PASSWORD_RECOVERY"
  | "SESSION_EXPIRING"
  | "REFRESH_RETRYING";

export interface RetryInfo {
  attempt: number;
  /** Unix seconds. */
  nextAt: number;
  /** Error code of the failed attempt, e.g. `server_unreachable`. */
  cause: string;
}

/** Payload of the `auth://state` event. */
export interface AuthEventPayload {
  seq: number;
  event: AuthEventName;
  state: StateView;
  /** On SIGNED_OUT. */
  reason?: SignedOutReason | null;
  /** On SESSION_EXPIRING: seconds until the absolute deadline. */
  remaining?: number;
  /** On REFRESH_RETRYING. */
  retry?: RetryInfo;
}

/** Result of the `get_auth_state` command. */
export interface AuthSnapshot {
  seq: number;
  state: StateView;
}

/** Known error codes; the core may add more, so `code` stays a string. */
export type KnownAuthErrorCode =
  | "invalid_credentials"
  | "email_not_confirmed"
  | "server_unreachable"
  | "tls_untrusted"
  | "proxy_unreachable"
  | "network_setup"
  | "server_error"
  | "malformed_response"
  | "keychain_unavailable"
  | "keychain_locked"
  | "storage_corrupt"
  | "storage_io"
  | "storage_busy"
  | "over_request_rate_limit"
  | "refresh_pending"
  | "policy"
  | "user_already_exists"
  | "weak_password"
  | "otp_expired"
  | "invalid_state"
  | "invalid_callback"
  | "flow_expired"
  | "flow_already_used"
  | "signup_disabled"
  | "not_signed_in"
  | "internal";

/** Shape of a rejected command promise, and of the `auth://flow-error` payload. */
export interface AuthError {
  code: KnownAuthErrorCode | (string & {});
  message: string;
}

export type SignOutScope = "local" | "global" | "others";

/** `get_sign_in_options`: what the server's /settings and the admin policy allow. */
export interface SignInOptions {
  password: boolean;
  emailCode: boolean;
  magicLink: boolean;
  oauthProviders: string[];
  allowSignUp: boolean;
}

/** `sign_up`: false means the user is signed in now (SIGNED_IN follows). */
export interface SignUpResult {
  confirmationSent: boolean;
}

/** `get_keychain_backend`. */
export interface KeychainBackend {
  backend: string;
  provider: string | null;
  persistent: boolean;
  /** "ok" or the error code of the self-test. */
  canary: string;
  canary_ms: number;
  detail: string | null;
}

/** One row of `get_activity` (newest first). Never contains a token. */
export interface ActivityEntry {
  /** Unix seconds. */
  at: number;
  seq: number;
  event: string;
  reason: string | null;
  detail: string | null;
}

const SIGNED_OUT_REASONS: ReadonlySet<string> = new Set<SignedOutReason>([
  "user",
  "revoked",
  "timeout",
  "idle_timeout",
  "policy",
  "storage_unavailable",
  "storage_corrupt",
]);

const EVENT_NAMES: ReadonlySet<string> = new Set<AuthEventName>([
  "INITIAL_SESSION",
  "SIGNED_IN",
  "SIGNED_OUT",
  "TOKEN_REFRESHED",
  "USER_UPDATED",
  "PASSWORD_RECOVERY",
  "SESSION_EXPIRING",
  "REFRESH_RETRYING",
]);

const FRESHNESS: ReadonlySet<string> = new Set<Freshness>(["fresh", "refreshing", "offline_valid"]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** A time that may be absent: number or null (undefined is read as null). */
function isOptionalTime(value: unknown): boolean {
  return value === null || value === undefined || isNumber(value);
}

function isUser(value: unknown): value is AuthUser {
  return isObject(value) && typeof value.id === "string" && typeof value.email === "string";
}

function isPersistence(value: unknown): value is Persistence {
  return value === "keychain" || value === "memory_only" || value === "insecure_file";
}

export function isSignedOutReason(value: unknown): value is SignedOutReason {
  return typeof value === "string" && SIGNED_OUT_REASONS.has(value);
}

export function isStateView(value: unknown): value is StateView {
  if (!isObject(value)) return false;
  switch (value.status) {
    case "initializing":
      return true;
    case "signed_in":
      return (
        isUser(value.user) &&
        isNumber(value.accessExpiresAt) &&
        isNumber(value.signedInAt) &&
        isPersistence(value.persistence) &&
        typeof value.freshness === "string" &&
        FRESHNESS.has(value.freshness) &&
        isOptionalTime(value.deadlineAt) &&
        isOptionalTime(value.nextRefreshAt)
      );
    case "expired":
      return (
        isUser(value.user) &&
        isNumber(value.signedInAt) &&
        isPersistence(value.persistence) &&
        isOptionalTime(value.deadlineAt) &&
        isOptionalTime(value.nextRetryAt)
      );
    case "signed_out":
      return value.reason === null || isSignedOutReason(value.reason);
    default:
      return false;
  }
}

export function isRetryInfo(value: unknown): value is RetryInfo {
  return (
    isObject(value) &&
    isNumber(value.attempt) &&
    isNumber(value.nextAt) &&
    typeof value.cause === "string"
  );
}

/**
 * The event itself must be well formed (seq, known event name, valid state). The extras
 * (`reason`, `remaining`, `retry`) are read leniently by the reducer: a malformed extra
 * is treated as absent rather than dropping the state change.
 */
export function isAuthEventPayload(value: unknown): value is AuthEventPayload {
  return (
    isObject(value) &&
    isNumber(value.seq) &&
    typeof value.event === "string" &&
    EVENT_NAMES.has(value.event) &&
    isStateView(value.state)
  );
}

export function isAuthSnapshot(value: unknown): value is AuthSnapshot {
  return isObject(value) && isNumber(value.seq) && isStateView(value.state);
}

export function isAuthError(value: unknown): value is AuthError {
  return (
    isObject(value) && typeof value.code === "string" && typeof value.message === "string"
  );
}

export function isSignInOptions(value: unknown): value is SignInOptions {
  return (
    isObject(value) &&
    typeof value.password === "boolean" &&
    typeof value.emailCode === "boolean" &&
    typeof value.magicLink === "boolean" &&
    Array.isArray(value.oauthProviders) &&
    value.oauthProviders.every((p) => typeof p === "string") &&
    typeof value.allowSignUp === "boolean"
  );
}

export function isSignUpResult(value: unknown): value is SignUpResult {
  return isObject(value) && typeof value.confirmationSent === "boolean";
}

export function isKeychainBackend(value: unknown): value is KeychainBackend {
  return (
    isObject(value) &&
    typeof value.backend === "string" &&
    (value.provider === null || value.provider === undefined || typeof value.provider === "string") &&
    typeof value.persistent === "boolean" &&
    typeof value.canary === "string"
  );
}

export function isActivityEntry(value: unknown): value is ActivityEntry {
  return (
    isObject(value) &&
    isNumber(value.at) &&
    isNumber(value.seq) &&
    typeof value.event === "string" &&
    (value.reason === null || value.reason === undefined || typeof value.reason === "string") &&
    (value.detail === null || value.detail === undefined || typeof value.detail === "string")
  );
}

/** Turns anything a rejected invoke may carry into an AuthError. */
export function toAuthError(value: unknown): AuthError {
  if (isAuthError(value)) return { code: value.code, message: value.message };
  if (value instanceof Error) return { code: "internal", message: value.message };
  if (typeof value === "string") return { code: "internal", message: value };
  return { code: "internal", message: "Unexpected error." };
}

/** Where an effective setting came from (`latchkey policy --json`). */
export type SettingSource = "managed" | "environment" | "user" | "recommended" | "default" | "fail_closed";

/** `get_settings`: the policy report of what the next launch uses, plus what this user may change. */
export interface SettingsReport {
  file: string;
  present: boolean;
  error: string | null;
  warnings: string[];
  values: Record<string, { value: unknown; source: SettingSource; locked: boolean }>;
  editable: string[];
  restartRequired: boolean;
  version: string;
}

export function isSettingsReport(value: unknown): value is SettingsReport {
  return (
    isObject(value) &&
    typeof value.file === "string" &&
    typeof value.present === "boolean" &&
    (value.error === null || typeof value.error === "string") &&
    Array.isArray(value.warnings) &&
    isObject(value.values) &&
    Array.isArray(value.editable) &&
    typeof value.restartRequired === "boolean" &&
    typeof value.version === "string"
  );
}
