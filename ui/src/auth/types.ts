// Types for the IPC contract between the Rust core and the webview (docs/ipc.md).
// The webview never sees tokens: only this view of the auth state crosses IPC.

export const AUTH_STATE_EVENT = "auth://state" as const;

export type SignedOutReason =
  | "user"
  | "revoked"
  | "timeout"
  | "storage_unavailable"
  | "storage_corrupt";

export interface AuthUser {
  id: string;
  email: string;
}

export type StateView =
  | { status: "initializing" }
  | {
      status: "signed_in";
      user: AuthUser;
      /** Unix seconds. */
      accessExpiresAt: number;
      /** Unix seconds. */
      signedInAt: number;
      /** Where the session is kept: the keychain-rooted vault, or this process only. */
      persistence: Persistence;
    }
  | { status: "signed_out"; reason: SignedOutReason | null };

export type AuthStatus = StateView["status"];

export type AuthEventName =
  | "INITIAL_SESSION"
  | "SIGNED_IN"
  | "SIGNED_OUT"
  | "TOKEN_REFRESHED";

/** Payload of the `auth://state` event. */
export interface AuthEventPayload {
  seq: number;
  event: AuthEventName;
  state: StateView;
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
  | "server_error"
  | "malformed_response"
  | "keychain_unavailable"
  | "keychain_locked"
  | "not_signed_in"
  | "internal";

export type Persistence = "keychain" | "memory_only";

/** Shape of a rejected command promise. */
export interface AuthError {
  code: KnownAuthErrorCode | (string & {});
  message: string;
}

const SIGNED_OUT_REASONS: ReadonlySet<string> = new Set([
  "user",
  "revoked",
  "timeout",
  "storage_unavailable",
  "storage_corrupt",
]);

const EVENT_NAMES: ReadonlySet<string> = new Set([
  "INITIAL_SESSION",
  "SIGNED_IN",
  "SIGNED_OUT",
  "TOKEN_REFRESHED",
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isSeq(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

export function isStateView(value: unknown): value is StateView {
  if (!isObject(value)) return false;
  switch (value.status) {
    case "initializing":
      return true;
    case "signed_in": {
      const user = value.user;
      return (
        isObject(user) &&
        typeof user.id === "string" &&
        typeof user.email === "string" &&
        typeof value.accessExpiresAt === "number" &&
        typeof value.signedInAt === "number" &&
        (value.persistence === "keychain" || value.persistence === "memory_only")
      );
    }
    case "signed_out":
      return (
        value.reason === null ||
        (typeof value.reason === "string" && SIGNED_OUT_REASONS.has(value.reason))
      );
    default:
      return false;
  }
}

export function isAuthEventPayload(value: unknown): value is AuthEventPayload {
  return (
    isObject(value) &&
    isSeq(value.seq) &&
    typeof value.event === "string" &&
    EVENT_NAMES.has(value.event) &&
    isStateView(value.state)
  );
}

export function isAuthSnapshot(value: unknown): value is AuthSnapshot {
  return isObject(value) && isSeq(value.seq) && isStateView(value.state);
}

export function isAuthError(value: unknown): value is AuthError {
  return (
    isObject(value) && typeof value.code === "string" && typeof value.message === "string"
  );
}

/** Turns anything a rejected invoke may carry into an AuthError. */
export function toAuthError(value: unknown): AuthError {
  if (isAuthError(value)) return { code: value.code, message: value.message };
  if (value instanceof Error) return { code: "internal", message: value.message };
  if (typeof value === "string") return { code: "internal", message: value };
  return { code: "internal", message: "Unexpected error." };
}
