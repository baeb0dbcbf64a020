import { useEffect, useState } from "react";
import { errorMessage, eventLabel, reasonLabel } from "../auth/messages";
import type { ActivityEntry, AuthError } from "../auth/types";
import { useSession } from "../auth/useSession";
import { LinkButton } from "../components/common";
import { formatActivityTime } from "../format";

/** Opens the activity window; says so if it could not. */
function OpenInWindowButton() {
  const { openActivityWindow } = useSession();
  const [opening, setOpening] = useState(false);
  const [error, setError] = useState<AuthError | null>(null);

  async function open() {
    setOpening(true);
    const result = await openActivityWindow();
    setOpening(false);
    setError(result.ok ? null : result.error);
  }

  return (
    <>
      <button
        id="open-activity-window"
        type="button"
        className="button button-secondary button-small"
        onClick={() => void open()}
        disabled={opening}
        aria-busy={opening}
      >
        {opening ? "Opening…" : "Open in new window"}
      </button>
      {error && (
        <span id="open-activity-window-error" className="details-warning" role="alert">
          Couldn't open a window. {errorMessage(error)}
        </span>
      )}
    </>
  );
}

/**
 * Recent auth events from `get_activity` (kept locally by the core, newest first; never
 * tokens). Reloaded whenever a new `auth://state` event has been applied. `inOwnWindow`:
 * shown in the activity window itself, so without the "Open in new window" button.
 */
export function ActivityList({ inOwnWindow = false }: { inOwnWindow?: boolean }) {
  const { getActivity, seq } = useSession();
  const [entries, setEntries] = useState<ActivityEntry[] | null>(null);
  const [error, setError] = useState<AuthError | null>(null);
  const [reloads, setReloads] = useState(0);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let active = true;
    setLoading(true);
    void getActivity().then((result) => {
      if (!active) return;
      setLoading(false);
      if (result.ok) {
        setEntries(result.value);
        setError(null);
      } else {
        setError(result.error);
      }
    });
    return () => {
      active = false;
    };
  }, [getActivity, seq, reloads]);

  return (
    <div id="activity" className="activity" aria-busy={loading}>
      <div className="activity-header">
        <p className="section-hint">Sign-ins, renewals and sign-outs on this computer, newest first.</p>
        <div className="activity-actions">
          {!inOwnWindow && <OpenInWindowButton />}
          <button
            id="refresh-activity"
            type="button"
            className="button button-secondary button-small"
            onClick={() => setReloads((n) => n + 1)}
            disabled={loading}
          >
            {loading && entries !== null ? "Refreshing…" : "Refresh"}
          </button>
        </div>
      </div>
      {error && (
        <div id="activity-error" className="notice notice-error" role="alert">
          Couldn't load the activity. {errorMessage(error)}
        </div>
      )}
      {entries === null && !error && (
        <p className="muted-text" role="status">
          Loading activity…
        </p>
      )}
      {entries !== null && entries.length === 0 && (
        <p id="activity-empty" className="muted-text">
          No activity yet.
        </p>
      )}
      {entries !== null && entries.length > 0 && (
        <div className="table-scroll">
          <table className="activity-table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={`${entry.seq}-${entry.at}-${entry.event}`} className="activity-row">
                  <td className="activity-time">
                    <time dateTime={new Date(entry.at * 1000).toISOString()}>{formatActivityTime(entry.at)}</time>
                  </td>
                  <td>
                    <span className="activity-event">{eventLabel(entry.event)}</span>{" "}
                    <code className="activity-code">{entry.event}</code>
                  </td>
                  <td className="activity-details">
                    {[entry.reason ? reasonLabel(entry.reason) : null, entry.detail]
                      .filter((x): x is string => Boolean(x))
                      .join(" · ") || "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

/** The activity view on its own, reachable from the sign-in screen. */
export function ActivityScreen({ onBack }: { onBack: () => void }) {
  return (
    <main className="screen">
      <section className="card card-wide" aria-labelledby="activity-title">
        <p className="brand">Latchkey</p>
        <h1 id="activity-title" className="card-title">
          Recent activity
        </h1>
        <ActivityList />
        <div className="card-footer">
          <LinkButton id="back-to-sign-in" onClick={onBack}>
            Back to sign in
          </LinkButton>
        </div>
      </section>
    </main>
  );
}

