// The e2e leak scan's witness in the page (tests/e2e/zz-leaks.test.mjs): a copy of every IPC reply and every event
// Tauri delivers to this page, kept in page memory only (never in any storage) for the e2e harness to drain.
// Only in the debug app that scripts/build makes (VITE_LATCHKEY_IPC_RECORDER=1); bindings.ts installs it under that
// build-time constant, so a release build (scripts/package, `tauri build`) does not contain this module at all.

/** One delivery: a command's reply (`ok` false for an error) or an event, as the JSON the page received. */
export interface IpcRecord {
  kind: "response" | "event";
  cmd?: string;
  ok?: boolean;
  event?: string;
  json: string;
  at: number;
}

/** What the recorder needs of `window`: Tauri's callback table (every reply and event goes through it) and fetch. */
export interface RecorderHost {
  __TAURI_INTERNALS__?: { callbacks?: unknown };
  __latchkeyIpcRecords?: IpcRecord[];
  __latchkeyIpcDropped?: number;
  fetch: typeof fetch;
}

declare global {
  interface Window {
    __latchkeyIpcRecords?: IpcRecord[];
    __latchkeyIpcDropped?: number;
  }
}

/** Records not yet drained by the harness; beyond this the oldest go and are counted in `__latchkeyIpcDropped`. */
const KEEP = 5000;

type Callback = (data: unknown) => unknown;
interface Call {
  cmd: string;
  ok: number;
  err: number;
}

/** The command and callback ids of an IPC request (Tauri's custom-protocol IPC: `ipc://localhost/<cmd>`). */
function ipcCall(input: RequestInfo | URL, init?: RequestInit): Call | null {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  if (!url.startsWith("ipc:") && !url.startsWith("http://ipc.localhost")) return null;
  const headers = new Headers(init?.headers);
  const ok = Number(headers.get("Tauri-Callback"));
  const err = Number(headers.get("Tauri-Error"));
  return { cmd: decodeURIComponent(new URL(url).pathname.slice(1)), ok, err };
}

function describe(data: unknown, call: Call | undefined, id: number): Omit<IpcRecord, "json" | "at"> {
  if (call) return { kind: "response", cmd: call.cmd, ok: id === call.ok };
  const event = (data as { event?: unknown } | null)?.event;
  return { kind: "event", event: typeof event === "string" ? event : undefined };
}

/** Wraps Tauri's callback table so every delivery is copied first. Returns false if there is no Tauri IPC here. */
export function installIpcRecorder(host: RecorderHost): boolean {
  const callbacks = host.__TAURI_INTERNALS__?.callbacks;
  if (!(callbacks instanceof Map) || host.__latchkeyIpcRecords) return false;
  const records: IpcRecord[] = (host.__latchkeyIpcRecords = []);
  host.__latchkeyIpcDropped = 0;
  const calls = new Map<number, Call>();

  const send = host.fetch.bind(host);
  host.fetch = (input, init) => {
    const call = ipcCall(input, init);
    if (call) {
      calls.set(call.ok, call);
      calls.set(call.err, call);
    }
    return send(input, init);
  };

  const table = callbacks as Map<number, Callback>;
  const lookup = table.get.bind(table);
  Object.defineProperty(table, "get", {
    value: (id: number) => {
      const callback = lookup(id);
      if (!callback) return callback;
      return (data: unknown) => {
        const call = calls.get(id);
        if (call) [call.ok, call.err].forEach((n) => calls.delete(n));
        records.push({ ...describe(data, call, id), json: JSON.stringify(data) ?? "undefined", at: Date.now() });
        if (records.length > KEEP) {
          host.__latchkeyIpcDropped = (host.__latchkeyIpcDropped ?? 0) + records.splice(0, records.length - KEEP).length;
        }
        return callback(data);
      };
    },
  });
  return true;
}
