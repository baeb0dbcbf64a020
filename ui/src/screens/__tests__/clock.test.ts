// The home's clock: what it shows is redrawn exactly when it changes, and never on a fixed tick.
import { describe, expect, it } from "vitest";
import { countdownChangesAt, formatCountdown } from "../../format";
import { EXPIRING_SOON_SECONDS, sessionChangesAt } from "../../views/SessionPanel";

const D = 1_800_000_000;

describe("countdownChangesAt", () => {
  it("names the moment the countdown's text changes, and nothing changes before it", () => {
    for (let left = 30 * 3600; left > -5; left -= 7.3) {
      const now = D - left;
      const at = countdownChangesAt(D, now);
      const shown = formatCountdown(D - now);
      if (at === null) {
        expect(shown).toBe("Time is up");
        continue;
      }
      expect(at).toBeGreaterThan(now);
      expect(formatCountdown(D - (at - 0.002)), `${left} s left: changed before ${at}`).toBe(shown);
      expect(formatCountdown(D - at), `${left} s left: nothing changed at ${at}`).not.toBe(shown);
    }
  });

  it("is once an hour beyond a day, once a minute beyond a minute, and each second in the last minute", () => {
    const gap = (left: number) => countdownChangesAt(D, D - left)! - (D - left);
    expect(gap(2 * 86400 + 1800.5)).toBeCloseTo(1800.5 + 0.001, 3);
    expect(gap(5 * 3600 + 30.25)).toBeCloseTo(30.25 + 0.001, 3);
    expect(gap(600.5)).toBeCloseTo(0.501, 3);
    expect(gap(42.5)).toBeCloseTo(0.501, 3);
  });
});

describe("sessionChangesAt", () => {
  it("adds the expiring banner's threshold and the offline banner's retry countdown", () => {
    const now = D - EXPIRING_SOON_SECONDS - 20.5;
    expect(sessionChangesAt(D, null, now)).toBeCloseTo(D - EXPIRING_SOON_SECONDS + 0.001, 3);
    expect(sessionChangesAt(null, now + 200, now)).toBeCloseTo(now + 110, 3); // "retrying at 14:05" until 90 s are left
    expect(sessionChangesAt(null, now + 3.5, now)).toBeCloseTo(now + 0.5, 3); // then each second
    expect(sessionChangesAt(D, now + 3.5, now)).toBeCloseTo(now + 0.5, 3); // the soonest of all
    expect(sessionChangesAt(null, null, now)).toBeNull(); // no deadline, not offline: no timer at all
  });
});
