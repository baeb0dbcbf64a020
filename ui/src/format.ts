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

/** Seconds → "9 min", "1 h 5 min", "30 s" (no "left"). */
export function formatDuration(seconds: number): string {
  return formatCountdown(seconds).replace(/ left$/, "");
}
