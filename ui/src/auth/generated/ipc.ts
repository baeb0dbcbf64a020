// Generated from the Rust types by src-tauri/host/src/typescript.rs: do not edit by hand.

export type User = { id: string, email: string, };

export type SignOutReason = "user" | "revoked" | "timeout" | "idle_timeout" | "policy" | "storage_unavailable" | "storage_corrupt";

export type Persistence = "keychain" | "memory_only" | "insecure_file";

export type Freshness = "fresh" | "refreshing" | "offline_valid";

export type StateView = { "status": "initializing" } | { "status": "signed_in", user: User, accessExpiresAt: number, signedInAt: number, persistence: Persistence, freshness: Freshness, deadlineAt: number, nextRefreshAt: number, } | { "status": "expired", user: User, signedInAt: number, persistence: Persistence, deadlineAt: number, nextRetryAt: number, } | { "status": "signed_out", reason: SignOutReason | null, };

export type EventKind = "INITIAL_SESSION" | "SIGNED_IN" | "SIGNED_OUT" | "TOKEN_REFRESHED" | "USER_UPDATED" | "PASSWORD_RECOVERY" | "SESSION_EXPIRING" | "REFRESH_RETRYING" | "SERVER_SIGN_OUT";

export type Retry = { attempt: number, nextAt: number, cause: string, };

export type ServerOutcome = "ended" | "pending" | "not_ended" | "abandoned" | "no_session";

export type ServerSignOut = { scope: LogoutScope, outcome: ServerOutcome, cause?: string, };

export type PendingSignOut = { scope: LogoutScope, until: number, attempt: number, nextAt: number, cause: string, };

export type SignOutReport = { scope: LogoutScope, server: ServerOutcome, pending?: PendingSignOut, problems: Array<string>, };

export type AuthEvent = { seq: number, event: EventKind, state: StateView, reason?: SignOutReason, remaining?: number, retry?: Retry, serverSignOut?: ServerSignOut, pendingSignOut?: PendingSignOut, };

export type Snapshot = { seq: number, state: StateView, pendingSignOut?: PendingSignOut, };

export type ErrorCode = "server_unreachable" | "tls_untrusted" | "proxy_unreachable" | "network_setup" | "server_error" | "malformed_response" | "over_request_rate_limit" | "keychain_unavailable" | "keychain_locked" | "storage_corrupt" | "storage_io" | "storage_busy" | "not_signed_in" | "refresh_pending" | "policy" | "invalid_setting" | "invalid_callback" | "invalid_state" | "flow_expired" | "flow_already_used" | "callback_error" | "invalid_jwt" | "jwt_expired" | "unsupported" | "loopback_unavailable" | "invalid_scope" | "browser_unavailable" | "window_unavailable" | "internal" | "invalid_credentials" | "email_not_confirmed" | "user_already_exists" | "weak_password" | "otp_expired" | "signup_disabled" | "refresh_token_not_found" | "refresh_token_already_used" | "session_not_found" | "session_expired" | "user_not_found" | "user_banned";

export type LogoutScope = "local" | "global" | "others";

export type SignInMethod = "password" | "email_otp" | "magic_link" | `oauth:${string}`;

export type SignInOptions = { password: boolean, emailCode: boolean, magicLink: boolean, oauthProviders: Array<string>, allowSignUp: boolean, };

export type SignUpResult = { confirmationSent: boolean, };

export type BackendReport = { backend: string, provider: string | null, persistent: boolean, canary: string, canary_ms: number, detail: string | null, };

export type Entry = { at: number, seq: number, event: string, reason: string | null, detail: string | null, };

export type Source = "managed" | "environment" | "user" | "recommended" | "default" | "fail_closed";

export const SIGN_OUT_REASONS = ["user", "revoked", "timeout", "idle_timeout", "policy", "storage_unavailable", "storage_corrupt"] as const;

export const PERSISTENCES = ["keychain", "memory_only", "insecure_file"] as const;

export const FRESHNESSES = ["fresh", "refreshing", "offline_valid"] as const;

export const EVENT_KINDS = ["INITIAL_SESSION", "SIGNED_IN", "SIGNED_OUT", "TOKEN_REFRESHED", "USER_UPDATED", "PASSWORD_RECOVERY", "SESSION_EXPIRING", "REFRESH_RETRYING", "SERVER_SIGN_OUT"] as const;

export const SERVER_OUTCOMES = ["ended", "pending", "not_ended", "abandoned", "no_session"] as const;

export const ERROR_CODES = ["server_unreachable", "tls_untrusted", "proxy_unreachable", "network_setup", "server_error", "malformed_response", "over_request_rate_limit", "keychain_unavailable", "keychain_locked", "storage_corrupt", "storage_io", "storage_busy", "not_signed_in", "refresh_pending", "policy", "invalid_setting", "invalid_callback", "invalid_state", "flow_expired", "flow_already_used", "callback_error", "invalid_jwt", "jwt_expired", "unsupported", "loopback_unavailable", "invalid_scope", "browser_unavailable", "window_unavailable", "internal", "invalid_credentials", "email_not_confirmed", "user_already_exists", "weak_password", "otp_expired", "signup_disabled", "refresh_token_not_found", "refresh_token_already_used", "session_not_found", "session_expired", "user_not_found", "user_banned"] as const;
