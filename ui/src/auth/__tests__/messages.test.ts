import { describe, expect, it } from "vitest";
import { errorMessage, identityProviderName, signedOutReasonMessage } from "../messages";

describe("errorMessage", () => {
  it.each([
    ["invalid_credentials", "The email or password is not correct."],
    ["server_unreachable", "Can't reach the sign-in server. Check your connection and try again."],
    [
      "tls_untrusted",
      "Latchkey can't verify the sign-in server's security certificate, so it did not send anything. If your network inspects secure connections (a company proxy or firewall), ask your administrator to add its certificate to Latchkey's policy. Also check that this computer's date and time are right.",
    ],
    [
      "proxy_unreachable",
      "Can't reach the network proxy Latchkey is set to use. Check your connection, or ask your administrator about the proxy setting.",
    ],
    ["network_setup", "Latchkey's network settings (a proxy or extra certificates) can't be used. Contact your administrator."],
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
    ["storage_busy", "Another Latchkey window or command is using your saved session."],
    ["otp_expired", "That code has expired or was already used. Request a new one."],
    ["invalid_state", "That sign-in link isn't valid. Start again from Latchkey."],
    ["invalid_callback", "That sign-in link isn't valid. Start again from Latchkey."],
    ["flow_expired", "That sign-in link has expired or was already used. Start again from Latchkey."],
    ["flow_already_used", "That sign-in link has expired or was already used. Start again from Latchkey."],
    ["signup_disabled", "New accounts can't be created here. Contact your administrator."],
    ["user_already_exists", "An account with this email already exists. Sign in instead."],
    ["over_request_rate_limit", "Too many attempts. Wait a minute, then try again."],
    ["refresh_pending", "Latchkey is renewing your session right now. Try again in a moment."],
    ["storage_io", "Latchkey couldn't read or write its saved session on this computer."],
    ["storage_corrupt", "Your saved session was damaged and has been set aside. Please sign in again."],
    ["not_signed_in", "You're not signed in. Sign in and try again."],
  ])("%s", (code, text) => {
    expect(errorMessage({ code, message: "raw server text" })).toBe(text);
  });

  // Every code GoTrue's factor, phone and account routes answer with (docs/mfa-stack.md), and Latchkey's own.
  it.each([
    ["second_factor_required", "Enter the code from your second factor first."],
    ["mfa_verification_failed", "That code is not right. Check it and try again."],
    ["mfa_challenge_expired", "That code expired. A new one was sent: enter it."],
    ["mfa_ip_address_mismatch", "Your network changed while you entered the code. Enter a new code."],
    ["mfa_factor_not_found", "That second factor no longer exists on your account. Sign in again."],
    ["mfa_factor_name_conflict", "You already have a second factor with that name. Choose another name."],
    ["mfa_verified_factor_exists", "That phone number is already set up as a second factor."],
    ["too_many_enrolled_mfa_factors", "Your account has the most second factors it can have. Remove one first."],
    ["mfa_totp_enroll_not_enabled", "Authenticator apps can't be set up on this server. Contact your administrator."],
    ["mfa_phone_enroll_not_enabled", "Text-message codes can't be set up on this server. Contact your administrator."],
    ["insufficient_aal", "Confirm with your second factor first: sign out, sign in again and enter its code."],
    ["over_sms_send_rate_limit", "A code was texted less than a minute ago. Wait a minute, then ask for a new one."],
    ["over_request_rate_limit", "Too many attempts. Wait a minute, then try again."],
    ["validation_failed", "That doesn't look right. Check what you entered (phone numbers start with + and the country code)."],
    ["bad_json", "Latchkey sent a request the server couldn't read. Start again."],
    ["sms_send_failed", "The text message could not be sent. Try again later."],
    ["hook_timeout_after_retry", "The text message could not be sent. Try again later."],
    ["otp_disabled", "There is no account with that phone number."],
    ["otp_expired", "That code has expired or was already used. Request a new one."],
    ["current_password_required", "Enter your current password to change it."],
    ["current_password_invalid", "Your current password is not correct."],
    ["same_password", "The new password must be different from the current one."],
    ["email_exists", "Another account already uses that email address."],
    ["email_address_invalid", "That email address is not valid."],
    ["server_error", "The sign-in server had a problem. Try again in a moment."],
  ])("second factors and account changes: %s", (code, text) => {
    expect(errorMessage({ code, message: "raw server text" })).toBe(text);
  });

  it("policy and weak_password add the core's message", () => {
    expect(errorMessage({ code: "policy", message: "Sign-up is disabled by policy." })).toBe(
      "Your organization's policy does not allow this. Sign-up is disabled by policy.",
    );
    expect(errorMessage({ code: "policy", message: "" })).toBe("Your organization's policy does not allow this.");
    expect(errorMessage({ code: "weak_password", message: "Password should be at least 8 characters." })).toBe(
      "Choose a stronger password. Password should be at least 8 characters.",
    );
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
    ["idle_timeout", "You were signed out after a period of inactivity."],
    [
      "policy",
      "Your organization's policy signed you out (or the policy file is invalid). Contact your administrator.",
    ],
  ] as const)("%s", (reason, text) => {
    expect(signedOutReasonMessage(reason)).toBe(text);
  });

  it("has nothing to say for a null reason", () => {
    expect(signedOutReasonMessage(null)).toBeNull();
  });
});

describe("identityProviderName", () => {
  it.each([
    [{ kind: "oauth", provider: "keycloak" }, "Keycloak"],
    [{ kind: "oauth", provider: "azure" }, "Microsoft"],
    [{ kind: "sso", domain: "corp.example" }, "single sign-on (corp.example)"],
    [{ kind: "sso", domain: null }, "single sign-on"],
  ] as const)("%j", (provider, name) => {
    expect(identityProviderName(provider)).toBe(name);
  });
});
