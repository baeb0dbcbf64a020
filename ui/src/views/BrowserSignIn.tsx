import { useEffect, useState, type FormEvent } from "react";
import { providerName } from "../auth/messages";
import type { SsoOffer } from "../auth/types";
import { useFlows } from "../auth/useActions";
import { useSession } from "../auth/useSession";
import { Button, LinkButton, SubmitButton } from "../components/Button";
import { TextField } from "../components/Field";
import { Notice } from "../components/Notice";
import "./BrowserSignIn.css";

interface Props {
  providers: string[];
  sso: SsoOffer | null;
  /** An "or" rule above, under the sign-in forms. */
  divider: boolean;
}

/**
 * Sign-ins that happen in the system browser: "Continue with <provider>" per OAuth provider and "Sign in with SSO"
 * (asking for the work email unless policy names the domain or provider). While the browser is out, a notice says
 * where to continue, with Cancel; an error (a refusal, or the core's own timeout) ends the wait, and starting again
 * replaces the sign-in that was waiting. After the user signed out, the provider is asked for its login page again
 * (`prompt=login`), so the next person at a shared computer does not walk in on the provider's session.
 */
export function BrowserSignIn({ providers, sso, divider }: Props) {
  const { startOAuth, startSso, cancelSignIn } = useFlows();
  const { error, pending, pendingAction, reason } = useSession();
  const [waitingFor, setWaitingFor] = useState<string | null>(null);
  const [askingEmail, setAskingEmail] = useState(false);

  useEffect(() => {
    if (error) setWaitingFor(null);
  }, [error]);

  async function continueWith(provider: string) {
    const options = reason === "user" ? { queryParams: { prompt: "login" } } : {};
    if (!pending && (await startOAuth(provider, options))) setWaitingFor(providerName(provider));
  }

  async function signInWithSso(email: string | null) {
    if (!pending && (await startSso(email))) {
      setAskingEmail(false);
      setWaitingFor("single sign-on");
    }
  }

  async function cancel() {
    if (await cancelSignIn()) setWaitingFor(null);
  }

  const ssoLabel = sso?.domain ? `Sign in with SSO (${sso.domain})` : "Sign in with SSO";
  return (
    <div className="browser-sign-in">
      {divider && (
        <p className="divider" aria-hidden="true">
          <span>or</span>
        </p>
      )}
      {waitingFor && (
        <Notice id="browser-waiting" kind="info">
          <span className="browser-waiting-text">
            Continue in your browser to sign in with {waitingFor}. Latchkey will open again when you are done.
          </span>
          <Button id="cancel-sign-in" size="small" onClick={() => void cancel()}>
            Cancel
          </Button>
        </Notice>
      )}
      {providers.map((provider) => (
        <Button
          key={provider}
          id={`oauth-${provider}`}
          block
          onClick={() => void continueWith(provider)}
          disabled={pending}
          aria-busy={pendingAction === "start_oauth"}
        >
          Continue with {providerName(provider)}
        </Button>
      ))}
      {sso && !askingEmail && (
        <Button
          id="sso"
          block
          variant={providers.length === 0 && !divider ? "primary" : "secondary"}
          onClick={() => (sso.asksEmail ? setAskingEmail(true) : void signInWithSso(null))}
          disabled={pending}
          aria-busy={pendingAction === "start_sso"}
        >
          {ssoLabel}
        </Button>
      )}
      {sso && askingEmail && <SsoEmailForm onSubmit={(email) => void signInWithSso(email)} onBack={() => setAskingEmail(false)} />}
    </div>
  );
}

/** The work email whose domain names the company's identity provider. */
function SsoEmailForm({ onSubmit, onBack }: { onSubmit: (email: string) => void; onBack: () => void }) {
  const { pending, pendingAction } = useSession();
  const [email, setEmail] = useState("");

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    onSubmit(email.trim());
  }

  return (
    <form id="sso-form" className="form" onSubmit={submit}>
      <TextField
        id="sso-email"
        name="sso-email"
        label="Work email"
        type="email"
        autoComplete="username"
        hint="Your company's sign-in page opens in your browser."
        required
        autoFocus
        value={email}
        onChange={setEmail}
        disabled={pending}
      />
      <SubmitButton id="sso-continue" disabled={pending} busy={pendingAction === "start_sso"} busyLabel="Opening your browser…">
        Continue
      </SubmitButton>
      <LinkButton id="sso-back" onClick={onBack} disabled={pending}>
        Other ways to sign in
      </LinkButton>
    </form>
  );
}
