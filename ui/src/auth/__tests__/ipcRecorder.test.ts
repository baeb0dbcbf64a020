import { describe, expect, it, vi } from "vitest";
import { installIpcRecorder, type RecorderHost } from "../ipcRecorder";

type Callback = (data: unknown) => void;

/** Tauri's page side as in tauri 2's core.js and ipc-protocol.js: a callback table, replies and events through it. */
function fakeTauri() {
  const callbacks = new Map<number, Callback>();
  let next = 1;
  const register = (cb: Callback) => {
    const id = next++;
    callbacks.set(id, cb);
    return id;
  };
  const runCallback = (id: number, data: unknown) => callbacks.get(id)?.(data);
  const host: RecorderHost = {
    __TAURI_INTERNALS__: { callbacks },
    fetch: vi.fn(async () => new Response("{}")) as unknown as typeof fetch,
  };
  /** An invoke: ids registered, the request sent with them in headers, the reply delivered via runCallback. */
  const invoke = async (cmd: string, reply: unknown, ok = true) => {
    let got: unknown;
    const okId = register((r) => (got = r));
    const errId = register((e) => (got = e));
    await host.fetch(`ipc://localhost/${encodeURIComponent(cmd)}`, {
      method: "POST",
      headers: { "Tauri-Callback": String(okId), "Tauri-Error": String(errId) },
    });
    runCallback(ok ? okId : errId, reply);
    return got;
  };
  return { host, register, runCallback, invoke };
}

describe("installIpcRecorder", () => {
  it("records every reply with its command and every event, and still delivers them", async () => {
    const tauri = fakeTauri();
    expect(installIpcRecorder(tauri.host)).toBe(true);

    expect(await tauri.invoke("get_auth_state", { seq: 1, state: { status: "signed_out" } })).toEqual({
      seq: 1,
      state: { status: "signed_out" },
    });
    expect(await tauri.invoke("plugin:event|listen", 7)).toBe(7);
    expect(await tauri.invoke("sign_in_with_password", { code: "invalid_credentials" }, false)).toEqual({
      code: "invalid_credentials",
    });
    const seen: unknown[] = [];
    const handler = tauri.register((e) => seen.push(e));
    tauri.runCallback(handler, { event: "auth://state", id: 7, payload: { seq: 2 } });

    expect(seen).toHaveLength(1);
    const records = tauri.host.__latchkeyIpcRecords!.map(({ at, ...r }) => (expect(at).toBeGreaterThan(0), r));
    expect(records).toEqual([
      { kind: "response", cmd: "get_auth_state", ok: true, json: '{"seq":1,"state":{"status":"signed_out"}}' },
      { kind: "response", cmd: "plugin:event|listen", ok: true, json: "7" },
      { kind: "response", cmd: "sign_in_with_password", ok: false, json: '{"code":"invalid_credentials"}' },
      { kind: "event", event: "auth://state", json: '{"event":"auth://state","id":7,"payload":{"seq":2}}' },
    ]);
  });

  it("does nothing without Tauri's callback table, and installs only once", () => {
    const bare: RecorderHost = { fetch: vi.fn() as unknown as typeof fetch };
    expect(installIpcRecorder(bare)).toBe(false);
    expect(bare.__latchkeyIpcRecords).toBeUndefined();
    const tauri = fakeTauri();
    expect(installIpcRecorder(tauri.host)).toBe(true);
    expect(installIpcRecorder(tauri.host)).toBe(false);
  });

  it("is not installed in this build (no VITE_LATCHKEY_IPC_RECORDER): the app's window has no records", async () => {
    await import("../bindings");
    expect(window.__latchkeyIpcRecords).toBeUndefined();
  });
});
