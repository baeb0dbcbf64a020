import { errorMessage } from "../auth/messages";
import type { AuthError } from "../auth/types";

interface Props {
  error: AuthError | null;
  onRetry: () => void;
}

export function LoadingScreen({ error, onRetry }: Props) {
  if (error) {
    return (
      <main className="screen">
        <section className="card" aria-labelledby="loading-title">
          <h1 id="loading-title" className="card-title">
            Latchkey
          </h1>
          <div id="auth-error" className="notice notice-error" role="alert">
            {errorMessage(error)}
          </div>
          <button id="retry" type="button" className="button button-primary" onClick={onRetry}>
            Try again
          </button>
        </section>
      </main>
    );
  }
  return (
    <main className="screen">
      <p id="restoring" className="loading-text" role="status" aria-live="polite">
        Restoring your session…
      </p>
    </main>
  );
}
