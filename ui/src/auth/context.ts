import { createContext } from "react";
import type { AuthState } from "./reducer";

export interface AuthContextValue {
  state: AuthState;
  signInWithPassword: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  /** Reloads the snapshot (used after a failed initial load). */
  refresh: () => Promise<void>;
  clearError: () => void;
}

export const AuthContext = createContext<AuthContextValue | null>(null);
