import { useCallback, useEffect, useState, type ReactNode } from "react";
import { keychainBackendLabel, keychainProblem, methodsUsed } from "../auth/messages";
import type { KeychainBackend, Persistence, RetryInfo } from "../auth/types";
import { useQueries } from "../auth/useActions";
import { useClaims } from "../auth/useClaims";
import { useSession, type Session } from "../auth/useSession";
import { Button, BusyButton } from "../components/Button";
import { Timestamp } from "../components/Timestamp";
import { countdownChangesAt, formatCountdown, formatDuration, formatTime } from "../format";
import { useNow } from "../hooks/useNow";
import { OtherSessionsNotice } from "./OtherSessions";
import "./SessionPanel.css";

/** Below this many seconds before the deadline, the expiring banner shows even without SESSION_EXPIRING. */
export const EXPIRING_SOON_SECONDS = 10 * 60;

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

/** When `retryWhen(at, now)` reads differently next: each second in the last 90, else when 90 are left. */
function retryChangesAt(at: number, now: number): number | null {
  const left = Math.ceil(at - now);
  if (left <= 0) return null;
  return left <= 90 ? at - left + 1 : at - 90;
}

/** The next moment the clock alone changes something on the Session tab (the countdown, the expiring banner, the
 * offline banner's retry time), or null: nothing there is redrawn in between. */
export function sessionChangesAt(deadlineAt: number | null, retryAt: number | null, now: number): number | null {
  const times = [
    deadlineAt !== null ? countdownChangesAt(deadlineAt, now) : null,
    deadlineAt !== null && deadlineAt - now >= EXPIRING_SOON_SECONDS ? deadlineAt - EXPIRING_SOON_SECONDS + 0.001 : null,
    retryAt !== null ? retryChangesAt(retryAt, now) : null,
  ].filter((t): t is number => t !== null);
  return times.length ? Math.min(...times) : null;
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

/** Plain words for the server-minus-local clock difference: the server allows no leeway on expiry. */
export function clockText(skew: number | null): string {
  if (skew === null) return "Couldn't compare with the server";
  if (Math.abs(skew) <= 2) return "In sync with the server";
  return `${Math.abs(skew)} s ${skew > 0 ? "behind" : "ahead of"} the server`;
}

function Row({ label, id, className, children }: { label: string; id?: string; className?: string; children: ReactNode }) {
  return (
    <div className="details-row">
      <dt>{label}</dt>
      <dd id={id} className={className}>
        {children}
      </dd>
    </div>
  );
}

function KeychainRow() {
  const { getKeychainBackend } = useQueries();
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
    <Row label="Keychain">
      <span id="keychain-backend">{report ? keychainBackendLabel(report) : failed ? "Couldn't be checked" : "Checking…"}</span>
      {problem && (
        <span id="keychain-problem" className="warning-text">
          {problem}
        </span>
      )}
    </Row>
  );
}

function ClockRow() {
  const { getClockSkew } = useQueries();
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
    <Row label="This computer's clock" id="clock-skew">
      {text}
    </Row>
  );
}

