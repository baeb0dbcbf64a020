// Several windows and reloads: the route picks the window's view, the activity window is
// read-only and live, and a (re)load renders "initializing" until the snapshot arrives.
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { AuthProvider } from "../auth/AuthProvider";
import { Root } from "../Root";
import { ACTIVITY_HASH, viewFromHash, type WindowView } from "../route";
import { FakeCore, SIGNED_IN, deferred, signedOut } from "../test/fakeCore";
import type { AuthSnapshot } from "../auth/types";

const byId = (id: string) => document.getElementById(id);

/** Renders like main.tsx does, inside a `#root` element (useRenderTrace marks it). */
function renderWindow(view: WindowView) {
  const root = document.createElement("div");
  root.id = "root";
  document.body.appendChild(root);
  return render(
    <AuthProvider>
      <Root view={view} />
    </AuthProvider>,
    { container: root },
  );
}

afterEach(() => {
  delete window.__latchkeyRenders;
  byId("root")?.remove();
});

describe("route", () => {
  it.each([
    [ACTIVITY_HASH, "activity"],
    ["#/activity", "activity"],
    ["", "main"],
    ["#", "main"],
    ["#/activity/extra", "main"],
    ["#/other", "main"],
  ] as const)("hash %j shows the %s view", (hash, view) => {
    expect(viewFromHash(hash)).toBe(view);
  });
});

describe("activity window", () => {
  it("shows only the status header and the activity, with no sign-in form, tabs or actions", async () => {
    new FakeCore({ seq: 1, state: SIGNED_IN });
    renderWindow("activity");
    expect((await screen.findByRole("heading", { name: "Recent activity" })).id).toBe("activity-window-title");
    await waitFor(() => expect(byId("window-session")!.textContent).toBe("Signed in as demo@latchkey.local"));
    await screen.findByText("Session renewed");
    for (const id of ["email", "sign-in", "sign-out", "tab-session", "tab-activity", "open-activity-window"]) {
      expect(byId(id), id).toBeNull();
    }
  });

  it("uses only the commands its capability grants (listen, get_auth_state, window_ready, get_activity)", async () => {
    const core = new FakeCore({ seq: 1, state: SIGNED_IN });
    renderWindow("activity");
    await screen.findByText("Session renewed");
    act(() => core.emitAuthState({ seq: 2, event: "TOKEN_REFRESHED", state: SIGNED_IN }));
    act(() => core.emitAuthState({ seq: 3, event: "SIGNED_OUT", state: signedOut("user") }));
    await waitFor(() => expect(byId("window-session")!.textContent).toBe("You signed out."));
    const used = new Set(core.calls.map((c) => c.cmd));
    const granted = new Set(["plugin:event|listen", "plugin:event|unlisten", "get_auth_state", "window_ready", "get_activity"]);
    expect([...used].filter((cmd) => !granted.has(cmd))).toEqual([]);
  });

  it("follows events live: a refresh reloads the list, a sign-out leaves no trace of the user", async () => {
    const core = new FakeCore({ seq: 1, state: SIGNED_IN });
    renderWindow("activity");
    await waitFor(() => expect(byId("window-session")!.textContent).toContain("demo@latchkey.local"));
    const loads = core.callsOf("get_activity").length;

    act(() => core.emitAuthState({ seq: 2, event: "TOKEN_REFRESHED", state: SIGNED_IN }));
    await waitFor(() => expect(core.callsOf("get_activity").length).toBeGreaterThan(loads));

    act(() => core.emitAuthState({ seq: 3, event: "SIGNED_OUT", state: signedOut("timeout") }));
    await waitFor(() => expect(byId("window-session")!.getAttribute("data-status")).toBe("signed_out"));
    expect(byId("window-session")!.textContent).toMatch(/time limit/i);
    expect(document.body.innerHTML).not.toContain("demo@latchkey.local");
    expect(document.body.innerHTML).not.toContain(SIGNED_IN.user.id);
  });
});

