// Plain-language text for error codes and sign-out reasons.
import type { AuthError, SignedOutReason } from "./types";

const KEYCHAIN_MESSAGE =
  "Your system keychain is not available or is locked, so Latchkey can't keep you signed in safely. Unlock it (or start a keyring) and try again.";

const ERROR_MESSAGES: Readonly<Record<string, string>> = {
  invalid_credentials: "The email or password is not correct.",
  server_unreachable: "Can't reach the sign-in server. Check your connection and try again.",
  keychain_unavailable: KEYCHAIN_MESSAGE,
  keychain_locked: KEYCHAIN_MESSAGE,
  malformed_response:
    "The sign-in server sent a reply Latchkey couldn't understand. Try again later or contact your administrator.",
  email_not_confirmed: "Confirm your email address first, then sign in.",
  server_error: "The sign-in server had a problem. Try again in a moment.",
};

const GENERIC_ERROR = "Something went wrong. Please try again.";

/** Friendly text for an error, falling back to the core's own message. */
export function errorMessage(error: AuthError): string {
  if (Object.prototype.hasOwnProperty.call(ERROR_MESSAGES, error.code)) {
    return ERROR_MESSAGES[error.code];
  }
  const fallback = error.message.trim();
  return fallback.length > 0 ? fallback : GENERIC_ERROR;
}

const REASON_MESSAGES: Readonly<Record<SignedOutReason, string>> = {
  user: "You signed out.",
  revoked: "You were signed out because this session was ended elsewhere.",
  timeout: "Your session reached its time limit. Sign in again.",
  storage_unavailable: "Latchkey couldn't read your saved session from the system keychain.",
  storage_corrupt: "Your saved session was damaged and has been set aside. Please sign in again.",
};

/** Text for the signed-out notice, or null when there is nothing to explain. */
export function signedOutReasonMessage(reason: SignedOutReason | null): string | null {
  if (reason === null) return null;
  return REASON_MESSAGES[reason] ?? null;
}
