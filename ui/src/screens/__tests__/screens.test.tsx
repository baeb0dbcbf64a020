import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import { AuthProvider } from "../../auth/AuthProvider";
import type { SignInOptions, StateView } from "../../auth/types";
import { formatCountdown, formatTime } from "../../format";
import { clockText } from "../../views/SessionPanel";
import {
  ACTIVITY,
  ALL_OPTIONS,
  EXPIRED,
  FakeCore,
  PASSWORD_ONLY,
  SIGNED_IN,
  deferred,
  signOutReport,
  signedOut,
} from "../../test/fakeCore";

const byId = (id: string) => document.getElementById(id);
const $ = (id: string) => {
  const el = byId(id);
  if (!el) throw new Error(`#${id} not found`);
  return el;
};
const type = (id: string, value: string) => fireEvent.change($(id), { target: { value } });
const text = (id: string) => $(id).textContent;

function renderApp() {
  return render(
    <AuthProvider>
      <App />
    </AuthProvider>,
  );
}

async function signInReady(core: FakeCore) {
  await screen.findByRole("heading", { name: "Sign in to Latchkey" });
  await waitFor(() => expect(core.callsOf("get_sign_in_options")).toHaveLength(1));
  await waitFor(() => expect(byId("sign-in-options-loading")).toBeNull());
}

function signedOutCore(options: SignInOptions = ALL_OPTIONS, reason: Parameters<typeof signedOut>[0] = null) {
  return new FakeCore({ seq: 1, state: signedOut(reason) }).on("get_sign_in_options", () => options);
}

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

