import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { providerName, signedOutReasonMessage } from "../auth/messages";
import type { SignInMethod, SignInOptions } from "../auth/types";
import { useSession } from "../auth/useSession";
import { Card, EmailField, ErrorNotice, LinkButton } from "../components/common";
import { PolicyErrorNotice } from "./SettingsScreen";

/** The sign-in methods shown as tabs: every method but OAuth, whose providers are buttons. */
export type SignInTab = Exclude<SignInMethod, `oauth:${string}`>;

const METHOD_LABELS: Record<SignInTab, string> = {
  password: "Password",
  email_otp: "Email code",
  magic_link: "Magic link",
};

const METHOD_IDS: Record<SignInTab, string> = {
  password: "method-password",
  email_otp: "method-email-code",
  magic_link: "method-magic-link",
};

/** Used when `get_sign_in_options` fails: password only, as before options existed. */
const FALLBACK_OPTIONS: SignInOptions = {
  password: true,
  emailCode: false,
  magicLink: false,
  oauthProviders: [],
  allowSignUp: false,
};

export function allowedMethods(options: SignInOptions): SignInTab[] {
  const methods: SignInTab[] = [];
  if (options.password) methods.push("password");
  if (options.emailCode) methods.push("email_otp");
  if (options.magicLink) methods.push("magic_link");
  return methods;
}

interface Props {
  onCreateAccount: () => void;
  onForgotPassword: () => void;
  onShowActivity: () => void;
  onShowSettings: () => void;
}

