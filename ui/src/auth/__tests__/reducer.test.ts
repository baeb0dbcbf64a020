import { describe, expect, it, vi } from "vitest";
import { authReducer, initialAuthState, type AuthAction, type AuthState } from "../reducer";
import type { AuthError, SignedInView, StateView } from "../types";

const signedIn: StateView = {
  status: "signed_in",
  user: { id: "u1", email: "demo@latchkey.local", factors: [] },
  identityProvider: null,
  accessExpiresAt: 1764300000,
  signedInAt: 1764290000,
  persistence: "keychain",
  freshness: "fresh",
  deadlineAt: 1764376400,
  nextRefreshAt: 1764299700, claims: null, nextAal: "aal1",
};
const offlineValid: StateView = { ...(signedIn as SignedInView), freshness: "offline_valid" };
const expired: StateView = {
  status: "expired",
  user: { id: "u1", email: "demo@latchkey.local", factors: [] },
  identityProvider: null,
  signedInAt: 1764290000,
  persistence: "keychain",
  deadlineAt: 1764376400,
  nextRetryAt: 1764300300, claims: null, nextAal: "aal1",
};
const retry3 = { attempt: 3, nextAt: 1764300300, cause: "server_unreachable" };
const signedOutUser: StateView = { status: "signed_out", reason: "user" };
const signedOutNull: StateView = { status: "signed_out", reason: null };
const badCreds: AuthError = { code: "invalid_credentials", message: "Invalid login credentials" };

function at(seq: number | null, view: StateView, extra: Partial<AuthState> = {}): AuthState {
  return { ...initialAuthState, lastSeq: seq, view, ...extra };
}

interface Row {
  name: string;
  from: AuthState;
  action: AuthAction;
  /** "rejected": the state is kept, but what could not be applied is logged and counted. */
  to: AuthState | "unchanged" | "rejected";
}

function ev(seq: number, event: string, state: StateView, extra: Record<string, unknown> = {}): AuthAction {
  return { type: "event", payload: { seq, event, state, ...extra } };
}

