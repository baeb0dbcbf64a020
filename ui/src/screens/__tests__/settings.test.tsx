import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { App } from "../../App";
import { AuthProvider } from "../../auth/AuthProvider";
import type { SettingsReport } from "../../auth/types";
import { FakeCore, SIGNED_IN, signedOut } from "../../test/fakeCore";

const $ = (id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} not found`);
  return el as HTMLInputElement;
};

function report(overrides: Partial<SettingsReport> = {}): SettingsReport {
  return {
    file: "/etc/latchkey/policy.json",
    present: true,
    error: null,
    warnings: [],
    values: {
      supabase_url: { value: "http://127.0.0.1:54321", source: "default", locked: false },
      max_session_age: { value: "8h", source: "managed", locked: true },
      idle_timeout: { value: "off", source: "default", locked: false },
      session_persistence: { value: "keychain", source: "default", locked: false },
      proxy: { value: null, source: "default", locked: false },
    },
    editable: ["idle_timeout", "session_persistence", "proxy"],
    restartRequired: false,
    version: "0.1.0",
    ...overrides,
  };
}

function renderApp() {
  return render(
    <AuthProvider>
      <App />
    </AuthProvider>,
  );
}

async function openSettingsSignedIn(core: FakeCore) {
  renderApp();
  await screen.findByRole("heading", { name: /Signed in as/ });
  fireEvent.click($("tab-settings"));
  await screen.findByRole("table");
  return core;
}

describe("Settings", () => {
  it("shows locked values as managed by your organization and disables their inputs", async () => {
    await openSettingsSignedIn(new FakeCore({ seq: 1, state: SIGNED_IN }).on("get_settings", () => report()));
    expect($("setting-max_session_age").disabled).toBe(true);
    expect($("setting-max_session_age").value).toBe("8h");
    expect($("setting-max_session_age-hint").textContent).toBe("Managed by your organization");
    expect($("setting-idle_timeout").disabled).toBe(false);
    const row = document.querySelector('tr[data-key="max_session_age"]')!;
    expect(row.textContent).toContain("Managed by your organization");
    expect(document.querySelector('tr[data-key="idle_timeout"]')!.textContent).toContain("Default");
    expect($("policy-status").textContent).toContain("/etc/latchkey/policy.json");
  });

  it("desktop switches save at once as booleans, and one managed by policy is disabled and says so", async () => {
    let notifications = true;
    const values = () => ({
      ...report().values,
      run_in_background: { value: true, source: "default" as const, locked: false },
      launch_at_login: { value: true, source: "managed" as const, locked: true },
      notifications: { value: notifications, source: notifications ? ("default" as const) : ("user" as const), locked: false },
    });
    const core = new FakeCore({ seq: 1, state: SIGNED_IN })
      .on("get_settings", () => report({ values: values(), editable: ["idle_timeout", "run_in_background", "notifications"] }))
      .on("set_setting", (args) => {
        notifications = (args as { value: boolean }).value;
        return null;
      });
    await openSettingsSignedIn(core);
    expect($("setting-launch_at_login").checked).toBe(true);
    expect($("setting-launch_at_login").disabled).toBe(true);
    expect($("setting-launch_at_login-hint").textContent).toBe("Managed by your organization");
    expect($("setting-run_in_background").disabled).toBe(false);
    expect($("setting-notifications").checked).toBe(true);

    fireEvent.click($("setting-notifications"));
    await waitFor(() => expect($("setting-notifications").checked).toBe(false));
    expect(core.callsOf("set_setting").map((c) => c.args)).toEqual([{ key: "notifications", value: false }]);
    expect(document.getElementById("settings-restart")).toBeNull(); // switches apply at once
  });

  it("saves only changed, editable keys and says when they apply", async () => {
    let saved = false;
    const core = new FakeCore({ seq: 1, state: SIGNED_IN })
      .on("get_settings", () => report({ restartRequired: saved }))
      .on("set_setting", () => {
        saved = true;
        return null;
      });
    await openSettingsSignedIn(core);
    fireEvent.change($("setting-idle_timeout"), { target: { value: " 30m " } });
    fireEvent.click($("save-settings"));
    await screen.findByText("Saved. Changes apply the next time Latchkey starts.");
    expect(core.callsOf("set_setting").map((c) => c.args)).toEqual([{ key: "idle_timeout", value: "30m" }]);
    await waitFor(() => expect(core.callsOf("get_settings")).toHaveLength(2));
  });

  it("shows the core's refusal in plain words and keeps the draft", async () => {
    const core = new FakeCore({ seq: 1, state: SIGNED_IN })
      .on("get_settings", () => report())
      .on("set_setting", () => {
        throw { code: "invalid_setting", message: "key `proxy`: \"ftp://x\" is not an http, https or socks5 URL" };
      });
    await openSettingsSignedIn(core);
    fireEvent.change($("setting-proxy"), { target: { value: "ftp://x" } });
    fireEvent.click($("save-settings"));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("proxy");
    expect($("setting-proxy").value).toBe("ftp://x");
    expect(document.getElementById("settings-restart")).toBeNull();
  });

  it("names the policy file and its problem when the policy is invalid, from the sign-in screen", async () => {
    const bad = report({ error: "policy /etc/latchkey/policy.json: managed: key `max_session_age`: 48h is longer than the maximum of 24h", editable: [] });
    const core = new FakeCore({ seq: 1, state: signedOut("policy") }).on("get_settings", () => bad);
    renderApp();
    await screen.findByRole("heading", { name: "Sign in to Latchkey" });
    fireEvent.click($("show-settings"));
    const alert = await waitFor(() => $("policy-error"));
    expect(alert.textContent).toContain("/etc/latchkey/policy.json");
    expect(alert.textContent).toContain("48h");
    expect(($("save-settings") as unknown as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click($("settings-back"));
    await screen.findByRole("heading", { name: "Sign in to Latchkey" });
    expect(core.callsOf("set_setting")).toHaveLength(0);
  });
});

describe("Policy error on the sign-in screen", () => {
  it("names the file and the problem without opening settings", async () => {
    const bad = report({ error: "policy /etc/latchkey/policy.json: not valid JSON: expected value at line 1 column 1" });
    new FakeCore({ seq: 1, state: signedOut("policy") }).on("get_settings", () => bad);
    renderApp();
    const alert = await waitFor(() => $("policy-error"));
    expect(alert.textContent).toContain("/etc/latchkey/policy.json");
    expect(alert.textContent).toContain("not valid JSON");
  });

  it("shows nothing when the policy is fine", async () => {
    const core = new FakeCore({ seq: 1, state: signedOut(null) });
    renderApp();
    await screen.findByRole("heading", { name: "Sign in to Latchkey" });
    await waitFor(() => expect(core.callsOf("get_settings")).toHaveLength(1));
    expect(document.getElementById("policy-error")).toBeNull();
  });
});
