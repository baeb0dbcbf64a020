import { useState, type FormEvent } from "react";
import { useSession } from "../auth/useSession";
import { Card, ErrorNotice, LinkButton } from "../components/common";

/** Shown after PASSWORD_RECOVERY: the user opened a recovery link and must choose a password. */
export function NewPasswordScreen() {
  const { updatePassword, signOut, user, error, pending, pendingAction } = useSession();
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
        <div id="password-mismatch" className="notice notice-error" role="alert">
          The two passwords don't match.
        </div>
      )}
      <form className="form" onSubmit={onSubmit}>
        <div className="field">
          <label htmlFor="new-password">New password</label>
          <input
            id="new-password"
            type="password"
            autoComplete="new-password"
            required
            autoFocus
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            disabled={pending}
          />
        </div>
        <div className="field">
          <label htmlFor="confirm-password">Repeat the new password</label>
          <input
            id="confirm-password"
            type="password"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
            disabled={pending}
          />
        </div>
        <button
          id="save-password"
          type="submit"
          className="button button-primary button-block"
          disabled={pending}
          aria-busy={pendingAction === "update_password"}
        >
          {pendingAction === "update_password" ? "Saving…" : "Save password"}
        </button>
      </form>
      <div className="card-footer">
        <LinkButton id="cancel-recovery" onClick={() => void signOut("local")} disabled={pending}>
          Cancel and sign out
        </LinkButton>
      </div>
    </Card>
  );
}