const contractRows: Row[] = [
  {
    name: "REFRESH_RETRYING records attempt, next time and cause",
    from: at(2, signedIn),
    action: ev(3, "REFRESH_RETRYING", offlineValid, { retry: retry3 }),
    to: at(3, offlineValid, { lastEvent: "REFRESH_RETRYING", retry: retry3 }),
  },
  {
    name: "REFRESH_RETRYING with a malformed retry still applies the state",
    from: at(2, signedIn),
    action: ev(3, "REFRESH_RETRYING", offlineValid, { retry: { attempt: "3" } }),
    to: at(3, offlineValid, { lastEvent: "REFRESH_RETRYING" }),
  },
  {
    name: "expired keeps the retry info (still signed in, reconnecting)",
    from: at(3, offlineValid, { retry: retry3 }),
    action: ev(4, "REFRESH_RETRYING", expired, { retry: { ...retry3, attempt: 4 } }),
    to: at(4, expired, { lastEvent: "REFRESH_RETRYING", retry: { ...retry3, attempt: 4 } }),
  },
  {
    name: "TOKEN_REFRESHED back to fresh clears the retry info",
    from: at(4, expired, { retry: retry3 }),
    action: ev(5, "TOKEN_REFRESHED", signedIn),
    to: at(5, signedIn, { lastEvent: "TOKEN_REFRESHED" }),
  },
  {
    name: "a refreshing (not yet fresh) state keeps the retry info",
    from: at(4, expired, { retry: retry3 }),
    action: ev(5, "TOKEN_REFRESHED", { ...(signedIn as SignedInView), freshness: "refreshing" }),
    to: at(5, { ...(signedIn as SignedInView), freshness: "refreshing" }, {
      lastEvent: "TOKEN_REFRESHED",
      retry: retry3,
    }),
  },
  {
    name: "SESSION_EXPIRING records the remaining seconds",
    from: at(2, signedIn),
    action: ev(3, "SESSION_EXPIRING", signedIn, { remaining: 540 }),
    to: at(3, signedIn, { lastEvent: "SESSION_EXPIRING", expiring: { remaining: 540 } }),
  },
  {
    name: "SESSION_EXPIRING without remaining still marks the session as expiring",
    from: at(2, signedIn),
    action: ev(3, "SESSION_EXPIRING", signedIn),
    to: at(3, signedIn, { lastEvent: "SESSION_EXPIRING", expiring: { remaining: null } }),
  },
  {
    name: "TOKEN_REFRESHED keeps the expiring flag (the deadline is absolute)",
    from: at(3, signedIn, { expiring: { remaining: 540 } }),
    action: ev(4, "TOKEN_REFRESHED", signedIn),
    to: at(4, signedIn, { lastEvent: "TOKEN_REFRESHED", expiring: { remaining: 540 } }),
  },
  {
    name: "SIGNED_IN (a new session) clears the expiring flag",
    from: at(3, signedIn, { expiring: { remaining: 540 } }),
    action: ev(4, "SIGNED_IN", signedIn),
    to: at(4, signedIn, { lastEvent: "SIGNED_IN" }),
  },
  {
    name: "PASSWORD_RECOVERY sets recovery and clears an earlier sign-in error",
    from: at(1, signedOutNull, { error: badCreds }),
    action: ev(2, "PASSWORD_RECOVERY", signedIn),
    to: at(2, signedIn, { lastEvent: "PASSWORD_RECOVERY", recovery: true }),
  },
  {
    name: "TOKEN_REFRESHED during recovery keeps recovery",
    from: at(2, signedIn, { recovery: true }),
    action: ev(3, "TOKEN_REFRESHED", signedIn),
    to: at(3, signedIn, { lastEvent: "TOKEN_REFRESHED", recovery: true }),
  },
  {
    name: "USER_UPDATED ends recovery",
    from: at(2, signedIn, { recovery: true }),
    action: ev(3, "USER_UPDATED", signedIn),
    to: at(3, signedIn, { lastEvent: "USER_UPDATED" }),
  },
  {
    name: "SIGNED_OUT clears recovery, retry and expiring",
    from: at(4, expired, { recovery: true, retry: retry3, expiring: { remaining: 60 } }),
    action: ev(5, "SIGNED_OUT", { status: "signed_out", reason: "timeout" }, { reason: "timeout" }),
    to: at(5, { status: "signed_out", reason: "timeout" }, { lastEvent: "SIGNED_OUT" }),
  },
  {
    name: "a signed_out snapshot clears recovery, retry and expiring",
    from: at(4, signedIn, { recovery: true, retry: retry3, expiring: { remaining: 60 } }),
    action: { type: "snapshot", seq: 5, state: { status: "signed_out", reason: "idle_timeout" } },
    to: at(5, { status: "signed_out", reason: "idle_timeout" }),
  },
  {
    name: "signed_out with reason policy applies",
    from: at(1, signedIn),
    action: ev(2, "SIGNED_OUT", { status: "signed_out", reason: "policy" }, { reason: "policy" }),
    to: at(2, { status: "signed_out", reason: "policy" }, { lastEvent: "SIGNED_OUT" }),
  },
  {
    name: "an expired snapshot applies",
    from: initialAuthState,
    action: { type: "snapshot", seq: 3, state: expired },
    to: at(3, expired),
  },
  {
    name: "an error on the home screen survives a token refresh",
    from: at(2, signedIn, { error: { code: "storage_busy", message: "busy" } }),
    action: ev(3, "TOKEN_REFRESHED", signedIn),
    to: at(3, signedIn, { lastEvent: "TOKEN_REFRESHED", error: { code: "storage_busy", message: "busy" } }),
  },
  {
    name: "signed_in without freshness is malformed: rejected, the state kept",
    from: at(1, signedOutNull),
    action: ev(2, "SIGNED_IN", { ...(signedIn as SignedInView), freshness: undefined } as unknown as StateView),
    to: "rejected",
  },
  {
    name: "unknown event name is rejected, the state kept",
    from: at(1, signedIn),
    action: ev(2, "MFA_CHALLENGE", signedIn),
    to: "rejected",
  },
  {
    name: "flow_error records the error and ends a pending start_oauth",
    from: at(1, signedOutNull, { pending: "start_oauth" }),
    action: { type: "flow_error", error: { code: "flow_expired", message: "expired" } },
    to: at(1, signedOutNull, { error: { code: "flow_expired", message: "expired" } }),
  },
  {
    name: "flow_error ends a pending start_sso too",
    from: at(1, signedOutNull, { pending: "start_sso" }),
    action: { type: "flow_error", error: { code: "sign_in_incomplete", message: "nothing came back" } },
    to: at(1, signedOutNull, { error: { code: "sign_in_incomplete", message: "nothing came back" } }),
  },
  {
    name: "flow_error leaves another pending action alone",
    from: at(1, signedOutNull, { pending: "sign_in" }),
    action: { type: "flow_error", error: { code: "invalid_state", message: "bad" } },
    to: at(1, signedOutNull, { pending: "sign_in", error: { code: "invalid_state", message: "bad" } }),
  },
  {
    name: "flow_error with a malformed error is rejected, the state kept",
    from: at(1, signedOutNull),
    action: { type: "flow_error", error: { code: 5 } as unknown as AuthError },
    to: "rejected",
  },
];

