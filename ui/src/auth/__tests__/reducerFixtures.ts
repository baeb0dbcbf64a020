// The reducer's test fixtures: sample views, the state after a given seq, an event action, and one row of the
// reducer's table (a state, an action, and what must come of it) with the check every row gets.
import { expect, vi } from "vitest";
import { authReducer, initialAuthState, type AuthAction, type AuthState } from "../reducer";
import type { AuthError, SignedInView, StateView } from "../types";

export const signedIn: StateView = {
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
export const offlineValid: StateView = { ...(signedIn as SignedInView), freshness: "offline_valid" };
export const expired: StateView = {
  status: "expired",
  user: { id: "u1", email: "demo@latchkey.local", factors: [] },
  identityProvider: null,
  signedInAt: 1764290000,
  persistence: "keychain",
  deadlineAt: 1764376400,
  nextRetryAt: 1764300300, claims: null, nextAal: "aal1",
};
export const retry3 = { attempt: 3, nextAt: 1764300300, cause: "server_unreachable" };
export const signedOutUser: StateView = { status: "signed_out", reason: "user" };
export const signedOutNull: StateView = { status: "signed_out", reason: null };
export const badCreds: AuthError = { code: "invalid_credentials", message: "Invalid login credentials" };

export function at(seq: number | null, view: StateView, extra: Partial<AuthState> = {}): AuthState {
  return { ...initialAuthState, lastSeq: seq, view, ...extra };
}

export interface Row {
  name: string;
  from: AuthState;
  action: AuthAction;
  /** "rejected": the state is kept, but what could not be applied is logged and counted. */
  to: AuthState | "unchanged" | "rejected";
}

export function ev(seq: number, event: string, state: StateView, extra: Record<string, unknown> = {}): AuthAction {
  return { type: "event", payload: { seq, event, state, ...extra } };
}

/** Applies the row's action and checks the result, that a rejection is logged once, and that the input is untouched. */
export function checkRow({ from, action, to }: Row) {
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
}
