import { createContext } from "react";
import type { AuthState } from "./reducer";
import type {
  ActivityEntry,
  AuthError,
  KeychainBackend,
  SignInOptions,
  SignOutScope,
  SignUpResult,
} from "./types";

/** Result of a read-only query: never rejects, and does not touch the session's `error`. */
export type QueryResult<T> = { ok: true; value: T } | { ok: false; error: AuthError };

export interface AuthActions {
  /** All actions never reject. They resolve to true on success, false on failure (see `error`)
   *  or when another action is already in flight. */
  signInWithPassword: (email: string, password: string) => Promise<boolean>;
  /** Resolves to the result, or null on failure. `confirmationSent: false` means signed in. */
  signUp: (email: string, password: string) => Promise<SignUpResult | null>;
  sendEmailCode: (email: string) => Promise<boolean>;
  verifyEmailCode: (email: string, code: string) => Promise<boolean>;
  startOAuth: (provider: string) => Promise<boolean>;
  recoverPassword: (email: string) => Promise<boolean>;
  updatePassword: (password: string) => Promise<boolean>;
  signOut: (scope?: SignOutScope) => Promise<boolean>;
  /** Activity keep-alive; errors are ignored. */
  touch: () => Promise<void>;
  getSignInOptions: () => Promise<QueryResult<SignInOptions>>;
  getKeychainBackend: () => Promise<QueryResult<KeychainBackend>>;
  getClockSkew: () => Promise<QueryResult<number | null>>;
  getActivity: () => Promise<QueryResult<ActivityEntry[]>>;
  /** Opens the activity window, or focuses it if open. */
  openActivityWindow: () => Promise<QueryResult<null>>;
  /** Reloads the snapshot (used after a failed initial load). */
  refresh: () => Promise<void>;
  clearError: () => void;
}

export interface AuthContextValue extends AuthActions {
  state: AuthState;
}

export const AuthContext = createContext<AuthContextValue | null>(null);
