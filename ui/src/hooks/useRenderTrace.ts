import { useLayoutEffect } from "react";
import type { AuthStatus } from "../auth/types";

declare global {
  interface Window {
    /** The auth statuses this page has rendered since it loaded, in order (page memory only, never user data). */
    __latchkeyRenders?: AuthStatus[];
  }
}

/** Enough to cover any reload; a long session only adds a few entries. */
const KEEP = 50;

/**
 * Marks `#root` with `data-status` and appends each newly rendered status to
 * `window.__latchkeyRenders`. It runs after React has committed the screen for that
 * status, so a reload test can read the list and prove that "signed_out" was never
 * on screen on the way back to "signed_in".
 */
export function useRenderTrace(status: AuthStatus): void {
  useLayoutEffect(() => {
    document.getElementById("root")?.setAttribute("data-status", status);
    const trace = (window.__latchkeyRenders ??= []);
    if (trace[trace.length - 1] !== status) trace.push(status);
    if (trace.length > KEEP) trace.splice(0, trace.length - KEEP);
  }, [status]);
}
