import { createContext } from "react";
import type { AuthState } from "./reducer";
import type {
  ActivityEntry,
  AuthError,
  KeychainBackend,
  SettingsReport,
  SignInOptions,
  SignOutReport,
  SignOutScope,
  SignUpResult,
} from "./types";

/** Result of a command that leaves the session alone: never rejects, and does not touch the session's `error`. */
export type QueryResult<T> = { ok: true; value: T } | { ok: false; error: AuthError };

/** The session in place: ending it, keeping it alive, reloading the snapshot. */
export interface SessionActions {
  /** Never rejects: what the sign-out did (its server part), or null on failure (see `error`) or while another action
   *  is in flight. */
  signOut: (scope?: SignOutScope) => Promise<SignOutReport | null>;
  /** Activity keep-alive; errors are ignored. */
  touch: () => Promise<void>;
  /** Reloads the snapshot (used after a failed initial load). */
  refresh: () => Promise<void>;
  clearError: () => void;
}

/** The ways into a session. One at a time with `signOut` (`pending`); each never rejects and resolves to true on
 *  success, false on failure (see `error`) or while another action is in flight. */
export interface FlowActions {
  signInWithPassword: (email: string, password: string) => Promise<boolean>;
  /** Resolves to the result, or null on failure. `confirmationSent: false` means signed in. */
  signUp: (email: string, password: string) => Promise<SignUpResult | null>;
  sendEmailCode: (email: string) => Promise<boolean>;
  verifyEmailCode: (email: string, code: string) => Promise<boolean>;
  startOAuth: (provider: string) => Promise<boolean>;
  recoverPassword: (email: string) => Promise<boolean>;
  updatePassword: (password: string) => Promise<boolean>;
}

/** What the core reports about this computer and its history, and the activity window. */
export interface Queries {
  getSignInOptions: () => Promise<QueryResult<SignInOptions>>;
  getKeychainBackend: () => Promise<QueryResult<KeychainBackend>>;
  getClockSkew: () => Promise<QueryResult<number | null>>;
  getActivity: () => Promise<QueryResult<ActivityEntry[]>>;
  /** Opens the activity window, or focuses it if open. */
  openActivityWindow: () => Promise<QueryResult<null>>;
}

/** The effective settings and the user's own ones (saved for the next launch). */
export interface SettingsActions {
  getSettings: () => Promise<QueryResult<SettingsReport>>;
  /** Saves one user setting (`null` removes it); the core refuses keys a policy locks. */
  setSetting: (key: string, value: string | boolean | null) => Promise<QueryResult<null>>;
}

/** Every action, grouped by concern. They never change identity: a component that only acts (`useFlows`, `useQueries`,
 *  `useSettings`) does not re-render when the state changes. */
export interface AuthActions {
  session: SessionActions;
  flows: FlowActions;
  queries: Queries;
  settings: SettingsActions;
}

export const AuthStateContext = createContext<AuthState | null>(null);
export const AuthActionsContext = createContext<AuthActions | null>(null);
