import { useState, type FormEvent } from "react";
import { factorKind, methodsUsed, phoneEnding } from "../auth/messages";
import type { FactorType } from "../auth/types";
import { useAccount } from "../auth/useActions";
import { useClaims } from "../auth/useClaims";
import { useSession } from "../auth/useSession";
import { Button, SubmitButton } from "../components/Button";
import { PasswordField, TextField } from "../components/Field";
import { ErrorNotice, Notice } from "../components/Notice";
import { Table } from "../components/Table";
import { Enrolment, useAccountAction } from "./SecondFactor";
import "./SecondFactor.css";

const FACTOR_TYPES: FactorType[] = ["totp", "phone"];

/** Settings → Security: the second factors (list, add, remove), the password and the e-mail address. */
export function SecurityPanel() {
  return (
    <section id="security" className="security" aria-labelledby="security-title">
      <h2 id="security-title" className="section-title">
        Security
      </h2>
      <Factors />
      <ChangePassword />
      <ChangeEmail />
    </section>
  );
}

function Factors() {
  const { factors, twoFactor, aal, claims } = useClaims();
  const { unenrolFactor } = useAccount();
  const { busy, error, run } = useAccountAction();
  const [adding, setAdding] = useState(false);
  const used = methodsUsed(claims?.amr.map((m) => m.method) ?? []);
  return (
    <>
      <p id="two-factor-status">
        Two-factor: <strong>{twoFactor ? "on" : "off"}</strong> · this session: {aal ?? "aal1"}
        {used ? ` (${used})` : ""}
      </p>
      <ErrorNotice error={error} />
      {factors.length > 0 && (
        <Table id="factors" columns={["Name", "Kind", "Status", ""]}>
          {factors.map((f) => (
            <tr key={f.id} data-factor={f.id}>
              <td>{f.friendlyName || "—"}</td>
              <td>
                {factorKind(f.factorType)}
                {f.factorType === "phone" ? ` (ending ${phoneEnding(f.phone)})` : ""}
              </td>
              <td>{f.status === "verified" ? "Verified" : "Not finished"}</td>
              <td>
                <Button id={`remove-${f.id}`} size="small" variant="danger" disabled={busy} onClick={() => void run(() => unenrolFactor(f.id))}>
                  Remove
                </Button>
              </td>
            </tr>
          ))}
        </Table>
      )}
      {adding ? (
        <Enrolment allowed={FACTOR_TYPES} onCancel={() => setAdding(false)} onDone={() => setAdding(false)} />
      ) : (
        <div className="button-row-inline">
          <Button id="add-factor" onClick={() => setAdding(true)}>
            Add a second factor
          </Button>
        </div>
      )}
      <p className="muted-text">
        Lost a device? There are no backup codes: your administrator can remove its factor from your account.
      </p>
    </>
  );
}

function ChangePassword() {
  const { changePassword } = useAccount();
  const { busy, error, run } = useAccountAction();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [done, setDone] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setDone(false);
    if ((await run(() => changePassword(next, current))).ok) {
      setDone(true);
      setCurrent("");
      setNext("");
    }
  }

  return (
    <form id="change-password-form" className="form" onSubmit={(e) => void submit(e)}>
      <h3 className="section-title">Change password</h3>
      <ErrorNotice error={error} />
      {done && (
        <Notice id="password-changed" kind="info">
          Password changed. Your other devices were signed out; this one stays signed in.
        </Notice>
      )}
      <PasswordField id="current-password" label="Current password" autoComplete="current-password" value={current} onChange={setCurrent} disabled={busy} />
      <PasswordField id="changed-password" label="New password" autoComplete="new-password" value={next} onChange={setNext} disabled={busy} />
      <SubmitButton id="change-password" busy={busy} busyLabel="Saving…">
        Change password
      </SubmitButton>
    </form>
  );
}

function ChangeEmail() {
  const { changeEmail } = useAccount();
  const { user } = useSession();
  const { busy, error, run } = useAccountAction();
  const [email, setEmail] = useState("");

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if ((await run(() => changeEmail(email.trim()))).ok) setEmail("");
  }

  return (
    <form id="change-email-form" className="form" onSubmit={(e) => void submit(e)}>
      <h3 className="section-title">Change email</h3>
      <ErrorNotice error={error} />
      {user?.newEmail && (
        <Notice id="email-change-pending" kind="info">
          Confirm the change from the link we sent to <strong>{user.newEmail}</strong>. If your project confirms both
          addresses, also follow the link sent to <strong>{user.email}</strong>. Until then you sign in with{" "}
          {user.email}.
        </Notice>
      )}
      <TextField id="new-email" label="New email address" type="email" autoComplete="email" value={email} onChange={setEmail} required disabled={busy} />
      <SubmitButton id="change-email" busy={busy} busyLabel="Sending…">
        Change email
      </SubmitButton>
    </form>
  );
}
