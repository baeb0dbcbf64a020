import { useCallback, useEffect, useMemo, useReducer, useRef, type ReactNode } from "react";
import * as bindings from "./bindings";
import { AuthActionsContext, AuthStateContext, type AuthActions, type QueryResult } from "./context";
import { authReducer, initialAuthState, type AuthAction, type PendingAction } from "./reducer";
import {
  isActivityEntry,
  authErrorOf,
  isAuthError,
  isAuthSnapshot,
  isKeychainBackend,
  isSettingsReport,
  isSignInOptions,
  isSignOutReport,
  isSignUpResult,
  isTotpEnrolment,
  toAuthError,
  type ActivityEntry,
  type KeychainBackend,
  type SettingsReport,
  type SignInOptions,
  type SignOutReport,
  type SignOutScope,
  type SignUpResult,
  type TotpEnrolment,
} from "./types";

type Dispatch = (action: AuthAction) => void;

/** Fetches the snapshot and hands it to `dispatch` unless `isActive()` went false meanwhile. */
async function loadSnapshot(dispatch: Dispatch, isActive: () => boolean): Promise<void> {
  try {
    const snapshot: unknown = await bindings.getAuthState();
    if (!isActive()) return;
    if (isAuthSnapshot(snapshot)) {
      dispatch({ type: "snapshot", seq: snapshot.seq, state: snapshot.state, pendingSignOut: snapshot.pendingSignOut });
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

/** Runs a read-only command and validates its answer. Never rejects. */
async function query<T>(
  cmd: string,
  call: () => Promise<unknown>,
  guard: (value: unknown) => value is T,
): Promise<QueryResult<T>> {
  try {
    const value = await call();
    if (guard(value)) return { ok: true, value };
    return { ok: false, error: { code: "malformed_response", message: `${cmd} returned an unexpected value.` } };
  } catch (err) {
    return { ok: false, error: toAuthError(err) };
  }
}

function isActivityList(value: unknown): value is ActivityEntry[] {
  return Array.isArray(value) && value.every(isActivityEntry);
}

const isNull = (value: unknown): value is null => value === null;
const isString = (value: unknown): value is string => typeof value === "string";
const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

const SIGN_OUT_ACTION: Record<SignOutScope, PendingAction> = {
  local: "sign_out_local",
  global: "sign_out_global",
  others: "sign_out_others",
};

/**
 * Owns the webview's view of the auth state.
 *
 * On mount it SUBSCRIBES to `auth://state` first and only THEN asks for the
 * `get_auth_state` snapshot, so no transition can fall between the two. Events and
 * snapshots are applied only when their `seq` is newer than the last applied one
 * (see reducer.ts), so the order in which they arrive does not matter. It also
 * listens to `auth://flow-error` (an OAuth or link flow that failed in the browser)
 * and shows it as `error`.
 *
 * The state and the actions go in two contexts: the actions (context.ts, grouped by concern) never change identity,
 * so what only acts does not re-render with every event.
 *
 * StrictMode: in development React mounts, cleans up and re-mounts effects once on
 * purpose. The effect cleans up fully instead of using a run-once flag: the first
 * run's listeners are unlistened as soon as their `listen` promises settle, their
 * events are dropped, and since its cleanup runs before that promise settles it never
 * asks for a snapshot. Net effect: one active listener per event, one `get_auth_state`.
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
    const flow = bindings.listenFlowError((payload) => {
      if (!active) return;
      const error = isAuthError(payload)
        ? authErrorOf(payload)
        : { code: "invalid_callback", message: "The sign-in could not be completed." };
      dispatch({ type: "flow_error", error });
    });
    // Both listeners before the snapshot and `window_ready`: the core holds a link Latchkey was launched with until
    // the main window says it is ready, so its outcome (a flow error) is not sent before anyone listens.
    const ready = () => {
      if (!active) return;
      void loadSnapshot(dispatch, isActive);
      bindings.windowReady().catch((err: unknown) => console.error("Latchkey: window_ready failed", err));
    };
    p.then(
      () => flow.then(ready, ready),
      (err: unknown) => {
        // Without a listener we can still show the current state.
        console.error("Latchkey: could not subscribe to auth://state", err);
        ready();
      },
    );
    flow.catch((err: unknown) => console.error("Latchkey: could not subscribe to auth://flow-error", err));

    return () => {
      active = false;
      mountedRef.current = false;
      for (const listener of [p, flow]) {
        listener.then((unlisten) => unlisten()).catch(() => {
          /* listener was never registered, or the webview is going away */
        });
      }
    };
  }, []);

  /** Runs one user action at a time; resolves to its value, or `failed` on error or when busy. */
  const runAction = useCallback(
    async <T, F>(action: PendingAction, call: () => Promise<T>, failed: F): Promise<T | F> => {
      if (pendingRef.current !== null) return failed; // one action at a time
      pendingRef.current = action;
      dispatch({ type: "action_started", action });
      try {
        const value = await call();
        dispatch({ type: "action_succeeded", action });
        return value;
      } catch (err) {
        dispatch({ type: "action_failed", action, error: toAuthError(err) });
        return failed;
      } finally {
        pendingRef.current = null;
      }
    },
    [],
  );

  const actions = useMemo<AuthActions>(() => {
    const ok = (action: PendingAction, call: () => Promise<unknown>) =>
      runAction(action, async () => {
        await call();
        return true as boolean;
      }, false);
    return {
      session: {
        signOut: (scope = "local") =>
          runAction(
            SIGN_OUT_ACTION[scope],
            async () => {
              const report = await bindings.signOut(scope);
              if (!isSignOutReport(report)) throw { code: "malformed_response", message: "sign_out returned an unexpected value." };
              return report as SignOutReport | null;
            },
            null,
          ),
        touch: async () => {
          try {
            await bindings.touch();
          } catch {
            /* keep-alive only: the idle timeout is enforced by the core */
          }
        },
        refresh: async () => {
          dispatch({ type: "clear_error" });
          await loadSnapshot(dispatch, () => mountedRef.current);
        },
        clearError: () => dispatch({ type: "clear_error" }),
      },
      flows: {
        signInWithPassword: (email, password) => ok("sign_in", () => bindings.signInWithPassword(email, password)),
        signUp: (email, password) =>
          runAction<SignUpResult, null>(
            "sign_up",
            async () => {
              const result = await bindings.signUp(email, password);
              if (!isSignUpResult(result)) {
                throw { code: "malformed_response", message: "sign_up returned an unexpected value." };
              }
              return { confirmationSent: result.confirmationSent };
            },
            null,
          ),
        sendEmailCode: (email) => ok("send_email_code", () => bindings.sendEmailCode(email)),
        verifyEmailCode: (email, code) => ok("verify_email_code", () => bindings.verifyEmailCode(email, code)),
        startOAuth: (provider, options) => ok("start_oauth", () => bindings.startOAuth(provider, options)),
        startSso: (email) => ok("start_sso", () => bindings.startSso(email)),
        cancelSignIn: () => ok("cancel_sign_in", bindings.cancelSignIn),
        recoverPassword: (email) => ok("recover_password", () => bindings.recoverPassword(email)),
        updatePassword: (password, currentPassword = null) =>
          ok("update_password", () => bindings.updatePassword(password, currentPassword)),
        sendPhoneCode: (phone) => ok("send_phone_code", () => bindings.sendPhoneCode(phone)),
        verifyPhoneCode: (phone, code) => ok("verify_phone_code", () => bindings.verifyPhoneCode(phone, code)),
      },
      account: {
        enrolTotp: (name) => query<TotpEnrolment>("enrol_totp", () => bindings.enrolTotp(name), isTotpEnrolment),
        enrolPhone: (name, phone) => query<string>("enrol_phone", () => bindings.enrolPhone(name, phone), isString),
        challengeFactor: (id) => query<number>("challenge_factor", () => bindings.challengeFactor(id), isNumber),
        verifyFactor: (id, code) => query<null>("verify_factor", () => bindings.verifyFactor(id, code), isNull),
        unenrolFactor: (id) => query<null>("unenrol_factor", () => bindings.unenrolFactor(id), isNull),
        cancelSecondFactor: () => query<null>("cancel_second_factor", bindings.cancelSecondFactor, isNull),
        changeEmail: (email) => query<null>("change_email", () => bindings.changeEmail(email), isNull),
        changePassword: (password, current) =>
          query<null>("update_password", () => bindings.updatePassword(password, current), isNull),
      },
      queries: {
        getSignInOptions: () => query<SignInOptions>("get_sign_in_options", bindings.getSignInOptions, isSignInOptions),
        getKeychainBackend: () =>
          query<KeychainBackend>("get_keychain_backend", bindings.getKeychainBackend, isKeychainBackend),
        getActivity: () => query<ActivityEntry[]>("get_activity", bindings.getActivity, isActivityList),
        openActivityWindow: () => query<null>("open_activity_window", bindings.openActivityWindow, isNull),
        getClockSkew: () =>
          query<number | null>("get_clock_skew", bindings.getClockSkew, (v): v is number | null => v === null || typeof v === "number"),
      },
      settings: {
        getSettings: () => query<SettingsReport>("get_settings", bindings.getSettings, isSettingsReport),
        setSetting: (key, value) => query<null>("set_setting", () => bindings.setSetting(key, value), isNull),
      },
    };
  }, [runAction]);

  return (
    <AuthActionsContext.Provider value={actions}>
      <AuthStateContext.Provider value={state}>{children}</AuthStateContext.Provider>
    </AuthActionsContext.Provider>
  );
}
