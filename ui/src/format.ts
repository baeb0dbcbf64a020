// Local-time formatting for unix-second timestamps and durations.

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });
const activityFormat = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** Unix seconds → local date and time, e.g. "Nov 28, 2025, 2:05 PM". */
export function formatUnixSeconds(seconds: number): string {
  return dateTimeFormat.format(new Date(seconds * 1000));
}

/** Unix seconds → local time of day, e.g. "2:05 PM" (or "14:05"). */
export function formatTime(seconds: number): string {
  return timeFormat.format(new Date(seconds * 1000));
}

/** Unix seconds → local time with seconds, for the activity list. */
export function formatActivityTime(seconds: number): string {
  return activityFormat.format(new Date(seconds * 1000));
}

/** Seconds left → "2 d 3 h left", "23 h 59 min left", "9 min left", "42 s left", or "Time is up". */
export function formatCountdown(secondsLeft: number): string {
  const s = Math.floor(secondsLeft);
  if (s <= 0) return "Time is up";
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (days > 0) return `${days} d ${hours} h left`;
  if (hours > 0) return `${hours} h ${minutes} min left`;
  if (minutes > 0) return `${minutes} min left`;
  return `${s} s left`;
}

/** When (unix seconds) `formatCountdown(deadline - now)` shows something else next: the next whole day-hour, hour
 * or minute boundary while those are shown, the next second in the last minute; null once the time is up. */
export function countdownChangesAt(deadline: number, now: number): number | null {
  const s = Math.floor(deadline - now);
  if (s <= 0) return null;
  const unit = s >= 86400 ? 3600 : s >= 60 ? 60 : 1;
  // The shown value is a function of floor(s / unit); it changes once deadline - now drops below that many units.
  return deadline - Math.floor(s / unit) * unit + 0.001;
}

/** Seconds → "9 min", "1 h 5 min", "30 s" (no "left"). */
export function formatDuration(seconds: number): string {
  return formatCountdown(seconds).replace(/ left$/, "");
}
