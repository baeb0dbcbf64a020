import { useEffect, useState, type FormEvent } from "react";
import { errorMessage, signedOutReasonMessage } from "../auth/messages";
import type { AuthError, SignInMethod, SignInOptions } from "../auth/types";
import { useFlows, useQueries } from "../auth/useActions";
import { useSession } from "../auth/useSession";
import { LinkButton, SubmitButton } from "../components/Button";
import { Card, CardFooter } from "../components/Card";
import { CodeField, EmailField, PasswordField } from "../components/Field";
import { ErrorNotice, Notice } from "../components/Notice";
import { Tabs, type Tab } from "../components/Tabs";
import { BrowserButtons, BrowserWaiting, SsoEmailForm, useBrowserWait } from "../views/BrowserSignIn";
import { PhoneForm } from "../views/PhoneForm";
import { OtherSessionsNotice } from "../views/OtherSessions";
import { PolicyErrorNotice } from "../views/PolicyStatus";

/** The sign-in methods shown as tabs: every method but OAuth and SSO, which are buttons (views/BrowserSignIn). */
export type SignInTab = Exclude<SignInMethod, `oauth:${string}` | "sso">;

const METHOD_TABS: Record<SignInTab, Tab<SignInTab>> = {
  password: { key: "password", id: "method-password", label: "Password", panelId: "sign-in-panel" },
  email_otp: { key: "email_otp", id: "method-email-code", label: "Email code", panelId: "sign-in-panel" },
  magic_link: { key: "magic_link", id: "method-magic-link", label: "Magic link", panelId: "sign-in-panel" },
  phone: { key: "phone", id: "method-phone", label: "Phone", panelId: "sign-in-panel" },
};

/** Used when `get_sign_in_options` fails: password only, as before options existed. */
const FALLBACK_OPTIONS: SignInOptions = {
  password: true,
  emailCode: false,
  magicLink: false,
  phone: false,
  oauthProviders: [],
  sso: null,
  allowSignUp: false,
};

function allowedMethods(options: SignInOptions): SignInTab[] {
  const methods: SignInTab[] = [];
  if (options.password) methods.push("password");
  if (options.emailCode) methods.push("email_otp");
  if (options.magicLink) methods.push("magic_link");
  if (options.phone) methods.push("phone");
  return methods;
}

/** `get_sign_in_options` once; the fallback (and why, `failed`) when it can't be had. */
function useSignInOptions() {
  const { getSignInOptions } = useQueries();
  const [options, setOptions] = useState<SignInOptions | null>(null);
  const [failed, setFailed] = useState<AuthError | null>(null);
  useEffect(() => {
    let active = true;
    void getSignInOptions().then((result) => {
      if (!active) return;
      setOptions(result.ok ? result.value : FALLBACK_OPTIONS);
      setFailed(result.ok ? null : result.error);
    });
    return () => {
      active = false;
    };
  }, [getSignInOptions]);
  return { options, failed };
}

/** The email input shared by the method forms; it has focus on arrival only (after a method switch, the tab keeps it). */
interface EmailProps {
  email: string;
  setEmail: (email: string) => void;
  focusEmail: boolean;
}

function PasswordForm({ email, setEmail, focusEmail, onForgotPassword }: EmailProps & { onForgotPassword: () => void }) {
  const { signInWithPassword } = useFlows();
  const { pending, pendingAction } = useSession();
  const [password, setPassword] = useState("");

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!pending) void signInWithPassword(email.trim(), password);
  }

  const forgot = (
    <LinkButton id="forgot-password" onClick={onForgotPassword}>
      Forgot password?
    </LinkButton>
  );
  return (
    <form className="form" onSubmit={onSubmit}>
      <EmailField id="email" value={email} onChange={setEmail} disabled={pending} autoFocus={focusEmail} />
      <PasswordField
        id="password"
        name="password"
        label="Password"
        autoComplete="current-password"
        action={forgot}
        value={password}
        onChange={setPassword}
        disabled={pending}
      />
      <SubmitButton id="sign-in" disabled={pending} busy={pendingAction === "sign_in"} busyLabel="Signing in…">
        Sign in
      </SubmitButton>
    </form>
  );
}

/** Email code and magic link: one email carries both. Asks for the address, then says where it went (`sentTo`,
 *  kept by the screen, so switching methods and back keeps the step). */
function EmailForm({
  email,
  setEmail,
  focusEmail,
  kind,
  sentTo,
  setSentTo,
}: EmailProps & { kind: "code" | "link"; sentTo: string | null; setSentTo: (address: string | null) => void }) {
  const { sendEmailCode } = useFlows();
  const { clearError, pending, pendingAction } = useSession();

  async function onSend(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (pending) return;
    const address = email.trim();
    if (await sendEmailCode(address)) setSentTo(address);
  }

  function changeEmail() {
    clearError();
    setSentTo(null);
  }

  if (sentTo === null) {
    return (
      <form className="form" onSubmit={(e) => void onSend(e)}>
        <EmailField id="email" value={email} onChange={setEmail} disabled={pending} autoFocus={focusEmail} />
        <SubmitButton
          id={kind === "code" ? "send-code" : "send-link"}
          disabled={pending}
          busy={pendingAction === "send_email_code"}
          busyLabel="Sending…"
        >
          {kind === "code" ? "Send code" : "Send link"}
        </SubmitButton>
      </form>
    );
  }
  if (kind === "code") return <CodeForm sentTo={sentTo} onChangeEmail={changeEmail} />;
  return (
    <div className="form">
      <Notice id="link-sent" kind="info">
        Check your email; the link opens Latchkey. We sent it to <strong>{sentTo}</strong>.
      </Notice>
      <LinkButton id="change-email" onClick={changeEmail}>
        Use a different email
      </LinkButton>
    </div>
  );
}

