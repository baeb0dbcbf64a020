// The sign-in screen (methods, codes, links, phone), sign-up, forgot password and the new-password screen.
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatCountdown } from "../../format";
import { ALL_OPTIONS, FakeCore, PASSWORD_ONLY, SIGNED_IN, deferred, signedOut } from "../../test/fakeCore";
import { $, byId, renderApp, signInReady, signedOutCore, text, type } from "../../test/screen";

afterEach(() => {
  vi.useRealTimers();
});

describe("formatCountdown", () => {
  it.each([
    [86399, "23 h 59 min left"],
    [3 * 86400 + 7200 + 5, "3 d 2 h left"],
    [599, "9 min left"],
    [59, "59 s left"],
    [0, "Time is up"],
    [-5, "Time is up"],
  ])("%d s → %s", (s, t) => expect(formatCountdown(s)).toBe(t));
});

describe("Sign-in screen", () => {
  it("shows only the methods and providers the options allow", async () => {
    const core = signedOutCore({ ...PASSWORD_ONLY, oauthProviders: ["github", "azure"] });
    renderApp();
    await signInReady(core);
    expect(screen.queryByRole("tablist")).toBeNull(); // one method: no switcher
    expect(byId("password")).not.toBeNull();
    expect(text("oauth-github")).toBe("Continue with GitHub");
    expect(text("oauth-azure")).toBe("Continue with Microsoft");
    expect(byId("create-account")).toBeNull();
    expect(byId("forgot-password")).not.toBeNull();
  });

  it("switches between password, email code, magic link and phone", async () => {
    const core = signedOutCore();
    renderApp();
    await signInReady(core);
    const tabs = within(screen.getByRole("tablist")).getAllByRole("tab");
    expect(tabs.map((t) => t.textContent)).toEqual(["Password", "Email code", "Magic link", "Phone"]);
    expect(tabs[0].getAttribute("aria-selected")).toBe("true");
    expect(byId("sign-in")).not.toBeNull();

    fireEvent.click($("method-email-code"));
    expect(byId("password")).toBeNull();
    expect(text("send-code")).toBe("Send code");

    fireEvent.keyDown($("method-email-code"), { key: "ArrowRight" });
    expect($("method-magic-link").getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement).toBe($("method-magic-link"));
    expect(text("send-link")).toBe("Send link");
    expect(byId("create-account")).not.toBeNull();
  });

  it("hides methods that are not allowed, and says so when none is", async () => {
    const core = signedOutCore({ ...PASSWORD_ONLY, password: false, magicLink: true });
    renderApp();
    await signInReady(core);
    expect(byId("password")).toBeNull();
    expect(byId("send-link")).not.toBeNull();
    expect(byId("method-email-code")).toBeNull();
    expect(byId("forgot-password")).toBeNull();
  });

  it("with no method at all, tells the user to contact the administrator", async () => {
    const core = signedOutCore({ ...PASSWORD_ONLY, password: false });
    renderApp();
    await signInReady(core);
    expect(text("no-sign-in-methods")).toContain("No sign-in method is available");
  });

  it("falls back to password sign-in when the options can't be loaded", async () => {
    const core = new FakeCore({ seq: 1, state: signedOut(null) }).on("get_sign_in_options", () => {
      throw { code: "server_unreachable", message: "down" };
    });
    renderApp();
    await signInReady(core);
    expect(byId("password")).not.toBeNull();
    expect(text("sign-in-options-failed")).toBe(
      "Can't reach the sign-in server. Check your connection and try again. Only password sign-in is shown until the server answers.",
    );
  });

  it("email code: send, then verify with the same email", async () => {
    const verify = deferred<null>();
    const core = signedOutCore().on("verify_email_code", () => verify.promise);
    renderApp();
    await signInReady(core);
    fireEvent.click($("method-email-code"));
    type("email", " demo@latchkey.local ");
    fireEvent.click($("send-code"));
    await screen.findByText(/We sent a 6-digit code to/);
    expect(core.callsOf("send_email_code")[0].args).toEqual({ email: "demo@latchkey.local" });

    type("email-code", "123 456");
    fireEvent.click($("verify-code"));
    await waitFor(() => expect(text("verify-code")).toBe("Verifying…"));
    expect(core.callsOf("verify_email_code")[0].args).toEqual({ email: "demo@latchkey.local", code: "123456" });

    act(() => core.emitAuthState({ seq: 2, event: "SIGNED_IN", state: SIGNED_IN }));
    await act(async () => verify.resolve(null));
    expect(await screen.findByRole("heading", { name: /Signed in as/ })).toBeTruthy();
  });

  it("email code: an expired code shows the plain message and keeps the code step", async () => {
    const core = signedOutCore().on("verify_email_code", () => {
      throw { code: "otp_expired", message: "Token has expired or is invalid" };
    });
    renderApp();
    await signInReady(core);
    fireEvent.click($("method-email-code"));
    type("email", "demo@latchkey.local");
    fireEvent.click($("send-code"));
    await screen.findByText(/We sent a 6-digit code to/);
    type("email-code", "000000");
    fireEvent.click($("verify-code"));
    expect((await screen.findByRole("alert")).textContent).toBe(
      "That code has expired or was already used. Request a new one.",
    );
    expect(byId("email-code")).not.toBeNull();
  });

  it("magic link: send, then 'check your email'", async () => {
    const core = signedOutCore();
    renderApp();
    await signInReady(core);
    fireEvent.click($("method-magic-link"));
    type("email", "demo@latchkey.local");
    fireEvent.click($("send-link"));
    expect((await screen.findByText(/Check your email; the link opens Latchkey\./)).id).toBe("link-sent");
    expect(core.callsOf("send_email_code")[0].args).toEqual({ email: "demo@latchkey.local" });
  });

  it.each([
    ["user", "You signed out."],
    ["revoked", "You were signed out because this session was ended elsewhere."],
    ["timeout", "Your session reached its time limit. Sign in again."],
    ["idle_timeout", "You were signed out after a period of inactivity."],
    [
      "policy",
      "Your organization's policy signed you out (or the policy file is invalid). Contact your administrator.",
    ],
    ["storage_unavailable", "Latchkey couldn't read your saved session from the system keychain."],
    ["storage_corrupt", "Your saved session was damaged and has been set aside. Please sign in again."],
  ] as const)("signed out (%s) says why", async (reason, message) => {
    const core = signedOutCore(ALL_OPTIONS, reason);
    renderApp();
    await signInReady(core);
    expect(text("signed-out-reason")).toBe(message);
  });
});

