import { signedOutReasonMessage } from "../auth/messages";
import { useSession, type Session } from "../auth/useSession";
import { Button } from "../components/Button";
import { Panel } from "../components/Card";
import { ErrorNotice } from "../components/Notice";
import { ActivityList } from "../views/ActivityList";
import "./ActivityWindow.css";

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
  const status = (
    <p
      id="window-session"
      className={`window-session ${inSession ? "status-ok" : "window-session-out"}`}
      role="status"
      aria-live="polite"
      data-status={session.status}
    >
      {sessionLine(session)}
    </p>
  );
  return (
    <Panel title="Recent activity" titleId="activity-window-title" aside={status} fill>
      {session.status === "initializing" && session.error && (
        <div id="window-error">
          <ErrorNotice error={session.error} />
          <Button id="retry" size="small" onClick={() => void session.refresh()}>
            Try again
          </Button>
        </div>
      )}
      <ActivityList inOwnWindow />
    </Panel>
  );
}
