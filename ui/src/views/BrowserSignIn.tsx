import { useEffect, useState, type FormEvent } from "react";
import { providerName } from "../auth/messages";
import type { SsoOffer } from "../auth/types";
import { useFlows } from "../auth/useActions";
import { useSession } from "../auth/useSession";
import { Button, LinkButton, SubmitButton } from "../components/Button";
import { TextField } from "../components/Field";
import { Notice } from "../components/Notice";
import "./BrowserSignIn.css";

// Sign-ins that happen in the system browser: "Continue with <provider>" per OAuth provider and "Sign in with SSO"
// (its own step asking for the work email, unless policy names the domain or provider). While the browser is out, a
// notice says where to continue, with Cancel; an error (a refusal, or the core's own timeout) ends the wait, and
// starting again replaces the sign-in that was waiting.

/** What the browser is out for ("Keycloak", "single sign-on"), or null; an error ends the wait. */
export function useBrowserWait(): [string | null, (what: string | null) => void] {
  const { error } = useSession();
  const [waitingFor, setWaitingFor] = useState<string | null>(null);
  useEffect(() => {
    if (error) setWaitingFor(null);
  }, [error]);
  return [waitingFor, setWaitingFor];
}

/** "Continue in your browser…", with Cancel (which ends the pending sign-in in the core). */
export function BrowserWaiting({ waitingFor, onCancelled }: { waitingFor: string; onCancelled: () => void }) {
  const { cancelSignIn } = useFlows();
  return (
    <Notice id="browser-waiting" kind="info">
      <span className="browser-waiting-text">
        Continue in your browser to sign in with {waitingFor}. Latchkey will open again when you are done.
      </span>
      <Button id="cancel-sign-in" size="small" onClick={() => void cancelSignIn().then((ok) => ok && onCancelled())}>
        Cancel
      </Button>
    </Notice>
  );
}

interface ButtonsProps {
  providers: string[];
  sso: SsoOffer | null;
  /** An "or" rule above, under the sign-in forms. */
  divider: boolean;
  /** The browser is on its way, for this. */
  onStarted: (what: string) => void;
  /** "Sign in with SSO" needs the work email first. */
  onSsoEmail: () => void;
}

/** One button per provider, and "Sign in with SSO". After the user signed out, the provider is asked for its login
 *  page again (`prompt=login`), so the next person at a shared computer does not walk in on the provider's session. */
export function BrowserButtons({ providers, sso, divider, onStarted, onSsoEmail }: ButtonsProps) {
  const { startOAuth, startSso } = useFlows();
  const { pending, pendingAction, reason } = useSession();

  async function continueWith(provider: string) {
    const options = reason === "user" ? { queryParams: { prompt: "login" } } : {};
    if (!pending && (await startOAuth(provider, options))) onStarted(providerName(provider));
  }

  async function signInWithSso() {
    if (sso?.asksEmail) return onSsoEmail();
    if (!pending && (await startSso(null))) onStarted("single sign-on");
  }

  return (
    <div className="browser-sign-in">
      {divider && (
        <p className="divider" aria-hidden="true">
          <span>or</span>
        </p>
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
      {sso && (
        <Button
          id="sso"
          block
          variant={providers.length === 0 && !divider ? "primary" : "secondary"}
          onClick={() => void signInWithSso()}
          disabled={pending}
          aria-busy={pendingAction === "start_sso"}
        >
          {sso.domain ? `Sign in with SSO (${sso.domain})` : "Sign in with SSO"}
        </Button>
      )}
    </div>
  );
}

/** The SSO step: the work email, whose domain names the company's identity provider. */
export function SsoEmailForm({ onStarted, onBack }: { onStarted: (what: string) => void; onBack: () => void }) {
  const { startSso } = useFlows();
  const { pending, pendingAction } = useSession();
  const [email, setEmail] = useState("");

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!pending && (await startSso(email.trim()))) onStarted("single sign-on");
  }

  return (
    <form id="sso-form" className="form" onSubmit={(e) => void submit(e)}>
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
