// Generated from the Rust types by src-tauri/host/src/typescript.rs: do not edit by hand.

export type Aal = "aal1" | "aal2";

export type FactorType = "totp" | "phone";

export type FactorStatus = "verified" | "unverified";

export type Factor = { id: string, friendlyName: string, factorType: FactorType, status: FactorStatus, phone?: string, };

export type AuthMethod = { method: string, timestamp: number, };

export type Claims = { role: string, aal: Aal, amr: Array<AuthMethod>, is_anonymous: boolean, app_metadata: Record<string, unknown>, user_metadata: Record<string, unknown>, session_id: string, exp: number, };

export type SecondStep = "verify" | "enrol";

export type User = { id: string, email: string, phone?: string, newEmail?: string, factors: Array<Factor>, };

export type SignOutReason = "user" | "revoked" | "timeout" | "idle_timeout" | "policy" | "storage_unavailable" | "storage_corrupt";

export type Persistence = "keychain" | "memory_only" | "insecure_file";

export type Freshness = "fresh" | "refreshing" | "offline_valid";

export type IdentityProvider = { "kind": "oauth", provider: string, } | { "kind": "sso", domain: string | null, };

export type StateView = { "status": "initializing" } | { "status": "signed_in", user: User, identityProvider: IdentityProvider | null, accessExpiresAt: number, signedInAt: number, persistence: Persistence, freshness: Freshness, deadlineAt: number, nextRefreshAt: number, claims: Claims | null, nextAal: Aal, } | { "status": "expired", user: User, identityProvider: IdentityProvider | null, signedInAt: number, persistence: Persistence, deadlineAt: number, nextRetryAt: number, claims: Claims | null, nextAal: Aal, } | { "status": "needs_second_factor", user: User, signedInAt: number, persistence: Persistence, deadlineAt: number, claims: Claims | null, nextAal: Aal, step: SecondStep, allowedFactors: Array<FactorType>, } | { "status": "signed_out", reason: SignOutReason | null, };

export type EventKind = "INITIAL_SESSION" | "SIGNED_IN" | "SIGNED_OUT" | "TOKEN_REFRESHED" | "USER_UPDATED" | "PASSWORD_RECOVERY" | "SESSION_EXPIRING" | "REFRESH_RETRYING" | "MFA_CHALLENGE_VERIFIED" | "SERVER_SIGN_OUT";

export type Retry = { attempt: number, nextAt: number, cause: string, };

export type ServerOutcome = "ended" | "pending" | "not_ended" | "abandoned" | "no_session";

export type ServerSignOut = { scope: LogoutScope, outcome: ServerOutcome, cause?: string, };

export type PendingSignOut = { scope: LogoutScope, until: number, attempt: number, nextAt: number, cause: string, };

export type SignOutReport = { scope: LogoutScope, server: ServerOutcome, pending?: PendingSignOut, problems: Array<string>, };

export type AuthEvent = { seq: number, event: EventKind, state: StateView, reason?: SignOutReason, remaining?: number, retry?: Retry, serverSignOut?: ServerSignOut, pendingSignOut?: PendingSignOut, };

export type Snapshot = { seq: number, state: StateView, pendingSignOut?: PendingSignOut, };

export type ErrorCode = "server_unreachable" | "tls_untrusted" | "proxy_unreachable" | "network_setup" | "server_error" | "malformed_response" | "over_request_rate_limit" | "keychain_unavailable" | "keychain_locked" | "storage_corrupt" | "storage_io" | "storage_busy" | "not_signed_in" | "refresh_pending" | "policy" | "invalid_setting" | "invalid_callback" | "invalid_state" | "flow_expired" | "flow_already_used" | "callback_error" | "sign_in_incomplete" | "invalid_input" | "invalid_jwt" | "jwt_expired" | "unsupported" | "loopback_unavailable" | "invalid_scope" | "browser_unavailable" | "window_unavailable" | "no_project" | "second_factor_required" | "internal" | "invalid_credentials" | "email_not_confirmed" | "user_already_exists" | "weak_password" | "otp_expired" | "signup_disabled" | "refresh_token_not_found" | "refresh_token_already_used" | "session_not_found" | "session_expired" | "user_not_found" | "user_banned" | "sso_provider_not_found" | "saml_provider_disabled" | "access_denied" | "mfa_verification_failed" | "mfa_challenge_expired" | "mfa_factor_not_found" | "mfa_ip_address_mismatch" | "mfa_factor_name_conflict" | "mfa_verified_factor_exists" | "too_many_enrolled_mfa_factors" | "mfa_totp_enroll_not_enabled" | "mfa_phone_enroll_not_enabled" | "insufficient_aal" | "over_sms_send_rate_limit" | "validation_failed" | "bad_json" | "current_password_required" | "current_password_invalid" | "same_password" | "email_exists" | "email_address_invalid" | "otp_disabled" | "sms_send_failed" | "hook_timeout_after_retry";

