import { useContext, useMemo } from "react";
import { AuthStateContext, type SessionActions } from "./context";
import { useActions } from "./useActions";
import type { PendingAction } from "./reducer";
import type {
  AuthError,
  AuthEventName,
  AuthStatus,
  AuthUser,
  IdentityProvider,
  PendingSignOut,
  Persistence,
  RetryInfo,
  SecondFactorView,
  ServerSignOut,
  SignedOutReason,
} from "./types";

/** The session as the screens see it, with the actions on it (the flows into one: `useFlows`). */
export interface Session extends SessionActions {
  status: AuthStatus;
  /** While status is "needs_second_factor": what is due (`step`), the user's factors and the types policy allows. */
  secondFactor: SecondFactorView | null;
  user: AuthUser | null;
  /** The identity provider (OAuth, SSO) the session came through, or null. */
  identityProvider: IdentityProvider | null;
  /** Unix seconds; null unless status is "signed_in". */
  accessExpiresAt: number | null;
  /** Unix seconds; null unless signed in with a refresh scheduled. */
  nextRefreshAt: number | null;
  /** Unix seconds: the absolute session deadline; null when not in a session. */
  deadlineAt: number | null;
  /** Unix seconds; null when not in a session. */
  signedInAt: number | null;
  /** Unix seconds: next refresh attempt while status is "expired". */
  nextRetryAt: number | null;
  /** A refresh is in flight (freshness "refreshing"). */
  refreshing: boolean;
  /** The server can't be reached (freshness "offline_valid") or the access token expired. */
  offline: boolean;
  /** Where the session is kept, or null when not in a session. */
  persistence: Persistence | null;
  /** Why the user is signed out (null when in a session, initializing, or never signed in). */
  reason: SignedOutReason | null;
  /** Last REFRESH_RETRYING info while the session is not fresh. */
  retry: RetryInfo | null;
  /** True once SESSION_EXPIRING arrived for this session. */
  expiring: boolean;
  /** Seconds left as reported by SESSION_EXPIRING (a point in time: use deadlineAt to count down). */
  expiringIn: number | null;
  /** True after PASSWORD_RECOVERY until USER_UPDATED or SIGNED_OUT: ask for a new password. */
  recovery: boolean;
  /** Error from the last failed action or flow, or null. */
  error: AuthError | null;
  /** True while any action is in flight. */
  pending: boolean;
  /** Which action is in flight. */
  pendingAction: PendingAction | null;
  /** A sign-out of the other sessions the server has not confirmed: they are still signed in. */
  pendingSignOut: PendingSignOut | null;
  /** How the last sign-out's server part went (SERVER_SIGN_OUT), until the next sign-in. */
  serverSignOut: ServerSignOut | null;
  /** Seq of the last applied snapshot/event (changes on every auth://state event). */
  seq: number | null;
  /** Name of the last applied event (null after a snapshot). */
  lastEvent: AuthEventName | null;
}

export function useSession(): Session {
  const state = useContext(AuthStateContext);
  const actions = useActions().session;
  if (state === null) throw new Error("useSession must be used inside <AuthProvider>.");
  return useMemo<Session>(() => {
    const view = state.view;
    const signedIn = view.status === "signed_in" ? view : null;
    const expired = view.status === "expired" ? view : null;
    const needsSecondFactor = view.status === "needs_second_factor" ? view : null;
    const session = signedIn ?? expired ?? needsSecondFactor;
    return {
      ...actions,
      status: view.status,
      secondFactor: needsSecondFactor,
      user: session ? session.user : null,
      identityProvider: (signedIn ?? expired)?.identityProvider ?? null,
      accessExpiresAt: signedIn ? signedIn.accessExpiresAt : null,
      nextRefreshAt: signedIn ? (signedIn.nextRefreshAt ?? null) : null,
      deadlineAt: session ? (session.deadlineAt ?? null) : null,
      signedInAt: session ? session.signedInAt : null,
      nextRetryAt: expired ? (expired.nextRetryAt ?? null) : null,
      refreshing: signedIn?.freshness === "refreshing",
      offline: signedIn?.freshness === "offline_valid" || expired !== null,
      persistence: session ? session.persistence : null,
      reason: view.status === "signed_out" ? view.reason : null,
      retry: signedIn?.freshness === "fresh" ? null : state.retry,
      expiring: state.expiring !== null,
      expiringIn: state.expiring?.remaining ?? null,
      recovery: state.recovery,
      pendingSignOut: state.pendingSignOut,
      serverSignOut: state.serverSignOut,
      error: state.error,
      pending: state.pending !== null,
      pendingAction: state.pending,
      seq: state.lastSeq,
      lastEvent: state.lastEvent,
    };
  }, [state, actions]);
}
