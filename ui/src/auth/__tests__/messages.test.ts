import { describe, expect, it } from "vitest";
import { errorMessage, signedOutReasonMessage } from "../messages";

describe("errorMessage", () => {
  it.each([
    ["invalid_credentials", "The email or password is not correct."],
    ["server_unreachable", "Can't reach the sign-in server. Check your connection and try again."],
    [
      "keychain_unavailable",
      "Your system keychain is not available or is locked, so Latchkey can't keep you signed in safely. Unlock it (or start a keyring) and try again.",
    ],
    [
      "keychain_locked",
      "Your system keychain is not available or is locked, so Latchkey can't keep you signed in safely. Unlock it (or start a keyring) and try again.",
    ],
    [
      "malformed_response",
      "The sign-in server sent a reply Latchkey couldn't understand. Try again later or contact your administrator.",
    ],
    ["email_not_confirmed", "Confirm your email address first, then sign in."],
    ["server_error", "The sign-in server had a problem. Try again in a moment."],
  ])("%s", (code, text) => {
    expect(errorMessage({ code, message: "raw server text" })).toBe(text);
  });

  it("falls back to the server message for other codes", () => {
    expect(errorMessage({ code: "internal", message: "Disk is full" })).toBe("Disk is full");
  });

  it("uses a generic text when the server message is empty", () => {
    expect(errorMessage({ code: "internal", message: "  " })).toBe(
      "Something went wrong. Please try again.",
    );
  });

  it("does not treat Object.prototype names as known codes", () => {
    expect(errorMessage({ code: "toString", message: "odd" })).toBe("odd");
  });
});

describe("signedOutReasonMessage", () => {
  it.each([
    ["user", "You signed out."],
    ["revoked", "You were signed out because this session was ended elsewhere."],
    ["timeout", "Your session reached its time limit. Sign in again."],
    ["storage_unavailable", "Latchkey couldn't read your saved session from the system keychain."],
    ["storage_corrupt", "Your saved session was damaged and has been set aside. Please sign in again."],
  ] as const)("%s", (reason, text) => {
    expect(signedOutReasonMessage(reason)).toBe(text);
  });

  it("has nothing to say for a null reason", () => {
    expect(signedOutReasonMessage(null)).toBeNull();
  });
});
