import { useState, type FormEvent } from "react";
import { useFlows } from "../auth/useActions";
import { useSession } from "../auth/useSession";
import { LinkButton, SubmitButton } from "../components/Button";
import { Card, CardFooter } from "../components/Card";
import { EmailField } from "../components/Field";
import { ErrorNotice, Notice } from "../components/Notice";

export function ForgotPasswordScreen({ onBack }: { onBack: () => void }) {
  const { recoverPassword } = useFlows();
  const { error, pending, pendingAction } = useSession();
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
        <Notice id="forgot-sent" kind="info">
          If there is an account for <strong>{sentTo}</strong>, we sent it a link to reset the password.
          Open the link on this computer; it opens Latchkey, where you choose a new password.
        </Notice>
      ) : (
        <form className="form" onSubmit={(e) => void onSubmit(e)}>
          <p className="form-hint">Enter your account's email and we'll send you a link to set a new password.</p>
          <EmailField id="forgot-email" value={email} onChange={setEmail} disabled={pending} />
          <SubmitButton
            id="send-recovery"
            disabled={pending}
            busy={pendingAction === "recover_password"}
            busyLabel="Sending…"
          >
            Send reset link
          </SubmitButton>
        </form>
      )}
      <CardFooter>
        <LinkButton id="back-to-sign-in" onClick={onBack} disabled={pending}>
          Back to sign in
        </LinkButton>
      </CardFooter>
    </Card>
  );
}
