import { useState, type FormEvent } from "react";
import { useFlows } from "../auth/useActions";
import { useSession } from "../auth/useSession";
import { Button, LinkButton, SubmitButton } from "../components/Button";
import { Card, CardFooter } from "../components/Card";
import { EmailField, PasswordField } from "../components/Field";
import { ErrorNotice, Notice } from "../components/Notice";

export function SignUpScreen({ onBack }: { onBack: () => void }) {
  const { signUp } = useFlows();
  const { error, pending, pendingAction } = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (pending) return;
    const address = email.trim();
    const result = await signUp(address, password);
    // confirmationSent false: the core signs in and SIGNED_IN switches to the home screen.
    if (result?.confirmationSent) setSentTo(address);
  }

  if (sentTo !== null) {
    return (
      <Card id="sign-up-screen" title="Confirm your email" titleId="sign-up-title">
        <Notice id="sign-up-confirmation" kind="info">
          We sent a confirmation link to <strong>{sentTo}</strong>. Open it, then sign in.
        </Notice>
        <Button id="back-to-sign-in" variant="primary" block onClick={onBack}>
          Back to sign in
        </Button>
      </Card>
    );
  }

  return (
    <Card id="sign-up-screen" title="Create your account" titleId="sign-up-title">
      <ErrorNotice error={error} />
      <form className="form" onSubmit={(e) => void onSubmit(e)}>
        <EmailField id="sign-up-email" value={email} onChange={setEmail} disabled={pending} />
        <PasswordField
          id="sign-up-password"
          label="Password"
          autoComplete="new-password"
          hint="Use a long password you don't use anywhere else."
          value={password}
          onChange={setPassword}
          disabled={pending}
        />
        <SubmitButton id="sign-up" disabled={pending} busy={pendingAction === "sign_up"} busyLabel="Creating account…">
          Create account
        </SubmitButton>
      </form>
      <CardFooter>
        <LinkButton id="back-to-sign-in" onClick={onBack} disabled={pending}>
          I already have an account
        </LinkButton>
      </CardFooter>
    </Card>
  );
}