describe("activity window: snapshot failure", () => {
  it("says why and offers to try again, then shows the state", async () => {
    const core = new FakeCore(() => {
      throw { code: "internal", message: "the session service has stopped" };
    });
    renderWindow("activity");
    expect((await screen.findByRole("alert")).textContent).toContain("the session service has stopped");
    expect(byId("window-session")!.textContent).toBe("Restoring your session…");
    core.on("get_auth_state", () => ({ seq: 2, state: SIGNED_IN }));
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(byId("window-session")!.textContent).toBe("Signed in as demo@latchkey.local"));
    expect(byId("auth-error")).toBeNull();
  });
});

describe("main window: open the activity window", () => {
  it("the Activity tab's button calls open_activity_window, shows it busy, and reports a failure", async () => {
    const core = new FakeCore({ seq: 1, state: SIGNED_IN });
    const reply = deferred<null>();
    let calls = 0;
    core.on("open_activity_window", () => {
      calls += 1;
      if (calls === 1) return reply.promise;
      throw { code: "window_unavailable", message: "could not open the activity window: no display" };
    });
    renderWindow("main");
    fireEvent.click(await screen.findByRole("tab", { name: "Activity" }));
    const button = (await screen.findByRole("button", { name: "Open in new window" })) as HTMLButtonElement;

    fireEvent.click(button);
    await waitFor(() => expect(button.textContent).toBe("Opening…"));
    expect(button.disabled).toBe(true);
    await act(async () => reply.resolve(null));
    await waitFor(() => expect(button.textContent).toBe("Open in new window"));
    expect(byId("open-activity-window-error")).toBeNull();

    fireEvent.click(button);
    expect((await screen.findByRole("alert")).textContent).toContain("could not open the activity window");
    expect(core.callsOf("open_activity_window")).toHaveLength(2);
  });
});

describe("reload: no flicker to signed out", () => {
  it("renders 'initializing' until the snapshot arrives, then 'signed_in', never 'signed_out'", async () => {
    const snapshot = deferred<AuthSnapshot>();
    new FakeCore(() => snapshot.promise);
    renderWindow("main");
    expect(byId("root")!.getAttribute("data-status")).toBe("initializing");
    expect(screen.getByText("Restoring your session…")).toBeTruthy();
    expect(byId("email")).toBeNull();

    await act(async () => snapshot.resolve({ seq: 7, state: SIGNED_IN }));
    await screen.findByRole("heading", { name: "Signed in as demo@latchkey.local" });
    expect(window.__latchkeyRenders).toEqual(["initializing", "signed_in"]);
    expect(byId("root")!.getAttribute("data-status")).toBe("signed_in");
  });

  it("a failed snapshot keeps the neutral screen (with Try again), not the sign-in form", async () => {
    const core = new FakeCore(() => {
      throw { code: "internal", message: "the session service has stopped" };
    });
    renderWindow("main");
    await screen.findByRole("button", { name: "Try again" });
    expect(byId("email")).toBeNull();
    core.on("get_auth_state", () => ({ seq: 2, state: SIGNED_IN }));
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await screen.findByRole("heading", { name: "Signed in as demo@latchkey.local" });
    expect(window.__latchkeyRenders).toEqual(["initializing", "signed_in"]);
  });

  it("the trace records each status change once, in order", async () => {
    const core = new FakeCore({ seq: 1, state: SIGNED_IN });
    renderWindow("main");
    await screen.findByRole("heading", { name: /Signed in as/ });
    act(() => core.emitAuthState({ seq: 2, event: "TOKEN_REFRESHED", state: SIGNED_IN }));
    act(() => core.emitAuthState({ seq: 3, event: "SIGNED_OUT", state: signedOut("user") }));
    await waitFor(() => expect(byId("root")!.getAttribute("data-status")).toBe("signed_out"));
    expect(window.__latchkeyRenders).toEqual(["initializing", "signed_in", "signed_out"]);
  });
});
