// The auth provider's event subscriptions: one listener per event, cleaned up under StrictMode and on unmount (even
// before it is registered), and events delivered through mockIPC's own event mocking.
import { act, waitFor } from "@testing-library/react";
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { describe, expect, it } from "vitest";
import { FakeCore, SIGNED_IN, deferred, signedOut } from "../../test/fakeCore";
import { byId, homeScreen, renderApp, signInScreen } from "../../test/screen";
import type { AuthEventPayload } from "../types";

describe("AuthProvider: lifecycle", () => {
  it("without StrictMode: one listen, one snapshot", async () => {
    const core = new FakeCore({ seq: 1, state: SIGNED_IN });
    renderApp();
    await homeScreen();
    expect(core.listensOf("auth://state")).toHaveLength(1);
    expect(core.listensOf("auth://flow-error")).toHaveLength(1);
    expect(core.callsOf("get_auth_state")).toHaveLength(1);
    expect(core.activeListeners()).toBe(1);
    expect(core.activeListeners("auth://flow-error")).toBe(1);
  });

  it("under StrictMode: the double-run effect is cleaned up, leaving exactly one listener", async () => {
    // React's StrictMode (development) mounts, cleans up and re-mounts effects on
    // purpose. The provider does not fight this with a "run once" flag; it cleans up
    // correctly, so the first subscription is removed and only one stays active.
    const core = new FakeCore({ seq: 1, state: SIGNED_IN });
    renderApp({ strict: true });
    await homeScreen();

    await waitFor(() => expect(core.callsOf("plugin:event|unlisten")).toHaveLength(2));
    expect(core.listensOf("auth://state")).toHaveLength(2);
    expect(core.listensOf("auth://flow-error")).toHaveLength(2);
    expect(core.activeListeners()).toBe(1);
    expect(core.activeListeners("auth://flow-error")).toBe(1);
    // The first run is cleaned up before its listen() resolves (IPC is async), so it
    // never asks for a snapshot: the app initializes once.
    expect(core.callsOf("get_auth_state")).toHaveLength(1);
    // ...and the one snapshot was requested after the surviving listener was set up.
    const cmds = core.calls.map((c) => c.cmd);
    const lastStateListen = core.calls.lastIndexOf(core.listensOf("auth://state")[1]);
    expect(cmds.indexOf("get_auth_state")).toBeGreaterThan(lastStateListen);

    // The one remaining listener applies events.
    act(() => core.emitAuthState({ seq: 2, event: "SIGNED_OUT", state: signedOut("timeout") }));
    await signInScreen();
    expect(byId("signed-out-reason")!.textContent).toBe(
      "Your session reached its time limit. Sign in again.",
    );
  });

  it("unlistens on unmount", async () => {
    const core = new FakeCore({ seq: 1, state: SIGNED_IN });
    const { unmount } = renderApp();
    await homeScreen();
    expect(core.activeListeners()).toBe(1);
    const eventId = await (core.calls.find((c) => c.cmd === "plugin:event|listen")!.args
      .handler as number);

    unmount();
    await waitFor(() => expect(core.activeListeners()).toBe(0));
    await waitFor(() => expect(core.activeListeners("auth://flow-error")).toBe(0));
    const unlistens = core.listensOf("auth://state", "unlisten");
    expect(unlistens).toHaveLength(1);
    expect(unlistens[0].args).toEqual({ event: "auth://state", eventId });
    expect(core.listensOf("auth://flow-error", "unlisten")).toHaveLength(1);
  });

  it("unmounting before the listener is registered still unlistens, and skips the snapshot", async () => {
    const core = new FakeCore({ seq: 1, state: SIGNED_IN });
    const gate = deferred<void>();
    core.listenGate = gate.promise;
    const { unmount } = renderApp();
    await waitFor(() => expect(core.callsOf("plugin:event|listen")).toHaveLength(2));

    unmount();
    await act(async () => gate.resolve());
    await waitFor(() => expect(core.callsOf("plugin:event|unlisten")).toHaveLength(2));
    expect(core.activeListeners()).toBe(0);
    expect(core.activeListeners("auth://flow-error")).toBe(0);
    expect(core.callsOf("get_auth_state")).toHaveLength(0);
  });
});

describe("AuthProvider: with mockIPC's built-in event mocking", () => {
  it("applies events emitted through @tauri-apps/api/event (shouldMockEvents)", async () => {
    const commands: string[] = [];
    mockIPC(
      (cmd) => {
        commands.push(cmd);
        if (cmd === "get_auth_state") return { seq: 1, state: signedOut(null) };
        return null;
      },
      { shouldMockEvents: true },
    );
    renderApp();
    await signInScreen();

    await act(() =>
      emit("auth://state", { seq: 2, event: "SIGNED_IN", state: SIGNED_IN } satisfies AuthEventPayload),
    );
    await homeScreen();

    // Older seq via the same path: ignored.
    await act(() =>
      emit("auth://state", {
        seq: 1,
        event: "SIGNED_OUT",
        state: signedOut("user"),
      } satisfies AuthEventPayload),
    );
    expect(byId("signed-in-user")!.textContent).toBe("Signed in as demo@latchkey.local");
    // Event plugin commands are answered by the mock itself; only ours reach the handler.
    expect(commands.filter((c) => c === "get_auth_state")).toHaveLength(1);
    expect(commands.every((c) => !c.startsWith("plugin:event|"))).toBe(true);
  });
});
