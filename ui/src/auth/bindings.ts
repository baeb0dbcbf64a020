// Thin wrappers over Tauri's `invoke` and `listen`. Nothing else in the UI talks IPC.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { AUTH_STATE_EVENT, type AuthEventPayload, type AuthSnapshot } from "./types";

export type { UnlistenFn };

/** Subscribes to `auth://state`. Resolves once the core has registered the listener. */
export function listenAuthState(
  handler: (payload: AuthEventPayload) => void,
): Promise<UnlistenFn> {
  return listen<AuthEventPayload>(AUTH_STATE_EVENT, (event) => handler(event.payload));
}

/** `get_auth_state`: the current snapshot `{ seq, state }`. */
export function getAuthState(): Promise<AuthSnapshot> {
  return invoke<AuthSnapshot>("get_auth_state");
}

/** `sign_in_with_password`: resolves to null; the new state arrives as an event. */
export function signInWithPassword(email: string, password: string): Promise<null> {
  return invoke<null>("sign_in_with_password", { email, password });
}

/** `sign_out`: resolves to null; the new state arrives as an event. */
export function signOut(): Promise<null> {
  return invoke<null>("sign_out");
}
