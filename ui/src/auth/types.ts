// The IPC contract between the Rust core and the webview (docs/ipc.md). Every shape that crosses IPC is generated
// from the Rust types (./generated/ipc.ts, checked by `cargo test`); this file names them for the UI and checks
// at run time what arrives. The webview never sees tokens: only this view of the auth state crosses IPC.
import {
  AALS,
  EVENT_KINDS,
  FACTOR_TYPES,
  FRESHNESSES,
  PERSISTENCES,
  SERVER_OUTCOMES,
  SIGN_OUT_REASONS,
  type AuthEvent,
  type BackendReport,
  type Entry,
  type ErrorCode,
  type EventKind,
  type LogoutScope,
  type PendingSignOut,
  type Persistence,
  type ProjectState,
  type Retry,
  type ServerSignOut,
  type SignInOptions,
  type SignOutReason,
  type SignOutReport,
  type SignUpResult,
  type Snapshot,
  type TotpEnrolment,
  type Source,
  type StateView,
  type User,
} from "./generated/ipc";

export type {
  Aal,
  AuthMethod,
  Claims,
  ErrorCode,
  Factor,
  FactorType,
  Freshness,
  IdentityProvider,
  PendingSignOut,
  ProjectState,
  Persistence,
  SecondStep,
  ServerSignOut,
  SignOutReport,
  SignInMethod,
  SignInOptions,
  SignUpResult,
  SsoOffer,
  StateView,
  TotpEnrolment,
} from "./generated/ipc";

export const AUTH_STATE_EVENT = "auth://state" as const;
export const FLOW_ERROR_EVENT = "auth://flow-error" as const;

export type SignedOutReason = SignOutReason;
export type AuthUser = User;
export type SignedInView = Extract<StateView, { status: "signed_in" }>;
/** The access token expired and refreshes are being retried: still signed in, not usable. */
export type ExpiredView = Extract<StateView, { status: "expired" }>;
/** Signed in with one factor while a second is required: verify it (or enrol one, `step: "enrol"`). */
export type SecondFactorView = Extract<StateView, { status: "needs_second_factor" }>;
export type SignedOutView = Extract<StateView, { status: "signed_out" }>;
export type AuthStatus = StateView["status"];
export type AuthEventName = EventKind;
export type RetryInfo = Retry;
/** Payload of the `auth://state` event. */
export type AuthEventPayload = AuthEvent;
/** Result of the `get_auth_state` command. */
export type AuthSnapshot = Snapshot;
/** The codes Latchkey knows; a server may send others, so `code` stays a string. */
export type KnownAuthErrorCode = ErrorCode;
export type SignOutScope = LogoutScope;
/** `get_keychain_backend`. */
export type KeychainBackend = BackendReport;
/** One row of `get_activity` (newest first). Never contains a token. */
export type ActivityEntry = Entry;
/** Where an effective setting came from (`latchkey policy --json`). */
export type SettingSource = Source;

/** Shape of a rejected command promise, and of the `auth://flow-error` payload. */
export interface AuthError {
  code: ErrorCode | (string & {});
  message: string;
  /** Text from the server or identity provider (a refused sign-in in the browser): shown only quoted, under ours. */
  detail?: string;
}

const SIGNED_OUT_REASONS: ReadonlySet<string> = new Set(SIGN_OUT_REASONS);
const EVENT_NAMES: ReadonlySet<string> = new Set(EVENT_KINDS);
const FRESHNESS: ReadonlySet<string> = new Set(FRESHNESSES);
const PERSISTENCE: ReadonlySet<string> = new Set(PERSISTENCES);
const AAL: ReadonlySet<string> = new Set(AALS);
const FACTOR_TYPE: ReadonlySet<string> = new Set(FACTOR_TYPES);

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
  return isObject(value) && typeof value.id === "string" && typeof value.email === "string" && Array.isArray(value.factors);
}

/** The claims are read leniently beyond `aal` and `amr` (the token's own JSON); null when the core has none. */
function isClaimsOrNull(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  return isObject(value) && typeof value.aal === "string" && AAL.has(value.aal) && Array.isArray(value.amr);
}

/** What every view of a session carries about its assurance. */
function hasAssurance(value: Record<string, unknown>): boolean {
  return isClaimsOrNull(value.claims) && typeof value.nextAal === "string" && AAL.has(value.nextAal);
}

