import { createContext } from "react";
import type { OAuthOptions } from "./bindings";
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
  TotpEnrolment,
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
  /** "Continue with <provider>": opens the system browser (options: scopes, query parameters for the provider). */
  startOAuth: (provider: string, options?: OAuthOptions) => Promise<boolean>;
  /** "Sign in with SSO": the work e-mail, or null when policy names the domain or provider. */
  startSso: (email: string | null) => Promise<boolean>;
  /** Stops waiting for the browser: the pending OAuth or SSO sign-in ends. */
  cancelSignIn: () => Promise<boolean>;
  recoverPassword: (email: string) => Promise<boolean>;
  /** `currentPassword`: null only in a recovery session. */
  updatePassword: (password: string, currentPassword?: string | null) => Promise<boolean>;
  sendPhoneCode: (phone: string) => Promise<boolean>;
  verifyPhoneCode: (phone: string, code: string) => Promise<boolean>;
}

/** Second factors and changes of the account. They leave the session's `error` and `pending` alone: each screen says
 *  what happened where it happened. */
export interface AccountActions {
  enrolTotp: (friendlyName: string) => Promise<QueryResult<TotpEnrolment>>;
  /** The new factor's id. */
  enrolPhone: (friendlyName: string, phone: string) => Promise<QueryResult<string>>;
  /** When the challenge expires (unix seconds). */
  challengeFactor: (factorId: string) => Promise<QueryResult<number>>;
  verifyFactor: (factorId: string, code: string) => Promise<QueryResult<null>>;
  unenrolFactor: (factorId: string) => Promise<QueryResult<null>>;
  cancelSecondFactor: () => Promise<QueryResult<null>>;
  changeEmail: (email: string) => Promise<QueryResult<null>>;
  changePassword: (password: string, currentPassword: string) => Promise<QueryResult<null>>;
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
  account: AccountActions;
  queries: Queries;
  settings: SettingsActions;
}

export const AuthStateContext = createContext<AuthState | null>(null);
export const AuthActionsContext = createContext<AuthActions | null>(null);