const rows: Row[] = [
  ...contractRows,
  {
    name: "snapshot applies to the initial state (nothing applied yet)",
    from: initialAuthState,
    action: { type: "snapshot", seq: 1, state: signedOutNull },
    to: at(1, signedOutNull),
  },
  {
    name: "snapshot with seq 0 still applies when nothing was applied yet",
    from: initialAuthState,
    action: { type: "snapshot", seq: 0, state: { status: "initializing" } },
    to: at(0, { status: "initializing" }),
  },
  {
    name: "newer snapshot applies",
    from: at(1, signedOutNull),
    action: { type: "snapshot", seq: 2, state: signedIn },
    to: at(2, signedIn),
  },
  {
    name: "snapshot with an equal seq is ignored",
    from: at(3, signedIn),
    action: { type: "snapshot", seq: 3, state: signedOutUser },
    to: "unchanged",
  },
  {
    name: "stale snapshot (older seq) is ignored",
    from: at(5, signedIn),
    action: { type: "snapshot", seq: 4, state: signedOutUser },
    to: "unchanged",
  },
  {
    name: "INITIAL_SESSION event applies",
    from: initialAuthState,
    action: { type: "event", payload: { seq: 1, event: "INITIAL_SESSION", state: signedOutNull } },
    to: at(1, signedOutNull, { lastEvent: "INITIAL_SESSION" }),
  },
  {
    name: "SIGNED_IN event applies and clears a previous error",
    from: at(1, signedOutNull, { error: badCreds }),
    action: { type: "event", payload: { seq: 2, event: "SIGNED_IN", state: signedIn } },
    to: at(2, signedIn, { lastEvent: "SIGNED_IN", error: null }),
  },
  {
    name: "TOKEN_REFRESHED event replaces the signed-in view",
    from: at(2, signedIn),
    action: {
      type: "event",
      payload: {
        seq: 3,
        event: "TOKEN_REFRESHED",
        state: { ...signedIn, accessExpiresAt: 1764303600 } as StateView,
      },
    },
    to: at(3, { ...signedIn, accessExpiresAt: 1764303600 } as StateView, {
      lastEvent: "TOKEN_REFRESHED",
    }),
  },
  {
    name: "SIGNED_OUT event applies and keeps an error (e.g. keychain) visible",
    from: at(3, signedIn, { error: { code: "keychain_locked", message: "locked" } }),
    action: {
      type: "event",
      payload: { seq: 4, event: "SIGNED_OUT", state: { status: "signed_out", reason: "revoked" } },
    },
    to: at(4, { status: "signed_out", reason: "revoked" }, {
      lastEvent: "SIGNED_OUT",
      error: { code: "keychain_locked", message: "locked" },
    }),
  },
  {
    name: "stale event (older seq) is ignored",
    from: at(7, signedIn),
    action: { type: "event", payload: { seq: 6, event: "SIGNED_OUT", state: signedOutUser } },
    to: "unchanged",
  },
  {
    name: "duplicate event (same seq) is ignored",
    from: at(7, signedIn, { lastEvent: "SIGNED_IN" }),
    action: { type: "event", payload: { seq: 7, event: "SIGNED_OUT", state: signedOutUser } },
    to: "unchanged",
  },
  {
    name: "event with a malformed state is rejected, the state kept",
    from: at(1, signedOutNull),
    action: {
      type: "event",
      payload: { seq: 2, event: "SIGNED_IN", state: { status: "bogus" } as unknown as StateView },
    },
    to: "rejected",
  },
  {
    name: "event with a non-numeric seq is rejected, the state kept",
    from: at(1, signedOutNull),
    action: {
      type: "event",
      payload: { seq: "2" as unknown as number, event: "SIGNED_IN", state: signedIn },
    },
    to: "rejected",
  },
  {
    name: "event with an unknown reason is rejected, the state kept",
    from: at(1, signedIn),
    action: {
      type: "event",
      payload: {
        seq: 2,
        event: "SIGNED_OUT",
        state: { status: "signed_out", reason: "meteor" } as unknown as StateView,
      },
    },
    to: "rejected",
  },
  {
    name: "snapshot_failed records the error and keeps the view",
    from: initialAuthState,
    action: { type: "snapshot_failed", error: { code: "internal", message: "boom" } },
    to: { ...initialAuthState, error: { code: "internal", message: "boom" } },
  },
  {
    name: "action_started sets pending and clears the previous error",
    from: at(1, signedOutNull, { error: badCreds }),
    action: { type: "action_started", action: "sign_in" },
    to: at(1, signedOutNull, { pending: "sign_in", error: null }),
  },
  {
    name: "action_succeeded clears pending",
    from: at(1, signedOutNull, { pending: "sign_in" }),
    action: { type: "action_succeeded", action: "sign_in" },
    to: at(1, signedOutNull, { pending: null }),
  },
  {
    name: "action_succeeded for another action leaves pending alone",
    from: at(1, signedIn, { pending: "sign_out_local" }),
    action: { type: "action_succeeded", action: "sign_in" },
    to: "unchanged",
  },
  {
    name: "action_failed clears pending and records the error",
    from: at(1, signedOutNull, { pending: "sign_in" }),
    action: { type: "action_failed", action: "sign_in", error: badCreds },
    to: at(1, signedOutNull, { pending: null, error: badCreds }),
  },
  {
    name: "clear_error removes the error",
    from: at(1, signedOutNull, { error: badCreds }),
    action: { type: "clear_error" },
    to: at(1, signedOutNull),
  },
  {
    name: "clear_error with no error returns the same state",
    from: at(1, signedOutNull),
    action: { type: "clear_error" },
    to: "unchanged",
  },
  {
    name: "unknown action is rejected, the state kept",
    from: at(2, signedIn, { lastEvent: "SIGNED_IN" }),
    action: { type: "no_such_action" } as unknown as AuthAction,
    to: "rejected",
  },
];

