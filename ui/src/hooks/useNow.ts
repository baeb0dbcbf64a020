import { useEffect, useState } from "react";

/**
 * The current time in unix seconds, read again only at the moment `nextChange(now)` names (the next time something
 * on screen changes), never on a fixed tick: while nothing shown depends on the clock, no timer runs.
 * `nextChange` returns unix seconds, or null for "never"; keep it stable (module-level or memoized).
 */
export function useNow(nextChange: (now: number) => number | null): number {
  const [now, setNow] = useState(() => Date.now() / 1000);
  useEffect(() => {
    const at = nextChange(now);
    if (at === null) return;
    // A timer may fire a millisecond early against Date: then the same moment is asked for again, a moment later.
    const id = setTimeout(() => setNow(Date.now() / 1000), Math.max(0, Math.ceil((at - Date.now() / 1000) * 1000)));
    return () => clearTimeout(id);
  }, [now, nextChange]);
  return now;
}