describe("Signed-in home", () => {
  const NOW = SIGNED_IN.signedInAt + 30; // deadline is signedInAt + 24 h; mid-minute, as waiting moves the fake clock

  /** Lets fake time pass. A redraw's next timer is armed when React commits it (after the first act), so a second
   * act runs the one that is due by then: the screen then shows the time reached. */
  function pass(ms: number) {
    act(() => vi.advanceTimersByTime(ms));
    act(() => vi.advanceTimersByTime(0));
  }

  function atNow(seconds: number) {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    vi.setSystemTime(seconds * 1000);
  }

  async function home(state: StateView = SIGNED_IN) {
    const core = new FakeCore({ seq: 1, state });
    renderApp();
    await screen.findByRole("heading", { name: "Signed in as demo@latchkey.local" });
    return core;
  }

  it("shows expiry, next refresh, a live deadline countdown and the keychain backend", async () => {
    atNow(NOW);
    await home();
    const iso = (s: number) => new Date(s * 1000).toISOString();
    expect($("access-expires-at").querySelector("time")!.getAttribute("datetime")).toBe(iso(SIGNED_IN.accessExpiresAt));
    expect($("next-refresh-at").querySelector("time")!.getAttribute("datetime")).toBe(iso(SIGNED_IN.nextRefreshAt!));
    expect(text("deadline-countdown")).toBe("23 h 59 min left");
    expect(await screen.findByText("Secret Service (gnome-keyring-d)")).toBe($("keychain-backend"));
    expect(byId("expiring-banner")).toBeNull();
    expect(byId("offline-banner")).toBeNull();
    expect(text("session-status")).toBe("Active");

    pass(2 * 3600 * 1000);
    expect(text("deadline-countdown")).toBe("21 h 59 min left");
  });

  it("a key kept in a file (insecure fallback allowed by policy) is said to be weaker", async () => {
    atNow(NOW);
    await home({ ...SIGNED_IN, persistence: "insecure_file" } as StateView);
    expect(text("persistence")).toBe("Encrypted vault, key in a file (weaker: the keychain is unavailable)");
    expect(text("insecure-storage")).toContain("less protected");
    expect(byId("memory-only")).toBeNull();
  });

  it("the expiring banner appears under 10 minutes and 'Sign in again' signs out locally", async () => {
    atNow(SIGNED_IN.deadlineAt! - 601);
    const core = await home();
    expect(byId("expiring-banner")).toBeNull();
    pass(2000);
    expect(text("expiring-banner")).toContain("Your session ends in 9 min.");
    expect(text("deadline-countdown")).toBe("9 min left");

    fireEvent.click($("sign-in-again"));
    await waitFor(() => expect(core.callsOf("sign_out")).toHaveLength(1));
    expect(core.callsOf("sign_out")[0].args).toEqual({ scope: "local" });
    act(() => core.emitAuthState({ seq: 2, event: "SIGNED_OUT", state: signedOut("user") }));
    await screen.findByRole("heading", { name: "Sign in to Latchkey" });
  });

  it("SESSION_EXPIRING shows the expiring banner even far from the deadline", async () => {
    atNow(NOW);
    const core = await home();
    act(() => core.emitAuthState({ seq: 2, event: "SESSION_EXPIRING", state: SIGNED_IN, remaining: 600 }));
    await waitFor(() => expect(byId("expiring-banner")).not.toBeNull());
  });

  it("offline: the banner shows the next attempt from REFRESH_RETRYING", async () => {
    atNow(1764300300 - 600);
    const core = await home();
    const offline = { ...SIGNED_IN, freshness: "offline_valid" as const };
    const retry = { attempt: 3, nextAt: 1764300300, cause: "server_unreachable" };
    act(() => core.emitAuthState({ seq: 2, event: "REFRESH_RETRYING", state: offline, retry }));
    await waitFor(() =>
      expect(text("offline-banner")).toContain(
        `Can't reach the server — retrying at ${formatTime(1764300300)} (attempt 3).`,
      ),
    );
    expect(text("signed-in-user")).toBe("Signed in as demo@latchkey.local");

    act(() => core.emitAuthState({ seq: 3, event: "TOKEN_REFRESHED", state: SIGNED_IN }));
    await waitFor(() => expect(byId("offline-banner")).toBeNull());
  });

  it("offline: a close retry counts down in seconds, then says it is retrying now", async () => {
    atNow(1764300300 - 4);
    const core = await home();
    const offline = { ...SIGNED_IN, freshness: "offline_valid" as const };
    const retry = { attempt: 2, nextAt: 1764300300, cause: "server_unreachable" };
    act(() => core.emitAuthState({ seq: 2, event: "REFRESH_RETRYING", state: offline, retry }));
    await waitFor(() => expect(text("offline-banner")).toContain("retrying in 4 s (attempt 2)."));
    pass(5000);
    expect(text("offline-banner")).toContain("retrying now (attempt 2).");
  });

  it("expired: still signed in, with a reconnecting banner", async () => {
    atNow(EXPIRED.nextRetryAt! - 600);
    await home(EXPIRED);
    expect(text("offline-banner")).toContain(`retrying at ${formatTime(EXPIRED.nextRetryAt!)}`);
    expect(text("session-status")).toBe("Reconnecting");
    expect(text("access-expires-at")).toBe("Expired");
    expect(byId("sign-in")).toBeNull();
  });

  it.each([
    ["sign-out", "local"],
    ["sign-out-everywhere", "global"],
    ["sign-out-others", "others"],
  ])("#%s calls sign_out with scope %s", async (id, scope) => {
    const core = await home();
    fireEvent.click($(id));
    await waitFor(() => expect(core.callsOf("sign_out")).toHaveLength(1));
    expect(core.callsOf("sign_out")[0].args).toEqual({ scope });
  });

  it("signing out other devices keeps you here and confirms it", async () => {
    const reply = deferred<unknown>();
    const core = await home();
    core.on("sign_out", () => reply.promise);
    fireEvent.click($("sign-out-others"));
    await waitFor(() => expect(text("sign-out-others")).toBe("Signing out others…"));
    expect(($("sign-out") as HTMLButtonElement).disabled).toBe(true);
    await act(async () => reply.resolve(signOutReport("others", "ended")));
    expect(text("sign-out-others-done")).toBe("Your other devices were signed out. You are still signed in here.");
    expect(text("signed-in-user")).toBe("Signed in as demo@latchkey.local");
  });

  it("a failed sign-out shows the error (storage_busy)", async () => {
    const core = await home();
    core.on("sign_out", () => {
      throw { code: "storage_busy", message: "locked" };
    });
    fireEvent.click($("sign-out"));
    await waitFor(() =>
      expect(byId("auth-error")?.textContent).toBe("Another Latchkey window or command is using your saved session."),
    );
    expect(text("signed-in-user")).toBe("Signed in as demo@latchkey.local");
  });

  it("touch is called on activity, at most once a minute", async () => {
    atNow(NOW);
    const core = await home();
    // vi.waitFor, not testing-library's waitFor: with setInterval faked, the latter re-checks only on DOM changes, and
    // a touch changes nothing in the DOM. Activity is repeated until the keep-alive listener is attached; repeats
    // within the minute are the throttling under test.
    fireEvent.keyDown(window, { key: "a" });
    await vi.waitFor(() => {
      fireEvent.pointerDown(window);
      expect(core.callsOf("touch")).toHaveLength(1);
    });
    vi.setSystemTime((NOW + 30) * 1000);
    fireEvent.pointerDown(window);
    vi.setSystemTime((NOW + 61) * 1000);
    fireEvent.pointerDown(window);
    await vi.waitFor(() => expect(core.callsOf("touch")).toHaveLength(2));
  });

  it("touch is not called while signed out", async () => {
    const core = signedOutCore();
    renderApp();
    await signInReady(core);
    fireEvent.keyDown(window, { key: "a" });
    expect(core.callsOf("touch")).toHaveLength(0);
  });
});

