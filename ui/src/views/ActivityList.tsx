import { useEffect, useState } from "react";
import { errorMessage, eventLabel, reasonLabel } from "../auth/messages";
import type { ActivityEntry, AuthError } from "../auth/types";
import { useQueries } from "../auth/useActions";
import { useSession } from "../auth/useSession";
import { BusyButton } from "../components/Button";
import { Notice } from "../components/Notice";
import { Table } from "../components/Table";
import { Timestamp } from "../components/Timestamp";
import { formatActivityTime } from "../format";
import "./ActivityList.css";

/** Opens the activity window; `onResult` gets why it could not, or null. */
function OpenInWindowButton({ onResult }: { onResult: (error: AuthError | null) => void }) {
  const { openActivityWindow } = useQueries();
  const [opening, setOpening] = useState(false);

  async function open() {
    setOpening(true);
    const result = await openActivityWindow();
    setOpening(false);
    onResult(result.ok ? null : result.error);
  }

  return (
    <BusyButton id="open-activity-window" size="small" onClick={() => void open()} busy={opening} busyLabel="Opening…">
      Open in new window
    </BusyButton>
  );
}

function ActivityRow({ entry }: { entry: ActivityEntry }) {
  const details = [entry.reason ? reasonLabel(entry.reason) : null, entry.detail].filter(Boolean).join(" · ");
  return (
    <tr className="activity-row">
      <td className="activity-time">
        <Timestamp seconds={entry.at} format={formatActivityTime} />
      </td>
      <td>
        <span className="activity-event">{eventLabel(entry.event)}</span>{" "}
        <code className="activity-code">{entry.event}</code>
      </td>
      <td className="activity-details">{details || "—"}</td>
    </tr>
  );
}

/**
 * Recent auth events from `get_activity` (kept locally by the core, newest first; never
 * tokens). Reloaded whenever a new `auth://state` event has been applied. `inOwnWindow`:
 * shown in the activity window itself, so without the "Open in new window" button.
 */
export function ActivityList({ inOwnWindow = false }: { inOwnWindow?: boolean }) {
  const { getActivity } = useQueries();
  const { seq } = useSession();
  const [entries, setEntries] = useState<ActivityEntry[] | null>(null);
  const [error, setError] = useState<AuthError | null>(null);
  const [openError, setOpenError] = useState<AuthError | null>(null);
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
          {!inOwnWindow && <OpenInWindowButton onResult={setOpenError} />}
          <BusyButton
            id="refresh-activity"
            size="small"
            onClick={() => setReloads((n) => n + 1)}
            disabled={loading}
            busy={loading && entries !== null}
            busyLabel="Refreshing…"
          >
            Refresh
          </BusyButton>
        </div>
      </div>
      {openError && (
        <Notice id="open-activity-window-error" kind="error">
          Couldn't open a window. {errorMessage(openError)}
        </Notice>
      )}
      {error && (
        <Notice id="activity-error" kind="error">
          Couldn't load the activity. {errorMessage(error)}
        </Notice>
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
        <Table columns={["Time", "Event", "Details"]}>
          {entries.map((entry) => (
            <ActivityRow key={`${entry.seq}-${entry.at}-${entry.event}`} entry={entry} />
          ))}
        </Table>
      )}
    </div>
  );
}
