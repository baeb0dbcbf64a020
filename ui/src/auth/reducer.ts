// The reducer of the webview's auth state: no IPC, no clocks, no randomness. What it cannot apply (an unknown or
// malformed event, an unknown action) is never dropped silently: it is logged and counted in `rejected`.
import {
  authErrorOf,
  isAuthError,
  isAuthEventPayload,
  isAuthSnapshot,
  isPendingSignOut,
  isRetryInfo,
  isServerSignOut,
  type AuthError,
  type AuthEventName,
  type PendingSignOut,
  type RetryInfo,
  type ServerSignOut,
  type StateView,
} from "./types";

export type PendingAction =
  | "sign_in"
  | "sign_up"
  | "send_email_code"
  | "verify_email_code"
  | "start_oauth"
  | "start_sso"
  | "cancel_sign_in"
  | "recover_password"
  | "update_password"
  | "send_phone_code"
  | "verify_phone_code"
  | "sign_out_local"
  | "sign_out_global"
  | "sign_out_others";

export interface AuthState {
  /** Seq of the last applied event or snapshot; null until one is applied. */
  lastSeq: number | null;
  /** Name of the last applied event (null for a snapshot or nothing yet). */
  lastEvent: AuthEventName | null;
  view: StateView;
  /** The user action in flight, if any. */
  pending: PendingAction | null;
  /** Error from the last failed action, failed snapshot load, or `auth://flow-error`. */
  error: AuthError | null;
  /** Last REFRESH_RETRYING info; cleared once the session is fresh again or ends. */
  retry: RetryInfo | null;
  /** Set by SESSION_EXPIRING (`remaining` seconds then, or null if the core gave none). */
  expiring: { remaining: number | null } | null;
  /** True after PASSWORD_RECOVERY until USER_UPDATED or the session ends. */
  recovery: boolean;
  /** A sign-out of the other sessions the server has not confirmed: they are still signed in until it does. */
  pendingSignOut: PendingSignOut | null;
  /** The last SERVER_SIGN_OUT (how a sign-out's server part went); cleared by a new sign-in. */
  serverSignOut: ServerSignOut | null;
  /** What could not be applied (an unknown or malformed event or snapshot, an unknown action): how many, and the last. */
  rejected: { count: number; last: string } | null;
}

export type AuthAction =
  | { type: "snapshot"; seq: number; state: StateView; pendingSignOut?: PendingSignOut }
  | { type: "event"; payload: unknown }
  | { type: "snapshot_failed"; error: AuthError }
  | { type: "flow_error"; error: AuthError }
  | { type: "action_started"; action: PendingAction }
  | { type: "action_succeeded"; action: PendingAction }
  | { type: "action_failed"; action: PendingAction; error: AuthError }
  | { type: "clear_error" };

export const initialAuthState: AuthState = {
  lastSeq: null,
  lastEvent: null,
  view: { status: "initializing" },
  pending: null,
  error: null,
  retry: null,
  expiring: null,
  recovery: false,
  pendingSignOut: null,
  serverSignOut: null,
  rejected: null,
};

/** Keeps the state but says what was not applied: logged, and counted where the UI (and a test) can see it. */
function reject(state: AuthState, what: string, value: unknown): AuthState {
  console.error(`Latchkey: ignored ${what}`, value);
  return { ...state, rejected: { count: (state.rejected?.count ?? 0) + 1, last: what } };
}

function isNewer(state: AuthState, seq: number): boolean {
  return state.lastSeq === null || seq > state.lastSeq;
}

/** In a session: signed in (with one factor while a second is due, too). */
function isSessionView(view: StateView): boolean {
  return view.status === "signed_in" || view.status === "expired" || view.status === "needs_second_factor";
}

/** Applies a view (snapshot: event null) whose seq is already known to be newer. */
function applyView(
  state: AuthState,
  seq: number,
  view: StateView,
  event: AuthEventName | null,
  extras: Record<string, unknown>,
): AuthState {
  const session = isSessionView(view);

  // Entering a session (or a new sign-in) makes an earlier failure irrelevant; otherwise
  // keep the error: a keychain error that came with a signed_out state stays visible, and
  // an error shown on the home screen does not vanish because a token was refreshed.
  const enteringSession = session && !isSessionView(state.view);
  const error = event === "SIGNED_IN" || enteringSession ? null : state.error;

  let retry = session ? state.retry : null;
  if (event === "REFRESH_RETRYING" && isRetryInfo(extras.retry)) {
    const { attempt, nextAt, cause } = extras.retry;
    retry = { attempt, nextAt, cause };
  }
  if (view.status === "signed_in" && view.freshness === "fresh") retry = null;

  let expiring = session ? state.expiring : null;
  if (event === "SIGNED_IN") expiring = null; // a new session has a new deadline
  if (event === "SESSION_EXPIRING") {
    const remaining = extras.remaining;
    expiring = { remaining: typeof remaining === "number" && Number.isFinite(remaining) ? remaining : null };
  }

  let recovery = session ? state.recovery : false;
  if (event === "PASSWORD_RECOVERY") recovery = true;
  if (event === "USER_UPDATED" || event === "SIGNED_OUT") recovery = false;

  const pendingSignOut = isPendingSignOut(extras.pendingSignOut) ? extras.pendingSignOut : null;
  let serverSignOut = event === "SIGNED_IN" ? null : state.serverSignOut;
  if (event === "SERVER_SIGN_OUT" && isServerSignOut(extras.serverSignOut)) serverSignOut = extras.serverSignOut;

  return { ...state, lastSeq: seq, lastEvent: event, view, error, retry, expiring, recovery, pendingSignOut, serverSignOut };
}

export function authReducer(state: AuthState, action: AuthAction): AuthState {
  switch (action.type) {
    case "snapshot": {
      if (!isAuthSnapshot({ seq: action.seq, state: action.state })) return reject(state, "a malformed snapshot", action);
      if (!isNewer(state, action.seq)) return state; // stale or duplicate: ignore
      return applyView(state, action.seq, action.state, null, { pendingSignOut: action.pendingSignOut });
    }
    case "event": {
      const payload = action.payload;
      if (!isAuthEventPayload(payload)) return reject(state, "an unknown or malformed event", payload);
      if (!isNewer(state, payload.seq)) return state; // stale or duplicate: ignore
      return applyView(state, payload.seq, payload.state, payload.event, payload as unknown as Record<string, unknown>);
    }
    case "snapshot_failed":
      return { ...state, error: action.error };
    case "flow_error":
      if (!isAuthError(action.error)) return reject(state, "a malformed flow error", action.error);
      return {
        ...state,
        pending: state.pending === "start_oauth" || state.pending === "start_sso" ? null : state.pending,
        error: authErrorOf(action.error),
      };
    case "action_started":
      return { ...state, pending: action.action, error: null };
    case "action_succeeded":
      if (state.pending !== action.action) return state;
      return { ...state, pending: null };
    case "action_failed":
      return {
        ...state,
        pending: state.pending === action.action ? null : state.pending,
        error: action.error,
      };
    case "clear_error":
      if (state.error === null) return state;
      return { ...state, error: null };
    default:
      return reject(state, "an unknown action", action);
  }
}
