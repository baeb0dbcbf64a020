import { useState, type FormEvent } from "react";
import { useSession } from "../auth/useSession";
import { Card, EmailField, ErrorNotice, LinkButton } from "../components/common";

export function ForgotPasswordScreen({ onBack }: { onBack: () => void }) {
  const { recoverPassword, error, pending, pendingAction } = useSession();
  const [email, setEmail] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (pending) return;
    const address = email.trim();
    if (await recoverPassword(address)) setSentTo(address);
  }

  return (
    <Card id="forgot-screen" title="Reset your password" titleId="forgot-title">
      <ErrorNotice error={error} />
      {sentTo !== null ? (
        <div id="forgot-sent" className="notice notice-info" role="status">
          If there is an account for <strong>{sentTo}</strong>, we sent it a link to reset the password.
          Open the link on this computer; it opens Latchkey, where you choose a new password.
        </div>
      ) : (
        <form className="form" onSubmit={(e) => void onSubmit(e)}>
          <p className="form-hint">Enter your account's email and we'll send you a link to set a new password.</p>
          <EmailField id="forgot-email" value={email} onChange={setEmail} disabled={pending} />
          <button
            id="send-recovery"
            type="submit"
            className="button button-primary button-block"
            disabled={pending}
            aria-busy={pendingAction === "recover_password"}
          >
            {pendingAction === "recover_password" ? "Sending…" : "Send reset link"}
          </button>
        </form>
      )}
      <div className="card-footer">
        <LinkButton id="back-to-sign-in" onClick={onBack} disabled={pending}>
          Back to sign in
        </LinkButton>
      </div>
    </Card>
  );
}
