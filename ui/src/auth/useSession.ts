import { useContext, useMemo } from "react";
import { AuthContext } from "./context";
import type { AuthError, AuthStatus, AuthUser, Persistence, SignedOutReason } from "./types";

export interface Session {
  status: AuthStatus;
  user: AuthUser | null;
  /** Unix seconds, or null when not signed in. */
  accessExpiresAt: number | null;
  /** Unix seconds, or null when not signed in. */
  signedInAt: number | null;
  /** Where the session is kept, or null when not signed in. */
  persistence: Persistence | null;
  /** Why the user is signed out (null when signed in, initializing, or never signed in). */
  reason: SignedOutReason | null;
  /** Error from the last failed action, or null. */
  error: AuthError | null;
  /** True while sign-in or sign-out is in flight. */
  pending: boolean;
  /** Never rejects: a failure is reported through `error`. */
  signInWithPassword: (email: string, password: string) => Promise<void>;
  /** Never rejects: a failure is reported through `error`. */
  signOut: () => Promise<void>;
  /** Reloads the snapshot from the core. */
  refresh: () => Promise<void>;
  clearError: () => void;
}

export function useSession(): Session {
  const ctx = useContext(AuthContext);
  if (ctx === null) throw new Error("useSession must be used inside <AuthProvider>.");
  const { state, signInWithPassword, signOut, refresh, clearError } = ctx;
  return useMemo<Session>(() => {
    const view = state.view;
    const signedIn = view.status === "signed_in" ? view : null;
    return {
      status: view.status,
      user: signedIn ? signedIn.user : null,
      accessExpiresAt: signedIn ? signedIn.accessExpiresAt : null,
      signedInAt: signedIn ? signedIn.signedInAt : null,
      persistence: signedIn ? signedIn.persistence : null,
      reason: view.status === "signed_out" ? view.reason : null,
      error: state.error,
      pending: state.pending !== null,
      signInWithPassword,
      signOut,
      refresh,
      clearError,
    };
  }, [state, signInWithPassword, signOut, refresh, clearError]);
}
