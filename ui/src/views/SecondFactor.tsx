import { useState, type FormEvent } from "react";
import type { QueryResult } from "../auth/context";
import { factorKind } from "../auth/messages";
import type { AuthError, FactorType, TotpEnrolment } from "../auth/types";
import { useAccount } from "../auth/useActions";
import { LinkButton, SubmitButton } from "../components/Button";
import { CodeField, PhoneField, TextField } from "../components/Field";
import { ErrorNotice, Notice } from "../components/Notice";
import { Tabs, type Tab } from "../components/Tabs";
import "./SecondFactor.css";

/** Runs one account action at a time, keeping its error here (never in the session's). */
export function useAccountAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AuthError | null>(null);
  async function run<T>(call: () => Promise<QueryResult<T>>): Promise<QueryResult<T>> {
    setBusy(true);
    setError(null);
    const result = await call();
    setBusy(false);
    if (!result.ok) setError(result.error);
    return result;
  }
  return { busy, error, run, clearError: () => setError(null) };
}

/** A 6-digit code input and its button; spaces are dropped before it is sent. */
export function CodeForm({
  id,
  label,
  busy,
  onSubmit,
}: {
  id: string;
  label: string;
  busy: boolean;
  onSubmit: (code: string) => void;
}) {
  const [code, setCode] = useState("");
  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!busy) onSubmit(code.replace(/\s+/g, ""));
  }
  return (
    <form className="form" onSubmit={submit}>
      <CodeField id={id} label={label} value={code} onChange={setCode} disabled={busy} />
      <SubmitButton id={`${id}-verify`} busy={busy} busyLabel="Checking…">
        Verify
      </SubmitButton>
    </form>
  );
}

/** What GoTrue tells the user who lost the device: there are no recovery codes. */
export function LostAuthenticator() {
  const [open, setOpen] = useState(false);
  return open ? (
    <Notice id="lost-authenticator-help" kind="info">
      Lost your authenticator or phone? There are no backup codes: your administrator can remove the second factor
      from your account, and you then sign in with your password and set up a new one.
    </Notice>
  ) : (
    <LinkButton id="lost-authenticator" onClick={() => setOpen(true)}>
      Lost your authenticator?
    </LinkButton>
  );
}

const KIND_TABS: Record<FactorType, Tab<FactorType>> = {
  totp: { key: "totp", id: "enrol-kind-totp", label: factorKind("totp"), panelId: "enrolment-panel" },
  phone: { key: "phone", id: "enrol-kind-phone", label: factorKind("phone"), panelId: "enrolment-panel" },
};

/** Sets up a second factor of one of the `allowed` types: it counts once its first code is verified (`onDone`). */
export function Enrolment({ allowed, onCancel, onDone = () => {} }: { allowed: FactorType[]; onCancel: () => void; onDone?: () => void }) {
  const [kind, setKind] = useState<FactorType>(allowed[0] ?? "totp");
  const [started, setStarted] = useState(false);
  if (allowed.length === 0) {
    return (
      <Notice id="no-factor-types" kind="info">
        Your organization allows no kind of second factor here. Contact your administrator.
      </Notice>
    );
  }
  return (
    <div id="enrolment" className="enrolment">
      {allowed.length > 1 && !started && (
        <Tabs tabs={allowed.map((k) => KIND_TABS[k])} selected={kind} onSelect={setKind} label="Kind of second factor" look="segmented" />
      )}
      <div id="enrolment-panel">
        {kind === "totp" ? (
          <TotpEnrolmentForm onStarted={() => setStarted(true)} onDone={onDone} />
        ) : (
          <PhoneEnrolmentForm onStarted={() => setStarted(true)} onDone={onDone} />
        )}
      </div>
      <LinkButton id="cancel-enrolment" onClick={onCancel}>
        Cancel
      </LinkButton>
    </div>
  );
}

interface FormSteps {
  onStarted: () => void;
  onDone: () => void;
}

function TotpEnrolmentForm({ onStarted, onDone }: FormSteps) {
  const { enrolTotp, verifyFactor } = useAccount();
  const { busy, error, run } = useAccountAction();
  const [name, setName] = useState("Authenticator app");
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);

  async function start(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const made = await run(() => enrolTotp(name.trim()));
    if (made.ok) {
      setEnrolment(made.value);
      onStarted();
    }
  }

  async function verify(code: string) {
    if (enrolment && (await run(() => verifyFactor(enrolment.factorId, code))).ok) onDone();
  }

  if (!enrolment) {
    return (
      <form className="form" onSubmit={(e) => void start(e)}>
        <ErrorNotice error={error} />
        <TextField id="factor-name" label="Name it (you'll see it when asked for a code)" value={name} onChange={setName} required disabled={busy} />
        <SubmitButton id="start-totp" busy={busy} busyLabel="Setting up…">
          Set up an authenticator app
        </SubmitButton>
      </form>
    );
  }
  return (
    <div className="form">
      <p className="form-hint">Scan this code with your authenticator app (or type the key below), then enter the 6-digit code it shows.</p>
      <div className="totp-key">
        <img id="totp-qr" className="totp-qr" alt="QR code for your authenticator app" src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qrSvg)}`} />
        <div>
          <p className="muted-text">Key for typing it in</p>
          <code id="totp-secret" className="totp-secret">
            {enrolment.secret}
          </code>
        </div>
      </div>
      <ErrorNotice error={error} />
      <CodeForm id="enrol-code" label="Code from the app" busy={busy} onSubmit={(code) => void verify(code)} />
    </div>
  );
}

function PhoneEnrolmentForm({ onStarted, onDone }: FormSteps) {
  const { enrolPhone, challengeFactor, verifyFactor } = useAccount();
  const { busy, error, run } = useAccountAction();
  const [name, setName] = useState("My phone");
  const [phone, setPhone] = useState("");
  const [factorId, setFactorId] = useState<string | null>(null);

  async function start(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const made = await run(() => enrolPhone(name.trim(), phone.replace(/[\s()-]/g, "")));
    if (made.ok && (await run(() => challengeFactor(made.value))).ok) {
      setFactorId(made.value);
      onStarted();
    }
  }

  if (!factorId) {
    return (
      <form className="form" onSubmit={(e) => void start(e)}>
        <ErrorNotice error={error} />
        <TextField id="factor-name" label="Name it" value={name} onChange={setName} required disabled={busy} />
        <PhoneField id="factor-phone" value={phone} onChange={setPhone} disabled={busy} />
        <SubmitButton id="start-phone" busy={busy} busyLabel="Sending…">
          Text me a code
        </SubmitButton>
      </form>
    );
  }
  return (
    <div className="form">
      <p id="phone-code-sent" className="form-hint" role="status">
        We texted a code to {phone}.
      </p>
      <ErrorNotice error={error} />
      <CodeForm
        id="enrol-code"
        label="Code from the text message"
        busy={busy}
        onSubmit={(code) => void run(() => verifyFactor(factorId, code)).then((r) => r.ok && onDone())}
      />
    </div>
  );
}
