// A fake Rust core for tests, built on mockIPC from @tauri-apps/api/mocks.
//
// It deliberately does NOT use `shouldMockEvents`: it answers the event plugin's own
// IPC commands (`plugin:event|listen` / `plugin:event|unlisten`) itself, so tests can
// see exactly how many listeners the UI registered and removed, and deliver events
// only to listeners that are still registered (as the real core does).
import { mockIPC } from "@tauri-apps/api/mocks";
import type { AuthEventPayload, AuthSnapshot, StateView } from "../auth/types";

type Handler = (args: Record<string, unknown>) => unknown;

interface TauriInternalsForTests {
  runCallback: (id: number, data: unknown) => void;
}

export interface Call {
  cmd: string;
  args: Record<string, unknown>;
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const SIGNED_IN: StateView & { status: "signed_in" } = {
  status: "signed_in",
  user: { id: "00000000-0000-4000-8000-000000000001", email: "demo@latchkey.local" },
  accessExpiresAt: 1764300000,
  signedInAt: 1764290000,
  persistence: "keychain",
};

export function signedOut(reason: (StateView & { status: "signed_out" })["reason"]): StateView {
  return { status: "signed_out", reason };
}

export class FakeCore {
  readonly calls: Call[] = [];
  /** event name → registered handler callback ids */
  private readonly listeners = new Map<string, number[]>();
  private readonly handlers = new Map<string, Handler>();
  /** When set, `plugin:event|listen` waits for this before answering. */
  listenGate: Promise<void> | null = null;

  constructor(snapshot: AuthSnapshot | (() => unknown) = { seq: 1, state: signedOut(null) }) {
    this.on("get_auth_state", typeof snapshot === "function" ? snapshot : () => snapshot);
    this.on("sign_in_with_password", () => null);
    this.on("sign_out", () => null);
    mockIPC((cmd, payload) => this.handle(cmd, (payload ?? {}) as Record<string, unknown>));
  }

  /** Sets the answer for a command (return a value, a promise, or throw). */
  on(cmd: string, handler: Handler): this {
    this.handlers.set(cmd, handler);
    return this;
  }

  callsOf(cmd: string): Call[] {
    return this.calls.filter((c) => c.cmd === cmd);
  }

  activeListeners(event = "auth://state"): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Delivers `auth://state` to every listener still registered. Wrap in act(). */
  emitAuthState(payload: AuthEventPayload): void {
    const internals = (window as unknown as { __TAURI_INTERNALS__: TauriInternalsForTests })
      .__TAURI_INTERNALS__;
    for (const id of [...(this.listeners.get("auth://state") ?? [])]) {
      internals.runCallback(id, { event: "auth://state", id, payload });
    }
  }

  private async handle(cmd: string, args: Record<string, unknown>): Promise<unknown> {
    this.calls.push({ cmd, args });
    switch (cmd) {
      case "plugin:event|listen": {
        if (this.listenGate) await this.listenGate;
        const event = args.event as string;
        const id = args.handler as number;
        this.listeners.set(event, [...(this.listeners.get(event) ?? []), id]);
        return id; // the event id the UI later passes to unlisten
      }
      case "plugin:event|unlisten": {
        const event = args.event as string;
        const id = args.eventId as number;
        this.listeners.set(
          event,
          (this.listeners.get(event) ?? []).filter((x) => x !== id),
        );
        return null;
      }
      default: {
        const handler = this.handlers.get(cmd);
        if (!handler) throw { code: "internal", message: `unknown command ${cmd}` };
        return handler(args);
      }
    }
  }
}