export function SignInScreen({ onCreateAccount, onForgotPassword, onShowActivity, onShowSettings }: Props) {
  const session = useSession();
  const { getSignInOptions, clearError, error, pending, pendingAction, reason } = session;
  const [options, setOptions] = useState<SignInOptions | null>(null);
  const [optionsFailed, setOptionsFailed] = useState(false);
  const [chosen, setChosen] = useState<SignInTab | null>(null);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  /** Email address a code or link was sent to, per method. */
  const [codeSentTo, setCodeSentTo] = useState<string | null>(null);
  const [linkSentTo, setLinkSentTo] = useState<string | null>(null);
  const [oauthWaiting, setOauthWaiting] = useState<string | null>(null);
  const tabRefs = useRef<Partial<Record<SignInTab, HTMLButtonElement | null>>>({});

  useEffect(() => {
    let active = true;
    void getSignInOptions().then((result) => {
      if (!active) return;
      if (result.ok) {
        setOptions(result.value);
      } else {
        setOptions(FALLBACK_OPTIONS);
        setOptionsFailed(true);
      }
    });
    return () => {
      active = false;
    };
  }, [getSignInOptions]);

  // A flow error from the browser ends the wait for it.
  useEffect(() => {
    if (error) setOauthWaiting(null);
  }, [error]);

  const notice = signedOutReasonMessage(reason);
  const methods = options ? allowedMethods(options) : [];
  const method = chosen !== null && methods.includes(chosen) ? chosen : (methods[0] ?? null);
  const providers = options?.oauthProviders ?? [];

  function choose(next: SignInTab, focus = false) {
    if (next === method) return;
    clearError();
    setChosen(next);
    if (focus) tabRefs.current[next]?.focus();
  }

  function onTabKeyDown(e: KeyboardEvent<HTMLButtonElement>) {
    if (method === null) return;
    const i = methods.indexOf(method);
    let next: number | null = null;
    if (e.key === "ArrowRight") next = (i + 1) % methods.length;
    if (e.key === "ArrowLeft") next = (i - 1 + methods.length) % methods.length;
    if (e.key === "Home") next = 0;
    if (e.key === "End") next = methods.length - 1;
    if (next !== null) {
      e.preventDefault();
      choose(methods[next], true);
    }
  }

  function onPasswordSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (pending) return;
    void session.signInWithPassword(email.trim(), password);
  }

  async function sendCode(e: FormEvent<HTMLFormElement>, kind: "code" | "link") {
    e.preventDefault();
    if (pending) return;
    const address = email.trim();
    if (await session.sendEmailCode(address)) {
      if (kind === "code") {
        setCodeSentTo(address);
        setCode("");
      } else {
        setLinkSentTo(address);
      }
    }
  }

  function onVerify(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (pending || codeSentTo === null) return;
    void session.verifyEmailCode(codeSentTo, code.replace(/\s+/g, ""));
  }

  async function onOAuth(provider: string) {
    if (pending) return;
    if (await session.startOAuth(provider)) setOauthWaiting(provider);
  }

  // Focus the email on arrival only: after a method switch, focus stays on the tab.
  const emailField = <EmailField id="email" value={email} onChange={setEmail} disabled={pending} autoFocus={chosen === null} />;

  return (
    <Card title="Sign in to Latchkey" titleId="sign-in-title" id="sign-in-screen">
      {notice && (
        <div id="signed-out-reason" className="notice notice-info" role="status">
          {notice}
        </div>
      )}

      <PolicyErrorNotice />
      <ErrorNotice error={error} />

      {oauthWaiting && !error && (
        <div id="oauth-waiting" className="notice notice-info" role="status">
          Continue in your browser to sign in with {providerName(oauthWaiting)}. Latchkey will open
          again when you are done.
        </div>
      )}

      {options === null && (
        <p id="sign-in-options-loading" className="muted-text" role="status">
          Loading sign-in options…
        </p>
      )}

      {options !== null && methods.length === 0 && providers.length === 0 && (
        <div id="no-sign-in-methods" className="notice notice-info" role="status">
          No sign-in method is available. Contact your administrator.
        </div>
      )}

      {methods.length > 1 && (
        <div className="segmented" role="tablist" aria-label="Sign-in method">
          {methods.map((m) => (
            <button
              key={m}
              id={METHOD_IDS[m]}
              ref={(el) => {
                tabRefs.current[m] = el;
              }}
              type="button"
              role="tab"
              aria-selected={m === method}
              aria-controls="sign-in-panel"
              tabIndex={m === method ? 0 : -1}
              className="segment"
              onClick={() => choose(m)}
              onKeyDown={onTabKeyDown}
            >
              {METHOD_LABELS[m]}
            </button>
          ))}
        </div>
      )}

      {method !== null && (
        <div
          id="sign-in-panel"
          role={methods.length > 1 ? "tabpanel" : undefined}
          aria-labelledby={methods.length > 1 ? METHOD_IDS[method] : undefined}
        >
          {method === "password" && (
            <form className="form" onSubmit={onPasswordSubmit}>
              {emailField}
              <div className="field">
                <div className="field-label-row">
                  <label htmlFor="password">Password</label>
                  <LinkButton id="forgot-password" onClick={onForgotPassword}>
                    Forgot password?
                  </LinkButton>
                </div>
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
                aria-busy={pendingAction === "sign_in"}
              >
                {pendingAction === "sign_in" ? "Signing in…" : "Sign in"}
              </button>
            </form>
          )}

          {method === "email_otp" && codeSentTo === null && (
            <form className="form" onSubmit={(e) => void sendCode(e, "code")}>
              {emailField}
              <button
                id="send-code"
                type="submit"
                className="button button-primary button-block"
                disabled={pending}
                aria-busy={pendingAction === "send_email_code"}
              >
                {pendingAction === "send_email_code" ? "Sending…" : "Send code"}
              </button>
            </form>
          )}

          {method === "email_otp" && codeSentTo !== null && (
            <form className="form" onSubmit={onVerify}>
              <p id="code-sent" className="form-hint" role="status">
                We sent a 6-digit code to <strong>{codeSentTo}</strong>. Enter it below, or open the
                link in the same email.
              </p>
              <div className="field">
                <label htmlFor="email-code">Code from the email</label>
                <input
                  id="email-code"
                  name="code"
                  type="text"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  pattern="[0-9 ]*"
                  maxLength={12}
                  required
                  autoFocus
                  className="code-input"
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                  disabled={pending}
                />
              </div>
              <button
                id="verify-code"
                type="submit"
                className="button button-primary button-block"
                disabled={pending}
                aria-busy={pendingAction === "verify_email_code"}
              >
                {pendingAction === "verify_email_code" ? "Verifying…" : "Verify"}
              </button>
              <div className="form-links">
                <LinkButton
                  id="change-email"
                  onClick={() => {
                    clearError();
                    setCodeSentTo(null);
                  }}
                  disabled={pending}
                >
                  Use a different email
                </LinkButton>
                <LinkButton
                  id="resend-code"
                  onClick={() => void session.sendEmailCode(codeSentTo)}
                  disabled={pending}
                >
                  {pendingAction === "send_email_code" ? "Sending…" : "Send a new code"}
                </LinkButton>
              </div>
            </form>
          )}

          {method === "magic_link" && linkSentTo === null && (
            <form className="form" onSubmit={(e) => void sendCode(e, "link")}>
              {emailField}
              <button
                id="send-link"
                type="submit"
                className="button button-primary button-block"
                disabled={pending}
                aria-busy={pendingAction === "send_email_code"}
              >
                {pendingAction === "send_email_code" ? "Sending…" : "Send link"}
              </button>
            </form>
          )}

          {method === "magic_link" && linkSentTo !== null && (
            <div className="form">
              <div id="link-sent" className="notice notice-info" role="status">
                Check your email; the link opens Latchkey. We sent it to <strong>{linkSentTo}</strong>.
              </div>
              <LinkButton
                id="change-email"
                onClick={() => {
                  clearError();
                  setLinkSentTo(null);
                }}
              >
                Use a different email
              </LinkButton>
            </div>
          )}
        </div>
      )}

      {providers.length > 0 && (
        <div className="oauth">
          {method !== null && (
            <p className="divider" aria-hidden="true">
              <span>or</span>
            </p>
          )}
          {providers.map((provider) => (
            <button
              key={provider}
              id={`oauth-${provider}`}
              type="button"
              className="button button-secondary button-block"
              onClick={() => void onOAuth(provider)}
              disabled={pending}
              aria-busy={pendingAction === "start_oauth"}
            >
              Continue with {providerName(provider)}
            </button>
          ))}
        </div>
      )}

      {optionsFailed && (
        <p id="sign-in-options-failed" className="muted-text">
          Couldn't load the sign-in options from the server, so only password sign-in is shown.
        </p>
      )}

      <div className="card-footer">
        {options?.allowSignUp && (
          <LinkButton id="create-account" onClick={onCreateAccount}>
            Create account
          </LinkButton>
        )}
        <LinkButton id="show-activity" onClick={onShowActivity}>
          Recent activity
        </LinkButton>
        <LinkButton id="show-settings" onClick={onShowSettings}>
          Settings
        </LinkButton>
      </div>
    </Card>
  );
}
