import { useState, type FormEvent } from "react";
import { useSession } from "../auth/useSession";
import { Card, EmailField, ErrorNotice, LinkButton } from "../components/common";

export function SignUpScreen({ onBack }: { onBack: () => void }) {
  const { signUp, error, pending, pendingAction } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (pending) return;
    const address = email.trim();
    const result = await signUp(address, password);
    // confirmationSent false: the core signs in and SIGNED_IN switches to the home screen.
    if (result?.confirmationSent) setSentTo(address);
  }

  if (sentTo !== null) {
    return (
      <Card id="sign-up-screen" title="Confirm your email" titleId="sign-up-title">
        <div id="sign-up-confirmation" className="notice notice-info" role="status">
          We sent a confirmation link to <strong>{sentTo}</strong>. Open it, then sign in.
        </div>
        <button id="back-to-sign-in" type="button" className="button button-primary button-block" onClick={onBack}>
          Back to sign in
        </button>
      </Card>
    );
  }

  return (
    <Card id="sign-up-screen" title="Create your account" titleId="sign-up-title">
      <ErrorNotice error={error} />
      <form className="form" onSubmit={(e) => void onSubmit(e)}>
        <EmailField id="sign-up-email" value={email} onChange={setEmail} disabled={pending} />
        <div className="field">
          <label htmlFor="sign-up-password">Password</label>
          <input
            id="sign-up-password"
            type="password"
            autoComplete="new-password"
            required
            aria-describedby="sign-up-password-hint"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            disabled={pending}
          />
          <p id="sign-up-password-hint" className="field-hint">
            Use a long password you don't use anywhere else.
          </p>
        </div>
        <button
          id="sign-up"
          type="submit"
          className="button button-primary button-block"
          disabled={pending}
          aria-busy={pendingAction === "sign_up"}
        >
          {pendingAction === "sign_up" ? "Creating account…" : "Create account"}
        </button>
      </form>
      <div className="card-footer">
        <LinkButton id="back-to-sign-in" onClick={onBack} disabled={pending}>
          I already have an account
        </LinkButton>
      </div>
    </Card>
  );
}
