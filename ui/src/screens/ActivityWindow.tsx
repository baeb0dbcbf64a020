import { signedOutReasonMessage } from "../auth/messages";
import { useSession, type Session } from "../auth/useSession";
import { ErrorNotice } from "../components/common";
import { ActivityList } from "./ActivityView";

function sessionLine(session: Session): string {
  switch (session.status) {
    case "initializing":
      return "Restoring your session…";
    case "signed_in":
      return `Signed in as ${session.user?.email ?? ""}`;
    case "expired":
      return `Signed in as ${session.user?.email ?? ""} · reconnecting`;
    default:
      return signedOutReasonMessage(session.reason) ?? "Signed out.";
  }
}

/**
 * The activity window (`#/activity`): the session status and the recent activity, live.
 * Read-only: its capability grants only the state snapshot, the activity list and events.
 */
export function ActivityWindow() {
  const session = useSession();
  const inSession = session.status === "signed_in" || session.status === "expired";
  return (
    <main className="screen screen-top">
      <section className="panel panel-window" aria-labelledby="activity-window-title">
        <header className="panel-header">
          <div>
            <p className="brand">Latchkey</p>
            <h1 id="activity-window-title" className="card-title">
              Recent activity
            </h1>
          </div>
          <p
            id="window-session"
            className={`window-session ${inSession ? "status-ok" : "window-session-out"}`}
            role="status"
            aria-live="polite"
            data-status={session.status}
          >
            {sessionLine(session)}
          </p>
        </header>
        {session.status === "initializing" && session.error && (
          <div id="window-error">
            <ErrorNotice error={session.error} />
            <button id="retry" type="button" className="button button-secondary button-small" onClick={() => void session.refresh()}>
              Try again
            </button>
          </div>
        )}
        <ActivityList inOwnWindow />
      </section>
    </main>
  );
}
