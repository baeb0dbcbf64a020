import { useState, type FormEvent } from "react";
import { useFlows } from "../auth/useActions";
import { useSession } from "../auth/useSession";
import { LinkButton, SubmitButton } from "../components/Button";
import { Card, CardFooter } from "../components/Card";
import { PasswordField } from "../components/Field";
import { ErrorNotice, Notice } from "../components/Notice";

/** Shown after PASSWORD_RECOVERY: the user opened a recovery link and must choose a password. */
export function NewPasswordScreen() {
  const { updatePassword } = useFlows();
  const { signOut, user, error, pending, pendingAction } = useSession();
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [mismatch, setMismatch] = useState(false);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (pending) return;
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    void updatePassword(password);
  }

  return (
    <Card id="new-password-screen" title="Choose a new password" titleId="new-password-title">
      {user && (
        <p className="form-hint">
          For <strong>{user.email}</strong>. After saving, you stay signed in.
        </p>
      )}
      <ErrorNotice error={error} />
      {mismatch && (
        <Notice id="password-mismatch" kind="error">
          The two passwords don't match.
        </Notice>
      )}
      <form className="form" onSubmit={onSubmit}>
        <PasswordField
          id="new-password"
          label="New password"
          autoComplete="new-password"
          autoFocus
          value={password}
          onChange={setPassword}
          disabled={pending}
        />
        <PasswordField
          id="confirm-password"
          label="Repeat the new password"
          autoComplete="new-password"
          value={confirm}
          onChange={setConfirm}
          disabled={pending}
        />
        <SubmitButton id="save-password" disabled={pending} busy={pendingAction === "update_password"} busyLabel="Saving…">
          Save password
        </SubmitButton>
      </form>
      <CardFooter>
        <LinkButton id="cancel-recovery" onClick={() => void signOut("local")} disabled={pending}>
          Cancel and sign out
        </LinkButton>
      </CardFooter>
    </Card>
  );
}
