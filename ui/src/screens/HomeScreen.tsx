import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { keychainBackendLabel, keychainProblem } from "../auth/messages";
import type { KeychainBackend, Persistence, RetryInfo } from "../auth/types";
import { useSession, type Session } from "../auth/useSession";
import { ErrorNotice, Timestamp } from "../components/common";
import { formatCountdown, formatDuration, formatTime } from "../format";
import { useNow } from "../hooks/useNow";
import { ActivityList } from "./ActivityView";
import { SettingsPanel } from "./SettingsScreen";

export { formatUnixSeconds } from "../format";

/** Below this many seconds before the deadline, the expiring banner shows even without SESSION_EXPIRING. */
export const EXPIRING_SOON_SECONDS = 10 * 60;

type Tab = "session" | "activity" | "settings";
const TABS: Tab[] = ["session", "activity", "settings"];
const TAB_LABELS: Record<Tab, string> = { session: "Session", activity: "Activity", settings: "Settings" };
const PERSISTENCE_LABELS: Record<Persistence, string> = {
  keychain: "Encrypted vault",
  memory_only: "Memory only",
  insecure_file: "Encrypted vault, key in a file (weaker: the keychain is unavailable)",
};

function retryHeadline(cause: string | undefined): string {
  switch (cause) {
    case "server_error":
      return "The server had a problem";
    case "over_request_rate_limit":
      return "The server is limiting requests";
    case "malformed_response":
      return "The server sent an unexpected reply";
    default:
      return "Can't reach the server";
  }
}

/** When the next attempt is: a countdown while it is close (a clock time would hide seconds), else the time. */
function retryWhen(at: number, now: number): string {
  const left = Math.ceil(at - now);
  if (left <= 0) return "retrying now";
  return left <= 90 ? `retrying in ${left} s` : `retrying at ${formatTime(at)}`;
}

/** "Can't reach the server — retrying in 4 s (attempt 3)." or "… retrying at 14:05 (attempt 7)." */
export function offlineText(retry: RetryInfo | null, nextRetryAt: number | null, now: number): string {
  if (retry) return `${retryHeadline(retry.cause)} — ${retryWhen(retry.nextAt, now)} (attempt ${retry.attempt}).`;
  if (nextRetryAt !== null) return `Can't reach the server — ${retryWhen(nextRetryAt, now)}.`;
  return "Can't reach the server — retrying shortly.";
}

function statusText(session: Session): string {
  if (session.status === "expired") return "Reconnecting";
  if (session.offline) return "Offline, token still valid";
  if (session.refreshing) return "Renewing…";
  return "Active";
}

function KeychainRow() {
  const { getKeychainBackend } = useSession();
  const [report, setReport] = useState<KeychainBackend | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let active = true;
    void getKeychainBackend().then((result) => {
      if (!active) return;
      if (result.ok) setReport(result.value);
      else setFailed(true);
    });
    return () => {
      active = false;
    };
  }, [getKeychainBackend]);

  const problem = report ? keychainProblem(report) : null;
  return (
    <div className="details-row">
      <dt>Keychain</dt>
      <dd>
        <span id="keychain-backend">
          {report ? keychainBackendLabel(report) : failed ? "Couldn't be checked" : "Checking…"}
        </span>
        {problem && (
          <span id="keychain-problem" className="details-warning">
            {problem}
          </span>
        )}
      </dd>
    </div>
  );
}

/** Plain words for the server-minus-local clock difference: the server allows no leeway on expiry. */
export function clockText(skew: number | null): string {
  if (skew === null) return "Couldn't compare with the server";
  if (Math.abs(skew) <= 2) return "In sync with the server";
  return `${Math.abs(skew)} s ${skew > 0 ? "behind" : "ahead of"} the server`;
}

function ClockRow() {
  const { getClockSkew } = useSession();
  const [text, setText] = useState("Checking…");
  useEffect(() => {
    let active = true;
    void getClockSkew().then((result) => {
      if (active) setText(result.ok ? clockText(result.value) : "Couldn't be checked");
    });
    return () => {
      active = false;
    };
  }, [getClockSkew]);
  return (
    <div className="details-row">
      <dt>This computer's clock</dt>
      <dd id="clock-skew">{text}</dd>
    </div>
  );
}

