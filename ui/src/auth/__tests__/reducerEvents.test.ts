// The reducer and the core's event contract: every event (and a browser flow's error) the core emits, and what the
// state becomes, including malformed payloads that are rejected and counted.
import { describe, it } from "vitest";
import { initialAuthState } from "../reducer";
import type { AuthError, SignedInView, StateView } from "../types";
import { at, badCreds, checkRow, ev, expired, offlineValid, retry3, signedIn, signedOutNull, type Row } from "./reducerFixtures";

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

describe("authReducer", () => {
  it.each(contractRows)("$name", checkRow);
});
