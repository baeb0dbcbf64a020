// A fake Rust core for tests, built on mockIPC from @tauri-apps/api/mocks.
//
// It deliberately does NOT use `shouldMockEvents`: it answers the event plugin's own
// IPC commands (`plugin:event|listen` / `plugin:event|unlisten`) itself, so tests can
// see exactly how many listeners the UI registered and removed, and deliver events
// only to listeners that are still registered (as the real core does).
import { mockIPC } from "@tauri-apps/api/mocks";
import type {
  ActivityEntry,
  AuthEventPayload,
  Claims,
  Factor,
  SecondFactorView,
  AuthSnapshot,
  ExpiredView,
  KeychainBackend,
  SignedInView,
  SettingsReport,
  SignInOptions,
  StateView,
} from "../auth/types";

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

/** `get_settings` on a machine with no policy. */
export const NO_POLICY: SettingsReport = {
  file: "/etc/latchkey/policy.json",
  present: false,
  error: null,
  warnings: [],
  values: { idle_timeout: { value: "off", source: "default", locked: false } },
  editable: ["max_session_age", "idle_timeout", "session_persistence", "proxy"],
  restartRequired: false,
  version: "0.1.0",
};

/** The claims of a password sign-in (one factor). */
export const CLAIMS_AAL1: Claims = {
  role: "authenticated",
  aal: "aal1",
  amr: [{ method: "password", timestamp: 1764290000 }],
  is_anonymous: false,
  app_metadata: { provider: "email" },
  user_metadata: {},
  session_id: "9a1d7c3e-0000-4000-8000-00000000beef",
  exp: 1764300000,
};

/** A verified TOTP factor. */
export const TOTP_FACTOR: Factor = { id: "f-totp", friendlyName: "Phone app", factorType: "totp", status: "verified" };

export const SIGNED_IN: SignedInView = {
  status: "signed_in",
  user: { id: "00000000-0000-4000-8000-000000000001", email: "demo@latchkey.local", factors: [] },
  identityProvider: null,
  accessExpiresAt: 1764300000,
  signedInAt: 1764290000,
  persistence: "keychain",
  freshness: "fresh",
  deadlineAt: 1764376400,
  nextRefreshAt: 1764299700,
  claims: CLAIMS_AAL1,
  nextAal: "aal1",
};

/** Signed in with the password; the account's TOTP factor is due. */
export const NEEDS_CODE: SecondFactorView = {
  status: "needs_second_factor",
  user: { ...SIGNED_IN.user, factors: [TOTP_FACTOR] },
  signedInAt: SIGNED_IN.signedInAt,
  persistence: "keychain",
  deadlineAt: SIGNED_IN.deadlineAt,
  claims: CLAIMS_AAL1,
  nextAal: "aal2",
  step: "verify",
  allowedFactors: ["totp", "phone"],
};

export const EXPIRED: ExpiredView = {
  status: "expired",
  user: SIGNED_IN.user,
  identityProvider: null,
  signedInAt: SIGNED_IN.signedInAt,
  persistence: "keychain",
  deadlineAt: SIGNED_IN.deadlineAt,
  nextRetryAt: 1764300300,
  claims: CLAIMS_AAL1,
  nextAal: "aal1",
};

export const ALL_OPTIONS: SignInOptions = {
  password: true,
  emailCode: true,
  magicLink: true,
  phone: true,
  oauthProviders: ["github"],
  sso: { domain: null, asksEmail: true },
  allowSignUp: true,
};

export const PASSWORD_ONLY: SignInOptions = {
  password: true,
  emailCode: false,
  magicLink: false,
  phone: false,
  oauthProviders: [],
  sso: null,
  allowSignUp: false,
};

export const KEYCHAIN: KeychainBackend = {
  backend: "secret_service",
  provider: "gnome-keyring-d",
  persistent: true,
  canary: "ok",
  canary_ms: 12.5,
  detail: null,
};

export const ACTIVITY: ActivityEntry[] = [
  { at: 1764290100, seq: 3, event: "TOKEN_REFRESHED", reason: null, detail: null },
  { at: 1764290000, seq: 2, event: "SIGNED_IN", reason: null, detail: "password" },
  { at: 1764280000, seq: 1, event: "SIGNED_OUT", reason: "idle_timeout", detail: null },
];

/** `sign_out`'s answer: the server part's outcome for `scope` (pending ones wait until `until`). */
export function signOutReport(scope: string, server: string, until?: number) {
  const pending = until === undefined ? {} : { pending: { scope, until, attempt: 1, nextAt: until - 3600, cause: "server_unreachable" } };
  return { scope, server, problems: [], ...pending };
}

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
  /** Per event name: `plugin:event|listen` for that event also waits for this. */
  readonly eventGates = new Map<string, Promise<void>>();

  constructor(snapshot: AuthSnapshot | (() => unknown) = { seq: 1, state: signedOut(null) }) {
    this.on("get_auth_state", typeof snapshot === "function" ? snapshot : () => snapshot);
    for (const cmd of [
      "sign_in_with_password",
      "send_email_code",
      "verify_email_code",
      "start_oauth",
      "start_sso",
      "recover_password",
      "update_password",
      "change_email",
      "send_phone_code",
      "verify_phone_code",
      "verify_factor",
      "unenrol_factor",
      "cancel_second_factor",
      "touch",
      "window_ready",
    ]) {
      this.on(cmd, () => null);
    }
    this.on("sign_up", () => ({ confirmationSent: true }));
    this.on("cancel_sign_in", () => true);
    this.on("enrol_totp", () => ({ factorId: "f-new", qrSvg: "<svg xmlns='http://www.w3.org/2000/svg'/>", secret: "JBSW Y3DP EHPK 3PXP" }));
    this.on("enrol_phone", () => "f-phone");
    this.on("challenge_factor", () => 1764300300);
    this.on("sign_out", (args) => signOutReport(String(args.scope ?? "local"), "ended"));
    this.on("get_sign_in_options", () => ALL_OPTIONS);
    this.on("get_keychain_backend", () => KEYCHAIN);
    this.on("get_clock_skew", () => 0);
    this.on("get_activity", () => ACTIVITY);
    this.on("get_settings", () => NO_POLICY);
    this.on("get_project", () => ({ configured: true, url: "http://127.0.0.1:54321", source: "default" }));
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

  /** `plugin:event|listen` / `unlisten` calls for one event. */
  listensOf(event: string, kind: "listen" | "unlisten" = "listen"): Call[] {
    return this.callsOf(`plugin:event|${kind}`).filter((c) => c.args.event === event);
  }

  activeListeners(event = "auth://state"): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Delivers `auth://state` to every listener still registered. Wrap in act(). */
  emitAuthState(payload: AuthEventPayload): void {
    this.emit("auth://state", payload);
  }

  /** Delivers `auth://flow-error` (`{ code, message }`). Wrap in act(). */
  emitFlowError(payload: unknown): void {
    this.emit("auth://flow-error", payload);
  }

  emit(event: string, payload: unknown): void {
    const internals = (window as unknown as { __TAURI_INTERNALS__: TauriInternalsForTests })
      .__TAURI_INTERNALS__;
    for (const id of [...(this.listeners.get(event) ?? [])]) {
      internals.runCallback(id, { event, id, payload });
    }
  }

  private async handle(cmd: string, args: Record<string, unknown>): Promise<unknown> {
    this.calls.push({ cmd, args });
    switch (cmd) {
      case "plugin:event|listen": {
        if (this.listenGate) await this.listenGate;
        const event = args.event as string;
        await this.eventGates.get(event);
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
