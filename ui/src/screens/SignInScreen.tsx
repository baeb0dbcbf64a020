import { useState, type FormEvent } from "react";
import { errorMessage, signedOutReasonMessage } from "../auth/messages";
import type { Session } from "../auth/useSession";

type Props = Pick<Session, "reason" | "error" | "pending" | "signInWithPassword">;

export function SignInScreen({ reason, error, pending, signInWithPassword }: Props) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const notice = signedOutReasonMessage(reason);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (pending) return;
    void signInWithPassword(email.trim(), password);
  }

  return (
    <main className="screen">
      <section className="card" aria-labelledby="sign-in-title">
        <p className="brand">Latchkey</p>
        <h1 id="sign-in-title" className="card-title">
          Sign in to Latchkey
        </h1>

        {notice && (
          <div id="signed-out-reason" className="notice notice-info" role="status">
            {notice}
          </div>
        )}

        {error && (
          <div id="auth-error" className="notice notice-error" role="alert">
            {errorMessage(error)}
          </div>
        )}

        <form className="form" onSubmit={onSubmit}>
          <div className="field">
            <label htmlFor="email">Email</label>
            <input
              id="email"
              name="email"
              type="email"
              autoComplete="username"
              required
              autoFocus
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              disabled={pending}
            />
          </div>
          <div className="field">
            <label htmlFor="password">Password</label>
            <input
              id="password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              disabled={pending}
            />
          </div>
          <button
            id="sign-in"
            type="submit"
            className="button button-primary button-block"
            disabled={pending}
            aria-busy={pending}
          >
            {pending ? "Signing in…" : "Sign in"}
          </button>
        </form>
      </section>
    </main>
  );
}
