// The signed-in home (deadlines, banners, backends, sign-out, activity touches), the clock check and the activity list.
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { StateView } from "../../auth/types";
import { formatTime } from "../../format";
import { ACTIVITY, EXPIRED, FakeCore, SIGNED_IN, deferred, signOutReport, signedOut } from "../../test/fakeCore";
import { clockText } from "../../views/SessionPanel";
import { $, byId, renderApp, signInReady, signedOutCore, text } from "../../test/screen";

afterEach(() => {
  vi.useRealTimers();
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