export type LogoutScope = "local" | "global" | "others";

export type SignInMethod = "password" | "email_otp" | "magic_link" | "phone" | "sso" | `oauth:${string}`;

export type SsoOffer = { domain: string | null, asksEmail: boolean, };

export type SignInOptions = { password: boolean, emailCode: boolean, magicLink: boolean, phone: boolean, oauthProviders: Array<string>, sso: SsoOffer | null, allowSignUp: boolean, };

export type SignUpResult = { confirmationSent: boolean, };

export type TotpEnrolment = { factorId: string, qrSvg: string, secret: string, };

export type BackendReport = { backend: string, provider: string | null, persistent: boolean, canary: string, canary_ms: number, detail: string | null, };

export type Entry = { at: number, seq: number, event: string, reason: string | null, detail: string | null, };

export type Source = "managed" | "environment" | "user" | "recommended" | "default" | "fail_closed";

export type ProjectState = { configured: boolean, url: string | null, source: Source, };

export const SIGN_OUT_REASONS = ["user", "revoked", "timeout", "idle_timeout", "policy", "storage_unavailable", "storage_corrupt"] as const;

export const PERSISTENCES = ["keychain", "memory_only", "insecure_file"] as const;

export const FRESHNESSES = ["fresh", "refreshing", "offline_valid"] as const;

export const EVENT_KINDS = ["INITIAL_SESSION", "SIGNED_IN", "SIGNED_OUT", "TOKEN_REFRESHED", "USER_UPDATED", "PASSWORD_RECOVERY", "SESSION_EXPIRING", "REFRESH_RETRYING", "MFA_CHALLENGE_VERIFIED", "SERVER_SIGN_OUT"] as const;

export const AALS = ["aal1", "aal2"] as const;

export const FACTOR_TYPES = ["totp", "phone"] as const;

export const SERVER_OUTCOMES = ["ended", "pending", "not_ended", "abandoned", "no_session"] as const;

export const ERROR_CODES = ["server_unreachable", "tls_untrusted", "proxy_unreachable", "network_setup", "server_error", "malformed_response", "over_request_rate_limit", "keychain_unavailable", "keychain_locked", "storage_corrupt", "storage_io", "storage_busy", "not_signed_in", "refresh_pending", "policy", "invalid_setting", "invalid_callback", "invalid_state", "flow_expired", "flow_already_used", "callback_error", "sign_in_incomplete", "invalid_input", "invalid_jwt", "jwt_expired", "unsupported", "loopback_unavailable", "invalid_scope", "browser_unavailable", "window_unavailable", "no_project", "second_factor_required", "internal", "invalid_credentials", "email_not_confirmed", "user_already_exists", "weak_password", "otp_expired", "signup_disabled", "refresh_token_not_found", "refresh_token_already_used", "session_not_found", "session_expired", "user_not_found", "user_banned", "sso_provider_not_found", "saml_provider_disabled", "access_denied", "mfa_verification_failed", "mfa_challenge_expired", "mfa_factor_not_found", "mfa_ip_address_mismatch", "mfa_factor_name_conflict", "mfa_verified_factor_exists", "too_many_enrolled_mfa_factors", "mfa_totp_enroll_not_enabled", "mfa_phone_enroll_not_enabled", "insufficient_aal", "over_sms_send_rate_limit", "validation_failed", "bad_json", "current_password_required", "current_password_invalid", "same_password", "email_exists", "email_address_invalid", "otp_disabled", "sms_send_failed", "hook_timeout_after_retry"] as const;