describe("Clock check", () => {
  it.each([
    [0, "In sync with the server"],
    [-2, "In sync with the server"],
    [40, "40 s behind the server"],
    [-75, "75 s ahead of the server"],
    [null, "Couldn't compare with the server"],
  ])("skew %s reads %s", (skew, expected) => {
    expect(clockText(skew)).toBe(expected);
  });

  it("shows the server's clock comparison on the home screen", async () => {
    new FakeCore({ seq: 1, state: SIGNED_IN }).on("get_clock_skew", () => 40);
    renderApp();
    await screen.findByRole("heading", { name: "Signed in as demo@latchkey.local" });
    await waitFor(() => expect(text("clock-skew")).toBe("40 s behind the server"));
  });
});

describe("Activity", () => {
  it("lists events with time, event and reason, and reloads on a new auth event", async () => {
    const core = new FakeCore({ seq: 1, state: SIGNED_IN });
    renderApp();
    await screen.findByRole("heading", { name: /Signed in as/ });
    fireEvent.click($("tab-activity"));
    const table = await screen.findByRole("table");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(ACTIVITY.length);
    expect(rows[0].textContent).toContain("Session renewed");
    expect(rows[1].textContent).toContain("Signed in");
    expect(rows[2].textContent).toContain("Signed out");
    expect(rows[2].textContent).toContain("Inactivity");
    expect(rows[0].querySelector("time")!.getAttribute("datetime")).toBe(
      new Date(ACTIVITY[0].at * 1000).toISOString(),
    );
    expect(core.callsOf("get_activity")).toHaveLength(1);

    act(() => core.emitAuthState({ seq: 2, event: "TOKEN_REFRESHED", state: SIGNED_IN }));
    await waitFor(() => expect(core.callsOf("get_activity")).toHaveLength(2));
  });

  it("is reachable while signed out, and says so when empty", async () => {
    const core = signedOutCore().on("get_activity", () => []);
    renderApp();
    await signInReady(core);
    fireEvent.click($("show-activity"));
    expect(await screen.findByText("No activity yet.")).toBeTruthy();
    expect(byId("activity")).not.toBeNull();
  });
});