function isPersistence(value: unknown): value is Persistence {
  return typeof value === "string" && PERSISTENCE.has(value);
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
        isOptionalTime(value.nextRefreshAt) &&
        hasAssurance(value)
      );
    case "expired":
      return (
        isUser(value.user) &&
        isNumber(value.signedInAt) &&
        isPersistence(value.persistence) &&
        isOptionalTime(value.deadlineAt) &&
        isOptionalTime(value.nextRetryAt) &&
        hasAssurance(value)
      );
    case "needs_second_factor":
      return (
        isUser(value.user) &&
        isNumber(value.signedInAt) &&
        isPersistence(value.persistence) &&
        isOptionalTime(value.deadlineAt) &&
        hasAssurance(value) &&
        (value.step === "verify" || value.step === "enrol") &&
        Array.isArray(value.allowedFactors) &&
        value.allowedFactors.every((f) => typeof f === "string" && FACTOR_TYPE.has(f))
      );
    case "signed_out":
      return value.reason === null || isSignedOutReason(value.reason);
    default:
      return false;
  }
}

const SCOPES: ReadonlySet<string> = new Set(["local", "global", "others"]);
const OUTCOMES: ReadonlySet<string> = new Set(SERVER_OUTCOMES);

/** A sign-out of other sessions still waiting for the server (`pendingSignOut` on events and snapshots). */
export function isPendingSignOut(value: unknown): value is PendingSignOut {
  return (
    isObject(value) &&
    typeof value.scope === "string" &&
    SCOPES.has(value.scope) &&
    isNumber(value.until) &&
    isNumber(value.attempt) &&
    isNumber(value.nextAt) &&
    typeof value.cause === "string"
  );
}

/** How the server part of a sign-out went (`serverSignOut` on SERVER_SIGN_OUT). */
export function isServerSignOut(value: unknown): value is ServerSignOut {
  return (
    isObject(value) &&
    typeof value.scope === "string" &&
    SCOPES.has(value.scope) &&
    typeof value.outcome === "string" &&
    OUTCOMES.has(value.outcome) &&
    (value.cause === undefined || typeof value.cause === "string")
  );
}

/** `get_project` / `set_project`: whether a Supabase project is configured. */
export function isProjectState(value: unknown): value is ProjectState {
  return (
    isObject(value) &&
    typeof value.configured === "boolean" &&
    (value.url === null || typeof value.url === "string") &&
    typeof value.source === "string"
  );
}

/** `sign_out`'s answer. */
export function isSignOutReport(value: unknown): value is SignOutReport {
  return (
    isObject(value) &&
    typeof value.scope === "string" &&
    SCOPES.has(value.scope) &&
    typeof value.server === "string" &&
    OUTCOMES.has(value.server) &&
    (value.pending === undefined || isPendingSignOut(value.pending)) &&
    Array.isArray(value.problems) &&
    value.problems.every((p) => typeof p === "string")
  );
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
    isObject(value) &&
    typeof value.code === "string" &&
    typeof value.message === "string" &&
    (value.detail === undefined || typeof value.detail === "string")
  );
}

/** The fields of an AuthError, and nothing else the payload carried. */
export function authErrorOf(value: AuthError): AuthError {
  return value.detail === undefined
    ? { code: value.code, message: value.message }
    : { code: value.code, message: value.message, detail: value.detail };
}

export function isSignInOptions(value: unknown): value is SignInOptions {
  return (
    isObject(value) &&
    typeof value.password === "boolean" &&
    typeof value.emailCode === "boolean" &&
    typeof value.magicLink === "boolean" &&
    typeof value.phone === "boolean" &&
    Array.isArray(value.oauthProviders) &&
    value.oauthProviders.every((p) => typeof p === "string") &&
    (value.sso === null || value.sso === undefined || isSsoOffer(value.sso)) &&
    typeof value.allowSignUp === "boolean"
  );
}

function isSsoOffer(value: unknown): boolean {
  return isObject(value) && (value.domain === null || typeof value.domain === "string") && typeof value.asksEmail === "boolean";
}

export function isSignUpResult(value: unknown): value is SignUpResult {
  return isObject(value) && typeof value.confirmationSent === "boolean";
}

export function isTotpEnrolment(value: unknown): value is TotpEnrolment {
  return isObject(value) && typeof value.factorId === "string" && typeof value.qrSvg === "string" && typeof value.secret === "string";
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
  if (isAuthError(value)) return authErrorOf(value);
  if (value instanceof Error) return { code: "internal", message: value.message };
  if (typeof value === "string") return { code: "internal", message: value };
  return { code: "internal", message: "Unexpected error." };
}

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
