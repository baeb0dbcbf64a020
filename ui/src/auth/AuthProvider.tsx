import { useCallback, useEffect, useMemo, useReducer, useRef, type ReactNode } from "react";
import * as bindings from "./bindings";
import { AuthContext, type AuthContextValue } from "./context";
import { authReducer, initialAuthState, type AuthAction, type PendingAction } from "./reducer";
import { isAuthSnapshot, toAuthError } from "./types";

type Dispatch = (action: AuthAction) => void;

/** Fetches the snapshot and hands it to `dispatch` unless `isActive()` went false meanwhile. */
async function loadSnapshot(dispatch: Dispatch, isActive: () => boolean): Promise<void> {
  try {
    const snapshot: unknown = await bindings.getAuthState();
    if (!isActive()) return;
    if (isAuthSnapshot(snapshot)) {
      dispatch({ type: "snapshot", seq: snapshot.seq, state: snapshot.state });
    } else {
      dispatch({
        type: "snapshot_failed",
        error: { code: "malformed_response", message: "get_auth_state returned an unexpected value." },
      });
    }
  } catch (err) {
    if (isActive()) dispatch({ type: "snapshot_failed", error: toAuthError(err) });
  }
}

/**
 * Owns the webview's view of the auth state.
 *
 * On mount it SUBSCRIBES to `auth://state` first and only THEN asks for the
 * `get_auth_state` snapshot, so no transition can fall between the two. Events and
 * snapshots are applied only when their `seq` is newer than the last applied one
 * (see reducer.ts), so the order in which they arrive does not matter.
 *
 * StrictMode: in development React mounts, cleans up and re-mounts effects once on
 * purpose. The effect cleans up fully instead of using a run-once flag: the first
 * run's listener is unlistened as soon as its `listen` promise settles, its events
 * are dropped, and since its cleanup runs before that promise settles it never asks
 * for a snapshot. Net effect: two `listen` calls, one `unlisten`, exactly one active
 * listener, one `get_auth_state`. In production the effect simply runs once.
 */
export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, dispatch] = useReducer(authReducer, initialAuthState);
  const mountedRef = useRef(false);
  const pendingRef = useRef<PendingAction | null>(null);

  useEffect(() => {
    let active = true;
    mountedRef.current = true;
    const isActive = () => active;

    const p = bindings.listenAuthState((payload) => {
      if (active) dispatch({ type: "event", payload });
    });
    p.then(
      () => {
        if (active) void loadSnapshot(dispatch, isActive);
      },
      (err: unknown) => {
        // Without a listener we can still show the current state.
        console.error("Latchkey: could not subscribe to auth://state", err);
        if (active) void loadSnapshot(dispatch, isActive);
      },
    );

    return () => {
      active = false;
      mountedRef.current = false;
      p.then((unlisten) => unlisten()).catch(() => {
        /* listener was never registered, or the webview is going away */
      });
    };
  }, []);

  const runAction = useCallback(async (action: PendingAction, call: () => Promise<unknown>) => {
    if (pendingRef.current !== null) return; // one action at a time
    pendingRef.current = action;
    dispatch({ type: "action_started", action });
    try {
      await call();
      dispatch({ type: "action_succeeded", action });
    } catch (err) {
      dispatch({ type: "action_failed", action, error: toAuthError(err) });
    } finally {
      pendingRef.current = null;
    }
  }, []);

  const signInWithPassword = useCallback(
    (email: string, password: string) =>
      runAction("sign_in", () => bindings.signInWithPassword(email, password)),
    [runAction],
  );

  const signOut = useCallback(() => runAction("sign_out", () => bindings.signOut()), [runAction]);

  const refresh = useCallback(async () => {
    dispatch({ type: "clear_error" });
    await loadSnapshot(dispatch, () => mountedRef.current);
  }, []);

  const clearError = useCallback(() => dispatch({ type: "clear_error" }), []);

  const value = useMemo<AuthContextValue>(
    () => ({ state, signInWithPassword, signOut, refresh, clearError }),
    [state, signInWithPassword, signOut, refresh, clearError],
  );

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