function Banners({ now }: { now: number }) {
  const session = useSession();
  const { status, deadlineAt, nextRetryAt, pending } = session;
  const left = deadlineAt !== null ? deadlineAt - now : null;
  const expiringSoon = (left !== null && left < EXPIRING_SOON_SECONDS) || (left === null && session.expiring);
  const bannerLeft = left ?? session.expiringIn;
  return (
    <>
      {(session.expiring || expiringSoon) && (
        <div id="expiring-banner" className="banner banner-warning" role="alert">
          <p className="banner-text">
            {bannerLeft !== null && bannerLeft > 0
              ? `Your session ends in ${formatDuration(bannerLeft)}.`
              : "Your session is ending."}{" "}
            Sign in again now so you aren't interrupted.
          </p>
          <Button id="sign-in-again" variant="primary" size="small" onClick={() => void session.signOut("local")} disabled={pending}>
            Sign in again
          </Button>
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
    </>
  );
}

function Deadline({ now }: { now: number }) {
  const { deadlineAt } = useSession();
  return (
    <div className="deadline">
      <div>
        <p className="deadline-label">Session time left</p>
        <p id="deadline-countdown" className="deadline-value" role="timer">
          {deadlineAt !== null ? formatCountdown(deadlineAt - now) : "No time limit"}
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
  );
}

/** "Two-factor: on" and the session's level with the factors it was signed in with. */
function AssuranceRows() {
  const { twoFactor, aal, claims } = useClaims();
  const used = methodsUsed(claims?.amr.map((m) => m.method) ?? []);
  return (
    <>
      <Row label="Two-factor" id="two-factor">
        {twoFactor ? "on" : "off"}
      </Row>
      <Row label="Assurance level" id="assurance-level">
        {aal ?? "aal1"}
        {used ? ` (${used})` : ""}
      </Row>
    </>
  );
}

function Details() {
  const session = useSession();
  const { status, accessExpiresAt, nextRefreshAt, nextRetryAt, signedInAt } = session;
  const expired = status === "expired";
  const next = expired ? nextRetryAt : nextRefreshAt;
  return (
    <dl className="details">
      <Row label="Status" id="session-status" className={`status status-${session.offline ? "offline" : "ok"}`}>
        {statusText(session)}
      </Row>
      <Row label="Access token expires" id="access-expires-at">
        {accessExpiresAt !== null ? <Timestamp seconds={accessExpiresAt} /> : "Expired"}
      </Row>
      <Row label={expired ? "Next attempt" : "Next refresh"} id="next-refresh-at">
        {next !== null ? <Timestamp seconds={next} /> : expired ? "Soon" : "Not scheduled"}
      </Row>
      <Row label="Signed in at" id="signed-in-at">
        {signedInAt !== null && <Timestamp seconds={signedInAt} />}
      </Row>
      <AssuranceRows />
      <KeychainRow />
      <ClockRow />
      <Row label="Kept in" id="persistence">
        {session.persistence ? PERSISTENCE_LABELS[session.persistence] : ""}
      </Row>
    </dl>
  );
}

function SignOutSection() {
  const { signOut, pending, pendingAction } = useSession();
  const [othersSignedOut, setOthersSignedOut] = useState(false);

  async function signOutOthers() {
    setOthersSignedOut(false);
    const report = await signOut("others");
    if (report?.server === "ended") setOthersSignedOut(true);
  }

  return (
    <section className="sign-out-section" aria-labelledby="sign-out-title">
      <h2 id="sign-out-title" className="section-title">
        Sign out
      </h2>
      <div className="button-row">
        <BusyButton
          id="sign-out"
          size="medium"
          onClick={() => void signOut("local")}
          disabled={pending}
          busy={pendingAction === "sign_out_local"}
          busyLabel="Signing out…"
        >
          Sign out
        </BusyButton>
        <BusyButton
          id="sign-out-others"
          size="medium"
          onClick={() => void signOutOthers()}
          disabled={pending}
          busy={pendingAction === "sign_out_others"}
          busyLabel="Signing out others…"
        >
          Sign out other devices
        </BusyButton>
        <BusyButton
          id="sign-out-everywhere"
          variant="danger"
          size="medium"
          onClick={() => void signOut("global")}
          disabled={pending}
          busy={pendingAction === "sign_out_global"}
          busyLabel="Signing out everywhere…"
        >
          Sign out everywhere
        </BusyButton>
      </div>
      <OtherSessionsNotice />
      <p className="section-hint" id="sign-out-others-status" role="status">
        {othersSignedOut ? (
          <span id="sign-out-others-done">Your other devices were signed out. You are still signed in here.</span>
        ) : (
          "“Everywhere” also ends your sessions on other computers and browsers."
        )}
      </p>
    </section>
  );
}

/** The Session tab of the home: the time left, the session's health, and the ways to sign out. Redrawn by the clock
 * only when what it shows changes: once a minute while minutes are shown, each second in the last minute. */
export function SessionPanel() {
  const { deadlineAt, offline, retry, nextRetryAt } = useSession();
  const retryAt = offline ? (retry?.nextAt ?? nextRetryAt) : null;
  const now = useNow(useCallback((t: number) => sessionChangesAt(deadlineAt, retryAt, t), [deadlineAt, retryAt]));
  return (
    <>
      <Banners now={now} />
      <Deadline now={now} />
      <Details />
      <SignOutSection />
    </>
  );
}