function CodeForm({ sentTo, onChangeEmail }: { sentTo: string; onChangeEmail: () => void }) {
  const { sendEmailCode, verifyEmailCode } = useFlows();
  const { pending, pendingAction } = useSession();
  const [code, setCode] = useState("");

  function onVerify(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!pending) void verifyEmailCode(sentTo, code.replace(/\s+/g, ""));
  }

  return (
    <form className="form" onSubmit={onVerify}>
      <p id="code-sent" className="form-hint" role="status">
        We sent a 6-digit code to <strong>{sentTo}</strong>. Enter it below, or open the link in the same email.
      </p>
      <CodeField id="email-code" label="Code from the email" value={code} onChange={setCode} disabled={pending} />
      <SubmitButton id="verify-code" disabled={pending} busy={pendingAction === "verify_email_code"} busyLabel="Verifying…">
        Verify
      </SubmitButton>
      <div className="form-links">
        <LinkButton id="change-email" onClick={onChangeEmail} disabled={pending}>
          Use a different email
        </LinkButton>
        <LinkButton id="resend-code" onClick={() => void sendEmailCode(sentTo)} disabled={pending}>
          {pendingAction === "send_email_code" ? "Sending…" : "Send a new code"}
        </LinkButton>
      </div>
    </form>
  );
}

interface Props {
  onCreateAccount: () => void;
  onForgotPassword: () => void;
  onShowActivity: () => void;
  onShowSettings: () => void;
}

export function SignInScreen({ onCreateAccount, onForgotPassword, onShowActivity, onShowSettings }: Props) {
  const { clearError, error, reason } = useSession();
  const { options, failed } = useSignInOptions();
  const [chosen, setChosen] = useState<SignInTab | null>(null);
  const [email, setEmail] = useState("");
  const [waitingFor, setWaitingFor] = useBrowserWait();
  /** The SSO step (its own form) is shown instead of the other ways in. */
  const [ssoStep, setSsoStep] = useState(false);
  /** The address a code or a link was sent to. */
  const [codeSentTo, setCodeSentTo] = useState<string | null>(null);
  const [linkSentTo, setLinkSentTo] = useState<string | null>(null);

  const notice = signedOutReasonMessage(reason);
  const methods = options ? allowedMethods(options) : [];
  const method = chosen !== null && methods.includes(chosen) ? chosen : (methods[0] ?? null);
  const providers = options?.oauthProviders ?? [];
  const sso = options?.sso ?? null;
  const emailProps = { email, setEmail, focusEmail: chosen === null };

  function choose(next: SignInTab) {
    clearError();
    setChosen(next);
  }

  return (
    <Card title="Sign in to Latchkey" titleId="sign-in-title" id="sign-in-screen">
      {notice && (
        <Notice id="signed-out-reason" kind="info">
          {notice}
        </Notice>
      )}

      <OtherSessionsNotice />
      <PolicyErrorNotice />
      <ErrorNotice error={error} />
      {waitingFor && <BrowserWaiting waitingFor={waitingFor} onCancelled={() => setWaitingFor(null)} />}

      {ssoStep && (
        <SsoEmailForm
          onStarted={(what) => {
            setSsoStep(false);
            setWaitingFor(what);
          }}
          onBack={() => {
            clearError();
            setSsoStep(false);
          }}
        />
      )}

      {options === null && (
        <p id="sign-in-options-loading" className="muted-text" role="status">
          Loading sign-in options…
        </p>
      )}

      {options !== null && methods.length === 0 && providers.length === 0 && sso === null && (
        <Notice id="no-sign-in-methods" kind="info">
          No sign-in method is available. Contact your administrator.
        </Notice>
      )}

      {!ssoStep && method !== null && methods.length > 1 && (
        <Tabs
          tabs={methods.map((m) => METHOD_TABS[m])}
          selected={method}
          onSelect={choose}
          label="Sign-in method"
          look="segmented"
        />
      )}

      {!ssoStep && method !== null && (
        <div
          id="sign-in-panel"
          role={methods.length > 1 ? "tabpanel" : undefined}
          aria-labelledby={methods.length > 1 ? METHOD_TABS[method].id : undefined}
        >
          {method === "password" && <PasswordForm {...emailProps} onForgotPassword={onForgotPassword} />}
          {method === "email_otp" && (
            <EmailForm key="code" {...emailProps} kind="code" sentTo={codeSentTo} setSentTo={setCodeSentTo} />
          )}
          {method === "magic_link" && (
            <EmailForm key="link" {...emailProps} kind="link" sentTo={linkSentTo} setSentTo={setLinkSentTo} />
          )}
          {method === "phone" && <PhoneForm />}
        </div>
      )}

      {!ssoStep && (providers.length > 0 || sso !== null) && (
        <BrowserButtons
          providers={providers}
          sso={sso}
          divider={method !== null}
          onStarted={setWaitingFor}
          onSsoEmail={() => {
            clearError();
            setSsoStep(true);
          }}
        />
      )}

      {failed && (
        <p id="sign-in-options-failed" className="muted-text">
          {errorMessage(failed)} Only password sign-in is shown until the server answers.
        </p>
      )}

      <CardFooter>
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
      </CardFooter>
    </Card>
  );
}