function SessionPanel() {
  const session = useSession();
  const { status, accessExpiresAt, nextRefreshAt, nextRetryAt, deadlineAt, signedInAt, pending, pendingAction } =
    session;
  const now = useNow(1000);
  const [othersSignedOut, setOthersSignedOut] = useState(false);

  const left = deadlineAt !== null ? deadlineAt - now : null;
  const expiringSoon =
    (left !== null && left < EXPIRING_SOON_SECONDS) || (left === null && session.expiring);
  const bannerLeft = left ?? session.expiringIn;

  async function signOutOthers() {
    setOthersSignedOut(false);
    if (await session.signOut("others")) setOthersSignedOut(true);
  }

  return (
    <div id="session-panel" role="tabpanel" aria-labelledby="tab-session">
      {(session.expiring || expiringSoon) && (
        <div id="expiring-banner" className="banner banner-warning" role="alert">
          <p className="banner-text">
            {bannerLeft !== null && bannerLeft > 0
              ? `Your session ends in ${formatDuration(bannerLeft)}.`
              : "Your session is ending."}{" "}
            Sign in again now so you aren't interrupted.
          </p>
          <button
            id="sign-in-again"
            type="button"
            className="button button-primary button-small"
            onClick={() => void session.signOut("local")}
            disabled={pending}
          >
            Sign in again
          </button>
        </div>
      )}

      {session.offline && (
        <div id="offline-banner" className="banner banner-offline" role="status">
          <p className="banner-text">
            <strong>{offlineText(session.retry, nextRetryAt, now)}</strong>{" "}
            {status === "expired"
              ? "Your access expired while offline; you are still signed in and Latchkey will reconnect by itself."
              : "You are still signed in, and your access stays valid until it expires."}
          </p>
        </div>
      )}

      <div className="deadline">
        <div>
          <p className="deadline-label">Session time left</p>
          <p id="deadline-countdown" className="deadline-value" role="timer">
            {left !== null ? formatCountdown(left) : "No time limit"}
          </p>
        </div>
        {deadlineAt !== null && (
          <p className="deadline-sub">
            Sign-in needed again by
            <br />
            <span id="deadline-at">
              <Timestamp seconds={deadlineAt} />
            </span>
          </p>
        )}
      </div>

      <dl className="details">
        <div className="details-row">
          <dt>Status</dt>
          <dd id="session-status" className={`status status-${session.offline ? "offline" : "ok"}`}>
            {statusText(session)}
          </dd>
        </div>
        <div className="details-row">
          <dt>Access token expires</dt>
          <dd id="access-expires-at">{accessExpiresAt !== null ? <Timestamp seconds={accessExpiresAt} /> : "Expired"}</dd>
        </div>
        <div className="details-row">
          <dt>{status === "expired" ? "Next attempt" : "Next refresh"}</dt>
          <dd id="next-refresh-at">
            {status === "expired" ? (
              nextRetryAt !== null ? (
                <Timestamp seconds={nextRetryAt} />
              ) : (
                "Soon"
              )
            ) : nextRefreshAt !== null ? (
              <Timestamp seconds={nextRefreshAt} />
            ) : (
              "Not scheduled"
            )}
          </dd>
        </div>
        <div className="details-row">
          <dt>Signed in at</dt>
          <dd id="signed-in-at">{signedInAt !== null && <Timestamp seconds={signedInAt} />}</dd>
        </div>
        <KeychainRow />
        <ClockRow />
        <div className="details-row">
          <dt>Kept in</dt>
          <dd id="persistence">{session.persistence ? PERSISTENCE_LABELS[session.persistence] : ""}</dd>
        </div>
      </dl>

      <section className="sign-out-section" aria-labelledby="sign-out-title">
        <h2 id="sign-out-title" className="section-title">
          Sign out
        </h2>
        <div className="button-row">
          <button
            id="sign-out"
            type="button"
            className="button button-secondary"
            onClick={() => void session.signOut("local")}
            disabled={pending}
            aria-busy={pendingAction === "sign_out_local"}
          >
            {pendingAction === "sign_out_local" ? "Signing out…" : "Sign out"}
          </button>
          <button
            id="sign-out-others"
            type="button"
            className="button button-secondary"
            onClick={() => void signOutOthers()}
            disabled={pending}
            aria-busy={pendingAction === "sign_out_others"}
          >
            {pendingAction === "sign_out_others" ? "Signing out others…" : "Sign out other devices"}
          </button>
          <button
            id="sign-out-everywhere"
            type="button"
            className="button button-danger"
            onClick={() => void session.signOut("global")}
            disabled={pending}
            aria-busy={pendingAction === "sign_out_global"}
          >
            {pendingAction === "sign_out_global" ? "Signing out everywhere…" : "Sign out everywhere"}
          </button>
        </div>
        <p className="section-hint" id="sign-out-others-status" role="status">
          {othersSignedOut ? (
            <span id="sign-out-others-done">Your other devices were signed out. You are still signed in here.</span>
          ) : (
            "“Everywhere” also ends your sessions on other computers and browsers."
          )}
        </p>
      </section>
    </div>
  );
}

