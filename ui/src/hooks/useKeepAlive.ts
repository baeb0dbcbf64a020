import { useEffect, useRef } from "react";

export const KEEP_ALIVE_INTERVAL_MS = 60_000;
const ACTIVITY_EVENTS = ["pointerdown", "keydown", "wheel", "touchstart"] as const;

/**
 * While `enabled`, reports user activity to the core (for the idle timeout) by calling
 * `touch` at most once per `KEEP_ALIVE_INTERVAL_MS`, on pointer/key activity only.
 */
export function useKeepAlive(enabled: boolean, touch: () => Promise<void>): void {
  const lastRef = useRef<number | null>(null);
  const touchRef = useRef(touch);
  useEffect(() => {
    touchRef.current = touch;
  }, [touch]);

  useEffect(() => {
    if (!enabled) return;
    const onActivity = () => {
      const now = Date.now();
      if (lastRef.current !== null && now - lastRef.current < KEEP_ALIVE_INTERVAL_MS) return;
      lastRef.current = now;
      void touchRef.current();
    };
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, onActivity, { passive: true });
    return () => {
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, onActivity);
    };
  }, [enabled]);
}
