import { useContext, useMemo } from "react";
import { AuthStateContext } from "./context";
import type { Aal, Claims, Factor } from "./types";

/** What the verified access token says (never the token itself), and the user's second factors. */
export interface SessionClaims {
  /** The verified claims: `role`, `aal`, `amr`, `is_anonymous`, `app_metadata`, `user_metadata`, `session_id`, `exp`;
   *  null outside a session (or for a session saved before claims were kept). */
  claims: Claims | null;
  /** The current level (`aal1` when there are no claims). */
  aal: Aal | null;
  /** The level the user's verified factors allow. */
  nextAal: Aal | null;
  /** The user's second factors, verified or not. */
  factors: Factor[];
  /** Whether the account has a verified second factor ("Two-factor: on"). */
  twoFactor: boolean;
}

const NONE: SessionClaims = { claims: null, aal: null, nextAal: null, factors: [], twoFactor: false };

export function useClaims(): SessionClaims {
  const state = useContext(AuthStateContext);
  if (state === null) throw new Error("useClaims must be used inside <AuthProvider>.");
  const view = state.view;
  return useMemo<SessionClaims>(() => {
    if (view.status === "initializing" || view.status === "signed_out") return NONE;
    const factors = view.user.factors;
    return {
      claims: view.claims,
      aal: view.claims?.aal ?? "aal1",
      nextAal: view.nextAal,
      factors,
      twoFactor: factors.some((f) => f.status === "verified"),
    };
  }, [view]);
}
