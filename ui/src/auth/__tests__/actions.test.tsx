// The provider's actions, grouped by concern: stable across state changes, and settings through the provider.
import { act, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { AuthProvider } from "../AuthProvider";
import type { AuthActions } from "../context";
import { useActions } from "../useActions";
import { useSession } from "../useSession";
import { FakeCore, NO_POLICY, SIGNED_IN, signedOut } from "../../test/fakeCore";
import { SettingsPanel } from "../../views/SettingsPanel";

describe("AuthActions", () => {
  it("never change identity, so a component that only acts does not re-render on state changes", async () => {
    const seen: AuthActions[] = [];
    function ActsOnly() {
      seen.push(useActions());
      return null;
    }
    function Status() {
      return <p id="status">{useSession().status}</p>;
    }
    const core = new FakeCore({ seq: 1, state: signedOut(null) });
    render(
      <AuthProvider>
        <ActsOnly />
        <Status />
      </AuthProvider>,
    );
    await waitFor(() => expect(document.getElementById("status")!.textContent).toBe("signed_out"));
    act(() => core.emitAuthState({ seq: 2, event: "SIGNED_IN", state: SIGNED_IN }));
    await waitFor(() => expect(document.getElementById("status")!.textContent).toBe("signed_in"));
    expect(seen).toHaveLength(1);
  });

  it("settings: get_settings and set_setting through the provider, answers checked, errors as results", async () => {
    const core = new FakeCore()
      .on("get_settings", () => NO_POLICY)
      .on("set_setting", (args) => {
        if (args.key === "proxy") throw { code: "invalid_setting", message: "not a URL" };
        return null;
      });
    let actions: AuthActions | null = null;
    function Grab() {
      actions = useActions();
      return null;
    }
    render(
      <AuthProvider>
        <Grab />
      </AuthProvider>,
    );
    const { settings } = actions!;
    expect(await settings.getSettings()).toEqual({ ok: true, value: NO_POLICY });
    expect(await settings.setSetting("idle_timeout", "30m")).toEqual({ ok: true, value: null });
    expect(await settings.setSetting("proxy", "ftp://x")).toEqual({ ok: false, error: { code: "invalid_setting", message: "not a URL" } });
    expect(core.callsOf("set_setting").map((c) => c.args)).toEqual([
      { key: "idle_timeout", value: "30m" },
      { key: "proxy", value: "ftp://x" },
    ]);
    core.on("get_settings", () => ({ version: 1 }));
    const bad = await settings.getSettings();
    expect(bad.ok ? null : bad.error.code).toBe("malformed_response");
  });

  it("the settings screen says so when the report can't be read", async () => {
    new FakeCore().on("get_settings", () => ({ unexpected: true }));
    render(
      <AuthProvider>
        <SettingsPanel />
      </AuthProvider>,
    );
    expect((await screen.findByRole("alert")).id).toBe("settings-error");
  });
});
