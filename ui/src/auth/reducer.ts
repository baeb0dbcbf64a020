// Pure reducer for the webview's auth state. No IPC, no clocks, no randomness.
import {
  isAuthEventPayload,
  isAuthSnapshot,
  type AuthError,
  type AuthEventName,
  type StateView,
} from "./types";

export type PendingAction = "sign_in" | "sign_out";

export interface AuthState {
  /** Seq of the last applied event or snapshot; null until one is applied. */
  lastSeq: number | null;
  /** Name of the last applied event (null for a snapshot or nothing yet). */
  lastEvent: AuthEventName | null;
  view: StateView;
  /** The user action in flight, if any. */
  pending: PendingAction | null;
  /** Error from the last failed action (or failed snapshot load). */
  error: AuthError | null;
}

export type AuthAction =
  | { type: "snapshot"; seq: number; state: StateView }
  | { type: "event"; payload: { seq: number; event: AuthEventName; state: StateView } }
  | { type: "snapshot_failed"; error: AuthError }
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
};

function isNewer(state: AuthState, seq: number): boolean {
  return state.lastSeq === null || seq > state.lastSeq;
}

function applyView(
  state: AuthState,
  seq: number,
  view: StateView,
  event: AuthEventName | null,
): AuthState {
  if (!isNewer(state, seq)) return state; // stale or duplicate: ignore
  // A successful sign-in makes an earlier failure irrelevant; otherwise keep the
  // error (e.g. a keychain error that came with a signed_out state stays visible).
  const error = view.status === "signed_in" ? null : state.error;
  return { ...state, lastSeq: seq, lastEvent: event, view, error };
}

export function authReducer(state: AuthState, action: AuthAction): AuthState {
  switch (action.type) {
    case "snapshot": {
      if (!isAuthSnapshot({ seq: action.seq, state: action.state })) return state;
      return applyView(state, action.seq, action.state, null);
    }
    case "event": {
      if (!isAuthEventPayload(action.payload)) return state;
      const { seq, event, state: view } = action.payload;
      return applyView(state, seq, view, event);
    }
    case "snapshot_failed":
      return { ...state, error: action.error };
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
      // Unknown action (e.g. from a newer caller): leave the state untouched.
      return state;
  }
}
