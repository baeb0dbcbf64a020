import { useContext } from "react";
import {
  AuthActionsContext,
  type AccountActions,
  type AuthActions,
  type FlowActions,
  type Queries,
  type SettingsActions,
} from "./context";

export function useActions(): AuthActions {
  const actions = useContext(AuthActionsContext);
  if (actions === null) throw new Error("Latchkey's auth hooks must be used inside <AuthProvider>.");
  return actions;
}

/** Sign in, sign up, email codes and links, OAuth, password recovery: one at a time (the session's `pending`). */
export const useFlows = (): FlowActions => useActions().flows;

/** Reports from the core (sign-in options, keychain, clock, activity) and the activity window; never touch `error`. */
export const useQueries = (): Queries => useActions().queries;

/** The settings report and saving the user's own settings. */
export const useSettings = (): SettingsActions => useActions().settings;

/** Second factors (enrol, challenge, verify, remove, cancel), the password and the e-mail address. */
export const useAccount = (): AccountActions => useActions().account;
