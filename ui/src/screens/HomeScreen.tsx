import { errorMessage } from "../auth/messages";
import type { AuthError, AuthUser, Persistence } from "../auth/types";

interface Props {
  user: AuthUser;
  accessExpiresAt: number;
  signedInAt: number;
  persistence: Persistence;
  error: AuthError | null;
  pending: boolean;
  onSignOut: () => void;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: "medium",
  timeStyle: "short",
});

/** Unix seconds → local date and time. */
export function formatUnixSeconds(seconds: number): string {
  return dateTimeFormat.format(new Date(seconds * 1000));
}

function Timestamp({ seconds }: { seconds: number }) {
  const date = new Date(seconds * 1000);
  return <time dateTime={date.toISOString()}>{formatUnixSeconds(seconds)}</time>;
}

export function HomeScreen({ user, accessExpiresAt, signedInAt, persistence, error, pending, onSignOut }: Props) {
  return (
    <main className="screen">
      <section className="card" aria-labelledby="signed-in-user">
        <p className="brand">Latchkey</p>
        <h1 id="signed-in-user" className="card-title">
          Signed in as <span className="email">{user.email}</span>
        </h1>

        {persistence === "memory_only" && (
          <div id="memory-only" className="notice notice-info" role="status">
            Your system keychain isn't available, so this session is kept in memory only: you will need to sign
            in again after Latchkey quits. Run <code>latchkey doctor</code> to see why.
          </div>
        )}

        {error && (
          <div id="auth-error" className="notice notice-error" role="alert">
            {errorMessage(error)}
          </div>
        )}

        <dl className="details">
          <div className="details-row">
            <dt>Access token expires</dt>
            <dd id="access-expires-at">
              <Timestamp seconds={accessExpiresAt} />
            </dd>
          </div>
          <div className="details-row">
            <dt>Signed in at</dt>
            <dd id="signed-in-at">
              <Timestamp seconds={signedInAt} />
            </dd>
          </div>
        </dl>

        <button
          id="sign-out"
          type="button"
          className="button button-secondary button-block"
          onClick={onSignOut}
          disabled={pending}
          aria-busy={pending}
        >
          {pending ? "Signing out…" : "Sign out"}
        </button>
      </section>
    </main>
  );
}
