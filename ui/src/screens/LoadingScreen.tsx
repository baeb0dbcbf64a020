import type { AuthError } from "../auth/types";
import { Button } from "../components/Button";
import { ErrorNotice } from "../components/Notice";
import "./LoadingScreen.css";

interface Props {
  error: AuthError | null;
  onRetry: () => void;
}

/** Until the first snapshot: a quiet line, or why it failed and a way to try again. */
export function LoadingScreen({ error, onRetry }: Props) {
  if (error) {
    return (
      <main className="screen">
        <section className="card" aria-labelledby="loading-title">
          <h1 id="loading-title" className="card-title">
            Latchkey
          </h1>
          <ErrorNotice error={error} />
          <Button id="retry" variant="primary" onClick={onRetry}>
            Try again
          </Button>
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