export function HomeScreen() {
  const session = useSession();
  const [tab, setTab] = useState<Tab>("session");
  const tabRefs = useRef<Partial<Record<Tab, HTMLButtonElement | null>>>({});

  function onTabKeyDown(e: KeyboardEvent<HTMLButtonElement>) {
    if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
    e.preventDefault();
    const step = e.key === "ArrowRight" ? 1 : TABS.length - 1;
    const next = TABS[(TABS.indexOf(tab) + step) % TABS.length];
    setTab(next);
    tabRefs.current[next]?.focus();
  }

  return (
    <main className="screen screen-top">
      <section className="panel" aria-labelledby="signed-in-user">
        <header className="panel-header">
          <div>
            <p className="brand">Latchkey</p>
            <h1 id="signed-in-user" className="card-title">
              Signed in as <span className="email">{session.user?.email}</span>
            </h1>
          </div>
          <div className="tabs" role="tablist" aria-label="View">
            {TABS.map((t) => (
              <button
                key={t}
                id={`tab-${t}`}
                ref={(el) => {
                  tabRefs.current[t] = el;
                }}
                type="button"
                role="tab"
                className="tab"
                aria-selected={tab === t}
                aria-controls={`${t}-panel`}
                tabIndex={tab === t ? 0 : -1}
                onClick={() => setTab(t)}
                onKeyDown={onTabKeyDown}
              >
                {TAB_LABELS[t]}
              </button>
            ))}
          </div>
        </header>

        {session.persistence === "memory_only" && (
          <div id="memory-only" className="notice notice-info" role="status">
            Your system keychain isn't available, so this session is kept in memory only: you will need to sign
            in again after Latchkey quits. Run <code>latchkey doctor</code> to see why.
          </div>
        )}

        {session.persistence === "insecure_file" && (
          <div id="insecure-storage" className="notice notice-info" role="status">
            Your system keychain isn't available, so, as your organization allows, this session's key is kept in a
            file on this computer: it survives a restart, but it is less protected. It moves back to the keychain
            once the keychain works. Run <code>latchkey doctor</code> to see why.
          </div>
        )}

        {session.lastEvent === "USER_UPDATED" && (
          <div id="password-updated" className="notice notice-info" role="status">
            Your account was updated. If you changed your password, use the new one next time.
          </div>
        )}

        <ErrorNotice error={session.error} />

        {tab === "session" && <SessionPanel />}
        {tab === "activity" && (
          <div id="activity-panel" role="tabpanel" aria-labelledby="tab-activity">
            <ActivityList />
          </div>
        )}
        {tab === "settings" && (
          <div id="settings-panel" role="tabpanel" aria-labelledby="tab-settings">
            <SettingsPanel />
          </div>
        )}
      </section>
    </main>
  );
}