describe("authReducer", () => {
  it.each(rows)("$name", ({ from, action, to }) => {
    const frozen = structuredClone(from);
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const next = authReducer(from, action);
    const logged = spy.mock.calls.length;
    spy.mockRestore();
    if (to === "unchanged") {
      expect(next).toBe(from);
      expect(logged).toBe(0);
    } else if (to === "rejected") {
      expect(next).toEqual({ ...from, rejected: { count: 1, last: expect.any(String) } });
      expect(logged).toBe(1);
    } else {
      expect(next).toEqual(to);
    }
    // Pure: the input is never mutated.
    expect(from).toEqual(frozen);
  });

  it("is deterministic: same input, same output", () => {
    const action: AuthAction = {
      type: "event",
      payload: { seq: 2, event: "SIGNED_IN", state: signedIn },
    };
    expect(authReducer(initialAuthState, action)).toEqual(authReducer(initialAuthState, action));
  });

  it("applies a sequence out of order by seq only", () => {
    const actions: AuthAction[] = [
      { type: "event", payload: { seq: 2, event: "SIGNED_IN", state: signedIn } },
      { type: "snapshot", seq: 1, state: signedOutNull }, // late snapshot: stale
      { type: "event", payload: { seq: 4, event: "SIGNED_OUT", state: signedOutUser } },
      { type: "event", payload: { seq: 3, event: "TOKEN_REFRESHED", state: signedIn } }, // stale
    ];
    const end = actions.reduce(authReducer, initialAuthState);
    expect(end.lastSeq).toBe(4);
    expect(end.view).toEqual(signedOutUser);
    expect(end.lastEvent).toBe("SIGNED_OUT");
  });

  it("an unknown event is logged and counted, and the next one adds to the count", () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const once = authReducer(at(1, signedIn), ev(2, "MFA_CHALLENGE", signedIn));
    const twice = authReducer(once, { type: "no_such_action" } as unknown as AuthAction);
    const first = spy.mock.calls[0];
    spy.mockRestore();
    expect(once.rejected).toEqual({ count: 1, last: "an unknown or malformed event" });
    expect(twice.rejected).toEqual({ count: 2, last: "an unknown action" });
    expect(twice.view).toEqual(signedIn);
    expect(first).toEqual(["Latchkey: ignored an unknown or malformed event", expect.objectContaining({ event: "MFA_CHALLENGE" })]);
  });
});
