// The reducer: snapshots, actions and their pending/error bookkeeping, determinism, ordering by seq, and rejections.
// The core's events are in reducerEvents.test.ts.
import { describe, expect, it, vi } from "vitest";
import { authReducer, initialAuthState, type AuthAction } from "../reducer";
import type { StateView } from "../types";
import { at, badCreds, checkRow, ev, signedIn, signedOutNull, signedOutUser, type Row } from "./reducerFixtures";

const rows: Row[] = [
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
  it.each(rows)("$name", checkRow);

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