describe("Sign-up, forgot password, new password", () => {
  it("sign up with confirmation sent: says to check the email", async () => {
    const core = signedOutCore();
    renderApp();
    await signInReady(core);
    fireEvent.click($("create-account"));
    expect(byId("sign-up-screen")).not.toBeNull();
    type("sign-up-email", "new@latchkey.local");
    type("sign-up-password", "a long password");
    fireEvent.click($("sign-up"));
    expect((await screen.findByText(/We sent a confirmation link to/)).closest("#sign-up-confirmation")).not.toBeNull();
    expect(core.callsOf("sign_up")[0].args).toEqual({ email: "new@latchkey.local", password: "a long password" });

    fireEvent.click($("back-to-sign-in"));
    await screen.findByRole("heading", { name: "Sign in to Latchkey" });
  });

  it("sign up without confirmation: SIGNED_IN follows and the home shows", async () => {
    const core = signedOutCore().on("sign_up", () => {
      queueMicrotask(() => core.emitAuthState({ seq: 2, event: "SIGNED_IN", state: SIGNED_IN }));
      return { confirmationSent: false };
    });
    renderApp();
    await signInReady(core);
    fireEvent.click($("create-account"));
    type("sign-up-email", "demo@latchkey.local");
    type("sign-up-password", "a long password");
    fireEvent.click($("sign-up"));
    await screen.findByRole("heading", { name: "Signed in as demo@latchkey.local" });
    expect(byId("sign-up-confirmation")).toBeNull();
  });

  it("sign up: an existing user gets a plain message", async () => {
    const core = signedOutCore().on("sign_up", () => {
      throw { code: "user_already_exists", message: "User already registered" };
    });
    renderApp();
    await signInReady(core);
    fireEvent.click($("create-account"));
    type("sign-up-email", "demo@latchkey.local");
    type("sign-up-password", "pw");
    fireEvent.click($("sign-up"));
    expect((await screen.findByRole("alert")).textContent).toBe(
      "An account with this email already exists. Sign in instead.",
    );
  });

  it("forgot password: recover_password, then a calm confirmation", async () => {
    const core = signedOutCore();
    renderApp();
    await signInReady(core);
    fireEvent.click($("forgot-password"));
    expect(byId("forgot-screen")).not.toBeNull();
    type("forgot-email", "demo@latchkey.local");
    fireEvent.click($("send-recovery"));
    expect((await screen.findByText(/we sent it a link to reset the password/)).id).toBe("forgot-sent");
    expect(core.callsOf("recover_password")[0].args).toEqual({ email: "demo@latchkey.local" });
  });

  it("PASSWORD_RECOVERY shows the new-password screen until USER_UPDATED", async () => {
    const core = signedOutCore();
    renderApp();
    await signInReady(core);
    act(() => core.emitAuthState({ seq: 2, event: "PASSWORD_RECOVERY", state: SIGNED_IN }));
    await waitFor(() => expect(byId("new-password-screen")).not.toBeNull());

    type("new-password", "new secret 1");
    type("confirm-password", "new secret 2");
    fireEvent.click($("save-password"));
    expect(text("password-mismatch")).toBe("The two passwords don't match.");
    expect(core.callsOf("update_password")).toHaveLength(0);

    type("confirm-password", "new secret 1");
    fireEvent.click($("save-password"));
    await waitFor(() => expect(core.callsOf("update_password")).toHaveLength(1));
    expect(core.callsOf("update_password")[0].args).toEqual({ password: "new secret 1", currentPassword: null });

    act(() => core.emitAuthState({ seq: 3, event: "USER_UPDATED", state: SIGNED_IN }));
    await screen.findByRole("heading", { name: "Signed in as demo@latchkey.local" });
    expect(byId("new-password-screen")).toBeNull();
    expect(byId("password-updated")).not.toBeNull();
  });
});
