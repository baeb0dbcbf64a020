import { formatUnixSeconds } from "../format";

/** A point in time (Unix seconds) as a `<time>`, written in the user's locale (`format` picks how). */
export function Timestamp({ seconds, format = formatUnixSeconds }: { seconds: number; format?: (s: number) => string }) {
  return <time dateTime={new Date(seconds * 1000).toISOString()}>{format(seconds)}</time>;
}
